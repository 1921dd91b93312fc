import {
  type DeadLetter,
  functionKeyOf,
  type KafkaConnection,
  kafkaClient,
  type LastInvocation,
} from '@msk-patterns/emulator';
import type { Admin, Kafka } from 'kafkajs';
import type { MappingStatus } from './contracts.js';

/** An event source mapping as the console shows it: its topic and group, and its counters when emulated. */
export interface MappingSource {
  functionKey: string;
  topic: string;
  consumerGroupId: string;
  enabled: boolean;
  /** the mapping's state as Lambda reports it, on a stage */
  state?: string | undefined;
  stats?: { invocations: number; retries: number; toDestination: number } | undefined;
  lastInvocation?: LastInvocation | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * Each mapping's lag per partition — the partition's end offset minus its consumer group's committed
 * offset (all of it before the group's first commit), as Lambda's `OffsetLag` metric counts it — its
 * counters, its latest invocation, and the dead letters its function wrote (all, and in the last hour).
 * One admin connection serves every request (pages ask every few seconds); {@link close} ends it.
 */
export class MappingWatch {
  readonly #kafka: Kafka;
  #admin: Promise<Admin> | undefined;

  /** @param connection - the brokers, or a kafkajs configuration with MSK IAM */
  constructor(connection: KafkaConnection) {
    this.#kafka = kafkaClient(connection);
  }

  /**
   * @param sources - the mappings
   * @param letters - the dead letters read so far
   * @param now - the time the dead-letter rate counts back from
   */
  async statuses(
    sources: readonly MappingSource[],
    letters: readonly DeadLetter[],
    now: number,
  ): Promise<MappingStatus[]> {
    const admin = await this.#connected();
    try {
      const functionKeys = new Set(sources.map((source) => source.functionKey));
      const lettersOf = new Map<string | undefined, DeadLetter[]>();
      for (const letter of letters) {
        const functionKey = functionKeyOf(letter.functionName, functionKeys);
        const list = lettersOf.get(functionKey) ?? [];
        list.push(letter);
        lettersOf.set(functionKey, list);
      }
      return await Promise.all(
        sources.map((source) => this.#status(admin, source, lettersOf.get(source.functionKey) ?? [], now)),
      );
    } catch (error) {
      // A broken connection is not kept: the next request connects again.
      this.#admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const admin = await this.#admin?.catch(() => undefined);
    this.#admin = undefined;
    await admin?.disconnect();
  }

  #connected(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      this.#admin = admin.connect().then(
        () => admin,
        (error: unknown) => {
          this.#admin = undefined;
          throw error;
        },
      );
    }
    return this.#admin;
  }

  /** @param letters - the dead letters of the mapping's function */
  async #status(
    admin: Admin,
    source: MappingSource,
    written: readonly DeadLetter[],
    now: number,
  ): Promise<MappingStatus> {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(source.topic),
      admin.fetchOffsets({ groupId: source.consumerGroupId, topics: [source.topic] }),
    ]);
    const committedOf = new Map(
      (committed?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]),
    );
    const partitions = ends
      .map(({ partition, high, low }) => {
        const at = committedOf.get(partition);
        const read = at === undefined || at < 0 ? null : at;
        return { partition, committed: read, end: Number(high), lag: Number(high) - (read ?? Number(low)) };
      })
      .sort((a, b) => a.partition - b.partition);
    const last = source.lastInvocation;
    return {
      functionKey: source.functionKey,
      topic: source.topic,
      consumerGroupId: source.consumerGroupId,
      enabled: source.enabled,
      ...(source.state ? { state: source.state } : {}),
      lag: partitions.reduce((sum, partition) => sum + partition.lag, 0),
      partitions,
      ...(source.stats ?? {}),
      ...(last ? { lastInvocation: { ...last, at: last.at.toISOString() } } : {}),
      deadLetters: written.length,
      deadLettersLastHour: written.filter((letter) => now - Date.parse(letter.timestamp) <= HOUR_MS).length,
    };
  }
}
