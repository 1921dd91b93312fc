import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { kafkaFailure } from '../../local/smoke/diagnose.js';

/** What kafkajs really throws, against the broker and a port with nothing behind it. */
async function failureOf(brokers: string[], topic: string) {
  const producer = new Kafka({
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2_000,
  }).producer();
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    return undefined;
  } catch (error) {
    return kafkaFailure(error, { doing: `produce to ${topic}`, topic, brokers });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

describe('what the smoke test says when Kafka cannot be reached or a topic is missing', () => {
  it('says there is no route to the brokers when nothing listens there', async () => {
    // Prepare: a port that was free a moment ago
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => server.close(resolve));

    // Act
    const failure = await failureOf([`127.0.0.1:${port}`], 'orders.commands');

    // Assess
    expect(failure?.message).toBe(
      `produce to orders.commands: no route to the brokers 127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(failure?.fix).toMatch(/inside the cluster's VPC/);
  });

  it('says which topic is missing (the broker, as MSK, creates none on first use)', async () => {
    const failure = await failureOf(inject('kafkaBrokers'), 'orders.commands-missing');

    expect(failure?.message).toBe(
      'produce to orders.commands-missing: the topic orders.commands-missing does not exist',
    );
  });
});
