import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleOptions } from '../../local/bundle-options.js';

/**
 * Every error class lib/ and the pipeline package export, and where a function bundle imports each
 * from: lib's by their file, the package's by its entry point, as the functions do.
 */
function exportedErrorClasses(): Array<{ name: string; from: string }> {
  const classes: Array<{ name: string; from: string }> = [];
  for (const [folder, entryPoint] of [
    ['lib', undefined],
    ['packages/pipeline/src', '@msk-patterns/pipeline'],
  ] as const) {
    for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = resolve(entry.parentPath, entry.name);
      for (const match of readFileSync(file, 'utf8').matchAll(/^export class (\w+) extends \w*Error\b/gm))
        if (match[1]) classes.push({ name: match[1], from: entryPoint ?? file });
    }
  }
  return classes;
}

describe('error classes in the packaged bundle', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bundled-errors-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('keep their names though minified without keepNames (logs and dead-letter records show them)', async () => {
    // Prepare: one entry exporting every error class, bundled with serverless.yml's esbuild options.
    const classes = exportedErrorClasses();
    const outfile = join(folder, 'errors.cjs');
    await build({
      ...bundleOptions(),
      stdin: {
        contents: classes
          .map(({ name, from }) => `export { ${name} } from ${JSON.stringify(from)};`)
          .join('\n'),
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      outfile,
      sourcemap: false,
      logLevel: 'error',
    });

    // Act
    const bundled: Record<string, unknown> = createRequire(import.meta.url)(outfile);

    // Assess: every class names its errors after itself, whatever the minifier called the class.
    expect(classes.length).toBeGreaterThan(15);
    const renamed: string[] = [];
    for (const { name } of classes) {
      const ErrorClass = bundled[name];
      if (typeof ErrorClass !== 'function') throw new Error(`${name} is not exported by the bundle`);
      const error: unknown = Reflect.construct(ErrorClass, []);
      if (!(error instanceof Error)) throw new Error(`${name} does not construct an Error`);
      expect(error.name, name).toBe(name);
      if (ErrorClass.name !== name) renamed.push(name);
    }
    // The control: the minifier did rename the classes, so the names above come from the classes.
    expect(renamed.length).toBeGreaterThan(0);
  });
});
