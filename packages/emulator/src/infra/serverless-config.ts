import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type ScalarTag } from 'yaml';
import { InfrastructureError } from './errors.js';

/**
 * The service's serverless.yml.
 *
 * @param serviceDirectory - where it is
 * @default serviceDirectory the current directory, as the Serverless CLI
 * @example
 * ```ts
 * serverlessFile(process.cwd()); // '/path/to/service/serverless.yml'
 * ```
 */
export function serverlessFile(serviceDirectory: string = process.cwd()): string {
  return join(serviceDirectory, 'serverless.yml');
}

/** CloudFormation short forms (`!Ref X`, `!GetAtt A.B`, …) read as their long forms. */
const cloudFormationTags: ScalarTag[] = [
  'Ref',
  'GetAtt',
  'Sub',
  'ImportValue',
  'Join',
  'Select',
  'Split',
].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) =>
    name === 'Ref' ? { Ref: value } : { [`Fn::${name}`]: name === 'GetAtt' ? value.split('.') : value },
}));

export interface ResolveOptions {
  stage?: string | undefined;
  /** stage parameters given on the command line (`--param name=value`): they win over `params.<stage>` */
  params?: Record<string, string> | undefined;
  region?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const VARIABLE = /\$\{([^${}]+)\}/;

function lookupPath(root: Json, path: string): Json | undefined {
  let node: Json | undefined = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = node[part];
  }
  return node;
}

function parseDefault(text: string): Json {
  const trimmed = text.trim();
  const quoted = /^(['"])(.*)\1$/.exec(trimmed);
  if (quoted) return quoted[2] ?? '';
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

/**
 * Resolve the Serverless Framework variables this project uses: `${self:…}`, `${sls:stage}`,
 * `${opt:stage|region}`, `${param:…}` (from `params.<stage>` then `params.default`), `${env:…}`,
 * each with optional fallbacks: another source or a literal. Anything else is an error, not a silent empty string.
 *
 * @param root - the parsed serverless.yml
 * @param options - the stage, `--param` values, region and environment
 * @example
 * ```ts
 * const config = resolveVariables(parse(readFileSync('serverless.yml', 'utf8')), { stage: 'dev' });
 * // `${self:service}-${sls:stage}-orders` is now 'shop-dev-orders'
 * ```
 */
export function resolveVariables(root: Json, options: ResolveOptions = {}): Json {
  const stage = options.stage ?? 'dev';
  const env = options.env ?? process.env;

  function resolveExpression(expression: string, depth: number): Json {
    const [reference = '', ...fallback] = expression.split(',');
    const [source, path = ''] = reference.trim().split(/:(.*)/s) as [string, string?];
    let value: Json | undefined;
    if (source === 'self') value = lookupPath(root, path);
    else if (source === 'sls' && path === 'stage') value = stage;
    else if (source === 'opt' && path === 'stage') value = options.stage;
    else if (source === 'opt' && path === 'region') value = options.region;
    else if (source === 'env') value = env[path];
    else if (source === 'param') {
      const params = lookupPath(root, 'params');
      value =
        options.params?.[path] ??
        (params === undefined
          ? undefined
          : (lookupPath(params, `${stage}.${path}`) ?? lookupPath(params, `default.${path}`)));
    } else throw new InfrastructureError('serverless.yml', `unsupported variable \${${expression}}`);
    if (value === undefined && fallback.length > 0) {
      // A fallback is another source (`${env:A, param:b}`) or a literal (`${opt:stage, 'dev'}`).
      const alternative = fallback.join(',').trim();
      value = /^(self|sls|opt|param|env):/.test(alternative)
        ? resolveExpression(alternative, depth + 1)
        : parseDefault(alternative);
    }
    if (value === undefined)
      throw new InfrastructureError('serverless.yml', `variable \${${expression}} has no value`);
    return resolveNode(value, depth + 1);
  }

  function resolveString(text: string, depth: number): Json {
    if (depth > 20) throw new InfrastructureError('serverless.yml', `variables nest too deep in "${text}"`);
    let current: Json = text;
    for (
      let match = VARIABLE.exec(text);
      typeof current === 'string' && match;
      match = VARIABLE.exec(current)
    ) {
      const resolved = resolveExpression(match[1] ?? '', depth);
      if (match[0] === current) return resolved;
      current = current.replace(match[0], String(resolved));
    }
    return current;
  }

  function resolveNode(node: Json, depth: number): Json {
    if (typeof node === 'string') return resolveString(node, depth);
    if (Array.isArray(node)) return node.map((item) => resolveNode(item, depth));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveNode(value, depth)]));
    }
    return node;
  }

  return resolveNode(root, 0);
}

export interface ServerlessConfig {
  service: string;
  provider: { environment?: Record<string, string>; timeout?: number; [key: string]: unknown };
  functions: Record<string, { handler: string; timeout?: number; events?: Array<Record<string, unknown>> }>;
  resources?: {
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    extensions?: Record<string, { Properties?: Record<string, unknown> }>;
  };
  [key: string]: unknown;
}

/**
 * Read serverless.yml with its variables resolved for a stage (default `dev`).
 *
 * @param options - the stage, `--param` values, region and environment to resolve variables with
 * @param file - serverless.yml (default: the one in the current directory)
 * @example
 * ```ts
 * const config = loadServerlessConfig({ stage: 'dev' });
 * config.functions.payments.handler; // 'functions/payments/handler.handler'
 * ```
 */
export function loadServerlessConfig(
  options: ResolveOptions = {},
  file: string = serverlessFile(),
): ServerlessConfig {
  const document = parse(readFileSync(file, 'utf8'), { customTags: cloudFormationTags, merge: true }) as Json;
  return resolveVariables(document, options) as unknown as ServerlessConfig;
}
