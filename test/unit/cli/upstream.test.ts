/*
 * What the commands rely on inside sf-plugins-core and oclif (src/cli/upstream.ts), checked against the
 * installed packages: each test fails when the upstream shape changes, before a user sees a stack trace.
 */
import { Config } from '@oclif/core';
import { SfCommand, Spinner } from '@salesforce/sf-plugins-core';
import { expect } from 'chai';
import sinon from 'sinon';
import { JwtCommand } from '../../../src/cli/command.js';
import { SIGNALS, errorJsonWithoutInternals, withOwnSignalHandlers } from '../../../src/cli/upstream.js';
import { REPO_ROOT } from '../../helpers/env.js';

class PlainCommand extends SfCommand<string> {
  public static readonly summary = 'A plain SfCommand.';
  public async run(): Promise<string> {
    await new Promise((resolve) => setImmediate(resolve));
    return 'done';
  }
}

class TestJwtCommand extends JwtCommand<string> {
  public static readonly summary = 'A JwtCommand.';
  public async run(): Promise<string> {
    await new Promise((resolve) => setImmediate(resolve));
    return 'done';
  }
}

const listenerCounts = (): number[] => SIGNALS.map((s) => process.listeners(s).length);

describe('cli/upstream: what the commands rely on inside sf-plugins-core', () => {
  let config: Config;
  const sandbox = sinon.createSandbox();

  before(async () => {
    config = await Config.load(REPO_ROOT);
  });
  afterEach(() => {
    sandbox.restore();
    process.exitCode = undefined;
  });

  it('SfCommand._run registers a handler for each signal synchronously, before its first await', async () => {
    const before = listenerCounts();
    // eslint-disable-next-line no-underscore-dangle
    const running = new PlainCommand([], config)._run<string>();
    const during = listenerCounts();
    await running;
    during.forEach((count, i) => expect(count, SIGNALS[i]).to.be.greaterThan(before[i]));
    // its handlers stay registered after the run: remove them so they do not outlive this test
    for (const [i, signal] of SIGNALS.entries()) {
      process
        .listeners(signal)
        .slice(before[i])
        .forEach((l) => process.removeListener(signal, l));
    }
  });

  it('a JwtCommand run holds only its own handler for each signal, and none after it ends', async () => {
    const before = listenerCounts();
    // eslint-disable-next-line no-underscore-dangle
    const running = new TestJwtCommand([], config)._run<string>();
    expect(listenerCounts()).to.deep.equal(before.map((n) => n + 1));
    expect(await running).to.equal('done');
    expect(listenerCounts()).to.deep.equal(before);
  });

  it('withOwnSignalHandlers removes what the run registered at once and puts its handler in their place', async () => {
    const theirs = (): void => {};
    const ours = (): void => {};
    const result = await withOwnSignalHandlers(async () => {
      process.on('SIGINT', theirs);
      await Promise.resolve();
      return 7;
    }, ours);
    expect(result).to.equal(7);
    expect(process.listeners('SIGINT')).to.not.include(theirs).and.not.include(ours);
  });

  it('SfCommand.catch writes the error under --json with logJson, including stack and cause', async () => {
    const command = new PlainCommand(['--json'], config);
    sandbox.stub(command, 'jsonEnabled').returns(true);
    const logJson = sandbox.stub(command, 'logJson');
    const error = Object.assign(new Error('broken'), { cause: new Error('underneath') });
    // @ts-expect-error catch is protected: called here as oclif calls it
    await command.catch(error).catch(() => undefined);
    const written = logJson.firstCall.args[0] as Record<string, unknown>;
    expect(written).to.have.property('stack');
    expect(written).to.have.property('cause');
    expect(errorJsonWithoutInternals(written)).to.not.have.any.keys('stack', 'cause');
  });

  it('a JwtCommand writes the same error without stack or cause, and throws it with clean words', async () => {
    const command = new TestJwtCommand(['--json'], config);
    sandbox.stub(command, 'jsonEnabled').returns(true);
    const written: unknown[] = [];
    sandbox.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const error = Object.assign(new Error('broken \u001b[31mred\u0007'), { cause: new Error('underneath') });
    let thrown: unknown;
    try {
      // @ts-expect-error catch is protected: called here as oclif calls it
      await command.catch(error);
    } catch (e) {
      thrown = e;
    }
    sandbox.restore();
    const json = JSON.parse(written.join('')) as Record<string, unknown>;
    expect(json).to.not.have.any.keys('stack', 'cause');
    expect(json.message).to.equal('broken red');
    expect((thrown as Error).message).to.equal('broken red');
  });

  it('the spinner is one Spinner for the command’s life, started with (action, status); a JwtCommand cleans both', () => {
    const start = sandbox.stub(Spinner.prototype, 'start');
    const command = new TestJwtCommand([], config);
    expect(command.spinner).to.be.instanceOf(Spinner);
    expect(command.spinner).to.equal(command.spinner);
    command.spinner.start('Diagnosing \u001b[31mci\u0007', 'step \u001b]8;;x\u0007one');
    expect(start.firstCall.args.slice(0, 2)).to.deep.equal(['Diagnosing ci', 'step one']);
  });
});
