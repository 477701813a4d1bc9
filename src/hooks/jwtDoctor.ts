/*
 * `sf doctor` for JWT logins: the diagnosis of `sf jwt diagnose --all`, bounded in time, reported the way
 * the doctor of plugin-info takes it: one `Doctor:diagnostic` lifecycle event per stored login, one
 * suggestion per failing login (cause code, message, next command), and the `--all` result as the plugin's
 * data in the diagnosis file. A failure of its own becomes a `warn` diagnostic; it never throws.
 *
 * What it hands the doctor leaves the plugin here, so it is made safe here, once: each diagnostic and suggestion
 * is one line without control characters (a stored username cannot forge another line), and no URL in them or in
 * the plugin data carries a credential. The minute covers every login: at the deadline the work in flight is
 * stopped, not left running after the doctor has moved on.
 *
 * Loaded by the `sf-doctor-plugin-jwt` hook only when `sf doctor` runs.
 */
import { Lifecycle, Messages } from '@salesforce/core';
import { type DiagnoseOptions } from '../diagnose/diagnose.js';
import { diagnoseAll, type DiagnoseAllResult } from '../diagnose/fleet.js';
import { withDeadline } from '../utils/deadline.js';
import { displayLine, redactJson } from '../utils/printable.js';
import { describeDuration } from '../utils/duration.js';
import type { DiagnoseResult } from '../diagnose/types.js';
import { isDevHubWarning } from '../diagnose/devHub.js';
import { diagnoseCommand } from '../org/suggest.js';
import { inOrder } from '../utils/sequence.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.hooks');

/** The name in package.json: the doctor's hook event is `sf-doctor-plugin-jwt`, its data key this name. */
export const PLUGIN_NAME = 'plugin-jwt';
/** Per request: shorter than `sf jwt diagnose`'s default, a doctor run should not stall on one host. */
export const DOCTOR_REQUEST_TIMEOUT_MS = 10_000;
/** For the whole diagnosis of every stored login. */
export const DOCTOR_DEADLINE_MS = 60_000;

/** What the hook uses of plugin-info's doctor (SfDoctor). */
export type DoctorLike = {
  addSuggestion(suggestion: string): void;
  addPluginData(pluginName: string, data: unknown): void;
};

/** The payload of a `Doctor:diagnostic` lifecycle event. */
export type DiagnosticStatus = { testName: string; status: 'pass' | 'fail' | 'warn' };

export type JwtDoctorOptions = {
  /** The CLI's bin, for the commands in suggestions. */
  bin?: string;
  diagnoseAll?: (options: DiagnoseOptions & { signal?: AbortSignal }) => Promise<DiagnoseAllResult>;
  emit?: (status: DiagnosticStatus) => Promise<void>;
  requestTimeoutMs?: number;
  deadlineMs?: number;
};

const emitDiagnostic = (status: DiagnosticStatus): Promise<void> =>
  Lifecycle.getInstance().emit('Doctor:diagnostic', status);

/** `pass` for a working login, `warn` for a working one with findings, `fail` for a login that fails. */
export function loginStatus(org: DiagnoseResult): DiagnosticStatus['status'] {
  if (!org.ok) return 'fail';
  return org.warnings?.length ? 'warn' : 'pass';
}

/**
 * The exact command that shows a stored login's full diagnosis: the cause, its evidence and every fix. The
 * login is stored, so its username finds it again; `bin` is the CLI's name.
 */
export function nextCommand(username: string, bin = 'sf'): string {
  const stored = { clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: 'stored-auth' } as const;
  return `${bin}${diagnoseCommand({ username, source: stored }).slice('sf'.length)}`;
}

/** One line for a failing login: its cause code, the cause's message and the next command. */
export function suggestionFor(org: DiagnoseResult, bin = 'sf'): string | undefined {
  if (org.ok || !org.cause) return undefined;
  const message = org.cause.message.replace(/\s+/g, ' ').trim();
  return messages.getMessage('doctor.suggestion', [
    org.username,
    org.cause.code,
    message,
    nextCommand(org.username, bin),
  ]);
}

const reasonOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();

/** The doctor as the diagnostics reach it: every line made safe, every piece of data without a credential. */
function safeDoctor(doctor: DoctorLike): DoctorLike {
  return {
    addSuggestion: (suggestion): void => doctor.addSuggestion(displayLine(suggestion)),
    addPluginData: (pluginName, data): void => doctor.addPluginData(pluginName, redactJson(data)),
  };
}

/** Runs the JWT diagnostics into `doctor`. Never throws. */
export async function runJwtDoctor(to: DoctorLike, options: JwtDoctorOptions = {}): Promise<void> {
  const bin = options.bin ?? 'sf';
  const doctor = safeDoctor(to);
  const emitRaw = options.emit ?? emitDiagnostic;
  const emit = (status: DiagnosticStatus): Promise<void> =>
    emitRaw({ ...status, testName: displayLine(status.testName) });
  const deadlineMs = options.deadlineMs ?? DOCTOR_DEADLINE_MS;
  // at the deadline, the diagnosis in flight is stopped with it
  const stop = new AbortController();
  try {
    const all = await withDeadline(
      (options.diagnoseAll ?? diagnoseAll)({
        timeoutMs: options.requestTimeoutMs ?? DOCTOR_REQUEST_TIMEOUT_MS,
        signal: stop.signal,
      }),
      deadlineMs,
      () => new Error(messages.getMessage('doctor.timeout', [describeDuration(deadlineMs)])),
      stop,
    );
    // the shape of `sf jwt diagnose --all --json`'s result, as plain JSON
    doctor.addPluginData(PLUGIN_NAME, JSON.parse(JSON.stringify(all)) as unknown);
    if (all.orgs.length === 0) {
      await emit({ testName: messages.getMessage('doctor.none', [PLUGIN_NAME]), status: 'pass' });
      return;
    }
    // the doctor lists the diagnostics in the order they are emitted
    await inOrder(all.orgs, async (org) => {
      await emit({
        testName: messages.getMessage('doctor.testName', [PLUGIN_NAME, org.username]),
        status: loginStatus(org),
      });
      const suggestion = suggestionFor(org, bin);
      if (suggestion) doctor.addSuggestion(suggestion);
      // a working Dev Hub login through an external client app: scratch orgs and sandboxes fail later (C-1016)
      for (const warning of (org.warnings ?? []).filter(isDevHubWarning)) doctor.addSuggestion(warning);
    });
  } catch (error) {
    await reportFailure(doctor, emit, bin, reasonOf(error));
  }
}

/** Each part on its own: a doctor or listener that fails one of them still gets the others. */
async function reportFailure(
  doctor: DoctorLike,
  emit: (status: DiagnosticStatus) => Promise<void>,
  bin: string,
  reason: string,
): Promise<void> {
  const steps: Array<() => void | Promise<void>> = [
    (): Promise<void> =>
      emit({ testName: messages.getMessage('doctor.failed', [PLUGIN_NAME, reason]), status: 'warn' }),
    (): void => doctor.addSuggestion(messages.getMessage('doctor.failed.suggestion', [`${bin} jwt diagnose --all`])),
    (): void => doctor.addPluginData(PLUGIN_NAME, { error: reason }),
  ];
  await inOrder(steps, async (step) => {
    try {
      await step();
    } catch {
      // nothing more to report through this part
    }
  });
}
