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
