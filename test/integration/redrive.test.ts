import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readDeadLetters, redrive } from '@msk-patterns/emulator';
import {
  BatchProcessor,
  containerContext,
  dynamoDbConfig,
  encodeMskEvent,
  IdempotencyStore,
  type MessageHandler,
  PermanentError,
} from '@msk-patterns/pipeline';
import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { contracts } from '../../lib/contracts/index.js';
import { contextWithTime, placeOrderRecord, unique } from '../support/pipeline.js';

/**
 * A topic read by several consumers: each may dead-letter the same record (each its own letter), and a
 * redrive puts the record back where every consumer group reads it again.
 */
const brokers = inject('kafkaBrokers');
const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(process.env)));
const store = new IdempotencyStore(documents, process.env.IDEMPOTENCY_TABLE as string);
const publisher = containerContext().publisher;
afterAll(async () => {
  documents.destroy();
  await publisher.disconnect();
});

/** One consumer of orders.commands, as its function would run it. */
function consumerNamed(name: string, handle: MessageHandler) {
  const processor = new BatchProcessor(
    { name, topics: ['orders.commands'], handle, retry: { maxAttempts: 1 } },
    { store, publisher, registry: contracts },
  );
  const lambda: Context = { ...contextWithTime(60_000), functionName: name };
  return (event: unknown) => processor.process(event, lambda);
}

describe('redriving a record that several consumers read', () => {
  it('lists each consumer’s letter with the function that wrote it, and redrives the record once (every copy on request)', async () => {
    // Prepare: one poison record, read and dead-lettered by two consumers.
    const key = unique('poison');
    const poison = encodeMskEvent([
      {
        topic: 'orders.commands',
        partition: 2,
        offset: 9_000 + Math.floor(Math.random() * 1000),
        key,
        value: '{"oops":1}',
      },
    ]);
    const [auditName, commandsName] = [unique('audit'), unique('orderCommands')];
    await consumerNamed(auditName, () => ({}))(poison);
    await consumerNamed(commandsName, () => ({}))(poison);

    // Act
    const letters = (await readDeadLetters(brokers, { source: 'orders.commands' })).filter(
      (letter) => letter.original?.key === key,
    );
    const once: string[] = [];
    const every: string[] = [];
    const onceCount = await redrive(brokers, letters, { dryRun: true, log: (line) => once.push(line) });
    const everyCount = await redrive(brokers, letters, {
      dryRun: true,
      everyCopy: true,
      log: (line) => every.push(line),
    });

    // Assess
    expect(letters.map((letter) => letter.functionName).sort()).toEqual([auditName, commandsName].sort());
    expect(onceCount).toBe(1);
    expect(once.filter((line) => line.startsWith('skipped '))).toHaveLength(1);
    expect(everyCount).toBe(2);
  });

  it('makes the redriven record a duplicate for the consumer that had processed it, and new work for the one that had failed', async () => {
    // Prepare: a valid command; consumer A processes it, consumer B fails it permanently (dead letter).
    const id = unique('m');
    const key = unique('k');
    const first = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 1, key })]);
    const calls = { a: 0, b: 0 };
    let fixed = false;
    const a = consumerNamed(unique('a'), () => {
      calls.a++;
      return {};
    });
    const b = consumerNamed(unique('b'), () => {
      calls.b++;
      if (!fixed) throw new PermanentError('b cannot handle it yet');
      return {};
    });
    const firstA = await a(first);
    const firstB = await b(first);

    // Act: the redrive appends the same record again (same key, headers and value; a new offset), and
    // both consumer groups read it.
    fixed = true;
    const redriven = encodeMskEvent([placeOrderRecord(id, { partition: 0, offset: 2, key })]);
    const againA = await a(redriven);
    const againB = await b(redriven);

    // Assess
    expect(firstA.outcomes.processed).toBe(1);
    expect(firstB.outcomes['dead-lettered']).toBe(1);
    // A's marker makes it a duplicate: whatever A decides again is discarded by the failed condition
    // (a batch continuing its partition is not pre-read, so A's handler may run; nothing commits).
    expect(againA.outcomes.duplicate).toBe(1);
    expect(againA.outcomes.processed).toBe(0);
    expect(againB.outcomes.processed).toBe(1);
    expect(calls.b).toBe(2);
  });
});
