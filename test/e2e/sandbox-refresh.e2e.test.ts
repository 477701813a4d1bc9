/*
 * The README's sandbox-refresh script (scripts/sandbox-refresh-example.sh) against the emulator, with the
 * real sf CLI and the plugin linked into an isolated HOME. With an app named by its consumer key: an
 * admin-approved app whose CI user has no grant (as after a refresh), a grant that takes a few seconds to apply;
 * the script grants, waits, and ends with a passing diagnose (exit 0). A second run changes nothing and passes
 * too. Without one, `sf jwt setup`: a sandbox without the external client app gets it, then a refresh that lost
 * the assignment gets only that back.
 *
 * The linked plugin runs the compiled lib/: `npm test` builds it first (`npm run build`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, CI_CLIENT_ID, ADMIN_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { SERVER_KEY } from '../helpers/keys.js';
import { isolatedEnv, REPO_ROOT, runSf, sfLoginJwtArgs, type IsolatedEnv, linkPlugin } from '../helpers/env.js';
import { keyLine, secretLeaks } from '../helpers/org.js';

const KEY_LINE = keyLine(SERVER_KEY);
const SCRIPT = join(REPO_ROOT, 'scripts', 'sandbox-refresh-example.sh');

type ScriptRun = { code: number | null; stdout: string; stderr: string };

function runScript(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('e2e: the sandbox-refresh script with the real sf CLI', function () {
  this.timeout(300_000);
  let emu: Emulator;
  let env: IsolatedEnv;
  let scriptEnv: NodeJS.ProcessEnv;

  before(async () => {
    env = isolatedEnv();
    // Admin_App is admin-approved; only the System Administrator profile grants it: ci@acme.com is not pre-authorized.
    emu = await startEmulator('admin-approved-no-grant');
    await linkPlugin(env);
    const admin = await runSf(
      [...sfLoginJwtArgs(emu.url, 'admin@acme.com', SERVER_KEY), '--alias', 'sandbox-admin'],
      env.env,
    );
    expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
    scriptEnv = {
      ...env.env,
      ADMIN_ORG: 'sandbox-admin',
      JWT_USERNAME: 'ci@acme.com',
      JWT_CLIENT_ID: ADMIN_CLIENT_ID,
      JWT_KEY_FILE: SERVER_KEY,
      INSTANCE_URL: emu.url,
      WAIT: '2m',
    };
    emu.clearRequests();
  });

  after(async () => {
    await emu?.close();
    env?.cleanup();
  });

  function expectClean(run: ScriptRun): void {
    expect(secretLeaks(`${run.stdout}\n${run.stderr}`, [KEY_LINE]), 'secret in output').to.deep.equal([]);
  }

  it('grants, waits for the grant to apply, and ends with a passing diagnose', async () => {
    // the grant applies only 3 seconds after the first login attempt sees it (as after a refresh)
    const ci = emu.store.data.users.find((u) => u.username === 'ci@acme.com');
    expect(ci).to.not.equal(undefined);
    Object.assign(ci as object, { approvalPending: true, propagationDelayMs: 3000 });

    const run = await runScript(scriptEnv);
    expectClean(run);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.include('records created: 1');
    expect(run.stdout).to.include('The JWT login of ci@acme.com works.');
    expect(emu.store.changes.map((c) => [c.op, c.sobject])).to.deep.equal([['create', 'PermissionSetAssignment']]);
    expect(emu.store.changes[0].fields).to.include({ AssigneeId: ci?.id });

    // the JWT login was retried until the grant applied: refused first, then accepted
    const jwtCalls = emu.requests.filter(
      (r) => r.path === TOKEN_PATH && r.sub === 'ci@acme.com' && r.aud === `${emu.url}/`,
    );
    expect(jwtCalls.length).to.be.greaterThan(2);
    expect(jwtCalls[0].error).to.equal('invalid_grant');
    expect(jwtCalls.at(-1)?.status).to.equal(200);
  });

  it('a second run changes nothing and still passes', async () => {
    const before = emu.store.changes.length;
    const run = await runScript(scriptEnv);
    expectClean(run);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.include('records created: 0');
    expect(run.stdout).to.include('Nothing to change');
    expect(emu.store.changes.length).to.equal(before);
  });

  it('changes nothing for a self-authorize app and passes when the user’s own approval works', async () => {
    const before = emu.store.changes.length;
    const run = await runScript({
      ...scriptEnv,
      JWT_CLIENT_ID: CI_CLIENT_ID,
      JWT_USERNAME: 'admin@acme.com',
      WAIT: '0',
    });
    expectClean(run);
    // admin@acme.com approved CI_App already: nothing to grant, and the login works
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.include('self-authorize');
    // the ways forward as lines, not as a JSON array
    expect(run.stdout).to.include('The ways forward:\n  - ');
    expect(`${run.stdout}${run.stderr}`).to.not.include('["');
    expect(emu.store.changes.length).to.equal(before);
  });

  it("takes the login URL from the admin org when INSTANCE_URL is not set (the sandbox's My Domain)", async () => {
    const { INSTANCE_URL: given, ...withoutUrl } = scriptEnv;
    expect(given).to.equal(emu.url);
    const run = await runScript(withoutUrl);
    expectClean(run);
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.stdout).to.match(/^Login URL: http:\/\/127\.0\.0\.1:\d+\/? \(the instance URL of sandbox-admin/m);
    expect(run.stdout).to.include('The JWT login of ci@acme.com works.');
  });

  describe('without a client id: sf jwt setup', () => {
    let eca: Emulator;
    let ecaEnv: IsolatedEnv;
    let setupEnv: NodeJS.ProcessEnv;

    before(async () => {
      // its own HOME: the login the setup stores must not meet the other org's
      ecaEnv = isolatedEnv();
      eca = await startEmulator('eca-setup');
      await linkPlugin(ecaEnv);
      const admin = await runSf(
        [
          ...sfLoginJwtArgs(eca.url, 'admin@acme.com', SERVER_KEY, { clientId: ADMIN_CLIENT_ID }),
          '--alias',
          'uat-admin',
        ],
        ecaEnv.env,
      );
      expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
      setupEnv = {
        ...ecaEnv.env,
        ADMIN_ORG: 'uat-admin',
        JWT_USERNAME: 'ci@acme.com',
        JWT_KEY_FILE: SERVER_KEY,
        WAIT: '2m',
      };
    });

    after(async () => {
      await eca?.close();
      ecaEnv?.cleanup();
    });

    it('creates the external client app, grants and assigns it, verifies and stores the login', async () => {
      const run = await runScript(setupEnv);
      expectClean(run);
      expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout).to.include('1/2 Setting up sf_jwt for ci@acme.com');
      for (const step of [
        'key: created',
        'app: created',
        'permission-set: created',
        'assignment: created',
        'store: created',
      ]) {
        expect(run.stdout).to.include(step);
      }
      expect(run.stdout).to.match(
        /The JWT login of ci@acme\.com works\. CI can log in with:\n\s+sf org login jwt --username ci@acme\.com --client-id 3MVG9\w+ /,
      );
      expect(eca.store.data.apps.some((a) => a.name === 'sf_jwt' && a.kind === 'ExternalClientApplication')).to.equal(
        true,
      );
    });

    it('after a refresh that lost the assignment: only the assignment is made again, nothing is deployed', async () => {
      const deploys = eca.store.deploys.length;
      const ci = eca.store.data.users.find((u) => u.username === 'ci@acme.com');
      const jwtAccess = eca.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
      eca.store.data.permissionSetAssignments = eca.store.data.permissionSetAssignments.filter(
        (a) => !(a.assigneeId === ci?.id && a.permissionSetId === jwtAccess?.id),
      );
      const run = await runScript(setupEnv);
      expectClean(run);
      expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
      expect(run.stdout).to.include('app: already present');
      expect(run.stdout).to.include('assignment: created');
      expect(eca.store.deploys).to.have.length(deploys);
    });
  });
});
