import type { DeadLetter, KafkaConnection } from '@msk-patterns/emulator';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { MappingStatus } from './contracts.js';

/** An event source mapping as the console shows it: its topic and group, and its counters when emulated. */
export interface MappingSource {
  functionKey: string;
  topic: string;
  consumerGroupId: string;
  enabled: boolean;
  stats?: { invocations: number; retries: number; toDestination: number } | undefined;
}

function kafkaOf(connection: KafkaConnection): Kafka {
  const config: KafkaConfig = 'brokers' in connection ? connection : { brokers: [...connection] };
  return new Kafka({ ...config, logLevel: logLevel.NOTHING });
}

/**
 * Each mapping's lag per partition — the partition's end offset minus its consumer group's committed
 * offset (all of it before the group's first commit), as Lambda's `OffsetLag` metric counts it — its
 * counters, and the dead letters its function wrote.
 *
 * @param connection - the brokers
 * @param sources - the mappings
 * @param letters - the dead letters read so far
 */
export async function mappingStatuses(
  connection: KafkaConnection,
  sources: readonly MappingSource[],
  letters: readonly DeadLetter[],
): Promise<MappingStatus[]> {
  const admin = kafkaOf(connection).admin();
  await admin.connect();
  try {
    const statuses: MappingStatus[] = [];
    for (const source of sources) {
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
      statuses.push({
        functionKey: source.functionKey,
        topic: source.topic,
        consumerGroupId: source.consumerGroupId,
        enabled: source.enabled,
        lag: partitions.reduce((sum, partition) => sum + partition.lag, 0),
        partitions,
        ...(source.stats ?? {}),
        deadLetters: letters.filter((letter) => letter.functionName.endsWith(source.functionKey)).length,
      });
    }
    return statuses;
  } finally {
    await admin.disconnect();
  }
}
