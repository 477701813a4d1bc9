/*
 * The diagnosis: local checks in the order of CheckId (types.ts), the token exchange as core does it,
 * org-side evidence when an admin org is named, then the cause — the first blocking fault in check order.
 * Read-only, and nothing secret is ever part of the result.
 */
import { Messages, type Connection } from '@salesforce/core';
import { buildAuthorizeUrl, DEFAULT_REDIRECT_URI, DEFAULT_SCOPE } from '../org/authorizeUrl.js';
import type { JwtInputs } from '../org/inputs.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import { printable } from '../utils/printable.js';
import { inOrder, STOP } from '../utils/sequence.js';
import type { Attempt, Cause, CauseCode, Check, DiagnoseResult } from './types.js';
import { checkClock, measureSkewSeconds } from './checks/clock.js';
import { attemptExchange, HostReachability, runPairs, type ExchangeRequest, type ExchangeRun } from './token.js';
import { audienceProbes } from './pairs.js';
import { classifyServerError } from './classify.js';
import { buildCause } from './causes.js';
import { runLocalChecks, skip } from './localChecks.js';
import { evidenceStep } from './orgEvidence.js';

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
