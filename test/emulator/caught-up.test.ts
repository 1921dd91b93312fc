import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { awaitCaughtUp } from '../../local/demo/caught-up.js';
import { produce, waitFor } from '../support/emulator.js';
import { createTestTopic } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');

describe('awaitCaughtUp (what the demo waits for before it checks its invariants)', () => {
  it('reports a mapping behind the end of its topic, and nothing once its group has committed up to the end', async () => {
    // Prepare: a topic of its own and a member of the group that commits by hand
    const run = Math.random().toString(36).slice(2, 8);
    const topic = await createTestTopic(brokers, `caught-up-${run}`, 4);
    const groupId = `caught-up-${run}`;
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    await produce(brokers, topic, [
      { key: 'a', value: '1', partition: 2 },
      { key: 'a', value: '2', partition: 2 },
    ]);
    const member = kafka.consumer({
      groupId,
      sessionTimeout: 6000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
    });
    let seen = 0;
    await member.connect();
    try {
      await member.subscribe({ topic, fromBeginning: true });
      await member.run({ autoCommit: false, eachMessage: async () => void seen++ });
      await waitFor(() => seen === 2, 20_000);
      await member.commitOffsets([{ topic, partition: 2, offset: '1' }]);

      // Act
      const behind = await awaitCaughtUp(kafka, [{ groupId, topic }], 1_000);
      await member.commitOffsets([{ topic, partition: 2, offset: '2' }]);
      const caughtUp = await awaitCaughtUp(kafka, [{ groupId, topic }], 10_000);

      // Assess
      expect([...behind.behind]).toEqual([[`${groupId} ← ${topic}/2`, 1]]);
      expect(caughtUp.behind.size).toBe(0);
    } finally {
      await member.disconnect();
    }
  }, 40_000);
});
