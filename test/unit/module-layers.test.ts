import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

/**
 * The application's lib folders form layers (docs/architecture.md, "Layers"): a folder imports only
 * from folders of lower layers (and from the packages, through their entry points).
 */
const LIB_LAYERS = [['deploy'], ['contracts'], ['domain'], ['store']] as const;

/** The pipeline package's source folders, layered the same way: the leaves hold errors, ids, declarations. */
const PIPELINE_LAYERS = [
  ['common', 'deploy', 'tracing'],
  ['contracts'],
  ['kafka'],
  ['store'],
  ['pipeline'],
] as const;

/** The workspace packages: name → folder. */
const PACKAGES: Record<string, string> = Object.fromEntries(
  readdirSync('packages').map((folder) => {
    const { name } = z
      .object({ name: z.string() })
      .parse(JSON.parse(readFileSync(join('packages', folder, 'package.json'), 'utf8')));
    return [name, `packages/${folder}`];
  }),
);

/** The application's top-level folders. */
const APPLICATION = ['functions', 'lib', 'local', 'bundle', 'bench', 'test'];

/** Top-level folders and what each may import from the others. */
const TOP_LEVEL: Record<string, readonly string[]> = {
  lib: [],
  functions: ['lib'],
  bundle: [],
  local: ['lib', 'functions', 'bundle'],
  bench: ['lib', 'functions', 'bundle', 'local'],
  test: ['lib', 'functions', 'bundle', 'local'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.cts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module specifier a source file imports (TypeScript's own pre-processor finds them). */
function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((imported) => imported.fileName);
}

/** The project files a source file imports. */
function importsOf(file: string): string[] {
  return specifiersOf(readFileSync(file, 'utf8'))
    .filter((name) => name.startsWith('.'))
    .map((name) => normalize(join(dirname(file), name)));
}

const layerIn = (layers: ReadonlyArray<readonly string[]>) => (folder: string) =>
  layers.findIndex((layer) => layer.includes(folder));
const layerOf = layerIn(LIB_LAYERS);

/**
 * What breaks the packages' boundary in one file: a package importing anything outside itself (the
 * application, or another package by path), or the application reaching into a package other than
 * through its entry point (a path into its folder, or a subpath of its name).
 */
function boundaryViolations(file: string, source: string): string[] {
  const violations: string[] = [];
  const home = Object.values(PACKAGES).find((folder) => file.startsWith(`${folder}/`));
  for (const specifier of specifiersOf(source)) {
    const target = specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : undefined;
    if (home) {
      if (target && !target.startsWith(`${home}/`))
        violations.push(`${file} imports ${target}, outside its package`);
      continue;
    }
    if (target && Object.values(PACKAGES).some((folder) => target.startsWith(`${folder}/`)))
      violations.push(`${file} imports ${target}: a package's files, not its entry point`);
    for (const name of Object.keys(PACKAGES))
      if (specifier.startsWith(`${name}/`)) violations.push(`${file} deep-imports ${specifier}`);
  }
  return violations;
}

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

  it("the pipeline package's folders import only from lower layers", () => {
    const layer = layerIn(PIPELINE_LAYERS);
    const violations: string[] = [];
    const root = `${PACKAGES['@msk-patterns/pipeline']}/src`;
    for (const file of sourceFiles(root)) {
      const from = relative(root, file).split('/')[0] ?? '';
      if (from === 'index.ts') continue;
      for (const target of importsOf(file)) {
        const to = relative(root, target).split('/')[0] ?? '';
        if (to !== from && !(layer(to) < layer(from)))
          violations.push(`${file} (${from}) imports ${target} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no package imports the application, and the application uses each package only through its entry point', () => {
    // Prepare: the check itself, on injected imports
    const injected = [
      ...boundaryViolations(
        'functions/x.ts',
        "import { x } from '@msk-patterns/pipeline/dist/pipeline/processor.js';",
      ),
      ...boundaryViolations('lib/x.ts', "const { x } = await import('../packages/pipeline/src/index.js');"),
      ...boundaryViolations(
        'packages/pipeline/src/x.ts',
        "import { contracts } from '../../../lib/contracts/index.js';",
      ),
    ];
    expect(injected).toHaveLength(3);

    // Act
    const files = [
      ...APPLICATION,
      ...Object.values(PACKAGES).flatMap((folder) => [`${folder}/src`, `${folder}/test`]),
    ].flatMap((folder) => sourceFiles(folder));
    const violations = files.flatMap((file) => boundaryViolations(file, readFileSync(file, 'utf8')));

    // Assess
    expect(Object.keys(PACKAGES)).toEqual(
      expect.arrayContaining(['@msk-patterns/pipeline', '@msk-patterns/serverless-plugin']),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });

  it('the workspaces are listed in build order: each package after the packages it depends on', () => {
    // `npm run build --workspaces` (run by `npm ci`) builds in this order; a package's types come from
    // the dist of the packages it depends on.
    const Manifest = z.object({
      workspaces: z.array(z.string()),
      dependencies: z.record(z.string(), z.string()).optional(),
    });
    const { workspaces } = Manifest.parse(JSON.parse(readFileSync('package.json', 'utf8')));
    const names = workspaces.map((folder) => Object.keys(PACKAGES).find((name) => PACKAGES[name] === folder));
    const late = workspaces.flatMap((folder, index) => {
      const { dependencies = {} } = Manifest.partial({ workspaces: true }).parse(
        JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')),
      );
      return Object.keys(dependencies)
        .filter((name) => name in PACKAGES && names.indexOf(name) > index)
        .map((name) => `${folder} depends on ${name}, built after it`);
    });
    expect(names.sort()).toEqual(Object.keys(PACKAGES).sort());
    expect(late).toEqual([]);
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
