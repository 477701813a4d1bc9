import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { SinonStub } from 'sinon';
import { TestContext } from '@salesforce/core/testSetup';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtApprove, { type JwtApproveBrowserResult } from '../../../src/commands/jwt/approve.js';
import { retryTiming } from '../../../src/diagnose/verify.js';
import { browser } from '../../../src/utils/browser.js';
import { TOKEN_PATH } from '../../../emulator/index.js';
import { keepEnv } from '../../helpers/env.js';
import { fixtureKey } from '../../helpers/keys.js';
import { http } from '../../../src/utils/http.js';
import { JWT_BEARER_GRANT } from '../../../src/diagnose/token.js';

const KEY = fixtureKey('server.key');
const USERNAME = 'ci@acme.com.uat';
const CLIENT_ID = '3MVG9fakeClientId';
const CODE = 'aPrxCODE-value-0123456789';
const ACCESS = '00DACCESS-token-value';
const REFRESH = '5AepREFRESH-token-value';
const SECRET = 'CONSUMER-secret-value-42';

type Answer = { status: number; body: unknown };
type TokenBehaviour = {
  /** Answer to grant_type=authorization_code. */
  code: () => Answer;
  /** Answers to the JWT bearer grant, one per try (first pair only); the last one repeats. */
  jwt: Answer[];
};

const jwtOk = {
  status: 200,
  // eslint-disable-next-line camelcase
  body: {
    access_token: ACCESS,
    instance_url: 'https://acme.my.salesforce.com',
    id: 'https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA',
  },
};
// eslint-disable-next-line camelcase
const notApproved = {
  status: 400,
  body: { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
};
// eslint-disable-next-line camelcase
const audienceInvalid = { status: 400, body: { error: 'invalid_grant', error_description: 'audience is invalid' } };
// eslint-disable-next-line camelcase
const codeOk = { status: 200, body: { access_token: ACCESS, refresh_token: REFRESH, scope: 'refresh_token api web' } };

/** Browser mode returns the browser result (mode: 'browser'). */
async function runBrowser(argv: string[]): Promise<JwtApproveBrowserResult> {
  const result = await JwtApprove.run(argv);
  expect(result.mode).to.equal('browser');
  return result as JwtApproveBrowserResult;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('jwt approve', () => {
  const $$ = new TestContext();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let server: Server;
  let base: string;
  let behaviour: TokenBehaviour;
  let requests: Array<{ path: string; form: URLSearchParams }>;
  let redirectUri: string;
  let opened: string[];
  /** What the fake browser does with the authorize URL: the redirect query it sends back. */
  let userAction: (authorize: URL) => string | undefined;
  const restoreSecret = keepEnv('SF_JWT_CONSUMER_SECRET');

  function fakeBrowserVisit(url: string): void {
    const authorize = new URL(url);
    const query = userAction(authorize);
    if (query === undefined) return;
    const target = new URL(authorize.searchParams.get('redirect_uri') as string);
    target.hostname = '127.0.0.1';
    setTimeout(() => {
      fetch(`${target.origin}${target.pathname}?${query}`).catch(() => {});
    }, 10);
  }

  beforeEach(async () => {
    ux = stubSfCommandUx($$.SANDBOX);
    stubSpinner($$.SANDBOX);
    requests = [];
    opened = [];
    behaviour = { code: (): Answer => codeOk, jwt: [jwtOk] };
    let jwtCalls = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        requests.push({ path: req.url ?? '', form });
        let answer = behaviour.code();
        if (form.get('grant_type') === JWT_BEARER_GRANT) {
          // One scripted answer per try: only the first pair (aud = the login URL itself) consumes one;
          // core's other audiences against this host are refused.
          const claims = JSON.parse(
            Buffer.from((form.get('assertion') ?? '').split('.')[1] ?? '', 'base64url').toString('utf8'),
          ) as { aud?: string };
          answer =
            claims.aud && new URL(claims.aud).origin === base
              ? behaviour.jwt[Math.min(jwtCalls++, behaviour.jwt.length - 1)]
              : audienceInvalid;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json', date: new Date().toUTCString() });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    redirectUri = `http://localhost:${await freePort()}/OauthRedirect`;
    userAction = (authorize: URL): string => `code=${CODE}&state=${authorize.searchParams.get('state') ?? ''}`;

    $$.SANDBOX.stub(browser, 'open').callsFake((url: string) => {
      opened.push(url);
      fakeBrowserVisit(url);
      return Promise.resolve(undefined as never);
    });
    $$.SANDBOX.stub(retryTiming, 'sleep').resolves();
    // Fallback login hosts are never contacted: only loopback requests go out.
    const realPostForm = http.postForm;
    $$.SANDBOX.stub(http, 'postForm').callsFake((url: string, form: Record<string, string>, timeoutMs: number) =>
      new URL(url).hostname === '127.0.0.1'
        ? realPostForm(url, form, timeoutMs)
        : Promise.resolve({ kind: 'network-error' as const, code: 'ENOTFOUND', detail: 'offline test' }),
    );
    delete process.env.SF_JWT_CONSUMER_SECRET;
  });

  afterEach(async () => {
    $$.restore();
    process.exitCode = undefined;
    restoreSecret();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const args = (...extra: string[]): string[] => [
    '--username',
    USERNAME,
    '--client-id',
    CLIENT_ID,
    '--instance-url',
    base,
    '--redirect-uri',
    redirectUri,
    ...extra,
  ];

  function output(): string {
    return [...ux.log.getCalls(), ...ux.info.getCalls(), ...ux.warn.getCalls(), ...ux.logSuccess.getCalls()]
      .flatMap((c) => c.args as unknown[])
      .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
      .join('\n');
  }

  function expectNoSecrets(value: unknown): void {
    const text = `${JSON.stringify(value)}\n${output()}`;
    for (const secret of [CODE, ACCESS, REFRESH, SECRET]) expect(text).to.not.include(secret);
  }

  it('opens the authorize URL, completes the exchange with PKCE, and verifies the JWT login', async () => {
    const result = await runBrowser(args('--jwt-key-file', KEY, '--json'));

    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.approval).to.include({ status: 'approved', refreshToken: true, scope: 'refresh_token api web' });
    expect(result.verification).to.include({ ok: true, tries: 1 });
    expect(result.browserOpened).to.equal(true);

    expect(opened).to.have.length(1);
    const authorize = new URL(opened[0]);
    expect(opened[0]).to.equal(result.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).to.equal(`${base}/services/oauth2/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).to.equal(redirectUri);
    expect(authorize.searchParams.get('scope')).to.equal('refresh_token api web');
    expect(authorize.searchParams.get('prompt')).to.equal('login consent');
    expect(authorize.searchParams.get('client_id')).to.equal(CLIENT_ID);

    const exchange = requests.find((r) => r.form.get('grant_type') === 'authorization_code');
    expect(exchange?.path).to.equal(TOKEN_PATH);
    expect(exchange?.form.get('code')).to.equal(CODE);
    expect(exchange?.form.get('redirect_uri')).to.equal(redirectUri);
    expect(exchange?.form.has('client_secret')).to.equal(false);
    const verifier = exchange?.form.get('code_verifier') ?? '';
    expect(createHash('sha256').update(verifier).digest('base64url')).to.equal(
      authorize.searchParams.get('code_challenge'),
    );
    expect(JSON.stringify(result)).to.not.include(verifier);

    expect(requests.filter((r) => r.form.get('grant_type') === JWT_BEARER_GRANT)).to.have.length(1);
    expectNoSecrets(result);
  });

  it('reports a denied approval in words, exits 1, and still says whether the JWT login works', async () => {
    behaviour.jwt = [notApproved];
    userAction = (authorize: URL): string =>
      `error=access_denied&error_description=end-user%20denied%20authorization&state=${authorize.searchParams.get('state') ?? ''}`;
    const result = await runBrowser(args('--jwt-key-file', KEY, '--wait', '60', '--json'));

    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.approval).to.include({
      status: 'failed',
      error: 'access_denied',
      errorDescription: 'end-user denied authorization',
    });
    expect(result.approval.message).to.include('Deny');
    expect(result.approval.actions.join(' ')).to.include('Allow');
    // no code, so no exchange; one verification try only, despite --wait
    expect(requests.some((r) => r.form.get('grant_type') === 'authorization_code')).to.equal(false);
    expect(result.verification).to.include({ ok: false, tries: 1 });
    expect(result.verification?.cause?.code).to.equal('USER_NOT_APPROVED');
  });

  it('says so when Salesforce issues no refresh token', async () => {
    // eslint-disable-next-line camelcase
    behaviour.code = (): Answer => ({ status: 200, body: { access_token: ACCESS, scope: 'api web' } });
    const result = await runBrowser(args('--json'));
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.approval).to.include({
      status: 'approved-without-refresh-token',
      refreshToken: false,
      scope: 'api web',
    });
    expect(result.approval.actions.join(' ')).to.include('refresh_token');
    expect(result.verification).to.equal(undefined);
    expectNoSecrets(result);
  });

  it('sends the consumer secret from SF_JWT_CONSUMER_SECRET and names it when the exchange is refused', async () => {
    process.env.SF_JWT_CONSUMER_SECRET = SECRET;
    // eslint-disable-next-line camelcase
    behaviour.code = (): Answer => ({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    });
    const result = await runBrowser(args());
    const exchange = requests.find((r) => r.form.get('grant_type') === 'authorization_code');
    expect(exchange?.form.get('client_secret')).to.equal(SECRET);
    expect(result.approval).to.include({ status: 'exchange-failed', error: 'invalid_client' });
    expect(result.approval.actions.join(' ')).to.include('SF_JWT_CONSUMER_SECRET');
    expect(process.exitCode).to.equal(1);
    expect(output()).to.include('SF_JWT_CONSUMER_SECRET');
    expectNoSecrets(result);
  });

  it('retries the JWT login with --wait until the approval has propagated', async () => {
    behaviour.jwt = [notApproved, notApproved, jwtOk];
    const result = await runBrowser(args('--jwt-key-file', KEY, '--wait', '120', '--json'));
    expect(result.ok).to.equal(true);
    expect(result.verification).to.include({ ok: true, tries: 3 });
    const sleeps = (retryTiming.sleep as unknown as SinonStub).getCalls().map((c) => c.args[0] as number);
    expect(sleeps).to.deep.equal([2000, 4000]);
  });

  it('stops retrying for a cause that waiting cannot fix', async () => {
    // eslint-disable-next-line camelcase
    behaviour.jwt = [{ status: 400, body: { error: 'invalid_grant', error_description: 'invalid assertion' } }];
    const result = await runBrowser(args('--jwt-key-file', KEY, '--wait', '120', '--json'));
    expect(result.ok).to.equal(false);
    expect(result.verification?.tries).to.equal(1);
    expect(result.verification?.cause?.code).to.equal('INVALID_ASSERTION');
  });

  it('with --url-only prints the URL and returns at once: no browser, no listener, no login tried, exit 0', async () => {
    const started = Date.now();
    const result = await runBrowser(args('--url-only', '--jwt-key-file', KEY));
    expect(Date.now() - started).to.be.lessThan(2000);
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.urlOnly).to.equal(true);
    expect(result.browserOpened).to.equal(false);
    expect(opened).to.have.length(0);
    expect(result.approval.status).to.equal('not-observed');
    expect(result.verification).to.equal(undefined);
    // the URL on stdout, then how to finish and confirm
    const logged = ux.log
      .getCalls()
      .flatMap((c) => c.args as unknown[])
      .join('\n');
    expect(logged).to.include(result.authorizeUrl);
    expect(logged).to.include('sf jwt diagnose --username ci@acme.com.uat').and.include('--wait');
    // no login tried (only the check of the authorize URL, a GET), and nothing listens on the port
    expect(requests.filter((r) => r.form.has('grant_type'))).to.deep.equal([]);
    expect(requests.map((r) => r.path.split('?')[0])).to.deep.equal(['/services/oauth2/authorize']);
    const port = Number(new URL(redirectUri).port);
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it('with --url-only --wait --json writes the URL to stderr at once, and the listener receives the approval', async () => {
    const written: string[] = [];
    const realWrite = process.stderr.write.bind(process.stderr);
    $$.SANDBOX.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    const run = runBrowser(args('--url-only', '--wait', '60', '--json'));
    let printed: string | undefined;
    for (let i = 0; i < 100 && !printed; i++) {
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, 10));
      printed = /(\S+\/services\/oauth2\/authorize\?\S+)/.exec(written.join(''))?.[1];
    }
    expect(printed).to.be.a('string');
    fakeBrowserVisit(printed as string);
    const result = await run;
    expect(opened).to.have.length(0);
    expect(result.approval.status).to.equal('approved');
    expect(result.authorizeUrl).to.equal(printed);
    expect(result.ok).to.equal(true);
  });

  it('opens no browser in container mode (SF_CONTAINER_MODE), like sf org login web', async () => {
    $$.SANDBOX.stub(process, 'env').value({ ...process.env, SF_CONTAINER_MODE: 'true' });
    userAction = (): undefined => undefined;
    const result = await runBrowser(args('--approval-timeout', '1'));
    expect(opened).to.have.length(0);
    expect(result.browserOpened).to.equal(false);
    expect(output()).to.include('SF_CONTAINER_MODE');
    expect(output()).to.include(result.authorizeUrl);
  });

  it('reports a port in use before opening a browser', async () => {
    const port = Number(new URL(redirectUri).port);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await runBrowser(args());
      expect.fail('expected an error');
    } catch (error) {
      expect((error as SfError).name).to.equal('RedirectPortInUseError');
      expect((error as SfError).message).to.include(String(port));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    expect(opened).to.have.length(0);
  });

  it('times out with the reasons when no redirect comes back', async () => {
    userAction = (): undefined => undefined;
    const result = await runBrowser(args('--approval-timeout', '1', '--json'));
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.approval.status).to.equal('no-redirect');
    expect(result.approval.actions.join(' ')).to.include('redirect_uri_mismatch');
  });

  it('a non-loopback redirect URI: opens the browser, says it cannot see the outcome, tries no login, exit 0', async () => {
    const remote = 'https://login.salesforce.com/services/oauth2/success';
    const result = await runBrowser([
      ...args('--jwt-key-file', KEY, '--json').filter((a) => a !== redirectUri && a !== '--redirect-uri'),
      '--redirect-uri',
      remote,
    ]);
    expect(result.approval.status).to.equal('not-received');
    expect(result.approval.message).to.include(remote).and.include('not on this machine');
    expect(result.approval.actions.join(' ')).to.include('sf jwt diagnose').and.include('--wait');
    expect(new URL(opened[0]).searchParams.get('redirect_uri')).to.equal(remote);
    expect(result.browserOpened).to.equal(true);
    expect(result.verification).to.equal(undefined);
    expect(requests.some((r) => r.form.get('grant_type') === JWT_BEARER_GRANT)).to.equal(false);
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
  });

  it('a non-loopback redirect URI with --wait retries the JWT login until the approval applies', async () => {
    behaviour.jwt = [notApproved, notApproved, jwtOk];
    const result = await runBrowser([
      ...args('--jwt-key-file', KEY, '--wait', '120', '--json').filter(
        (a) => a !== redirectUri && a !== '--redirect-uri',
      ),
      '--redirect-uri',
      'https://ci.example.com/oauth/callback/',
    ]);
    expect(result.approval.status).to.equal('not-received');
    expect(result.verification).to.include({ ok: true, tries: 3 });
    expect(result.ok).to.equal(true);
    expect(output()).to.include('Retrying the JWT login of ci@acme.com.uat');
  });

  it('refuses a scope without refresh_token as a usage error', async () => {
    try {
      await runBrowser(args('--scope', 'api web'));
      expect.fail('expected an error');
    } catch (error) {
      expect((error as SfError).name).to.equal('ScopeWithoutRefreshTokenError');
      expect((error as SfError).exitCode).to.equal(2);
    }
    expect(opened).to.have.length(0);
  });

  it('refuses a plain http login URL to a remote host as a usage error', async () => {
    try {
      await runBrowser([
        '--username',
        USERNAME,
        '--client-id',
        CLIENT_ID,
        '--instance-url',
        'http://acme.my.salesforce.com',
      ]);
      expect.fail('expected an error');
    } catch (error) {
      expect((error as SfError).name).to.equal('InsecureLoginUrlError');
      expect((error as SfError).exitCode).to.equal(2);
    }
    expect(opened).to.have.length(0);
  });

  it('needs a username', async () => {
    try {
      await runBrowser(['--client-id', CLIENT_ID]);
      expect.fail('expected an error');
    } catch (error) {
      expect((error as SfError).exitCode).to.equal(2);
    }
  });
});
