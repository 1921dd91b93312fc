import { messageSchema } from './compatibility.js';
import { ENVELOPE_HEADERS } from './envelope.js';
import type { ContractRegistry } from './registry.js';
import { isDeadLetterTopic, topicConfigs, topicSettings } from './topics.js';

export interface AsyncApiOptions {
  /** every topic of the service, dead-letter topics included: one channel each */
  topics: readonly string[];
  /** the Kafka server, e.g. the local broker */
  server?: { host: string; bindings?: Record<string, unknown> };
  /** topics whose payloads the broker validates against the contracts at produce time (`confluent.value.schema.validation`, for brokers that enforce it) */
  validatedTopics?: readonly string[];
}

const headersSchema = {
  type: 'object',
  properties: Object.fromEntries(Object.values(ENVELOPE_HEADERS).map((name) => [name, { type: 'string' }])),
};

/**
 * The AsyncAPI 3.0 document of every topic and message, generated from the contract registry: one
 * channel per topic (dead-letter topics included, with no message contract), one message per
 * contract version, payload = the JSON Schema of the whole envelope; the Kafka binding carries the
 * partitions and configuration every topic is created with (lib/contracts/topics.ts).
 *
 * @param registry - the contracts
 * @param options - the topics and which of them are validated on publish
 * @example
 * ```ts
 * const document = asyncApiDocument(contracts, { title: 'Orders', version: '1.0.0' });
 * writeFileSync('asyncapi.json', JSON.stringify(document, null, 2));
 * ```
 */
export function asyncApiDocument(
  registry: ContractRegistry,
  options: AsyncApiOptions,
): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  for (const topic of options.topics) {
    const messages = Object.fromEntries(
      registry.contracts
        .filter((contract) => contract.topic === topic)
        .map((contract) => {
          const { $schema: _dialect, ...payload } = messageSchema(contract);
          return [
            `${contract.type}.v${contract.version}`,
            {
              name: contract.type,
              summary: contract.description,
              contentType: 'application/json',
              headers: headersSchema,
              payload,
            },
          ];
        }),
    );
    const validate =
      Boolean(options.validatedTopics?.includes(topic)) &&
      !isDeadLetterTopic(topic) &&
      Object.keys(messages).length > 0;
    channels[topic] = {
      address: topic,
      ...(Object.keys(messages).length > 0 ? { messages } : {}),
      bindings: {
        kafka: {
          partitions: topicSettings(topic).partitions,
          // The binding types these configs as integers; Kafka names them as text.
          topicConfiguration: {
            ...Object.fromEntries(
              Object.entries(topicConfigs(topic)).map(([name, value]) => [name, Number(value)]),
            ),
            'confluent.value.schema.validation': validate,
          },
          bindingVersion: '0.5.0',
        },
      },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'kafka-patterns',
      version: '1.0.0',
      description: 'Generated from lib/contracts. Do not edit.',
    },
    ...(options.server
      ? {
          servers: {
            broker: {
              host: options.server.host,
              protocol: 'kafka',
              bindings: { kafka: options.server.bindings ?? {} },
            },
          },
        }
      : {}),
    channels,
  };
}
