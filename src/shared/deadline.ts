/*
 * A deadline for work that has no timeout of its own (jsforce requests through an admin org's Connection).
 */

/** Rejects with `timeoutError()` when `promise` has not settled within `ms` (the promise itself runs on). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
