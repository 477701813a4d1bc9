/*
 * The JWT bearer token exchange, reproduced from @salesforce/core's JWT login (AuthInfo authJwt and
 * tryJwtAuth, with the pairs of getLoginAudienceCombos in util/sfdcUrl.js): the same claims (exp in
 * milliseconds, as core sends it), the same (POST host, aud) pairs in the same order, one explicit attempt
 * per pair, every attempt kept with its structured OAuth error. The assertion and any token in the answer
 * are never kept, returned or logged.
 */
import type { KeyObject } from 'node:crypto';
import { Messages } from '@salesforce/core';
import { SignJWT } from 'jose';
import { appendPath, http, type HttpResult } from '../utils/http.js';
import { describeNetworkFailure } from '../utils/networkError.js';
import { mayCarryCredentials, originOf } from '../utils/url.js';
import { inOrder, STOP } from '../utils/sequence.js';
import { timeoutWithin } from '../utils/deadline.js';
import { serverError, type Attempt, type ServerError } from './types.js';
import { audienceCandidate, loginAudienceCombos } from './pairs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.token');

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export type AssertionClaims = { iss: string; sub: string; aud: string; exp: number; iat: number };

/** Claims exactly as core builds them: exp = Date.now() + 300 (milliseconds), iat in seconds. */
export function coreClaims(clientId: string, username: string, audience: string, now = Date.now()): AssertionClaims {
  return { iss: clientId, sub: username, aud: audience, exp: now + 300, iat: Math.floor(now / 1000) };
}

/** Signs RS256 with jose from a node KeyObject (PKCS#1 or PKCS#8 source). Throws for keys under 2048 bits. */
export async function signAssertion(key: KeyObject, claims: AssertionClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);
}

export type ExchangeRequest = {
  key: KeyObject;
  clientId: string;
  username: string;
  timeoutMs: number;
  /** When the whole operation must end (epoch ms): each request gets what is left of it (utils/deadline.ts). */
  endsAt?: number;
  /** Ends the request in flight, as its timeout would (the deadline of the whole run). */
  signal?: AbortSignal;
};

/** What an attempt learned, beyond the Attempt record, that later steps need. */
export type AttemptOutcome = {
  attempt: Attempt;
  /** From a successful answer: the instance URL and the org/user ids in `id`. */
  instanceUrl?: string;
  identity?: { orgId: string; userId: string };
  /**
   * From a successful answer: the session (instance URL and access token), for one read the diagnosis makes as the
   * user itself (the Dev Hub check). A function, so that the token is no data of the outcome: never part of an
   * Attempt, a result, a message or a log.
   */
  session?: () => { instanceUrl: string; accessToken: string };
};

/** An assertion may go over plain http only to a loopback address. */
export function mayCarryAssertion(host: string): boolean {
  try {
    return mayCarryCredentials(new URL(host));
  } catch {
    return false;
  }
}

function isOAuthError(body: unknown): body is ServerError {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
}

/** A short, secret-free summary of a body that is not Salesforce's OAuth JSON. */
export function summarizeBody(text: string, contentType = ''): string {
  const trimmed = text.trim();
  if (!trimmed) return messages.getMessage('body.empty');
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return title ? messages.getMessage('body.htmlTitled', [title.slice(0, 80)]) : messages.getMessage('body.html');
  }
  // Never echo a body that could carry a token.
  if (/access_token|refresh_token|assertion|token/i.test(trimmed)) return messages.getMessage('body.notOAuth');
  const oneLine = trimmed.replace(/\s+/g, ' ');
  return messages.getMessage('body.excerpt', [oneLine.length > 80 ? `${oneLine.slice(0, 80)}…` : oneLine]);
}

/** A session kept in a closure, out of the outcome's data. */
function sessionOf(instanceUrl: string, accessToken: string): () => { instanceUrl: string; accessToken: string } {
  return () => ({ instanceUrl, accessToken });
}

/** Turns one HTTP result into an Attempt. */
export function interpretAnswer(
  host: string,
  audience: string,
  result: HttpResult,
  durationMs: number,
  kind: Attempt['kind'],
): AttemptOutcome {
  const base = { host, audience, durationMs, kind };
  if (result.kind === 'network-error') {
    return { attempt: { ...base, outcome: 'network-error', message: describeNetworkFailure(result) } };
  }
  const serverDate = result.headers.date ? new Date(result.headers.date) : undefined;
  const withDate = {
    ...base,
    status: result.status,
    ...(serverDate && !Number.isNaN(serverDate.getTime()) ? { serverDate: serverDate.toISOString() } : {}),
  };
  let body: unknown;
  try {
    body = JSON.parse(result.text) as unknown;
  } catch {
    body = undefined;
  }
  if (result.status === 200 && typeof body === 'object' && body !== null) {
    const answer = body as { access_token?: unknown; instance_url?: unknown; id?: unknown };
    const idMatch = typeof answer.id === 'string' ? /\/id\/([^/]+)\/([^/?#]+)/.exec(answer.id) : null;
    if (typeof answer.access_token === 'string' && typeof answer.instance_url === 'string' && idMatch) {
      return {
        attempt: { ...withDate, outcome: 'success' },
        instanceUrl: answer.instance_url,
        identity: { orgId: idMatch[1], userId: idMatch[2] },
        session: sessionOf(answer.instance_url, answer.access_token),
      };
    }
  }
  if (result.status >= 400 && result.status < 500 && isOAuthError(body)) {
    const description = typeof body.error_description === 'string' ? body.error_description : undefined;
    return { attempt: { ...withDate, outcome: 'oauth-error', serverError: serverError(body.error, description) } };
  }
  return {
    attempt: {
      ...withDate,
      outcome: 'unexpected-response',
      message: messages.getMessage('attempt.unexpected', [
        String(result.status),
        summarizeBody(result.text, result.headers['content-type']),
      ]),
    },
  };
}

/** One POST of a freshly signed assertion to `<host>/services/oauth2/token`. */
export async function attemptExchange(
  host: string,
  audience: string,
  req: ExchangeRequest,
  kind: Attempt['kind'] = 'pair',
): Promise<AttemptOutcome> {
  const assertion = await signAssertion(req.key, coreClaims(req.clientId, req.username, audience));
  const started = Date.now();
  const result = await http.postForm(
    appendPath(host, 'services/oauth2/token'),
    // OAuth's wire names, as entries
    Object.fromEntries([
      ['grant_type', JWT_BEARER_GRANT],
      ['assertion', assertion],
    ]),
    timeoutWithin(req.timeoutMs, req.endsAt),
    req.signal,
  );
  return interpretAnswer(host, audience, result, Date.now() - started, kind);
}

export type ExchangeRun = {
  attempts: Attempt[];
  /** The first pair: the user's own login URL as host and audience. */
  first: AttemptOutcome;
  /** The first successful attempt, if any (core stops there). */
  success?: AttemptOutcome;
};

/**
 * What one run has learned about each host (origin): a host that failed at the network level (refused,
 * reset, DNS, TLS, timeout) is not tried again, by this login or any other of the run. While the first
 * request to a host is under way, other logins wait for its outcome instead of sending their own, so a
 * host that hangs or does not resolve costs one --timeout per run, not one per login.
 */
export class HostReachability {
  private readonly unreachable = new Map<string, string>();
  private readonly answered = new Set<string>();
  private readonly firstTries = new Map<string, Promise<unknown>>();

  /**
   * Runs one attempt against `origin` and records what it showed about the host; or, without a request, says
   * why the host is known to be unreachable. Waits while another login's first request to the host is under
   * way. (Checking and claiming the first request happen without an await in between: one first request.)
   */
  public async attempt(
    origin: string,
    run: () => Promise<AttemptOutcome>,
  ): Promise<AttemptOutcome | { unreachable: string }> {
    const reason = this.unreachable.get(origin);
    if (reason !== undefined) return { unreachable: reason };
    const first = this.answered.has(origin) ? undefined : this.firstTries.get(origin);
    if (first) {
      // wait for the request that tells, then look again
      await first;
      return this.attempt(origin, run);
    }
    const isFirst = !this.answered.has(origin);
    const pending = run();
    if (isFirst)
      this.firstTries.set(
        origin,
        pending.catch(() => undefined),
      );
    try {
      const outcome = await pending;
      if (outcome.attempt.outcome === 'network-error') this.unreachable.set(origin, outcome.attempt.message ?? '');
      else this.answered.add(origin);
      return outcome;
    } finally {
      if (isFirst) this.firstTries.delete(origin);
    }
  }
}

/**
 * Tries core's pairs one after another until one succeeds, as `sf org login jwt` does. A host that
 * failed at the network level is not tried again (one timeout per host at most): its later pairs are
 * recorded as skipped. `hosts` is shared by the logins of one run (`--all`); a first pair whose host is
 * already known to be unreachable is reported as that network error, without a request.
 */
export async function runPairs(
  loginUrl: string,
  req: ExchangeRequest,
  env: NodeJS.ProcessEnv = process.env,
  hosts: HostReachability = new HostReachability(),
): Promise<ExchangeRun> {
  const pairs = loginAudienceCombos(audienceCandidate(loginUrl, env), loginUrl);
  const attempts: Attempt[] = [];
  let first: AttemptOutcome | undefined;
  let success: AttemptOutcome | undefined;
  // one pair after another, as core tries them; the first success ends the run
  await inOrder(pairs, async ([host, audience]) => {
    const origin = originOf(host) ?? host;
    if (!mayCarryAssertion(host)) {
      attempts.push({
        host,
        audience,
        outcome: 'skipped',
        message: messages.getMessage('attempt.insecure', [host]),
        durationMs: 0,
        kind: 'pair',
      });
      return;
    }
    const tried = await hosts.attempt(origin, () => attemptExchange(host, audience, req));
    if ('unreachable' in tried) {
      const message = messages.getMessage('attempt.unreachable', [origin, tried.unreachable]);
      const outcome = first ? 'skipped' : 'network-error';
      const attempt: Attempt = { host, audience, outcome, message, durationMs: 0, kind: 'pair' };
      first ??= { attempt };
      attempts.push(attempt);
      return;
    }
    const outcome = tried;
    first ??= outcome;
    // A fallback host that cannot be reached is listed as skipped, never as a cause.
    if (outcome.attempt.outcome === 'network-error' && outcome !== first) {
      outcome.attempt = {
        ...outcome.attempt,
        outcome: 'skipped',
        message: messages.getMessage('attempt.fallbackUnreachable', [origin, outcome.attempt.message ?? '']),
      };
    }
    attempts.push(outcome.attempt);
    if (outcome.attempt.outcome !== 'success') return;
    success = outcome;
    return STOP;
  });
  return { attempts, first: first as AttemptOutcome, success };
}
