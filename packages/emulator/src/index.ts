/**
 * @msk-patterns/emulator: a Serverless service with Amazon MSK triggers, run on one machine — the MSK
 * event source mapping emulator (batches, filters, partial batch responses, bisection, retries,
 * `kafka://` on-failure destinations, schedules), Apache Kafka and DynamoDB Local started on free
 * loopback ports, and the dead-letter tool (`msk-dlq`).
 */
export { type CliErrorClass, runCli, UsageError } from './cli.js';
export {
  type DeadLetter,
  type DeadLetterFilter,
  type KafkaConnection,
  kafkaClient,
  MALFORMED_LETTER,
  RedriveRefusedError,
  readDeadLetters,
  redrive,
} from './dlq/dead-letters.js';
export {
  type CommittedOutbox,
  committedOutboxes,
  consumerMarkerKeys,
  functionKeyOf,
  type MarkerKeyOf,
} from './dlq/outboxes.js';
export { printable } from './dlq/printable.js';
export { DeadLetterTail } from './dlq/tail.js';
export { MAX_BATCH_BYTES, RunnerStoppedError } from './emulator/batcher.js';
export {
  MappingConfigError,
  mappingsFromTemplate,
  type PackagedTemplate,
  readTemplate,
  type ScheduleConfig,
  schedulesFromTemplate,
} from './emulator/config.js';
export {
  FunctionProcessHost,
  type FunctionProcessOptions,
  RuntimeExitError,
  TaskTimedOutError,
  UncommittedResponseError,
} from './emulator/function-process-host.js';
export {
  type Emulator,
  type EmulatorOptions,
  type FunctionProcesses,
  startEmulator,
} from './emulator/index.js';
export type { InvocationHooks, InvocationHooksFactory } from './emulator/invocation-hooks.js';
export { loadHandler } from './emulator/load-handler.js';
export {
  emptyRunnerStats,
  type InvocationResult,
  type LastInvocation,
  MappingRunner,
  type MskHandler,
  type RunnerFaults,
  type RunnerOptions,
  type RunnerStats,
} from './emulator/mapping-runner.js';
export { type ScheduledHandler, ScheduleRunner } from './emulator/schedule-runner.js';
export type { EmulatedRecord, MappingConfig } from './emulator/types.js';
export { EmulatorError, type EmulatorErrorContext } from './errors.js';
export { localDynamoDbClient, type RunningDynamoDb, startDynamoDbLocal } from './infra/dynamodb-local.js';
export { InfrastructureError } from './infra/errors.js';
export { type Infrastructure, type InfrastructureOptions, startInfrastructure } from './infra/index.js';
export { brokerDataRoot, type RunningBroker, startApacheKafka } from './infra/kafka-broker.js';
export {
  type KafkaDistribution,
  resolveKafkaDistribution,
} from './infra/kafka-distribution.js';
export { createTopics, createTopicsAndWait } from './infra/kafka-topics.js';
export { offlineEnvironment, type PackageStageOptions, packageStage } from './infra/package-stage.js';
export {
  type Json,
  loadServerlessConfig,
  type ResolveOptions,
  resolveVariables,
  type ServerlessConfig,
  serverlessFile,
} from './infra/serverless-config.js';
export {
  createDeclaredTables,
  declaredTables,
  type TableProperties,
  toCreateTableInput,
} from './infra/tables.js';
export { lambdaContext } from './runner/lambda-context.js';
export { STAGE_OPTIONS, stageConfig, stageEnvironment } from './stage.js';
