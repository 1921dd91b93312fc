import { PipelineError } from '../common/errors.js';

/** A record (or the event around it) that does not have the documented MSK shape. Never retryable. */
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

/** The event itself is not an MSK event: nothing in it can be attributed to a record. */
export class MalformedEventError extends PipelineError {
  override readonly name = 'MalformedEventError';
}

/** The Kafka configuration in the environment is missing or wrong. Names the variable and the fix. */
export class KafkaConfigurationError extends PipelineError {
  override readonly name = 'KafkaConfigurationError';
}
