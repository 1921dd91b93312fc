/** A stream's state as of a version its container knows to be committed. */
export interface KnownState<TState> {
  state: TState;
  version: number;
}

/**
 * What this container last committed to each stream, most recently used kept, at most `capacity`
 * streams. It spares the write side the two reads of loading a stream for every command (snapshot
 * and events: two thirds of its DynamoDB requests, bench/throughput.ts). Safe because every append is
 * conditioned on its version being free: if another container appended meanwhile (after a
 * rebalance), the append fails, the pipeline tries the record again, and a retry reads the stream
 * (`HandlerContext.attempt`).
 */
export class StateCache<TState> {
  readonly #entries = new Map<string, KnownState<TState>>();

  constructor(readonly capacity: number) {}

  get(streamId: string): KnownState<TState> | undefined {
    const known = this.#entries.get(streamId);
    if (known) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.#entries.delete(streamId);
      this.#entries.set(streamId, known);
    }
    return known;
  }

  set(streamId: string, known: KnownState<TState>): void {
    this.#entries.delete(streamId);
    this.#entries.set(streamId, known);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
