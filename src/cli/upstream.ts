/*
 * Where the commands rely on how @salesforce/sf-plugins-core and @oclif/core work inside, beyond their
 * documented API. Each reliance is here once, saying what it relies on; test/unit/cli/upstream.test.ts fails
 * when one of these shapes changes upstream. (The other three: core's root logger, in utils/logging.ts; a
 * Connection made without an AuthInfo, in org/ownConnection.ts; the bundle's rewrites, in
 * scripts/bundle-rewrites.js; each with its own test.)
 */
/* eslint-disable no-param-reassign -- the command's own spinner and the error it is about to throw are what get cleaned */
import { ux } from '@oclif/core';
import type { SfCommand } from '@salesforce/sf-plugins-core';

/** The signals SfCommand._run handles (SIGBREAK is Windows' Ctrl-Break). */
export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] as const;
export type Signal = (typeof SIGNALS)[number];

/**
 * Relies on: SfCommand._run registers a handler for each of SIGNALS (one that throws oclif's ExitError from the
 * handler, an uncaught "ExitError: EEXIT: 130" with a stack trace) synchronously, before its first await.
 *
 * Starts `run` (the command's SfCommand._run), then at once replaces the handlers it registered with
 * `onSignal`; `onSignal` is removed again when the run ends.
 */
export async function withOwnSignalHandlers<R>(run: () => Promise<R>, onSignal: (signal: Signal) => void): Promise<R> {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)] as const));
  const running = run();
  for (const signal of SIGNALS) {
    const existing = before.get(signal) ?? [];
    for (const listener of process.listeners(signal)) {
      if (!existing.includes(listener)) process.removeListener(signal, listener);
    }
    process.on(signal, onSignal);
  }
  try {
    return await running;
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

/**
 * Relies on: under --json, SfCommand.catch writes the error with logJson(error object), and that object carries
 * `stack` and an inspected `cause`. Returns the object without those two (anything else as it is).
 */
export function errorJsonWithoutInternals(json: unknown): unknown {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return json;
  const copy = { ...(json as Record<string, unknown>) };
  delete copy.stack;
  delete copy.cause;
  return copy;
}

type CommandSpinner = SfCommand<unknown>['spinner'];

/**
 * Relies on: a command's `spinner` is one object for the command's life, started with start(action, status,
 * options), and catch() stops it itself. Makes every text the spinner shows on start pass through `clean`.
 */
export function cleanSpinnerText(spinner: CommandSpinner, clean: (text: string) => string): void {
  const start = spinner.start.bind(spinner);
  spinner.start = (action: string, status?: string, opts?: Parameters<CommandSpinner['start']>[2]): void =>
    start(clean(action), status === undefined ? undefined : clean(status), opts);
}

/**
 * Relies on: SfCommand's logSuccess, warn, info, styledHeader and table write through the command's own log and
 * logToStderr, already formatted (colours included). `formatting` tells those two that the text they get was
 * cleaned before it was formatted, so the colours survive.
 */
export class FormattingDepth {
  private depth = 0;

  public get active(): boolean {
    return this.depth > 0;
  }

  public run(write: () => void): void {
    this.depth++;
    try {
      write();
    } finally {
      this.depth--;
    }
  }
}

/**
 * Relies on: SfCommand.catch writes the error it was given (its message and actions) and then throws that same
 * object. Cleans its words in place, so what is written and what is thrown say the same thing.
 */
export function cleanErrorWords(error: Error & { actions?: unknown }, clean: (text: string) => string): void {
  try {
    error.message = clean(error.message);
    const actions: unknown = error.actions;
    if (Array.isArray(actions)) error.actions = actions.map((a: unknown) => (typeof a === 'string' ? clean(a) : a));
  } catch {
    // a read-only message stays as it is; the output is still sanitized where it is written
  }
}

/**
 * Relies on: the error oclif's parser throws when flag validation fails says "Missing required flag <name>" for
 * each required flag left out, and carries `parse`, with the command's flag definitions (`input.flags`) and the
 * flags it read (`output.flags`). Returns the required flags that were not given, in the order they are defined
 * (none for any other error, such as an unknown flag).
 */
export function missingRequiredFlags(error: unknown): string[] {
  const err = error as
    { message?: unknown; parse?: { input?: { flags?: unknown }; output?: { flags?: unknown } } } | undefined;
  const defined = err?.parse?.input?.flags;
  const given = err?.parse?.output?.flags;
  const message = typeof err?.message === 'string' ? err.message : '';
  if (!defined || typeof defined !== 'object' || !given || typeof given !== 'object') return [];
  return Object.entries(defined as Record<string, { required?: unknown }>)
    .filter(([name, flag]) => flag?.required === true && (given as Record<string, unknown>)[name] === undefined)
    .map(([name]) => name)
    .filter((name) => message.includes(`Missing required flag ${name}`));
}

/**
 * Relies on: oclif's `ux.action` (the spinner behind SfCommand's) is its line-writing kind, type 'simple', when
 * stderr is not a terminal (or in CI, or with TERM=dumb). That kind ends a line only after the first status:
 * later statuses, and the next start, run on into one line ("…retrying in 4 secondsWaiting for…").
 */
export function spinnerWritesLines(): boolean {
  return ux.action.type === 'simple';
}
