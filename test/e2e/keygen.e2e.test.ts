/*
 * `sf jwt keygen` end to end: the built plugin (bin/run.js) writes a key and certificate; registering that
 * certificate on an emulated app lets the real `sf org login jwt` log in with the generated key, and
 * `sf jwt diagnose --cert-file` accepts the pair.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenario, startEmulator, type Emulator, CI_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { isolatedEnv, REPO_ROOT, runSf, sfLoginJwtArgs, type IsolatedEnv } from '../helpers/env.js';

type PluginRun = { code: number | null; json: Record<string, unknown>; stdout: string; stderr: string };

/** Runs the built plugin (bin/run.js) asynchronously: the emulator answers from this same process. */
function plugin(args: string[], env: NodeJS.ProcessEnv): Promise<PluginRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'jwt', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = {};
      }
      resolve({ code, json, stdout, stderr });
    });
  });
}

describe('e2e: sf jwt keygen with the real sf org login jwt', function () {
  this.timeout(120_000);
  let sandbox: IsolatedEnv;
  let emu: Emulator | undefined;

  before(() => {
    try {
      statSync(join(REPO_ROOT, 'lib', 'commands', 'jwt', 'keygen.js'));
    } catch {
      throw new Error('lib/ is missing: run "npm run build" first (npm test does)');
    }
  });
  beforeEach(() => {
    sandbox = isolatedEnv();
  });
  afterEach(async () => {
    sandbox.cleanup();
    await emu?.close();
    emu = undefined;
  });

  it('makes a pair the real CLI logs in with once the certificate is on the app', async () => {
    const dir = join(sandbox.tmp, 'jwt');
    const made = await plugin(['keygen', '--output-dir', dir, '--json'], sandbox.env);
    expect(made.code, made.stderr).to.equal(0);
    const result = made.json.result as { keyFile: string; certFile: string; bits: number; fingerprint: string };
    expect(result.bits).to.equal(2048);
    expect(statSync(result.keyFile).mode & 0o777).to.equal(0o600);
    expect(made.stdout).not.to.contain('PRIVATE KEY');

    // the generated certificate, inline, on the emulated app
    const scenario = loadScenario('healthy');
    const app = scenario.apps.find((a) => a.consumerKey === CI_CLIENT_ID);
    if (!app) throw new Error('healthy scenario has no CI app');
    app.certificate = readFileSync(result.certFile, 'utf8');
    emu = await startEmulator(scenario);

    const login = await runSf(sfLoginJwtArgs(emu.url, 'ci@acme.com', result.keyFile), sandbox.env);
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    expect(emu.requests.find((r) => r.path === TOKEN_PATH)?.status).to.equal(200);

    const diagnosed = await plugin(
      ['diagnose', '-o', 'ci@acme.com', '--cert-file', result.certFile, '--json'],
      sandbox.env,
    );
    expect(diagnosed.code, diagnosed.stdout + diagnosed.stderr).to.equal(0);
    const diagnosis = diagnosed.json.result as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(diagnosis.ok).to.equal(true);
    expect(diagnosis.checks.find((c) => c.id === 'cert')?.status).to.equal('pass');
  });

  it('refuses --bits 1024 with the reason and writes nothing', async () => {
    const dir = join(sandbox.tmp, 'weak');
    const refused = await plugin(['keygen', '--output-dir', dir, '--bits', '1024', '--json'], sandbox.env);
    expect(refused.code).to.equal(2);
    expect(String(refused.json.message)).to.match(/2048/);
    expect(() => statSync(join(dir, 'server.key'))).to.throw();
  });
});
