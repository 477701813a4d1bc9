/*
 * The plugin as users install it. `npm pack` runs in a clean copy of this repository (no lib/, no manifest:
 * the package's prepack must build them, and the bundle of the commands), the tarball is installed with npm,
 * production dependencies only, into a scratch CLI data directory (the layout `sf plugins install` makes),
 * and the real sf runs the plugin from there against the emulator.
 *
 * The suite runs offline (a loopback-only network namespace), so the registry is out of reach: the
 * production dependencies come from this checkout's node_modules, at the versions package-lock.json pins,
 * and npm installs the tarball itself with --offline (scripts/lib.ts, installPackedPlugin, says how). The
 * npm cache is no alternative here: after `npm ci` it holds the tarballs but not the registry metadata an
 * install without a lock file needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { installPackedPlugin, packCleanCopy } from '../../scripts/lib.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import { startEmulator, TOKEN_PATH, type Emulator, CI_CLIENT_ID, ADMIN_CLIENT_ID } from '../../emulator/index.js';
import { SERVER_KEY } from '../helpers/keys.js';
import { isolatedEnv, runSf, type IsolatedEnv, type SfRun, jsonResult } from '../helpers/env.js';

const resultOf = (run: SfRun): DiagnoseResult => jsonResult<DiagnoseResult>(run);

describe('e2e: the packed plugin, installed from its tarball into the real sf', function () {
  this.timeout(600_000);
  let scratch: string;
  let tarball: string;
  let plugin: string;
  let env: IsolatedEnv;
  let emu: Emulator;

  /** The flags of `sf org login jwt` for a user of the emulated org (admin-approved-no-grant). */
  const identity = (username: string, clientId: string): string[] => [
    '--username',
    username,
    '--client-id',
    clientId,
    '--jwt-key-file',
    SERVER_KEY,
    '--instance-url',
    emu.url,
  ];
  const tokenRequests = (): number => emu.requests.filter((r) => r.path === TOKEN_PATH).length;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-packed-'));
    env = isolatedEnv();
    tarball = packCleanCopy(scratch);
    plugin = installPackedPlugin(tarball, env.home);
    // admin@acme.com logs in with CI_App; ci@acme.com is refused with Admin_App (not pre-authorized)
    emu = await startEmulator('admin-approved-no-grant');
  });

  after(async () => {
    await emu?.close();
    env?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs a complete plugin from a clean copy: built commands, their bundle, manifest, messages, schemas and the example script', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const file of [
      'package/package.json',
      'package/oclif.manifest.json',
      'package/messages/jwt.diagnose.md',
      'package/lib/commands/jwt/diagnose.js',
      'package/lib/bundle/diagnose.js',
      'package/lib/bundle/sf-plugins-core/messages/messages.md',
      'package/schemas/jwt-diagnose.json',
      'package/schemas/jwt-approve.json',
      'package/schemas/jwt-status.json',
      'package/schemas/jwt-keygen.json',
      'package/scripts/sandbox-refresh-example.sh',
    ]) {
      expect(files, file).to.include(file);
    }
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).to.deep.equal([]);
    expect(files.filter((f) => f.startsWith('package/scripts/'))).to.deep.equal([
      'package/scripts/sandbox-refresh-example.sh',
    ]);
    // npm installed it as a user plugin of the CLI, with its own production dependencies
    expect(existsSync(join(plugin, 'lib', 'bundle', 'diagnose.js'))).to.equal(true);
    expect(readdirSync(join(env.home, '.local', 'share', 'sf', 'node_modules'))).to.include.members([
      'plugin-jwt',
      '@salesforce',
      '@oclif',
      'jose',
    ]);
  });

  it('runs through the real sf: the plugin is found, a healthy and a failing diagnosis are right', async () => {
    const which = await runSf(['which', 'jwt', 'diagnose', '--json'], env.env);
    expect(which.code, which.stderr).to.equal(0);
    expect(JSON.stringify(which.json)).to.include('plugin-jwt');

    emu.clearRequests();
    const healthy = await runSf(['jwt', 'diagnose', ...identity('admin@acme.com', CI_CLIENT_ID), '--json'], env.env);
    expect(healthy.code, healthy.stdout + healthy.stderr).to.equal(0);
    expect(resultOf(healthy)).to.include({ ok: true, cause: null, username: 'admin@acme.com' });
    expect(tokenRequests()).to.equal(1);

    const failing = await runSf(['jwt', 'diagnose', ...identity('ci@acme.com', ADMIN_CLIENT_ID)], env.env);
    expect(failing.code, failing.stdout + failing.stderr).to.equal(1);
    // the verdict first: the first line names the cause
    expect(failing.stdout.split('\n')[0]).to.match(/^The JWT login of ci@acme\.com fails \(USER_NOT_APPROVED\): /);
    expect(failing.stdout).to.include('Next steps:');
    expect(`${failing.stdout}${failing.stderr}`).to.not.match(/\n\s+at .*\(.*:\d+:\d+\)/);
  });

  it("shows each command's help as sf does: required flags, a clean usage line, a short summary, exit codes", async () => {
    for (const command of ['diagnose', 'approve', 'status', 'keygen']) {
      // eslint-disable-next-line no-await-in-loop -- one help after another
      const help = await runSf(['jwt', command, '--help'], { ...env.env, COLUMNS: '80' });
      expect(help.code, help.stderr).to.equal(0);
      const [summary] = help.stdout.split('\n');
      expect(summary.length, `${command}: ${summary}`).to.be.at.most(80);
      const usage = /USAGE\n([\s\S]*?)\n\n/.exec(help.stdout)?.[1] ?? '';
      expect(usage, command).to.include(`$ sf jwt ${command}`);
      expect(usage, command).to.not.match(/ \]|\| \]|\[ /);
      expect(help.stdout, command).to.include('EXIT CODES');
      if (command === 'status') expect(usage).to.match(/\$ sf jwt status --admin-org <value> -o <value> /);
    }
  });

  it('logs to the sf log file when asked (SF_LOG_LEVEL=debug), and to the terminal with DEBUG', async () => {
    const login = await runSf(['org', 'login', 'jwt', ...identity('admin@acme.com', CI_CLIENT_ID)], env.env);
    expect(login.code, login.stderr).to.equal(0);
    const logDir = join(env.home, '.sf');
    rmSync(logDir, { recursive: true, force: true });

    const stored = await runSf(['jwt', 'diagnose', '-o', 'admin@acme.com', '--json'], {
      ...env.env,
      SF_LOG_LEVEL: 'debug',
    });
    expect(stored.code, stored.stderr).to.equal(0);
    const logs = readdirSync(logDir).filter((f) => f.endsWith('.log'));
    expect(logs).to.have.length(1);
    // the plugin's own core read the CLI's config, the plugin read the stored login, and their debug records
    // reached the file
    expect(readFileSync(join(logDir, logs[0]), 'utf8'))
      .to.include('Reading config file')
      .and.include('Reading stored file')
      .and.include('admin@acme.com.json');

    const debug = await runSf(['jwt', 'diagnose', '-o', 'admin@acme.com'], {
      ...env.env,
      SF_LOG_LEVEL: 'debug',
      DEBUG: 'sf:*',
    });
    expect(debug.code, debug.stderr).to.equal(0);
    expect(`${debug.stdout}${debug.stderr}`).to.include('sf:jwt:store').and.include('works');
  });

  it('diagnoses every stored login with --all, and makes a key pair with keygen', async () => {
    const all = await runSf(['jwt', 'diagnose', '--all', '--json'], env.env);
    expect(all.code, all.stderr).to.equal(0);
    expect((all.json as { result: { summary: unknown } }).result.summary).to.deep.equal({
      total: 1,
      ok: 1,
      failed: 0,
      causes: {},
    });
    const dir = join(scratch, 'keys');
    const keygen = await runSf(['jwt', 'keygen', '--output-dir', dir, '--json'], env.env);
    expect(keygen.code, keygen.stderr).to.equal(0);
    expect(readdirSync(dir).sort()).to.deep.equal(['server.crt', 'server.key']);
  });
});
