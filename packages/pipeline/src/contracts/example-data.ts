import type { JsonSchema } from './compatibility.js';

/** Candidate strings for patterned fields; the first that fits the pattern and lengths is used. */
const STRING_CANDIDATES = [
  'order-1001',
  'customer-42',
  'sku-espresso',
  'EUR',
  '12.50',
  'x',
  '2026-01-01T00:00:00.000Z',
  'ab',
];

function exampleString(schema: JsonSchema, name?: string): string {
  if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
  const fits = (value: string) =>
    value.length >= min && value.length <= max && (!pattern || pattern.test(value));
  const named = name
    ? [`${name.replace(/Id$/, '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}-1001`]
    : [];
  const candidates = [...named, ...STRING_CANDIDATES];
  const padded = [
    ...candidates,
    ...candidates.map((candidate) =>
      candidate.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, candidate.length))),
    ),
  ];
  const found = padded.find(fits);
  if (found === undefined) throw new Error(`no example string fits ${JSON.stringify(schema)}`);
  return found;
}

/**
 * An example value for a JSON Schema (the subset zod emits for our contracts). `full` fills optional
 * fields too; `minimal` only the required ones — producers may send either, consumers must cope.
 *
 * @param schema - a JSON Schema
 * @param mode - only what is required, or every property
 * @param name - the property it is for (shapes ids and names)
 * @example
 * ```ts
 * exampleFromSchema(dataSchema(placeOrderV1), 'minimal'); // the smallest data the schema accepts
 * ```
 */
export function exampleFromSchema(schema: JsonSchema, mode: 'minimal' | 'full', name?: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) return exampleFromSchema(schema.anyOf[0] as JsonSchema, mode, name);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  const type = types.find((candidate) => candidate !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([name]) => mode === 'full' || required.has(name))
          .map(([property, propertySchema]) => [property, exampleFromSchema(propertySchema, mode, property)]),
      );
    }
    case 'array': {
      const count = Math.max(1, (schema.minItems as number | undefined) ?? 0);
      return Array.from({ length: count }, () =>
        exampleFromSchema((schema.items ?? {}) as JsonSchema, mode, name),
      );
    }
    case 'string':
      return exampleString(schema, name);
    case 'integer':
    case 'number': {
      const minimum =
        (schema.minimum as number | undefined) ?? (schema.exclusiveMinimum as number | undefined);
      return minimum === undefined ? 1 : Math.max(minimum, 1);
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}
