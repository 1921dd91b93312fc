/**
 * Run `worker` over `items` with at most `limit` running at once. Resolves when all are done;
 * a worker must not throw (each reports its own outcome).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await worker(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
