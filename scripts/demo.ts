/*
 * `npm run demo`: starts the bundled Salesforce emulator with a healthy and several broken JWT users and
 * runs the real `sf jwt diagnose` (bin/run.js, the built plugin) against each, in a throw-away HOME.
 * No Salesforce org and no network beyond 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../test/emulator/index.js';

const root = resolve(import.meta.dirname, '..');
const key = (name: string): string => join(root, 'test', 'fixtures', 'keys', name);
const CI_APP = '3MVG9EMULATOR.CI.APP.KEY';
const ADMIN_APP = '3MVG9EMULATOR.ADMIN.APP.KEY';

const home = mkdtempSync(join(tmpdir(), 'plugin-jwt-demo-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  TMPDIR: home,
  SF_DISABLE_TELEMETRY: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_SKIP_SCRATCH_ORG_CHECK: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
  FORCE_COLOR: process.stdout.isTTY ? '1' : '0',
};

type Case = { title: string; emulator: Emulator; args: string[] };

function run(args: string[]): { status: number | null; output: string } {
  const child = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), 'jwt', ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

/** Stores an admin login the way a user would, with the real core JWT flow, so --admin-org works. */
async function storeAdminLogin(emu: Emulator, username: string): Promise<void> {
  process.env.HOME = home;
  const { AuthInfo, StateAggregator } = await import('@salesforce/core');
  const auth = await AuthInfo.create({
    username,
    oauth2Options: { clientId: CI_APP, privateKeyFile: key('server.key'), loginUrl: `${emu.url}/` },
  });
  await auth.save();
  await StateAggregator.clearInstance();
}

async function main(): Promise<void> {
  const [org, sandbox, wrongCert, weakKey] = await Promise.all(
    ['demo', 'sandbox', 'wrong-cert', 'weak-key'].map((name) => startEmulator(name))
  );
  try {
    await storeAdminLogin(org, 'admin@acme.com');
    await storeAdminLogin(sandbox, 'admin@acme.com.uat');
    const identity = (emu: Emulator, user: string, clientId = CI_APP, keyFile = 'server.key'): string[] => [
      '--username', user, '--client-id', clientId, '--jwt-key-file', key(keyFile), '--instance-url', emu.url,
    ];
    const cases: Case[] = [
      { title: 'A healthy JWT login', emulator: org, args: identity(org, 'ci@acme.com') },
      { title: 'A user who never approved the app (no admin org: the likely cause and how to confirm it)', emulator: org, args: identity(org, 'new.hire@acme.com') },
      { title: 'The same user, with org-side evidence (--admin-org)', emulator: org, args: [...identity(org, 'new.hire@acme.com'), '--admin-org', 'admin@acme.com'] },
      { title: 'An admin-approved app whose permission set is not assigned to the user', emulator: org, args: [...identity(org, 'ops@acme.com', ADMIN_APP), '--admin-org', 'admin@acme.com'] },
      { title: 'A frozen user', emulator: org, args: [...identity(org, 'frozen@acme.com'), '--admin-org', 'admin@acme.com'] },
      { title: 'A sandbox username without its .uat suffix', emulator: sandbox, args: [...identity(sandbox, 'ci@acme.com'), '--admin-org', 'admin@acme.com.uat'] },
      { title: 'A key that does not match the certificate on the app', emulator: wrongCert, args: identity(wrongCert, 'ci@acme.com') },
      { title: 'A 1024-bit key from an old guide', emulator: weakKey, args: identity(weakKey, 'ci@acme.com', CI_APP, 'weak1024.key') },
    ];
    for (const [index, c] of cases.entries()) {
      process.stdout.write(`\n━━━ ${index + 1}. ${c.title}\n$ sf jwt diagnose ${c.args.join(' ')}\n\n`);
      const before = c.emulator.requests.length;
      const { status, output } = run(['diagnose', ...c.args]);
      process.stdout.write(output);
      process.stdout.write(`\n(exit code ${String(status)}, ${c.emulator.requests.length - before} requests to the emulated org)\n`);
    }
  } finally {
    await Promise.all([org, sandbox, wrongCert, weakKey].map((emu) => emu.close()));
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
