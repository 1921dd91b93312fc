import { PipelineError } from '../common/errors.js';

/**
 * A record (or the event around it) that does not have the documented MSK shape. Never retryable.
 * @example
 * ```ts
 * // a record whose value is not valid base64 or whose headers are not bytes:
 * // MalformedRecordError; that record alone is dead-lettered
 * ```
 */
export class MalformedRecordError extends PipelineError {
  override readonly name = 'MalformedRecordError';
  /**
   * @param message - what is wrong with it
   * @param location - where the record sat
   */
  constructor(
    message: string,
    readonly location: {
      partitionKey?: string | undefined;
      index?: number | undefined;
      offset?: number | undefined;
    },
  ) {
    super(message, { context: location });
  }
}

/**
 * The event itself is not an MSK event: nothing in it can be attributed to a record.
 * @example
 * ```ts
 * decodeMskEvent({ records: 'not a map' }); // MalformedEventError: the event is not an MSK event
 * ```
 */
export class MalformedEventError extends PipelineError {
  override readonly name = 'MalformedEventError';
}

/**
 * The Kafka configuration in the environment is missing or wrong. Names the variable and the fix.
 * @example
 * ```ts
 * kafkaConfig({ KAFKA_AUTH: 'scram' }, { credentials });
 * // KafkaConfigurationError: KAFKA_AUTH=scram is not supported: use iam (MSK) or none (local)
 * ```
 */
export class KafkaConfigurationError extends PipelineError {
  override readonly name = 'KafkaConfigurationError';
}
