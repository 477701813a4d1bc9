/*
 * `sf jwt diagnose` through the real sf CLI: the plugin linked into an isolated HOME, genuine stored
 * logins made by `sf org login jwt` against the emulator, then diagnoses that read them. Each sf run takes
 * 1.5–3 s, so the runs are few and each one carries several assertions.
 *
 * The linked plugin runs the compiled lib/: `npm test` builds it first (`npm run build`).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import { startEmulator, type Emulator, CI_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { SERVER_KEY } from '../helpers/keys.js';
import {
  isolatedEnv,
  runSf,
  sfLoginJwtArgs,
  type IsolatedEnv,
  type SfRun,
  jsonResult,
  linkPlugin,
} from '../helpers/env.js';
import { cliStateTree, isCliLog, keyLine, secretLeaks, treeChanges } from '../helpers/org.js';

/** A line of the key's base64 body: it must never show up in any output. */
const KEY_LINE = keyLine(SERVER_KEY);

function expectNoSecrets(run: SfRun): void {
  expect(secretLeaks(`${run.stdout}\n${run.stderr}`, [KEY_LINE]), 'secret in output').to.deep.equal([]);
}

const resultOf = (run: SfRun): DiagnoseResult => jsonResult<DiagnoseResult>(run);

describe('e2e: sf jwt diagnose with the real sf CLI', function () {
  this.timeout(180_000);
  let emu: Emulator;
  let env: IsolatedEnv;
  let scratch: string;
  let loginUrl: string;
  /** Files under .sfdx and .sf changed by the diagnoses of the first test. */
  let changes: string[] | undefined;

  function loginArgs(username: string, key = SERVER_KEY): string[] {
    return sfLoginJwtArgs(emu.url, username, key);
  }

  before(async () => {
    env = isolatedEnv();
    scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-e2e-key-'));
    // demo: ci@acme.com works, frozen@acme.com is frozen, admin@acme.com can read setup data.
    emu = await startEmulator('demo');
    loginUrl = `${emu.url}/`;

    await linkPlugin(env);

    const ci = await runSf(loginArgs('ci@acme.com'), env.env);
    expect(ci.code, ci.stdout + ci.stderr).to.equal(0);
    // admin@acme.com logs in with a key copy that is deleted afterwards: its stored login keeps a dead
    // key path, while its access token still serves as --admin-org.
    const tempKey = join(scratch, 'admin.key');
    copyFileSync(SERVER_KEY, tempKey);
    const admin = await runSf(loginArgs('admin@acme.com', tempKey), env.env);
    expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
    rmSync(tempKey);
  });

  after(async () => {
    await emu?.close();
    env?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('diagnoses stored logins read-only: a healthy one, a frozen user via --admin-org, a deleted key', async () => {
    const before = cliStateTree(env.home);
    expect([...before.keys()]).to.include.members([
      join('.sfdx', 'ci@acme.com.json'),
      join('.sfdx', 'admin@acme.com.json'),
    ]);
    emu.clearRequests();

    // 1. the genuine stored login of ci@acme.com: client id, key path and login URL come from it
    const healthy = await runSf(['jwt', 'diagnose', '-o', 'ci@acme.com', '--json'], env.env);
    expect(healthy.code, healthy.stdout + healthy.stderr).to.equal(0);
    const ok = resultOf(healthy);
    expect(ok).to.include({ ok: true, cause: null, username: 'ci@acme.com', clientId: CI_CLIENT_ID, loginUrl });
    expect(ok.source).to.deep.equal({ clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: 'stored-auth' });
    expect(healthy.json?.status).to.equal(0);
    expect(emu.requests.filter((r) => r.path === TOKEN_PATH)).to.have.length(1);
    expectNoSecrets(healthy);

    // 2. a frozen user: the server says inactive_user; the admin org's records tell frozen apart
    const frozen = await runSf(
      [
        'jwt',
        'diagnose',
        '-o',
        'frozen@acme.com',
        '-i',
        CI_CLIENT_ID,
        '-f',
        SERVER_KEY,
        '-r',
        emu.url,
        '--admin-org',
        'admin@acme.com',
        '--json',
      ],
      env.env,
    );
    expect(frozen.code, frozen.stdout + frozen.stderr).to.equal(1);
    const frozenResult = resultOf(frozen);
    expect(frozenResult.ok).to.equal(false);
    expect(frozenResult.cause?.code).to.equal('USER_FROZEN');
    expect(frozenResult.checks.find((c) => c.id === 'org-evidence')?.status).to.equal('pass');
    expect(frozen.json?.status).to.equal(1);
    expectNoSecrets(frozen);

    // 3. admin@acme.com's stored login points at a key file that no longer exists
    const vanished = await runSf(['jwt', 'diagnose', '-o', 'admin@acme.com', '--json'], env.env);
    expect(vanished.code, vanished.stdout + vanished.stderr).to.equal(1);
    const vanishedResult = resultOf(vanished);
    expect(vanishedResult.cause?.code).to.equal('KEY_FILE_NOT_FOUND');
    expect(vanishedResult.source?.jwtKeyFile).to.equal('stored-auth');
    expect(vanishedResult.checks.find((c) => c.id === 'token-exchange')?.status).to.equal('skip');
    expectNoSecrets(vanished);

    // auth files, key store, aliases and config are byte-identical
    changes = treeChanges(before, cliStateTree(env.home));
    expect(changes.filter((change) => !isCliLog(change))).to.deep.equal([]);
  });

  it('writes nothing to the CLI’s own log while diagnosing', () => {
    // Core logs a warning to ~/.sf/sf-<date>.log when a message is given tokens it has no %s for.
    expect(changes, 'files changed by the diagnoses above').to.not.equal(undefined);
    expect(changes?.filter(isCliLog)).to.deep.equal([]);
  });

  it('shows help with the flags, exit 0', async () => {
    const help = await runSf(['jwt', 'diagnose', '--help'], env.env);
    expect(help.code, help.stderr).to.equal(0);
    for (const flag of [
      '--username',
      '--client-id',
      '--jwt-key-file',
      '--instance-url',
      '--admin-org',
      '--app-name',
      '--cert-file',
      '--all',
      '--timeout',
    ]) {
      expect(help.stdout).to.include(flag);
    }
    // the login-only flags are accepted but hidden
    expect(help.stdout).to.not.include('--set-default-dev-hub');
  });
});
