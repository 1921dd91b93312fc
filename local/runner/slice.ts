import type { Context } from 'aws-lambda';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { encodeMskEvent } from '../../lib/kafka/codec.js';
import type { MskEvent } from '../../lib/kafka/types.js';
import { lambdaContext } from './lambda-context.js';

export type MskHandler = (event: MskEvent, context: Context) => Promise<unknown>;

export interface SliceInvocation {
  event: MskEvent;
  partitionKey: string;
  firstOffset: number;
  lastOffset: number;
  result: unknown;
  durationMs: number;
}

/**
 * Feed one topic to one handler as MSK events, committing offsets only after the handler succeeded.
 * A stop-gap until the event source mapping emulator (issue 4): one partition per invocation,
 * no retries policy, no partial batch responses.
 */
export async function runSlice(options: {
  brokers: string[];
  topic: string;
  groupId: string;
  functionName: string;
  timeoutSeconds: number;
  handler: MskHandler;
  onInvocation: (invocation: SliceInvocation) => void;
}): Promise<Consumer> {
  const kafka = new Kafka({
    clientId: `local-${options.functionName}`,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const event = encodeMskEvent(
        batch.messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(message.offset),
          key: message.key ?? undefined,
          value: message.value,
          timestamp: Number(message.timestamp),
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
              value === undefined ? [] : [[name, Array.isArray(value) ? String(value.at(-1)) : value]],
            ),
          ),
        })),
        { bootstrapServers: options.brokers.join(',') },
      );
      const started = performance.now();
      const result = await options.handler(
        event,
        lambdaContext(options.functionName, options.timeoutSeconds),
      );
      options.onInvocation({
        event,
        partitionKey: `${batch.topic}-${batch.partition}`,
        firstOffset: Number(batch.firstOffset()),
        lastOffset: Number(batch.lastOffset()),
        result,
        durationMs: Math.round(performance.now() - started),
      });
    },
  });
  return consumer;
}
