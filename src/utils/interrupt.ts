/*
 * Clean-up on Ctrl-C. Work that leaves something behind while it runs (a listening socket, a half-written
 * file) registers how to undo it; the command's signal handler (src/cli/command.ts) runs every registered
 * clean-up before the process ends with exit code 130. Clean-ups are synchronous: the process exits right
 * after them.
 */

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();

/** Registers a clean-up for Ctrl-C; call the returned function once the work is done (or undone). */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Runs and forgets every registered clean-up, newest first; one that throws does not stop the others. */
export function runInterruptCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort: the process is ending
    }
  }
}
