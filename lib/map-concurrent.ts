/**
 * Runs an async function over many items with at most `limit` in flight, results in the items' order.
 * Reading a thousand small files one after another leaves libuv's thread pool idle; starting all at once
 * can run out of file descriptors. The first error rejects (items already started still finish).
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
