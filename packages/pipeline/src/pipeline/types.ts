import type { Context } from 'aws-lambda';
import type { ContractRegistry, MessageContract, ValidMessage } from '../contracts/registry.js';
import type { MetricDeclaration } from '../deploy/access.js';
import type { OutgoingRecord, Publisher } from '../kafka/producer.js';
import type { DecodedRecord } from '../kafka/types.js';
import type { ClaimResult, CommitResult, TransactItem } from '../store/idempotency.js';
import type { ProcessingSpan } from '../tracing/trace-context.js';
import type { ServiceContext } from './service-context.js';

/** A message a handler wants to send; the pipeline wraps it in an envelope with a stable id. */
export interface OutgoingMessage<TData = unknown> {
  topic: string;
  /** the Kafka key: the entity id, so that its messages stay in order */
  key: string;
  type: string;
  version: number;
  data: TData;
  /** extra Kafka headers (the envelope's own are always set) */
  headers?: Record<string, string>;
  /** when it happened, if not now (an event-sourced event keeps the time it was stored with) */
  occurredAt?: string;
}

/** What a handler decides for one message: DynamoDB writes and messages, committed together. */
/**
 * A business figure a handler reports for a message it processed — an order placed, a saga's
 * duration — emitted once per batch as CloudWatch embedded metrics, and only for a record whose writes
 * committed: a duplicate or a failed commit reports nothing, so redelivery never counts twice.
 */
export type { MetricDeclaration };

export interface BusinessMetric {
  /** one of the names the consumer declares in `metrics` (the dashboard graphs those) */
  name: string;
  value: number;
  /** low-cardinality values only (a cause, an outcome): each combination is a CloudWatch metric of its own */
  dimensions?: Readonly<Record<string, string>>;
}

export interface Decision {
  writes?: TransactItem[];
  messages?: OutgoingMessage[];
  /** business figures of this message, reported only once its writes commit */
  metrics?: readonly BusinessMetric[];
  /**
   * Called once `writes` are committed — not when the record turns out a duplicate, not when the
   * commit fails: what a handler may remember of what it wrote (the write side's state cache).
   */
  committed?: () => void;
}

/** What a handler gets besides the message. */
export interface HandlerContext {
  record: DecodedRecord;
  lambda: Context;
  /** the record's idempotency key */
  idempotencyKey: string;
  /**
   * 1 for the record's first try in this invocation. A later try follows a failure — possibly a lost
   * optimistic-concurrency race — so whatever the handler remembers from earlier must be read again.
   */
  attempt: number;
  /** the clients, table names and clock the consumer was given (its container's, unless a test gave another) */
  service: ServiceContext;
  /**
   * The span in which this consumer processes the record: a child of the record's `traceparent` (a
   * trace derived from the message id when it came without one), its id derived from the consumer and
   * the message id, so the same on every redelivery. Computed on the first call; the messages the
   * handler decides carry it as their parent. For what outlives the record (a saga's deadline).
   */
  span(): ProcessingSpan;
}

export type MessageHandler<TMessage = ValidMessage> = (
  message: TMessage,
  context: HandlerContext,
) => Promise<Decision> | Decision;

/**
 * What a consumer does with a valid message whose contract it does not handle: event consumers ignore
 * it (others may add events to a topic they read), command consumers dead-letter it (nobody would act
 * on the request, and its sender should learn why).
 */
export const UNKNOWN_MESSAGE_POLICIES = { ignore: 'ignore', deadLetter: 'dead-letter' } as const;
export type UnknownMessagePolicy = (typeof UNKNOWN_MESSAGE_POLICIES)[keyof typeof UNKNOWN_MESSAGE_POLICIES];

export const IDEMPOTENCY_MODES = { transactional: 'transactional', claim: 'claim' } as const;
export type IdempotencyMode = (typeof IDEMPOTENCY_MODES)[keyof typeof IDEMPOTENCY_MODES];

export const RECORD_OUTCOMES = {
  processed: 'processed',
  duplicate: 'duplicate',
  deadLettered: 'dead-lettered',
  failed: 'failed',
  skipped: 'skipped',
  /** valid, but of a contract the consumer does not handle (UNKNOWN_MESSAGE_POLICIES.ignore) */
  ignored: 'ignored',
} as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[keyof typeof RECORD_OUTCOMES];

export interface ProcessorOptions<TMessage = ValidMessage> {
  /** names the consumer: the idempotency key namespace, logs and metrics */
  name: string;
  /**
   * The topics this consumer reads; a record from another topic is dead-lettered. Give it when they
   * are more than those of `accepts` (a topic whose messages it only ignores or dead-letters), or
   * without `accepts`. Each needs an event source mapping; @msk-patterns/serverless-plugin checks.
   * @default the topics of `accepts`, each once
   */
  topics?: readonly string[];
  /**
   * The contracts the handler handles; the handler receives exactly their messages. A valid message of
   * another contract follows `onUnknown`. Without it, every contract of the registry reaches the handler,
   * which must then take {@link ValidMessage}.
   */
  accepts?: readonly MessageContract[];
  /** default: dead-letter */
  onUnknown?: UnknownMessagePolicy;
  handle: MessageHandler<TMessage>;
  /**
   * The topics the handler may publish to (its module's `produces`; its role may write no others). A
   * message for another topic is refused before anything commits, and a stored outbox naming one is
   * never republished: whoever could change a marker cannot make the function publish elsewhere.
   * Without it, any topic (tests).
   */
  publishes?: readonly string[];
  mode?: IdempotencyMode;
  /** the idempotency key of a message; default: its envelope id */
  idempotencyKey?: (message: TMessage, record: DecodedRecord) => string;
  /** key groups processed at once; default 16 */
  concurrency?: number;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** invocation time kept back for publishing and answering; default min(5 s, 20 % of the time left at start) */
  safetyMarginMs?: number;
}

/** What the processor needs from the idempotency store (packages/pipeline/src/store/idempotency.ts implements it). */
export interface IdempotencyBackend {
  existing(keys: readonly string[]): Promise<Set<string>>;
  find(key: string, payloadHash: string): Promise<CommitResult | undefined>;
  commit(
    key: string,
    payloadHash: string,
    writes: readonly TransactItem[],
    outbox: OutgoingRecord[],
  ): Promise<CommitResult>;
  claim(key: string, payloadHash: string, leaseMs: number): Promise<ClaimResult>;
  complete(
    key: string,
    token: string,
    writes: readonly TransactItem[],
    outbox: OutgoingRecord[],
  ): Promise<void>;
  release(key: string, token: string): Promise<void>;
  /** the outboxes of these duplicates were republished and confirmed: later copies publish nothing */
  markRepublished(keys: readonly string[]): Promise<void>;
  /** which of these dead letters (by their records' keys) an earlier delivery already wrote */
  lettersWritten(keys: readonly string[]): Promise<Set<string>>;
  /** these dead letters were written and confirmed by the broker: a redelivery writes them no more */
  markLettersWritten(keys: readonly string[]): Promise<void>;
}

export interface ProcessorDependencies {
  store: IdempotencyBackend;
  publisher: Publisher;
  registry: ContractRegistry;
  /**
   * What handlers are given as `context.service`.
   * @default containerContext()
   */
  service?: ServiceContext | undefined;
  /** injectable for tests */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
}

/** The Kafka partial batch response (docs/aws-behaviours.md, "Error handling"). */
export interface BatchItemFailure {
  itemIdentifier: { partition: string; offset: number };
}
export interface KafkaBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

/** What happened to one record, for logs and metrics. */
export interface RecordReport {
  partition: string;
  /** undefined for a record so malformed that it has none */
  offset: number | undefined;
  outcome: RecordOutcome;
  messageId?: string | undefined;
  correlationId?: string | undefined;
  error?: Error | undefined;
  durationMs?: number | undefined;
  /** the business metrics of a processed record (its writes committed) */
  metrics?: readonly BusinessMetric[] | undefined;
  /** its incoming W3C `traceparent` header, once it was handled (its span is derived from it) */
  traceparent?: string | undefined;
  /** its processing span, when the processor derived it already (it published, or its handler asked) */
  span?: ProcessingSpan | undefined;
  /** when its processing started (epoch ms) */
  startedAt?: number | undefined;
  topic?: string | undefined;
  key?: string | undefined;
  messageType?: string | undefined;
}

export interface BatchReport {
  response: KafkaBatchResponse;
  outcomes: Record<RecordOutcome, number>;
  records: RecordReport[];
  retries: number;
  published: number;
}
