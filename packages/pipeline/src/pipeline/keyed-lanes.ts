interface KeyQueue<T> {
  items: T[];
  next: number;
  /** waiting in the ready list or being worked on by a lane */
  scheduled: boolean;
  /** a step returned false: the rest of this key's items are left alone */
  stopped: boolean;
}

/**
 * Runs items of many keys with at most `limit` steps at once, one item of a key at a time and in the
 * order the key's items were pushed. Items may be pushed while earlier ones run — the processor
 * starts the lanes while the batch is still being decoded. Between two items of a key a lane moves on
 * to the next ready key (round robin), so every lane stays busy while any key has work, instead of
 * idling behind the keys with the longest queues. `step` returns false to drop the rest of its key's
 * items, and must not throw.
 * @example
 * ```ts
 * const lanes = new KeyedLanes<DecodedRecord>(16, async (record) => handle(record)); // false stops the key
 * for (const record of records) lanes.push(record.key ?? '', record);
 * await lanes.close(); // every key's items ran in order, 16 keys at a time
 * ```
 */
export class KeyedLanes<T> {
  readonly #queues = new Map<string, KeyQueue<T>>();
  readonly #ready: KeyQueue<T>[] = [];
  #head = 0;
  #lanes = 0;
  #closed = false;
  #resolveDone: (() => void) | undefined;
  readonly #done: Promise<void>;

  /**
   * @param limit - keys processed at once
   * @param step - processes one item; false stops its key
   */
  constructor(
    private readonly limit: number,
    private readonly step: (item: T) => Promise<boolean>,
  ) {
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  /**
   * Queue an item behind the key's earlier ones; a lane picks it up as soon as one is free.
   *
   * @param key - the item's key group
   * @param item - the item
   */
  push(key: string, item: T): void {
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { items: [], next: 0, scheduled: false, stopped: false };
      this.#queues.set(key, queue);
    }
    if (queue.stopped) return;
    queue.items.push(item);
    if (!queue.scheduled) this.#schedule(queue);
  }

  /** No more items will come: resolves once every pushed item has run (or was dropped). */
  close(): Promise<void> {
    this.#closed = true;
    this.#settle();
    return this.#done;
  }

  #schedule(queue: KeyQueue<T>): void {
    queue.scheduled = true;
    this.#ready.push(queue);
    if (this.#lanes < Math.max(1, this.limit)) {
      this.#lanes++;
      void this.#lane();
    }
  }

  async #lane(): Promise<void> {
    while (this.#head < this.#ready.length) {
      const queue = this.#ready[this.#head++] as KeyQueue<T>;
      if (this.#head > 1_024 && this.#head * 2 > this.#ready.length) {
        this.#ready.splice(0, this.#head);
        this.#head = 0;
      }
      const proceed = await this.step(queue.items[queue.next++] as T);
      if (!proceed) queue.stopped = true;
      if (proceed && queue.next < queue.items.length) this.#ready.push(queue);
      else queue.scheduled = false;
    }
    this.#lanes--;
    this.#settle();
  }

  #settle(): void {
    if (this.#closed && this.#lanes === 0 && this.#head >= this.#ready.length) this.#resolveDone?.();
  }
}
