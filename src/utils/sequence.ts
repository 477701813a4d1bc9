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
