/*
 * The OAuth side of the emulated org: the token endpoint (JWT bearer, authorization code, refresh token),
 * the authorize endpoint with its consent page, and the access tokens it issued.
 *
 * Error bodies are Salesforce's exact strings, as its token endpoint sends them (the `error` and
 * `error_description` pairs in OAUTH_ERRORS below). Tokens, codes,
 * verifiers and assertions are kept in memory only; nothing here logs them.
 */
/* eslint-disable camelcase -- OAuth 2.0 bodies and parameters are snake_case on the wire (RFC 6749) */
import { createHmac, randomBytes } from 'node:crypto';
import type { EmuRequest, EmuResponse } from './http-types.js';
import {
  certificatePublicKey,
  decodeJwt,
  pkceChallenge,
  resolveCertificate,
  verifyRs256,
  type DecodedJwt,
} from './keys.js';
import type { ScenarioApp, ScenarioUser } from './scenario.js';
import type { OrgStore } from './store.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';

/** Salesforce's answers, verbatim. */
export const OAUTH_ERRORS = {
  invalidAssertion: { error: 'invalid_grant', error_description: 'invalid assertion' },
  inactiveOrg: { error: 'inactive_org', error_description: 'Org is locked, closed, or suspended' },
  invalidClientId: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
  appNotFound: { error: 'app_not_found', error_description: 'External client app is not installed in this org' },
  audienceInvalid: { error: 'invalid_grant', error_description: 'audience is invalid' },
  expired: { error: 'invalid_grant', error_description: 'expired authorization code' },
  notApproved: { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
  inactiveUser: { error: 'inactive_user', error_description: 'User is inactive' },
  rateLimited: { error: 'rate_limit_exceeded', error_description: 'Number of logins exceeded' },
  ipRestricted: { error: 'invalid_grant', error_description: 'IP restricted or invalid login hours' },
  notAdminApproved: { error: 'invalid_app_access', error_description: 'user is not admin approved to access this app' },
  unsupportedGrantType: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
  mustPost: { error: 'invalid_request', error_description: 'Must use HTTP POST' },
  invalidCode: { error: 'invalid_grant', error_description: 'invalid authorization code' },
  redirectMismatch: { error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' },
  redirectMissing: { error: 'redirect_uri_missing', error_description: 'redirect_uri must be provided' },
  // Salesforce's REST API guide: a bad or mismatched PKCE verifier gives invalid_request; a challenge
  // without a verifier gives invalid_grant. The description is not documented; "invalid code verifier" is
  // what integrations report for both.
  verifierMismatch: { error: 'invalid_request', error_description: 'invalid code verifier' },
  verifierMissing: { error: 'invalid_grant', error_description: 'invalid code verifier' },
  invalidClientCredentials: { error: 'invalid_client', error_description: 'invalid client credentials' },
  invalidRefreshToken: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
  unsupportedResponseType: { error: 'unsupported_response_type', error_description: 'response type not supported' },
  invalidScope: { error: 'invalid_scope', error_description: 'the requested scope is not allowed' },
  missingChallenge: { error: 'invalid_request', error_description: 'missing required code challenge' },
  accessDenied: { error: 'access_denied', error_description: 'end-user denied authorization' },
  ecaNotFoundAuthorize: {
    error: 'OAUTH_EC_APP_NOT_FOUND',
    error_description: 'External client app is not installed in this org',
  },
} as const;

export type OAuthError = { error: string; error_description: string };

/** Metadata scope name (ConnectedApp.oauthConfig.scopes) of each OAuth scope string. */
export const SCOPE_TO_METADATA: Readonly<Record<string, string>> = {
  api: 'Api',
  web: 'Web',
  full: 'Full',
  refresh_token: 'RefreshToken',
  offline_access: 'OfflineAccess',
  id: 'Basic',
  openid: 'OpenID',
  profile: 'Profile',
  email: 'Email',
  address: 'Address',
  phone: 'Phone',
  chatter_api: 'Chatter',
  visualforce: 'CustomApplications',
  custom_permissions: 'CustomPermissions',
  wave_api: 'Wave',
  eclair_api: 'Eclair',
  pardot_api: 'Pardot',
  lightning: 'Lightning',
  content: 'Content',
  cdp_ingest_api: 'CDPIngest',
  chatbot_api: 'Chatbot',
  forgot_password: 'ForgotPassword',
  user_registration_api: 'UserRegistration',
  pwdless_login_api: 'PwdlessLogin',
};

const REFRESH_SCOPES = ['refresh_token', 'offline_access'];
const CODE_LIFETIME_MS = 15 * 60 * 1000;

/** What the server records about a token-endpoint call (never a secret). */
export type TokenCallInfo = { grantType?: string; aud?: string; sub?: string; iss?: string; error?: string };

type IssuedToken = { userId: string; appId: string; scopes: string[] };
type AuthCode = IssuedToken & { redirectUri: string; codeChallenge?: string; expiresAt: number };
type PendingAuthorization = {
  appId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
};

/** Tokens, codes and consent requests issued by one emulator. In memory only. */
export class OAuthState {
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly pending = new Map<string, PendingAuthorization>();
  /** When each user was first seen with approvalPending (for propagationDelayMs). */
  private readonly pendingSince = new Map<string, number>();
  private readonly signingKey = randomBytes(32);

  public userIdForAccessToken(token: string): string | undefined {
    return this.accessTokens.get(token)?.userId;
  }

  /** Every access token issued so far expires (refresh tokens stay valid). */
  public expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  public issueAccessToken(orgId: string, grant: IssuedToken): string {
    const token = `${orgId}!${randomBytes(40).toString('base64url')}`;
    this.accessTokens.set(token, grant);
    return token;
  }

  public issueRefreshToken(grant: IssuedToken): string {
    const token = `5Aep${randomBytes(40).toString('base64url')}`;
    this.refreshTokens.set(token, grant);
    return token;
  }

  public refreshGrant(token: string): IssuedToken | undefined {
    return this.refreshTokens.get(token);
  }

  public issueCode(code: Omit<AuthCode, 'expiresAt'>, nowMs: number): string {
    const value = `aPrx${randomBytes(32).toString('base64url')}`;
    this.codes.set(value, { ...code, expiresAt: nowMs + CODE_LIFETIME_MS });
    return value;
  }

  public code(value: string): AuthCode | undefined {
    return this.codes.get(value);
  }

  public consumeCode(value: string): void {
    this.codes.delete(value);
  }

  public addPending(request: PendingAuthorization): string {
    const id = randomBytes(16).toString('hex');
    this.pending.set(id, request);
    return id;
  }

  public takePending(id: string): PendingAuthorization | undefined {
    const request = this.pending.get(id);
    this.pending.delete(id);
    return request;
  }

  /** Marks when a pending user was first seen; returns that moment. */
  public pendingSinceFor(userId: string, nowMs: number): number {
    const since = this.pendingSince.get(userId);
    if (since !== undefined) return since;
    this.pendingSince.set(userId, nowMs);
    return nowMs;
  }

  public sign(text: string): string {
    return createHmac('sha256', this.signingKey).update(text).digest('base64');
  }
}

export type OAuthContext = {
  store: OrgStore;
  state: OAuthState;
  /** The emulator's base URL, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** The server's notion of now in ms (shifted by faults.clockOffsetSeconds). */
  now: () => number;
};

export type TokenResult = { response: EmuResponse; info: TokenCallInfo };

/** POST /services/oauth2/token */
export function handleToken(ctx: OAuthContext, req: EmuRequest): TokenResult {
  if (req.method !== 'POST') return fail(OAUTH_ERRORS.mustPost, {});
  const form = new URLSearchParams(req.body);
  const grantType = form.get('grant_type') ?? undefined;
  switch (grantType) {
    case JWT_BEARER:
      return jwtBearer(ctx, form.get('assertion') ?? '');
    case 'authorization_code':
      return authorizationCode(ctx, form);
    case 'refresh_token':
      return refreshToken(ctx, form);
    default:
      return fail(OAUTH_ERRORS.unsupportedGrantType, { grantType });
  }
}

/** The `aud` values the token endpoint accepts, trailing slash removed. */
export function acceptedAudiences(ctx: Pick<OAuthContext, 'store' | 'baseUrl'>): string[] {
  const { audiences, org } = ctx.store.data;
  const list = audiences ?? ['$BASE', org.isSandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN];
  return list.map((a) => normalizeUrl(a.replace('$BASE', ctx.baseUrl)));
}

function jwtBearer(ctx: OAuthContext, assertion: string): TokenResult {
  const info: TokenCallInfo = { grantType: JWT_BEARER };
  const jwt = decodeJwt(assertion);
  if (!jwt) return fail(OAUTH_ERRORS.invalidAssertion, info);
  const { claims } = jwt;
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  // Salesforce still accepts the legacy `prn` claim, and when both are present `prn` wins over `sub`.
  const subject = typeof claims.prn === 'string' ? claims.prn : typeof claims.sub === 'string' ? claims.sub : undefined;
  const auds = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(
    (a): a is string => typeof a === 'string',
  );
  Object.assign(info, { iss, sub: subject, aud: auds.length > 0 ? auds.join(' ') : undefined });

  const appCheck = checkAssertionApp(ctx, jwt, iss, auds);
  if ('error' in appCheck) return fail(appCheck, info);
  const app = appCheck.app;

  const accepted = acceptedAudiences(ctx);
  if (!auds.some((a) => accepted.includes(normalizeUrl(a)))) return fail(OAUTH_ERRORS.audienceInvalid, info);

  const expMs = expiryMs(claims.exp, ctx.store.data.expUnit ?? 'seconds');
  if (expMs === undefined) return fail(OAUTH_ERRORS.invalidAssertion, info);
  if (expMs <= ctx.now()) return fail(OAUTH_ERRORS.expired, info);

  const user = subject === undefined ? undefined : findUser(ctx, subject);
  const userError = checkUser(user);
  if (userError !== undefined || !user) return fail(userError ?? OAUTH_ERRORS.notApproved, info);

  const approval = checkApproval(ctx, app, user);
  if ('error' in approval) return fail(approval, info);
  return { response: { status: 200, body: tokenBody(ctx, user, app, approval.scopes, false) }, info };
}

/** Org state, `iss`, and the signature against the app's certificate. */
function checkAssertionApp(
  ctx: OAuthContext,
  jwt: DecodedJwt,
  iss: string | undefined,
  auds: string[],
): OAuthError | { app: ScenarioApp } {
  if (ctx.store.data.org.inactive) return OAUTH_ERRORS.inactiveOrg;
  const app = iss === undefined ? undefined : findApp(ctx, iss);
  if (app === NOT_PROPAGATED) return OAUTH_ERRORS.appNotFound;
  if (!app) return OAUTH_ERRORS.invalidClientId;
  if (ecaUnavailable(app)) return OAUTH_ERRORS.appNotFound;
  // An ECA looked up through the legacy login hosts' audience is not found there (reported since Spring '26).
  const legacy = [PRODUCTION_LOGIN, SANDBOX_LOGIN].map(normalizeUrl);
  if (
    app.refusesLegacyAudiences &&
    isEca(app) &&
    auds.length > 0 &&
    auds.every((a) => legacy.includes(normalizeUrl(a)))
  )
    return OAUTH_ERRORS.appNotFound;
  const publicKey = app.certificate ? certificatePublicKey(resolveCertificate(app.certificate)) : undefined;
  if (!publicKey || !verifyRs256(jwt, publicKey)) return OAUTH_ERRORS.invalidAssertion;
  return { app };
}

/** The `sub` user's own state, in Salesforce's order. */
function checkUser(user: ScenarioUser | undefined): OAuthError | undefined {
  // An unknown username: Salesforce's answer is not confirmed; real orgs are reported to answer
  // "user hasn't approved this consumer", which is what makes the missing sandbox suffix so confusing.
  if (!user) return OAUTH_ERRORS.notApproved;
  if (user.isActive === false) return OAUTH_ERRORS.inactiveUser;
  // A frozen user: no error string is known. Freezing blocks every login the way deactivation does, and
  // Salesforce's OAuth error list has no frozen-specific code, so the plugin reads `inactive_user` and
  // tells a frozen user apart by UserLogin.IsFrozen (classify.ts). So: inactive_user.
  if (user.isFrozen) return OAUTH_ERRORS.inactiveUser;
  if (user.rateLimited) return OAUTH_ERRORS.rateLimited;
  if (user.ipRestricted) return OAUTH_ERRORS.ipRestricted;
  return undefined;
}

/** The app's policy: a grant (admin-approved) or an approval with a refresh token (self-authorize). */
function checkApproval(ctx: OAuthContext, app: ScenarioApp, user: ScenarioUser): OAuthError | { scopes: string[] } {
  let scopes: string[];
  if (app.adminApprovedOnly) {
    if (!hasGrant(ctx, app, user)) {
      return app.adminApprovalError === 'invalid_app_access' ? OAUTH_ERRORS.notAdminApproved : OAUTH_ERRORS.notApproved;
    }
    scopes = appOauthScopes(app);
  } else {
    // Self-authorize: only approvals that issued a refresh token count (Salesforce: a JWT bearer request
    // "looks at all the previous approvals for the user that include a refresh_token"). An app without
    // RefreshToken/OfflineAccess can never have one.
    if (!appAllowsRefresh(app)) return OAUTH_ERRORS.notApproved;
    const approvals = ctx.store.data.oauthTokens.filter(
      (t) => t.userId === user.id && t.appId === app.id && t.scopes.some((sc) => REFRESH_SCOPES.includes(sc)),
    );
    if (approvals.length === 0) return OAUTH_ERRORS.notApproved;
    scopes = [...new Set(approvals.flatMap((t) => t.scopes))];
    if (!user.approvalPending) {
      const nowIso = new Date(ctx.now()).toISOString();
      for (const approval of approvals) {
        approval.lastUsedDate = nowIso;
        approval.useCount = (approval.useCount ?? 0) + 1;
      }
    }
  }
  // The records are in place, but not propagated yet: until propagationDelayMs passes, or forever
  // (until the control API clears the flag) when it is not set.
  if (user.approvalPending) {
    const since = ctx.state.pendingSinceFor(user.id, Date.now());
    const delay = user.propagationDelayMs;
    if (delay === undefined || Date.now() - since < delay) return OAUTH_ERRORS.notApproved;
  }
  return { scopes };
}

function authorizationCode(ctx: OAuthContext, form: URLSearchParams): TokenResult {
  const info: TokenCallInfo = { grantType: 'authorization_code', iss: form.get('client_id') ?? undefined };
  const app = findApp(ctx, form.get('client_id'));
  if (app === NOT_PROPAGATED) return fail(OAUTH_ERRORS.appNotFound, info);
  if (!app) return fail(OAUTH_ERRORS.invalidClientId, info);
  if (ecaUnavailable(app)) return fail(OAUTH_ERRORS.appNotFound, info);

  const value = form.get('code') ?? '';
  const code = ctx.state.code(value);
  if (!code || code.appId !== app.id) return fail(OAUTH_ERRORS.invalidCode, info);
  if (code.expiresAt <= ctx.now()) return fail(OAUTH_ERRORS.expired, info);
  if ((form.get('redirect_uri') ?? '') !== code.redirectUri) return fail(OAUTH_ERRORS.redirectMismatch, info);

  const proofError = checkCodeProof(app, code.codeChallenge, form.get('code_verifier'), form.get('client_secret'));
  if (proofError) return fail(proofError, info);

  const user = ctx.store.data.users.find((u) => u.id === code.userId);
  if (!user) return fail(OAUTH_ERRORS.invalidCode, info);
  info.sub = user.username;
  ctx.state.consumeCode(value);

  const withRefresh = code.scopes.some((s) => REFRESH_SCOPES.includes(s));
  if (withRefresh) {
    // The approval the JWT flow looks for (an OauthToken row is a refresh token).
    ctx.store.data.oauthTokens.push({
      userId: user.id,
      appId: app.id,
      scopes: [...code.scopes],
      createdDate: new Date(ctx.now()).toISOString(),
      useCount: 0,
    });
  }
  return { response: { status: 200, body: tokenBody(ctx, user, app, code.scopes, withRefresh) }, info };
}

/** PKCE verifier and client secret of a code exchange. */
function checkCodeProof(
  app: ScenarioApp,
  challenge: string | undefined,
  verifier: string | null,
  secret: string | null,
): OAuthError | undefined {
  if (challenge !== undefined) {
    if (!verifier) return OAUTH_ERRORS.verifierMissing;
    if (pkceChallenge(verifier) !== challenge) return OAUTH_ERRORS.verifierMismatch;
  }
  // A secret that is sent must be right; without PKCE an app that has a secret needs it.
  if (secret !== null && secret !== app.consumerSecret) return OAUTH_ERRORS.invalidClientCredentials;
  if (secret === null && challenge === undefined && app.consumerSecret) return OAUTH_ERRORS.invalidClientCredentials;
  return undefined;
}

function refreshToken(ctx: OAuthContext, form: URLSearchParams): TokenResult {
  const info: TokenCallInfo = { grantType: 'refresh_token', iss: form.get('client_id') ?? undefined };
  const app = findApp(ctx, form.get('client_id'));
  if (app === NOT_PROPAGATED) return fail(OAUTH_ERRORS.appNotFound, info);
  if (!app) return fail(OAUTH_ERRORS.invalidClientId, info);
  const secret = form.get('client_secret');
  if (secret !== null && secret !== app.consumerSecret) return fail(OAUTH_ERRORS.invalidClientCredentials, info);
  const grant = ctx.state.refreshGrant(form.get('refresh_token') ?? '');
  const user = grant ? ctx.store.data.users.find((u) => u.id === grant.userId) : undefined;
  if (!grant || grant.appId !== app.id || !user) return fail(OAUTH_ERRORS.invalidRefreshToken, info);
  info.sub = user.username;
  if (ctx.store.data.org.inactive) return fail(OAUTH_ERRORS.inactiveOrg, info);
  if (user.isActive === false || user.isFrozen) return fail(OAUTH_ERRORS.inactiveUser, info);
  return { response: { status: 200, body: tokenBody(ctx, user, app, grant.scopes, false) }, info };
}

function tokenBody(
  ctx: OAuthContext,
  user: ScenarioUser,
  app: ScenarioApp,
  scopes: string[],
  withRefresh: boolean,
): Record<string, string> {
  const orgId = ctx.store.data.org.id;
  const grant = { userId: user.id, appId: app.id, scopes };
  const id = `${ctx.baseUrl}/id/${orgId}/${user.id}`;
  const issuedAt = String(ctx.now());
  return {
    access_token: ctx.state.issueAccessToken(orgId, grant),
    ...(withRefresh ? { refresh_token: ctx.state.issueRefreshToken(grant) } : {}),
    instance_url: ctx.baseUrl,
    id,
    token_type: 'Bearer',
    scope: scopes.join(' '),
    issued_at: issuedAt,
    signature: ctx.state.sign(id + issuedAt),
  };
}

// ---------------------------------------------------------------------------------------------------
// Authorize endpoint and consent page

/** GET /services/oauth2/authorize */
export function handleAuthorize(ctx: OAuthContext, req: EmuRequest): EmuResponse {
  const q = req.query;
  const app = findApp(ctx, q.get('client_id'));
  // Salesforce cannot redirect to an unverified redirect_uri: before any sign-in it sends the browser to its
  // own error page instead, with the error in the query (and no state).
  if (app === NOT_PROPAGATED) return toErrorPage(ctx, OAUTH_ERRORS.ecaNotFoundAuthorize);
  if (!app) return toErrorPage(ctx, OAUTH_ERRORS.invalidClientId);
  if (ecaUnavailable(app)) return toErrorPage(ctx, OAUTH_ERRORS.ecaNotFoundAuthorize);
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri) return toErrorPage(ctx, OAUTH_ERRORS.redirectMissing);
  if (!app.callbackUrls.includes(redirectUri)) return toErrorPage(ctx, OAUTH_ERRORS.redirectMismatch);

  const state = q.get('state') ?? undefined;
  const back = (e: OAuthError): EmuResponse => redirect(redirectUri, { ...e, state });
  if (q.get('response_type') !== 'code') return back(OAUTH_ERRORS.unsupportedResponseType);
  if (ctx.store.data.org.inactive) return back(OAUTH_ERRORS.inactiveOrg);

  const scopes = (q.get('scope') ?? '').split(/[\s+]+/).filter(Boolean);
  if (!scopes.every((s) => scopeAllowed(app, s))) return back(OAUTH_ERRORS.invalidScope);

  const codeChallenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method');
  if (codeChallenge !== undefined && method !== null && method !== 'S256') return back(OAUTH_ERRORS.missingChallenge);
  if (codeChallenge === undefined && (app.isPkceRequired ?? isEca(app))) return back(OAUTH_ERRORS.missingChallenge);

  const requestId = ctx.state.addPending({ appId: app.id, redirectUri, scopes, state, codeChallenge });
  const users = ctx.store.data.users;
  const hint = q.get('login_hint')?.toLowerCase();
  const selected = users.find((u) => u.username.toLowerCase() === hint) ?? users[0];
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: consentPage(app, scopes, requestId, users, selected),
  };
}

/** POST /services/oauth2/authorize/decision (the consent form) */
export function handleDecision(ctx: OAuthContext, req: EmuRequest): EmuResponse {
  if (req.method !== 'POST') return errorPage(OAUTH_ERRORS.mustPost);
  const form = new URLSearchParams(req.body);
  const pending = ctx.state.takePending(form.get('request') ?? '');
  if (!pending) return errorPage({ error: 'invalid_request', error_description: 'authorization request expired' });
  const { redirectUri, state } = pending;
  if (form.get('decision') !== 'allow') return redirect(redirectUri, { ...OAUTH_ERRORS.accessDenied, state });

  const user = findUser(ctx, form.get('username') ?? '');
  if (!user) return redirect(redirectUri, { ...OAUTH_ERRORS.notApproved, state });
  if (user.isActive === false || user.isFrozen) return redirect(redirectUri, { ...OAUTH_ERRORS.inactiveUser, state });
  if (user.ipRestricted) return redirect(redirectUri, { ...OAUTH_ERRORS.ipRestricted, state });
  if (user.rateLimited) return redirect(redirectUri, { ...OAUTH_ERRORS.rateLimited, state });
  const code = ctx.state.issueCode(
    {
      userId: user.id,
      appId: pending.appId,
      scopes: pending.scopes,
      redirectUri,
      codeChallenge: pending.codeChallenge,
    },
    ctx.now(),
  );
  return redirect(redirectUri, { code, state });
}

function consentPage(
  app: ScenarioApp,
  scopes: string[],
  requestId: string,
  users: ScenarioUser[],
  selected: ScenarioUser | undefined,
): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Salesforce emulator: authorize</title></head><body>',
    `<h1>${esc(app.label)} wants to access your Salesforce data</h1>`,
    '<form method="post" action="/services/oauth2/authorize/decision">',
    `<input type="hidden" name="request" value="${esc(requestId)}">`,
    '<label for="username">Log in as</label>',
    `<input id="username" name="username" list="users" value="${esc(selected?.username ?? '')}">`,
    `<datalist id="users">${users.map((u) => `<option value="${esc(u.username)}"></option>`).join('')}</datalist>`,
    '<p>Scopes requested:</p>',
    `<ul>${scopes.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`,
    '<button type="submit" name="decision" value="allow">Allow</button>',
    '<button type="submit" name="decision" value="deny">Deny</button>',
    '</form></body></html>',
  ].join('\n');
}

/** Where Salesforce shows OAuth errors it cannot send back to the redirect URI. */
export const REMOTE_ACCESS_ERROR_PAGE = '/setup/secur/RemoteAccessErrorPage.apexp';

/** 302 to the error page, the error and its description in the query (spaces as %20, as Salesforce writes them). */
function toErrorPage(ctx: OAuthContext, e: OAuthError): EmuResponse {
  const query = `error=${encodeURIComponent(e.error)}&error_description=${encodeURIComponent(e.error_description)}`;
  return { status: 302, headers: { location: `${ctx.baseUrl}${REMOTE_ACCESS_ERROR_PAGE}?${query}` }, body: '' };
}

/** GET /setup/secur/RemoteAccessErrorPage.apexp: the page itself, showing what its query says. */
export function handleRemoteAccessErrorPage(req: EmuRequest): EmuResponse {
  const error = req.query.get('error') ?? '';
  const description = req.query.get('error_description') ?? '';
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Remote Access Error</title></head><body>\n<h1>Remote Access Error</h1>\n<p>error=${esc(error)}&amp;error_description=${esc(description)}</p>\n</body></html>`,
  };
}

/** A 400 page carrying the error in its text (for requests Salesforce answers in place, such as a GET of the consent form). */
function errorPage(e: OAuthError): EmuResponse {
  const qs = new URLSearchParams({ error: e.error, error_description: e.error_description }).toString();
  return {
    status: 400,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body>\n<h1>Remote Access Error</h1>\n<p>${esc(qs)}</p>\n</body></html>`,
  };
}

function redirect(target: string, params: Record<string, string | undefined>): EmuResponse {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { status: 302, headers: { location: url.toString() }, body: '' };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function fail(e: OAuthError, info: TokenCallInfo): TokenResult {
  return { response: { status: 400, body: { ...e } }, info: { ...info, error: e.error } };
}

/** An app that exists, but was made by a deploy that has not propagated yet (org.propagationDelayMs). */
const NOT_PROPAGATED = Symbol('not propagated');

/**
 * The app a client id names, as the OAuth endpoints see it now: while a deploy propagates, the app as it was
 * before the deploy, or NOT_PROPAGATED for an app the deploy made. An app of this org wins over an uninstalled
 * one with the same key.
 */
function findApp(ctx: OAuthContext, clientId: string | null): ScenarioApp | typeof NOT_PROPAGATED | undefined {
  if (clientId === null || clientId === '') return undefined;
  const view = ctx.store.oauthView();
  const named = (apps: ScenarioApp[]): ScenarioApp | undefined => {
    const all = apps.filter((a) => a.consumerKey === clientId);
    return all.find((a) => a.installed !== false) ?? all[0];
  };
  const app = named(view.apps);
  if (app) return app;
  return view.stale && named(ctx.store.data.apps) ? NOT_PROPAGATED : undefined;
}

/**
 * An ECA the token endpoint cannot use: not installed in this org, or switched off by its policies. For a
 * switched-off app or OAuth plugin, Salesforce's answer is not known; app_not_found is the plausible one.
 */
function ecaUnavailable(app: ScenarioApp): boolean {
  if (!isEca(app)) return false;
  return app.installed === false || app.eca?.isEnabled === false || app.eca?.isOauthPluginEnabled === false;
}

/** Usernames are case-insensitive in Salesforce. */
function findUser(ctx: OAuthContext, username: string): ScenarioUser | undefined {
  const wanted = username.toLowerCase();
  return ctx.store.data.users.find((u) => u.username.toLowerCase() === wanted);
}

function isEca(app: ScenarioApp): boolean {
  return app.kind === 'ExternalClientApplication';
}

function appAllowsRefresh(app: ScenarioApp): boolean {
  return app.scopes.includes('RefreshToken') || app.scopes.includes('OfflineAccess');
}

function scopeAllowed(app: ScenarioApp, scope: string): boolean {
  const metadata = SCOPE_TO_METADATA[scope];
  if (metadata === undefined) return false;
  if (app.scopes.includes(metadata)) return true;
  // `full` covers every scope but the refresh token; `id`/`openid` come with any app.
  return (app.scopes.includes('Full') && !REFRESH_SCOPES.includes(scope)) || scope === 'id' || scope === 'openid';
}

function appOauthScopes(app: ScenarioApp): string[] {
  const reverse = new Map(Object.entries(SCOPE_TO_METADATA).map(([k, v]) => [v, k]));
  return app.scopes.map((s) => reverse.get(s) ?? s.toLowerCase());
}

/** A grant: SetupEntityAccess for the app whose permission set is assigned to the user or owned by their profile. */
function hasGrant(ctx: OAuthContext, app: ScenarioApp, user: ScenarioUser): boolean {
  const { data } = ctx.store;
  const assigned = new Set(
    data.permissionSetAssignments.filter((a) => a.assigneeId === user.id).map((a) => a.permissionSetId),
  );
  return ctx.store
    .oauthView()
    .setupEntityAccess.filter((s) => s.setupEntityId === app.id)
    .some((s) => {
      if (assigned.has(s.parentId)) return true;
      const ps = data.permissionSets.find((p) => p.id === s.parentId);
      return ps?.isOwnedByProfile === true && ps.profileId === user.profileId;
    });
}

/** `exp` in ms, or undefined when it is not a number. 'auto' reads a 13-digit value as ms. */
function expiryMs(exp: unknown, unit: 'seconds' | 'auto'): number | undefined {
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (unit === 'auto' && exp >= 1e12) return exp;
  return exp * 1000;
}

export function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

function esc(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}
