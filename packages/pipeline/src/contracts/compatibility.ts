import * as z from 'zod/mini';
import { envelopeSchema } from './envelope.js';
import type { MessageContract } from './registry.js';

/** Schema-registry style compatibility levels. */
export const COMPATIBILITY = { backward: 'BACKWARD', forward: 'FORWARD', full: 'FULL' } as const;
export type Compatibility = (typeof COMPATIBILITY)[keyof typeof COMPATIBILITY];

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a contract's `data`, as published.
 *
 * @param contract - a message contract
 * @example
 * ```ts
 * dataSchema(orderPlacedV1); // the JSON Schema of the message's `data`
 * ```
 */
export function dataSchema(contract: MessageContract): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(contract.data, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return schema;
}

/**
 * The JSON Schema of a contract's whole message: the envelope with its type, version and data.
 * Kept out of the registry: tools need it, the functions never do (zod's JSON Schema code stays out
 * of their bundles).
 *
 * @param contract - a message contract
 * @example
 * ```ts
 * messageSchema(orderPlacedV1); // the JSON Schema of the whole envelope, `data` included
 * ```
 */
export function messageSchema(contract: MessageContract): JsonSchema {
  const message = z.extend(envelopeSchema, {
    type: z.literal(contract.type),
    version: z.literal(contract.version),
    data: contract.data,
  });
  return z.toJSONSchema(message, { target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
}

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === 'string') return [schema.type];
  return [];
}

function accepts(readerTypes: string[], writerType: string): boolean {
  return (
    readerTypes.length === 0 ||
    readerTypes.includes(writerType) ||
    (writerType === 'integer' && readerTypes.includes('number'))
  );
}

const asSchema = (value: unknown): JsonSchema =>
  value !== null && typeof value === 'object' ? (value as JsonSchema) : {};

/**
 * What keeps `reader` from reading every value valid under `writer`, as "path: reason" lines.
 * The rule this project keeps (docs/patterns.md, "Contracts"): writers are CLOSED — a producer sends only the
 * fields its contract declares (zod emits `additionalProperties: false`) — and readers ignore fields
 * they do not know (zod strips them). Under it an added optional field is compatible both ways; with
 * an open writer it would not be, because old data may carry that field with any value, so an open
 * published writer is checked as such.
 *
 * @param writer - the schema data was written with
 * @param reader - the schema that reads it
 * @param path - where in the message (for the messages)
 * @example
 * ```ts
 * readProblems(writerSchema, readerSchema, 'data'); // one line per field the reader cannot read; [] when it can
 * ```
 */
export function readProblems(writer: JsonSchema, reader: JsonSchema, path = 'data'): string[] {
  const problems: string[] = [];
  const readerTypes = typesOf(reader);
  for (const type of typesOf(writer)) {
    if (!accepts(readerTypes, type))
      problems.push(`${path}: written as ${type}, read as ${readerTypes.join(' or ')}`);
  }
  if (reader.const !== undefined && writer.const !== reader.const) {
    problems.push(
      `${path}: the reader accepts only ${JSON.stringify(reader.const)}, the writer sends ${JSON.stringify(writer.const ?? writer.enum ?? 'any value')}`,
    );
  }
  if (Array.isArray(reader.enum)) {
    const written = Array.isArray(writer.enum)
      ? writer.enum
      : writer.const !== undefined
        ? [writer.const]
        : undefined;
    const unknown = written?.filter((value) => !(reader.enum as unknown[]).includes(value));
    if (!written || (unknown && unknown.length > 0)) {
      problems.push(
        `${path}: the writer may send ${JSON.stringify(unknown ?? 'any value')}, not among ${JSON.stringify(reader.enum)}`,
      );
    }
  }
  const tighter = (name: string, readerValue: unknown, writerValue: unknown, lowerBound: boolean) => {
    if (typeof readerValue !== 'number') return;
    const loose =
      typeof writerValue !== 'number' || (lowerBound ? writerValue < readerValue : writerValue > readerValue);
    if (loose)
      problems.push(
        `${path}: the reader requires ${name} ${readerValue}, the writer allows ${writerValue ?? 'no limit'}`,
      );
  };
  tighter('minLength', reader.minLength, writer.minLength, true);
  tighter('maxLength', reader.maxLength, writer.maxLength, false);
  tighter('minimum', reader.minimum, writer.minimum, true);
  tighter('maximum', reader.maximum, writer.maximum, false);
  tighter('minItems', reader.minItems, writer.minItems, true);
  tighter('maxItems', reader.maxItems, writer.maxItems, false);
  if (typeof reader.pattern === 'string' && reader.pattern !== writer.pattern) {
    problems.push(
      `${path}: the reader requires pattern ${reader.pattern}, the writer ${writer.pattern ?? 'none'}`,
    );
  }
  if (typeof reader.format === 'string' && reader.format !== writer.format) {
    problems.push(
      `${path}: the reader requires format ${reader.format}, the writer ${writer.format ?? 'none'}`,
    );
  }
  if (reader.items !== undefined)
    problems.push(...readProblems(asSchema(writer.items), asSchema(reader.items), `${path}[]`));
  const readerProperties = asSchema(reader.properties);
  const writerProperties = asSchema(writer.properties);
  const writerRequired = new Set((writer.required as string[] | undefined) ?? []);
  for (const name of (reader.required as string[] | undefined) ?? []) {
    if (!writerRequired.has(name)) {
      problems.push(
        `${path}.${name}: required by the reader, ${name in writerProperties ? 'optional' : 'absent'} in what the writer sends`,
      );
    }
  }
  for (const [name, readerProperty] of Object.entries(readerProperties)) {
    if (name in writerProperties)
      problems.push(
        ...readProblems(asSchema(writerProperties[name]), asSchema(readerProperty), `${path}.${name}`),
      );
    else if (
      writer.type === 'object' &&
      writer.additionalProperties !== false &&
      Object.keys(asSchema(readerProperty)).length > 0
    ) {
      problems.push(
        `${path}.${name}: the writer's schema is open, so data may carry ${name} with a value the reader rejects`,
      );
    }
  }
  return problems;
}

/**
 * Problems of `current` against the `published` schema of the same message version, under `policy`.
 *
 * @param published - the schema as published
 * @param current - the schema now
 * @param policy - the topic's compatibility rule
 * @example
 * ```ts
 * compatibilityProblems(publishedSchema, dataSchema(orderPlacedV1), 'backward');
 * // [] when readers of the published schema can read what is produced now
 * ```
 */
export function compatibilityProblems(
  published: JsonSchema,
  current: JsonSchema,
  policy: Compatibility,
): string[] {
  const backward =
    policy === COMPATIBILITY.forward
      ? []
      : readProblems(published, current).map((line) => `BACKWARD (new reads old) ${line}`);
  const forward =
    policy === COMPATIBILITY.backward
      ? []
      : readProblems(current, published).map((line) => `FORWARD (old reads new) ${line}`);
  return [...backward, ...forward];
}
