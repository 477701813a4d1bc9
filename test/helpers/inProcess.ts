/*
 * Runs a command class in this process the way oclif's Command.run does, with stdout and stderr captured,
 * for tests that run many commands (a child sf process per row would take minutes).
 */
import sinon, { type SinonSandbox } from 'sinon';
import type { Config } from '@oclif/core';
import { stubSpinner } from '@salesforce/sf-plugins-core';
import JwtApprove from '../../src/commands/jwt/approve.js';
import JwtDiagnose from '../../src/commands/jwt/diagnose.js';
import JwtKeygen from '../../src/commands/jwt/keygen.js';
import JwtSetup from '../../src/commands/jwt/setup.js';
import JwtStatus from '../../src/commands/jwt/status.js';

export type CommandName = 'diagnose' | 'approve' | 'status' | 'keygen' | 'setup';
type Runnable = new (argv: string[], config: Config) => { id?: string; _run(): Promise<unknown> };
const COMMANDS: Record<CommandName, Runnable> = {
  diagnose: JwtDiagnose,
  approve: JwtApprove,
  status: JwtStatus,
  keygen: JwtKeygen,
  setup: JwtSetup,
};

export type InProcessRun = { exit: number; stdout: string; stderr: string; ms: number };

/**
 * Runs `sf jwt <command> <argv>` in-process with a configuration loaded from this repository (its
 * package.json sets the sf CLI's exit codes, so oclif's own errors behave as under sf). `prepare` may
 * change the process for the run (a terminal width, say) through the sandbox that is restored after it.
 */
export async function runInProcess(
  config: Config,
  command: CommandName,
  argv: string[],
  prepare?: (sandbox: SinonSandbox) => void,
): Promise<InProcessRun> {
  const out: string[] = [];
  const err: string[] = [];
  const capture =
    (into: string[]) =>
    (chunk: unknown): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
  const sandbox = sinon.createSandbox();
  process.exitCode = undefined;
  const started = Date.now();
  let exit: number;
  try {
    // oclif's spinner writes through the stream functions it saved at start-up, past any stub: silenced here
    stubSpinner(sandbox);
    prepare?.(sandbox);
    sandbox.stub(process.stdout, 'write').callsFake(capture(out));
    sandbox.stub(process.stderr, 'write').callsFake(capture(err));
    const cmd = new COMMANDS[command](argv, config);
    cmd.id = `jwt:${command}`;
    // eslint-disable-next-line no-underscore-dangle -- what Command.run calls
    await cmd._run();
    exit = Number(process.exitCode ?? 0);
  } catch (error) {
    const e = error as { oclif?: { exit?: number }; exitCode?: number };
    exit = e.oclif?.exit ?? e.exitCode ?? 1;
  } finally {
    sandbox.restore();
    process.exitCode = undefined;
  }
  return { exit, stdout: out.join(''), stderr: err.join(''), ms: Date.now() - started };
}
