/*
 * The diagnosis: local checks in the order of CheckId (types.ts), the token exchange as core does it,
 * org-side evidence when an admin org is named, then the cause — the first blocking fault in check order.
 * Read-only, and nothing secret is ever part of the result.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Global, Messages, SfError, type Connection } from '@salesforce/core';
import { adminOrgFacts, afterUserLookup, compareOrgs, type OrgMatch } from '../org/orgMatch.js';
import { collectEvidence } from '../org/evidence.js';
import { buildAuthorizeUrl, DEFAULT_REDIRECT_URI, DEFAULT_SCOPE } from '../org/authorizeUrl.js';
import { resolveLoginUrl } from '../org/loginUrl.js';
import { listStoredLogins, type StoredJwtLogin } from '../org/authStore.js';
import { withDeadline } from '../utils/deadline.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import { printable } from '../utils/printable.js';
import type { JwtInputs } from '../org/inputs.js';
import type { OrgEvidence } from '../org/types.js';
import { usernameLacksSandboxSuffix } from '../org/sandbox.js';
import type { Attempt, Cause, CauseCode, Check, DiagnoseResult, ServerError } from './types.js';
import { checkKeyFile } from './checks/keyFile.js';
import { checkKeyParse } from './checks/keyParse.js';
import { checkKeySize } from './checks/keySize.js';
import { checkCertFile } from './checks/cert.js';
import { checkLoginUrl } from './checks/loginUrl.js';
import { checkClientId } from './checks/clientId.js';
import { checkClock, measureSkewSeconds } from './checks/clock.js';
import { attemptExchange, HostReachability, runPairs, type ExchangeRequest, type ExchangeRun } from './token.js';
import { audienceProbes } from './pairs.js';
import { classifyServerError, decideApproval, describeOtherOrg, describeUndecided } from './classify.js';
import { buildCause } from './causes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

export type DiagnoseOptions = {
  timeoutMs: number;
  /** Username or alias of an authenticated org with rights to read setup data. */
  adminOrg?: string;
  env?: NodeJS.ProcessEnv;
  /** What the run knows about each host; shared by the logins of `--all`. */
  hosts?: HostReachability;
  /** The admin org's connection, opened at most once and shared by the logins of `--all`. */
  adminConnection?: () => Promise<Connection>;
};

/** Causes that only org-side records can tell apart. */
const NEEDS_EVIDENCE: ReadonlySet<CauseCode> = new Set(['USER_NOT_APPROVED', 'USER_INACTIVE', 'NOT_ADMIN_APPROVED']);
/** Causes fixed by an approval: the result carries the authorize URL. */
const APPROVAL_CAUSES: ReadonlySet<CauseCode> = new Set(['USER_NOT_APPROVED', 'APPROVAL_NOT_PROPAGATED']);

const skip = (id: Check['id'], reason: string): Check => ({ id, status: 'skip', message: reason });

type LocalChecks = { checks: Check[]; key?: KeyObject; loginUrlOk: boolean };

async function runLocalChecks(inputs: JwtInputs): Promise<LocalChecks> {
  const source = (from: string | undefined): string => messages.getMessage(`source.${from ?? 'flag'}`);
  const checks: Check[] = [
    {
      id: 'inputs',
      status: 'pass',
      message: messages.getMessage('inputs.ok', [
        inputs.username,
        source(inputs.source.clientId),
        source(inputs.source.jwtKeyFile),
        source(inputs.source.loginUrl),
      ]),
    },
  ];
  let key: KeyObject | undefined;

  const keyPath = inputs.jwtKeyFile as string;
  const file = await checkKeyFile(keyPath, inputs.source.jwtKeyFile ?? 'flag');
  checks.push(file.check);
  if (file.pem !== undefined) {
    const parsed = checkKeyParse(file.pem, keyPath);
    checks.push(parsed.check);
    key = parsed.key;
  } else {
    checks.push(skip('key-parse', messages.getMessage('skip.noKeyFile')));
  }
  const sizeCheck = key ? checkKeySize(key) : skip('key-size', messages.getMessage('skip.noKey'));
  checks.push(sizeCheck);
  checks.push(
    inputs.certFile !== undefined
      ? await checkCertFile(inputs.certFile, key)
      : skip('cert', messages.getMessage('skip.noCertFile')),
  );
  const url = checkLoginUrl(inputs.loginUrl);
  checks.push(url.check);
  checks.push(checkClientId(inputs.clientId as string));
  return { checks, key: sizeCheck.status === 'fail' ? undefined : key, loginUrlOk: url.check.status !== 'fail' };
}

function isAudienceRejected(attempt: Attempt | undefined): boolean {
  return /audience is invalid/i.test(attempt?.serverError?.error_description ?? '');
}

/** When the login URL rejects the audience, probe the other candidates against it: a verified fix. */
async function probeAudiences(
  run: ExchangeRun,
  loginUrl: string,
  req: ExchangeRequest,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const triedOnLogin = run.attempts
    .filter((a) => a.host === loginUrl && a.outcome !== 'skipped')
    .map((a) => a.audience);
  for (const audience of audienceProbes(loginUrl, triedOnLogin, env)) {
    // eslint-disable-next-line no-await-in-loop -- one probe at a time; stop at the first that works
    const outcome = await attemptExchange(loginUrl, audience, req, 'audience-probe');
    run.attempts.push(outcome.attempt);
    if (outcome.attempt.outcome === 'success') return audience;
    if (outcome.attempt.outcome === 'network-error') return undefined;
  }
  return undefined;
}

/** The cause of a first attempt that got no OAuth error body. */
function exchangeCode(first: Attempt): CauseCode {
  if (first.outcome === 'network-error') return 'NETWORK_ERROR';
  if (first.outcome === 'unexpected-response') return 'UNEXPECTED_RESPONSE';
  return 'UNKNOWN_ERROR';
}

function causeFromCheck(check: Check): Cause {
  return { code: check.code as CauseCode, message: check.message, actions: check.actions ?? [] };
}

/**
 * The sandbox suffix carried by the admin org's username when the JWT username lacks one: an admin
 * admin@acme.com.uat next to ci@acme.com says the org is the sandbox "uat".
 */
export function sandboxSuffixFromAdmin(adminUsername: string | undefined, username: string): string | undefined {
  if (!adminUsername || !usernameLacksSandboxSuffix(username)) return undefined;
  const match = /^[^@]+@(.+)\.([A-Za-z0-9_]+)$/.exec(adminUsername);
  if (!match || !usernameLacksSandboxSuffix(`x@${match[1]}`)) return undefined;
  return match[2];
}

/** Evidence takes up to three round trips (evidence.ts), each within --timeout. */
const EVIDENCE_ROUNDS = 3;

type Gathered = {
  evidence?: OrgEvidence;
  check: Check;
  sandbox: { isSandbox?: boolean; sandboxName?: string };
  /** Whether the admin org is the login's org (after the user lookup, when there was one). */
  match: OrgMatch;
};

async function gatherEvidence(adminOrg: string, inputs: JwtInputs, options: DiagnoseOptions): Promise<Gathered> {
  const { timeoutMs } = options;
  const conn = await (options.adminConnection?.() ?? connectAdminOrg(adminOrg));
  const before = compareOrgs(adminOrgFacts(adminOrg, conn), {
    username: inputs.username,
    loginUrl: inputs.loginUrl,
    orgId: inputs.orgId,
  });
  if (before.verdict === 'different') {
    // another org's records say nothing about this login: not read at all
    return {
      sandbox: {},
      match: before,
      check: {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.otherOrg', [adminOrg, before.reason]),
        actions: shared.getMessages('error.AdminOrgMismatch.actions'),
      },
    };
  }
  const sandboxName = sandboxSuffixFromAdmin(conn.getUsername(), inputs.username);
  const sandbox = sandboxName ? { isSandbox: true, sandboxName } : {};
  try {
    const evidence = await withDeadline(
      collectEvidence(conn, { username: inputs.username, clientId: inputs.clientId, appName: inputs.appName }),
      timeoutMs * EVIDENCE_ROUNDS,
      () =>
        new Error(messages.getMessage('evidence.timeout', [String(Math.round((timeoutMs * EVIDENCE_ROUNDS) / 1000))])),
    );
    const match = afterUserLookup(before, evidence.user ? true : undefined);
    const failures = evidence.errors ?? [];
    let check: Check;
    if (evidence.user === null && match.verdict !== 'same') {
      check = {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.maybeOtherOrg', [adminOrg, inputs.username, inputs.loginUrl]),
        actions: shared.getMessages('error.AdminOrgMismatch.actions'),
      };
    } else if (failures.length) {
      check = {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.partial', [
          adminOrg,
          failures.map((f) => `${f.what}: ${f.message}`).join('; '),
        ]),
      };
    } else {
      check = { id: 'org-evidence', status: 'pass', message: messages.getMessage('evidence.collected', [adminOrg]) };
    }
    return { evidence, sandbox, match, check };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      sandbox,
      match: before,
      check: {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.failed', [adminOrg, reason]),
      },
    };
  }
}

/**
 * The cause of "user hasn't approved this consumer" (and the other answers that need evidence) from what the
 * admin org showed. Records that could not be read, and a user missing from an org that may be another org,
 * decide nothing: the cause is then the default without evidence, with `undecided` saying why.
 */
function causeFromEvidence(
  serverError: ServerError,
  code: CauseCode,
  gathered: Gathered,
  inputs: JwtInputs,
): { code: CauseCode; undecided?: string } {
  const evidence = gathered.evidence as OrgEvidence;
  if (code !== 'USER_NOT_APPROVED') {
    return { code: classifyServerError(serverError, evidence) };
  }
  const decision = decideApproval(evidence);
  if (decision.code === 'USER_NOT_FOUND' && gathered.match.verdict !== 'same') {
    return { code: 'USER_NOT_APPROVED', undecided: describeOtherOrg(inputs.username, inputs.loginUrl) };
  }
  return decision.decided
    ? { code: decision.code }
    : { code: decision.code, undecided: describeUndecided(decision, evidence) };
}

type EvidenceStep = {
  code: CauseCode;
  check: Check;
  evidence?: OrgEvidence;
  undecided?: string;
  sandbox: { isSandbox?: boolean; sandboxName?: string };
  missingEvidence?: string[];
};

/** The org-evidence step: only for answers that need it, only with --admin-org, only from the login's org. */
async function evidenceStep(
  serverError: ServerError | undefined,
  code: CauseCode,
  inputs: JwtInputs,
  options: DiagnoseOptions,
): Promise<EvidenceStep> {
  if (!serverError || !NEEDS_EVIDENCE.has(code)) {
    return { code, sandbox: {}, check: skip('org-evidence', messages.getMessage('skip.notNeeded')) };
  }
  if (!options.adminOrg) {
    return {
      code,
      sandbox: {},
      check: skip('org-evidence', messages.getMessage('skip.noAdminOrg')),
      missingEvidence: messages.getMessages('evidence.missing'),
    };
  }
  const gathered = await gatherEvidence(options.adminOrg, inputs, options);
  const base = { code, check: gathered.check, sandbox: gathered.sandbox };
  if (gathered.evidence) {
    return { ...base, evidence: gathered.evidence, ...causeFromEvidence(serverError, code, gathered, inputs) };
  }
  if (gathered.match.verdict === 'different') {
    return { ...base, undecided: gathered.match.reason, missingEvidence: messages.getMessages('evidence.missing') };
  }
  return base;
}

/** Runs every check and names the cause. Never throws for a diagnosable fault. */
export async function runDiagnosis(inputs: JwtInputs, options: DiagnoseOptions): Promise<DiagnoseResult> {
  const env = options.env ?? process.env;
  const clientId = inputs.clientId as string;
  const local = await runLocalChecks(inputs);
  const checks = [...local.checks];
  const warnings: string[] = [];
  const result: DiagnoseResult = {
    ok: false,
    username: inputs.username,
    clientId,
    loginUrl: inputs.loginUrl,
    audience: inputs.loginUrl,
    cause: null,
    checks,
    attempts: [],
    source: inputs.source,
  };

  const blockedBy = checks.find(
    (c) => c.status === 'fail' && ['key-file', 'key-parse', 'key-size', 'login-url'].includes(c.id),
  );
  if (!local.key || !local.loginUrlOk) {
    const reason = messages.getMessage('skip.blocked', [blockedBy?.id ?? 'key-parse']);
    checks.push(skip('clock', reason), skip('token-exchange', reason), skip('org-evidence', reason));
    return finish(result, warnings);
  }

  const req: ExchangeRequest = { key: local.key, clientId, username: inputs.username, timeoutMs: options.timeoutMs };
  const run = await runPairs(inputs.loginUrl, req, env, options.hosts);
  result.attempts = run.attempts;
  const first = run.first.attempt;

  const answeredAt = new Date();
  checks.push(checkClock(first.serverDate, answeredAt));
  const skewSeconds = measureSkewSeconds(first.serverDate, answeredAt);

  if (run.success) {
    result.audience = run.success.attempt.audience;
    if (run.success === run.first) {
      checks.push({
        id: 'token-exchange',
        status: 'pass',
        message: messages.getMessage('exchange.ok', [first.host, first.audience]),
      });
    } else {
      const fallback = run.success.attempt;
      const firstProblem = first.serverError?.error_description ?? first.message ?? first.outcome;
      const warning = messages.getMessage('exchange.fallbackOnly', [
        fallback.host,
        fallback.audience,
        first.host,
        printable(firstProblem),
      ]);
      warnings.push(warning);
      checks.push({
        id: 'token-exchange',
        status: 'warn',
        message: warning,
        actions: bullets(messages, 'exchange.fallbackOnly.actions', [
          shellQuote(fallback.host),
          shellQuote(fallback.audience),
        ]),
      });
    }
    checks.push(skip('org-evidence', messages.getMessage('skip.loginWorks')));
    return finish(result, warnings);
  }

  let workingAudience: string | undefined;
  if (isAudienceRejected(first)) {
    workingAudience = await probeAudiences(run, inputs.loginUrl, req, env);
  }
  const serverError = first.serverError;
  let code: CauseCode = serverError ? classifyServerError(serverError) : exchangeCode(first);

  const step = await evidenceStep(serverError, code, inputs, options);
  checks.push(step.check);
  if (step.missingEvidence) result.missingEvidence = step.missingEvidence;
  if (step.evidence) result.evidence = step.evidence;
  code = step.code;
  const { evidence, undecided, sandbox } = step;

  if (APPROVAL_CAUSES.has(code) && clientId) {
    result.approvalUrl = buildAuthorizeUrl({
      loginUrl: inputs.loginUrl,
      clientId: clientId.trim(),
      redirectUri: DEFAULT_REDIRECT_URI,
      scope: DEFAULT_SCOPE,
      state: 'sf-jwt-diagnose',
    });
  }

  const context = {
    username: inputs.username,
    clientId,
    loginUrl: inputs.loginUrl,
    audience: first.audience,
    serverError,
    evidence,
    evidenceCollected: evidence !== undefined,
    undecided,
    approvalUrl: result.approvalUrl,
    workingAudience,
    skewSeconds,
    adminOrg: options.adminOrg,
    appName: inputs.appName,
    detail: first.message,
    ...sandbox,
  };
  const cause = buildCause(code, context);
  const answer = serverError
    ? `${serverError.error}: ${serverError.error_description ?? ''}`.trim()
    : (first.message ?? first.outcome);
  checks.splice(checks.length - 1, 0, {
    id: 'token-exchange',
    status: 'fail',
    code,
    // server text in a message: without its control characters (serverError keeps it verbatim)
    message: messages.getMessage('exchange.failed', [first.host, first.audience, printable(answer)]),
    actions: cause.actions,
  });
  return finish(result, warnings, cause);
}

/** The cause is the first blocking fault in check order; the exchange's cause when no local check blocks. */
function finish(result: DiagnoseResult, warnings: string[], exchangeCause?: Cause): DiagnoseResult {
  const firstFail = result.checks.find((c) => c.status === 'fail');
  let cause: Cause | null = null;
  if (firstFail) {
    cause = firstFail.id === 'token-exchange' && exchangeCause ? exchangeCause : causeFromCheck(firstFail);
    if (firstFail.id !== 'token-exchange' && exchangeCause?.serverError) cause.serverError = exchangeCause.serverError;
  }
  for (const check of result.checks) {
    if (check.status === 'warn' && check.id !== 'token-exchange') warnings.push(check.message);
  }
  return {
    ...result,
    ok: cause === null,
    cause,
    ...(warnings.length ? { warnings } : {}),
  };
}

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
    source: { clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: loginUrlSource },
  };
}

/** Runs `work` over `items`, at most `limit` at a time; results keep the items' order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      // eslint-disable-next-line no-await-in-loop -- each worker takes one item at a time
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
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
        bullets(messages, 'all.unreadable.actions', [login.username]),
      ),
    ),
  );
  const diagnosed = await mapLimited(stored.jwt, options.concurrency ?? DEFAULT_CONCURRENCY, async (login) => {
    if (!login.clientId) {
      return report(
        inputsFailure(
          login.username,
          messages.getMessage('all.missingClientId', [login.username]),
          bullets(messages, 'all.missingClientId.actions', [login.username]),
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
  return { orgs, summary: { total: orgs.length, ok, failed: orgs.length - ok, causes }, warnings };
}
