import { compileAcceptor, envelopeSchema, exampleFromSchema, messageSchema } from '@msk-patterns/pipeline';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { extend } from 'zod/mini';
import { contracts } from '../../lib/contracts/index.js';

type Path = Array<string | number>;

/** Every path into a JSON value, the root included. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const inner =
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([name, child]) =>
          pathsOf(child, [...prefix, Array.isArray(value) ? Number(name) : name]),
        )
      : [];
  return [prefix, ...inner];
}

/** A copy of `value` with `change` applied to what sits at `path` (undefined deletes it). */
function changedAt(value: unknown, path: Path, change: (old: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(head)] = changedAt(copy[Number(head)], rest, change);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const next = changedAt(copy[String(head)], rest, change);
  if (next === undefined) delete copy[String(head)];
  else copy[String(head)] = next;
  return copy;
}

const messageSchemas = contracts.contracts.map((contract) => ({
  name: `${contract.topic}/${contract.type}/v${contract.version}`,
  zod: extend(envelopeSchema, { data: contract.data }),
  accepts: compileAcceptor(extend(envelopeSchema, { data: contract.data })),
  examples: (['minimal', 'full'] as const).map((mode) => exampleFromSchema(messageSchema(contract), mode)),
}));

describe('compiled acceptors agree with zod (property-based)', () => {
  it('compile for every contract and accept its examples (the fast path is the one taken)', () => {
    for (const { name, accepts, examples } of messageSchemas) {
      expect(accepts, name).toBeDefined();
      for (const example of examples) expect(accepts?.(example), name).toBe(true);
    }
  });

  it('say true only for a value zod accepts and returns unchanged: any value, key or element changed, removed or added', () => {
    const mutation = fc.oneof(
      fc.jsonValue().map((replacement) => () => replacement),
      fc.constant(() => undefined),
      fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'id'), fc.jsonValue()).map(
        ([key, extra]) =>
          (old: unknown) =>
            // fromEntries defines `__proto__` as an own key, as JSON.parse does for a message's text.
            typeof old === 'object' && old !== null && !Array.isArray(old)
              ? Object.fromEntries([[key, extra], ...Object.entries(old)])
              : old,
      ),
      fc.constantFrom(
        () => '',
        () => -1,
        () => 0,
        () => 'EU',
        () => 0.5,
        () => 2 ** 53,
        () => null,
        () => [],
        () => ({}),
        () => '2026-02-30T00:00:00Z',
        () => '2026-01-01T00:00:00+01:00',
      ),
    );
    const cases = messageSchemas.flatMap(({ name, zod, accepts, examples }) =>
      examples.map((example) => ({ name, zod, accepts, example, paths: pathsOf(example) })),
    );
    fc.assert(
      fc.property(
        fc
          .constantFrom(...cases)
          .chain((entry) =>
            fc.tuple(
              fc.constant(entry),
              fc.array(fc.tuple(fc.constantFrom(...entry.paths), mutation), { maxLength: 3 }),
            ),
          ),
        ([{ name, zod, accepts, example }, changes]) => {
          const candidate = changes.reduce<unknown>(
            (value, [path, change]) => changedAt(value, path, change),
            example,
          );
          const value: unknown = JSON.parse(JSON.stringify(candidate ?? null));
          if (!accepts?.(value)) return;
          const parsed = zod.safeParse(value);
          expect(parsed.success, name).toBe(true);
          expect(parsed.data, name).toStrictEqual(value);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('leaves to zod what it does not compile: unions, refinements, catchalls, formats with code of their own', () => {
    for (const schema of [
      z.union([z.string(), z.number()]),
      z.string().refine((value) => value.length > 2),
      z.object({ a: z.string() }).strict(),
      z.object({ a: z.string() }).passthrough(),
      z.string().email(),
      z.url(),
      z.number().multipleOf(5),
      z.string().default('x'),
      z.string().transform((value) => value.length),
    ]) {
      expect(compileAcceptor(schema)).toBeUndefined();
    }
  });
});
