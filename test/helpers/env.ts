/*
 * An isolated environment for running the real `sf` CLI in tests: temp HOME and TMPDIR, no telemetry,
 * no update checks, no inherited sf configuration (the SF_* variables set in isolatedEnv below).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { CI_CLIENT_ID } from '../../emulator/index.js';

/**
 * The current values of these environment variables; calling the result puts them back as they were (unset ones
 * unset), whatever a test set in between.
 */
export function keepEnv(...names: string[]): () => void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  return (): void => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** node_modules/.bin/sf, absolute (a `#!/usr/bin/env node` script: prefer runSf, which uses Node 22). */
export const SF_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'sf');
/** The sf CLI's entry point, run with process.execPath so the Node that runs the tests runs sf too. */
export const SF_RUN_JS = join(REPO_ROOT, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');

export type IsolatedEnv = {
  env: NodeJS.ProcessEnv;
  home: string;
  tmp: string;
  cleanup(): void;
};

/**
 * The environment of an sf (or plugin) child process: this process's own, without the developer's sf setup
 * (target org, audience override, log level, XDG dirs), with `home` and `tmp` as HOME and TMPDIR.
 */
export function sfChildEnv(home: string, tmp: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SF|SFDX|OCLIF)_/.test(key) || key.startsWith('XDG_')) continue;
    env[key] = value;
  }
  return Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    TMPDIR: tmp,
    PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    SF_DISABLE_TELEMETRY: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_DISABLE_AUTOUPDATE: 'true',
    OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
    SF_SKIP_SCRATCH_ORG_CHECK: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    ...extra,
  });
}

export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): IsolatedEnv {
  const home = mkdtempSync(join(tmpdir(), 'plugin-jwt-home-'));
  const tmp = mkdtempSync(join(tmpdir(), 'plugin-jwt-tmp-'));
  return {
    env: sfChildEnv(home, tmp, extra),
    home,
    tmp,
    cleanup: (): void => {
      rmSync(home, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export type SfRun = {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON (runs with --json). */
  json?: Record<string, unknown>;
};

/** Runs `sf <args>` with the Node that runs the tests. Never rejects on a non-zero exit. */
export function runSf(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<SfRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [SF_RUN_JS, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolvePromise({ code, stdout, stderr, json });
    });
  });
}

/** The CI app of the emulator's scenarios, which most end-to-end logins use. */

/** `org login jwt …` for the real sf: a login to `instanceUrl` with a key file (`--json` unless told otherwise). */
export function sfLoginJwtArgs(
  instanceUrl: string,
  username: string,
  keyFile: string,
  opts: { clientId?: string; json?: boolean } = {},
): string[] {
  return [
    'org',
    'login',
    'jwt',
    '--username',
    username,
    '--client-id',
    opts.clientId ?? CI_CLIENT_ID,
    '--jwt-key-file',
    keyFile,
    '--instance-url',
    instanceUrl,
    ...(opts.json === false ? [] : ['--json']),
  ];
}

/** The `result` of a `--json` run, after checking that stdout was one JSON document. */
export function jsonResult<T>(run: SfRun): T {
  expect(run.json, `--json output must parse:\n${run.stdout}\n${run.stderr}`).to.be.an('object');
  return (run.json as { result: T }).result;
}

/**
 * Links this checkout into the sf CLI of `env` (`sf plugins link --no-install`), as a developer would. A linked
 * plugin runs the compiled lib/, which `npm test` builds first: without it the suite stops with that said.
 */
export async function linkPlugin(env: IsolatedEnv): Promise<void> {
  const compiled = join(REPO_ROOT, 'lib', 'commands', 'jwt');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: run "npm run build" first (npm test does), the linked plugin runs lib/.`);
  }
  const link = await runSf(['plugins', 'link', REPO_ROOT, '--no-install'], env.env);
  expect(link.code, link.stdout + link.stderr).to.equal(0);
}
