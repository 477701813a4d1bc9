/*
 * The base of every `sf jwt` command: what all of them must do the same way, in one place. (What it relies on
 * inside sf-plugins-core and oclif is in upstream.ts.)
 * - Every flag parsing error is a usage error, exit code 2. (oclif leaves some, such as a flag without its
 *   value or given twice, to the CLI's default exit code, which is 1 in the sf CLI.)
 * - Errors carry no stack trace: not in --json output either (sf-plugins-core puts `stack` and an inspected
 *   `cause` there).
 * - Output goes through one sanitizer (utils/printable.ts): no control characters or escape sequences from
 *   usernames, file names or server answers reach the terminal, and no credential in a URL (user info, a session
 *   id or token in the query) is shown: not in human output, not in --json, not in the result a caller gets.
 * - Ctrl-C (and SIGTERM, SIGHUP) ends quietly: registered clean-ups run (utils/interrupt.ts), then the
 *   process exits with 130 (143, 129), without the stack trace sf-plugins-core's own handler prints.
 * - The plugin's copy of @salesforce/core logs through the CLI's log file, without a log transport of its own
 *   (utils/logging.ts): set up when this module loads, before any command module runs.
 * Kept out of src/commands/ (oclif loads every file there as a command).
 */
import { Messages } from '@salesforce/core';
import { SfCommand } from '@salesforce/sf-plugins-core';
import type { Config, Interfaces } from '@oclif/core';
import type { TableOptions } from '@oclif/table';
import { displayText, redactJson } from '../utils/printable.js';
import { runInterruptCleanups } from '../utils/interrupt.js';
import { checkUsernameOrAlias } from '../org/inputs.js';
import { useMemoryRootLogger } from '../utils/logging.js';
import { fitTable, outputWidth, wrapText } from '../utils/layout.js';
import type { Spinner, ViewLine } from '../utils/view.js';
import {
  cleanErrorWords,
  cleanSpinnerText,
  errorJsonWithoutInternals,
  FormattingDepth,
  missingRequiredFlags,
  spinnerWritesLines,
  withOwnSignalHandlers,
  type Signal,
} from './upstream.js';

// Before anything logs: the plugin's copy of core logs without a second worker thread (utils/logging.ts).
useMemoryRootLogger();
Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** 128 + the signal number, as shells report it (SIGBREAK, Windows' Ctrl-Break, as Ctrl-C). */
const SIGNAL_EXIT_CODES: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGBREAK: 130, SIGHUP: 129 };

type FlagOutput = Record<string, unknown>;
type ArgOutput = Record<string, unknown>;

function cleanMessage(input: SfCommand.Warning): SfCommand.Warning {
  if (typeof input === 'string') return displayText(input);
  return {
    ...input,
    message: displayText(input.message),
    ...(input.actions ? { actions: input.actions.map(displayText) } : {}),
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
  /**
   * A required flag left out, in the command's own words (a usage error, exit code 2), by flag name; a flag
   * not named here gets oclif's "Missing required flag".
   */
  protected readonly requiredFlagErrors: Record<string, () => Error> = {};
  /** Set while sf-plugins-core formats already sanitized text (its colours must survive log/logToStderr). */
  private readonly formatting = new FormattingDepth();
  /** Set while an error is written, so logJson leaves out the stack trace and the inspected cause. */
  private writingError = false;
  private interrupted = false;
  private readonly onSignal: (signal: Signal) => void;

  public constructor(argv: string[], config: Config) {
    super(argv, config);
    this.onSignal = (signal: Signal): void => this.interrupt(signal);
    cleanSpinnerText(this.spinner, displayText);
  }

  /** sf-plugins-core's signal handlers give way to this command's quiet one (upstream.ts). */
  /* eslint-disable no-underscore-dangle -- _run is oclif's name for the run wrapper that sf-plugins-core overrides */
  public async _run<R>(): Promise<R> {
    return redactJson(await withOwnSignalHandlers(() => super._run<R>(), this.onSignal));
  }
  /* eslint-enable no-underscore-dangle */

  public log(message = '', ...args: unknown[]): void {
    super.log(this.formatting.active ? message : displayText(message), ...args.map((a) => printableArg(a)));
  }

  public logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(this.formatting.active ? message : displayText(message), ...args.map((a) => printableArg(a)));
  }

  public logSuccess(message: string): void {
    this.formatting.run(() => super.logSuccess(displayText(message)));
  }

  public warn(input: SfCommand.Warning): SfCommand.Warning {
    const clean = cleanMessage(input);
    this.formatting.run(() => super.warn(clean));
    return clean;
  }

  public info(input: SfCommand.Info): void {
    this.formatting.run(() => super.info(cleanMessage(input)));
  }

  public styledHeader(text: string): void {
    this.formatting.run(() => super.styledHeader(displayText(text)));
  }

  /**
   * When stdout is not a terminal, @oclif/table prints a table at its natural width; that is said explicitly
   * (maxWidth 'none'), because otherwise ink asks `tput` for a terminal size, several times per table (about
   * 0.1 s each, measured). show() passes tables already folded to the width, also drawn at their natural width.
   */
  public table<R extends Record<string, unknown>>(options: TableOptions<R>): void {
    const data = options.data.map(
      (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [displayText(k), printableArg(v)])) as R,
    );
    const title = typeof options.title === 'string' ? displayText(options.title) : options.title;
    const width = process.stdout.columns || options.maxWidth !== undefined ? {} : { maxWidth: 'none' as const };
    this.formatting.run(() => super.table({ ...options, data, title, ...width }));
  }

  public logJson(json: unknown): void {
    super.logJson(redactJson(this.writingError ? errorJsonWithoutInternals(json) : json));
  }

  /** Whether progress can change in place (a spinner on a terminal), rather than being written line by line. */
  // eslint-disable-next-line class-methods-use-this -- the same for every command, asked by one
  protected progressInPlace(): boolean {
    return !spinnerWritesLines();
  }

  /**
   * Progress while work runs, as the domain modules take it (utils/view.ts): the command's spinner on a
   * terminal. In a log (no terminal, or CI), each message is a line of its own on stderr: the start, then each
   * status, as "<what runs>: <status>". Nothing with --json.
   */
  protected spinnerForWork(): Spinner {
    if (spinnerWritesLines()) {
      let action = '';
      const line = (text: string): void => {
        if (!this.jsonEnabled()) this.logToStderr(text);
      };
      return {
        start: (text: string): void => {
          action = text;
          line(`${text}...`);
        },
        status: (text: string): void => line(`${action}: ${text}`),
        stop: (): void => {},
      };
    }
    return {
      start: (text: string): void => this.spinner.start(text),
      status: (text: string): void => {
        this.spinner.status = text;
      },
      stop: (): void => this.spinner.stop(),
    };
  }

  /**
   * Renders a view (each domain's `view` turns its result into lines): the one way from a result to the screen.
   * Text and tables are folded to the terminal's width, or to 100 columns when the output is not a terminal
   * (utils/layout.ts). Warnings are not folded: their words are also the JSON output's `warnings`.
   */
  protected show(lines: ViewLine[]): void {
    const width = outputWidth(process.stdout);
    const errWidth = outputWidth(process.stderr);
    let afterTable = false;
    for (const line of lines) {
      // a table ends with an empty line of its own
      const blankAfterTable = afterTable && line.kind === 'text' && line.text === '';
      afterTable = line.kind === 'table';
      if (blankAfterTable) continue;
      switch (line.kind) {
        case 'header':
          this.styledHeader(line.text);
          break;
        case 'success':
          this.logSuccess(wrapText(line.text, width));
          break;
        case 'stderr':
          this.logToStderr(wrapText(line.text, errWidth));
          break;
        case 'warning':
          this.warn(line.text);
          break;
        case 'table':
          this.table({
            data: fitTable(line.data, width),
            ...(line.title ? { title: line.title } : {}),
            // already folded to the width: 'wrap' shows every line of a cell, and cuts none
            overflow: 'wrap',
            maxWidth: 'none',
          });
          break;
        default:
          this.log(wrapText(line.text, width));
      }
    }
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
      for (const flag of missingRequiredFlags(error)) {
        const words = this.requiredFlagErrors[flag];
        if (words) throw words();
      }
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
    cleanErrorWords(error, displayText);
    this.writingError = true;
    try {
      return await super.catch(error);
    } finally {
      this.writingError = false;
    }
  }

  /** Ctrl-C: clean up, say so in one line (or as the JSON error), exit 130. A second Ctrl-C exits at once. */
  private interrupt(signal: Signal): void {
    const exitCode = SIGNAL_EXIT_CODES[signal];
    if (this.interrupted) process.exit(exitCode);
    this.interrupted = true;
    const notes = runInterruptCleanups();
    const message = [shared.getMessage('interrupted', [signal === 'SIGINT' ? 'Ctrl-C' : signal]), ...notes]
      .map((text) => displayText(text))
      .join(' ');
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
  return typeof value === 'string' ? displayText(value) : value;
}
