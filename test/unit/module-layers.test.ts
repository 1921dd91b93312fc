import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The lib folders form layers (docs/architecture.md, "Layers"): a folder imports only from folders of
 * lower layers. The leaves hold what everything shares (errors, ids, declarations).
 */
const LIB_LAYERS = [
  ['common', 'deploy'],
  ['contracts'],
  ['domain', 'kafka'],
  ['store'],
  ['pipeline'],
] as const;

/** Top-level folders and what each may import from the others. */
const TOP_LEVEL: Record<string, readonly string[]> = {
  lib: [],
  functions: ['lib'],
  deploy: ['lib', 'functions'],
  local: ['lib', 'functions', 'deploy'],
  bench: ['lib', 'functions', 'deploy', 'local'],
  test: ['lib', 'functions', 'deploy', 'local'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.cts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The project files a source file imports (TypeScript's own pre-processor finds them). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => normalize(join(dirname(file), name)));
}

const layerOf = (folder: string) =>
  LIB_LAYERS.findIndex((layer) => (layer as readonly string[]).includes(folder));

describe('module layers', () => {
  it('every lib folder imports only from lower layers: the folder graph is acyclic', () => {
    const violations: string[] = [];
    const folders = new Set<string>();
    for (const file of sourceFiles('lib')) {
      const [, from = ''] = file.split('/');
      folders.add(from);
      for (const target of importsOf(file)) {
        const [top, to = ''] = target.split('/');
        if (top !== 'lib') violations.push(`${file} imports ${target}, outside lib`);
        else if (to !== from && !(layerOf(to) < layerOf(from)))
          violations.push(`${file} (${from}) imports ${relative('lib', target)} (${to})`);
      }
    }
    expect(
      [...folders].filter((folder) => layerOf(folder) === -1),
      'folders missing from LIB_LAYERS',
    ).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('the top-level folders depend downwards only (nothing imports test, local stays out of the functions)', () => {
    const violations: string[] = [];
    for (const [folder, allowed] of Object.entries(TOP_LEVEL))
      for (const file of sourceFiles(folder))
        for (const target of importsOf(file)) {
          const [top = ''] = target.split('/');
          if (top !== folder && !allowed.includes(top)) violations.push(`${file} imports ${target}`);
        }
    expect(violations).toEqual([]);
  });
});
