/*
 * `npm run bench`: measures the plugin as users run it. The plugin is packed from a clean copy of this
 * repository (`npm pack`, whose prepack builds it) and installed from the tarball with npm, production
 * dependencies only, into a scratch CLI data directory, as `sf plugins install` lays it out. The real `sf`
 * (the @salesforce/cli devDependency) then runs against the bundled emulator, each emulator in its own
 * process, inside the loopback-only network namespace (scripts/offline.sh).
 *
 * Every row is timed in alternating A/B pairs (A, B, then B, A, …), and reports the median of each side
 * and the median of the per-pair ratios A/B:
 *   - `sf jwt diagnose --help` vs `sf org login jwt --help`                       goal ≤ 1.0×
 *   - a healthy `sf jwt diagnose` vs `sf org login jwt`                           goal ≤ 0.8×
 *   - a failing `sf jwt diagnose` (no --admin-org) vs a failing `sf org login jwt` goal ≤ 0.8×
 *   - `sf --version`, and `sf config list --json`, with vs without the plugin    goal ≤ 1.05×
 *   - `sf jwt setup` from nothing (a new key, the app and permission set deployed, the assignment, the verified
 *     and stored login) in a new emulated org without propagation delay, next to the `sf org login jwt` of its
 *     admin that comes first (not alternated: the setup needs that login); wall time and requests
 *   - `sf jwt diagnose --all` over BENCH_FLEET (200) stored logins with 100 ms added per request, vs a loop
 *     of `sf org login jwt` over the same logins, extrapolated from one login per pair   goal ≥ 50× faster,
 *     peak RSS ≤ 200 MB
 *   - the same fleet when every org hangs, with --timeout 5: how long until the process has exited
 * Knobs: BENCH_RUNS pairs per row (default 7), BENCH_FLEET logins (200), BENCH_FLEET_RUNS fleet pairs (3).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_SCENARIO, fleetUsername, ADMIN_CLIENT_ID, CI_CLIENT_ID } from '../emulator/index.js';
import {
  installPackedPlugin,
  keyFile,
  packCleanCopy,
  ROOT as root,
  runNode,
  scratchEnv,
  startEmulatorProcess,
  type ChildRun,
  type EmulatorProcess,
} from './lib.js';

const sfRun = join(root, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const fleetSize = Number(process.env.BENCH_FLEET ?? 200);
const fleetRuns = Number(process.env.BENCH_FLEET_RUNS ?? 3);
const FLEET_LATENCY_MS = 100;
const HANG_TIMEOUT_S = 5;
/** Of 200 logins, 20 fail: 10 lose their approval, 5 users are deactivated, 5 keys are deleted. */
const notApproved = (i: number): boolean => i % 20 === 7;
const deactivated = (i: number): boolean => i % 40 === 13;
const keyDeleted = (i: number): boolean => i > fleetSize - 5;
const works = (i: number): boolean => !notApproved(i) && !deactivated(i) && !keyDeleted(i);

/** The CLI with the plugin installed, and the same CLI without it. */
const withPlugin = scratchEnv('plugin-jwt-bench-');
const withoutPlugin = scratchEnv('plugin-jwt-bench-bare-');
const scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-bench-pack-'));
/** Peak RSS of a measured process: a preloaded probe appends process.resourceUsage().maxRSS (KB) at exit. */
const rssFile = join(scratch, 'rss.txt');

type Side = { home: string; env: NodeJS.ProcessEnv };
const sf = (side: Side, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildRun> =>
  runNode(sfRun, args, { ...side.env, ...extraEnv }, side.home);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

type Timed = { ms: number; requests: number };
type Pairs = { a: Timed[]; b: Timed[] };

/** One measured run: exit status checked, wall time, emulator requests. */
async function timed(
  side: Side,
  args: string[],
  expectStatus: number,
  emu?: EmulatorProcess,
  extraEnv?: NodeJS.ProcessEnv,
): Promise<Timed> {
  const before = (await emu?.requestCount()) ?? 0;
  const result = await sf(side, args, extraEnv);
  if (result.status !== expectStatus) {
    throw new Error(
      `sf ${args.join(' ')} exited ${String(result.status)} (expected ${expectStatus}):\n${result.stderr}`,
    );
  }
  return { ms: result.ms, requests: ((await emu?.requestCount()) ?? 0) - before };
}

/** n alternating pairs: A then B, then B then A, … */
async function pairs(n: number, a: () => Promise<Timed>, b: () => Promise<Timed>): Promise<Pairs> {
  const out: Pairs = { a: [], b: [] };
  for (let i = 0; i < n; i++) {
    /* eslint-disable no-await-in-loop -- one run at a time, for clean timings */
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
    /* eslint-enable no-await-in-loop */
  }
  return out;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const times = (x: number): string => `${x.toFixed(2)}×`;
const ratioOfMedians = (p: Pairs): number => median(p.a.map((t) => t.ms)) / median(p.b.map((t) => t.ms));
const medianOfRatios = (p: Pairs): number => median(p.a.map((t, i) => t.ms / p.b[i].ms));

/**
 * Stores the fleet's JWT logins the way the CLI does (core's AuthInfo, the real JWT flow against the emulator),
 * then breaks some of them in the org.
 */
async function storeFleet(emu: EmulatorProcess, home: string, keys: string): Promise<void> {
  process.env.HOME = home;
  process.env.SF_DISABLE_DNS_CHECK = 'true';
  process.env.SF_SKIP_SCRATCH_ORG_CHECK = 'true';
  const { AuthInfo, StateAggregator } = await import('@salesforce/core');
  mkdirSync(keys, { recursive: true });
  for (let i = 1; i <= fleetSize; i++) {
    const key = keyDeleted(i) ? join(keys, `ci${i}.key`) : keyFile('server.key');
    if (keyDeleted(i)) copyFileSync(keyFile('server.key'), key);
    // eslint-disable-next-line no-await-in-loop -- one login after another, as a CI machine collects them
    const auth = await AuthInfo.create({
      username: fleetUsername(i),
      oauth2Options: { clientId: CI_CLIENT_ID, privateKeyFile: key, loginUrl: `${emu.url}/` },
    });
    // eslint-disable-next-line no-await-in-loop
    await auth.save();
  }
  StateAggregator.clearInstance();
  rmSync(keys, { recursive: true, force: true });
  // then some logins break
  for (let i = 1; i <= fleetSize; i++) {
    const patch = notApproved(i) ? { approvalPending: true } : deactivated(i) ? { isActive: false } : undefined;
    // eslint-disable-next-line no-await-in-loop
    if (patch) await emu.control('PATCH', `/__users/${fleetUsername(i)}`, patch);
  }
}

/**
 * `sf jwt setup` from nothing, `runs` times, each in a new emulated org without any app (eca-setup, no
 * propagation delay): first the admin's `sf org login jwt` (timed too), then the setup with new files and the
 * login stored. The login of the previous run is removed first, so each setup stores a new one.
 */
async function setupFromNothing(side: Side): Promise<Pairs> {
  const out: Pairs = { a: [], b: [] };
  for (let i = 0; i < runs; i++) {
    /* eslint-disable no-await-in-loop -- one org, one run at a time */
    const emu = await startEmulatorProcess('eca-setup');
    try {
      rmSync(join(side.home, '.sfdx', 'ci@acme.com.json'), { force: true });
      const admin = ['--username', 'admin@acme.com', '--client-id', ADMIN_CLIENT_ID];
      const key = ['--jwt-key-file', keyFile('server.key'), '--instance-url', emu.url, '--alias', 'bench-admin'];
      out.b.push(await timed(side, ['org', 'login', 'jwt', ...admin, ...key], 0, emu));
      const dir = join(scratch, `setup-${i}`);
      out.a.push(
        await timed(
          side,
          ['jwt', 'setup', '--admin-org', 'bench-admin', '-o', 'ci@acme.com', '--output-dir', dir],
          0,
          emu,
        ),
      );
    } finally {
      emu.close();
    }
    /* eslint-enable no-await-in-loop */
  }
  return out;
}

const peakRssMb = (file = rssFile): number[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((kb) => Number(kb) / 1024);

async function main(): Promise<void> {
  const started = Date.now();
  const tarball = packCleanCopy(scratch);
  installPackedPlugin(tarball, withPlugin.home);
  mkdirSync(join(withoutPlugin.home, '.local', 'share', 'sf'), { recursive: true });
  process.stderr.write(`packed and installed in ${seconds(Date.now() - started)}\n`);

  const healthy = await startEmulatorProcess('healthy');
  const broken = await startEmulatorProcess('admin-approved-no-grant');
  const fleet = await startEmulatorProcess(FLEET_SCENARIO, ['--users', String(fleetSize)]);
  try {
    const which = await sf(withPlugin, ['which', 'jwt', 'diagnose', '--json']);
    if (!which.stdout.includes('plugin-jwt'))
      throw new Error(`sf does not find the plugin:\n${which.stdout}${which.stderr}`);
    const login = (emu: EmulatorProcess, username: string, clientId = CI_CLIENT_ID): string[] => [
      '--username',
      username,
      '--client-id',
      clientId,
      '--jwt-key-file',
      keyFile('server.key'),
      '--instance-url',
      emu.url,
    ];
    const p = withPlugin;
    process.stderr.write(`measuring ${runs} pairs per row…\n`);
    const help = await pairs(
      runs,
      () => timed(p, ['jwt', 'diagnose', '--help'], 0),
      () => timed(p, ['org', 'login', 'jwt', '--help'], 0),
    );
    const ok = await pairs(
      runs,
      () => timed(p, ['jwt', 'diagnose', ...login(healthy, 'ci@acme.com')], 0, healthy),
      () => timed(p, ['org', 'login', 'jwt', ...login(healthy, 'ci@acme.com')], 0, healthy),
    );
    const failing = await pairs(
      runs,
      () => timed(p, ['jwt', 'diagnose', ...login(broken, 'ci@acme.com', ADMIN_CLIENT_ID)], 1, broken),
      () => timed(p, ['org', 'login', 'jwt', ...login(broken, 'ci@acme.com', ADMIN_CLIENT_ID)], 1, broken),
    );
    const version = await pairs(
      runs,
      () => timed(p, ['--version'], 0),
      () => timed(withoutPlugin, ['--version'], 0),
    );
    const config = await pairs(
      runs,
      () => timed(p, ['config', 'list', '--json'], 0),
      () => timed(withoutPlugin, ['config', 'list', '--json'], 0),
    );
    const setup = await setupFromNothing(p);

    process.stderr.write(`storing ${fleetSize} JWT logins…\n`);
    await storeFleet(fleet, p.home, join(scratch, 'keys'));
    await fleet.control('PUT', '/__faults', { latencyMs: FLEET_LATENCY_MS, paths: ['/services'] });
    const probe = {
      NODE_OPTIONS: `--require ${JSON.stringify(join(root, 'scripts', 'rss-probe.cjs'))}`,
      BENCH_RSS_FILE: rssFile,
    };
    // one login of the loop per pair, a different user each time (one whose login still works)
    let next = Math.floor(fleetSize / 2);
    const nextWorking = (): number => {
      do next++;
      while (!works(next));
      return next;
    };
    // the CLI's own command, probed too: most of a run's memory is the CLI's
    const loginRssFile = join(scratch, 'rss-login.txt');
    const fleetPairs = await pairs(
      fleetRuns,
      () => timed(p, ['jwt', 'diagnose', '--all'], 1, fleet, probe),
      () =>
        timed(p, ['org', 'login', 'jwt', ...login(fleet, fleetUsername(nextWorking()))], 0, fleet, {
          ...probe,
          BENCH_RSS_FILE: loginRssFile,
        }),
    );
    const fleetRss = peakRssMb();
    const loginRss = peakRssMb(loginRssFile);
    // the same run for a script: --json instead of the tables
    rmSync(rssFile, { force: true });
    for (let i = 0; i < fleetRuns; i++) {
      // eslint-disable-next-line no-await-in-loop -- one run at a time
      await timed(p, ['jwt', 'diagnose', '--all', '--json'], 1, fleet, probe);
    }
    const fleetJsonRss = peakRssMb();
    const loopMs = fleetPairs.b.map((t) => t.ms * fleetSize);
    const speedups = fleetPairs.a.map((t, i) => loopMs[i] / t.ms);

    await fleet.control('PUT', '/__faults', { hang: true, paths: ['/services/oauth2/token'] });
    const hanging: Timed[] = [];
    const hangArgs = ['jwt', 'diagnose', '--all', '--timeout', String(HANG_TIMEOUT_S), '--json'];
    for (let i = 0; i < fleetRuns; i++) {
      // eslint-disable-next-line no-await-in-loop -- one run at a time
      hanging.push(await timed(p, hangArgs, 1, fleet));
    }

    const med = (t: Timed[]): number => median(t.map((x) => x.ms));
    const row = (measure: string, r: Pairs, goal: string, requests = false): string[] => [
      measure,
      seconds(med(r.a)),
      seconds(med(r.b)),
      times(ratioOfMedians(r)),
      times(medianOfRatios(r)),
      goal,
      requests ? `${r.a[0].requests} / ${r.b[0].requests}` : '—',
    ];
    const rows = [
      row('`sf jwt diagnose --help` vs `sf org login jwt --help`', help, '≤ 1.0×'),
      row('healthy `sf jwt diagnose` vs `sf org login jwt`', ok, '≤ 0.8×', true),
      row('failing `sf jwt diagnose` (no `--admin-org`) vs failing `sf org login jwt`', failing, '≤ 0.8×', true),
      row('`sf --version` with vs without the plugin', version, '≤ 1.05×'),
      row('`sf config list --json` with vs without the plugin', config, '≤ 1.05×'),
      row(
        '`sf jwt setup` from nothing (key, app and permission set deployed, assignment, verified and stored login), no propagation delay, vs the admin’s `sf org login jwt` before it',
        setup,
        '—',
        true,
      ),
      [
        `\`sf jwt diagnose --all\`, ${fleetSize} logins, +${FLEET_LATENCY_MS} ms per request, vs a loop of \`sf org login jwt\` (${fleetSize} × the median login)`,
        seconds(med(fleetPairs.a)),
        seconds(median(loopMs)),
        times(med(fleetPairs.a) / median(loopMs)),
        times(median(fleetPairs.a.map((t, i) => t.ms / loopMs[i]))),
        '≥ 50× faster',
        `${fleetPairs.a[0].requests} / ${fleetPairs.b[0].requests} per login`,
      ],
    ];
    const out = [
      `${runs} alternating pairs per row (fleet: ${fleetRuns}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; the plugin installed from its packed tarball; requests counted at the emulator.`,
      '',
      '| Measure | sf jwt / with plugin (median) | compared with (median) | ratio of medians | median of pair ratios | goal | requests |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      `Fleet: ${median(speedups).toFixed(0)}× faster than the loop (median of pairs; each pair times one \`sf org login jwt\` and extrapolates it to ${fleetSize} logins); peak RSS of \`sf jwt diagnose --all\`: ${median(fleetRss).toFixed(0)} MB median, ${Math.max(...fleetRss).toFixed(0)} MB max; with \`--json\`: ${median(fleetJsonRss).toFixed(0)} MB median, ${Math.max(...fleetJsonRss).toFixed(0)} MB max (goal ≤ 200 MB); one \`sf org login jwt\`: ${median(loginRss).toFixed(0)} MB median.`,
      `Every org hanging, \`--timeout ${HANG_TIMEOUT_S}\`: \`sf jwt diagnose --all\` exits after ${seconds(med(hanging))} (median of ${fleetRuns}; ${hanging[0].requests} requests reached the emulator).`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    healthy.close();
    broken.close();
    fleet.close();
    for (const dir of [withPlugin.home, withoutPlugin.home, scratch]) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
