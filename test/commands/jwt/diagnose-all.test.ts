/*
 * `sf jwt diagnose --all` over a fleet of stored JWT logins (the emulator's fleet scenario, logins stored the
 * real way through core's AuthInfo): counts per cause, the human output for many logins, auth files that
 * cannot be read, no CLI state created, bounded concurrency, progress, and a run that ends within about one
 * --timeout when every org hangs.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { Connection, Global } from '@salesforce/core';
import { ux as oclifUx } from '@oclif/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtDiagnose from '../../../src/commands/jwt/diagnose.js';
import { diagnoseAll, type DiagnoseAllResult } from '../../../src/diagnose/fleet.js';
import { http } from '../../../src/utils/http.js';
import { fleetScenario, fleetUsername, startEmulator, TOKEN_PATH, type Emulator } from '../../../emulator/index.js';
import { SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  hashTree,
  secretLeaks,
  storeJwtLogin,
  tableRows,
  treeChanges,
  endCommandTest,
  useTempHome,
  type TempHome,
} from '../../helpers/org.js';

const FLEET = 12;
const realPostForm = http.postForm;

/** Runs `fn` with process.stderr seen as a terminal or not, whatever the test runner's stderr is. */
async function withStderrTerminal<T>(terminal: boolean, fn: () => Promise<T>): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: terminal, configurable: true, writable: true });
  try {
    return await fn();
  } finally {
    if (own) Object.defineProperty(process.stderr, 'isTTY', own);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
}

describe('jwt diagnose --all: a fleet of stored logins', function () {
  this.timeout(120_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let scratch: string;
  let tokens: string[];

  /** Stores FLEET logins of the fleet scenario; user 4's key file is deleted afterwards. */
  async function storeFleet(): Promise<void> {
    for (let i = 1; i <= FLEET; i++) {
      const keyFile = i === 4 ? join(scratch, 'ci004.key') : SERVER_KEY;
      if (i === 4) copyFileSync(SERVER_KEY, keyFile);
      // eslint-disable-next-line no-await-in-loop -- one login after another, as a CI machine collects them
      const stored = await storeJwtLogin({
        username: fleetUsername(i),
        keyFile,
        loginUrl: emu.url,
      });
      tokens.push(stored.accessToken);
    }
    rmSync(join(scratch, 'ci004.key'));
    emu.clearRequests();
  }

  /** Sets user flags through the emulator's control API, as an admin would change the org. */
  async function patchUser(username: string, patch: Record<string, unknown>): Promise<void> {
    const answer = await fetch(`${emu.url}/__users/${encodeURIComponent(username)}`, {
      method: 'PATCH',
      body: JSON.stringify(patch),
    });
    expect(answer.status).to.equal(200);
  }

  const tokenRequests = (): number => emu.requests.filter((r) => r.path === TOKEN_PATH).length;

  beforeEach(async () => {
    home = useTempHome();
    scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-fleet-'));
    tokens = [];
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    emu = await startEmulator(fleetScenario(FLEET));
    await storeFleet();
  });

  afterEach(async () => {
    await endCommandTest(sandbox, emu, home);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('counts every cause, lists unreadable auth files, shows causes then failing rows, and creates nothing', async () => {
    await patchUser(fleetUsername(2), { approvalPending: true });
    await patchUser(fleetUsername(3), { approvalPending: true });
    await patchUser(fleetUsername(5), { isActive: false });
    // two stored login files that cannot be used: not JSON, and a directory where a file should be
    writeFileSync(join(Global.SFDX_DIR, 'broken@fleet.acme.com.json'), '{"username": "broken@fl');
    mkdirSync(join(Global.SFDX_DIR, 'folder@fleet.acme.com.json'));
    // a CLI whose key file and alias file are gone: --all must not create them
    rmSync(join(Global.SFDX_DIR, 'key.json'), { force: true });
    rmSync(join(Global.SFDX_DIR, 'alias.json'), { force: true });
    const before = hashTree(home.home);

    const all = (await JwtDiagnose.run(['--all'])) as DiagnoseAllResult;

    expect(treeChanges(before, hashTree(home.home)), 'files under HOME changed').to.deep.equal([]);
    expect(Object.keys(all).sort(), 'the JSON shape of --all').to.deep.equal(['orgs', 'summary']);
    expect(all.summary).to.deep.equal({
      total: FLEET + 2,
      ok: FLEET - 4,
      failed: 6,
      causes: { USER_NOT_APPROVED: 2, USER_INACTIVE: 1, KEY_FILE_NOT_FOUND: 1, UNKNOWN_ERROR: 2 },
    });
    expect(process.exitCode).to.equal(1);
    const byUser = Object.fromEntries(all.orgs.map((org) => [org.username, org]));
    expect(byUser['broken@fleet.acme.com'].cause?.message)
      .to.include('broken@fleet.acme.com.json')
      .and.include('not JSON');
    expect(byUser['folder@fleet.acme.com'].cause?.message).to.include('it is a directory').and.not.include('EISDIR');
    expect(byUser['broken@fleet.acme.com'].checks).to.deep.include({
      id: 'inputs',
      status: 'fail',
      code: 'UNKNOWN_ERROR',
      message: byUser['broken@fleet.acme.com'].cause?.message,
      actions: byUser['broken@fleet.acme.com'].cause?.actions,
    });
    // one token request per working login; a failing one also tries its other pairs against the same host
    expect(tokenRequests()).to.equal(FLEET - 4 + 3 * 3);

    // human output: one line with the count first, then the causes (most frequent first), then each failing
    // login with its next command; the logins that work are only counted
    const logged = ux.log.args.map((args) => String(args[0]));
    expect(logged[0]).to.equal(`${FLEET - 4} of ${FLEET + 2} JWT logins work (--verbose lists the ones that work).`);
    expect(logged.filter((line) => line.includes('JWT logins work'))).to.have.length(1);
    const titles = ux.table.getCalls().map((call) => (call.args[0] as { title?: string }).title);
    expect(titles).to.deep.equal(['Causes']);
    expect(tableRows(ux)).to.deep.equal([
      { Cause: 'UNKNOWN_ERROR', Logins: '2' },
      { Cause: 'USER_NOT_APPROVED', Logins: '2' },
      { Cause: 'KEY_FILE_NOT_FOUND', Logins: '1' },
      { Cause: 'USER_INACTIVE', Logins: '1' },
    ]);
    const items = logged.filter((line) => line.startsWith('  - '));
    expect(items.map((line) => /^ {2}- (\S+):/.exec(line)?.[1])).to.deep.equal([
      'broken@fleet.acme.com',
      fleetUsername(2),
      fleetUsername(3),
      fleetUsername(4),
      fleetUsername(5),
      'folder@fleet.acme.com',
    ]);
    // each failing login: its cause and reason, then the command to run next on a line of its own
    const next = (username: string): string =>
      logged[logged.findIndex((line) => line.startsWith(`  - ${username}:`)) + 1];
    expect(logged.find((line) => line.startsWith(`  - ${fleetUsername(2)}:`))).to.match(/: USER_NOT_APPROVED\. /);
    expect(next(fleetUsername(2))).to.equal(
      `    sf jwt diagnose --username ${fleetUsername(2)} --admin-org <admin org alias>`,
    );
    expect(next(fleetUsername(4))).to.equal(`    sf jwt diagnose --username ${fleetUsername(4)}`);
    // the placeholder is said for what it is
    expect(logged.join('\n')).to.include('In place of <admin org alias>, put the alias or username');
    expect(ux.warn.args.flat().join('\n')).to.include('key.json').and.include('was not created');
    expect(secretLeaks(`${capturedOutput(ux)}\n${JSON.stringify(all)}`, tokens)).to.deep.equal([]);
  });

  it('treats a stored login URL with a password as a single diagnosis does: refused, the password never repeated', async () => {
    const password = 'Stored-Pa55word';
    const file = join(Global.SFDX_DIR, `${fleetUsername(1)}.json`);
    const auth = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...auth, loginUrl: emu.url.replace('http://', `http://ci:${password}@`) }));

    const all = (await JwtDiagnose.run(['--all'])) as DiagnoseAllResult;

    const row = all.orgs.find((org) => org.username === fleetUsername(1));
    expect(row?.cause?.code).to.equal('LOGIN_URL_INVALID');
    expect(row?.cause?.message).to.include('contains a user name or password');
    expect(row?.loginUrl).to.equal(emu.url.replace('http://', 'http://****@'));
    expect(`${capturedOutput(ux)}\n${JSON.stringify(all)}`).not.to.include(password);
  });

  it('--admin-org: the admin org is opened once per run, and its records decide each failing login', async () => {
    await storeJwtLogin({
      username: 'admin@acme.com',
      loginUrl: emu.url,
      alias: 'fleet-admin',
    });
    await patchUser(fleetUsername(2), { approvalPending: true });
    await patchUser(fleetUsername(3), { approvalPending: true });
    await patchUser(fleetUsername(5), { isActive: false });
    const opened = sandbox.spy(Connection, 'create');

    const all = (await JwtDiagnose.run(['--all', '--admin-org', 'fleet-admin'])) as DiagnoseAllResult;

    expect(opened.callCount, 'admin org connections opened').to.equal(1);
    const byUser = Object.fromEntries(all.orgs.map((org) => [org.username, org]));
    for (const username of [fleetUsername(2), fleetUsername(3), fleetUsername(5)]) {
      const evidence = byUser[username].checks.find((check) => check.id === 'org-evidence');
      expect(evidence?.status, `${username}: ${evidence?.message ?? ''}`).to.equal('pass');
    }
    expect(byUser[fleetUsername(5)].cause?.code).to.equal('USER_INACTIVE');
    expect(all.summary).to.include({ total: FLEET + 1, ok: FLEET - 3, failed: 4 });
  });

  it('--verbose lists the logins that work too', async () => {
    const all = (await JwtDiagnose.run(['--all', '--verbose'])) as DiagnoseAllResult;
    expect(all.summary).to.include({ total: FLEET, ok: FLEET - 1, failed: 1 });
    const calls = ux.table.getCalls().map((call) => call.args[0] as { title?: string; data: unknown[] });
    expect(calls.map((c) => c.title)).to.deep.equal(['Causes', 'Logins that work']);
    expect(calls[1].data).to.have.length(FLEET - 1);
    expect(calls[1].data[0]).to.deep.equal({ Username: fleetUsername(1), 'Login URL': `${emu.url}/` });
    expect(ux.log.firstCall.args[0]).to.equal(`${FLEET - 1} of ${FLEET} JWT logins work.`);
  });

  it('diagnoses at most --concurrency logins at a time, and reports progress', async () => {
    emu.setFaults({ latencyMs: 40 });
    let inFlight = 0;
    let maxInFlight = 0;
    sandbox.stub(http, 'postForm').callsFake(async (url: string, form: Record<string, string>, timeoutMs: number) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await realPostForm(url, form, timeoutMs);
      } finally {
        inFlight--;
      }
    });
    const progress: Array<{ done: number; total: number; failed: number }> = [];
    const all = await diagnoseAll({ timeoutMs: 10_000, concurrency: 3, onProgress: (p) => progress.push(p) });
    expect(all.summary).to.include({ total: FLEET, failed: 1 });
    expect(maxInFlight).to.be.within(2, 3);
    expect(progress.map((p) => p.done)).to.deep.equal(Array.from({ length: FLEET }, (_, i) => i + 1));
    expect(progress.at(-1)).to.deep.equal({ done: FLEET, total: FLEET, failed: 1 });

    // the command shows it on stderr: without a terminal, a line per tenth of the logins (none with --json)
    await withStderrTerminal(false, () => JwtDiagnose.run(['--all', '--concurrency', '2']));
    const lines = ux.logToStderr.args.flat() as string[];
    expect(lines.length).to.be.within(6, 12);
    expect(lines.at(-1)).to.equal(`Diagnosing the JWT logins stored in the CLI: ${FLEET} of ${FLEET} done, 1 failing`);
    ux.logToStderr.resetHistory();
    await withStderrTerminal(false, () => JwtDiagnose.run(['--all', '--json']));
    expect(ux.logToStderr.called).to.equal(false);

    // on a terminal, the spinner's status changes in place instead: no lines
    sandbox.replace(oclifUx.action as unknown as { type: string }, 'type', 'spinner');
    await withStderrTerminal(true, () => JwtDiagnose.run(['--all', '--concurrency', '2']));
    expect(ux.logToStderr.called).to.equal(false);
  });

  it('ends within about one --timeout when every org hangs: the host is learned once, not once per login', async () => {
    emu.setFaults({ hang: true });
    const started = Date.now();
    const all = (await JwtDiagnose.run([
      '--all',
      '--timeout',
      '1',
      '--concurrency',
      '2',
      '--json',
    ])) as DiagnoseAllResult;
    const elapsed = Date.now() - started;
    // one login after another, two at a time, would take FLEET / 2 timeouts
    expect(elapsed, `${elapsed} ms`).to.be.below(3500);
    expect(tokenRequests(), 'one request to the hanging host').to.equal(1);
    expect(all.summary).to.include({ total: FLEET, ok: 0, failed: FLEET });
    expect(all.summary.causes).to.deep.equal({ NETWORK_ERROR: FLEET - 1, KEY_FILE_NOT_FOUND: 1 });
    const waited = all.orgs.filter((org) => org.attempts[0]?.message?.includes('could not be reached earlier'));
    expect(waited).to.have.length(FLEET - 2);
  });
});
