/*
 * Work that must happen one step at a time, in order: each step may depend on the one before (a record
 * created before the next refers to it), or the first success ends the work (core tries its login pairs that
 * way). Parallel work uses Promise.all; this is the one place that awaits inside a loop.
 */

/** What a step returns to end the sequence early. */
export const STOP = Symbol('stop');

/** Runs `step` on each item, one after another, in order, until a step returns STOP. */
export async function inOrder<T>(
  items: Iterable<T>,
  step: (item: T, index: number) => Promise<void | typeof STOP>,
): Promise<void> {
  let index = 0;
  for (const item of items) {
    // eslint-disable-next-line no-await-in-loop -- one step at a time is what this function is for
    if ((await step(item, index++)) === STOP) return;
  }
}

/**
 * Runs `work` over `items`, at most `limit` at a time (each worker takes the next item when it is done with
 * its own); the results keep the items' order.
 */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    if (next >= items.length) return;
    const index = next++;
    results[index] = await work(items[index]);
    return worker();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
