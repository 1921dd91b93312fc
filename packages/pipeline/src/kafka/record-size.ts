import { topicSettings } from '../contracts/topics.js';

/** What a record carries: the parts of a record batch its size counts. */
export interface SizedRecord {
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers: Record<string, string | Buffer | Array<string | Buffer>>;
}

/**
 * A record batch's own header (61 bytes in the v2 format) and what each record and header adds on
 * top of its bytes (varint lengths, attributes, timestamp and offset deltas), counted at their largest:
 * https://kafka.apache.org/documentation/#recordbatch.
 */
const BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 32;
const HEADER_OVERHEAD = 10;

const byteLength = (bytes: string | Buffer | null) =>
  bytes === null ? 0 : typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;

/**
 * The most a record takes in a record batch (uncompressed).
 *
 * @param record - a record to publish
 * @example
 * ```ts
 * recordBytes({ key: 'order-1', value: JSON.stringify(envelope), headers }); // bytes the broker counts
 * ```
 */
export function recordBytes(record: SizedRecord): number {
  let bytes = RECORD_OVERHEAD + byteLength(record.key) + byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers)) {
    for (const one of Array.isArray(value) ? value : [value])
      bytes += HEADER_OVERHEAD + Buffer.byteLength(name) + byteLength(one);
  }
  return bytes;
}

/**
 * The most record bytes one request to `topic` may carry: the topic's `max.message.bytes` applies to
 * each record batch, and kafkajs sends one batch per partition per request.
 *
 * @param topic - the topic a publish request writes to
 * @example
 * ```ts
 * batchBudget('orders.events'); // bytes of records one produce request to the topic may carry
 * ```
 */
export function batchBudget(topic: string): number {
  return topicSettings(topic).maxMessageBytes - BATCH_OVERHEAD;
}

/**
 * Split records, in order, into runs whose records together fit every topic's budget: sent one run
 * after the other, no partition's batch can pass `max.message.bytes` however kafkajs spreads a run
 * over partitions, and each key keeps its order. A record that alone exceeds its budget is a run of
 * its own (the broker refuses it with MESSAGE_TOO_LARGE, a permanent error).
 *
 * @param records - the records of one publish
 * @example
 * ```ts
 * for (const run of sizedRuns(records)) await producer.sendBatch({ topicMessages: byTopic(run) });
 * ```
 */
export function sizedRuns<T extends SizedRecord>(records: readonly T[]): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let runBytes = 0;
  let runBudget = Number.POSITIVE_INFINITY;
  for (const record of records) {
    const bytes = recordBytes(record);
    const budget = Math.min(runBudget, batchBudget(record.topic));
    if (run.length > 0 && runBytes + bytes > budget) {
      runs.push(run);
      run = [];
      runBytes = 0;
      runBudget = Number.POSITIVE_INFINITY;
    }
    run.push(record);
    runBytes += bytes;
    runBudget = Math.min(runBudget, batchBudget(record.topic));
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
