import type * as z from 'zod/mini';

/**
 * What a consumer relies on in the messages of one topic, declared next to its code: per message type
 * the fields it reads (zod), the Kafka key it needs, and the headers it reads.
 */
export interface ConsumerExpectation {
  consumer: string;
  topic: string;
  messages: Record<string, z.core.$ZodType>;
  /** the key the consumer needs for its ordering, as a function of the data (undefined: any key) */
  key?: (data: Record<string, unknown>) => string;
  headers?: Record<string, z.core.$ZodType<string>>;
}

/** What a producer writes to one topic: its message types, how it keys them, the headers it adds. */
export interface ProducerDeclaration {
  producer: string;
  topic: string;
  /** message types, written in their latest contract version */
  types: readonly string[];
  key: (data: Record<string, unknown>) => string;
  /** extra headers beyond the envelope's (e.g. stream-version); `position` is the message's place in its stream */
  headers?: (data: Record<string, unknown>, position: number) => Record<string, string>;
}

/**
 * The topics a producer's declarations name, each once: what its function may publish to.
 *
 * @param declarations - a module's `produces`
 * @example
 * ```ts
 * publishedTopics(produces); // ['payments.events']
 * ```
 */
export function publishedTopics(declarations: readonly ProducerDeclaration[]): string[] {
  return [...new Set(declarations.map((declaration) => declaration.topic))];
}
