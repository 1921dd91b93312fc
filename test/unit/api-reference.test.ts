import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';

const API_REFERENCE = 'docs/api';
const generated = mkdtempSync(join(tmpdir(), 'api-reference-'));
const reflections = join(generated, '..', `${relative(tmpdir(), generated)}.json`);

/** TypeDoc's reflection kinds that take parameters: functions, constructors, methods. */
const KIND = { function: 64, class: 128, constructor: 512, method: 2048 } as const;

/** A TSDoc comment as TypeDoc gives it: its block tags (`@param` is on the parameter instead). */
interface Comment {
  blockTags?: Array<{ tag: string }> | undefined;
}
const CommentSchema = z.looseObject({
  blockTags: z.array(z.looseObject({ tag: z.string() })).optional(),
});

/** The part of TypeDoc's JSON output read here: declarations, their signatures and comments. */
interface Reflection {
  name: string;
  kind: number;
  comment?: Comment | undefined;
  flags?: { isPrivate?: boolean | undefined } | undefined;
  inheritedFrom?: unknown;
  children?: Reflection[] | undefined;
  signatures?:
    | Array<{
        comment?: Comment | undefined;
        parameters?: Array<{ name: string; comment?: unknown }> | undefined;
      }>
    | undefined;
}
const ReflectionSchema: z.ZodType<Reflection> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    kind: z.number(),
    comment: CommentSchema.optional(),
    flags: z.looseObject({ isPrivate: z.boolean().optional() }).optional(),
    inheritedFrom: z.unknown().optional(),
    children: z.array(ReflectionSchema).optional(),
    signatures: z
      .array(
        z.looseObject({
          comment: CommentSchema.optional(),
          parameters: z
            .array(z.looseObject({ name: z.string(), comment: z.unknown().optional() }))
            .optional(),
        }),
      )
      .optional(),
  }),
);

/** Each exported function's and public method's parameters that its TSDoc leaves out (`@param`). */
function undocumentedParameters(packages: readonly Reflection[]): string[] {
  const callables = (owner: Reflection, prefix: string): Array<[string, Reflection]> =>
    (owner.children ?? []).flatMap((child): Array<[string, Reflection]> => {
      if (child.kind === KIND.function) return [[`${prefix}${child.name}`, child]];
      if (child.kind === KIND.class) return callables(child, `${prefix}${child.name}.`);
      const ownPublic = !child.flags?.isPrivate && child.inheritedFrom === undefined;
      return (child.kind === KIND.constructor || child.kind === KIND.method) && ownPublic
        ? [[`${prefix}${child.name}`, child]]
        : [];
    });
  return packages.flatMap((pkg) =>
    callables(pkg, `${pkg.name}: `).flatMap(([name, callable]) =>
      (callable.signatures ?? []).flatMap((signature) =>
        (signature.parameters ?? [])
          .filter((parameter) => parameter.comment === undefined)
          .map((parameter) => `${name}(${parameter.name})`),
      ),
    ),
  );
}
/** Each exported function and class whose TSDoc shows no use of it (`@example`). */
function withoutExample(packages: readonly Reflection[]): string[] {
  const hasExample = (comment: Comment | undefined) =>
    comment?.blockTags?.some((tag) => tag.tag === '@example') ?? false;
  return packages.flatMap((pkg) =>
    (pkg.children ?? [])
      .filter((child) =>
        child.kind === KIND.function
          ? !(child.signatures ?? []).some((signature) => hasExample(signature.comment))
          : child.kind === KIND.class && !hasExample(child.comment),
      )
      .map((child) => `${pkg.name}: ${child.name}`),
  );
}

afterAll(() => {
  rmSync(generated, { recursive: true, force: true });
  rmSync(reflections, { force: true });
});

/** Every file under a folder, by its path inside it, with its text. */
function filesOf(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [relative(folder, path), readFileSync(path, 'utf8')];
      }),
  );
}

describe('the API reference', () => {
  it('in docs/api is what TypeDoc makes of the packages now (`npm run docs:api` regenerates it), every parameter documented, every function and class with an example', async () => {
    // Act: the reference of the packages' public entry points, generated afresh
    await promisify(execFile)('npx', ['typedoc', '--out', generated, '--json', reflections], {
      timeout: 120_000,
    });

    // Assess: the same files, the same text; TypeDoc found nothing referenced but not exported
    const committed = filesOf(API_REFERENCE);
    const fresh = filesOf(generated);
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const [path, text] of Object.entries(fresh)) expect(text, `${path} is stale`).toBe(committed[path]);

    // …and every exported function and public method says what each of its parameters is
    const packages = z
      .object({ children: z.array(ReflectionSchema) })
      .parse(JSON.parse(readFileSync(reflections, 'utf8'))).children;
    expect(packages.map((pkg) => pkg.name).sort()).toEqual([
      '@msk-patterns/emulator',
      '@msk-patterns/pipeline',
      '@msk-patterns/serverless-plugin',
    ]);
    expect(undocumentedParameters(packages)).toEqual([]);
    // …and shows how it is used
    expect(withoutExample(packages)).toEqual([]);
  }, 120_000);
});
