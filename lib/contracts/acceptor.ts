import type * as z from 'zod';

/**
 * A predicate compiled from a zod schema: true only when zod would accept the value *and* return it
 * unchanged (so the value itself can stand for zod's output). False means "ask zod": the value may be
 * invalid, or valid with keys zod would strip. Built for the hot path of every record's validation,
 * where zod's own parse costs ~2 µs for an order command and this ~0.1 µs (bench/pipeline.ts).
 * `test/unit/acceptor.fuzz.test.ts` keeps it in agreement with zod.
 */
export type Acceptor = (value: unknown) => boolean;

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

interface SchemaDef {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  format?: string;
  pattern?: RegExp;
  shape?: Record<string, z.ZodType>;
  catchall?: unknown;
  element?: z.ZodType;
  innerType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (schema: z.ZodType): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** What a length check asks of `length`, or undefined for a check this compiler does not know. */
function lengthRule(check: CheckDef): ((length: number) => boolean) | undefined {
  const { minimum, maximum, length } = check;
  if (check.check === 'min_length' && minimum !== undefined) return (actual) => actual >= minimum;
  if (check.check === 'max_length' && maximum !== undefined) return (actual) => actual <= maximum;
  if (check.check === 'length_equals' && length !== undefined) return (actual) => actual === length;
  return undefined;
}

function all<T>(rules: Array<(value: T) => boolean>): (value: T) => boolean {
  return (value) => {
    for (const rule of rules) if (!rule(value)) return false;
    return true;
  };
}

/** As zod tests a pattern: from the start, also for a global or sticky one. */
function matches(pattern: RegExp, value: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(value);
}

/** String formats zod checks with their pattern alone (others, like url or jwt, run code of their own). */
const PATTERN_FORMATS: ReadonlySet<string> = new Set(['datetime', 'date', 'time', 'uuid', 'regex']);

function stringAcceptor(def: SchemaDef): Acceptor | undefined {
  const rules: Array<(value: string) => boolean> = [];
  if (def.format !== undefined) {
    const { pattern } = def;
    if (!PATTERN_FORMATS.has(def.format) || !(pattern instanceof RegExp)) return undefined;
    rules.push((value) => matches(pattern, value));
  }
  for (const { _zod } of def.checks ?? []) {
    const check = _zod.def;
    if (check.check === 'string_format' && check.format === 'regex' && check.pattern instanceof RegExp) {
      const { pattern } = check;
      rules.push((value) => matches(pattern, value));
      continue;
    }
    const rule = lengthRule(check);
    if (!rule) return undefined;
    rules.push((value) => rule(value.length));
  }
  const valid = all(rules);
  return (value) => typeof value === 'string' && valid(value);
}

function numberAcceptor(def: SchemaDef): Acceptor | undefined {
  if (def.format !== undefined && def.format !== 'safeint') return undefined;
  const rules: Array<(value: number) => boolean> = [
    def.format === 'safeint' ? Number.isSafeInteger : Number.isFinite,
  ];
  for (const { _zod } of def.checks ?? []) {
    const { check, value: bound, inclusive } = _zod.def;
    if (bound === undefined) return undefined;
    if (check === 'greater_than')
      rules.push(inclusive ? (value) => value >= bound : (value) => value > bound);
    else if (check === 'less_than')
      rules.push(inclusive ? (value) => value <= bound : (value) => value < bound);
    else return undefined;
  }
  const valid = all(rules);
  return (value) => typeof value === 'number' && valid(value);
}

function arrayAcceptor(def: SchemaDef): Acceptor | undefined {
  const element = def.element && compile(def.element);
  if (!element) return undefined;
  const rules: Array<(length: number) => boolean> = [];
  for (const { _zod } of def.checks ?? []) {
    const rule = lengthRule(_zod.def);
    if (!rule) return undefined;
    rules.push(rule);
  }
  const validLength = all(rules);
  return (value) => {
    if (!Array.isArray(value) || !validLength(value.length)) return false;
    for (const item of value) if (!element(item)) return false;
    return true;
  };
}

function objectAcceptor(def: SchemaDef): Acceptor | undefined {
  // A catchall (passthrough, strict, …) changes what happens to unknown keys: leave those to zod.
  if (!def.shape || def.catchall !== undefined || (def.checks?.length ?? 0) > 0) return undefined;
  const fields: Array<{ name: string; optional: boolean; accept: Acceptor }> = [];
  for (const [name, field] of Object.entries(def.shape)) {
    const fieldDef = defOf(field);
    const optional = fieldDef.type === 'optional';
    const inner = optional ? fieldDef.innerType : field;
    const accept = inner && compile(inner);
    if (!accept) return undefined;
    fields.push({ name, optional, accept });
  }
  const shape = def.shape;
  const count = fields.length;
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (let index = 0; index < count; index++) {
      const { name, optional, accept } = fields[index] as (typeof fields)[number];
      const field = Object.hasOwn(record, name) ? record[name] : undefined;
      if (field === undefined ? !optional : !accept(field)) return false;
    }
    // zod strips keys it does not know: a value with any is not zod's output as it stands.
    for (const name in record) if (!Object.hasOwn(shape, name)) return false;
    return true;
  };
}

/**
 * Compile the zod features our contracts use (objects in zod's default strip mode, strings with
 * length, regex and ISO formats, safe integers and numbers with bounds, arrays with lengths,
 * nullable, optional fields, literals, enums, unknown); anything else gives undefined, and the
 * caller keeps zod for that schema.
 */
export function compileAcceptor(schema: z.ZodType): Acceptor | undefined {
  return compile(schema);
}

/**
 * {@link compileAcceptor} as a type guard for the schema's output: sound because the acceptor says
 * true only for a value zod accepts and returns unchanged (the fuzz test holds it to that).
 */
export function compileGuard<T>(schema: z.ZodType<T>): ((value: unknown) => value is T) | undefined {
  return compile(schema) as ((value: unknown) => value is T) | undefined;
}

function compile(schema: z.ZodType): Acceptor | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return stringAcceptor(def);
    case 'number':
      return numberAcceptor(def);
    case 'boolean':
      return (def.checks?.length ?? 0) === 0 ? (value) => typeof value === 'boolean' : undefined;
    case 'array':
      return arrayAcceptor(def);
    case 'object':
      return objectAcceptor(def);
    case 'nullable': {
      const inner = def.innerType && compile(def.innerType);
      return inner && ((value) => value === null || inner(value));
    }
    case 'literal': {
      const values = new Set(def.values);
      return (value) => values.has(value);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return (value) => values.has(value);
    }
    case 'unknown':
      return () => true;
    default:
      return undefined;
  }
}
