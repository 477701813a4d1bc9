/*
 * Deadlines: a bound for work that has no timeout of its own (jsforce requests through an admin org's
 * Connection), and a budget for a whole operation whose steps each get what is left of it.
 */
import { timerMs } from './duration.js';

/**
 * Rejects with `timeoutError()` when `promise` has not settled within `ms`. The work itself runs on unless it
 * listens to `stop`, which is aborted at the deadline (the work in flight then ends too). A budget beyond what a
 * timer can hold (a long --timeout times a number of rounds) waits that longest delay instead of firing at once.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: () => Error,
  stop?: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stop?.abort();
      reject(timeoutError());
    }, timerMs(ms));
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The shortest time a request is given, even when a budget is spent: one try still gets a chance to answer. */
export const MIN_REQUEST_MS = 1000;

/**
 * A request's timeout within a budget that ends at `endsAt` (epoch ms): the smaller of `timeoutMs` and what is left,
 * but at least MIN_REQUEST_MS (or `timeoutMs`, when that is shorter). Without `endsAt`, `timeoutMs`.
 */
export function timeoutWithin(timeoutMs: number, endsAt: number | undefined, now = Date.now()): number {
  if (endsAt === undefined) return timeoutMs;
  return Math.max(Math.min(MIN_REQUEST_MS, timeoutMs), Math.min(timeoutMs, endsAt - now));
}
