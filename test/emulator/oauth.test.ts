import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import {
  JWT_BEARER,
  keyPath,
  loadScenario,
  pkceChallenge,
  REMOTE_ACCESS_ERROR_PAGE,
  readKeyFile,
  SCENARIOS_DIR,
  signAssertion,
  startEmulator,
  unusedPort,
  type Emulator,
  type Faults,
  CI_CLIENT_ID,
  ADMIN_CLIENT_ID,
} from '../../emulator/index.js';
import { isValidId } from '../../emulator/ids.js';

const CALLBACK = 'http://localhost:1717/OauthRedirect';
const LOGIN = 'https://login.salesforce.com';
const TEST = 'https://test.salesforce.com';
const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };

type Claims = { iss?: string; sub?: string; aud?: string; exp?: number };
type TokenAnswer = { status: number; body: Record<string, unknown>; headers: Headers };

/** Signs like jose does for a 2048-bit key (exp in seconds). */
async function joseAssertion(claims: Claims, keyFile = 'server.key'): Promise<string> {
  const key = createPrivateKey(readKeyFile(keyFile));
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);
}

async function postForm(
  emu: Emulator,
  form: Record<string, string>,
  path = '/services/oauth2/token',
): Promise<TokenAnswer> {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

async function jwtLogin(emu: Emulator, claims: Claims, keyFile = 'server.key'): Promise<TokenAnswer> {
  const full = {
    iss: CI_CLIENT_ID,
    sub: 'ci@acme.com',
    aud: `${emu.url}/`,
    exp: Math.floor(Date.now() / 1000) + 180,
    ...claims,
  };
  return postForm(emu, { grant_type: JWT_BEARER, assertion: await joseAssertion(full, keyFile) });
}

describe('emulator: JWT bearer token endpoint', () => {
  const running: Emulator[] = [];
  async function start(name: string): Promise<Emulator> {
    const emu = await startEmulator(name);
    running.push(emu);
    return emu;
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
  });

  it('logs in a healthy user with Salesforce’s success shape and a Date header', async () => {
    const emu = await start('healthy');
    const { status, body, headers } = await jwtLogin(emu, {});
    expect(status).to.equal(200);
    expect(body).to.include({ instance_url: emu.url, token_type: 'Bearer' });
    expect(body.id).to.equal(`${emu.url}/id/${emu.store.data.org.id}/${emu.store.data.users[0].id}`);
    expect(body.access_token).to.be.a('string').and.match(/^00D/);
    expect(body).to.have.keys('access_token', 'instance_url', 'id', 'token_type', 'scope', 'issued_at', 'signature');
    expect(body.scope).to.include('refresh_token');
    const date = Date.parse(headers.get('date') ?? '');
    expect(Math.abs(date - Date.now())).to.be.below(5000);
    const approval = emu.store.data.oauthTokens.find((t) => t.userId === emu.store.data.users[0].id);
    expect(approval?.useCount).to.equal(43);
  });

  it('reads exp as seconds, so core’s millisecond exp is accepted', async () => {
    const emu = await start('healthy');
    expect((await jwtLogin(emu, { exp: Date.now() + 300 })).status).to.equal(200);
  });

  it('verifies a 1024-bit certificate with node:crypto (signed by hand)', async () => {
    const emu = await start('weak-key');
    const claims = { iss: CI_CLIENT_ID, sub: 'ci@acme.com', aud: emu.url, exp: Math.floor(Date.now() / 1000) + 60 };
    const ok = await postForm(emu, { grant_type: JWT_BEARER, assertion: signAssertion(claims, 'weak1024.key') });
    expect(ok.status).to.equal(200);
    const wrong = await postForm(emu, { grant_type: JWT_BEARER, assertion: signAssertion(claims, 'server.key') });
    expect(wrong.body).to.deep.equal({ error: 'invalid_grant', error_description: 'invalid assertion' });
  });

  const cases: Array<{
    title: string;
    scenario: string;
    claims?: Claims;
    key?: string;
    expected: Record<string, string>;
  }> = [
    {
      title: 'unknown iss',
      scenario: 'healthy',
      claims: { iss: 'nope' },
      expected: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    },
    {
      title: 'iss with a stray space',
      scenario: 'healthy',
      claims: { iss: `${CI_CLIENT_ID} ` },
      expected: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    },
    {
      title: 'inactive org (before the signature)',
      scenario: 'org-inactive',
      key: 'other.key',
      expected: { error: 'inactive_org', error_description: 'Org is locked, closed, or suspended' },
    },
    {
      title: 'ECA not installed',
      scenario: 'eca-not-installed',
      expected: { error: 'app_not_found', error_description: 'External client app is not installed in this org' },
    },
    {
      title: 'certificate of another key',
      scenario: 'wrong-cert',
      expected: { error: 'invalid_grant', error_description: 'invalid assertion' },
    },
    {
      title: 'bad signature before a bad audience',
      scenario: 'healthy',
      key: 'other.key',
      claims: { aud: TEST },
      expected: { error: 'invalid_grant', error_description: 'invalid assertion' },
    },
    {
      title: 'test audience on a production org',
      scenario: 'healthy',
      claims: { aud: TEST },
      expected: { error: 'invalid_grant', error_description: 'audience is invalid' },
    },
    {
      title: 'login audience on a sandbox',
      scenario: 'sandbox',
      claims: { sub: 'ci@acme.com.uat', aud: LOGIN },
      expected: { error: 'invalid_grant', error_description: 'audience is invalid' },
    },
    {
      title: 'own URL when only a site URL is accepted',
      scenario: 'audience-other',
      expected: { error: 'invalid_grant', error_description: 'audience is invalid' },
    },
    {
      title: 'exp in the past',
      scenario: 'healthy',
      claims: { exp: Math.floor(Date.now() / 1000) - 10 },
      expected: { error: 'invalid_grant', error_description: 'expired authorization code' },
    },
    {
      title: 'unknown username (missing sandbox suffix)',
      scenario: 'sandbox',
      claims: { aud: TEST },
      expected: NOT_APPROVED,
    },
    {
      title: 'inactive user',
      scenario: 'user-inactive',
      expected: { error: 'inactive_user', error_description: 'User is inactive' },
    },
    {
      title: 'frozen user',
      scenario: 'user-frozen',
      expected: { error: 'inactive_user', error_description: 'User is inactive' },
    },
    {
      title: 'rate limited',
      scenario: 'rate-limited',
      expected: { error: 'rate_limit_exceeded', error_description: 'Number of logins exceeded' },
    },
    {
      title: 'IP restricted',
      scenario: 'ip-restricted',
      expected: { error: 'invalid_grant', error_description: 'IP restricted or invalid login hours' },
    },
    { title: 'self-authorize app never approved', scenario: 'not-approved', expected: NOT_APPROVED },
    {
      title: 'admin-approved app without a grant',
      scenario: 'admin-approved-no-grant',
      claims: { iss: ADMIN_CLIENT_ID },
      expected: NOT_APPROVED,
    },
    {
      title: 'admin-approved app without a grant (invalid_app_access org)',
      scenario: 'admin-approved-invalid-app-access',
      claims: { iss: ADMIN_CLIENT_ID },
      expected: { error: 'invalid_app_access', error_description: 'user is not admin approved to access this app' },
    },
    { title: 'app scopes without RefreshToken', scenario: 'scope-missing-refresh-token', expected: NOT_APPROVED },
    { title: 'approval not propagated', scenario: 'approval-pending', expected: NOT_APPROVED },
  ];
  for (const c of cases) {
    it(`answers 400 ${c.expected.error} for ${c.title}`, async () => {
      const emu = await start(c.scenario);
      const { status, body } = await jwtLogin(emu, c.claims ?? {}, c.key);
      expect(status).to.equal(400);
      expect(body).to.deep.equal(c.expected);
      expect(emu.requests.at(-1)).to.include({ status: 400, error: c.expected.error, grantType: JWT_BEARER });
    });
  }

  it('answers invalid assertion for a malformed JWT and unsupported_grant_type for a wrong grant', async () => {
    const emu = await start('healthy');
    expect((await postForm(emu, { grant_type: JWT_BEARER, assertion: 'not.a-jwt' })).body).to.deep.equal({
      error: 'invalid_grant',
      error_description: 'invalid assertion',
    });
    expect((await postForm(emu, { grant_type: 'password' })).body).to.deep.equal({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });

  it('accepts the audiences each scenario allows, ignoring a trailing slash', async () => {
    const prod = await start('healthy');
    for (const aud of [prod.url, `${prod.url}/`, LOGIN, `${LOGIN}/`])
      expect((await jwtLogin(prod, { aud })).status, aud).to.equal(200);
    const sandbox = await start('sandbox');
    for (const aud of [sandbox.url, TEST])
      expect((await jwtLogin(sandbox, { sub: 'ci@acme.com.uat', aud })).status, aud).to.equal(200);
    const site = await start('audience-other');
    expect((await jwtLogin(site, { aud: 'https://acme.my.site.com/customers/' })).status).to.equal(200);
  });

  it('grants admin-approved apps through an assigned or a profile-owned permission set', async () => {
    const healthy = await start('healthy');
    expect((await jwtLogin(healthy, { iss: ADMIN_CLIENT_ID })).status).to.equal(200);
    const noGrant = await start('admin-approved-no-grant');
    expect((await jwtLogin(noGrant, { iss: ADMIN_CLIENT_ID, sub: 'admin@acme.com' })).status).to.equal(200);
  });

  it('never honours an approval of an app whose scopes lack RefreshToken', async () => {
    const emu = await start('scope-missing-refresh-token');
    const [ci] = emu.store.data.users;
    emu.store.data.oauthTokens.push({
      userId: ci.id,
      appId: emu.store.data.apps[0].id,
      scopes: ['refresh_token', 'api'],
    });
    expect((await jwtLogin(emu, {})).body).to.deep.equal(NOT_APPROVED);
  });

  it('lets a pending approval through once the control API clears it, or after propagationDelayMs', async () => {
    const emu = await start('approval-pending');
    expect((await jwtLogin(emu, {})).status).to.equal(400);
    const patch = await fetch(`${emu.url}/__users/ci%40acme.com`, {
      method: 'PATCH',
      body: JSON.stringify({ approvalPending: false }),
    });
    expect(patch.status).to.equal(200);
    expect((await jwtLogin(emu, {})).status).to.equal(200);

    const scenario = loadScenario('approval-pending');
    scenario.users[0].propagationDelayMs = 300;
    const delayed = await startEmulator(scenario);
    running.push(delayed);
    expect((await jwtLogin(delayed, {})).status).to.equal(400);
    await new Promise((r) => setTimeout(r, 350));
    expect((await jwtLogin(delayed, {})).status).to.equal(200);
  });

  it('shifts its clock and reads a 13-digit exp as ms in the clock-skew scenario', async () => {
    const emu = await start('clock-skew');
    const coreStyle = await jwtLogin(emu, { exp: Date.now() + 300 });
    expect(coreStyle.body).to.deep.equal({ error: 'invalid_grant', error_description: 'expired authorization code' });
    const skew = Date.parse(coreStyle.headers.get('date') ?? '') - Date.now();
    expect(skew).to.be.within(595_000, 605_000);
    expect((await jwtLogin(emu, { exp: Math.floor(Date.now() / 1000) + 180 })).status).to.equal(400);
    expect((await jwtLogin(emu, { exp: Math.floor(Date.now() / 1000) + 900 })).status).to.equal(200);
  });
});

describe('emulator: Bearer auth, faults, recording, control API', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator('healthy');
  });
  afterEach(async () => {
    await emu.close();
  });

  it('answers 401 INVALID_SESSION_ID without a token it issued, and lets its own tokens through', async () => {
    const url = `${emu.url}/services/data/v66.0/query?q=SELECT+Id+FROM+User`;
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer 00Dbogus!token' }];
    for (const headers of attempts) {
      const res = await fetch(url, { headers });
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.equal([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    }
    const token = String((await jwtLogin(emu, {})).body.access_token);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('date')).to.be.a('string');
  });

  it('records requests without assertions, codes, verifiers, tokens or secrets', async () => {
    const assertion = await joseAssertion({
      iss: CI_CLIENT_ID,
      sub: 'ci@acme.com',
      aud: emu.url,
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const login = await postForm(emu, { grant_type: JWT_BEARER, assertion });
    const token = String(login.body.access_token);
    await fetch(`${emu.url}/services/data/v66.0/query?q=SELECT+Id+FROM+User&access_token=${token}`);
    const { code, verifier } = await consent(emu, 'ci@acme.com');
    const exchanged = await postForm(emu, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: CI_CLIENT_ID,
      redirect_uri: CALLBACK,
    });
    const refresh = String(exchanged.body.refresh_token);

    const recorded = JSON.stringify(await (await fetch(`${emu.url}/__requests`)).json());
    expect(recorded).to.equal(JSON.stringify(emu.requests));
    for (const secret of [assertion, token, code, verifier, refresh, String(exchanged.body.access_token)]) {
      expect(recorded).to.not.include(secret);
    }
    expect(emu.requests[0]).to.include({
      method: 'POST',
      path: '/services/oauth2/token',
      status: 200,
      grantType: JWT_BEARER,
      sub: 'ci@acme.com',
      aud: emu.url,
    });
    expect(emu.requests[0].at).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(emu.requests[1].query).to.deep.equal({ q: 'SELECT Id FROM User', access_token: '[redacted]' });

    expect((await fetch(`${emu.url}/__requests`, { method: 'DELETE' })).status).to.equal(204);
    expect(emu.requests).to.have.length(0);
    const state = (await (await fetch(`${emu.url}/__state`)).json()) as { users: unknown[] };
    expect(state.users).to.have.length(emu.store.data.users.length);
  });

  it('answers 503 with an HTML maintenance page on the token endpoint only', async () => {
    emu.setFaults({ html503: true });
    const res = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: '' });
    expect(res.status).to.equal(503);
    expect(res.headers.get('content-type')).to.match(/text\/html/);
    expect(await res.text()).to.match(/maintenance/i);
    expect((await fetch(`${emu.url}/services/data/v66.0/query`)).status).to.equal(401);
  });

  it('answers truncated JSON with malformedJson, set over POST /__faults', async () => {
    const set = await fetch(`${emu.url}/__faults`, {
      method: 'POST',
      body: JSON.stringify({ malformedJson: true } satisfies Faults),
    });
    expect(set.status).to.equal(200);
    const res = await jwtLogin(emu, {});
    expect(res.status).to.equal(200);
    expect(res.body.text).to.be.a('string');
    expect(() => JSON.parse(String(res.body.text)) as unknown).to.throw();
  });

  it('delays answers by latencyMs on the listed paths', async () => {
    emu.setFaults({ latencyMs: 300, paths: ['/services/data'] });
    let started = Date.now();
    await fetch(`${emu.url}/services/data/v66.0`);
    expect(Date.now() - started).to.be.at.least(290);
    started = Date.now();
    await jwtLogin(emu, {});
    expect(Date.now() - started).to.be.below(290);
  });

  it('destroys the socket with reset', async () => {
    emu.setFaults({ reset: true });
    let error: unknown;
    try {
      await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: '' });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TypeError);
    expect(emu.requests.at(-1)?.status).to.equal(0);
  });

  it('never answers with hang, and close() still ends at once', async () => {
    emu.setFaults({ hang: true });
    const pending = fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      body: '',
      signal: AbortSignal.timeout(300),
    });
    let error: unknown;
    try {
      await pending;
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).to.equal('TimeoutError');
    const hanging = fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: '' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).to.be.below(1000);
    expect(await hanging).to.be.instanceOf(Error);
  });

  it('gives a port nothing listens on', async () => {
    const port = await unusedPort();
    let error: unknown;
    try {
      await fetch(`http://127.0.0.1:${port}/services/oauth2/token`, { method: 'POST' });
    } catch (e) {
      error = e;
    }
    expect(((error as Error).cause as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
  });
});

/** Walks the consent page as a browser would; returns the code from the redirect. */
async function consent(
  emu: Emulator,
  username: string,
  opts: { decision?: 'allow' | 'deny'; scope?: string; clientId?: string } = {},
): Promise<{ code: string; verifier: string; location: URL }> {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: opts.clientId ?? CI_CLIENT_ID,
    redirect_uri: CALLBACK,
    scope: opts.scope ?? 'refresh_token api web',
    state: 'st4te',
    prompt: 'login consent',
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    login_hint: username,
  });
  const page = await fetch(`${emu.url}/services/oauth2/authorize?${params.toString()}`, { redirect: 'manual' });
  if (page.status === 302) return { code: '', verifier, location: new URL(page.headers.get('location') ?? '') };
  const html = await page.text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const answer = await postForm(
    emu,
    { request, username, decision: opts.decision ?? 'allow' },
    '/services/oauth2/authorize/decision',
  );
  const location = new URL(answer.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', verifier, location };
}

describe('emulator: authorize, consent and authorization code', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator('not-approved');
  });
  afterEach(async () => {
    await emu.close();
  });

  it('shows a consent page with the hinted user, the scopes and Allow / Deny buttons', async () => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: CI_CLIENT_ID,
      redirect_uri: CALLBACK,
      scope: 'refresh_token api',
      login_hint: 'admin@acme.com',
      code_challenge: 'x',
    });
    const res = await fetch(`${emu.url}/services/oauth2/authorize?${q.toString()}`);
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html)
      .to.match(/<button[^>]*>Allow<\/button>/)
      .and.match(/<button[^>]*>Deny<\/button>/);
    expect(html).to.include('value="admin@acme.com"').and.include('<li>refresh_token</li>');
    expect(html.match(/allow/gi)).to.have.length(2); // only the button: a browser test clicks text=Allow
  });

  it('approves: consent → code → PKCE exchange records an OauthToken row, and JWT login then works', async () => {
    expect((await jwtLogin(emu, {})).status).to.equal(400);
    const { code, verifier, location } = await consent(emu, 'ci@acme.com');
    expect(`${location.origin}${location.pathname}`).to.equal(CALLBACK);
    expect(location.searchParams.get('state')).to.equal('st4te');
    expect(code).to.have.length.above(20);

    const res = await postForm(emu, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: CI_CLIENT_ID,
      redirect_uri: CALLBACK,
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.include.keys('access_token', 'refresh_token', 'instance_url', 'id');
    const ci = emu.store.data.users[0];
    const row = emu.store.data.oauthTokens.find((t) => t.userId === ci.id);
    expect(row).to.include({ appId: emu.store.data.apps[0].id, useCount: 0 });
    expect(row?.scopes).to.deep.equal(['refresh_token', 'api', 'web']);
    expect(row?.createdDate).to.be.a('string');

    expect((await jwtLogin(emu, {})).status).to.equal(200);
    const again = await postForm(emu, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: CI_CLIENT_ID,
      redirect_uri: CALLBACK,
    });
    expect(again.body).to.deep.equal({ error: 'invalid_grant', error_description: 'invalid authorization code' });

    const refreshed = await postForm(emu, {
      grant_type: 'refresh_token',
      refresh_token: String(res.body.refresh_token),
      client_id: CI_CLIENT_ID,
    });
    expect(refreshed.status).to.equal(200);
  });

  it('records no approval when the scope has no refresh token', async () => {
    const { code, verifier } = await consent(emu, 'ci@acme.com', { scope: 'api web' });
    const res = await postForm(emu, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: CI_CLIENT_ID,
      redirect_uri: CALLBACK,
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.not.have.key('refresh_token');
    expect(emu.store.data.oauthTokens.filter((t) => t.userId === emu.store.data.users[0].id)).to.have.length(0);
  });

  it('refuses a wrong or missing verifier and a different redirect_uri', async () => {
    const { code, verifier } = await consent(emu, 'ci@acme.com');
    const base = { grant_type: 'authorization_code', code, client_id: CI_CLIENT_ID, redirect_uri: CALLBACK };
    expect((await postForm(emu, { ...base, code_verifier: `${verifier}x` })).body).to.deep.equal({
      error: 'invalid_request',
      error_description: 'invalid code verifier',
    });
    expect((await postForm(emu, base)).body).to.deep.equal({
      error: 'invalid_grant',
      error_description: 'invalid code verifier',
    });
    expect(
      (await postForm(emu, { ...base, code_verifier: verifier, redirect_uri: `${CALLBACK}/` })).body,
    ).to.deep.equal({
      error: 'redirect_uri_mismatch',
      error_description: 'redirect_uri must match configuration',
    });
    expect((await postForm(emu, { ...base, code_verifier: verifier, client_secret: 'wrong' })).body).to.deep.equal({
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
  });

  it('redirects with access_denied when the user denies', async () => {
    const { location } = await consent(emu, 'ci@acme.com', { decision: 'deny' });
    expect(location.searchParams.get('error')).to.equal('access_denied');
    expect(location.searchParams.get('error_description')).to.equal('end-user denied authorization');
    expect(location.search).to.include('error_description=end-user+denied+authorization');
    expect(location.searchParams.get('state')).to.equal('st4te');
  });

  it('sends an unknown client, an uninstalled external client app or a redirect_uri mismatch to the error page, never to the redirect URI', async () => {
    const q = (over: Record<string, string>): string =>
      new URLSearchParams({
        response_type: 'code',
        client_id: CI_CLIENT_ID,
        redirect_uri: CALLBACK,
        scope: 'api',
        state: 'st4te',
        ...over,
      }).toString();
    const refusal = async (query: string, target = emu): Promise<URL> => {
      const res = await fetch(`${target.url}/services/oauth2/authorize?${query}`, { redirect: 'manual' });
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).to.equal(`${target.url}${REMOTE_ACCESS_ERROR_PAGE}`);
      expect(location.searchParams.has('state')).to.equal(false);
      return location;
    };

    const mismatch = await refusal(q({ redirect_uri: `${CALLBACK}/` }));
    expect(mismatch.search).to.equal(
      '?error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration',
    );
    const unknown = await refusal(q({ client_id: 'nope' }));
    expect(unknown.searchParams.get('error')).to.equal('invalid_client_id');
    expect(unknown.searchParams.get('error_description')).to.equal('client identifier invalid');
    const missing = await refusal(q({ redirect_uri: '' }));
    expect(missing.searchParams.get('error')).to.equal('redirect_uri_missing');

    const eca = await startEmulator('eca-not-installed');
    try {
      const notInstalled = await refusal(q({}), eca);
      expect(notInstalled.searchParams.get('error')).to.equal('OAUTH_EC_APP_NOT_FOUND');
    } finally {
      await eca.close();
    }

    // the page shows the error; nothing was recorded
    const page = await fetch(mismatch.href);
    expect(page.status).to.equal(200);
    expect(await page.text())
      .to.include('Remote Access Error')
      .and.include('error=redirect_uri_mismatch&amp;error_description=redirect_uri must match configuration');
    expect(emu.store.data.oauthTokens.filter((t) => t.userId === emu.store.data.users[0].id)).to.deep.equal([]);
  });

  it('answers a consent form that is not POSTed, or has expired, with a 400 page carrying the error', async () => {
    const get = await fetch(`${emu.url}/services/oauth2/authorize/decision`, { redirect: 'manual' });
    expect(get.status).to.equal(400);
    expect(await get.text()).to.include('error=invalid_request');
    const expired = await postForm(emu, { request: 'nope', decision: 'allow' }, '/services/oauth2/authorize/decision');
    expect(expired.status).to.equal(400);
  });

  it('redirects with invalid_scope when the app does not allow refresh_token', async () => {
    const scoped = await startEmulator('scope-missing-refresh-token');
    try {
      const { location } = await consent(scoped, 'ci@acme.com');
      expect(location.searchParams.get('error')).to.equal('invalid_scope');
    } finally {
      await scoped.close();
    }
  });
});

describe('emulator: cli.ts', () => {
  it('prints the listening line first, serves the scenario and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/cli.ts', '--scenario', 'sandbox', '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    expect(first).to.match(/^Salesforce emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = first.split(' ').at(-1) ?? '';
    const state = (await (await fetch(`${url}/__state`)).json()) as { name: string };
    expect(state.name).to.equal('sandbox');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });

  it('exposes fixture key paths for the real CLI', () => {
    expect(keyPath('server.key')).to.match(/emulator\/keys\/server\.key$/);
  });
});

describe('emulator: scenario fixtures', () => {
  const names = readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

  it('has one fixture per situation, each loading with valid ids and PEM certificates', () => {
    expect(names).to.include.members([
      'healthy',
      'not-approved',
      'admin-approved-no-grant',
      'scope-missing-refresh-token',
      'user-inactive',
      'user-frozen',
      'approval-pending',
      'sandbox',
      'audience-other',
      'wrong-cert',
      'weak-key',
      'ip-restricted',
      'org-inactive',
      'rate-limited',
      'eca-not-installed',
      'clock-skew',
      'restricted-admin',
      'demo',
      'eca-setup',
      'eca-legacy-host',
      'eca-no-grant',
      'devhub-eca',
    ]);
    for (const name of names) {
      const scenario = loadScenario(name);
      expect(scenario.name, name).to.equal(name);
      const ids = [
        scenario.org.id,
        ...scenario.users.map((u) => u.id),
        ...scenario.apps.map((a) => a.id),
        ...scenario.permissionSets.map((p) => p.id),
      ];
      for (const id of ids) expect(isValidId(id), `${name}: ${id}`).to.equal(true);
      for (const app of scenario.apps)
        expect(app.certificate, `${name}: ${app.name}`).to.match(/^-----BEGIN CERTIFICATE-----/);
    }
  });

  it('demo: one healthy user and one broken user per cause', async () => {
    const emu = await startEmulator('demo');
    try {
      const expected: Array<[string, string, number | string]> = [
        ['ci@acme.com', CI_CLIENT_ID, 200],
        ['new.hire@acme.com', CI_CLIENT_ID, "user hasn't approved this consumer"],
        ['ops@acme.com', ADMIN_CLIENT_ID, "user hasn't approved this consumer"],
        ['former@acme.com', CI_CLIENT_ID, 'User is inactive'],
        ['frozen@acme.com', CI_CLIENT_ID, 'User is inactive'],
        ['fresh@acme.com', CI_CLIENT_ID, "user hasn't approved this consumer"],
        ['admin@acme.com', ADMIN_CLIENT_ID, 200],
      ];
      for (const [sub, iss, want] of expected) {
        const { status, body } = await jwtLogin(emu, { sub, iss });
        expect(typeof want === 'number' ? status : body.error_description, sub).to.equal(want);
      }
    } finally {
      await emu.close();
    }
  });
});
