/**
 * What a Lambda function may touch, declared next to its handler. The deployment's IAM roles are
 * generated from these declarations (`npm run generate`), and tests simulate each role against the
 * calls the function really makes: a declaration that is too small fails there, not in AWS.
 *
 * A leaf module: it imports nothing of the project, so handlers, the pipeline and the deployment
 * tooling can all depend on it.
 */

/**
 * How a function uses one DynamoDB table: `read`; `insert`, read and put (a table written once per key,
 * conditionally: an append-only log); `write`, read, put, update and delete.
 */
export const TABLE_ACCESS = { read: 'read', insert: 'insert', write: 'write' } as const;
export type TableAccess = (typeof TABLE_ACCESS)[keyof typeof TABLE_ACCESS];

/**
 * Tables by the environment variable that names them (`AUDIT_TABLE`, …) — the same name the code
 * passes to `tableName()` — and how the function uses each.
 */
export type TableDeclaration = Readonly<Partial<Record<string, TableAccess>>>;

/**
 * The environment variable naming the idempotency table every consumer writes its markers to (and a
 * deployment grants each consumer, its own markers only).
 */
export const IDEMPOTENCY_TABLE_VARIABLE = 'IDEMPOTENCY_TABLE';

/** The CloudWatch namespace of the pipeline's metrics (Powertools Metrics, EMF) unless a consumer names its own. */
export const METRICS_NAMESPACE = 'KafkaPatterns';

/** A business metric a consumer may report: what the deployment graphs and documents. */
export interface MetricDeclaration {
  name: string;
  unit: 'Count' | 'Milliseconds';
  /** the dimension names its values carry (none: one metric) */
  dimensions: readonly string[];
  /** what it counts or measures, as the dashboard titles it */
  description: string;
}

export interface FunctionAccess {
  tables: TableDeclaration;
  /** a Kafka consumer's name: the `service` dimension of the pipeline's metrics (alarms watch it) */
  consumer?: string;
  /** the CloudWatch namespace of a Kafka consumer's metrics (its alarms watch it there) */
  metricsNamespace?: string;
  /** the business metrics a Kafka consumer reports, in that namespace (the dashboard graphs them) */
  metrics?: readonly MetricDeclaration[];
  /**
   * Topics the function's event source mappings read. Their dead-letter topics are implied: the
   * function writes its own dead letters there, and so does the mapping's `kafka://` destination.
   * What it publishes comes from the module's `produces` declarations (lib/contracts).
   */
  consumes?: readonly string[];
  /** a Kafka consumer's message kinds: the contracts its handler receives (the rest is ignored or dead-lettered) */
  handles?: readonly MessageKind[];
}

/** One contract's identity: topic, message type and version. */
export interface MessageKind {
  topic: string;
  type: string;
  version: number;
}

/** A handler that carries its access declaration. */
export type DeclaredHandler<THandler> = THandler & { readonly access: FunctionAccess };

/**
 * Attach `access` to a handler, so the deployment can read it from the module that exports it.
 *
 * @param handler - the handler to export
 * @param access - its tables, topics and consumer name
 * @example
 * ```ts
 * export const handler = declareAccess(middy(sweep), { tables: { SAGAS_TABLE: TABLE_ACCESS.read } });
 * ```
 */
export function declareAccess<THandler extends object>(
  handler: THandler,
  access: FunctionAccess,
): DeclaredHandler<THandler> {
  return Object.assign(handler, { access });
}

/**
 * The declaration a handler carries, if any (the deployment tooling reads modules it does not type).
 *
 * @param handler - an export of a handler module
 * @example
 * ```ts
 * const access = accessOf((await import('./functions/payments/handler.js')).handler);
 * access?.tables; // { PAYMENTS_TABLE: 'write', IDEMPOTENCY_TABLE: 'write' }
 * ```
 */
export function accessOf(handler: unknown): FunctionAccess | undefined {
  if ((typeof handler !== 'function' && typeof handler !== 'object') || handler === null) return undefined;
  const access: unknown = Reflect.get(handler, 'access');
  if (typeof access !== 'object' || access === null || !('tables' in access)) return undefined;
  return access as FunctionAccess;
}
