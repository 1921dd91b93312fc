import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ContractRegistry, MessageContract, MessageOf, ValidMessage } from '../contracts/registry.js';
import {
  type DeclaredHandler,
  declareAccess,
  IDEMPOTENCY_TABLE_VARIABLE,
  METRICS_NAMESPACE,
  TABLE_ACCESS,
  type TableDeclaration,
} from '../deploy/access.js';
import type { DecodedRecord } from '../kafka/types.js';
import { IdempotencyStore } from '../store/idempotency.js';
import { emitBusinessMetrics } from './business-metrics.js';
import { releaseConnectionsLocally } from './middlewares/release-connections-locally.js';
import { BatchProcessor, consumedTopics, markerKey } from './processor.js';
import { containerContext, type ServiceContext } from './service-context.js';
import { batchSpans, spanSink } from './spans.js';
import type {
  BatchReport,
  KafkaBatchResponse,
  MetricDeclaration,
  ProcessorDependencies,
  ProcessorOptions,
} from './types.js';

/**
 * A consumer of the contracts in `accepts`: its handler receives their messages as a discriminated
 * union ({@link MessageOf}), parsed once by the core.
 */
export interface ConsumerOptions<TContracts extends readonly MessageContract[] = readonly MessageContract[]>
  extends ProcessorOptions<MessageOf<TContracts>> {
  /** the contracts its handler receives; their topics are the topics it reads (unless `topics` says more) */
  accepts: TContracts;
  /** required of a deployed consumer: the topics of its module's `produces` (`publishedTopics`) */
  publishes: readonly string[];
  /**
   * The tables the handler uses, by the environment variable naming each; the idempotency table is
   * added here. The deployed role grants exactly these (packages/pipeline/src/deploy/access.ts).
   */
  tables: TableDeclaration;
  /** the service's contracts: what `accepts` is checked against, and what outgoing messages are */
  registry: ContractRegistry;
  /**
   * The CloudWatch namespace of its metrics (`Processed`, `DeadLettered`, `Failed`…); the alarms the
   * serverless plugin generates watch them there.
   * @default METRICS_NAMESPACE ('KafkaPatterns')
   */
  metricsNamespace?: string;
  /**
   * The business metrics its handler reports (`Decision.metrics`): declared once here, graphed by the
   * dashboard the serverless plugin generates; an undeclared one is left out with a warning.
   * @default none
   */
  metrics?: readonly MetricDeclaration[];
  /**
   * The DynamoDB client, publisher, table names and clock of the consumer and its handler, asked for
   * (a context builds its clients on first use).
   * @default containerContext (built from `process.env`)
   */
  service?: ServiceContext;
}

/** The idempotency store and publisher of a service context. */
function dependenciesOf(registry: ContractRegistry, service: ServiceContext): ProcessorDependencies {
  return {
    registry,
    service,
    store: new IdempotencyStore(service.documentClient, service.tableName(IDEMPOTENCY_TABLE_VARIABLE)),
    publisher: service.publisher,
  };
}

/** One structured log line per record that did not simply succeed, one metric set per batch. */
function observe(report: BatchReport, logger: Logger, metrics: Metrics): void {
  for (const record of report.records) {
    if (record.outcome === 'processed' || record.outcome === 'duplicate') {
      if (record.durationMs !== undefined)
        metrics.addMetric('RecordLatency', MetricUnit.Milliseconds, record.durationMs);
      continue;
    }
    const fields = {
      partition: record.partition,
      offset: record.offset,
      messageId: record.messageId,
      correlationId: record.correlationId,
      outcome: record.outcome,
      error: record.error ? { name: record.error.name, message: record.error.message } : undefined,
    };
    if (record.outcome === 'skipped')
      logger.info('record left for redelivery behind a failed record of its key', fields);
    else if (record.outcome === 'ignored')
      logger.info('message of a contract this consumer does not handle', fields);
    else logger.warn(record.outcome === 'dead-lettered' ? 'record dead-lettered' : 'record failed', fields);
  }
  metrics.addMetric('Records', MetricUnit.Count, report.records.length);
  metrics.addMetric('Processed', MetricUnit.Count, report.outcomes.processed);
  metrics.addMetric('Duplicates', MetricUnit.Count, report.outcomes.duplicate);
  metrics.addMetric('DeadLettered', MetricUnit.Count, report.outcomes['dead-lettered']);
  metrics.addMetric('Failed', MetricUnit.Count, report.outcomes.failed + report.outcomes.skipped);
  metrics.addMetric('Retries', MetricUnit.Count, report.retries);
  logger.info('batch done', {
    outcomes: report.outcomes,
    retries: report.retries,
    published: report.published,
  });
}

/**
 * What {@link consumer} returns: the Lambda handler of an MSK event source mapping (its answer is the
 * partial batch response), carrying the access declaration a deployment generates the function's role
 * from, and the marker key of a record (what a dead-letter tool reads to find a committed outbox).
 */
export type ConsumerHandler = DeclaredHandler<
  (event: unknown, context: Context) => Promise<KafkaBatchResponse>
> & {
  /** The idempotency marker a record of this consumer's topics commits under; undefined for one it would dead-letter on sight. */
  markerKeyOf(record: DecodedRecord): string | undefined;
};

/**
 * The Lambda handler for an MSK-triggered consumer: the handler only says what one message means.
 * Decoding, contracts, key-ordered concurrency, idempotency, retries, dead letters, outbox publishing
 * and the partial batch response come from the pipeline (docs/architecture.md, "Processing one batch").
 *
 * @param options - what the consumer accepts (and so reads), may publish and touch, and its handler; see {@link ConsumerOptions}
 * @returns the handler to export; its mapping needs `FunctionResponseTypes: [ReportBatchItemFailures]`
 * @default service: {@link containerContext}; the idempotency store is on the table its `IDEMPOTENCY_TABLE` names
 * @example
 * ```ts
 * export const handler = consumer({
 *   name: 'audit',
 *   registry: contracts,
 *   accepts: ORDER_COMMANDS, // their topics are what it reads
 *   publishes: [],
 *   tables: { AUDIT_TABLE: TABLE_ACCESS.insert },
 *   handle: (message) => ({ writes: [{ Put: { TableName: auditTable, Item: { messageId: message.id } } }] }),
 * });
 * ```
 */
export function consumer<const TContracts extends readonly MessageContract[]>(
  options: ConsumerOptions<TContracts>,
): ConsumerHandler {
  const topics = consumedTopics(options);
  const logger = new Logger({ serviceName: options.name });
  const metricsNamespace = options.metricsNamespace ?? METRICS_NAMESPACE;
  const metrics = new Metrics({ namespace: metricsNamespace, serviceName: options.name });
  const service = options.service ?? containerContext();
  let processor: BatchProcessor<MessageOf<TContracts>> | undefined;

  async function processBatch(event: unknown, context: Context): Promise<KafkaBatchResponse> {
    processor ??= new BatchProcessor(options, dependenciesOf(options.registry, service));
    const report = await processor.process(event, context);
    observe(report, logger, metrics);
    const sink = spanSink(service.environment, logger);
    sink?.(batchSpans(report.records, options.name, context.awsRequestId));
    emitBusinessMetrics(report.records, options.metrics ?? [], {
      namespace: metricsNamespace,
      serviceName: options.name,
      metrics,
      logger,
    });
    return report.response;
  }

  const handler = middy(processBatch)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(releaseConnectionsLocally(service));
  /**
   * The idempotency marker a record of this consumer's topics commits under, or `undefined` for one
   * it would dead-letter on sight: what the dead-letter tool reads to tell whether a letter's record
   * has a committed outbox (@msk-patterns/emulator, `msk-dlq`).
   */
  function accepted(message: ValidMessage): message is MessageOf<TContracts> {
    return options.accepts.includes(message.contract);
  }

  function markerKeyOf(record: DecodedRecord): string | undefined {
    if (!topics.includes(record.topic)) return undefined;
    try {
      const message = options.registry.validate(record.topic, record.value);
      return accepted(message) ? markerKey(options, message, record) : undefined;
    } catch {
      return undefined;
    }
  }

  return Object.assign(
    declareAccess(handler, {
      tables: { ...options.tables, [IDEMPOTENCY_TABLE_VARIABLE]: TABLE_ACCESS.write },
      consumes: topics,
      consumer: options.name,
      metricsNamespace,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      handles: options.accepts.map(({ topic, type, version }) => ({ topic, type, version })),
    }),
    { markerKeyOf },
  );
}
