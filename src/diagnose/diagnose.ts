/*
 * The diagnosis: local checks in the order of CheckId (types.ts), the token exchange as core does it,
 * org-side evidence when an admin org is named, then the cause — the first blocking fault in check order.
 * Read-only, and nothing secret is ever part of the result.
 */
import { Messages, type Connection } from '@salesforce/core';
import { buildAuthorizeUrl, DEFAULT_REDIRECT_URI, DEFAULT_SCOPE } from '../org/authorizeUrl.js';
import type { JwtInputs } from '../org/inputs.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { adminOrgFacts, compareOrgs } from '../org/orgMatch.js';
import { storedMyDomainOfOrg } from '../org/authStore.js';
import { isLegacyLoginHost, myDomainOf } from '../org/myDomain.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import { printable } from '../utils/printable.js';
import { originOf } from '../utils/url.js';
import { inOrder, STOP } from '../utils/sequence.js';
import type { OrgEvidence } from '../org/types.js';
import type { Attempt, Cause, CauseCode, Check, DiagnoseResult, ServerError } from './types.js';
import { checkClock, measureSkewSeconds } from './checks/clock.js';
import {
  attemptExchange,
  HostReachability,
  runPairs,
  type AttemptOutcome,
  type ExchangeRequest,
  type ExchangeRun,
} from './token.js';
import { audienceProbes } from './pairs.js';
import { classifyServerError } from './classify.js';
import { buildCause, type MyDomainTry } from './causes.js';
import { runLocalChecks, skip } from './localChecks.js';
import { evidenceStep, type EvidenceStep, type EvidenceStepOptions } from './orgEvidence.js';
import { devHubWarning } from './devHub.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

export type DiagnoseOptions = {
  timeoutMs: number;
  /** Username or alias of an authenticated org with rights to read setup data. */
  adminOrg?: string;
  env?: NodeJS.ProcessEnv;
  /** What the run knows about each host; shared by the logins of `--all`. */
  hosts?: HostReachability;
  /** The admin org's connection, opened at most once and shared by the logins of `--all`. */
  adminConnection?: () => Promise<Connection>;
  /** When the whole operation must end (epoch ms, a --wait): each request gets what is left of it. */
  endsAt?: number;
  /** Ends the requests in flight (the deadline of the whole run: doctor's minute). */
  signal?: AbortSignal;
};

/** Causes fixed by an approval: the result carries the authorize URL. */
const APPROVAL_CAUSES: ReadonlySet<CauseCode> = new Set(['USER_NOT_APPROVED', 'APPROVAL_NOT_PROPAGATED']);

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
  let working: string | undefined;
  // one probe at a time; stop at the first that works, or when the host stops answering
  await inOrder(audienceProbes(loginUrl, triedOnLogin, env), async (audience) => {
    const outcome = await attemptExchange(loginUrl, audience, req, 'audience-probe');
    run.attempts.push(outcome.attempt);
    if (outcome.attempt.outcome === 'success') working = audience;
    return outcome.attempt.outcome === 'success' || outcome.attempt.outcome === 'network-error' ? STOP : undefined;
  });
  return working;
}

/** Salesforce's answer for an external client app it does not find behind the login URL. */
function isAppNotFound(attempt: Attempt | undefined): boolean {
  return attempt?.serverError !== undefined && classifyServerError(attempt.serverError) === 'APP_NOT_INSTALLED';
}

/** Opens the admin org's connection once for the whole diagnosis (the one given by `--all`, or a new one). */
function adminConnectionOnce(options: DiagnoseOptions): (() => Promise<Connection>) | undefined {
  if (options.adminConnection) return options.adminConnection;
  const adminOrg = options.adminOrg;
  if (!adminOrg) return undefined;
  let opened: Promise<Connection> | undefined;
  return () => (opened ??= connectAdminOrg(adminOrg));
}

/**
 * The org's My Domain, where the CLI already knows it: the user's stored login's instance URL, another stored login
 * of the same org, or the admin org's instance URL (unless the admin org is shown to be another org).
 */
async function knownMyDomain(
  inputs: JwtInputs,
  adminOrg: string | undefined,
  adminConnection: (() => Promise<Connection>) | undefined,
): Promise<string | undefined> {
  const own = myDomainOf(inputs.instanceUrl);
  if (own) return own;
  const stored = inputs.orgId ? await storedMyDomainOfOrg(inputs.orgId) : undefined;
  if (stored) return stored;
  if (!adminOrg || !adminConnection) return undefined;
  const facts = adminOrgFacts(adminOrg, await adminConnection());
  const match = compareOrgs(facts, { username: inputs.username, loginUrl: inputs.loginUrl, orgId: inputs.orgId });
  return match.verdict === 'different' ? undefined : myDomainOf(facts.instanceUrl);
}

/**
 * When an external client app is "not installed" behind a legacy login host, the exchange once more through the
 * org's My Domain (as login URL and audience, as `--instance-url <My Domain>` sends it): one request at most, and
 * none when a pair already tried it.
 */
async function retryThroughMyDomain(
  run: ExchangeRun,
  myDomain: string,
  req: ExchangeRequest,
  hosts: HostReachability,
): Promise<MyDomainTry> {
  const tried = run.attempts.find(
    (a) => a.outcome !== 'skipped' && originOf(a.host) === myDomain && originOf(a.audience) === myDomain,
  );
  if (tried) return { url: myDomain, works: false, attempt: tried };
  const url = new URL(myDomain).href;
  const outcome = await hosts.attempt(myDomain, () => attemptExchange(url, url, req, 'audience-probe'));
  const attempt: Attempt =
    'unreachable' in outcome
      ? {
          host: url,
          audience: url,
          outcome: 'network-error',
          message: outcome.unreachable,
          durationMs: 0,
          kind: 'audience-probe',
        }
      : outcome.attempt;
  run.attempts.push(attempt);
  const works = attempt.outcome === 'success';
  return {
    url: myDomain,
    works,
    appFound: works || (attempt.serverError !== undefined && !isAppNotFound(attempt)),
    attempt,
  };
}

/** The cause of a first attempt that got no OAuth error body. */
function exchangeCode(first: Attempt): CauseCode {
  if (first.outcome === 'network-error') return 'NETWORK_ERROR';
  if (first.outcome === 'unexpected-response') return 'UNEXPECTED_RESPONSE';
  return 'UNKNOWN_ERROR';
}

export function causeFromCheck(check: Check): Cause {
  return { code: check.code as CauseCode, message: check.message, actions: check.actions ?? [] };
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

  const req: ExchangeRequest = {
    key: local.key,
    clientId,
    username: inputs.username,
    timeoutMs: options.timeoutMs,
    endsAt: options.endsAt,
    signal: options.signal,
  };
  const hosts = options.hosts ?? new HostReachability();
  const adminConnection = adminConnectionOnce(options);
  const run = await runPairs(inputs.loginUrl, req, env, hosts);
  result.attempts = run.attempts;
  const first = run.first.attempt;

  const answeredAt = new Date();
  checks.push(checkClock(first.serverDate, answeredAt));
  const skewSeconds = measureSkewSeconds(first.serverDate, answeredAt);

  if (run.success) {
    result.audience = run.success.attempt.audience;
    checks.push(workingExchangeCheck(run, warnings));
    checks.push(skip('org-evidence', messages.getMessage('skip.loginWorks')));
    const hub = await devHubWarning(inputs, { session: run.success.session, timeoutMs: options.timeoutMs });
    if (hub) warnings.push(hub);
    return finish(result, warnings);
  }

  const { workingAudience, myDomain } = await probesAfterFailure(run, inputs, req, {
    env,
    hosts,
    adminOrg: options.adminOrg,
    adminConnection,
  });
  const serverError = first.serverError;
  let code: CauseCode = serverError ? classifyServerError(serverError) : exchangeCode(first);

  const step = await evidenceAfterFailure(serverError, code, inputs, myDomain, {
    ...options,
    adminConnection,
    key: local.key,
  });
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
    jwtKeyFile: inputs.jwtKeyFile,
    source: inputs.source,
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
    myDomain,
    audienceEnv: audienceEnv(env),
    app: step.app,
    ...sandbox,
  };
  const cause = buildCause(code, context);
  const hub = await devHubWarning(inputs, { appName: ecaName(step.evidence) });
  if (hub) warnings.push(hub);
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

/** The token-exchange check of a login that works: through the first pair, or (a warning) only through a fallback. */
function workingExchangeCheck(run: ExchangeRun, warnings: string[]): Check {
  const first = run.first.attempt;
  const success = run.success as AttemptOutcome;
  if (success === run.first) {
    return {
      id: 'token-exchange',
      status: 'pass',
      message: messages.getMessage('exchange.ok', [first.host, first.audience]),
    };
  }
  const fallback = success.attempt;
  const firstProblem = first.serverError?.error_description ?? first.message ?? first.outcome;
  const warning = messages.getMessage('exchange.fallbackOnly', [
    fallback.host,
    fallback.audience,
    first.host,
    printable(firstProblem),
  ]);
  warnings.push(warning);
  return {
    id: 'token-exchange',
    status: 'warn',
    message: warning,
    actions: bullets(messages, 'exchange.fallbackOnly.actions', [
      shellQuote(fallback.host),
      shellQuote(fallback.audience),
    ]),
  };
}

/**
 * The requests a failing first answer calls for, against the user's own org: the other audiences when the audience
 * is rejected; the org's My Domain when an external client app is "not installed" behind a legacy login host.
 */
async function probesAfterFailure(
  run: ExchangeRun,
  inputs: JwtInputs,
  req: ExchangeRequest,
  ctx: {
    env: NodeJS.ProcessEnv;
    hosts: HostReachability;
    adminOrg?: string;
    adminConnection?: () => Promise<Connection>;
  },
): Promise<{ workingAudience?: string; myDomain?: MyDomainTry }> {
  const first = run.first.attempt;
  if (isAudienceRejected(first)) {
    return { workingAudience: await probeAudiences(run, inputs.loginUrl, req, ctx.env) };
  }
  if (isAppNotFound(first) && isLegacyLoginHost(inputs.loginUrl)) {
    const known = await knownMyDomain(inputs, ctx.adminOrg, ctx.adminConnection);
    return { myDomain: known ? await retryThroughMyDomain(run, known, req, ctx.hosts) : { unknown: true } };
  }
  return {};
}

/** The evidence step; not needed when the app was found through the org's My Domain (it is there: verified). */
async function evidenceAfterFailure(
  serverError: ServerError | undefined,
  code: CauseCode,
  inputs: JwtInputs,
  myDomain: MyDomainTry | undefined,
  options: EvidenceStepOptions,
): Promise<EvidenceStep> {
  if (myDomain && 'url' in myDomain && myDomain.appFound) {
    return { code, sandbox: {}, check: skip('org-evidence', messages.getMessage('skip.myDomainWorks')) };
  }
  return evidenceStep(serverError, code, inputs, options);
}

/** The name of the app the evidence shows, when it is an external client app. */
function ecaName(evidence: OrgEvidence | undefined): string | undefined {
  const app = evidence?.app;
  return app?.kind === 'ExternalClientApplication' ? (app.label ?? app.name) : undefined;
}

/** SF_AUDIENCE_URL (or the older SFDX_AUDIENCE_URL) as the environment sets it. */
function audienceEnv(env: NodeJS.ProcessEnv): { name: string; value: string } | undefined {
  for (const name of ['SF_AUDIENCE_URL', 'SFDX_AUDIENCE_URL']) {
    const value = env[name];
    if (value) return { name, value };
  }
  return undefined;
}

/** The cause is the first blocking fault in check order; the exchange's cause when no local check blocks. */
function finish(result: DiagnoseResult, warnings: string[], exchangeCause?: Cause): DiagnoseResult {
  const firstFail = result.checks.find((c) => c.status === 'fail');
  let cause: Cause | null = null;
  if (firstFail) {
    cause = firstFail.id === 'token-exchange' && exchangeCause ? exchangeCause : causeFromCheck(firstFail);
    if (firstFail.id !== 'token-exchange' && exchangeCause?.serverError) cause.serverError = exchangeCause.serverError;
    // the certificate on the app, read for the exchange's answer, tells a --cert-file mismatch apart too
    if (firstFail.id === 'cert' && exchangeCause?.evidence?.appCertificate) {
      cause.evidence = { appCertificate: exchangeCause.evidence.appCertificate };
    }
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
