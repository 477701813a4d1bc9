/*
 * `npm run bench`: measures, side by side in one run against the bundled emulator, the linked plugin in
 * the real sf CLI against `sf org login jwt`:
 *   - `sf jwt diagnose --help` vs `sf org login jwt --help` (start-up; goal ≤ 1.0×)
 *   - a healthy `sf jwt diagnose` vs `sf org login jwt` (goal ≤ 0.8×)
 *   - the HTTP requests each makes (goal: 1 for a healthy diagnose without --admin-org; at most 4 more
 *     for a failing one with evidence)
 * Prints a Markdown table (medians of N runs, N = BENCH_RUNS, default 5).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../test/emulator/index.js';

const root = resolve(import.meta.dirname, '..');
const sfRun = join(root, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');
const keyFile = join(root, 'test', 'fixtures', 'keys', 'server.key');
const CI_APP = '3MVG9EMULATOR.CI.APP.KEY';
const runs = Number(process.env.BENCH_RUNS ?? 5);

const home = mkdtempSync(join(tmpdir(), 'plugin-jwt-bench-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  TMPDIR: home,
  SF_DISABLE_TELEMETRY: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_SKIP_SCRATCH_ORG_CHECK: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
  OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
};

function sf(args: string[]): { ms: number; status: number | null; stdout: string; stderr: string } {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [sfRun, ...args], { env, encoding: 'utf8', cwd: home, timeout: 120_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time of `args`, and the emulator requests of one run. */
function measure(args: string[], emu?: Emulator, expectStatus = 0): { ms: number; requests: number } {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const before = emu?.requests.length ?? 0;
    const result = sf(args);
    if (result.status !== expectStatus) {
      throw new Error(`sf ${args.join(' ')} exited ${String(result.status)} (expected ${expectStatus}):\n${result.stderr}`);
    }
    times.push(result.ms);
    requests = (emu?.requests.length ?? 0) - before;
  }
  return { ms: median(times), requests };
}

async function main(): Promise<void> {
  const healthy = await startEmulator('healthy');
  const broken = await startEmulator('admin-approved-no-grant');
  try {
    const link = sf(['plugins', 'link', root, '--no-install']);
    if (link.status !== 0) throw new Error(`sf plugins link failed:\n${link.stderr}`);
    const login = (emu: Emulator, username: string, clientId = CI_APP): string[] => [
      '--username', username, '--client-id', clientId, '--jwt-key-file', keyFile, '--instance-url', emu.url,
    ];
    // the admin org of the failing case, stored by the real CLI
    if (sf(['org', 'login', 'jwt', ...login(broken, 'admin@acme.com')]).status !== 0) throw new Error('admin login failed');

    const helpPlugin = measure(['jwt', 'diagnose', '--help']);
    const helpCore = measure(['org', 'login', 'jwt', '--help']);
    const diagnose = measure(['jwt', 'diagnose', ...login(healthy, 'ci@acme.com')], healthy);
    const loginJwt = measure(['org', 'login', 'jwt', ...login(healthy, 'ci@acme.com')], healthy);
    const failing = measure(
      ['jwt', 'diagnose', ...login(broken, 'ci@acme.com', '3MVG9EMULATOR.ADMIN.APP.KEY'), '--admin-org', 'admin@acme.com'],
      broken,
      1
    );
    const failingNoEvidence = measure(['jwt', 'diagnose', ...login(broken, 'ci@acme.com', '3MVG9EMULATOR.ADMIN.APP.KEY')], broken, 1);
    const loginFailing = measure(['org', 'login', 'jwt', ...login(broken, 'ci@acme.com', '3MVG9EMULATOR.ADMIN.APP.KEY')], broken, 1);

    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
    const rows = [
      ['`sf jwt diagnose --help` vs `sf org login jwt --help`', s(helpPlugin.ms), s(helpCore.ms), ratio(helpPlugin.ms, helpCore.ms), '≤ 1.0×', '—', '—'],
      ['healthy `sf jwt diagnose` vs `sf org login jwt`', s(diagnose.ms), s(loginJwt.ms), ratio(diagnose.ms, loginJwt.ms), '≤ 0.8×', String(diagnose.requests), String(loginJwt.requests)],
      ['failing, without `--admin-org` vs failing `sf org login jwt`', s(failingNoEvidence.ms), s(loginFailing.ms), ratio(failingNoEvidence.ms, loginFailing.ms), '—', String(failingNoEvidence.requests), String(loginFailing.requests)],
      ['failing, with `--admin-org` (USER_NOT_PREAUTHORIZED)', s(failing.ms), '—', '—', '—', String(failing.requests), '—'],
    ];
    const out = [
      `Median of ${runs} runs each, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; requests counted at the emulator.`,
      '',
      '| Measure | sf jwt | sf org login jwt | ratio | goal | requests (sf jwt) | requests (login) |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    const evidenceRequests = failing.requests - failingNoEvidence.requests;
    process.stdout.write(
      `\nEvidence with --admin-org added ${evidenceRequests} requests to the failing diagnosis (goal: at most 4); a healthy diagnosis made ${diagnose.requests} (goal: 1).\n`
    );
  } finally {
    await healthy.close();
    await broken.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
