/**
 * The consumer pipeline for AWS Lambda functions triggered by Amazon MSK event source mappings:
 * key-ordered concurrency inside a batch, the idempotency marker + business writes + outbox in one
 * DynamoDB transaction, byte-exact dead letters in Lambda's own format, classified retries bounded by
 * the invocation's remaining time, and the contracts every message is checked against.
 *
 * @packageDocumentation
 */

// Errors
export {
  ConcurrencyConflictError,
  ContractViolationError,
  type ErrorContext,
  InProgressError,
  LimitExceededError,
  PayloadMismatchError,
  PermanentError,
  PipelineError,
  type PipelineErrorOptions,
  TimeBudgetExceededError,
  TransactionTooLargeError,
  TransientError,
  UnhandledMessageError,
} from './common/errors.js';
export { payloadHash, stableId } from './common/ids.js';
export { type AsyncApiOptions, asyncApiDocument } from './contracts/asyncapi.js';
export {
  COMPATIBILITY,
  type Compatibility,
  compatibilityProblems,
  dataSchema,
  type JsonSchema,
  messageSchema,
  readProblems,
} from './contracts/compatibility.js';
export {
  type ConsumerExpectation,
  type ProducerDeclaration,
  publishedTopics,
} from './contracts/consumer-driven.js';
export {
  ENVELOPE_HEADERS,
  type Envelope,
  envelopeHeaders,
  envelopeSchema,
  MAX_MESSAGE_BYTES,
  STREAM_VERSION_HEADER,
} from './contracts/envelope.js';
export { exampleFromSchema } from './contracts/example-data.js';
export { entityId, ID_PATTERN, MAX_ID_LENGTH } from './contracts/fields.js';
export { describeIssues } from './contracts/issues.js';
// Contracts
export {
  type ContractMessage,
  type ContractPayload,
  ContractRegistry,
  type ContractRegistryOptions,
  defineContract,
  type MessageContract,
  type MessageOf,
  type PayloadOf,
  type ValidMessage,
} from './contracts/registry.js';
export {
  DEAD_LETTER_SUFFIX,
  deadLetterTopic,
  isDeadLetterTopic,
  KAFKA_MESSAGE_MAX_BYTES,
  MAX_RECORD_AGE_HOURS,
  TOPIC_SETTINGS,
  type TopicSettings,
  topicConfigs,
  topicSettings,
} from './contracts/topics.js';
// What a function declares it touches: its role is generated from it
export {
  accessOf,
  type DeclaredHandler,
  declareAccess,
  type FunctionAccess,
  IDEMPOTENCY_TABLE_VARIABLE,
  METRICS_NAMESPACE,
  type MessageKind,
  type MetricDeclaration,
  TABLE_ACCESS,
  type TableAccess,
  type TableDeclaration,
} from './deploy/access.js';
// Kafka: the MSK event, dead letters, producing
export {
  type DecodedEvent,
  decodeMskEvent,
  encodeMskEvent,
  encodeMskRecord,
  type MalformedRecord,
  mskRecordSchema,
  type RecordLocation,
} from './kafka/codec.js';
export {
  DEAD_LETTER_HEADERS,
  type DeadLetterInput,
  deadLetterRecord,
  destinationValue,
  type FailureContext,
  FUNCTION_DEAD_LETTER_CONDITION,
} from './kafka/dead-letter.js';
export { KafkaConfigurationError, MalformedEventError, MalformedRecordError } from './kafka/errors.js';
export { type EnvelopeOptions, envelopeFor, recordFor } from './kafka/examples.js';
export {
  type BootstrapBrokersOptions,
  bootstrapBrokers,
  MskApiError,
  type MskIamToken,
  type MskIamTokenOptions,
  mskIamToken,
  parseClusterArn,
} from './kafka/msk-iam.js';
export {
  type ConnectedPublisher,
  DEFAULT_KAFKA_CLIENT_ID,
  KAFKA_AUTH_MODES,
  type KafkaClientOptions,
  KafkaPublisher,
  kafkaConfig,
  type OutgoingRecord,
  type Publisher,
} from './kafka/producer.js';
export { batchBudget, recordBytes, type SizedRecord, sizedRuns } from './kafka/record-size.js';
export {
  type DecodedRecord,
  EVENT_SOURCES,
  type EventSource,
  type HeaderBytes,
  type MskEvent,
  type MskHeaderBytes,
  type MskRecord,
  type RecordInput,
} from './kafka/types.js';
export {
  classify,
  ERROR_KINDS,
  type ErrorKind,
  kafkaErrorTypes,
} from './pipeline/classify.js';
// The Lambda handler of a consumer, and the processor behind it
export { type ConsumerHandler, type ConsumerOptions, consumer } from './pipeline/consumer.js';
// HTTP queries beside the consumers
export {
  DEFAULT_PAGE_SIZE,
  HttpError,
  type HttpQueryHandler,
  httpQuery,
  json,
  MAX_PAGE_SIZE,
  pageCursor,
  pageLimit,
} from './pipeline/http.js';
export { KeyedLanes } from './pipeline/keyed-lanes.js';
export { releaseConnectionsLocally } from './pipeline/middlewares/release-connections-locally.js';
export { assertPublishable, toOutgoingRecords } from './pipeline/outbox.js';
export { BatchProcessor, consumedTopics, markerKey } from './pipeline/processor.js';
export {
  DEFAULT_RETRY,
  fullJitterDelay,
  invocationDeadline,
  type RetryOptions,
  retryTransient,
} from './pipeline/retry.js';
// What a function reaches outside itself: clients, table names, clock
export {
  containerContext,
  createServiceContext,
  perServiceContext,
  type ServiceContext,
  type ServiceContextOptions,
  type ServiceScoped,
} from './pipeline/service-context.js';
// Tracing: W3C trace context in record headers, spans per record and per invocation
export {
  batchSpans,
  recordSpanAttributes,
  type SpanRecord,
  type SpanSink,
  spanSink,
} from './pipeline/spans.js';
export {
  type BatchItemFailure,
  type BatchReport,
  type BusinessMetric,
  type Decision,
  type HandlerContext,
  IDEMPOTENCY_MODES,
  type IdempotencyBackend,
  type IdempotencyMode,
  type KafkaBatchResponse,
  type MessageHandler,
  type OutgoingMessage,
  type ProcessorDependencies,
  type ProcessorOptions,
  RECORD_OUTCOMES,
  type RecordOutcome,
  type RecordReport,
  UNKNOWN_MESSAGE_POLICIES,
  type UnknownMessagePolicy,
} from './pipeline/types.js';
// DynamoDB: the client, the idempotency markers and outboxes
export {
  ABSENT,
  batchGetAll,
  dynamoDbConfig,
  putIfStatus,
  queryAll,
  tableName,
} from './store/dynamodb.js';
export {
  type ClaimResult,
  type CommitResult,
  IdempotencyStore,
  type IdempotencyStoreOptions,
  MARKER_LIFETIME_SECONDS,
  MARKER_STATUS,
  MAX_TRANSACTION_ITEMS,
  type TransactItem,
} from './store/idempotency.js';
export {
  formatTraceparent,
  newTrace,
  type ProcessingSpan,
  parseTraceparent,
  processingSpan,
  TRACEPARENT_HEADER,
  type TraceContext,
} from './tracing/trace-context.js';
