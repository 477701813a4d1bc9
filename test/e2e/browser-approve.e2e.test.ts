/*
 * The browser approval in a real browser: Debian's Chromium, driven by playwright-core, opens the authorize
 * URL that `sf jwt approve` produced, the emulator's consent page is answered (Allow / Deny), the redirect
 * reaches the command's loopback listener, the approval is recorded in the emulator (an OauthToken row),
 * and `sf jwt diagnose` then passes. Also: --url-only --wait with the printed URL opened by hand, and a
 * redirect URI that is not a callback URL (nothing is opened; a browser would only reach the error page).
 *
 * Without Chromium (/usr/bin/chromium, or CHROMIUM_PATH) the tests are skipped with the reason: reported as
 * pending, never as passed. Everything stays on 127.0.0.1: the emulator, the listener and the page.
 */
import { accessSync, constants } from 'node:fs';
import { expect } from 'chai';
import sinon from 'sinon';
import type { Browser, Page } from 'playwright-core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtApprove, { type JwtApproveBrowserResult } from '../../src/commands/jwt/approve.js';
import JwtDiagnose from '../../src/commands/jwt/diagnose.js';
import { browser } from '../../src/utils/browser.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import { loadScenario, startEmulator, unusedPort, type Emulator, CI_CLIENT_ID } from '../../emulator/index.js';
import { SERVER_KEY } from '../helpers/keys.js';
import { capturedOutput, keyLine, secretLeaks, useTempHome, type TempHome } from '../helpers/org.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI_APP_ID = '0H45g000000CIAPCA4';
const CI_USER_ID = '0055g000000CI01AAG';
const KEY_LINE = keyLine(SERVER_KEY);
/**
 * Flags that keep Chromium from phoning home: without them its background connections (updates, sync,
 * QUIC probes) are refused by the loopback-only network, many at a time. --no-sandbox because tests may
 * run as root.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium not found at ${CHROMIUM} (install it with "apt-get install -y chromium", or set CHROMIUM_PATH)`;
  }
}

describe('e2e: sf jwt approve in a real browser (Chromium)', function () {
  this.timeout(120_000);
  const sandbox = sinon.createSandbox();
  let chromium: Browser | undefined;
  let emu: Emulator | undefined;
  let home: TempHome | undefined;
  let ux: ReturnType<typeof stubSfCommandUx>;
  let redirectUri: string;
  /** The consent page, once the "browser" opened the URL the command produced. */
  let pageVisit: Promise<Page> | undefined;

  before(async function () {
    const reason = chromiumMissing();
    if (reason) {
      // eslint-disable-next-line no-console -- the reason belongs in the test log, next to the pending test
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    const { chromium: launcher } = await import('playwright-core');
    chromium = await launcher.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await chromium?.close();
  });

  beforeEach(async () => {
    home = useTempHome();
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    // the app's callback URL must match the redirect URI exactly: a free loopback port, set on the scenario
    redirectUri = `http://127.0.0.1:${await unusedPort()}/OauthRedirect`;
    const scenario = loadScenario('not-approved');
    const app = scenario.apps.find((a) => a.consumerKey === CI_CLIENT_ID);
    if (app) app.callbackUrls = [redirectUri];
    emu = await startEmulator(scenario);
  });

  afterEach(async () => {
    process.exitCode = undefined;
    sandbox.restore();
    pageVisit = undefined;
    await emu?.close();
    home?.restore();
  });

  /** Replaces the system browser with Chromium, which opens the URL and clicks the given consent button. */
  function browseAndClick(button: 'Allow' | 'Deny'): void {
    sandbox.stub(browser, 'open').callsFake((url: string) => {
      pageVisit = (async (): Promise<Page> => {
        const page = await (chromium as Browser).newPage();
        await page.goto(url);
        await page.fill('#username', 'ci@acme.com');
        await Promise.all([page.waitForURL((u) => u.href.startsWith(redirectUri)), page.click(`text=${button}`)]);
        await page.waitForLoadState('load');
        return page;
      })();
      pageVisit.catch(() => {}); // awaited (and reported) by the test
      return Promise.resolve(undefined as never);
    });
  }

  const approveArgs = (): string[] => [
    '--username',
    'ci@acme.com',
    '--client-id',
    CI_CLIENT_ID,
    '--jwt-key-file',
    SERVER_KEY,
    '--instance-url',
    (emu as Emulator).url,
    '--redirect-uri',
    redirectUri,
    '--approval-timeout',
    '60',
    '--json',
  ];

  const approvalsOfCi = (): Array<{ scopes: string[] }> =>
    (emu as Emulator).store.data.oauthTokens.filter((t) => t.userId === CI_USER_ID && t.appId === CI_APP_ID);

  it('Allow: the listener receives the redirect, the approval is recorded, and sf jwt diagnose passes', async () => {
    browseAndClick('Allow');
    expect(approvalsOfCi()).to.deep.equal([]);

    const result = (await JwtApprove.run(approveArgs())) as JwtApproveBrowserResult;
    const page = await (pageVisit as Promise<Page>);

    expect(result.approval).to.include({ status: 'approved', refreshToken: true });
    expect(result.verification).to.include({ ok: true });
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    // the browser landed on the listener's page
    expect(page.url().startsWith(redirectUri)).to.equal(true);
    expect(await page.textContent('h1')).to.include('Approved');
    await page.close();

    // the approval is on the user record, with a refresh token scope
    const approvals = approvalsOfCi();
    expect(approvals).to.have.length(1);
    expect(approvals[0].scopes).to.include('refresh_token');
    expect(secretLeaks(`${capturedOutput(ux)}\n${JSON.stringify(result)}`, [KEY_LINE])).to.deep.equal([]);

    // and the JWT login now works
    const diagnosis = (await JwtDiagnose.run(approveArgs().slice(0, 8).concat('--json'))) as DiagnoseResult;
    expect(diagnosis.ok).to.equal(true);
    expect(diagnosis.cause).to.equal(null);
  });

  it('--url-only --wait: the URL opened by hand in the browser, Allow, and the command returns 0', async () => {
    const opened = sandbox.stub(browser, 'open').rejects(new Error('--url-only opens no browser'));
    const written: string[] = [];
    sandbox.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const args = approveArgs().filter((a, i, all) => a !== '--approval-timeout' && all[i - 1] !== '--approval-timeout');
    const run = (async (): Promise<JwtApproveBrowserResult> =>
      (await JwtApprove.run([...args, '--url-only', '--wait', '1m'])) as JwtApproveBrowserResult)();
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      url = /(http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?\S+)/.exec(written.join(''))?.[1];
      // eslint-disable-next-line no-await-in-loop
      if (!url) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(url, 'the URL on stderr').to.be.a('string');
    const page = await (chromium as Browser).newPage();
    await page.goto(url as string);
    await page.fill('#username', 'ci@acme.com');
    const approvedAt = Date.now();
    await Promise.all([page.waitForURL((u) => u.href.startsWith(redirectUri)), page.click('text=Allow')]);
    const result = await run;
    expect(Date.now() - approvedAt).to.be.lessThan(5000);
    expect(await page.textContent('h1')).to.include('Approved');
    await page.close();
    expect(opened.called).to.equal(false);
    expect(result.approval).to.include({ status: 'approved', refreshToken: true });
    expect(result.verification).to.include({ ok: true });
    expect(result.ok).to.equal(true);
    expect(approvalsOfCi()).to.have.length(1);
  });

  it('a redirect URI that is not a callback URL: the browser would only reach Salesforce’s error page, so none is opened', async () => {
    const opened = sandbox.stub(browser, 'open').resolves(undefined as never);
    const wrong = redirectUri.replace('/OauthRedirect', '/elsewhere');
    const args = approveArgs().map((a) => (a === redirectUri ? wrong : a));
    const result = (await JwtApprove.run(args)) as JwtApproveBrowserResult;
    expect(result.approval.status).to.equal('refused');
    expect(result.refusal?.error).to.equal('redirect_uri_mismatch');
    expect(opened.called).to.equal(false);
    expect(process.exitCode).to.equal(1);
    // what a browser would have shown: Salesforce's error page, never the redirect URI
    const page = await (chromium as Browser).newPage();
    await page.goto(result.authorizeUrl);
    expect(new URL(page.url()).pathname).to.equal('/setup/secur/RemoteAccessErrorPage.apexp');
    expect(await page.textContent('body')).to.include('redirect_uri_mismatch');
    await page.close();
    expect(approvalsOfCi()).to.deep.equal([]);
  });

  it('Deny: access_denied is reported in words, nothing is recorded, exit 1', async () => {
    browseAndClick('Deny');
    const result = (await JwtApprove.run(approveArgs())) as JwtApproveBrowserResult;
    const page = await (pageVisit as Promise<Page>);

    expect(result.approval).to.include({ status: 'failed', error: 'access_denied' });
    expect(result.approval.message).to.include('Deny');
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.verification?.cause?.code).to.equal('USER_NOT_APPROVED');
    expect(await page.textContent('h1')).to.include('not approved');
    await page.close();
    expect(approvalsOfCi()).to.deep.equal([]);
  });
});
