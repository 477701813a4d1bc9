import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { expect } from 'chai';
import sinon from 'sinon';
import { apps } from 'open';
import type { SfError } from '@salesforce/core';
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  DEFAULT_REDIRECT_URI,
  DEFAULT_SCOPE,
  scopeAllowsJwt,
} from '../../../src/org/authorizeUrl.js';
import { consumerSecretFromEnv, exchangeCode } from '../../../src/approve/codeExchange.js';
import { describeAuthorizeError } from '../../../src/approve/authorizeErrors.js';
import {
  isLoopbackRedirect,
  listenForRedirect,
  redirectTarget,
  waitForRedirect,
} from '../../../src/approve/listener.js';
import { appFor, browser } from '../../../src/utils/browser.js';
import { http } from '../../../src/utils/http.js';
import { TOKEN_PATH } from '../../../emulator/index.js';

/* ---------------------------------------------------------------------------------------------- */
/* helpers                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function get(url: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

async function rejection(promise: Promise<unknown>): Promise<SfError> {
  try {
    await promise;
  } catch (err) {
    return err as SfError;
  }
  expect.fail('expected a rejection');
}

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

type Recorded = { method?: string; path?: string; contentType?: string; form: URLSearchParams };
type TokenHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A tiny token endpoint on 127.0.0.1 that records what it receives. */
async function fakeTokenEndpoint(
  handler: TokenHandler,
): Promise<{ base: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'],
        form: new URLSearchParams(body),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests, server };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
}

const SECRETS = {
  code: 'aPrx.CODE-VALUE-123456789',
  verifier: 'VERIFIER-abcdefghijklmnopqrstuvwxyz0123456789',
  clientSecret: 'CONSUMER-SECRET-0987654321',
  accessToken: '00D5g000000XYZ!ACCESS.TOKEN.VALUE',
  refreshToken: '5Aep861REFRESH.TOKEN.VALUE',
};

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of Object.values(SECRETS)) expect(text).to.not.include(secret);
}

/* ---------------------------------------------------------------------------------------------- */
/* URL building                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

describe('authorize: buildAuthorizeUrl', () => {
  const base = { clientId: '3MVG9abc', redirectUri: DEFAULT_REDIRECT_URI, scope: DEFAULT_SCOPE, state: 'st4te' };

  it('builds the exact authorize URL, spaces as %20, prompt login consent', () => {
    const url = buildAuthorizeUrl({ ...base, loginUrl: 'https://test.salesforce.com' });
    expect(url).to.equal(
      'https://test.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9abc' +
        '&redirect_uri=http%3A%2F%2Flocalhost%3A1717%2FOauthRedirect&scope=refresh_token%20api%20web' +
        '&prompt=login%20consent&state=st4te',
    );
    expect(url).to.not.include('+');
  });

  it('sends the redirect URI exactly as given: trailing slash kept, none added', () => {
    const withSlash = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'https://ci.acme.com/oauth/callback/',
    });
    expect(queryOf(withSlash).get('redirect_uri')).to.equal('https://ci.acme.com/oauth/callback/');
    const bareOrigin = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'http://localhost:1717',
    });
    expect(queryOf(bareOrigin).get('redirect_uri')).to.equal('http://localhost:1717');
    const withQuery = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'https://x.example/cb?a=1&b=2',
    });
    expect(queryOf(withQuery).get('redirect_uri')).to.equal('https://x.example/cb?a=1&b=2');
  });

  it('uses the My Domain origin and keeps an Experience Cloud path prefix, without double slashes', () => {
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.salesforce.com/' })).to.match(
      /^https:\/\/acme\.my\.salesforce\.com\/services\/oauth2\/authorize\?/,
    );
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.site.com/partners/' })).to.match(
      /^https:\/\/acme\.my\.site\.com\/partners\/services\/oauth2\/authorize\?/,
    );
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.site.com/partners?x=1#frag' }))
      .to.throw(/query/)
      .with.property('name', 'LoginUrlNotUsableError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'https://ci:pw@acme.my.salesforce.com' }))
      .to.throw(/user name or password/)
      .with.property('name', 'LoginUrlNotUsableError');
  });

  it('encodes scope and client id as query values', () => {
    const url = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      clientId: '3MVG9a+b/c=',
      scope: '  api   refresh_token ',
    });
    expect(url).to.include('client_id=3MVG9a%2Bb%2Fc%3D');
    expect(url).to.include('scope=api%20refresh_token&');
    expect(queryOf(url).get('prompt')).to.equal('login consent');
    expect(queryOf(url).get('response_type')).to.equal('code');
  });

  it('adds a PKCE S256 challenge that is the SHA-256 of the verifier', () => {
    const pkce = createPkce();
    expect(pkce.method).to.equal('S256');
    expect(pkce.verifier).to.match(/^[A-Za-z0-9_-]{43,128}$/);
    expect(pkce.challenge).to.equal(createHash('sha256').update(pkce.verifier).digest('base64url'));
    expect(pkce.challenge).to.not.equal(pkce.verifier);
    expect(createPkce().verifier).to.not.equal(pkce.verifier);

    const url = buildAuthorizeUrl({ ...base, loginUrl: 'https://login.salesforce.com', codeChallenge: pkce.challenge });
    expect(queryOf(url).get('code_challenge')).to.equal(pkce.challenge);
    expect(queryOf(url).get('code_challenge_method')).to.equal('S256');
    expect(url).to.not.include(pkce.verifier);
    expect(
      queryOf(buildAuthorizeUrl({ ...base, loginUrl: 'https://login.salesforce.com' })).has('code_challenge'),
    ).to.equal(false);
  });

  it('creates a fresh, URL-safe state each time', () => {
    const a = createState();
    expect(a).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(createState()).to.not.equal(a);
  });

  it('allows plain http only for loopback hosts and refuses other URLs', () => {
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'http://127.0.0.1:6101' })).to.match(
      /^http:\/\/127\.0\.0\.1:6101\/services/,
    );
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'http://localhost:6101' })).to.match(
      /^http:\/\/localhost:6101\/services/,
    );
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'http://login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InsecureLoginUrlError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InvalidLoginUrlError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'ftp://login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InvalidLoginUrlError');
  });
});

describe('authorize: scopes and redirect URIs', () => {
  it('accepts a scope only when it carries refresh_token or offline_access', () => {
    expect(scopeAllowsJwt(DEFAULT_SCOPE)).to.equal(true);
    expect(scopeAllowsJwt('api offline_access')).to.equal(true);
    expect(scopeAllowsJwt('api+refresh_token')).to.equal(true);
    expect(scopeAllowsJwt('api web')).to.equal(false);
    expect(scopeAllowsJwt('api refresh_tokens')).to.equal(false);
    expect(scopeAllowsJwt('full')).to.equal(false);
    expect(scopeAllowsJwt('')).to.equal(false);
  });

  it('recognizes loopback http redirect URIs only', () => {
    expect(isLoopbackRedirect(DEFAULT_REDIRECT_URI)).to.equal(true);
    expect(isLoopbackRedirect('http://127.0.0.1:1717/OauthRedirect')).to.equal(true);
    expect(isLoopbackRedirect('http://127.4.5.6/cb')).to.equal(true);
    expect(isLoopbackRedirect('http://[::1]:1717/cb')).to.equal(true);
    expect(isLoopbackRedirect('https://localhost:1717/cb')).to.equal(false);
    expect(isLoopbackRedirect('http://localhost.acme.com/cb')).to.equal(false);
    expect(isLoopbackRedirect('http://10.0.0.5:1717/cb')).to.equal(false);
    expect(isLoopbackRedirect('https://login.salesforce.com/services/oauth2/success')).to.equal(false);
    expect(isLoopbackRedirect('not a url')).to.equal(false);
  });

  it('tells where a redirect lands: a loopback listener (with its port), https on loopback, or elsewhere', () => {
    expect(redirectTarget(DEFAULT_REDIRECT_URI)).to.deep.equal({ kind: 'loopback', port: 1717 });
    expect(redirectTarget('http://[::1]:8080/cb')).to.deep.equal({ kind: 'loopback', port: 8080 });
    // a default port written out is still a port the user named
    expect(redirectTarget('http://127.0.0.1:80/cb')).to.deep.equal({ kind: 'loopback', port: 80 });
    expect(redirectTarget('https://localhost:1717/OauthRedirect')).to.deep.equal({ kind: 'loopback-https' });
    expect(redirectTarget('https://ci.example.com/oauth/callback/')).to.deep.equal({ kind: 'remote' });
    expect(redirectTarget('http://10.0.0.5:1717/cb')).to.deep.equal({ kind: 'remote' });
  });

  it('refuses a loopback http redirect URI without a port, or with port 0, as a usage error that says why', () => {
    const thrown = (uri: string): SfError => {
      try {
        redirectTarget(uri);
      } catch (err) {
        return err as SfError;
      }
      return expect.fail(`no error for ${uri}`);
    };
    const zero = thrown('http://localhost:0/x');
    expect(zero.name).to.equal('RedirectPortZeroError');
    expect(zero.exitCode).to.equal(2);
    expect(zero.message).to.include('http://localhost:0/x').and.include("doesn't name");
    const missing = thrown('http://localhost/OauthRedirect');
    expect(missing.name).to.equal('RedirectPortMissingError');
    expect(missing.exitCode).to.equal(2);
    expect(missing.message).to.include('port 80');
    expect((missing.actions ?? []).join(' ')).to.include('http://localhost:1717/OauthRedirect');
  });

  it('reads the consumer secret from SF_JWT_CONSUMER_SECRET only, ignoring blanks', () => {
    expect(consumerSecretFromEnv({ SF_JWT_CONSUMER_SECRET: ' s3cret ' })).to.equal('s3cret');
    expect(consumerSecretFromEnv({ SF_JWT_CONSUMER_SECRET: '  ' })).to.equal(undefined);
    expect(consumerSecretFromEnv({})).to.equal(undefined);
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* The loopback listener                                                                            */
/* ---------------------------------------------------------------------------------------------- */

describe('authorize: redirect listener', () => {
  let port: number;
  let redirectUri: string;
  const state = 'the-state-123';

  beforeEach(async () => {
    port = await freePort();
    redirectUri = `http://localhost:${port}/OauthRedirect`;
  });

  it('receives the code, shows the approved page, then stops listening', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    expect(listener.address).to.equal('127.0.0.1');
    expect(listener.port).to.equal(port);

    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?code=${encodeURIComponent(SECRETS.code)}&state=${state}`,
    );
    expect(page.status).to.equal(200);
    expect(page.contentType).to.match(/^text\/html/);
    expect(page.text).to.include('Approved — you can close this tab.');
    expect(page.text).to.not.include(SECRETS.code);
    expect(await listener.result).to.deep.equal({ code: SECRETS.code });

    const after = await fetch(`http://127.0.0.1:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('answers on ::1 too for a localhost redirect URI, where the machine has IPv6', async function () {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(`http://[::1]:${port}/OauthRedirect?code=c0de6&state=${state}`).catch(() => undefined);
    if (!page) {
      listener.close();
      this.skip(); // no IPv6 loopback on this machine
    }
    expect(page?.status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'c0de6' });
    const after = await fetch(`http://[::1]:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('waitForRedirect resolves with the code', async () => {
    const pending = waitForRedirect({ redirectUri, state, timeoutMs: 5000 });
    // the listener is up once the port answers; retry briefly
    let page: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 50 && !page; i++) {
      // eslint-disable-next-line no-await-in-loop
      page = await get(`http://127.0.0.1:${port}/OauthRedirect?code=c0de&state=${state}`).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return undefined;
      });
    }
    expect(page?.status).to.equal(200);
    expect(await pending).to.deep.equal({ code: 'c0de' });
  });

  it('reports an authorize error with its description, on the page and in the result', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?error=access_denied&error_description=end-user+denied+authorization&state=${state}`,
    );
    expect(page.status).to.equal(400);
    expect(page.text).to.include('The app was not approved.');
    expect(page.text).to.include('Deny');
    expect(await listener.result).to.deep.equal({
      error: 'access_denied',
      errorDescription: 'end-user denied authorization',
    });
  });

  it('answers and ignores a request with another state, or none, and keeps waiting for the right one', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    for (const query of [
      `code=${SECRETS.code}&state=not-ours`,
      `code=${SECRETS.code}`,
      'error=access_denied&state=not-ours',
      'error=OAUTH_EC_APP_NOT_FOUND',
    ]) {
      // eslint-disable-next-line no-await-in-loop
      const page = await get(`http://127.0.0.1:${port}/OauthRedirect?${query}`);
      expect(page.status, query).to.equal(400);
      expect(page.text, query).to.include('Ignored').and.include('keeps waiting');
      expect(page.text, query).to.not.include(SECRETS.code);
    }
    // still listening: the right redirect is the one that counts
    const page = await get(`http://127.0.0.1:${port}/OauthRedirect?code=c0de&state=${state}`);
    expect(page.status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'c0de' });
  });

  it('a stray request does not end the wait: without the right one it times out', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 400 });
    await get(`http://127.0.0.1:${port}/OauthRedirect?code=x&state=other`);
    expect((await rejection(listener.result)).name).to.equal('RedirectTimeoutError');
  });

  it('answers 404 to other paths and favicon, and keeps waiting for the redirect', async () => {
    const listener = await listenForRedirect({ redirectUri: `http://127.0.0.1:${port}/cb/`, state, timeoutMs: 5000 });
    expect((await get(`http://127.0.0.1:${port}/favicon.ico`)).status).to.equal(404);
    expect((await get(`http://127.0.0.1:${port}/`)).status).to.equal(404);
    expect((await get(`http://127.0.0.1:${port}/cb?code=x&state=${state}`)).status).to.equal(404); // slash matters
    expect((await get(`http://127.0.0.1:${port}/OauthRedirect?code=x&state=${state}`)).status).to.equal(404);
    const noCode = await get(`http://127.0.0.1:${port}/cb/`);
    expect(noCode.status).to.equal(400);
    expect(noCode.text).to.include('Still waiting');

    expect((await get(`http://127.0.0.1:${port}/cb/?code=right&state=${state}`)).status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'right' });
  });

  it('escapes server text on the page', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?error=weird_error&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}`,
    );
    expect(page.text).to.not.include('<script>');
    expect(page.text).to.include('&#60;script&#62;');
    await listener.result;
  });

  it('names the port and the ways out when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const err = await rejection(listenForRedirect({ redirectUri, state, timeoutMs: 5000 }));
      expect(err.name).to.equal('RedirectPortInUseError');
      expect(err.message).to.include(String(port));
      const actions = (err.actions ?? []).join('\n');
      expect(actions).to.include('sf org login web');
      expect(actions).to.include('--redirect-uri');
      expect(actions).to.include(`lsof -i :${port}`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('gives up with a clear error when no redirect comes in time', async () => {
    const started = Date.now();
    const err = await rejection(waitForRedirect({ redirectUri, state, timeoutMs: 150 }));
    expect(Date.now() - started).to.be.lessThan(3000);
    expect(err.name).to.equal('RedirectTimeoutError');
    expect(err.message).to.include(redirectUri);
    expect((err.actions ?? []).join('\n')).to.include('redirect_uri_mismatch');
    // more time for the browser is --approval-timeout (--wait is for the JWT login afterwards)
    expect((err.actions ?? []).join('\n'))
      .to.include('--approval-timeout')
      .and.not.include('--wait');
    const after = await fetch(`http://127.0.0.1:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('stops when the signal aborts or close() is called', async () => {
    const controller = new AbortController();
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    expect((await rejection(listener.result)).name).to.equal('RedirectAbortedError');

    const second = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    second.close();
    expect((await rejection(second.result)).name).to.equal('RedirectAbortedError');
  });

  it('binds to loopback only', async function () {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    try {
      expect(listener.address).to.equal('127.0.0.1');
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!external) this.skip();
      const reached = await fetch(`http://${external.address}:${port}/OauthRedirect`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        () => 'answered',
        () => 'refused',
      );
      expect(reached).to.equal('refused');
    } finally {
      listener.close();
    }
  });

  it('refuses a loopback redirect URI without a usable port before listening (usage error)', async () => {
    for (const uri of ['http://localhost:0/x', 'http://localhost/OauthRedirect', 'http://127.0.0.1:/cb']) {
      // eslint-disable-next-line no-await-in-loop
      const err = await rejection(listenForRedirect({ redirectUri: uri, state, timeoutMs: 5000 }));
      expect(err.name, uri).to.match(/^RedirectPort(Zero|Missing)Error$/);
      expect(err.exitCode, uri).to.equal(2);
      expect(err.message, uri).to.include(uri);
    }
  });

  it('binds a 127.0.0.1 host as given, and refuses non-loopback redirect URIs', async () => {
    const listener = await listenForRedirect({ redirectUri: `http://127.0.0.1:${port}/cb`, state, timeoutMs: 5000 });
    expect(listener.address).to.equal('127.0.0.1');
    listener.close();
    for (const uri of ['https://localhost:1717/cb', 'http://0.0.0.0:1717/cb', 'http://ci.acme.com/cb']) {
      // eslint-disable-next-line no-await-in-loop
      const err = await rejection(listenForRedirect({ redirectUri: uri, state, timeoutMs: 5000 }));
      expect(err.name).to.equal('RedirectNotLoopbackError');
    }
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Code exchange                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

describe('authorize: exchangeCode', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  async function endpoint(handler: TokenHandler): Promise<Awaited<ReturnType<typeof fakeTokenEndpoint>>> {
    const fake = await fakeTokenEndpoint(handler);
    servers.push(fake.server);
    return fake;
  }

  const exchange = (
    loginUrl: string,
    extra: { clientSecret?: string; timeoutMs?: number } = {},
  ): ReturnType<typeof exchangeCode> =>
    exchangeCode({
      loginUrl,
      clientId: '3MVG9client',
      redirectUri: DEFAULT_REDIRECT_URI,
      code: SECRETS.code,
      codeVerifier: SECRETS.verifier,
      timeoutMs: extra.timeoutMs ?? 5000,
      ...(extra.clientSecret ? { clientSecret: extra.clientSecret } : {}),
    });

  it('POSTs the authorization code grant and reports a refresh token, never the tokens', async () => {
    const fake = await endpoint((req, res) =>
      json(res, 200, {
        // eslint-disable-next-line camelcase
        access_token: SECRETS.accessToken,
        // eslint-disable-next-line camelcase
        refresh_token: SECRETS.refreshToken,
        scope: 'refresh_token api web',
        // eslint-disable-next-line camelcase
        instance_url: 'https://acme.my.salesforce.com',
      }),
    );
    const result = await exchange(`${fake.base}/`);
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: true, scope: 'refresh_token api web' });
    expectNoSecrets(result);

    expect(fake.requests).to.have.length(1);
    const [sent] = fake.requests;
    expect(sent.method).to.equal('POST');
    expect(sent.path).to.equal(TOKEN_PATH);
    expect(sent.contentType).to.equal('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent.form)).to.deep.equal({
      // eslint-disable-next-line camelcase
      grant_type: 'authorization_code',
      code: SECRETS.code,
      // eslint-disable-next-line camelcase
      client_id: '3MVG9client',
      // eslint-disable-next-line camelcase
      redirect_uri: DEFAULT_REDIRECT_URI,
      // eslint-disable-next-line camelcase
      code_verifier: SECRETS.verifier,
    });
  });

  it('sends the consumer secret only when given, and keeps a login URL path prefix', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) => json(res, 200, { access_token: SECRETS.accessToken, scope: 'api' }));
    const result = await exchange(`${fake.base}/partners`, { clientSecret: SECRETS.clientSecret });
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: false, scope: 'api' });
    expectNoSecrets(result);
    expect(fake.requests[0].path).to.equal('/partners/services/oauth2/token');
    expect(fake.requests[0].form.get('client_secret')).to.equal(SECRETS.clientSecret);
  });

  it('says when no refresh token came back', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) => json(res, 200, { access_token: SECRETS.accessToken }));
    const result = await exchange(fake.base);
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: false });
  });

  it('returns Salesforce error JSON verbatim, with the HTTP status', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) =>
      json(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' }),
    );
    const result = await exchange(fake.base, { clientSecret: SECRETS.clientSecret });
    expect(result).to.deep.equal({
      ok: false,
      status: 400,
      error: 'invalid_client',
      errorDescription: 'invalid client credentials',
    });
    expectNoSecrets(result);
  });

  it('redacts a code, verifier or secret echoed back in an error', async () => {
    const fake = await endpoint((req, res) =>
      // eslint-disable-next-line camelcase
      json(res, 400, {
        error: 'invalid_grant',
        error_description: `bad code ${SECRETS.code} for verifier ${SECRETS.verifier}`,
      }),
    );
    const result = await exchange(fake.base);
    expect(result.ok).to.equal(false);
    expectNoSecrets(result);
    expect(JSON.stringify(result)).to.include('[redacted]');
  });

  it('calls an HTML 500 an unexpected response, without echoing the body', async () => {
    const fake = await endpoint((req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><body>Internal error ${SECRETS.code}</body></html>`);
    });
    const result = await exchange(fake.base);
    expect(result).to.include({ ok: false, status: 500, error: 'unexpected_response' });
    expect(result.ok === false && result.errorDescription)
      .to.include('500')
      .and.include('text/html');
    expectNoSecrets(result);
  });

  it('does not follow a redirect with the code', async () => {
    const other = await endpoint((req, res) => json(res, 200, {}));
    const fake = await endpoint((req, res) => {
      res.writeHead(307, { location: `${other.base}/steal` });
      res.end();
    });
    const result = await exchange(fake.base);
    expect(result).to.include({ ok: false, status: 307, error: 'unexpected_response' });
    expect(other.requests).to.have.length(0);
  });

  it('reports a timeout and a refused connection as data', async () => {
    const hang = await endpoint(() => {
      /* never answers */
    });
    const timedOut = await exchange(hang.base, { timeoutMs: 200 });
    expect(timedOut).to.include({ ok: false, error: 'timeout' });

    const refused = await exchange(`http://127.0.0.1:${await freePort()}`);
    expect(refused).to.include({ ok: false, error: 'network_error' });
    expect(refused.ok === false && refused.errorDescription).to.include('connection was refused');
    expectNoSecrets([timedOut, refused]);
  });

  it('refuses plain http to a non-loopback host before sending anything', async () => {
    const spy = sinon.stub(http, 'postForm').rejects(new Error('must not be called'));
    const err = await rejection(exchange('http://acme.my.salesforce.com'));
    expect(err.name).to.equal('InsecureLoginUrlError');
    expect(err.message).to.not.include(SECRETS.code);
    expect(spy.called).to.equal(false);
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Errors in words                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

describe('authorize: describeAuthorizeError', () => {
  it('explains every known authorize and exchange error with next steps', () => {
    const known = [
      'access_denied',
      'redirect_uri_mismatch',
      'redirect_uri_missing',
      'invalid_client_id',
      'OAUTH_EC_APP_NOT_FOUND',
      'app_not_found',
      'invalid_scope',
      'inactive_user',
      'inactive_org',
      'rate_limit_exceeded',
      'unsupported_response_type',
      'invalid_client',
      'invalid_request',
      'invalid_grant',
      'unexpected_response',
      'network_error',
      'timeout',
    ];
    const messagesSeen = new Set<string>();
    for (const error of known) {
      const { message, actions } = describeAuthorizeError(error);
      expect(message, error).to.be.a('string').and.not.equal('');
      expect(message, error).to.not.include('%s');
      expect(actions, error).to.be.an('array').that.is.not.empty;
      expect(message, error).to.not.match(/^Salesforce refused the approval/); // not the generic fallback
      messagesSeen.add(message);
    }
    expect(messagesSeen.size).to.be.greaterThan(10);
  });

  it('says the redirect URI must match exactly, trailing slash included', () => {
    const { message, actions } = describeAuthorizeError(
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    );
    expect(message).to.include('must match the app').and.include('trailing slash included');
    expect(message).to.include('redirect_uri must match configuration');
    expect(actions.join(' ')).to.include('Callback URL').and.include('--redirect-uri');
  });

  it('points to the consumer secret variable for invalid_client', () => {
    expect(describeAuthorizeError('invalid_client', 'invalid client credentials').actions.join(' ')).to.include(
      'SF_JWT_CONSUMER_SECRET',
    );
  });

  it('tells an uninstalled connected app apart from a missing consumer secret (both invalid_client)', () => {
    const uninstalled = describeAuthorizeError('invalid_client', 'app must be installed into org');
    expect(uninstalled.message).to.include('not installed');
    expect(uninstalled.actions.join(' ')).to.include('Connected Apps OAuth Usage');
    expect(uninstalled.actions.join(' ')).to.not.include('SF_JWT_CONSUMER_SECRET');
  });

  it('recognizes IP restrictions inside invalid_grant', () => {
    const { message } = describeAuthorizeError('invalid_grant', 'IP restricted or invalid login hours');
    expect(message).to.include('IP restrictions');
  });

  it('shows unknown errors verbatim, cleaned of control characters', () => {
    const { message, actions } = describeAuthorizeError('brand_new_error', 'something \u001b[31mred\u0007 happened');
    expect(message).to.include('brand_new_error').and.include('something');
    expect([...message].some((c) => c.charCodeAt(0) < 0x20)).to.equal(false);
    expect(actions).to.not.be.empty;
  });
});

describe('browser', () => {
  afterEach(() => sinon.restore());

  it('maps browser names to open’s detected apps', () => {
    expect(appFor('chrome').name).to.deep.equal(apps.chrome);
    expect(appFor('firefox').name).to.deep.equal(apps.firefox);
    expect(appFor('edge').name).to.deep.equal(apps.edge);
  });

  it('can be replaced in tests', async () => {
    const stub = sinon.stub(browser, 'open').resolves(undefined as never);
    await browser.open('https://login.salesforce.com', { app: 'firefox' });
    expect(stub.calledOnceWithExactly('https://login.salesforce.com', { app: 'firefox' })).to.equal(true);
  });
});
