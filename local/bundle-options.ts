import { createRequire } from 'node:module';
import { loadServerlessConfig, type ServerlessConfig, serverlessFile } from '@msk-patterns/emulator';
import type { BuildOptions, Plugin } from 'esbuild';
import * as z from 'zod';
import { SERVICE_DIRECTORY } from './service.js';

const esbuildPlugin = z.custom<Plugin>(
  (value) =>
    typeof value === 'object' && value !== null && 'setup' in value && typeof value.setup === 'function',
  'not an esbuild plugin',
);

/** serverless.yml's `custom.esbuild`: the settings serverless-esbuild bundles every function with. */
const EsbuildSettings = z.object({
  minify: z.boolean(),
  sourcemap: z.boolean(),
  sourcesContent: z.boolean().default(true),
  target: z.string(),
  platform: z.literal('node'),
  format: z.literal('cjs'),
  mainFields: z.array(z.string()),
  keepNames: z.boolean(),
  /** language features esbuild must lower */
  supported: z.record(z.string(), z.boolean()).default({}),
  /** a file exporting the plugins, relative to serverless.yml */
  plugins: z.string().optional(),
  external: z.array(z.string()).default([]),
  /** external, and not packaged either */
  exclude: z.array(z.string()).default([]),
});

/** What {@link bundleOptions} returns: esbuild's options, with the lists the callers extend made definite. */
export type BundleOptions = BuildOptions & { external: string[]; plugins: Plugin[] };

/**
 * The esbuild options of serverless.yml's `custom.esbuild` as esbuild takes them — `exclude` made
 * external as serverless-esbuild does, the plugins file loaded — so that the benchmarks and tests bundle
 * exactly as `serverless package` does.
 */
export function bundleOptions(
  config: ServerlessConfig = loadServerlessConfig({ stage: 'dev' }),
): BundleOptions {
  const { plugins, external, exclude, ...options } = z
    .object({ esbuild: EsbuildSettings })
    .parse(config.custom).esbuild;
  return {
    ...options,
    bundle: true,
    external: [...external, ...exclude],
    plugins: plugins
      ? z.array(esbuildPlugin).parse(createRequire(serverlessFile(SERVICE_DIRECTORY))(plugins))
      : [],
  };
}
