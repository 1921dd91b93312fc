import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console's pages, built into dist/ and served by local/console/server.ts: one bundle, no asset
 * from anywhere else (the server's Content-Security-Policy allows only its own).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
