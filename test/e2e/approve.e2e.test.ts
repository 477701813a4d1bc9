/*
 * `sf jwt approve` through the real sf CLI, the plugin linked into an isolated HOME, against the emulator:
 * --url-only returns at once; --url-only --wait returns once the approval is given on the emulator's consent
 * page; what Salesforce refuses before sign-in (a redirect URI that is not a callback URL, an unknown client
 * id, an external client app that isn't installed) ends at once with the reason and the fix, exit 1, with no
 * browser opened and nothing recorded; what the flag parser refuses exits 2.
 *
 * "No browser": BROWSER points at a script that records what it is asked to open (the `open` package runs
 * it instead of a browser). The linked plugin runs the compiled lib/: `npm test` builds it first.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { JwtApproveBrowserResult } from '../../src/approve/result.js';
import {
  loadScenario,
  portIsFree,
  startEmulator,
  unusedPort,
  type Emulator,
  CI_CLIENT_ID,
} from '../../emulator/index.js';
import { consent } from '../helpers/consent.js';
import { SERVER_KEY } from '../helpers/keys.js';
import {
  isolatedEnv,
  REPO_ROOT,
  runSf,
  SF_RUN_JS,
  type IsolatedEnv,
  type SfRun,
  jsonResult,
  linkPlugin,
} from '../helpers/env.js';
import { hashTree, keyLine, secretLeaks, treeChanges } from '../helpers/org.js';

const CI_USER_ID = '0055g000000CI01AAG';
const KEY_LINE = keyLine(SERVER_KEY);

const resultOf = (run: SfRun): JwtApproveBrowserResult => jsonResult<JwtApproveBrowserResult>(run);

describe('e2e: sf jwt approve with the real sf CLI', function () {
  this.timeout(240_000);
  let env: IsolatedEnv;
  let browserLog: string;
  let emu: Emulator | undefined;
  let port: number;
  let redirectUri: string;

  before(async () => {
    env = isolatedEnv();
    browserLog = join(env.tmp, 'browser-opened.txt');
    const recorder = join(env.tmp, 'record-browser.sh');
    writeFileSync(recorder, `#!/bin/sh\necho "$@" >> "${browserLog}"\n`);
    chmodSync(recorder, 0o755);
    env.env.BROWSER = recorder;
    await linkPlugin(env);
  });

  after(() => env?.cleanup());

  beforeEach(async () => {
    port = await unusedPort();
    redirectUri = `http://localhost:${port}/OauthRedirect`;
  });

  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  async function start(scenarioName: string, callbackUrls?: string[]): Promise<Emulator> {
    const scenario = loadScenario(scenarioName);
    for (const app of scenario.apps)
      if (app.consumerKey === CI_CLIENT_ID) app.callbackUrls = callbackUrls ?? [redirectUri];
    emu = await startEmulator(scenario);
    return emu;
  }

  const identity = (target: Emulator, clientId = CI_CLIENT_ID): string[] => [
    '--username',
    'ci@acme.com',
    '--client-id',
    clientId,
    '--instance-url',
    target.url,
    '--redirect-uri',
    redirectUri,
  ];

  function expectNoSecrets(run: SfRun): void {
    expect(secretLeaks(`${run.stdout}\n${run.stderr}`, [KEY_LINE]), 'secret in output').to.deep.equal([]);
  }

  it('--url-only returns at once with the URL on stdout, exit 0: no browser, no listener, no login', async () => {
    const target = await start('not-approved');
    const run = await runSf(
      ['jwt', 'approve', ...identity(target), '--url-only', '--jwt-key-file', SERVER_KEY],
      env.env,
    );
    const exitedAt = Date.now();
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(
      /http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?response_type=code&client_id=/,
    );
    expect(run.stdout).to.include('sf jwt diagnose --username ci@acme.com');
    // start-up done, the check sent: from there to the exit is well under 2 s (no wait of any kind)
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /services/oauth2/authorize']);
    expect(exitedAt - Date.parse(target.requests[0].at)).to.be.lessThan(2000);
    expect(existsSync(browserLog), 'a browser was opened').to.equal(false);
    expect(await portIsFree(port)).to.equal(true);
    expectNoSecrets(run);
  });

  it('--url-only --wait 1m returns 0 within a few seconds of the approval on the consent page', async () => {
    const target = await start('not-approved');
    const child = spawn(
      process.execPath,
      [
        SF_RUN_JS,
        'jwt',
        'approve',
        ...identity(target),
        '--url-only',
        '--wait',
        '1m',
        '--jwt-key-file',
        SERVER_KEY,
        '--json',
      ],
      { cwd: REPO_ROOT, env: env.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    try {
      // with --json the URL comes on stderr at once, so a script can hand it on while the command waits
      let url: string | undefined;
      for (let i = 0; i < 600 && !url; i++) {
        url = /(http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?\S+)/.exec(stderr)?.[1];
        // eslint-disable-next-line no-await-in-loop
        if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(url, `no URL on stderr:\n${stderr}`).to.be.a('string');
      // the browser: the consent page, Allow, and the redirect to the listener
      const approvedAt = Date.now();
      const { landing } = await consent(url as string);
      expect(landing).to.include('Approved');
      const code = await exited;
      expect(Date.now() - approvedAt).to.be.lessThan(8000);
      expect(code, stdout + stderr).to.equal(0);
      const result = (JSON.parse(stdout) as { result: JwtApproveBrowserResult }).result;
      expect(result.approval.status).to.equal('approved');
      expect(result.verification?.ok).to.equal(true);
      expect(target.store.data.oauthTokens.filter((t) => t.userId === CI_USER_ID)).to.have.length(1);
      expect(existsSync(browserLog), 'a browser was opened').to.equal(false);
      expect(secretLeaks(`${stdout}\n${stderr}`, [KEY_LINE])).to.deep.equal([]);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });

  it('refusals before sign-in end at once with the reason and the fix, exit 1, no browser, nothing recorded', async () => {
    const cases: Array<{
      scenario: string;
      clientId?: string;
      callbacks?: string[];
      error: string;
      words: RegExp;
      json: boolean;
    }> = [
      {
        scenario: 'not-approved',
        callbacks: ['http://localhost:1717/OauthRedirect'],
        error: 'redirect_uri_mismatch',
        words: /is not one of the app's callback URLs/,
        json: false,
      },
      {
        scenario: 'not-approved',
        clientId: '3MVG9NO.SUCH.APP',
        error: 'invalid_client_id',
        words: /doesn't know this client ID/,
        json: true,
      },
      {
        scenario: 'eca-not-installed',
        error: 'OAUTH_EC_APP_NOT_FOUND',
        words: /external client app isn't installed/,
        json: false,
      },
    ];
    const home = (): Map<string, string> => hashTree(join(env.home, '.sfdx'));
    for (const c of cases) {
      // eslint-disable-next-line no-await-in-loop
      const target = await start(c.scenario, c.callbacks);
      const before = home();
      const argv = ['jwt', 'approve', ...identity(target, c.clientId), '--jwt-key-file', SERVER_KEY];
      // eslint-disable-next-line no-await-in-loop
      const run = await runSf(c.json ? [...argv, '--json'] : argv, env.env);
      const exitedAt = Date.now();
      expect(run.code, `${c.error}: ${run.stdout}${run.stderr}`).to.equal(1);
      if (c.json) {
        const result = resultOf(run);
        expect(run.json?.status).to.equal(1);
        expect(result.approval.status).to.equal('refused');
        expect(result.refusal?.error).to.equal(c.error);
        expect(result.approval.message).to.match(c.words);
        expect(result.approval.actions.length).to.be.greaterThan(0);
      } else {
        // the reason, then the fix; no URL to open (the output is folded to 100 columns: its words, one line each)
        expect(run.stdout.replace(/\n[ \t]*(?=\S)/g, ' ')).to.match(c.words);
        expect(run.stdout).to.include('Next steps');
        expect(run.stdout).to.not.include('Approval URL');
      }
      // once sf has started and sent the check, the refusal ends the run at once (sf's own start-up is not counted)
      expect(target.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['GET /services/oauth2/authorize']);
      const tookMs = exitedAt - Date.parse(target.requests[0].at);
      expect(tookMs, `${c.error} took ${tookMs} ms after the check`).to.be.lessThan(5000);
      // no browser, no listener left, no login, nothing recorded
      expect(existsSync(browserLog), 'a browser was opened').to.equal(false);
      // eslint-disable-next-line no-await-in-loop
      expect(await portIsFree(port)).to.equal(true);
      expect(target.store.changes).to.deep.equal([]);
      expect(target.store.data.oauthTokens.filter((t) => t.userId === CI_USER_ID)).to.deep.equal([]);
      expect(treeChanges(before, home())).to.deep.equal([]);
      expectNoSecrets(run);
      // eslint-disable-next-line no-await-in-loop
      await target.close();
      emu = undefined;
    }
  });

  it('what the flag parser refuses is a usage error: exit 2, nothing sent', async () => {
    const target = await start('not-approved');
    // inside sf, oclif gives these its default exit code 1; the plugin makes them usage errors
    for (const extra of [
      ['--browser', 'safari'],
      ['--username', 'twice@acme.com'],
    ]) {
      // eslint-disable-next-line no-await-in-loop
      const run = await runSf(['jwt', 'approve', ...identity(target), ...extra, '--json'], env.env);
      expect(run.code, `${extra.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(2);
      expect(run.json?.status, extra.join(' ')).to.equal(2);
    }
    const human = await runSf(['jwt', 'approve', ...identity(target), '--browser'], env.env);
    expect(human.code).to.equal(2);
    expect(human.stderr).to.include('--browser').and.include('expects one of these values');
    expect(target.requests).to.deep.equal([]);
  });
});
