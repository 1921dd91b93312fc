import type { EmulatedRecord, MappingConfig } from './types.js';

/** Lambda closes a Kafka batch at 6 MB of payload (docs/aws-behaviours.md, "Batching, ordering and offsets"). */
export const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/** Work abandoned because the runner stops; its records stay uncommitted and come again. */
export class RunnerStoppedError extends Error {
  override readonly name = 'RunnerStoppedError';
}

interface PendingChunk {
  records: EmulatedRecord[];
  bytes: number;
  done: (error?: unknown) => void;
}

/**
 * Waits for records from several partitions and hands them over as one batch: at BatchSize records,
 * at 6 MB of payload, or when the batching window closes (docs/aws-behaviours.md, "Batching, ordering
 * and offsets").
 */
export class Batcher {
  #pending: PendingChunk[] = [];
  /** records and payload bytes waiting in `#pending` */
  #count = 0;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly mapping: MappingConfig,
    private readonly deliver: (records: EmulatedRecord[]) => Promise<void>,
  ) {}

  submit(records: EmulatedRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bytes = records.reduce((sum, record) => sum + record.bytes, 0);
      this.#pending.push({ records, bytes, done: (error) => (error ? reject(error) : resolve()) });
      this.#count += records.length;
      this.#bytes += bytes;
      if (
        this.#count >= this.mapping.batchSize ||
        this.#bytes >= MAX_BATCH_BYTES ||
        this.mapping.batchingWindowMs === 0
      )
        this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.mapping.batchingWindowMs);
    });
  }

  /** Give up on everything not yet handed over (the runner is stopping: nothing is committed). */
  abort(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#count = 0;
    this.#bytes = 0;
    for (const entry of this.#pending.splice(0)) entry.done(new RunnerStoppedError());
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const taken: PendingChunk[] = [];
    let count = 0;
    let bytes = 0;
    while (this.#pending.length > 0) {
      const next = this.#pending[0] as PendingChunk;
      const full =
        count + next.records.length > this.mapping.batchSize || bytes + next.bytes > MAX_BATCH_BYTES;
      if (taken.length > 0 && full) break;
      taken.push(next);
      count += next.records.length;
      bytes += next.bytes;
      this.#count -= next.records.length;
      this.#bytes -= next.bytes;
      this.#pending.shift();
    }
    if (this.#pending.length > 0)
      this.#timer = setTimeout(() => this.#flush(), this.mapping.batchingWindowMs);
    void this.deliver(taken.flatMap((entry) => entry.records)).then(
      () => {
        for (const entry of taken) entry.done();
      },
      (error: unknown) => {
        for (const entry of taken) entry.done(error);
      },
    );
  }
}
