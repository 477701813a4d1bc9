/*
 * One log transport per process. The sf CLI's own @salesforce/core writes the sf log through a pino worker
 * thread. An installed plugin has its own copy of core, whose root logger would start a second worker
 * thread: its start-up and its flush at exit block the main thread for about half a second.
 *
 * Instead, the plugin's root logger keeps its records in memory (core's MemoryLogger, which removes secrets
 * the same way the file transport does), and at exit they are appended synchronously to the log file core
 * would write: `<sf dir>/sf-<date>.log`, with the date cut to SF_LOG_ROTATION_PERIOD (1m, 1h, 1d), and only
 * records at or above the log level (`warn`, or SF_LOG_LEVEL). Logging reaches the sf log when the user asks
 * for it (SF_LOG_LEVEL=debug), without a worker thread.
 *
 * Relies on (inside @salesforce/core, beyond its documented API): Logger keeps its root logger in the static field
 * `rootLogger`, which a Logger constructed with the root's name fills; a root made with `useMemoryLogger` keeps
 * its records for `getBufferedRecords`, secrets removed. test/unit/utils/logging.test.ts fails when that changes.
 *
 * Nothing changes where core would not write that file itself: when a root logger already exists (a linked
 * plugin shares the CLI's core), with DEBUG set (core then pretty-prints to the terminal), with
 * SF_DISABLE_LOG_FILE / SFDX_DISABLE_LOG_FILE, or in core's test mode. No environment variable is set, so
 * the CLI's own core is not affected.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Global, Logger, Mode } from '@salesforce/core';

/** The log file name core's file transport uses: `sf-<date>.log`, the date cut to the rotation period. */
export function logFileName(now: Date, rotationPeriod: string | undefined): string {
  const iso = now.toISOString();
  const stamps: Record<string, string> = {
    '1m': iso.split(':').slice(0, 2).join('-'),
    '1h': iso.split(':').slice(0, 1).join('-'),
    '1d': iso.split('T')[0],
  };
  return `sf-${stamps[rotationPeriod ?? '1d'] ?? stamps['1d']}.log`;
}

/** Whether core would write its log file itself (and the plugin should leave the root logger alone). */
function coreHandlesItself(env: NodeJS.ProcessEnv): boolean {
  return (
    Boolean(env.DEBUG) ||
    env.SF_DISABLE_LOG_FILE === 'true' ||
    env.SFDX_DISABLE_LOG_FILE === 'true' ||
    Global.getEnvironmentMode() === Mode.TEST
  );
}

export type MemoryLogging = {
  /** The file the records go to at exit. */
  file: string;
  /** Appends the records held so far to the file and forgets them; called at exit. */
  flush(): void;
};

/**
 * Makes the root logger of this copy of core a memory logger that is written to the sf log at exit.
 * Returns undefined when it leaves logging as it is (see the top of this file).
 */
export function useMemoryRootLogger(env: NodeJS.ProcessEnv = process.env): MemoryLogging | undefined {
  // Core keeps its root logger in a private static field; read it only to leave an existing one alone.
  const existing = (Logger as unknown as { rootLogger?: Logger }).rootLogger;
  if (existing !== undefined || coreHandlesItself(env)) return undefined;
  const root = new Logger({ name: Logger.ROOT_NAME, fields: {}, useMemoryLogger: true });
  const file = join(Global.SF_DIR, logFileName(new Date(), env.SF_LOG_ROTATION_PERIOD));
  const flush = (): void => {
    const records = root.getBufferedRecords();
    if (records.length === 0) return;
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    records.length = 0;
    try {
      mkdirSync(Global.SF_DIR, { recursive: true });
      appendFileSync(file, text);
    } catch {
      // As with core's transport: a log that cannot be written never fails the command.
    }
  };
  process.once('exit', flush);
  return { file, flush };
}
