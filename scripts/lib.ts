/*
 * What the demo and the benchmark share: a throw-away HOME with a quiet sf environment, and running a
 * child process asynchronously (the emulators answer from the parent process, so it must not block).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const keyFile = (name: string): string => join(ROOT, 'emulator', 'keys', name);

/** A temp HOME and the environment that keeps sf quiet and local in it. */
export function scratchEnv(prefix: string): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return {
    home,
    env: {
      ...process.env,
      HOME: home,
      TMPDIR: home,
      SF_DISABLE_TELEMETRY: 'true',
      SF_SKIP_NEW_VERSION_CHECK: 'true',
      SF_DISABLE_AUTOUPDATE: 'true',
      SF_SKIP_SCRATCH_ORG_CHECK: 'true',
      SF_DISABLE_DNS_CHECK: 'true',
      OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
    },
  };
}

/** A child's exit status, its stdout and stderr, both as they arrived (`output`), and the time it took. */
export type ChildRun = { status: number | null; stdout: string; stderr: string; output: string; ms: number };

/** Runs `node <script> <args>` with the Node that runs this script. */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), (output += d)));
    child.on('error', reject);
    child.on('close', (status) =>
      resolvePromise({ status, stdout, stderr, output, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
  });
}

/** An emulator in its own process (emulator/cli.ts), so the measured commands share no event loop with it. */
export type EmulatorProcess = {
  url: string;
  requestCount(): Promise<number>;
  /** A control endpoint of the emulator (/__faults, /__users/<username>), with a JSON body. */
  control(method: string, path: string, body: unknown): Promise<void>;
  close(): void;
};

export function startEmulatorProcess(scenario: string, extraArgs: string[] = []): Promise<EmulatorProcess> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'emulator', 'cli.ts'), '--scenario', scenario, ...extraArgs],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffered = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the emulator exited (${String(code)})`)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const url = /listening on (http:\/\/\S+)/.exec(buffered)?.[1];
      if (!url) return;
      resolvePromise({
        url,
        requestCount: async (): Promise<number> =>
          ((await (await fetch(`${url}/__requests`)).json()) as unknown[]).length,
        control: async (method: string, path: string, body: unknown): Promise<void> => {
          const answer = await fetch(`${url}${path}`, { method, body: JSON.stringify(body) });
          if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
        },
        close: (): void => {
          child.removeAllListeners('exit');
          child.kill('SIGTERM');
        },
      });
    });
  });
}

/** Runs a command to completion; throws with its output when it fails. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** npm without the registry: everything below works offline (inside the loopback-only namespace too). */
/* eslint-disable camelcase -- npm's own environment variable names */
const offlineNpm = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({
  ...env,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
});
/* eslint-enable camelcase */

/**
 * `npm pack` from a clean copy of this repository: the files git knows (committed or not, minus ignored ones),
 * without lib/ or oclif.manifest.json, so the package's `prepack` must build them. The copy borrows this
 * checkout's node_modules for the build tools. Returns the tarball's path.
 */
export function packCleanCopy(dest: string): string {
  const copy = join(dest, 'clean');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
    .split('\0')
    // files only: a checkout whose node_modules is a symbolic link lists it here (node_modules/ ignores directories)
    .filter((file) => file && existsSync(join(ROOT, file)) && statSync(join(ROOT, file)).isFile());
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  run('npm', ['pack', '--pack-destination', dest], copy, offlineNpm());
  const tarball = readdirSync(dest).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball to ${dest}`);
  return join(dest, tarball);
}

/** The `bin` links npm makes for an installed package (npm counts a package without them as not installed). */
function linkBins(packageDir: string): void {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    bin?: string | Record<string, string>;
  };
  if (!manifest.bin) return;
  const bins =
    typeof manifest.bin === 'string' ? { [manifest.name.split('/').pop() as string]: manifest.bin } : manifest.bin;
  let modulesDir = dirname(packageDir);
  if (manifest.name.startsWith('@')) modulesDir = dirname(modulesDir);
  const binDir = join(modulesDir, '.bin');
  mkdirSync(binDir, { recursive: true });
  for (const [name, file] of Object.entries(bins)) {
    const link = join(binDir, name);
    if (!existsSync(link)) symlinkSync(relative(binDir, join(packageDir, file)), link);
  }
}

/**
 * Installs a packed plugin the way `sf plugins install` lays it out: a user plugin in the CLI's data
 * directory (HOME/.local/share/sf), installed by npm from the tarball with production dependencies only.
 *
 * Offline: the production dependencies are first copied from this checkout's node_modules (exactly the tree
 * `npm ls --omit=dev` lists, at the versions package-lock.json pins), then `npm install <tarball> --omit=dev
 * --offline` installs the plugin itself and finds every dependency already in place. A real install would
 * download the newest versions in range instead; the plugin's commands run from its bundle either way.
 */
export function installPackedPlugin(tarball: string, home: string): string {
  const dataDir = join(home, '.local', 'share', 'sf');
  const modules = join(dataDir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    join(dataDir, 'package.json'),
    `${JSON.stringify({ name: '@salesforce/cli', private: true, oclif: { schema: 1, plugins: [{ name: 'plugin-jwt', type: 'user', tag: version }] } }, null, 2)}\n`,
  );
  const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    env: offlineNpm(),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  }).stdout;
  const rootModules = join(ROOT, 'node_modules');
  for (const dir of listed.split('\n').filter((line) => line.startsWith(`${rootModules}/`))) {
    const target = join(modules, relative(rootModules, dir));
    cpSync(dir, target, {
      recursive: true,
      // nested node_modules hold other packages: those the production tree needs are listed on their own
      filter: (source) => !relative(dir, source).split('/').includes('node_modules'),
    });
    linkBins(target);
  }
  run(
    'npm',
    ['install', tarball, '--omit=dev', '--no-package-lock'],
    dataDir,
    offlineNpm({ ...process.env, HOME: home }),
  );
  return join(modules, 'plugin-jwt');
}
