/*
 * `sf jwt approve` on machines without a browser and on wrong input, in-process against the Salesforce
 * emulator: --url-only (at once, and with --wait through the listener or the JWT login), a redirect URI the
 * command can't receive, what Salesforce refuses before sign-in (checked before anything opens), a stray
 * request to the listener, and the usage errors (exit code 2). The "browser" is the test itself, walking
 * the emulator's consent page the way a browser does.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtApprove, { type JwtApproveBrowserResult } from '../../../src/commands/jwt/approve.js';
import { retryTiming } from '../../../src/diagnose/verify.js';
import { browser } from '../../../src/utils/browser.js';
import { createPkce, DEFAULT_SCOPE } from '../../../src/org/authorizeUrl.js';
import { runApprove } from '../../../src/approve/approve.js';
import { silentUi } from '../../../src/approve/result.js';
import {
  loadScenario,
  portIsFree,
  REMOTE_ACCESS_ERROR_PAGE,
  startEmulator,
  unusedPort,
  type Emulator,
  type Scenario,
  CI_CLIENT_ID,
  TOKEN_PATH,
} from '../../../emulator/index.js';
import { SERVER_KEY } from '../../helpers/keys.js';
import { consent } from '../../helpers/consent.js';
import { capturedOutput, secretLeaks, endCommandTest, useTempHome, type TempHome, keyLine } from '../../helpers/org.js';

const CI_USER_ID = '0055g000000CI01AAG';
const CI_APP_ID = '0H45g000000CIAPCA4';
const KEY_LINE = keyLine(SERVER_KEY);

describe('jwt approve: headless and refused before sign-in', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let port: number;
  let redirectUri: string;
  let opened: sinon.SinonStub;
  let stderr: string[];

  async function setUp(scenario: string | Scenario = 'not-approved', callbackUrls?: string[]): Promise<void> {
    const data = typeof scenario === 'string' ? loadScenario(scenario) : scenario;
    for (const app of data.apps) if (app.consumerKey === CI_CLIENT_ID) app.callbackUrls = callbackUrls ?? [redirectUri];
    emu = await startEmulator(data);
  }

  beforeEach(async () => {
    home = useTempHome();
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    port = await unusedPort();
    redirectUri = `http://localhost:${port}/OauthRedirect`;
    opened = sandbox.stub(browser, 'open').resolves(undefined as never);
    // short real pauses between login tries: the wait is real, only faster
    sandbox.stub(retryTiming, 'sleep').callsFake(
      (ms: number, signal?: AbortSignal) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.min(ms, 100));
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    stderr = [];
    const realWrite = process.stderr.write.bind(process.stderr);
    sandbox.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderr.push(String(chunk));
      return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
  });

  afterEach(() => endCommandTest(sandbox, emu, home));

  const args = (...extra: string[]): string[] => [
    '--username',
    'ci@acme.com',
    '--client-id',
    CI_CLIENT_ID,
    '--instance-url',
    emu.url,
    '--redirect-uri',
    redirectUri,
    ...extra,
  ];

  async function approve(argv: string[]): Promise<{ result: JwtApproveBrowserResult; output: string; ms: number }> {
    const started = Date.now();
    const result = (await JwtApprove.run(argv)) as JwtApproveBrowserResult;
    const ms = Date.now() - started;
    expect(result.mode).to.equal('browser');
    const output = capturedOutput(ux);
    expect(secretLeaks(`${output}\n${JSON.stringify(result)}`, [KEY_LINE]), 'secret in output').to.deep.equal([]);
    return { result, output, ms };
  }

  /** The URL the command printed (stdout, or stderr with --json), once it is there. */
  async function printedUrl(): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const text = `${capturedOutput(ux)}\n${stderr.join('')}`;
      const url = /(http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?[^\s"]+)/.exec(text)?.[1];
      if (url) return url;
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return expect.fail('no approval URL was printed');
  }

  const approvalsOfCi = (): unknown[] =>
    emu.store.data.oauthTokens.filter((t) => t.userId === CI_USER_ID && t.appId === CI_APP_ID);
  const nonCheckRequests = (): string[] =>
    emu.requests.filter((r) => !(r.method === 'GET' && r.path === '/services/oauth2/authorize')).map((r) => r.path);

  it('--url-only returns at once with the URL: exit 0, no browser, no listener, no login tried', async () => {
    await setUp();
    const { result, output, ms } = await approve(args('--url-only', '--jwt-key-file', SERVER_KEY));
    expect(ms).to.be.lessThan(2000);
    expect(result).to.include({ ok: true, urlOnly: true, browserOpened: false });
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.approval.status).to.equal('not-observed');
    expect(result.authorizeCheck.status).to.equal('passed');
    expect(result.verification).to.equal(undefined);
    expect(output).to.include(result.authorizeUrl);
    expect(opened.called).to.equal(false);
    expect(await portIsFree(port)).to.equal(true);
    // one GET of the authorize URL (the check), nothing else
    expect(emu.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /services/oauth2/authorize']);
    expect(approvalsOfCi()).to.deep.equal([]);
  });

  it('--url-only --json carries the URL in the result and writes nothing else to stdout', async () => {
    await setUp();
    const { result } = await approve(args('--url-only', '--json'));
    expect(result.authorizeUrl).to.match(/\/services\/oauth2\/authorize\?response_type=code&client_id=/);
    // nothing waits for the URL, so it is not written to stderr either
    expect(stderr.join('')).to.not.include(result.authorizeUrl);
  });

  it('--url-only --wait 1m returns 0 within a few seconds of the approval given on the consent page', async () => {
    await setUp();
    const run = approve(args('--url-only', '--wait', '1m', '--jwt-key-file', SERVER_KEY, '--json'));
    const url = await printedUrl();
    // the user takes a moment, then approves; the browser delivers the redirect to the listener
    await new Promise((resolve) => setTimeout(resolve, 300));
    const approvedAt = Date.now();
    await consent(url);
    const { result } = await run;
    expect(Date.now() - approvedAt).to.be.lessThan(5000);
    expect(result.approval).to.include({ status: 'approved', refreshToken: true });
    expect(result.verification).to.include({ ok: true });
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(approvalsOfCi()).to.have.length(1);
    expect(opened.called).to.equal(false);
    expect(await portIsFree(port)).to.equal(true);
  });

  it('--url-only --wait: an approval given on another machine is confirmed by the JWT login, and the listener closes', async () => {
    await setUp();
    const run = approve(args('--url-only', '--wait', '1m', '--jwt-key-file', SERVER_KEY, '--json'));
    const printed = new URL(await printedUrl());
    // On the laptop: its own `sf jwt approve` (own state and PKCE) whose listener completes the exchange.
    const laptop = createPkce();
    const laptopUrl = new URL(printed.href);
    laptopUrl.searchParams.set('state', 'laptop-state');
    laptopUrl.searchParams.set('code_challenge', laptop.challenge);
    const { location } = await consent(laptopUrl.href, { deliver: false });
    const exchange = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        // eslint-disable-next-line camelcase
        grant_type: 'authorization_code',
        code: location.searchParams.get('code') ?? '',
        // eslint-disable-next-line camelcase
        client_id: CI_CLIENT_ID,
        // eslint-disable-next-line camelcase
        redirect_uri: redirectUri,
        // eslint-disable-next-line camelcase
        code_verifier: laptop.verifier,
      }).toString(),
    });
    expect(exchange.status).to.equal(200);
    const { result } = await run;
    expect(result.approval.status).to.equal('not-observed');
    expect(result.approval.message).to.include('JWT login of ci@acme.com works');
    expect(result.verification?.ok).to.equal(true);
    expect(result.ok).to.equal(true);
    // the redirect never reached this machine's listener: the CI side recorded nothing itself
    expect(approvalsOfCi()).to.have.length(1);
    expect(await portIsFree(port)).to.equal(true);
  });

  it('--url-only --wait that sees nothing ends with the diagnose cause, exit 1, and says how to reach this machine', async () => {
    await setUp();
    const { result } = await approve(args('--url-only', '--wait', '3', '--jwt-key-file', SERVER_KEY, '--json'));
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.approval.status).to.equal('no-redirect');
    expect(result.approval.actions.join(' ')).to.include(`ssh -L ${port}:localhost:${port}`);
    expect(result.verification?.cause?.code).to.equal('USER_NOT_APPROVED');
    expect(await portIsFree(port)).to.equal(true);
  });

  it('without a terminal, each progress message is a line of its own: the wait, then each retry', async () => {
    await setUp();
    await approve(args('--url-only', '--wait', '3', '--jwt-key-file', SERVER_KEY));
    const progress = ux.logToStderr.args.map((call) => String(call[0]));
    const waiting = progress.findIndex((line) => line.startsWith('Waiting for the approval'));
    expect(waiting, progress.join('\n')).to.be.at.least(0);
    const retries = progress.filter((line) => /retrying in \d+ seconds?$/.test(line));
    expect(retries.length, progress.join('\n')).to.be.greaterThan(0);
    // a status names what runs, and nothing runs on into it
    expect(retries[0]).to.match(
      /^Waiting for the approval: listening on port \d+ and trying the JWT login of ci@acme\.com: Try 1: /,
    );
    for (const line of progress) expect(line).to.not.match(/\n|seconds[A-Z]/);
  });

  it('one AbortSignal ends the wait: the listener closes and the retries stop (for a Ctrl-C handler to hook in)', async () => {
    await setUp();
    const controller = new AbortController();
    let printed = false;
    const ui = { ...silentUi, url: (): void => void (printed = true) };
    const run = runApprove(
      {
        username: 'ci@acme.com',
        'client-id': CI_CLIENT_ID,
        'instance-url': emu.url,
        'jwt-key-file': SERVER_KEY,
        'redirect-uri': redirectUri,
        scope: DEFAULT_SCOPE,
        'url-only': true,
        wait: '1m',
      },
      ui,
      { signal: controller.signal },
    );
    for (let i = 0; i < 200 && !printed; i++) {
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await portIsFree(port), 'listening').to.equal(false);
    const abortedAt = Date.now();
    controller.abort();
    const error = await run.then(
      () => expect.fail('expected the wait to be aborted'),
      (err: SfError) => err,
    );
    expect(error.name).to.equal('AbortedError');
    expect(Date.now() - abortedAt).to.be.lessThan(3000);
    expect(await portIsFree(port)).to.equal(true);
  });

  it('a stray request with a wrong state is answered and ignored; the right redirect still counts', async () => {
    await setUp();
    const run = approve(args('--url-only', '--wait', '1m', '--json'));
    const url = await printedUrl();
    const stray = await fetch(`http://127.0.0.1:${port}/OauthRedirect?code=old-code&state=from-an-old-tab`);
    expect(stray.status).to.equal(400);
    expect(await stray.text()).to.include('Ignored');
    await consent(url);
    const { result } = await run;
    expect(result.approval.status).to.equal('approved');
    expect(result.ok).to.equal(true);
  });

  describe('refused before sign-in: reported with the fix in under 5 s, exit 1, nothing opened or recorded', () => {
    async function expectRefused(
      argv: string[],
      error: string,
    ): Promise<{ result: JwtApproveBrowserResult; output: string }> {
      const before = structuredClone(emu.store.data.oauthTokens);
      const { result, output, ms } = await approve(argv);
      expect(ms).to.be.lessThan(5000);
      expect(result.ok).to.equal(false);
      expect(process.exitCode).to.equal(1);
      expect(result.approval.status).to.equal('refused');
      expect(result.authorizeCheck.status).to.equal('refused');
      expect(result.refusal).to.include({ error, source: 'error-page' });
      expect(result.browserOpened).to.equal(false);
      expect(opened.called, 'a browser was opened').to.equal(false);
      expect(await portIsFree(port), 'a listener was left').to.equal(true);
      // the one check, never followed to the error page, no login, nothing recorded
      expect(emu.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /services/oauth2/authorize']);
      expect(emu.requests.some((r) => r.path === REMOTE_ACCESS_ERROR_PAGE)).to.equal(false);
      expect(nonCheckRequests()).to.deep.equal([]);
      expect(emu.store.data.oauthTokens).to.deep.equal(before);
      expect(emu.store.changes).to.deep.equal([]);
      // the URL is not shown: there is nothing to open
      expect(output).to.not.include('Approval URL');
      return { result, output };
    }

    it('a redirect URI that is not one of the app callback URLs', async () => {
      await setUp('not-approved', [`${redirectUri}/`]);
      const { result, output } = await expectRefused(
        args('--jwt-key-file', SERVER_KEY, '--wait', '1m', '--json'),
        'redirect_uri_mismatch',
      );
      expect(result.refusal?.error_description).to.equal('redirect_uri must match configuration');
      expect(result.approval.message).to.include(redirectUri).and.include('exactly').and.include('trailing slash');
      const actions = result.approval.actions.join('\n');
      expect(actions).to.include('Setup > App Manager > the app > Edit > Callback URL');
      expect(actions).to.include('External Client App Manager').and.include('--redirect-uri');
      expect(result.verification).to.equal(undefined);
      expect(output).to.include('redirect_uri');
    });

    it('an unknown client id, in the same words as diagnose (INVALID_CLIENT_ID)', async () => {
      await setUp();
      const { result, output } = await expectRefused(
        [...args('--url-only').filter((a) => a !== CI_CLIENT_ID), '--client-id', '3MVG9NOT.A.KNOWN.KEY'].filter(
          (a, i, all) => !(a === '--client-id' && all[i + 1] === '--instance-url'),
        ),
        'invalid_client_id',
      );
      expect(result.refusal?.code).to.equal('INVALID_CLIENT_ID');
      expect(result.approval.message).to.include("doesn't know this client ID");
      expect(result.approval.actions.join(' ')).to.include('Manage Consumer Details');
      // human output: the refusal, then the next steps
      const logged = ux.log.args.flat().join('\n');
      expect(logged).to.include('refused the approval request before any sign-in');
      expect(logged.indexOf('refused the approval')).to.be.lessThan(logged.indexOf('Next steps'));
      expect(output).to.include('Manage Consumer Details');
    });

    it('an external client app that is not installed in the org (APP_NOT_INSTALLED)', async () => {
      await setUp('eca-not-installed');
      const { result } = await expectRefused(args('--json'), 'OAUTH_EC_APP_NOT_FOUND');
      expect(result.refusal?.code).to.equal('APP_NOT_INSTALLED');
      expect(result.approval.message).to.include("isn't installed");
      expect(result.approval.actions.join(' ')).to.include('External Client App Manager');
    });
  });

  it('goes on without the check, with a warning, when the authorize URL does not answer in time', async () => {
    await setUp();
    emu.setFaults({ hang: true, paths: ['/services/oauth2/authorize'] });
    const { result, ms } = await approve(args('--url-only', '--timeout', '1'));
    expect(ms).to.be.lessThan(4000);
    expect(result.authorizeCheck).to.deep.include({ status: 'unchecked' });
    expect(result.authorizeCheck.reason).to.include('1 seconds');
    expect(ux.warn.args.flat().join(' ')).to.include("Couldn't check the approval URL");
    expect(result.ok).to.equal(true);
  });

  it('a non-loopback redirect URI opens the browser, says it cannot see the outcome and how to confirm, exit 0', async () => {
    const remote = 'https://ci.example.com/oauth/callback/';
    await setUp('not-approved', [remote]);
    const { result, output } = await approve([
      ...args('--jwt-key-file', SERVER_KEY).filter((a) => a !== redirectUri && a !== '--redirect-uri'),
      '--redirect-uri',
      remote,
    ]);
    expect(opened.calledOnce).to.equal(true);
    expect(result).to.include({ ok: true, browserOpened: true });
    expect(result.approval.status).to.equal('not-received');
    expect(result.verification).to.equal(undefined);
    expect(emu.requests.filter((r) => r.path === TOKEN_PATH)).to.deep.equal([]);
    expect(output).to.include('sf jwt diagnose --username ci@acme.com').and.include('--wait');
  });

  it('an https loopback redirect URI is called what it is: on this machine, but the listener speaks plain http', async () => {
    const https = `https://localhost:${port}/OauthRedirect`;
    await setUp('not-approved', [https]);
    const { result } = await approve([
      ...args('--json').filter((a) => a !== redirectUri && a !== '--redirect-uri'),
      '--redirect-uri',
      https,
    ]);
    expect(result.approval.status).to.equal('not-received');
    expect(result.approval.message).to.include('https').and.include('plain http').and.not.include('not a loopback');
    expect(result.approval.message).to.include(`http://localhost:${port}/OauthRedirect`);
    expect(result.ok).to.equal(true);
  });

  describe('usage errors: exit 2, before anything is sent', () => {
    async function usage(argv: string[]): Promise<SfError> {
      try {
        await JwtApprove.run(argv);
      } catch (error) {
        const err = error as SfError;
        expect(err.exitCode, err.message).to.equal(2);
        expect(emu.requests, 'a request was sent').to.deep.equal([]);
        expect(opened.called).to.equal(false);
        return err;
      }
      return expect.fail(`no usage error for ${argv.join(' ')}`);
    }

    beforeEach(async () => setUp());

    it('a loopback redirect URI with port 0, or without a port', async () => {
      const zero = await usage([...args().slice(0, 6), '--redirect-uri', 'http://localhost:0/x']);
      expect(zero.name).to.equal('RedirectPortZeroError');
      expect(zero.message).to.include('http://localhost:0/x');
      const none = await usage([...args().slice(0, 6), '--redirect-uri', 'http://localhost/OauthRedirect']);
      expect(none.name).to.equal('RedirectPortMissingError');
    });

    it('--wait with nothing that could see the approval (remote redirect URI, no key)', async () => {
      const err = await usage([
        ...args().slice(0, 6),
        '--redirect-uri',
        'https://ci.example.com/cb',
        '--url-only',
        '--wait',
        '1m',
      ]);
      expect(err.name).to.equal('NothingToWaitForError');
      expect((err.actions ?? []).join(' ')).to.include('--jwt-key-file');
    });

    it('what the flag parser refuses: an unknown --browser, a flag without its value, a flag given twice', async () => {
      const safari = await usage([...args(), '--browser', 'safari']);
      expect(safari.message).to.include('safari').and.include('--help');
      expect((await usage([...args(), '--browser'])).message).to.include('--browser');
      expect((await usage([...args(), '--username', 'other@acme.com'])).message).to.include('only be specified once');
      expect((await usage([...args(), '--timeout'])).message).to.include('--timeout');
    });
  });
});
