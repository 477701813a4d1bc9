/*
 * `sf jwt setup` from the packed plugin, installed into the real sf as users install it (scripts/lib.ts), against
 * the emulator's org without any external client app (eca-setup), whose deploys propagate after a moment. The
 * admin logs in with the real `sf org login jwt`; the setup makes the key, the app, the permission set and the
 * assignment and verifies the login; then a real `sf org login jwt` with exactly the line it printed logs in,
 * and `sf org display` / `sf org list` use the login the setup stored.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { installPackedPlugin, packCleanCopy } from '../../scripts/lib.js';
import type { JwtSetupResult } from '../../src/setup/result.js';
import { loadScenario, startEmulator, type Emulator, ADMIN_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { fixtureKey } from '../helpers/keys.js';
import { isolatedEnv, jsonResult, runSf, sfLoginJwtArgs, type IsolatedEnv } from '../helpers/env.js';
import { keyLine, printedTableRows, secretLeaks } from '../helpers/org.js';

describe('e2e: sf jwt setup from the packed plugin, then a real sf org login jwt with what it printed', function () {
  this.timeout(600_000);
  let scratch: string;
  let env: IsolatedEnv;
  let emu: Emulator;
  let dir: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-setup-e2e-'));
    env = isolatedEnv();
    installPackedPlugin(packCleanCopy(scratch), env.home);
    const scenario = loadScenario('eca-setup');
    scenario.org.propagationDelayMs = 1500;
    emu = await startEmulator(scenario);
    const admin = await runSf(
      [
        ...sfLoginJwtArgs(emu.url, 'admin@acme.com', fixtureKey('server.key'), { clientId: ADMIN_CLIENT_ID }),
        '--alias',
        'acme-admin',
      ],
      env.env,
    );
    expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
    dir = join(scratch, 'jwt');
  });

  after(async () => {
    await emu?.close();
    env?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('sets up a verified JWT login from nothing; sf org login jwt with the printed line logs in', async () => {
    emu.clearRequests();
    const run = await runSf(
      [
        'jwt',
        'setup',
        '--admin-org',
        'acme-admin',
        '--username',
        'ci@acme.com',
        '--output-dir',
        dir,
        '--no-store',
        '--json',
      ],
      env.env,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = jsonResult<JwtSetupResult>(run);
    expect(result.ok).to.equal(true);
    expect(result.steps.map((s) => [s.id, s.action])).to.deep.equal([
      ['key', 'created'],
      ['preflight', 'already present'],
      ['app', 'created'],
      ['permission-set', 'created'],
      ['assignment', 'created'],
      ['verify', 'created'],
    ]);
    expect(result.keyFile).to.equal(join(dir, 'server.key'));
    expect(result.verification?.ok).to.equal(true);
    // the new app propagated while the setup retried: refused first, then accepted
    const logins = emu.requests.filter((r) => r.path === TOKEN_PATH && r.sub === 'ci@acme.com');
    expect(logins[0].error).to.equal('app_not_found');
    expect(logins.at(-1)?.status).to.equal(200);
    // no key, token or secret anywhere
    expect(secretLeaks(`${run.stdout}\n${run.stderr}`, [keyLine(result.keyFile)])).to.deep.equal([]);

    // the printed line, as CI would paste it
    const line = result.loginCommand ?? '';
    expect(line).to.match(
      /^sf org login jwt --username ci@acme\.com --client-id 3MVG9\w{80} --jwt-key-file \S+ --instance-url \S+$/,
    );
    const login = await runSf([...line.split(' ').slice(1), '--json'], env.env);
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    expect(jsonResult<{ username: string; orgId: string }>(login)).to.include({
      username: 'ci@acme.com',
      orgId: '00D5g000000EMU1EAO',
    });
    const display = await runSf(['org', 'display', '--target-org', 'ci@acme.com', '--json'], env.env);
    expect(display.code, display.stderr).to.equal(0);
    expect(jsonResult<{ connectedStatus: string }>(display).connectedStatus).to.equal('Connected');
  });

  it('run again with an alias: nothing deployed, the login stored as sf org login jwt stores it, usable by sf', async () => {
    const deploys = emu.store.deploys.length;
    const run = await runSf(
      ['jwt', 'setup', '--admin-org', 'acme-admin', '-o', 'ci@acme.com', '--output-dir', dir, '--alias', 'ci-jwt'],
      env.env,
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    // the steps table, read by its rows whatever the width folded: the app is there as it should be
    const steps = new Map(printedTableRows(run.stdout).map(([step, action]) => [step, action]));
    expect(steps.get('app'), run.stdout).to.equal('already present');
    expect(steps.get('store'), run.stdout).to.equal('updated');
    expect(run.stdout).to.include('CI logs in with:');
    expect(run.stdout).to.match(/sf org login jwt --username ci@acme\.com .* --alias ci-jwt/);
    expect(emu.store.deploys).to.have.length(deploys);
    expect(secretLeaks(`${run.stdout}\n${run.stderr}`, [keyLine(join(dir, 'server.key'))])).to.deep.equal([]);

    const display = await runSf(['org', 'display', '--target-org', 'ci-jwt', '--json'], env.env);
    expect(display.code, display.stderr).to.equal(0);
    expect(jsonResult<{ username: string; connectedStatus: string }>(display)).to.include({
      username: 'ci@acme.com',
      connectedStatus: 'Connected',
    });
    const list = await runSf(['org', 'list', '--json'], env.env);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.include('"alias": "ci-jwt"');
    // the auth file keeps the key's path, never its content
    const auth = readFileSync(join(env.home, '.sfdx', 'ci@acme.com.json'), 'utf8');
    expect(auth).to.include(join(dir, 'server.key'));
    expect(secretLeaks(auth, [keyLine(join(dir, 'server.key'))])).to.deep.equal([]);
  });
});
