/*
 * The plugin's root logger (src/utils/logging.ts): records stay in memory and reach the sf log file at exit,
 * at or above the log level, with secrets removed; no second log transport. Each case runs in a child
 * process, because core's root logger is a process-wide singleton and the file is written at exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { logFileName } from '../../../src/utils/logging.js';
import { REPO_ROOT } from '../../helpers/env.js';

type ChildOutcome = {
  status: number | null;
  stderr: string;
  /** What the child found: whether the plugin set a memory root logger up, and how many records it holds. */
  probe: { memory: boolean; buffered: number };
  logs: string[];
};

/** Runs a module in a child Node with a fresh HOME: it sets the root logger up, logs, and exits. */
function runChild(env: NodeJS.ProcessEnv): ChildOutcome {
  const home = mkdtempSync(join(tmpdir(), 'plugin-jwt-log-'));
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join('test', 'helpers', 'logging-child.ts')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: home,
        USERPROFILE: home,
        TMPDIR: tmpdir(),
        ...env,
      },
    });
    const sfDir = join(home, '.sf');
    const logs = existsSync(sfDir)
      ? readdirSync(sfDir)
          .filter((f) => f.endsWith('.log'))
          .map((f) => readFileSync(join(sfDir, f), 'utf8'))
      : [];
    const probe = /RESULT (\{.*\})/.exec(child.stderr)?.[1];
    return {
      status: child.status,
      stderr: child.stderr,
      probe: probe ? (JSON.parse(probe) as ChildOutcome['probe']) : { memory: false, buffered: Number.NaN },
      logs,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe('the plugin’s log: in memory, written to the sf log at exit', function () {
  this.timeout(60_000);

  it('names the file as core does, cut to SF_LOG_ROTATION_PERIOD (1d when unset or unknown)', () => {
    const now = new Date('2026-03-04T05:06:07.000Z');
    expect(logFileName(now, undefined)).to.equal('sf-2026-03-04.log');
    expect(logFileName(now, '1d')).to.equal('sf-2026-03-04.log');
    expect(logFileName(now, '1h')).to.equal('sf-2026-03-04T05.log');
    expect(logFileName(now, '1m')).to.equal('sf-2026-03-04T05-06.log');
    expect(logFileName(now, '5m')).to.equal('sf-2026-03-04.log');
  });

  it('keeps records in memory (no transport) and appends those at the level, warn by default, at exit', () => {
    const run = runChild({});
    expect(run.status, run.stderr).to.equal(0);
    expect(run.probe).to.deep.equal({ memory: true, buffered: 2 });
    expect(run.logs).to.have.length(1);
    const lines = run.logs[0]
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.level)).to.deep.equal([40, 40]);
    expect(lines[0]).to.include({ name: 'sf:jwt-test', msg: 'a warning line' });
    expect(run.logs[0]).to.not.include('a debug line');
    expect(run.logs[0], 'secrets are removed as in the file transport').to.not.include('SECRETTOKENVALUE');
  });

  it('writes debug records when SF_LOG_LEVEL=debug asks for them', () => {
    const run = runChild({ SF_LOG_LEVEL: 'debug' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.logs.join('')).to.include('a debug line').and.include('a warning line');
  });

  it('leaves logging to core where core writes no file itself: SF_DISABLE_LOG_FILE', () => {
    const run = runChild({ SF_DISABLE_LOG_FILE: 'true' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.probe, 'core’s own memory logger, disabled').to.deep.equal({ memory: false, buffered: 0 });
    expect(run.logs.join('')).to.equal('');
  });

  it('leaves logging to core with DEBUG set (core pretty-prints to the terminal)', () => {
    const run = runChild({ DEBUG: 'sf:jwt-test' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.probe, 'core’s own transport: no buffered records').to.deep.equal({ memory: false, buffered: -1 });
  });
});
