/*
 * The check of the authorize URL before anything opens: one GET, redirects not followed, and Salesforce's
 * refusal read from its error page's Location, from a redirect to the redirect URI, or from a 4xx page.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { checkAuthorizeUrl, describeRefusal, refusalInPage } from '../../../src/approve/precheck.js';
import { unusedPort } from '../../../emulator/index.js';

const REDIRECT = 'http://localhost:1717/OauthRedirect';

describe('approve/precheck: the authorize URL before anything opens', () => {
  let server: Server;
  let base: string;
  let seen: Array<{ method?: string; url?: string; cookie?: string }>;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;

  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, cookie: req.headers.cookie });
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const url = (): string => `${base}/services/oauth2/authorize?response_type=code&client_id=X&state=s`;
  const check = (timeoutMs = 2000): ReturnType<typeof checkAuthorizeUrl> =>
    checkAuthorizeUrl(url(), { redirectUri: REDIRECT, timeoutMs });
  const redirectTo =
    (location: string) =>
    (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(302, { location });
      res.end();
    };

  it('reads the refusal from the error page Salesforce redirects to, without following it', async () => {
    answer = redirectTo(
      '/setup/secur/RemoteAccessErrorPage.apexp?error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration',
    );
    expect(await check()).to.deep.equal({
      status: 'refused',
      refusal: {
        error: 'redirect_uri_mismatch',
        // eslint-disable-next-line camelcase
        error_description: 'redirect_uri must match configuration',
        source: 'error-page',
      },
    });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include({ method: 'GET', cookie: undefined });
  });

  it('reads an absolute error page URL on another host (a My Domain answering for login.salesforce.com)', async () => {
    answer = redirectTo(
      'https://acme.my.salesforce.com/setup/secur/RemoteAccessErrorPage.apexp?error=OAUTH_EC_APP_NOT_FOUND',
    );
    const result = await check();
    expect(result).to.deep.include({ status: 'refused' });
    expect(result.status === 'refused' && result.refusal).to.deep.equal({
      error: 'OAUTH_EC_APP_NOT_FOUND',
      source: 'error-page',
    });
  });

  it('reads an error sent straight back to the redirect URI before sign-in', async () => {
    answer = redirectTo(`${REDIRECT}?error=invalid_scope&error_description=the%20requested%20scope&state=s`);
    const result = await check();
    expect(result.status === 'refused' && result.refusal).to.deep.include({
      error: 'invalid_scope',
      source: 'redirect',
    });
  });

  it('passes a request that leads to the login page, or a page without an error', async () => {
    answer = redirectTo(
      'https://login.salesforce.com/?ec=302&startURL=%2Fsetup%2Fsecur%2FRemoteAccessAuthorizationPage.apexp',
    );
    expect(await check()).to.deep.equal({ status: 'passed' });
    answer = (_req, res): void => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><form><input name="username"></form></html>');
    };
    expect(await check()).to.deep.equal({ status: 'passed' });
  });

  it('reads the error text of a 4xx page, escaped, encoded or plain', async () => {
    for (const body of [
      '<p>error=invalid_client_id&amp;error_description=client+identifier+invalid</p>',
      '<p>error=invalid_client_id&error_description=client%20identifier%20invalid</p>',
      '<div>error=invalid_client_id&error_description=client identifier invalid</div>',
    ]) {
      answer = (_req, res): void => {
        res.writeHead(400, { 'content-type': 'text/html' });
        res.end(body);
      };
      // eslint-disable-next-line no-await-in-loop
      const result = await check();
      expect(result, body).to.deep.equal({
        status: 'refused',
        // eslint-disable-next-line camelcase
        refusal: { error: 'invalid_client_id', error_description: 'client identifier invalid', source: 'page' },
      });
    }
    expect(refusalInPage('<p>Something went wrong</p>')).to.equal(undefined);
  });

  it('cannot tell from a 5xx, a 404 without an error, no answer, or a closed port: unchecked, with the reason', async () => {
    answer = (_req, res): void => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<h1>Down for maintenance</h1>');
    };
    expect(await check()).to.deep.equal({ status: 'unchecked', reason: 'it answered HTTP 503 without an OAuth error' });
    answer = (_req, res): void => {
      res.writeHead(404);
      res.end('not here');
    };
    expect((await check()).status).to.equal('unchecked');
    answer = (): void => {}; // never answers
    const started = Date.now();
    expect(await check(300)).to.deep.equal({ status: 'unchecked', reason: 'no answer within 1 seconds' });
    expect(Date.now() - started).to.be.lessThan(2000);
    const closed = await checkAuthorizeUrl(`http://127.0.0.1:${await unusedPort()}/services/oauth2/authorize`, {
      redirectUri: REDIRECT,
      timeoutMs: 2000,
    });
    expect(closed.status).to.equal('unchecked');
    expect(closed.status === 'unchecked' && closed.reason).to.include('the connection was refused');
  });

  it('cleans server text of control characters', async () => {
    answer = redirectTo(
      '/setup/secur/RemoteAccessErrorPage.apexp?error=weird%1B%5B31m&error_description=line%0Abreak%07',
    );
    const result = await check();
    expect(JSON.stringify(result)).to.not.match(/\\u00(1b|07|0a)/i);
  });
});

describe('approve/precheck: the refusal in words', () => {
  const ctx = {
    username: 'ci@acme.com',
    clientId: '3MVG9abc',
    loginUrl: 'https://test.salesforce.com/',
    redirectUri: REDIRECT,
  };

  it('a redirect mismatch names the URI sent, the exact-match rule and how to add it or pick another', () => {
    const words = describeRefusal({ error: 'redirect_uri_mismatch', source: 'error-page' }, ctx);
    expect(words.code).to.equal(undefined);
    expect(words.message).to.include(REDIRECT).and.include('scheme, host, port, path and trailing slash');
    const actions = words.actions.join('\n');
    expect(actions).to.include('Setup > App Manager > the app > Edit > Callback URL');
    expect(actions).to.include('External Client App Manager > the app > Edit Settings > OAuth Settings');
    expect(actions).to.include('--redirect-uri');
    expect(actions).to.include(
      'sf jwt approve --username ci@acme.com --client-id 3MVG9abc --admin-org <admin org alias> --dry-run',
    );
    expect(actions).to.include('In place of <admin org alias>, put the alias or username of an org');
    expect(words.actions.join(' ')).to.not.include('%s');
  });

  it('an unknown client id and an uninstalled external client app use diagnose’s words and codes', () => {
    const unknown = describeRefusal({ error: 'invalid_client_id', source: 'error-page' }, ctx);
    expect(unknown.code).to.equal('INVALID_CLIENT_ID');
    expect(unknown.message).to.include('https://test.salesforce.com/').and.include("doesn't know this client ID");
    const eca = describeRefusal({ error: 'OAUTH_EC_APP_NOT_FOUND', source: 'error-page' }, ctx);
    expect(eca.code).to.equal('APP_NOT_INSTALLED');
    expect(eca.actions.join(' ')).to.include('External Client App Manager');
  });

  it('anything else in the words of the authorize errors', () => {
    const scope = describeRefusal({ error: 'invalid_scope', source: 'redirect' }, ctx);
    expect(scope.message).to.include('scopes');
    const unknown = describeRefusal({ error: 'brand_new', error_description: 'why', source: 'page' }, ctx);
    expect(unknown.message).to.include('brand_new').and.include('why');
  });
});
