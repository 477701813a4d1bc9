/*
 * Clean-up on Ctrl-C. Work that leaves something behind while it runs (a listening socket, a half-written
 * file) registers how to undo it; the command's signal handler (src/cli/command.ts) runs every registered
 * clean-up before the process ends with exit code 130. Clean-ups are synchronous: the process exits right
 * after them. A clean-up may return a sentence for the user (what was already done and cannot be undone, such
 * as a deploy already sent): the handler adds it to the words it prints.
 */

/** Undoes what it can; may return a sentence that says what stays done. */
type Cleanup = () => string | undefined | void;

const cleanups = new Set<Cleanup>();

/** Registers a clean-up for Ctrl-C; call the returned function once the work is done (or undone). */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/**
 * Runs and forgets every registered clean-up, newest first; one that throws does not stop the others. Returns
 * the sentences the clean-ups returned, oldest first.
 */
export function runInterruptCleanups(): string[] {
  const notes: string[] = [];
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      const note = cleanup();
      if (typeof note === 'string' && note.length > 0) notes.unshift(note);
    } catch {
      // best effort: the process is ending
    }
  }
  return notes;
}
