import { EmulatorError } from '../errors.js';
import type { EmulatedRecord, MappingConfig } from './types.js';

/** Lambda closes a Kafka batch at 6 MB of payload (docs/aws-behaviours.md, "Batching, ordering and offsets"). */
export const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/**
 * Work abandoned because the runner stops; its records stay uncommitted and come again.
 * @example
 * ```ts
 * await runner.stop();
 * // a batch still waiting for its invocation settles with RunnerStoppedError: the mapping runner stopped
 * ```
 */
export class RunnerStoppedError extends EmulatorError {
  override readonly name = 'RunnerStoppedError';
}

interface PendingChunk {
  records: EmulatedRecord[];
  bytes: number;
  /** when it arrived: its window closes BatchingWindow after that, whatever was handed over meanwhile */
  arrived: number;
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
      this.#pending.push({
        records,
        bytes,
        arrived: Date.now(),
        done: (error) => (error ? reject(error) : resolve()),
      });
      this.#count += records.length;
      this.#bytes += bytes;
      if (this.#full() || this.mapping.batchingWindowMs === 0) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.mapping.batchingWindowMs);
    });
  }

  #full(): boolean {
    return this.#count >= this.mapping.batchSize || this.#bytes >= MAX_BATCH_BYTES;
  }

  /** Give up on everything not yet handed over (the runner is stopping: nothing is committed). */
  abort(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#count = 0;
    this.#bytes = 0;
    for (const entry of this.#pending.splice(0))
      entry.done(new RunnerStoppedError('the mapping runner stopped'));
  }

  /**
   * Hand over a batch, then more at once while what is left is a full batch already (a chunk that did
   * not fit need not wait a window it has already waited), and set the timer for what remains: its
   * window runs from the oldest chunk's arrival.
   */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    do this.#handOver();
    while (this.#pending.length > 0 && this.#full());
    const oldest = this.#pending[0];
    if (oldest) {
      const wait = Math.max(0, oldest.arrived + this.mapping.batchingWindowMs - Date.now());
      this.#timer = setTimeout(() => this.#flush(), wait);
    }
  }

  #handOver(): void {
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
