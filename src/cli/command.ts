/*
 * The base of every `sf jwt` command: what all of them must do the same way, in one place.
 * - Every flag parsing error is a usage error, exit code 2. (oclif leaves some, such as a flag without its
 *   value or given twice, to the CLI's default exit code, which is 1 in the sf CLI.)
 * - Errors carry no stack trace: not in --json output either (sf-plugins-core puts `stack` and an inspected
 *   `cause` there).
 * - Output goes through one sanitizer (shared/printable.ts): no control characters or escape sequences from
 *   usernames, file names or server answers reach the terminal.
 * - Ctrl-C (and SIGTERM, SIGHUP) ends quietly: registered clean-ups run (shared/interrupt.ts), then the
 *   process exits with 130 (143, 129), without the stack trace sf-plugins-core's own handler prints.
 * - The plugin's copy of @salesforce/core logs through the CLI's log file, without a log transport of its own
 *   (shared/logging.ts): set up when this module loads, before any command module runs.
 * Kept out of src/commands/ (oclif loads every file there as a command).
 */
import { Messages } from '@salesforce/core';
import { SfCommand } from '@salesforce/sf-plugins-core';
import type { Config, Interfaces } from '@oclif/core';
import type { TableOptions } from '@oclif/table';
import { printable } from '../utils/printable.js';
import { runInterruptCleanups } from '../utils/interrupt.js';
import { checkUsernameOrAlias } from '../org/inputs.js';
import { useMemoryRootLogger } from '../utils/logging.js';

// Before anything logs: the plugin's copy of core logs without a second worker thread (shared/logging.ts).
useMemoryRootLogger();
Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];
/** 128 + the signal number, as shells report it (SIGBREAK, Windows' Ctrl-Break, as Ctrl-C). */
const SIGNAL_EXIT_CODES: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGBREAK: 130, SIGHUP: 129 };

type FlagOutput = Record<string, unknown>;
type ArgOutput = Record<string, unknown>;

function cleanMessage(input: SfCommand.Warning): SfCommand.Warning {
  if (typeof input === 'string') return printable(input);
  return {
    ...input,
    message: printable(input.message),
    ...(input.actions ? { actions: input.actions.map(printable) } : {}),
  };
}

/** Marks an error out of flag parsing as a usage error (exit code 2), whatever the CLI's default exit code is. */
function asUsageError(error: unknown): unknown {
  if (error && typeof error === 'object') {
    const err = error as { oclif?: Record<string, unknown>; exitCode?: unknown };
    err.oclif = { ...(err.oclif ?? {}), exit: 2 };
    if (typeof err.exitCode === 'number') err.exitCode = 2;
  }
  return error;
}

export abstract class JwtCommand<T> extends SfCommand<T> {
  /** >0 while sf-plugins-core formats already sanitized text (its colours must survive log/logToStderr). */
  private formatting = 0;
  /** Set while an error is written, so logJson leaves out the stack trace and the inspected cause. */
  private writingError = false;
  private interrupted = false;
  private readonly onSignal: (signal: Signal) => void;

  public constructor(argv: string[], config: Config) {
    super(argv, config);
    this.onSignal = (signal: Signal): void => this.interrupt(signal);
    const spinner = this.spinner;
    const start = spinner.start.bind(spinner);
    spinner.start = (action: string, status?: string, opts?: Parameters<typeof spinner.start>[2]): void =>
      start(printable(action), status === undefined ? undefined : printable(status), opts);
  }

  /**
   * sf-plugins-core registers signal handlers at the start of _run that throw oclif's ExitError from the
   * handler (an uncaught "ExitError: EEXIT: 130" with a stack). They are registered synchronously, before its
   * first await: replace them with this command's quiet handler at once.
   */
  // eslint-disable-next-line no-underscore-dangle -- oclif's and sf-plugins-core's name for the run wrapper
  public async _run<R>(): Promise<R> {
    const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)] as const));
    // eslint-disable-next-line no-underscore-dangle
    const running = super._run<R>();
    for (const signal of SIGNALS) {
      const existing = before.get(signal) ?? [];
      for (const listener of process.listeners(signal)) {
        if (!existing.includes(listener)) process.removeListener(signal, listener);
      }
      process.on(signal, this.onSignal);
    }
    try {
      return await running;
    } finally {
      for (const signal of SIGNALS) process.removeListener(signal, this.onSignal);
    }
  }

  public log(message = '', ...args: unknown[]): void {
    super.log(this.formatting > 0 ? message : printable(message), ...args.map((a) => printableArg(a)));
  }

  public logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(this.formatting > 0 ? message : printable(message), ...args.map((a) => printableArg(a)));
  }

  public logSuccess(message: string): void {
    this.formatted(() => super.logSuccess(printable(message)));
  }

  public warn(input: SfCommand.Warning): SfCommand.Warning {
    const clean = cleanMessage(input);
    this.formatted(() => super.warn(clean));
    return clean;
  }

  public info(input: SfCommand.Info): void {
    this.formatted(() => super.info(cleanMessage(input)));
  }

  public styledHeader(text: string): void {
    this.formatted(() => super.styledHeader(printable(text)));
  }

  /**
   * When stdout is not a terminal, @oclif/table prints a table at its natural width; that is said explicitly
   * (maxWidth 'none'), because otherwise ink asks `tput` for a terminal size, several times per table (about
   * 0.1 s each, measured).
   */
  public table<R extends Record<string, unknown>>(options: TableOptions<R>): void {
    const data = options.data.map(
      (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [printable(k), printableArg(v)])) as R,
    );
    const title = typeof options.title === 'string' ? printable(options.title) : options.title;
    const width = process.stdout.columns || options.maxWidth !== undefined ? {} : { maxWidth: 'none' as const };
    this.formatted(() => super.table({ ...options, data, title, ...width }));
  }

  public logJson(json: unknown): void {
    if (this.writingError && json && typeof json === 'object' && !Array.isArray(json)) {
      const copy = { ...(json as Record<string, unknown>) };
      delete copy.stack;
      delete copy.cause;
      super.logJson(copy);
      return;
    }
    super.logJson(json);
  }

  /**
   * Every error out of flag parsing is a usage error: exit code 2. A username or admin org given blank, or with
   * whitespace or control characters, is refused here too, before anything uses it.
   */
  protected async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    let parsed: Interfaces.ParserOutput<F, B, A>;
    try {
      parsed = await super.parse(options, argv);
    } catch (error) {
      throw asUsageError(error);
    }
    const flags = parsed.flags as Record<string, unknown>;
    for (const flag of ['username', 'admin-org']) {
      const value = flags[flag];
      if (typeof value === 'string') checkUsernameOrAlias(value, `--${flag}`);
    }
    return parsed;
  }

  protected async catch(error: Error & { actions?: string[] }): Promise<never> {
    try {
      /* eslint-disable no-param-reassign -- the error is rethrown by SfCommand.catch: it must carry the clean words */
      error.message = printable(error.message);
      if (Array.isArray(error.actions)) error.actions = error.actions.map(printable);
      /* eslint-enable no-param-reassign */
    } catch {
      // a read-only message stays as it is; the output is still sanitized where it is written
    }
    this.writingError = true;
    try {
      return await super.catch(error);
    } finally {
      this.writingError = false;
    }
  }

  private formatted(write: () => void): void {
    this.formatting++;
    try {
      write();
    } finally {
      this.formatting--;
    }
  }

  /** Ctrl-C: clean up, say so in one line (or as the JSON error), exit 130. A second Ctrl-C exits at once. */
  private interrupt(signal: Signal): void {
    const exitCode = SIGNAL_EXIT_CODES[signal];
    if (this.interrupted) process.exit(exitCode);
    this.interrupted = true;
    runInterruptCleanups();
    const message = shared.getMessage('interrupted', [signal === 'SIGINT' ? 'Ctrl-C' : signal]);
    try {
      this.spinner.stop(shared.getMessage('interrupted.spinner'));
      if (this.jsonEnabled()) {
        super.logJson({
          name: 'InterruptedError',
          message,
          exitCode,
          status: exitCode,
          code: String(exitCode),
          commandName: this.constructor.name,
          warnings: [],
        });
      } else {
        process.stderr.write(`${message}\n`);
      }
    } finally {
      process.exit(exitCode);
    }
  }
}

function printableArg(value: unknown): unknown {
  return typeof value === 'string' ? printable(value) : value;
}
