/*
 * What the demo and the benchmark share: a throw-away HOME with a quiet sf environment, and running a
 * child process asynchronously (the emulators answer from the parent process, so it must not block).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CI_APP = '3MVG9EMULATOR.CI.APP.KEY';
export const ADMIN_APP = '3MVG9EMULATOR.ADMIN.APP.KEY';
export const keyFile = (name: string): string => join(ROOT, 'test', 'fixtures', 'keys', name);

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

export type ChildRun = { status: number | null; stdout: string; stderr: string; ms: number };

/** Runs `node <script> <args>` with the Node that runs this script. */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) =>
      resolvePromise({ status, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
  });
}

/** An emulator in its own process (test/emulator/cli.ts), so the measured commands share no event loop with it. */
export type EmulatorProcess = { url: string; requestCount(): Promise<number>; close(): void };

export function startEmulatorProcess(scenario: string): Promise<EmulatorProcess> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test', 'emulator', 'cli.ts'), '--scenario', scenario],
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
        close: (): void => {
          child.removeAllListeners('exit');
          child.kill('SIGTERM');
        },
      });
    });
  });
}
