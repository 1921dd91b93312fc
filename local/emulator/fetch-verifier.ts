import { headerList } from '../../lib/kafka/codec.js';
import type { RecordInput } from '../../lib/kafka/types.js';

/** What the verifier compares of a fetched record. */
export interface FetchedRecord {
  partitionKey: string;
  offset: number;
  key?: Buffer | string | undefined;
  value: Buffer | null;
  headers?: RecordInput['headers'];
  timestamp?: number | undefined;
}

function sameBytes(a: Buffer | string | null | undefined, b: Buffer | string | null | undefined): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return Buffer.from(a).equals(Buffer.from(b));
}

export function sameRecord(a: FetchedRecord, b: FetchedRecord): boolean {
  const aHeaders = headerList(a.headers);
  const bHeaders = headerList(b.headers);
  return (
    a.offset === b.offset &&
    a.timestamp === b.timestamp &&
    sameBytes(a.key, b.key) &&
    sameBytes(a.value, b.value) &&
    aHeaders.length === bHeaders.length &&
    aHeaders.every(
      (header, index) =>
        header.name === bHeaders[index]?.name && sameBytes(header.value, bHeaders[index]?.value),
    )
  );
}

/**
 * Accepts a fetched record only once two reads of it agree. Mokapi 0.52 sometimes answers a fetch that
 * races an append with torn records — a value holding header bytes, offsets that do not exist —
 * while what it stored is intact (a quiet re-read returns every record whole). kafkajs either crashes
 * decoding such a response or hands the torn records on, and a function would dead-letter them as
 * garbage: lost messages that no real broker would produce. A real cluster (KAFKA_BROKERS) does not
 * need this and the emulator does not use it there.
 */
export class FetchVerifier<TRecord extends FetchedRecord> {
  /** per partition, the records of the last read not yet confirmed by a second one */
  readonly #unconfirmed = new Map<string, TRecord[]>();
  /** records whose two reads disagreed (a torn read caught) */
  torn = 0;

  /**
   * The longest run of `records` (one partition's fetch, in offset order) that the previous read of
   * the partition confirms, and the offset to read again from when the rest still needs confirming.
   */
  check(records: readonly TRecord[]): { confirmed: TRecord[]; rereadFrom: number | undefined } {
    const first = records[0];
    if (!first) return { confirmed: [], rereadFrom: undefined };
    const previous = new Map(
      (this.#unconfirmed.get(first.partitionKey) ?? []).map((record) => [record.offset, record]),
    );
    let agreed = 0;
    for (const record of records) {
      const earlier = previous.get(record.offset);
      const contiguous = record.offset === first.offset + agreed;
      if (!earlier || !contiguous) break;
      if (!sameRecord(earlier, record)) {
        this.torn++;
        break;
      }
      agreed++;
    }
    const rest = records.slice(agreed);
    this.#unconfirmed.set(first.partitionKey, rest);
    return { confirmed: records.slice(0, agreed), rereadFrom: rest[0]?.offset };
  }

  /** Forget a partition's unconfirmed reads (it is being read again from elsewhere). */
  reset(partitionKey: string): void {
    this.#unconfirmed.delete(partitionKey);
  }
}
