/*
 * `npm run demo`: starts the bundled Salesforce emulator with a healthy and several broken JWT users and
 * runs the real `sf jwt diagnose` (bin/run.js, the built plugin) against each, in a throw-away HOME; fixes one
 * headlessly; and ends with `sf jwt setup` making a JWT login from nothing in an org without any app.
 * No Salesforce org and no network beyond 127.0.0.1. The commands run in the folder of the emulator's keys,
 * so that they, and the commands the plugin suggests, name the key file as a user would: server.key.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, startEmulator, type Emulator, ADMIN_CLIENT_ID, CI_CLIENT_ID } from '../emulator/index.js';
import { keyFile as key, ROOT as root, runNode, scratchEnv } from './lib.js';

/** The width the commands' output fits when it is not a terminal, as the demo's command lines do. */
const WIDTH = 100;
const KEYS = join(root, 'emulator', 'keys');

const { home, env } = scratchEnv('plugin-jwt-demo-');
env.FORCE_COLOR = process.stdout.isTTY ? '1' : '0';

/** A step of the demo: the command (diagnose unless said) and its arguments. */
type Case = { title: string; emulator: Emulator; args: string[]; command?: 'diagnose' | 'approve' | 'setup' };

async function run(args: string[]): Promise<{ status: number | null; output: string }> {
  const child = await runNode(join(root, 'bin', 'run.js'), ['jwt', ...args], env, KEYS);
  return { status: child.status, output: child.output };
}

/** Stores an admin login the way a user would, with the real core JWT flow, so --admin-org works. */
async function storeAdminLogin(emu: Emulator, username: string, clientId = CI_CLIENT_ID): Promise<void> {
  process.env.HOME = home;
  const { AuthInfo, StateAggregator } = await import('@salesforce/core');
  const auth = await AuthInfo.create({
    username,
    oauth2Options: { clientId, privateKeyFile: key('server.key'), loginUrl: `${emu.url}/` },
  });
  await auth.save();
  StateAggregator.clearInstance();
}

/** `$ sf jwt …`, continued on the next line (shell style) before a flag that would pass the width. */
function commandLine(args: string[]): string {
  const lines = ['$ sf jwt'];
  for (const [i, arg] of args.entries()) {
    const last = lines.length - 1;
    const startsFlag = arg.startsWith('-') && i + 1 < args.length && !args[i + 1].startsWith('-');
    const piece = startsFlag ? `${arg} ${args[i + 1]}` : arg;
    if (i > 0 && args[i - 1].startsWith('-') && !arg.startsWith('-')) continue;
    if (`${lines[last]} ${piece}`.length > WIDTH - 2) {
      lines[last] += ' \\';
      lines.push(`    ${piece}`);
    } else lines[last] += ` ${piece}`;
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  // an org without any external client app, whose deploys take a few seconds to reach the login endpoint
  const fresh = loadScenario('eca-setup');
  fresh.org = { ...fresh.org, name: 'Globex', propagationDelayMs: 3000 };
  // its own users (a username is one login in the CLI)
  for (const user of fresh.users) user.username = user.username.replace('@acme.com', '@globex.com');
  const [org, sandbox, wrongCert, weakKey, newOrg] = await Promise.all([
    ...['demo', 'sandbox', 'wrong-cert', 'weak-key'].map((name) => startEmulator(name)),
    startEmulator(fresh),
  ]);
  try {
    await storeAdminLogin(org, 'admin@acme.com');
    await storeAdminLogin(sandbox, 'admin@acme.com.uat');
    await storeAdminLogin(newOrg, 'admin@globex.com', ADMIN_CLIENT_ID);
    // the short flags of `sf org login jwt`: a failing login command with its verb changed
    const identity = (emu: Emulator, user: string, clientId = CI_CLIENT_ID, keyFile = 'server.key'): string[] => [
      '-o',
      user,
      '-i',
      clientId,
      '-f',
      keyFile,
      '-r',
      emu.url,
    ];
    const cases: Case[] = [
      { title: 'A healthy JWT login', emulator: org, args: identity(org, 'ci@acme.com') },
      {
        title: 'A user who never approved the app (no admin org: the likely cause and how to confirm it)',
        emulator: org,
        args: identity(org, 'new.hire@acme.com'),
      },
      {
        title: 'The same user, with org-side evidence (--admin-org)',
        emulator: org,
        args: [...identity(org, 'new.hire@acme.com'), '--admin-org', 'admin@acme.com'],
      },
      {
        title: 'An admin-approved app whose permission set is not assigned to the user',
        emulator: org,
        args: [...identity(org, 'ops@acme.com', ADMIN_CLIENT_ID), '--admin-org', 'admin@acme.com'],
      },
      {
        title: 'A frozen user',
        emulator: org,
        args: [...identity(org, 'frozen@acme.com'), '--admin-org', 'admin@acme.com'],
      },
      {
        title: 'A sandbox username without its .uat suffix',
        emulator: sandbox,
        args: [...identity(sandbox, 'ci@acme.com'), '--admin-org', 'admin@acme.com.uat'],
      },
      {
        title: 'A key that does not match the certificate on the app',
        emulator: wrongCert,
        args: identity(wrongCert, 'ci@acme.com'),
      },
      {
        title: 'A 1024-bit key from an old guide',
        emulator: weakKey,
        args: identity(weakKey, 'ci@acme.com', CI_CLIENT_ID, 'weak1024.key'),
      },
      {
        title: 'Fix case 4 headlessly, as a sandbox-refresh script would: pre-authorize, then verify',
        emulator: org,
        command: 'approve',
        args: [
          ...identity(org, 'ops@acme.com', ADMIN_CLIENT_ID),
          '--admin-org',
          'admin@acme.com',
          '--permission-set',
          'JWT_Access',
          '--wait',
          '1m',
        ],
      },
      { title: 'Case 4 again, after the fix', emulator: org, args: identity(org, 'ops@acme.com', ADMIN_CLIENT_ID) },
      {
        title:
          'From nothing, in another org: a key, an external client app, a permission set, a verified and stored JWT login',
        emulator: newOrg,
        command: 'setup',
        args: [
          '--admin-org',
          'admin@globex.com',
          '--username',
          'ci@globex.com',
          '--output-dir',
          join(home, 'jwt'),
          '--alias',
          'ci',
        ],
      },
    ];
    for (const [index, c] of cases.entries()) {
      const command = c.command ?? 'diagnose';
      process.stdout.write(`\n━━━ ${index + 1}. ${c.title}\n${commandLine([command, ...c.args])}\n\n`);
      const before = c.emulator.requests.length;
      // eslint-disable-next-line no-await-in-loop -- one case after another, in order
      const { status, output } = await run([command, ...c.args]);
      process.stdout.write(output);
      process.stdout.write(
        `\n(exit code ${String(status)}, ${c.emulator.requests.length - before} requests to the emulated org)\n`,
      );
    }
  } finally {
    await Promise.all([org, sandbox, wrongCert, weakKey, newOrg].map((emu) => emu.close()));
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
