/*
 * The plugin's hooks inside the real sf CLI: `sf doctor --plugin plugin-jwt` diagnoses the logins stored by
 * the real `sf org login jwt`, and a failed `sf org login jwt` ends with the `sf jwt diagnose` command for the
 * same login on stderr. Everything runs against the emulator, in an isolated HOME.
 *
 * The plugin is laid out there as `sf plugins install` does (a user plugin), not linked: oclif then loads the
 * hooks from the compiled lib/ (`npm test` builds it first) as it does for an installed plugin, through the
 * paths in package.json, with none of a development link's special handling. The hook modules are
 * also loaded on their own, to count what they import: oclif loads the `finally` hook after every sf command.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { DiagnoseAllResult } from '../../src/diagnose/fleet.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import { startEmulator, type Emulator, CI_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { SERVER_KEY } from '../helpers/keys.js';
import { isolatedEnv, REPO_ROOT, runSf, sfLoginJwtArgs, type IsolatedEnv, type SfRun } from '../helpers/env.js';
import { cliStateTree, isCliLog, keyLine, secretLeaks, treeChanges } from '../helpers/org.js';

const LIB_HOOKS = join(REPO_ROOT, 'lib', 'hooks');
/** A line of the key's base64 body: it must never show up in any output. */
const KEY_LINE = keyLine(SERVER_KEY);
const HINT = 'To find out why the JWT login failed, run: ';

type DoctorDiagnosis = {
  diagnosticResults: Array<{ testName: string; status: string }>;
  suggestions: string[];
  pluginSpecificData: Record<string, unknown[]>;
};

/** Installs this checkout for the sf CLI of `home` the way `sf plugins install` lays out a user plugin. */
function installAsUserPlugin(home: string): void {
  const dataDir = join(home, '.local', 'share', 'sf');
  mkdirSync(join(dataDir, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(dataDir, 'node_modules', 'plugin-jwt'), 'dir');
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(
    join(dataDir, 'package.json'),
    JSON.stringify({
      name: '@salesforce/cli',
      private: true,
      dependencies: { 'plugin-jwt': version },
      oclif: { schema: 1, plugins: [{ name: 'plugin-jwt', type: 'user', tag: version }] },
    }),
  );
}

function expectNoSecrets(text: string): void {
  expect(secretLeaks(text, [KEY_LINE]), 'secret in output').to.deep.equal([]);
}

/** The hint lines on stderr. */
const hints = (run: SfRun): string[] => run.stderr.split('\n').filter((line) => line.startsWith(HINT));

/** Runs a command line in /bin/sh, asynchronously: the emulator answers from this process. */
function runShell(
  line: string,
  shellEnv: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { env: shellEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Imports a compiled hook module in a fresh Node, counting every module it loads, then calls it as `finally`. */
function loadCount(file: string): Promise<{ loaded: string[]; afterCall: string[] }> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const hook = (await import(${JSON.stringify(pathToFileURL(file).href)})).default;
    const before = loaded.length;
    await hook.call({}, { argv: ['--json'], id: 'org:list', Command: { id: 'org:list' }, error: undefined, config: { bin: 'sf' } });
    process.stdout.write(JSON.stringify({ loaded: loaded.slice(0, before), afterCall: loaded.slice(before) }));
  `;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolvePromise(JSON.parse(out) as { loaded: string[]; afterCall: string[] });
      } catch (error) {
        reject(error);
      }
    });
  });
}

describe('e2e: the hooks inside the real sf CLI', function () {
  this.timeout(240_000);
  let emu: Emulator;
  let env: IsolatedEnv;
  let scratch: string;

  before(async () => {
    if (!existsSync(join(LIB_HOOKS, 'finally.js'))) {
      throw new Error(`${LIB_HOOKS} is missing: run "npm run build" first (npm test does).`);
    }
    env = isolatedEnv();
    scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-e2e-hooks-'));
    // demo: ci@acme.com and admin@acme.com have approved CI_App; new.hire@acme.com never did.
    emu = await startEmulator('demo');
    installAsUserPlugin(env.home);
    const which = await runSf(['which', 'jwt', 'diagnose', '--json'], env.env);
    expect(which.stdout, which.stderr).to.include('plugin-jwt');
  });

  after(async () => {
    await emu?.close();
    env?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('loads the hook modules without loading anything else; the finally hook returns at once after other commands', async () => {
    for (const name of ['finally.js', 'doctor.js']) {
      // eslint-disable-next-line no-await-in-loop
      const { loaded, afterCall } = await loadCount(join(LIB_HOOKS, name));
      // the hook modules, and the shell-quoting helper they share with the commands (a module without imports)
      const shell = pathToFileURL(join(LIB_HOOKS, '..', 'utils', 'shell.js')).href;
      expect(loaded.length, loaded.join('\n')).to.be.at.most(3);
      for (const url of loaded)
        expect(url.startsWith(pathToFileURL(LIB_HOOKS).href) || url === shell, url).to.equal(true);
      // the finally hook, after a command that is not a failed JWT login, loads nothing more
      if (name === 'finally.js') expect(afterCall).to.deep.equal([]);
    }
  });

  describe('sf doctor', () => {
    let adminId: string;

    before(async () => {
      for (const username of ['ci@acme.com', 'admin@acme.com']) {
        // eslint-disable-next-line no-await-in-loop -- one login after the other, as a user would
        const login = await runSf(sfLoginJwtArgs(emu.url, username, SERVER_KEY), env.env);
        expect(login.code, login.stdout + login.stderr).to.equal(0);
      }
      // Then admin@acme.com's approval is revoked (as a sandbox refresh does): its stored login now fails.
      adminId = emu.store.data.users.find((u) => u.username === 'admin@acme.com')?.id as string;
      const tokens = emu.store.data.oauthTokens;
      for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i].userId === adminId) tokens.splice(i, 1);
    });

    it('--json: a pass for the healthy login, a fail with its cause and next command for the broken one', async () => {
      const before = cliStateTree(env.home);
      expect([...before.keys()]).to.include.members([
        join('.sfdx', 'ci@acme.com.json'),
        join('.sfdx', 'admin@acme.com.json'),
      ]);
      const outDir = join(scratch, 'doctor-json');
      emu.clearRequests();
      const run = await runSf(['doctor', '--plugin', 'plugin-jwt', '--output-dir', outDir, '--json'], env.env);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(run.json, `stdout must be JSON:\n${run.stdout}`).to.be.an('object');
      const diagnosis = (run.json as { result: DoctorDiagnosis }).result;

      expect(diagnosis.diagnosticResults).to.deep.include.members([
        { testName: '[plugin-jwt] JWT login ci@acme.com', status: 'pass' },
        { testName: '[plugin-jwt] JWT login admin@acme.com', status: 'fail' },
      ]);
      expect(diagnosis.diagnosticResults.filter((r) => r.testName.startsWith('[plugin-jwt]'))).to.have.length(2);

      const ours = diagnosis.suggestions.filter((s) => s.startsWith('JWT login '));
      expect(ours).to.have.length(1);
      expect(ours[0]).to.match(
        /^JWT login admin@acme\.com fails with USER_NOT_APPROVED: Salesforce answered "user hasn't approved this consumer" for admin@acme\.com\. .* Next: sf jwt diagnose --username admin@acme\.com$/,
      );

      // the plugin's data: the result of `sf jwt diagnose --all --json`
      const data = diagnosis.pluginSpecificData['plugin-jwt'] as DiagnoseAllResult[];
      expect(data).to.have.length(1);
      const byUser = new Map<string, DiagnoseResult>(data[0].orgs.map((o) => [o.username, o]));
      expect([...byUser.keys()].sort()).to.deep.equal(['admin@acme.com', 'ci@acme.com']);
      expect(byUser.get('ci@acme.com')).to.include({ ok: true, cause: null, clientId: CI_CLIENT_ID });
      expect(byUser.get('admin@acme.com')?.cause?.code).to.equal('USER_NOT_APPROVED');
      expect(data[0].summary).to.deep.equal({ total: 2, ok: 1, failed: 1, causes: { USER_NOT_APPROVED: 1 } });
      // the diagnoses really went to the org: one token request per stored login at its login URL (at least)
      const tokenRequests = emu.requests.filter((r) => r.path === TOKEN_PATH);
      expect(tokenRequests.length).to.be.at.least(2);

      // the diagnosis file holds the same data
      const files = readdirSync(outDir).filter((f) => f.endsWith('-diagnosis.json'));
      expect(files).to.have.length(1);
      const fileText = readFileSync(join(outDir, files[0]), 'utf8');
      expect((JSON.parse(fileText) as DoctorDiagnosis).pluginSpecificData['plugin-jwt']).to.deep.equal(data);

      // no secrets anywhere, and the stored logins, key store, aliases and config are byte-identical
      expectNoSecrets(`${run.stdout}\n${run.stderr}\n${fileText}`);
      const changes = treeChanges(before, cliStateTree(env.home));
      expect(changes.filter((change) => !isCliLog(change))).to.deep.equal([]);
    });

    it('prints one line per login in its human output', async () => {
      const run = await runSf(['doctor', '--plugin', 'plugin-jwt', '--output-dir', join(scratch, 'doctor')], env.env);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const lines = run.stdout.split('\n');
      expect(lines).to.include.members([
        'pass - [plugin-jwt] JWT login ci@acme.com',
        'fail - [plugin-jwt] JWT login admin@acme.com',
      ]);
      expect(
        lines.some((l) =>
          /^ {2}\* JWT login admin@acme\.com fails with USER_NOT_APPROVED: .* Next: sf jwt diagnose --username admin@acme\.com$/.test(
            l,
          ),
        ),
      ).to.equal(true);
      expectNoSecrets(`${run.stdout}\n${run.stderr}`);
    });
  });

  describe('sf doctor with hostile CLI state', () => {
    let hostile: IsolatedEnv;
    const SESSION = '00D5g000000EMU1EAO!AQ4AQFakeSessionTokenForTests0123456789';

    before(async () => {
      hostile = isolatedEnv();
      installAsUserPlugin(hostile.home);
      const login = await runSf(sfLoginJwtArgs(emu.url, 'ci@acme.com', SERVER_KEY), hostile.env);
      expect(login.code, login.stdout + login.stderr).to.equal(0);
      const sfdx = join(hostile.home, '.sfdx');
      const auth = (username: string, extra: Record<string, unknown>): void =>
        writeFileSync(
          join(sfdx, `${username.replace(/[^A-Za-z0-9@._-]/g, '_')}.json`),
          JSON.stringify({ username, clientId: CI_CLIENT_ID, privateKey: SERVER_KEY, loginUrl: emu.url, ...extra }),
        );
      // a named pipe, a username with escapes and a line break that forges a line, a session token in a URL
      if (process.platform === 'linux') execFileSync('mkfifo', [join(sfdx, 'fifo@acme.com.json')]);
      auth('evil\u001b[31m@acme.com\u0007\nFAKE LINE pass - all good', { privateKey: join(scratch, 'missing.key') });
      auth('token@acme.com', { loginUrl: `${emu.url}/?access_token=${SESSION}` });
    });

    after(() => hostile?.cleanup());

    it('ends, fails each broken login, forges no line and shows no secret, in its output or its file', async () => {
      const outDir = join(scratch, 'doctor-hostile');
      const started = Date.now();
      const run = await runSf(['doctor', '--plugin', 'plugin-jwt', '--output-dir', outDir], hostile.env, {
        timeoutMs: 90_000,
      });
      expect(Date.now() - started, 'no hang').to.be.below(60_000);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const lines = run.stdout.split('\n');
      expect(lines).to.include('pass - [plugin-jwt] JWT login ci@acme.com');
      if (process.platform === 'linux') expect(lines).to.include('fail - [plugin-jwt] JWT login fifo@acme.com');
      expect(lines, 'a forged line').not.to.include('FAKE LINE pass - all good');
      const forged = lines.filter((l) => l.includes('FAKE LINE'));
      expect(forged).to.include('fail - [plugin-jwt] JWT login evil@acme.com\\nFAKE LINE pass - all good');
      // the diagnostic and the suggestion: the username stays inside its line, its line break shown as \n
      for (const line of forged) expect(line).to.include('evil@acme.com\\nFAKE LINE pass - all good');
      // eslint-disable-next-line no-control-regex
      expect(run.stdout.replace(/\u001b\[[0-9;]*m/g, '')).not.to.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      const file = readdirSync(outDir).find((f) => f.endsWith('-diagnosis.json')) as string;
      const fileText = readFileSync(join(outDir, file), 'utf8');
      for (const text of [run.stdout, run.stderr, fileText]) {
        expect(text).not.to.include('FakeSessionToken');
        expectNoSecrets(text);
      }
      expect(fileText).to.include('?****');
    });
  });

  describe('the hint after a failed sf org login jwt', () => {
    let keyWithSpace: string;

    before(() => {
      mkdirSync(join(scratch, 'my keys'));
      keyWithSpace = join(scratch, 'my keys', 'server.key');
      copyFileSync(SERVER_KEY, keyWithSpace);
    });

    it('names sf jwt diagnose with the same flags, and that command diagnoses the same login', async () => {
      const failed = await runSf(
        [
          'org',
          'login',
          'jwt',
          '-o',
          'new.hire@acme.com',
          `--client-id=${CI_CLIENT_ID}`,
          '-f',
          keyWithSpace,
          '--instance-url',
          emu.url,
        ],
        env.env,
      );
      expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
      expect(failed.stderr).to.include('JwtGrantError');
      const expected = `sf jwt diagnose --username new.hire@acme.com --client-id ${CI_CLIENT_ID} --jwt-key-file '${keyWithSpace}' --instance-url ${emu.url}`;
      expect(hints(failed)).to.deep.equal([`${HINT}${expected}`]);
      expect(failed.stdout).to.not.include('sf jwt diagnose');
      expectNoSecrets(`${failed.stdout}\n${failed.stderr}`);

      // the printed command, pasted into a shell as is, diagnoses that login
      const pasted = await runShell(`${expected} --json`, env.env);
      expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(1);
      const result = (JSON.parse(pasted.stdout) as { result: DiagnoseResult }).result;
      expect(result).to.include({ username: 'new.hire@acme.com', clientId: CI_CLIENT_ID });
      expect(result.cause?.code).to.equal('USER_NOT_APPROVED');
      expect(result.source).to.deep.equal({ clientId: 'flag', jwtKeyFile: 'flag', loginUrl: 'flag' });
    });

    it('with --json, under the alias force:auth:jwt:grant: the hint is on stderr only and stdout parses', async () => {
      const failed = await runSf(
        [
          'force:auth:jwt:grant',
          '-u',
          'new.hire@acme.com',
          '--clientid',
          CI_CLIENT_ID,
          '--jwtkeyfile',
          SERVER_KEY,
          '--instanceurl',
          emu.url,
          '--json',
        ],
        env.env,
      );
      expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
      expect(failed.json, `stdout must parse:\n${failed.stdout}`).to.be.an('object');
      expect(failed.json).to.include({ status: 1, name: 'JwtGrantError' });
      expect(failed.stdout).to.not.include('sf jwt diagnose');
      expect(hints(failed)).to.deep.equal([
        `${HINT}sf jwt diagnose --username new.hire@acme.com --client-id ${CI_CLIENT_ID} --jwt-key-file ${SERVER_KEY} --instance-url ${emu.url}`,
      ]);
    });

    it('carries --flags-dir, and the command it names reads the same flags: a diagnosis, not a usage error', async () => {
      const flagsDir = join(scratch, 'jwt flags');
      mkdirSync(flagsDir);
      writeFileSync(join(flagsDir, 'username'), 'new.hire@acme.com\n');
      writeFileSync(join(flagsDir, 'client-id'), `${CI_CLIENT_ID}\n`);
      writeFileSync(join(flagsDir, 'jwt-key-file'), `${SERVER_KEY}\n`);
      writeFileSync(join(flagsDir, 'instance-url'), `${emu.url}\n`);
      writeFileSync(join(flagsDir, 'no-prompt'), '');
      const failed = await runSf(['org', 'login', 'jwt', '--flags-dir', flagsDir], env.env);
      expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
      const expected = `sf jwt diagnose --flags-dir '${flagsDir}'`;
      expect(hints(failed)).to.deep.equal([`${HINT}${expected}`]);
      const pasted = await runShell(`${expected} --json`, env.env);
      expect(pasted.code, pasted.stdout + pasted.stderr).to.equal(1);
      const result = (JSON.parse(pasted.stdout) as { result: DiagnoseResult }).result;
      expect(result).to.include({ username: 'new.hire@acme.com' });
      expect(result.cause?.code).to.equal('USER_NOT_APPROVED');
    });

    it('keeps the hint one line without control characters, whatever -o and -f hold', async () => {
      const failed = await runSf(
        [
          'org',
          'login',
          'jwt',
          '-o',
          'new.hire\u001b]0;pwned\u0007@acme.com',
          '-i',
          CI_CLIENT_ID,
          '-f',
          `${scratch}/a\nb.key`,
          '-r',
          emu.url,
        ],
        env.env,
      );
      expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
      const hint = hints(failed);
      expect(hint, failed.stderr).to.have.length(1);
      // eslint-disable-next-line no-control-regex
      expect(hint[0]).not.to.match(/[\u0000-\u001f\u007f-\u009f]/);
      expect(hint[0]).to.include(`--jwt-key-file '${scratch}/a\\nb.key'`);
    });

    it('prints nothing after a working login, after another failing command, or with SF_JWT_HINT=false', async () => {
      const ok = await runSf(sfLoginJwtArgs(emu.url, 'ci@acme.com', SERVER_KEY), env.env);
      expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
      expect(ok.stderr).to.not.include('sf jwt diagnose');
      expect(ok.json).to.include({ status: 0 });

      const other = await runSf(['org', 'display', '--target-org', 'nobody@acme.com', '--json'], env.env);
      expect(other.code).to.not.equal(0);
      expect(other.stderr).to.not.include('sf jwt diagnose');

      const off = await runSf(sfLoginJwtArgs(emu.url, 'new.hire@acme.com', SERVER_KEY, { json: false }), {
        ...env.env,
        SF_JWT_HINT: 'false',
      });
      expect(off.code, off.stdout + off.stderr).to.equal(1);
      expect(off.stderr).to.include('JwtGrantError');
      expect(off.stderr).to.not.include('sf jwt diagnose');
    });
  });
});
