import type * as z from 'zod/mini';

/**
 * A predicate compiled from a zod schema: true only when zod would accept the value *and* return it
 * unchanged (so the value itself can stand for zod's output). False means "ask zod": the value may be
 * invalid, or valid with keys zod would strip. Built for the hot path of every record's validation:
 * zod’s own parse costs ~1.8 µs for an order command, this ~0.25 µs (bench/pipeline.ts).
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
  shape?: Record<string, z.core.$ZodType>;
  catchall?: unknown;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (schema: z.core.$ZodType): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** String formats zod checks with their pattern alone (others, like url or jwt, run code of their own). */
const PATTERN_FORMATS: ReadonlySet<string> = new Set(['datetime', 'date', 'time', 'uuid', 'regex']);

/**
 * Writes the body of the acceptor: statements that `return false` at the first rule a value breaks.
 * Values the code needs (patterns, sets of literals) are passed in `refs`, never printed into it;
 * numbers and names are printed through JSON.stringify. Returns false for a schema it does not know.
 */
class Emitter {
  readonly lines: string[] = [];
  readonly refs: unknown[] = [];
  #names = 0;

  name(): string {
    return `v${++this.#names}`;
  }

  ref(value: unknown): string {
    this.refs.push(value);
    return `refs[${this.refs.length - 1}]`;
  }

  fail(condition: string): void {
    this.lines.push(`if (${condition}) return false;`);
  }

  block(open: string, body: () => boolean): boolean {
    this.lines.push(`${open} {`);
    const known = body();
    this.lines.push('}');
    return known;
  }

  length(check: CheckDef, of: string): boolean {
    const { minimum, maximum, length } = check;
    if (check.check === 'min_length' && minimum !== undefined)
      this.fail(`${of} < ${JSON.stringify(minimum)}`);
    else if (check.check === 'max_length' && maximum !== undefined)
      this.fail(`${of} > ${JSON.stringify(maximum)}`);
    else if (check.check === 'length_equals' && length !== undefined)
      this.fail(`${of} !== ${JSON.stringify(length)}`);
    else return false;
    return true;
  }

  pattern(pattern: RegExp, value: string): void {
    // As zod tests a pattern: from the start, also a global or sticky one.
    const regex = this.ref(pattern);
    this.lines.push(`${regex}.lastIndex = 0;`);
    this.fail(`!${regex}.test(${value})`);
  }

  schema(schema: z.core.$ZodType, value: string): boolean {
    const def = defOf(schema);
    switch (def.type) {
      case 'string':
        return this.string(def, value);
      case 'number':
        return this.number(def, value);
      case 'boolean':
        this.fail(`typeof ${value} !== 'boolean'`);
        return (def.checks?.length ?? 0) === 0;
      case 'array':
        return this.array(def, value);
      case 'object':
        return this.object(def, value);
      case 'nullable': {
        const inner = def.innerType;
        return inner !== undefined && this.block(`if (${value} !== null)`, () => this.schema(inner, value));
      }
      case 'literal':
        this.fail(`!${this.ref(new Set(def.values))}.has(${value})`);
        return true;
      case 'enum':
        this.fail(`!${this.ref(new Set(Object.values(def.entries ?? {})))}.has(${value})`);
        return true;
      case 'unknown':
        return true;
      default:
        return false;
    }
  }

  string(def: SchemaDef, value: string): boolean {
    this.fail(`typeof ${value} !== 'string'`);
    if (def.format !== undefined) {
      if (!PATTERN_FORMATS.has(def.format) || !(def.pattern instanceof RegExp)) return false;
      this.pattern(def.pattern, value);
    }
    for (const { _zod } of def.checks ?? []) {
      const check = _zod.def;
      if (check.check === 'string_format' && check.format === 'regex' && check.pattern instanceof RegExp)
        this.pattern(check.pattern, value);
      else if (!this.length(check, `${value}.length`)) return false;
    }
    return true;
  }

  number(def: SchemaDef, value: string): boolean {
    if (def.format !== undefined && def.format !== 'safeint') return false;
    this.fail(
      `typeof ${value} !== 'number' || !Number.${def.format === 'safeint' ? 'isSafeInteger' : 'isFinite'}(${value})`,
    );
    for (const { _zod } of def.checks ?? []) {
      const { check, value: bound, inclusive } = _zod.def;
      if (bound === undefined || !Number.isFinite(bound)) return false;
      if (check === 'greater_than') this.fail(`${value} ${inclusive ? '<' : '<='} ${JSON.stringify(bound)}`);
      else if (check === 'less_than')
        this.fail(`${value} ${inclusive ? '>' : '>='} ${JSON.stringify(bound)}`);
      else return false;
    }
    return true;
  }

  array(def: SchemaDef, value: string): boolean {
    const { element } = def;
    if (!element) return false;
    this.fail(`!Array.isArray(${value})`);
    for (const { _zod } of def.checks ?? []) if (!this.length(_zod.def, `${value}.length`)) return false;
    const index = this.name();
    const item = this.name();
    return this.block(`for (let ${index} = 0; ${index} < ${value}.length; ${index}++)`, () => {
      this.lines.push(`const ${item} = ${value}[${index}];`);
      return this.schema(element, item);
    });
  }

  object(def: SchemaDef, value: string): boolean {
    // A catchall (passthrough, strict, …) changes what happens to unknown keys: leave those to zod.
    if (!def.shape || def.catchall !== undefined || (def.checks?.length ?? 0) > 0) return false;
    this.fail(`typeof ${value} !== 'object' || ${value} === null || Array.isArray(${value})`);
    const names = Object.keys(def.shape);
    for (const [name, field] of Object.entries(def.shape)) {
      const fieldDef = defOf(field);
      const optional = fieldDef.type === 'optional';
      const inner = optional ? fieldDef.innerType : field;
      if (!inner) return false;
      const key = JSON.stringify(name);
      const read = this.name();
      this.lines.push(`const ${read} = Object.hasOwn(${value}, ${key}) ? ${value}[${key}] : undefined;`);
      if (!optional) this.fail(`${read} === undefined`);
      const known = optional
        ? this.block(`if (${read} !== undefined)`, () => this.schema(inner, read))
        : this.schema(inner, read);
      if (!known) return false;
    }
    // zod strips keys it does not know: a value with any is not zod's output as it stands.
    const key = this.name();
    const unknown =
      names.length === 0 ? 'true' : names.map((name) => `${key} !== ${JSON.stringify(name)}`).join(' && ');
    this.lines.push(`for (const ${key} in ${value}) if (${unknown}) return false;`);
    return true;
  }
}

/**
 * Compile the zod features our contracts use (objects in zod's default strip mode, strings with
 * length, regex and ISO formats, safe integers and numbers with bounds, arrays with lengths,
 * nullable, optional fields, literals, enums, unknown) into one function, as zod compiles its own
 * object parsers. Anything else — or a runtime that forbids compiling code — gives undefined, and
 * the caller keeps zod for that schema.
 */
export function compileAcceptor(schema: z.core.$ZodType): Acceptor | undefined {
  const emitter = new Emitter();
  if (!emitter.schema(schema, 'v0')) return undefined;
  try {
    const build = new Function(
      'refs',
      `return function accept(v0) {\n${emitter.lines.join('\n')}\nreturn true;\n};`,
    );
    const accept: unknown = build(emitter.refs);
    return typeof accept === 'function' ? (value) => accept(value) === true : undefined;
  } catch {
    return undefined;
  }
}

/**
 * {@link compileAcceptor} as a type guard for the schema's output: sound because the acceptor says
 * true only for a value zod accepts and returns unchanged (the fuzz test holds it to that).
 */
export function compileGuard<T>(schema: z.core.$ZodType<T>): ((value: unknown) => value is T) | undefined {
  return compileAcceptor(schema) as ((value: unknown) => value is T) | undefined;
}
