/*
 * Every bad input, one row each: input → exit code and message. For every row, in human output and again with
 * --json, the harness also asserts the promises every command makes about bad input:
 * - it ends well within its time bound (a FIFO never blocks, a huge --timeout never fires at once);
 * - no stack trace, internal error name or library string (ExitError, UND_ERR_SOCKET, ELOOP, OpenSSL's
 *   "error:0A00010B", "Invalid string length", a UTF-16 half such as U+D83D), and no control character or
 *   escape sequence, reaches stdout or stderr;
 * - --json prints one JSON document whose status is the exit code, without a stack;
 * - no secret: no key material, signed assertion, access token or password from the input;
 * - HOME is byte-identical afterwards, except the CLI's log file.
 *
 * Rows run in-process (the command class, through oclif's flag parsing, with stdout and stderr captured), which
 * is fast; rows that could hang the test process (a FIFO) or that send Ctrl-C run the command as a child process
 * (`node bin/run.js`, or bin/dev.js when lib/ is older than src/). Adding a case is adding a row.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import sinon from 'sinon';
import { Config } from '@oclif/core';
import { Connection } from '@salesforce/core';
import { MAX_TIMER_MS } from '../../src/utils/duration.js';
import { storeFs } from '../../src/org/authStore.js';
import {
  KEYS_DIR,
  loadScenario,
  startEmulator,
  type Emulator,
  ADMIN_CLIENT_ID,
  CI_CLIENT_ID,
  TOKEN_PATH,
} from '../../emulator/index.js';
import { fixtureKey, SERVER_KEY } from '../helpers/keys.js';
import { FIXTURE_KEYS_DIR } from '../helpers/keys.js';
import { REPO_ROOT, sfChildEnv } from '../helpers/env.js';
import { runInProcess, type CommandName, type InProcessRun } from '../helpers/inProcess.js';
import {
  hashTree,
  isCliLog,
  secretLeaks,
  storeJwtLogin,
  treeChanges,
  useTempHome,
  type TempHome,
  unfolded,
} from '../helpers/org.js';

const PASSWORD = 's3cret-Pa55word';

/** What every row may use: emulators, stored logins, files, helper servers. */
type Ctx = {
  home: string;
  /** A scratch directory outside HOME, fresh for each row. */
  dir: string;
  fifo: string;
  /** A server that accepts and closes every connection without a word. */
  closer: string;
  /** A server that answers plain http where https is expected. */
  plainHttp: string;
  emu(scenario: string): Emulator;
  /** Stores a JWT login the real way (core's AuthInfo against an emulator), under this row's HOME. */
  login(scenario: string, username: string, alias?: string): Promise<void>;
  /** The identity flags of a JWT login against an emulator. */
  jwt(scenario: string, username?: string): string[];
};

type Mode = 'human' | 'json';

type Row = {
  name: string;
  command: CommandName;
  args: (ctx: Ctx) => string[];
  exit: number;
  /** Matched against the human output (stdout and stderr), and against the --json document. */
  message: RegExp;
  /** For the --json document, when it words things differently (a result rather than a message). */
  jsonMessage?: RegExp;
  /** Must not appear (a false verdict, a wrong wording). */
  not?: RegExp;
  setup?: (ctx: Ctx) => unknown;
  /** Extra assertions on the --json document. */
  json?: (doc: JsonDoc, ctx: Ctx) => unknown;
  /** Extra assertions after each run (files written or not, …). */
  after?: (ctx: Ctx) => unknown;
  /**
   * Run as a child process; `interrupt` sends Ctrl-C once it says the command is at work. `raced` says that the
   * command finished before Ctrl-C reached it (then the run is tried again, up to three times).
   */
  child?: {
    interrupt?: (ctx: Ctx, out: () => string, pid: number) => Promise<void>;
    raced?: (run: Run) => boolean;
    /** Undoes what a raced run did, before the next try. */
    reset?: (ctx: Ctx) => void;
  };
  /** The time the command must end within (default 10 s in-process, 30 s as a child process). */
  withinMs?: number;
  modes?: Mode[];
  /** Skip unless this holds (with the reason). */
  only?: { when: () => boolean; reason: string };
};

type JsonDoc = Record<string, unknown> & {
  status: number;
  result?: Record<string, unknown> & { cause?: { code: string; message: string } | null };
  message?: string;
  name?: string;
};

type Run = InProcessRun;

/** A stack frame, an internal error name or a library string: none may reach the user. */
const INTERNAL =
  /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$|\b(TypeError|ReferenceError|RangeError|SyntaxError|ExitError|EEXIT|UND_ERR_\w+|ERR_[A-Z_]{3,}|E(NOENT|ISDIR|ACCES|PERM|ROFS|LOOP|NOTDIR|NAMETOOLONG|CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|PIPE|NXIO|AGAIN|NOSPC|IO))\b|error:[0-9A-F]{8}:|routines::|Invalid string length|NETWORK:|bad port|U\+D[89AB][0-9A-F]{2}\b|\[object Object\]|\bundefined\b/m;
/** Control characters that must never reach the terminal (line feeds and tabs are fine). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Node's warning about the emulator's plain-http loopback URL (the real CLI prints it too). */
const NODE_HTTP_WARNING =
  /^\(node:\d+\) Warning: Using insecure protocol: http: on url: http:\/\/127\.0\.0\.1:\d+\n?/gm;

const KEY_MATERIAL = [KEYS_DIR, FIXTURE_KEYS_DIR]
  .flatMap((dir) => readdirSync(dir).map((f) => join(dir, f)))
  .filter((f) => f.endsWith('.key'))
  .map((f) => readFileSync(f, 'utf8').split('\n')[1])
  .filter((line) => line && line.length > 20);
function leaks(text: string): string[] {
  return secretLeaks(text, [PASSWORD, ...KEY_MATERIAL]);
}

/** Every string in a JSON document, the way a reader sees them (no JSON escaping). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** HOME files, without the CLI's log file (the one file a run may change). */
function homeTree(home: string): Map<string, string> {
  const tree = hashTree(home);
  for (const path of [...tree.keys()]) if (isCliLog(path)) tree.delete(path);
  return tree;
}

// ---------------------------------------------------------------------------------------------
// running a command
// ---------------------------------------------------------------------------------------------

/** lib/ when it is up to date with src/ (npm test builds first), else the TypeScript sources through tsx. */
function entryPoint(): string {
  const newest = (dir: string, ext: string): number => {
    let max = 0;
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const info = statSync(p);
        if (info.isDirectory()) walk(p);
        else if (name.endsWith(ext)) max = Math.max(max, info.mtimeMs);
      }
    };
    if (existsSync(dir)) walk(dir);
    return max;
  };
  const built = newest(join(REPO_ROOT, 'lib'), '.js');
  return built > 0 && built >= newest(join(REPO_ROOT, 'src'), '.ts') ? 'bin/run.js' : 'bin/dev.js';
}

function childEnv(home: string, tmp: string): NodeJS.ProcessEnv {
  // a browser that opens nothing
  return sfChildEnv(home, tmp, { BROWSER: 'true' });
}

async function runChild(
  entry: string,
  command: CommandName,
  argv: string[],
  ctx: Ctx,
  interrupt: NonNullable<Row['child']>['interrupt'],
  limitMs: number,
): Promise<Run> {
  const tmp = mkdtempSync(join(tmpdir(), 'jwt-bad-input-tmp-'));
  const execArgv = entry === 'bin/dev.js' ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...execArgv, entry, 'jwt', command, ...argv], {
    cwd: REPO_ROOT,
    env: childEnv(ctx.home, tmp),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const started = Date.now();
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs + 5000);
  const closed = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1))),
  );
  try {
    if (interrupt) {
      await Promise.race([interrupt(ctx, () => stdout + stderr, child.pid as number), closed]);
      child.kill('SIGINT');
    }
    const exit = await closed;
    return { exit, stdout, stderr, ms: Date.now() - started };
  } finally {
    clearTimeout(killer);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Resolves once `ready()` holds, polling; rejects after `ms`. */
async function until(ready: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('the command never got to work');
    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A libuv worker thread of the process has used CPU for a while: key generation is under way (Linux). */
function workerBusy(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((tid) => {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      if (comm !== 'libuv-worker') return false;
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]) >= 5; // utime + stime, in clock ticks
    });
  } catch {
    return false;
  }
}

async function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

// ---------------------------------------------------------------------------------------------
// the rows
// ---------------------------------------------------------------------------------------------

const damagedKey = (): string =>
  '-----BEGIN PRIVATE KEY-----\nTUlJRXZRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NCS2N3Z2dTakFnRUFBb0lCQVFD\n-----END PRIVATE KEY-----\n';

const diagnose = (ctx: Ctx, ...extra: string[]): string[] => [...ctx.jwt('healthy'), ...extra];
/** An https redirect URI on this machine (what the listener, plain http, can't receive). */
const HTTPS_LOOPBACK = 'https://localhost:1717/OauthRedirect';
/** The callback URLs of the CI app in the healthy emulator (a row that adds one removes it after). */
const ciCallbacks = (ctx: Ctx): string[] =>
  ctx.emu('healthy').store.data.apps.find((a) => a.consumerKey === CI_CLIENT_ID)?.callbackUrls ?? [];
const withKey = (ctx: Ctx, key: string): string[] => [
  '-o',
  'ci@acme.com',
  '-i',
  CI_CLIENT_ID,
  '-f',
  key,
  '-r',
  ctx.emu('healthy').url,
];
const causeIs =
  (code: string) =>
  (doc: JsonDoc): void => {
    expect(doc.result?.cause?.code).to.equal(code);
  };

const isRoot = (): boolean => process.getuid?.() === 0;
const linux = { when: (): boolean => process.platform === 'linux', reason: 'needs Linux (/proc, mkfifo)' };

// ---- the CLI's own state ---------------------------------------------------------------------------------

/** ~/.sfdx of the row's HOME (created). */
const sfdxDir = (ctx: Ctx): string => {
  const dir = join(ctx.home, '.sfdx');
  mkdirSync(dir, { recursive: true });
  return dir;
};
/** A stored login written by hand, as a damaged or hostile auth file would be. */
const writeAuth = (ctx: Ctx, username: string, fields: Record<string, unknown>): void =>
  writeFileSync(
    join(sfdxDir(ctx), `${username}.json`),
    JSON.stringify({
      username,
      clientId: CI_CLIENT_ID,
      privateKey: SERVER_KEY,
      orgId: '00D5g000000EMU1EAO',
      ...fields,
    }),
  );
/** An access token as Salesforce issues them (the harness's secret check knows its shape). */
const SESSION_TOKEN = '00D5g000000EMU1EAO!AQ4AQFakeSessionTokenForTests0123456789';
/** Stubs that a row sets up in process and takes down after the run. */
let rowStubs: sinon.SinonSandbox | undefined;
const stubbed = (): sinon.SinonSandbox => (rowStubs ??= sinon.createSandbox());
const unstub = (): void => {
  rowStubs?.restore();
  rowStubs = undefined;
};
/** A failed read of an odd shape (a SOAP fault code parsed with its attributes): not a string where one is expected. */
function oddReadError(): Error {
  const code = { _: 'sf:INSUFFICIENT_ACCESS', $: { 'xmlns:sf': 'http://soap.sforce.com/2006/04/metadata' } };
  return Object.assign(new Error('Insufficient access to read this'), { name: code, errorCode: code });
}
const adminLacks = (ctx: Ctx, scenario: string, permissions: Record<string, boolean> | undefined): void => {
  const admin = ctx.emu(scenario).store.data.users.find((u) => u.username === 'admin@acme.com');
  if (admin) admin.permissions = permissions;
};
const expireSessions = async (ctx: Ctx, scenario: string): Promise<void> => {
  await fetch(`${ctx.emu(scenario).url}/__sessions`, { method: 'DELETE' });
};
const hasFirefox = (): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v firefox'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
/** The admin of the org without any external client app (eca-setup), stored as "eca-admin" under the row's HOME. */
const ecaAdmin = async (): Promise<void> => {
  await storeJwtLogin({
    username: 'admin@acme.com',
    clientId: ADMIN_CLIENT_ID,
    loginUrl: ecaSetupUrl(),
    alias: 'eca-admin',
  });
};
let ecaSetupUrl = (): string => '';
/** `sf jwt setup` for ci@acme.com through eca-admin, new files in the row's directory. */
const setupArgs = (ctx: Ctx, ...extra: string[]): string[] => [
  '--admin-org',
  'eca-admin',
  '-o',
  'ci@acme.com',
  '--output-dir',
  join(ctx.dir, 'jwt'),
  ...extra,
];
/** Nothing was deployed and no file written. */
const nothingDeployedOrWritten = (ctx: Ctx): void => {
  expect(ctx.emu('eca-setup').store.deploys.filter((d) => !d.options.checkOnly)).to.deep.equal([]);
  expect(existsSync(join(ctx.dir, 'jwt')) ? readdirSync(join(ctx.dir, 'jwt')) : []).to.deep.equal([]);
};
const setupFailedAt =
  (step: string) =>
  (doc: JsonDoc): void => {
    expect((doc.result as { error?: { step?: string } } | undefined)?.error?.step).to.equal(step);
  };

const rows: Row[] = [
  // ---- files: only regular files of plausible size, read without blocking --------------------------
  {
    name: 'a key file that is a FIFO ends at once, naming it',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, ctx.fifo),
    exit: 1,
    message: /named pipe \(FIFO\)/,
    child: {},
    modes: ['json'],
    json: causeIs('KEY_UNREADABLE'),
    only: linux,
  },
  {
    name: 'a certificate file that is a FIFO ends at once',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--cert-file', ctx.fifo),
    exit: 1,
    message: /named pipe \(FIFO\)/,
    child: {},
    modes: ['json'],
    json: causeIs('KEY_CERT_MISMATCH'),
    only: linux,
  },
  {
    name: '--cert-file /dev/zero is a device: not read at all',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--cert-file', '/dev/zero'),
    exit: 1,
    message: /\/dev\/zero could not be compared with the key: it is a device/,
    json: causeIs('KEY_CERT_MISMATCH'),
    only: linux,
  },
  {
    name: '-f /dev/zero is a device: not read at all',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, '/dev/zero'),
    exit: 1,
    message: /it is a device, not a regular file/,
    withinMs: 5000,
    json: causeIs('KEY_UNREADABLE'),
    only: linux,
  },
  {
    name: 'a key file of 2 MB is refused without reading it whole',
    command: 'diagnose',
    setup: (ctx) => writeFileSync(join(ctx.dir, 'huge.key'), Buffer.alloc(2 * 1024 * 1024, 0x41)),
    args: (ctx) => withKey(ctx, join(ctx.dir, 'huge.key')),
    exit: 1,
    message: /2097152 bytes long, more than any private key/,
  },
  {
    name: 'a key path that is a directory',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, ctx.dir),
    exit: 1,
    message: /is a directory, not a key file/,
  },
  {
    name: '-f "" is an empty path, not "the current directory"',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, ''),
    exit: 1,
    message: /The key file path is empty/,
    not: /directory/,
    json: causeIs('KEY_FILE_NOT_FOUND'),
  },
  {
    name: "'~/server.key' reached the plugin unexpanded: called out",
    command: 'diagnose',
    args: (ctx) => withKey(ctx, '~/server.key'),
    exit: 1,
    message: /starts with ~, which the shell expands only when it is unquoted/,
  },
  {
    name: 'a key path that loops through symbolic links: in words, not ELOOP',
    command: 'diagnose',
    setup: (ctx): void => {
      symlinkSync(join(ctx.dir, 'b'), join(ctx.dir, 'a'));
      symlinkSync(join(ctx.dir, 'a'), join(ctx.dir, 'b'));
    },
    args: (ctx) => withKey(ctx, join(ctx.dir, 'a')),
    exit: 1,
    message: /loop of symbolic links/,
  },
  {
    name: 'a key file that does not exist',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, join(ctx.dir, 'missing.key')),
    exit: 1,
    message: /does not exist/,
    json: causeIs('KEY_FILE_NOT_FOUND'),
  },
  {
    name: 'a key file with garbage in it',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, fixtureKey('garbage.key')),
    exit: 1,
    message: /is not a PEM private key/,
  },
  {
    name: 'a certificate passed as the key',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, fixtureKey('server.crt')),
    exit: 1,
    message: /is a certificate, not a private key/,
  },
  {
    name: 'an encrypted key',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, fixtureKey('encrypted.key')),
    exit: 1,
    message: /encrypted private key/,
  },
  {
    name: 'a damaged key body: words, not OpenSSL strings',
    command: 'diagnose',
    setup: (ctx) => writeFileSync(join(ctx.dir, 'damaged.key'), damagedKey()),
    args: (ctx) => withKey(ctx, join(ctx.dir, 'damaged.key')),
    exit: 1,
    message: /could not be decoded \((the data inside|its base64)/,
  },
  {
    name: 'a 1024-bit key',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, fixtureKey('weak1024.key')),
    exit: 1,
    message: /only 1024 bits long/,
    json: causeIs('KEY_TOO_SHORT'),
  },
  {
    name: 'an empty key file',
    command: 'diagnose',
    args: (ctx) => withKey(ctx, fixtureKey('empty.key')),
    exit: 1,
    message: /is empty/,
  },

  // ---- durations: within the timer limit, or a usage error ------------------------------------------
  ...['2147484', '600h', '99999999999999999999'].map((value): Row => ({
    name: `diagnose --timeout ${value} is beyond the timer limit: a usage error, not NETWORK_ERROR`,
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--timeout', value),
    exit: 2,
    message: /is too long for --timeout: the longest duration .* is about 24\.8 days \(596h\)/,
    not: /NETWORK_ERROR/,
  })),
  {
    name: 'diagnose --timeout 596h, just within the limit, and a healthy login works',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--timeout', '596h'),
    exit: 0,
    message: /works/,
    json: (doc) => expect(doc.result?.cause).to.equal(null),
  },
  {
    name: 'diagnose --timeout that is not a duration',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--timeout', 'soon'),
    exit: 2,
    message: /"soon" is not a duration for --timeout/,
  },
  {
    name: 'diagnose --timeout under a second',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--timeout', '500ms'),
    exit: 2,
    message: /too short for --timeout/,
  },
  {
    name: 'status --timeout 600h',
    command: 'status',
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--timeout', '600h'],
    exit: 2,
    message: /too long for --timeout/,
  },
  {
    name: 'approve --approval-timeout 600h',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--approval-timeout', '600h'],
    exit: 2,
    message: /too long for --approval-timeout/,
  },
  {
    name: 'approve --wait 2147484',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--wait', String(Math.floor(MAX_TIMER_MS / 1000) + 1)],
    exit: 2,
    message: /too long for --wait/,
  },

  // ---- URLs: scheme, no user-info (never echoed), a login URL without path, query or fragment ---------
  {
    name: 'a login URL with a password: refused, and the password is never repeated',
    command: 'diagnose',
    args: (ctx) => [
      ...ctx.jwt('healthy').slice(0, 6),
      '-r',
      ctx.emu('healthy').url.replace('http://', `http://ci:${PASSWORD}@`),
    ],
    exit: 1,
    message: /contains a user name or password/,
    not: /NETWORK_ERROR/,
    json: causeIs('LOGIN_URL_INVALID'),
  },
  {
    name: 'approve with a login URL that has a password: a usage error, never echoed',
    command: 'approve',
    args: (ctx) => [
      ...ctx.jwt('healthy').slice(0, 6),
      '-r',
      ctx.emu('healthy').url.replace('http://', `http://ci:${PASSWORD}@`),
    ],
    exit: 2,
    message: /contains a user name or password/,
  },
  {
    name: 'a login URL with a page path',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', 'https://acme.my.salesforce.com/lightning/setup/home'],
    exit: 1,
    message: /has a path .* --instance-url https:\/\/acme\.my\.salesforce\.com/s,
  },
  {
    name: 'a login URL with a query',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', 'https://login.salesforce.com/?startURL=%2Fhome'],
    exit: 1,
    message: /has a query/,
  },
  {
    name: 'a Lightning Experience URL',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', 'https://acme.lightning.force.com'],
    exit: 1,
    message: /Lightning Experience domain/,
  },
  {
    name: 'plain http to a remote host',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', 'http://acme.my.salesforce.com'],
    exit: 1,
    message: /unencrypted/,
  },
  {
    name: 'a port HTTP clients refuse ("bad port"): in words',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', 'http://127.0.0.1:1'],
    exit: 1,
    message: /refuse to connect to/,
    json: causeIs('NETWORK_ERROR'),
  },
  {
    name: 'a server that closes the connection (UND_ERR_SOCKET): in words',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', ctx.closer],
    exit: 1,
    message: /closed the connection without answering/,
    json: causeIs('NETWORK_ERROR'),
  },
  {
    name: 'https to a plain http server (an OpenSSL reason): in words',
    command: 'diagnose',
    args: (ctx) => [...ctx.jwt('healthy').slice(0, 6), '-r', ctx.plainHttp],
    exit: 1,
    message: /does not speak https/,
  },

  // ---- usernames and aliases: refused with the invisible character shown --------------------------
  {
    name: 'a username with a trailing newline',
    command: 'diagnose',
    args: (ctx) => ['-o', 'ci@acme.com\n', ...ctx.jwt('healthy').slice(2)],
    exit: 2,
    message: /"ci@acme\.com\\n" has a line break at the end/,
  },
  {
    name: 'a username with a space',
    command: 'diagnose',
    args: (ctx) => ['-o', 'ci user@acme.com', ...ctx.jwt('healthy').slice(2)],
    exit: 2,
    message: /has whitespace at character 3/,
  },
  {
    name: 'a username with an ANSI escape sequence: refused, and no escape reaches the terminal',
    command: 'diagnose',
    args: (ctx) => ['-o', 'ci\u001b[2J@acme.com', ...ctx.jwt('healthy').slice(2)],
    exit: 2,
    message: /has a control character/,
  },
  {
    name: 'status with a username that has a newline',
    command: 'status',
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com\r\n'],
    exit: 2,
    message: /has a line break/,
  },
  {
    name: 'a blank --admin-org is not "no admin org"',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--admin-org', ' '),
    exit: 2,
    message: /--admin-org is blank/,
  },
  {
    name: 'approve with a blank --admin-org does not fall back to the browser',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--admin-org', ''],
    exit: 2,
    message: /--admin-org is blank/,
  },
  {
    name: 'a username of spaces',
    command: 'status',
    args: () => ['--admin-org', 'emu-admin', '-o', '  '],
    exit: 2,
    message: /--username is blank/,
  },
  {
    name: "a server's error_description with escape sequences is shown without them",
    command: 'diagnose',
    setup: (ctx) =>
      ctx.emu('healthy').setFaults({
        // eslint-disable-next-line camelcase
        oauthError: { error: 'invalid_request', error_description: 'bad\u001b[2J\u001b]0;pwned\u0007 thing\r' },
      }),
    args: (ctx) => diagnose(ctx),
    exit: 1,
    message: /bad thing/,
    after: (ctx) => ctx.emu('healthy').setFaults(undefined),
    json: causeIs('UNKNOWN_ERROR'),
  },
  {
    name: 'a client ID with an emoji names its real code point',
    command: 'diagnose',
    args: (ctx) => [
      '-o',
      'ci@acme.com',
      '-i',
      '3MVG9\u{1F511}EMULATOR',
      '-f',
      SERVER_KEY,
      '-r',
      ctx.emu('healthy').url,
    ],
    exit: 1,
    message: /U\+1F511/,
    json: causeIs('INVALID_CLIENT_ID'),
  },
  {
    name: 'a client ID with a trailing newline',
    command: 'diagnose',
    args: (ctx) => ['-o', 'ci@acme.com', '-i', `${CI_CLIENT_ID}\n`, '-f', SERVER_KEY, '-r', ctx.emu('healthy').url],
    exit: 1,
    message: /ends with a line break/,
  },

  // ---- usage errors: exit 2, including oclif's own parse errors --------------------------------------
  {
    name: 'a flag without its value',
    command: 'diagnose',
    args: () => ['--username'],
    exit: 2,
    message: /Flag --username expects a value/,
  },
  {
    name: 'a flag given twice',
    command: 'diagnose',
    args: (ctx) => [...diagnose(ctx), '-r', 'https://test.salesforce.com'],
    exit: 2,
    message: /can only be specified once/,
  },
  {
    name: 'a value that is not one of the options (--browser safari)',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--browser', 'safari'],
    exit: 2,
    message: /one of: chrome, edge, firefox/,
  },
  {
    name: 'a flag that does not exist',
    command: 'status',
    args: () => ['--bogus'],
    exit: 2,
    message: /Nonexistent flag: --bogus/,
  },
  {
    name: 'flags that exclude each other',
    command: 'diagnose',
    args: () => ['--all', '-o', 'ci@acme.com'],
    exit: 2,
    message: /cannot also be provided/,
  },
  {
    name: 'no username',
    command: 'diagnose',
    args: () => [],
    exit: 2,
    message: /without a username/,
  },
  {
    name: 'a username with no stored login and no client ID or key',
    command: 'diagnose',
    args: () => ['-o', 'ci@acme.com'],
    exit: 2,
    message: /without --client-id, --jwt-key-file/,
  },
  {
    name: 'an unknown alias',
    command: 'diagnose',
    args: () => ['-o', 'no-such-alias'],
    exit: 2,
    message: /No username or alias "no-such-alias"/,
  },
  {
    name: 'an unknown --admin-org',
    command: 'status',
    args: () => ['--admin-org', 'no-such-org', '-o', 'ci@acme.com'],
    exit: 2,
    message: /Can't use "no-such-org" as --admin-org/,
  },
  {
    name: 'status without --admin-org',
    command: 'status',
    args: () => ['-o', 'ci@acme.com'],
    exit: 2,
    message: /reads the user record through an admin org, and none was given/,
  },
  {
    name: 'approve with a scope without refresh_token',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--scope', 'api web'],
    exit: 2,
    message: /refresh_token/,
  },
  {
    name: 'approve --dry-run without --admin-org',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--dry-run'],
    exit: 2,
    message: /--admin-org/,
  },
  {
    name: 'approve --permission-set that is not an API name',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--admin-org', 'emu-admin', '--permission-set', 'JWT Access'],
    exit: 2,
    message: /JWT Access/,
  },

  // ---- approve: the redirect URI, the listener and the wait ------------------------------------------
  {
    name: 'approve --redirect-uri http://localhost:0/x: a port the URL sent to Salesforce would not name',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--redirect-uri', 'http://localhost:0/x'],
    exit: 2,
    message: /names port 0/,
  },
  {
    name: 'approve --redirect-uri on localhost without a port',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--redirect-uri', 'http://localhost/OauthRedirect'],
    exit: 2,
    message: /names no port/,
  },
  {
    name: 'approve --redirect-uri https://localhost:1717/…: loopback, but the listener speaks plain http',
    command: 'approve',
    setup: (ctx) => ciCallbacks(ctx).push(HTTPS_LOOPBACK),
    args: (ctx) => [...ctx.jwt('healthy'), '--redirect-uri', HTTPS_LOOPBACK],
    exit: 0,
    message: /on this machine but uses https, and this command's listener speaks plain http/,
    not: /not a loopback/,
    json: (doc) => expect((doc.result?.approval as { status?: string }).status).to.equal('not-received'),
    after: (ctx) => ciCallbacks(ctx).splice(ciCallbacks(ctx).indexOf(HTTPS_LOOPBACK), 1),
    // a child process: its browser (BROWSER=true) opens nothing
    child: {},
  },
  {
    name: 'a stray request with a wrong state does not end the wait for the approval',
    command: 'approve',
    args: (ctx) => ctx.jwt('healthy'),
    exit: 130,
    message: /Stopped \(Ctrl-C\)/,
    child: {
      interrupt: async (ctx, out): Promise<void> => {
        await until(() => out().includes('/services/oauth2/authorize?'));
        const stray = await fetch('http://127.0.0.1:1717/OauthRedirect?code=from-an-old-tab&state=not-this-one');
        expect(stray.status).to.equal(400);
        expect(await stray.text()).to.include('Ignored');
        // still waiting: nothing decided, the listener still answers
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(out()).to.not.match(/=== Approval|"status"/);
        expect(await portClosed(1717), 'the listener stopped').to.equal(false);
      },
    },
    after: async () => expect(await portClosed(1717), 'port 1717 still listening').to.equal(true),
  },
  {
    name: 'approve that sees no redirect names --approval-timeout for more time, not --wait',
    command: 'approve',
    // no key: the outcome rests on the redirect alone
    args: (ctx) => [...ctx.jwt('healthy').filter((a) => a !== '-f' && a !== SERVER_KEY), '--approval-timeout', '1'],
    exit: 1,
    message: /No redirect arrived within 1 seconds[\s\S]*--approval-timeout/,
    not: /pass --wait/,
    child: {},
  },
  {
    name: 'approve --admin-org --wait for a self-authorize app whose approval has not applied yet: it waits',
    command: 'approve',
    setup: async (ctx): Promise<void> => {
      await ctx.login('approval-pending', 'admin@acme.com', 'pending-admin');
      const user = ctx.emu('approval-pending').store.data.users.find((u) => u.username === 'ci@acme.com');
      if (!user) throw new Error('no ci@acme.com in approval-pending');
      user.approvalPending = true;
      // the approval applies a moment later, while the command waits
      setTimeout(() => {
        user.approvalPending = false;
      }, 500).unref();
    },
    args: (ctx) => [...ctx.jwt('approval-pending'), '--admin-org', 'pending-admin', '--wait', '20s'],
    exit: 0,
    message: /The JWT login of ci@acme\.com works/,
    json: (doc): void => {
      const result = doc.result as { selfAuthorize?: boolean; verification?: { ok: boolean; tries: number } };
      expect(result.selfAuthorize).to.equal(true);
      expect(result.verification?.ok).to.equal(true);
      expect(result.verification?.tries).to.be.greaterThan(1);
    },
    withinMs: 20_000,
  },

  // ---- keygen ---------------------------------------------------------------------------------------
  {
    name: 'keygen --common-name with quotes writes exactly that name',
    command: 'keygen',
    args: (ctx) => ['--output-dir', join(ctx.dir, 'jwt'), '--common-name', 'CI "deploy" user'],
    exit: 0,
    message: /Wrote a 2048-bit RSA private key/,
    jsonMessage: /server\.crt/,
    json: (doc) => expect(doc.result?.commonName).to.equal('CI "deploy" user'),
    after: (ctx): void => {
      const cert = new X509Certificate(readFileSync(join(ctx.dir, 'jwt', 'server.crt')));
      expect(cert.subject).to.equal('CN=CI \\"deploy\\" user');
      rmSync(join(ctx.dir, 'jwt'), { recursive: true, force: true });
    },
  },
  {
    name: 'keygen --bits 16384 names the real limit, not "shorter than 2048"',
    command: 'keygen',
    args: (ctx) => ['--output-dir', ctx.dir, '--bits', '16384'],
    exit: 2,
    message: /4096 bits is the largest key this command makes/,
    not: /shorter/,
  },
  {
    name: 'keygen --bits 1024',
    command: 'keygen',
    args: (ctx) => ['--output-dir', ctx.dir, '--bits', '1024'],
    exit: 2,
    message: /shorter than 2048 bits/,
  },
  {
    name: 'keygen --bits that is not a number',
    command: 'keygen',
    args: (ctx) => ['--output-dir', ctx.dir, '--bits', 'many'],
    exit: 2,
    message: /Expected an integer/,
  },
  ...['', '  '].map((dir): Row => ({
    name: `keygen --output-dir ${JSON.stringify(dir)} is a usage error, not the current directory`,
    command: 'keygen',
    args: () => ['--output-dir', dir],
    exit: 2,
    message: /--output-dir is empty/,
    after: () => expect(existsSync(join(REPO_ROOT, dir, 'server.key'))).to.equal(false),
  })),
  {
    name: 'keygen --output-dir with whitespace around it',
    command: 'keygen',
    args: (ctx) => ['--output-dir', `${ctx.dir}/jwt `],
    exit: 2,
    message: /starts or ends with whitespace/,
  },
  {
    name: 'keygen --days 0',
    command: 'keygen',
    args: (ctx) => ['--output-dir', ctx.dir, '--days', '0'],
    exit: 2,
    message: /valid for 0 days/,
  },
  {
    name: 'keygen over existing files without --force',
    command: 'keygen',
    setup: (ctx) => writeFileSync(join(ctx.dir, 'server.key'), 'old'),
    args: (ctx) => ['--output-dir', ctx.dir],
    exit: 1,
    message: /already has server\.key/,
    after: (ctx) => expect(readFileSync(join(ctx.dir, 'server.key'), 'utf8')).to.equal('old'),
  },
  {
    name: 'keygen into a directory the system refuses: in words, not a bare error code',
    command: 'keygen',
    args: () => ['--output-dir', '/sys/jwt-keys'],
    exit: 1,
    message: /Can't write to the directory \/sys\/jwt-keys: /,
    only: { when: isRoot, reason: 'needs root (/sys refuses new directories even to root)' },
  },

  // ---- --admin-org: the same org first; refused reads are unknown -----------------------------------
  {
    name: 'diagnose through an admin org of another org: no USER_NOT_FOUND "probably …", no verdict from it',
    command: 'diagnose',
    setup: (ctx) => ctx.login('sandbox', 'admin@acme.com.uat', 'uat-admin'),
    args: (ctx) => [...ctx.jwt('not-approved'), '--admin-org', 'uat-admin'],
    exit: 1,
    message: /--admin-org uat-admin is the org at http:\/\/127\.0\.0\.1:\d+, but ci@acme\.com logs in to/,
    not: /USER_NOT_FOUND|probably/,
    json: (doc): void => {
      expect(doc.result?.cause?.code).to.equal('USER_NOT_APPROVED');
      expect(
        (doc.result?.checks as Array<{ id: string; status: string }>).find((c) => c.id === 'org-evidence'),
      ).to.include({ status: 'warn' });
    },
  },
  {
    name: 'status through an admin without setup rights: unknown, not "no approval" (exit 1)',
    command: 'status',
    setup: (ctx) => ctx.login('restricted-admin', 'admin@acme.com', 'emu-admin'),
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--app-name', 'CI_App'],
    exit: 1,
    message: /Can't tell whether the user record shows what a JWT login needs: .* could not be read through emu-admin/,
    not: /has no approval/,
    json: (doc): void => {
      expect(doc.result).not.to.have.property('approved');
      expect(doc.result?.oauthTokens, 'approvals hidden from this admin are not "none"').to.equal(undefined);
      expect(doc.result?.message).to.match(/could not be read/);
    },
  },
  {
    name: 'status through an admin that cannot read the app by client ID: unknown (exit 1)',
    command: 'status',
    setup: (ctx) => ctx.login('restricted-admin', 'admin@acme.com', 'emu-admin'),
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--client-id', CI_CLIENT_ID],
    exit: 1,
    message: /could not be identified through emu-admin/,
    not: /has no approval/,
  },
  {
    name: 'status --json for a user that is not in the org carries a message',
    command: 'status',
    setup: (ctx) => ctx.login('healthy', 'admin@acme.com', 'emu-admin'),
    args: () => ['--admin-org', 'emu-admin', '-o', 'nobody@acme.com'],
    exit: 1,
    message: /No user nobody@acme\.com in the admin org emu-admin/,
    json: (doc): void => {
      expect(doc.result?.user).to.equal(null);
      expect(doc.result?.message).to.match(/No user nobody@acme\.com/);
    },
  },
  {
    name: 'status through an admin org of another org than the user’s stored login: refused',
    command: 'status',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'ci@acme.com');
      await ctx.login('sandbox', 'admin@acme.com.uat', 'uat-admin');
    },
    args: () => ['--admin-org', 'uat-admin', '-o', 'ci@acme.com'],
    exit: 2,
    message: /--admin-org uat-admin is another Salesforce org than the one ci@acme\.com logs in to/,
  },
  {
    name: 'approve --admin-org of another org: refused before anything changes',
    command: 'approve',
    setup: (ctx) => ctx.login('sandbox', 'admin@acme.com.uat', 'uat-admin'),
    args: (ctx) => [...ctx.jwt('healthy'), '--admin-org', 'uat-admin'],
    exit: 2,
    message: /is another Salesforce org than the one ci@acme\.com logs in to/,
    after: (ctx) => expect(ctx.emu('sandbox').store.changes).to.deep.equal([]),
  },
  {
    name: 'inactive_user without --admin-org: inactive or frozen, and how to tell',
    command: 'diagnose',
    args: (ctx) => ctx.jwt('user-inactive'),
    exit: 1,
    message: /deactivated or frozen[\s\S]*--admin-org/,
    json: causeIs('USER_INACTIVE'),
  },

  // ---- the CLI's stored logins: one guarded reader, a store that can't be read is not empty ---------------
  {
    name: 'a stored login that is a FIFO: --all ends at once and names it, the other logins are diagnosed',
    command: 'diagnose',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'ci@acme.com');
      execFileSync('mkfifo', [join(sfdxDir(ctx), 'fifo@acme.com.json')]);
    },
    args: () => ['--all'],
    exit: 1,
    // the table cuts the reason short; the JSON has all of it
    message: /fifo@acme\.com: UNKNOWN_ERROR\. The CLI's stored login file\s+\S*fifo@acme\.com\.json/,
    jsonMessage: /fifo@acme\.com\.json could not be read: it is a named pipe \(FIFO\)/,
    child: {},
    json: (doc): void => {
      expect(doc.result?.summary).to.deep.include({ total: 2, ok: 1, failed: 1 });
    },
    only: linux,
  },
  {
    name: 'diagnose -o a user whose stored login is a FIFO ends at once, naming the file',
    command: 'diagnose',
    setup: (ctx) => execFileSync('mkfifo', [join(sfdxDir(ctx), 'fifo@acme.com.json')]),
    args: () => ['-o', 'fifo@acme.com'],
    exit: 1,
    message: /stored login for fifo@acme\.com can't be read: .*fifo@acme\.com\.json: it is a named pipe \(FIFO\)/,
    child: {},
    only: linux,
  },
  {
    name: 'an alias file that is a FIFO ends at once, naming it',
    command: 'diagnose',
    setup: (ctx) => execFileSync('mkfifo', [join(sfdxDir(ctx), 'alias.json')]),
    args: () => ['-o', 'ci-login'],
    exit: 1,
    message: /aliases can't be read: .*alias\.json: it is a named pipe \(FIFO\)/,
    child: {},
    only: linux,
  },
  {
    name: 'an ~/.sfdx that cannot be listed is a failure, not an empty store (EACCES, as root sees it stubbed)',
    command: 'diagnose',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'ci@acme.com');
      const denied = Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' });
      stubbed().stub(storeFs, 'readdir').rejects(denied);
    },
    args: () => ['--all'],
    exit: 1,
    message: /Can't read the CLI's stored logins in .*\.sfdx: permission denied/,
    not: /no stored JWT logins|"total": 0/,
    after: unstub,
  },
  {
    name: 'an ~/.sfdx of mode 000 is a failure, not an empty store',
    command: 'diagnose',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'ci@acme.com');
      execFileSync('chmod', ['000', sfdxDir(ctx)]);
    },
    args: () => ['--all'],
    exit: 1,
    message: /Can't read the CLI's stored logins in .*\.sfdx: permission denied/,
    after: (ctx) => execFileSync('chmod', ['755', join(ctx.home, '.sfdx')]),
    only: { when: () => !isRoot() && process.platform !== 'win32', reason: 'root reads a mode 000 directory' },
  },
  {
    name: 'stored logins that are a directory, a link to /dev/zero and a 20 MB file: named, none read',
    command: 'diagnose',
    setup: (ctx): void => {
      const dir = sfdxDir(ctx);
      mkdirSync(join(dir, 'dir@acme.com.json'));
      symlinkSync('/dev/zero', join(dir, 'zero@acme.com.json'));
      execFileSync('truncate', ['-s', '20M', join(dir, 'big@acme.com.json')]);
    },
    args: () => ['--all'],
    exit: 1,
    message: /big@acme\.com: UNKNOWN_ERROR[\s\S]*dir@acme\.com: UNKNOWN_ERROR[\s\S]*zero@acme\.com: UNKNOWN_ERROR/,
    jsonMessage:
      /big@acme\.com\.json could not be read: it is 20971520 bytes long[\s\S]*dir@acme\.com\.json could not be read: it is a directory[\s\S]*zero@acme\.com\.json could not be read: it is a device/,
    json: (doc): void => {
      expect(doc.result?.summary).to.deep.include({ total: 3, failed: 3 });
    },
    only: linux,
  },
  {
    name: 'a stored login that is not JSON: the next command names the file',
    command: 'diagnose',
    setup: (ctx) => writeFileSync(join(sfdxDir(ctx), 'broken@acme.com.json'), '{"username": "broken@'),
    args: () => ['-o', 'broken@acme.com'],
    exit: 1,
    message: /stored login for broken@acme\.com can't be read: .*broken@acme\.com\.json: the file is not JSON/,
    not: /is not a JWT login|--client-id/,
  },
  {
    name: 'a stored JWT login without a client ID: the error names the file',
    command: 'diagnose',
    setup: (ctx) => writeAuth(ctx, 'nocid@acme.com', { clientId: undefined }),
    args: () => ['-o', 'nocid@acme.com'],
    exit: 2,
    message: /stored JWT login for nocid@acme\.com \(.*nocid@acme\.com\.json\) has no --client-id/,
  },
  {
    name: 'a symbolic link to a stored login is one login, not two rows',
    command: 'diagnose',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'ci@acme.com');
      symlinkSync(join(sfdxDir(ctx), 'ci@acme.com.json'), join(sfdxDir(ctx), 'ci-link@acme.com.json'));
    },
    args: () => ['--all'],
    exit: 0,
    message: /1 of 1 JWT logins work/,
    jsonMessage: /ci@acme\.com/,
    json: (doc) => expect(doc.result?.summary).to.deep.include({ total: 1, ok: 1 }),
  },
  {
    name: 'a stored key path that starts with ~ is called out, not read from the current directory in silence',
    command: 'diagnose',
    setup: (ctx) => writeAuth(ctx, 'tilde@acme.com', { privateKey: '~/server.key', loginUrl: ctx.emu('healthy').url }),
    args: () => ['-o', 'tilde@acme.com'],
    exit: 1,
    message: /gives the key path ~\/server\.key, which starts with ~: nothing expands ~ in a stored path/,
    json: causeIs('KEY_FILE_NOT_FOUND'),
  },
  {
    name: 'a session token in a stored login URL is never shown (--all, the table and the JSON)',
    command: 'diagnose',
    setup: (ctx) =>
      writeAuth(ctx, 'token@acme.com', { loginUrl: `${ctx.emu('healthy').url}/?access_token=${SESSION_TOKEN}&sid=x` }),
    args: () => ['--all'],
    exit: 1,
    message: /has a query \(\?…\) or fragment/,
    not: /FakeSessionToken/,
    json: (doc, ctx): void => {
      const org = (doc.result?.orgs as Array<Record<string, unknown>>)[0];
      expect(org.loginUrl).to.equal(`${ctx.emu('healthy').url}/?****`);
    },
  },
  {
    name: 'a session token in the stored login URL of -o is never shown',
    command: 'diagnose',
    setup: (ctx) =>
      writeAuth(ctx, 'token@acme.com', { loginUrl: `${ctx.emu('healthy').url}/?sid=${SESSION_TOKEN}#access_token=y` }),
    args: () => ['-o', 'token@acme.com'],
    exit: 1,
    message: /\/\?\*\*\*\*#\*\*\*\* has a query/,
    not: /FakeSessionToken/,
    json: causeIs('LOGIN_URL_INVALID'),
  },

  // ---- --admin-org: checked whenever given; a refused or failed read is unknown, never "none" ------------
  {
    name: '--admin-org that the CLI does not know is a usage error even when the JWT login works',
    command: 'diagnose',
    args: (ctx) => diagnose(ctx, '--admin-org', 'nosuch'),
    exit: 2,
    message: /Can't use "nosuch" as --admin-org/,
  },
  {
    name: 'status through an admin that may read nothing, without an app: unknown (exit 1), not "no approvals"',
    command: 'status',
    setup: (ctx) => ctx.login('restricted-admin', 'admin@acme.com', 'emu-admin'),
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com'],
    exit: 1,
    message: /OAuth approvals of ci@acme\.com could not be read through emu-admin/,
    not: /has no OAuth approvals/,
    json: (doc) => expect(doc.result?.oauthTokens).to.equal(undefined),
  },
  {
    name: 'status through an admin without Customize Application: hidden approvals are unknown, not "none"',
    command: 'status',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'admin@acme.com', 'emu-admin');
      adminLacks(ctx, 'healthy', { customizeApplication: false });
    },
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--client-id', CI_CLIENT_ID],
    exit: 1,
    message: /Can't tell whether the user record shows what a JWT login needs: .*OauthToken could not be read/,
    not: /has no approval/,
    json: (doc): void => {
      expect(doc.result).not.to.have.property('approved');
      expect(doc.result?.oauthTokens).to.equal(undefined);
    },
    after: (ctx) => adminLacks(ctx, 'healthy', undefined),
  },
  {
    name: 'status through an admin whose reads fail with an odd error shape: words, not a TypeError (exit 1)',
    command: 'status',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'admin@acme.com', 'emu-admin');
      stubbed().stub(Connection.prototype, 'request').rejects(oddReadError());
    },
    args: () => ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--app-name', 'CI_App'],
    exit: 1,
    message: /INSUFFICIENT_ACCESS: Insufficient access to read this/,
    after: unstub,
  },
  {
    name: 'approve --dry-run through an admin whose reads fail with an odd error shape: words, exit 1',
    command: 'approve',
    setup: async (ctx): Promise<void> => {
      await ctx.login('healthy', 'admin@acme.com', 'emu-admin');
      stubbed().stub(Connection.prototype, 'request').rejects(oddReadError());
    },
    args: (ctx) => [...ctx.jwt('healthy'), '--admin-org', 'emu-admin', '--app-name', 'Admin_App', '--dry-run'],
    exit: 1,
    message: /INSUFFICIENT_ACCESS: Insufficient access to read this/,
    after: unstub,
  },
  {
    name: 'an admin login whose access token expired is refreshed for the run; its auth file stays as it is',
    command: 'diagnose',
    setup: async (ctx): Promise<void> => {
      await ctx.login('not-approved', 'admin@acme.com', 'emu-admin');
      await expireSessions(ctx, 'not-approved');
    },
    args: (ctx) => [...ctx.jwt('not-approved'), '--admin-org', 'emu-admin'],
    exit: 1,
    message: /USER_NOT_APPROVED/,
    json: (doc): void => {
      const checks = doc.result?.checks as Array<{ id: string; status: string }>;
      expect(checks.find((c) => c.id === 'org-evidence')).to.include({ status: 'pass' });
    },
  },

  // ---- approve: --wait is a budget for the whole command -------------------------------------------------
  {
    name: 'approve --url-only --wait 3s against a token endpoint that hangs ends within the wait',
    command: 'approve',
    setup: (ctx) => ctx.emu('healthy').setFaults({ hang: true }),
    args: (ctx) => [...ctx.jwt('healthy'), '--url-only', '--wait', '3s'],
    exit: 1,
    message: /NETWORK_ERROR/,
    withinMs: 8000,
    after: (ctx) => ctx.emu('healthy').setFaults(undefined),
  },
  {
    name: 'approve --url-only --wait 3s against a host that hangs ends within the wait (check and login included)',
    command: 'approve',
    setup: (ctx) => ctx.emu('healthy').setFaults({ hang: true, paths: ['/'] }),
    args: (ctx) => [...ctx.jwt('healthy'), '--url-only', '--wait', '3s'],
    exit: 1,
    message: /NETWORK_ERROR/,
    withinMs: 8000,
    after: (ctx) => ctx.emu('healthy').setFaults(undefined),
  },
  {
    name: 'approve --url-only --wait with the key: the next steps never ask for what the run already did',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('not-approved'), '--url-only', '--wait', '2s'],
    exit: 1,
    message: /No redirect arrived/,
    not: /run the command again with --url-only|give this command the key/,
  },
  {
    name: 'approve --redirect-uri with trailing spaces: the refusal points at the spaces',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--redirect-uri', 'http://localhost:1717/OauthRedirect  '],
    exit: 1,
    message:
      /"http:\/\/localhost:1717\/OauthRedirect {2}" is not one of the app's callback URLs: it has spaces around it/,
  },
  {
    name: 'approve --browser firefox without Firefox: in words, not "spawn firefox ENOENT"',
    command: 'approve',
    args: (ctx) => [...ctx.jwt('healthy'), '--browser', 'firefox', '--approval-timeout', '1s'],
    // no redirect came, and the JWT login works
    exit: 0,
    message: /firefox is not installed here, or not on the PATH/,
    only: { when: () => !hasFirefox(), reason: 'Firefox is installed here' },
  },
  // ---- setup: bad input and faults, nothing half-made -------------------------------------------------
  {
    name: 'setup: an unknown --admin-org alias',
    command: 'setup',
    args: (ctx) => ['--admin-org', 'no-such-admin', '-o', 'ci@acme.com', '--output-dir', join(ctx.dir, 'jwt')],
    exit: 2,
    message: /Can't use "no-such-admin" as --admin-org/,
  },
  {
    name: 'setup: an --app-name that is not an API name',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--app-name', 'CI JWT'),
    exit: 2,
    message: /--app-name "CI JWT" is not a Salesforce API name[\s\S]*--app-name CI_JWT/,
  },
  {
    name: 'setup: a --callback-url that is not a URL',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--callback-url', 'localhost:1717/OauthRedirect'),
    exit: 2,
    message: /--callback-url "localhost:1717\/OauthRedirect" can't be a callback URL: it is not an absolute URL/,
  },
  {
    name: 'setup: an unknown --scope, and one without refresh_token',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--scope', 'api refresh'),
    exit: 2,
    message: /--scope has scopes Salesforce doesn't know: refresh/,
  },
  {
    name: 'setup: --scope without refresh_token',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--scope', 'api web'),
    exit: 2,
    message: /neither refresh_token nor offline_access/,
  },
  {
    name: 'setup: --cert-file without --jwt-key-file',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--cert-file', fixtureKey('server.crt')),
    exit: 2,
    message: /jwt-key-file/,
  },
  {
    name: 'setup: --alias with --no-store',
    command: 'setup',
    args: (ctx) => setupArgs(ctx, '--alias', 'ci', '--no-store'),
    exit: 2,
    message: /--no-store/,
  },
  {
    name: 'setup: a 1024-bit key fails the key checks: nothing written or deployed',
    command: 'setup',
    setup: ecaAdmin,
    args: (ctx) => setupArgs(ctx, '-f', fixtureKey('weak1024.key')),
    exit: 1,
    message: /1024 bits/,
    json: setupFailedAt('key'),
    after: nothingDeployedOrWritten,
  },
  {
    name: "setup: a certificate that is not the key's: nothing written or deployed",
    command: 'setup',
    setup: ecaAdmin,
    args: (ctx) => setupArgs(ctx, '-f', SERVER_KEY, '--cert-file', fixtureKey('other.crt')),
    exit: 1,
    message: /The certificate \S+other\.crt does not belong to this key/,
    json: setupFailedAt('key'),
    after: nothingDeployedOrWritten,
  },
  {
    name: 'setup: --output-dir holds a key without its certificate: not a pair, nothing written or deployed',
    command: 'setup',
    setup: async (ctx): Promise<void> => {
      await ecaAdmin();
      const dir = join(ctx.dir, 'jwt');
      mkdirSync(dir);
      writeFileSync(join(dir, 'server.key'), readFileSync(SERVER_KEY));
    },
    args: (ctx) => setupArgs(ctx),
    exit: 1,
    message: /has .*server\.key but not .*server\.crt/,
    json: setupFailedAt('key'),
    after: (ctx): void => {
      expect(readdirSync(join(ctx.dir, 'jwt'))).to.deep.equal(['server.key']);
      expect(ctx.emu('eca-setup').store.deploys.filter((d) => !d.options.checkOnly)).to.deep.equal([]);
    },
  },
  {
    name: 'setup: the Metadata API answers an HTML page: in words, nothing written or deployed',
    command: 'setup',
    setup: async (ctx): Promise<void> => {
      await ecaAdmin();
      ctx.emu('eca-setup').setFaults({ html503: true, paths: ['/services/Soap'] });
    },
    args: (ctx) => setupArgs(ctx),
    exit: 1,
    message: /HTTP 503 with an HTML page titled "Salesforce - Maintenance"/,
    json: setupFailedAt('preflight'),
    after: nothingDeployedOrWritten,
  },
  {
    name: 'Ctrl-C while setup reads the org: exit 130, says no deploy was sent',
    command: 'setup',
    setup: async (ctx): Promise<void> => {
      await ecaAdmin();
      ctx.emu('eca-setup').clearRequests();
      ctx.emu('eca-setup').setFaults({ hang: true, paths: ['/services/Soap'] });
    },
    args: (ctx) => setupArgs(ctx),
    exit: 130,
    message: /Stopped \(Ctrl-C\)[\s\S]*No deploy was sent: the org is unchanged/,
    child: {
      interrupt: (ctx) => until(() => ctx.emu('eca-setup').requests.some((r) => r.path.startsWith('/services/Soap'))),
    },
    after: (ctx): void => {
      ctx.emu('eca-setup').setFaults(undefined);
      nothingDeployedOrWritten(ctx);
    },
  },
  {
    name: 'Ctrl-C while the deploy runs: exit 130, says the deploy was already sent and its id',
    command: 'setup',
    setup: ecaAdmin,
    args: (ctx) => setupArgs(ctx),
    exit: 130,
    message: /Stopped \(Ctrl-C\)[\s\S]*The deploy 0Af\w+ was already sent to eca-admin/,
    child: {
      // the deploy, once sent, stays in progress until Ctrl-C
      interrupt: (ctx) =>
        until(() => {
          const job = ctx.emu('eca-setup').store.deploys.find((d) => !d.options.checkOnly);
          if (job && !job.done) job.pendingPolls = 1_000_000;
          return job !== undefined;
        }, 30_000),
      raced: (run) => run.exit === 0,
    },
    after: (ctx): void => {
      const store = ctx.emu('eca-setup').store;
      expect(store.deploys.some((d) => !d.options.checkOnly)).to.equal(true);
      store.deploys.length = 0;
      // the key written before the deploy stays, for the next run to reuse
      expect(readdirSync(join(ctx.dir, 'jwt')).sort()).to.deep.equal(['server.crt', 'server.key']);
    },
    withinMs: 60_000,
  },

  // ---- Ctrl-C: quiet, exit 130, cleaned up ------------------------------------------------------------
  {
    name: 'Ctrl-C while diagnose waits for an answer',
    command: 'diagnose',
    setup: (ctx): void => {
      ctx.emu('healthy').clearRequests();
      ctx.emu('healthy').setFaults({ hang: true });
    },
    args: (ctx) => diagnose(ctx),
    exit: 130,
    message: /Stopped \(Ctrl-C\)/,
    child: {
      interrupt: (ctx) => until(() => ctx.emu('healthy').requests.some((r) => r.path === TOKEN_PATH)),
    },
    after: (ctx): void => {
      ctx.emu('healthy').setFaults(undefined);
      ctx.emu('healthy').clearRequests();
    },
  },
  {
    name: 'Ctrl-C while approve waits for the browser: the listener is closed',
    command: 'approve',
    args: (ctx) => ctx.jwt('healthy'),
    exit: 130,
    message: /Stopped \(Ctrl-C\)/,
    child: { interrupt: (ctx, out) => until(() => out().includes('/services/oauth2/authorize?')) },
    after: async () => expect(await portClosed(1717), 'port 1717 still listening').to.equal(true),
  },
  {
    name: 'Ctrl-C while keygen makes a key: no partial files',
    command: 'keygen',
    args: (ctx) => ['--output-dir', join(ctx.dir, 'keys'), '--bits', '4096'],
    exit: 130,
    message: /Stopped \(Ctrl-C\)/,
    child: {
      interrupt: (ctx, out, pid) => until(() => workerBusy(pid)),
      // a 4096-bit key can come out before Ctrl-C arrives: then the files are complete, and the run is repeated
      raced: (run) => run.exit === 0,
      reset: (ctx) => rmSync(join(ctx.dir, 'keys'), { recursive: true, force: true }),
    },
    after: (ctx): void => {
      const dir = join(ctx.dir, 'keys');
      expect(existsSync(dir) ? readdirSync(dir) : []).to.deep.equal([]);
    },
    only: linux,
  },
];

// ---------------------------------------------------------------------------------------------
// the harness
// ---------------------------------------------------------------------------------------------

describe('bad inputs: exit code, words, and the promises every command keeps', function () {
  this.timeout(120_000);
  const emulators = new Map<string, Emulator>();
  const servers: Server[] = [];
  let shared: string;
  let fifo: string;
  let closer: string;
  let plainHttp: string;
  let entry: string;
  let config: Config;
  const savedAudience = process.env.SF_AUDIENCE_URL;

  async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<string> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  before(async () => {
    delete process.env.SF_AUDIENCE_URL;
    shared = mkdtempSync(join(tmpdir(), 'jwt-bad-inputs-'));
    if (process.platform === 'linux') {
      fifo = join(shared, 'key.fifo');
      execFileSync('mkfifo', [fifo]);
    }
    closer = `http://${await listen((socket) => socket.destroy())}`;
    plainHttp = `https://${await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))}`;
    for (const scenario of [
      'eca-setup',
      'healthy',
      'not-approved',
      'sandbox',
      'restricted-admin',
      'user-inactive',
      'approval-pending',
    ]) {
      // eslint-disable-next-line no-await-in-loop
      emulators.set(scenario, await startEmulator(loadScenario(scenario)));
    }
    entry = entryPoint();
    config = await Config.load(REPO_ROOT);
    ecaSetupUrl = (): string => (emulators.get('eca-setup') as Emulator).url;
  });

  after(async () => {
    if (savedAudience !== undefined) process.env.SF_AUDIENCE_URL = savedAudience;
    await Promise.all([...emulators.values()].map((e) => e.close()));
    servers.forEach((s) => s.close());
    rmSync(shared, { recursive: true, force: true });
  });

  function context(home: TempHome, dir: string): Ctx {
    const emu = (scenario: string): Emulator => {
      const found = emulators.get(scenario);
      if (!found) throw new Error(`no emulator for ${scenario}`);
      return found;
    };
    return {
      home: home.home,
      dir,
      emu,
      fifo,
      closer,
      plainHttp,
      login: async (scenario, username, alias): Promise<void> => {
        await storeJwtLogin({
          username,
          loginUrl: emu(scenario).url,
          alias,
        });
      },
      jwt: (scenario, username = 'ci@acme.com') => [
        '-o',
        username,
        '-i',
        CI_CLIENT_ID,
        '-f',
        SERVER_KEY,
        '-r',
        emu(scenario).url,
      ],
    };
  }

  function expectPromisesKept(row: Row, mode: Mode, run: Run, ctx: Ctx, before: Map<string, string>): void {
    const output = `${run.stdout}\n${run.stderr}`.replace(NODE_HTTP_WARNING, '');
    const what = `${row.name} [${mode}]\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    expect(run.exit, `exit code: ${what}`).to.equal(row.exit);
    expect(run.ms, `time: ${what}`).to.be.below(row.withinMs ?? (row.child ? 30_000 : 10_000));
    expect(INTERNAL.exec(output)?.[0], `internal words: ${what}`).to.equal(undefined);
    expect(CONTROL.exec(output)?.[0], `control character: ${what}`).to.equal(undefined);
    expect(leaks(output), `secret: ${what}`).to.deep.equal([]);
    expect(treeChanges(before, homeTree(ctx.home)), `HOME changed: ${what}`).to.deep.equal([]);
    if (mode === 'human') {
      // the human output is folded to the width: its words, whatever the line breaks
      const words = unfolded(output);
      expect(row.message.test(output) || row.message.test(words), `message: ${what}`).to.equal(true);
      if (row.not) expect(`${output}\n${words}`, `must not say: ${what}`).not.to.match(row.not);
      return;
    }
    let doc: JsonDoc;
    try {
      doc = JSON.parse(run.stdout) as JsonDoc;
    } catch {
      expect.fail(`stdout is not one JSON document: ${what}`);
    }
    expect(doc.status, `JSON status: ${what}`).to.equal(row.exit);
    expect(doc, `JSON stack: ${what}`).not.to.have.property('stack');
    const text = strings(doc).join('\n');
    expect(text, `JSON message: ${what}`).to.match(row.jsonMessage ?? row.message);
    if (row.not) expect(text, `JSON must not say: ${what}`).not.to.match(row.not);
    if (row.exit !== 0 && row.exit !== 1) expect(doc.message, `JSON error message: ${what}`).to.be.a('string');
    row.json?.(doc, ctx);
  }

  for (const row of rows) {
    for (const mode of row.modes ?? (['human', 'json'] as Mode[])) {
      it(`${row.name} → exit ${row.exit} [${mode}${row.child ? ', child process' : ''}]`, async function () {
        if (row.only && !row.only.when()) this.skip();
        const home = useTempHome('jwt-bad-input-home-');
        const dir = mkdtempSync(join(tmpdir(), 'jwt-bad-input-dir-'));
        try {
          const ctx = context(home, dir);
          for (const emu of emulators.values()) emu.setFaults(undefined);
          await row.setup?.(ctx);
          const before = homeTree(ctx.home);
          const argv = [...row.args(ctx), ...(mode === 'json' ? ['--json'] : [])];
          let run = row.child
            ? await runChild(entry, row.command, argv, ctx, row.child.interrupt, row.withinMs ?? 30_000)
            : await runInProcess(config, row.command, argv);
          for (let attempt = 1; attempt < 3 && row.child?.raced?.(run); attempt++) {
            row.child.reset?.(ctx);
            // eslint-disable-next-line no-await-in-loop
            run = await runChild(entry, row.command, argv, ctx, row.child.interrupt, row.withinMs ?? 30_000);
          }
          await row.after?.(ctx);
          expectPromisesKept(row, mode, run, ctx, before);
        } finally {
          home.restore();
          rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
        }
      });
    }
  }

  it('has a row for every kind of bad input the issue names', () => {
    const names = rows.map((r) => r.name).join('\n');
    for (const topic of ['FIFO', 'Ctrl-C', '--timeout 600h', 'password', 'newline', '--bits 16384', 'another org']) {
      expect(names, topic).to.include(topic);
    }
  });
});
