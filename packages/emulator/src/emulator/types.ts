import type { RecordInput } from '@msk-patterns/pipeline';
/** One MSK event source mapping as the packaged CloudFormation template defines it. */
export interface MappingConfig {
  logicalId: string;
  /** the key under `functions:` in serverless.yml */
  functionKey: string;
  /** `functions/x/handler.handler` */
  handler: string;
  timeoutSeconds: number;
  eventSourceArn: string;
  topic: string;
  consumerGroupId: string;
  startingPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  enabled: boolean;
  batchSize: number;
  batchingWindowMs: number;
  /** EventBridge patterns on `value` (docs/aws-behaviours.md, "Filtering"), ORed */
  filterPatterns: unknown[];
  /** retries after the first attempt; -1 = infinite */
  maximumRetryAttempts: number;
  /** -1 = no limit */
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  /** topic of the `kafka://` on-failure destination */
  destinationTopic: string | undefined;
}

/** A record as the emulator holds it between the broker and the handler. */
export interface EmulatedRecord extends RecordInput {
  partitionKey: string;
  value: Buffer | null;
  /** payload bytes, for the 6 MB batch limit */
  bytes: number;
}
