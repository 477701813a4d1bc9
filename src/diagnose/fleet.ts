/*
 * `sf jwt diagnose --all`: every JWT login the CLI has stored, diagnosed a few at a time. The logins share what
 * is learned about each host and one admin-org connection; a login that cannot be read or diagnosed is one
 * failing row, never thrown.
 */
import { join } from 'node:path';
import { Global, Messages, SfError, type Connection } from '@salesforce/core';
import { listStoredLogins, type StoredJwtLogin } from '../org/authStore.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import type { JwtInputs } from '../org/inputs.js';
import { resolveLoginUrl } from '../org/loginUrl.js';
import { bullets } from '../utils/bullets.js';
import { loginCommand } from '../org/suggest.js';
import { mapLimited } from '../utils/sequence.js';
import type { CauseCode, Check, DiagnoseResult } from './types.js';
import { HostReachability } from './token.js';
import { causeFromCheck, runDiagnosis, type DiagnoseOptions } from './diagnose.js';
import { isDevHubWarning } from './devHub.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

/** Logins diagnosed at the same time by `--all`, unless --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 8;

export type DiagnoseAllOptions = DiagnoseOptions & {
  /** How many logins are diagnosed at the same time (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Called after each login's diagnosis: how many are done, of how many, and how many failed. */
  onProgress?: (progress: { done: number; total: number; failed: number }) => void;
};

export type DiagnoseAllResult = {
  orgs: DiagnoseResult[];
  summary: { total: number; ok: number; failed: number; causes: Partial<Record<CauseCode, number>> };
};

/** diagnoseAll's result, plus findings about the CLI's stored state that belong in warnings, not in the result. */
export type DiagnoseAllRun = DiagnoseAllResult & { warnings: string[] };

/** A login that could not be diagnosed: one failing `inputs` check carries the reason. */
function inputsFailure(username: string, message: string, actions: string[]): DiagnoseResult {
  const check: Check = { id: 'inputs', status: 'fail', code: 'UNKNOWN_ERROR', message, actions };
  return { ok: false, username, cause: causeFromCheck(check), checks: [check], attempts: [] };
}

/** The inputs of a stored JWT login, as resolveJwtInputs builds them from a stored login alone. */
async function storedInputs(login: StoredJwtLogin): Promise<JwtInputs> {
  const { loginUrl, loginUrlSource } = await resolveLoginUrl(undefined, login);
  return {
    username: login.username,
    clientId: login.clientId,
    jwtKeyFile: login.privateKey,
    loginUrl,
    ...(login.orgId ? { orgId: login.orgId } : {}),
    ...(login.instanceUrl ? { instanceUrl: login.instanceUrl } : {}),
    ...(login.isDevHub ? { isDevHub: true } : {}),
    source: { clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: loginUrlSource },
  };
}

/**
 * Diagnoses every JWT login the CLI has stored, `concurrency` at a time. The logins share what is learned
 * about each host (a host that does not answer costs one --timeout per run, see HostReachability). A stored
 * login file that cannot be read, or a login that cannot be diagnosed, is one failing row; never thrown.
 * Read-only: the auth files are read as plain JSON, so not even the CLI's alias or key file is created.
 */
export async function diagnoseAll(options: DiagnoseAllOptions): Promise<DiagnoseAllRun> {
  const stored = await listStoredLogins();
  const hosts = new HostReachability();
  // Opened when the first login needs evidence; a failure to open it is the same failing row for each of them.
  let admin: Promise<Connection> | undefined;
  const adminOrg = options.adminOrg;
  const adminConnection = adminOrg ? (): Promise<Connection> => (admin ??= connectAdminOrg(adminOrg)) : undefined;
  const total = stored.jwt.length + stored.unreadable.length;
  let done = 0;
  let failed = 0;
  const report = (result: DiagnoseResult): DiagnoseResult => {
    done++;
    if (!result.ok) failed++;
    options.onProgress?.({ done, total, failed });
    return result;
  };

  const unreadable = stored.unreadable.map((login) =>
    report(
      inputsFailure(
        login.username,
        messages.getMessage('all.unreadable', [login.file, login.reason]),
        bullets(messages, 'all.unreadable.actions', [loginCommand({ username: login.username })]),
      ),
    ),
  );
  const diagnosed = await mapLimited(stored.jwt, options.concurrency ?? DEFAULT_CONCURRENCY, async (login) => {
    // the run was stopped (its deadline passed): the logins not begun yet say so, none is left out
    if (options.signal?.aborted) {
      return report(inputsFailure(login.username, messages.getMessage('all.stopped', [login.username]), []));
    }
    if (!login.clientId) {
      return report(
        inputsFailure(
          login.username,
          messages.getMessage('all.missingClientId', [login.username]),
          bullets(messages, 'all.missingClientId.actions', [loginCommand({ username: login.username })]),
        ),
      );
    }
    try {
      return report(await runDiagnosis(await storedInputs(login), { ...options, hosts, adminConnection }));
    } catch (error) {
      const err = error instanceof SfError ? error : SfError.wrap(error as Error);
      return report(inputsFailure(login.username, err.message, err.actions ?? []));
    }
  });

  const orgs = [...diagnosed, ...unreadable].sort((a, b) => a.username.localeCompare(b.username));
  const causes: Partial<Record<CauseCode, number>> = {};
  for (const org of orgs) {
    if (org.cause) causes[org.cause.code] = (causes[org.cause.code] ?? 0) + 1;
  }
  const ok = orgs.filter((o) => o.ok).length;
  const warnings =
    total > 0 && !stored.keyFileExists
      ? [messages.getMessage('all.keyFileMissing', [join(Global.SFDX_DIR, 'key.json')])]
      : [];
  // a Dev Hub login through an external client app works, so no row shows it: its warning is the run's
  warnings.push(...orgs.flatMap((org) => (org.warnings ?? []).filter(isDevHubWarning)));
  return { orgs, summary: { total: orgs.length, ok, failed: orgs.length - ok, causes }, warnings };
}
