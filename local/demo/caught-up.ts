import type { Admin, Kafka } from 'kafkajs';
import { pollUntil } from '../poll.js';

/** A consumer group and the topic it reads: one event source mapping. */
export interface GroupOnTopic {
  groupId: string;
  topic: string;
}

interface Snapshot {
  /** `group ← topic/partition` → records behind the end */
  behind: Map<string, number>;
  /** every partition's end offset, to tell whether anything was appended since the last look */
  ends: string;
}

/** What each mapping still has to process. */
async function snapshot(admin: Admin, consumers: readonly GroupOnTopic[]): Promise<Snapshot> {
  const lag = new Map<string, number>();
  const allEnds: string[] = [];
  for (const { groupId, topic } of consumers) {
    const ends = await admin.fetchTopicOffsets(topic);
    allEnds.push(...ends.map(({ partition, high }) => `${topic}/${partition}@${high}`));
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const { partition, high, low } of ends) {
      const offset = Number(
        committed?.partitions.find((entry) => entry.partition === partition)?.offset ?? -1,
      );
      // -1: nothing committed yet, so the group starts at the log's start (TRIM_HORIZON).
      const behind = Number(high) - (offset < 0 ? Number(low) : offset);
      if (behind > 0) lag.set(`${groupId} ← ${topic}/${partition}`, behind);
    }
  }
  return { behind: lag, ends: allEnds.join(' ') };
}

export interface CaughtUp {
  /** what is still behind when the time is up (empty once caught up) */
  behind: Map<string, number>;
  /** records the mappings had still to process at the first look */
  behindAtFirst: number;
  /** how long it took */
  ms: number;
}

/**
 * Wait until every mapping has committed up to the end of its topic, twice in a row with the ends
 * unchanged: nothing is left in flight anywhere in the pipeline. A saga is terminal as soon as it
 * *sends* its last command (CommitStock after OrderConfirmed, a release after a late reservation);
 * what that command does is only visible once the participant's mapping has caught up.
 */
export async function awaitCaughtUp(
  kafka: Kafka,
  consumers: readonly GroupOnTopic[],
  timeoutMs: number,
): Promise<CaughtUp> {
  const admin = kafka.admin();
  const started = Date.now();
  let last: Snapshot | undefined;
  let behind = new Map<string, number>();
  let behindAtFirst: number | undefined;
  try {
    await pollUntil(
      async () => {
        // A broker restarting (the chaos run kills it) answers nothing for a moment: look again.
        const now = await admin
          .connect()
          .then(() => snapshot(admin, consumers))
          .catch(() => undefined);
        if (!now) return false;
        behindAtFirst ??= [...now.behind.values()].reduce((sum, records) => sum + records, 0);
        const settled = now.behind.size === 0 && last?.behind.size === 0 && last.ends === now.ends;
        last = now;
        behind = now.behind;
        return settled;
      },
      { timeoutMs, intervalMs: 300 },
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
  return { behind, behindAtFirst: behindAtFirst ?? 0, ms: Date.now() - started };
}
