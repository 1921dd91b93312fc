/**
 * Drain `queues` with at most `limit` steps running at once. A queue is in at most one lane at a
 * time, so its items run one after another in order; between two of its items the lane moves on to
 * the next ready queue (round robin), so every lane stays busy while any queue has work — unlike
 * handing whole queues to lanes, which idles lanes behind the longest queues. `step` returns false to
 * drop the rest of its queue. Steps must not throw.
 */
export async function drainQueues<T>(
  queues: readonly (readonly T[])[],
  limit: number,
  step: (item: T) => Promise<boolean>,
): Promise<void> {
  const ready = queues.filter((queue) => queue.length > 0).map((items) => ({ items, next: 0 }));
  let head = 0;
  const lane = async () => {
    while (head < ready.length) {
      const queue = ready[head++] as (typeof ready)[number];
      const proceed = await step(queue.items[queue.next++] as T);
      if (proceed && queue.next < queue.items.length) ready.push(queue);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, ready.length)) }, lane));
}
