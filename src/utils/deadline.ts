/*
 * A deadline for work that has no timeout of its own (jsforce requests through an admin org's Connection).
 */
import { timerMs } from './duration.js';

/**
 * Rejects with `timeoutError()` when `promise` has not settled within `ms` (the promise itself runs on). A budget
 * beyond what a timer can hold (a long --timeout times a number of rounds) waits that longest delay instead of
 * firing at once.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timerMs(ms));
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
