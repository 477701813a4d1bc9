/*
 * `npm run bench`: measures, side by side in one run against the bundled emulator, the linked plugin in
 * the real sf CLI against `sf org login jwt`:
 *   - `sf jwt diagnose --help` vs `sf org login jwt --help` (start-up; goal ≤ 1.0×)
 *   - a healthy `sf jwt diagnose` vs `sf org login jwt` (goal ≤ 0.8×)
 *   - the HTTP requests each makes (goal: 1 for a healthy diagnose without --admin-org; at most 4 more
 *     for a failing one with evidence)
 * The plugin is laid out as an installed (user) plugin. Prints a Markdown table (medians of N runs,
 * N = BENCH_RUNS, default 5).
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIN_APP,
  CI_APP,
  keyFile,
  ROOT as root,
  runNode,
  scratchEnv,
  startEmulatorProcess,
  type ChildRun,
  type EmulatorProcess,
} from './lib.js';

const sfRun = join(root, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const { home, env } = scratchEnv('plugin-jwt-bench-');

/** The real sf CLI, with the plugin installed. */
const sf = (args: string[]): Promise<ChildRun> => runNode(sfRun, args, env, home);

/**
 * Lays the plugin out as `sf plugins install` would (a user plugin under the CLI's data directory, here a
 * link to this checkout), without downloading anything. A *linked* plugin is not measured: for a linked
 * ESM plugin with tsx among its devDependencies, oclif runs the TypeScript sources through tsx, a
 * development mode that users never see.
 */
function installAsUserPlugin(): void {
  const dataDir = join(home, '.local', 'share', 'sf');
  mkdirSync(join(dataDir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dataDir, 'node_modules', 'plugin-jwt'), 'dir');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time of `args`, and the emulator requests of one run. */
async function measure(
  args: string[],
  emu?: EmulatorProcess,
  expectStatus = 0,
): Promise<{ ms: number; requests: number }> {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    // eslint-disable-next-line no-await-in-loop
    const before = (await emu?.requestCount()) ?? 0;
    // eslint-disable-next-line no-await-in-loop -- runs one after another, for clean timings
    const result = await sf(args);
    if (result.status !== expectStatus) {
      throw new Error(
        `sf ${args.join(' ')} exited ${String(result.status)} (expected ${expectStatus}):\n${result.stderr}`,
      );
    }
    times.push(result.ms);
    // eslint-disable-next-line no-await-in-loop
    requests = ((await emu?.requestCount()) ?? 0) - before;
  }
  return { ms: median(times), requests };
}

async function main(): Promise<void> {
  const healthy = await startEmulatorProcess('healthy');
  const broken = await startEmulatorProcess('admin-approved-no-grant');
  try {
    installAsUserPlugin();
    const which = await sf(['which', 'jwt', 'diagnose', '--json']);
    if (!which.stdout.includes('plugin-jwt'))
      throw new Error(`sf does not find the plugin:\n${which.stdout}${which.stderr}`);
    const login = (emu: EmulatorProcess, username: string, clientId = CI_APP): string[] => [
      '--username',
      username,
      '--client-id',
      clientId,
      '--jwt-key-file',
      keyFile('server.key'),
      '--instance-url',
      emu.url,
    ];
    // the admin org of the failing case, stored by the real CLI
    if ((await sf(['org', 'login', 'jwt', ...login(broken, 'admin@acme.com')])).status !== 0)
      throw new Error('admin login failed');

    const helpPlugin = await measure(['jwt', 'diagnose', '--help']);
    const helpCore = await measure(['org', 'login', 'jwt', '--help']);
    const diagnose = await measure(['jwt', 'diagnose', ...login(healthy, 'ci@acme.com')], healthy);
    const loginJwt = await measure(['org', 'login', 'jwt', ...login(healthy, 'ci@acme.com')], healthy);
    const failing = await measure(
      ['jwt', 'diagnose', ...login(broken, 'ci@acme.com', ADMIN_APP), '--admin-org', 'admin@acme.com'],
      broken,
      1,
    );
    const failingNoEvidence = await measure(['jwt', 'diagnose', ...login(broken, 'ci@acme.com', ADMIN_APP)], broken, 1);
    const loginFailing = await measure(['org', 'login', 'jwt', ...login(broken, 'ci@acme.com', ADMIN_APP)], broken, 1);

    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
    const rows = [
      [
        '`sf jwt diagnose --help` vs `sf org login jwt --help`',
        s(helpPlugin.ms),
        s(helpCore.ms),
        ratio(helpPlugin.ms, helpCore.ms),
        '≤ 1.0×',
        '—',
        '—',
      ],
      [
        'healthy `sf jwt diagnose` vs `sf org login jwt`',
        s(diagnose.ms),
        s(loginJwt.ms),
        ratio(diagnose.ms, loginJwt.ms),
        '≤ 0.8×',
        String(diagnose.requests),
        String(loginJwt.requests),
      ],
      [
        'failing, without `--admin-org` vs failing `sf org login jwt`',
        s(failingNoEvidence.ms),
        s(loginFailing.ms),
        ratio(failingNoEvidence.ms, loginFailing.ms),
        '—',
        String(failingNoEvidence.requests),
        String(loginFailing.requests),
      ],
      [
        'failing, with `--admin-org` (USER_NOT_PREAUTHORIZED)',
        s(failing.ms),
        '—',
        '—',
        '—',
        String(failing.requests),
        '—',
      ],
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
      `\nEvidence with --admin-org added ${evidenceRequests} requests to the failing diagnosis (goal: at most 4); a healthy diagnosis made ${diagnose.requests} (goal: 1).\n`,
    );
  } finally {
    healthy.close();
    broken.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
