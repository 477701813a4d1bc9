import { expect } from 'chai';
import sinon from 'sinon';
import hook from '../../../src/hooks/finally.js';
import { keepEnv } from '../../helpers/env.js';

type Options = Parameters<typeof hook>[0];

const loginJwt = { id: 'org:login:jwt', aliases: ['force:auth:jwt:grant', 'auth:jwt:grant'] };
const jwtError = Object.assign(new Error('JwtAuthError::Error authenticating with JWT.'), {
  name: 'JwtGrantError',
  exitCode: 1,
});

/** Runs the hook as oclif's main does after a command, with stdout and stderr captured. */
async function runHook(
  options: { id?: string; argv?: string[]; Command?: object; error?: Error },
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string; exitCode: typeof process.exitCode }> {
  const restoreEnv = keepEnv('SF_JWT_HINT');
  if ('SF_JWT_HINT' in env) process.env.SF_JWT_HINT = env.SF_JWT_HINT;
  else delete process.env.SF_JWT_HINT;
  const out: string[] = [];
  const err: string[] = [];
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    await hook.call(
      {} as never,
      {
        argv: [],
        id: 'org:login:jwt',
        Command: undefined,
        error: undefined,
        config: { bin: 'sf' },
        context: {},
        ...options,
      } as unknown as Options,
    );
  } finally {
    stdout.restore();
    stderr.restore();
    restoreEnv();
  }
  return { stdout: out.join(''), stderr: err.join(''), exitCode: process.exitCode };
}

describe('finally hook: the hint after a failed sf org login jwt', () => {
  const argv = ['-o', 'ci@acme.com.uat', '--client-id=3MVG9', '-f', 'my keys/server.key', '--json'];
  const expected = "sf jwt diagnose --username ci@acme.com.uat --client-id 3MVG9 --jwt-key-file 'my keys/server.key'";

  afterEach(() => {
    process.exitCode = undefined;
  });

  it('prints one stderr line with the diagnose command for the same login, nothing on stdout', async () => {
    process.exitCode = 1;
    const run = await runHook({ id: 'org:login:jwt', argv, Command: loginJwt, error: jwtError });
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(`To find out why the JWT login failed, run: ${expected}\n`);
    expect(run.stderr.split('\n')).to.have.length(2);
    // the exit code stays the command's own
    expect(run.exitCode).to.equal(1);
  });

  it('prints it under the aliases too, with their old flag spellings', async () => {
    const run = await runHook({
      id: 'force:auth:jwt:grant',
      argv: [
        '-u',
        'ci@acme.com',
        '--clientid',
        '3MVG9',
        '--jwtkeyfile',
        'server.key',
        '-l',
        'https://x.my.salesforce.com',
      ],
      Command: { ...loginJwt, id: 'force:auth:jwt:grant' },
      error: jwtError,
    });
    expect(run.stderr).to.equal(
      'To find out why the JWT login failed, run: sf jwt diagnose --username ci@acme.com --client-id 3MVG9 --jwt-key-file server.key --instance-url https://x.my.salesforce.com\n',
    );
    const auth = await runHook({ id: 'auth:jwt:grant', argv: ['-o', 'a@b.c'], Command: undefined, error: jwtError });
    expect(auth.stderr).to.include('sf jwt diagnose --username a@b.c\n');
  });

  it('keeps the hint one line without control characters: escapes in -o, a line break in -f', async () => {
    const run = await runHook({
      id: 'org:login:jwt',
      argv: ['-o', 'ci\u001b]0;pwned\u0007\u001b[31m@acme.com', '-f', 'keys/a\nb.key', '-i', '3MVG9'],
      Command: loginJwt,
      error: jwtError,
    });
    expect(run.stderr.split('\n'), run.stderr).to.have.length(2);
    // eslint-disable-next-line no-control-regex
    expect(run.stderr.slice(0, -1)).not.to.match(/[\u0000-\u001f\u007f-\u009f]/);
    expect(run.stderr).to.equal(
      "To find out why the JWT login failed, run: sf jwt diagnose --username 'ci@acme.com' --client-id 3MVG9 --jwt-key-file 'keys/a\\nb.key'\n",
    );
  });

  it('carries --flags-dir, where the login took its flags from', async () => {
    const run = await runHook({
      id: 'org:login:jwt',
      argv: ['--flags-dir', 'ci/jwt flags'],
      Command: loginJwt,
      error: jwtError,
    });
    expect(run.stderr).to.equal(
      "To find out why the JWT login failed, run: sf jwt diagnose --flags-dir 'ci/jwt flags'\n",
    );
  });

  it('prints nothing after a working login, another command, a usage error, or with SF_JWT_HINT=false', async () => {
    const quiet = [
      await runHook({ id: 'org:login:jwt', argv, Command: loginJwt, error: undefined }),
      await runHook({ id: 'org:login:web', argv, Command: { id: 'org:login:web' }, error: jwtError }),
      await runHook({ id: 'jwt:diagnose', argv, Command: { id: 'jwt:diagnose' }, error: jwtError }),
      await runHook({ id: '--version', argv: [], Command: undefined, error: undefined }),
      await runHook({
        id: 'org:login:jwt',
        argv: ['-o', 'ci@acme.com'],
        Command: loginJwt,
        error: Object.assign(new Error('Missing required flag jwt-key-file'), { exitCode: 2 }),
      }),
      await runHook({ id: 'org:login:jwt', argv, Command: loginJwt, error: jwtError }, { SF_JWT_HINT: 'false' }),
    ];
    for (const run of quiet) expect(run).to.deep.include({ stdout: '', stderr: '' });
  });

  it('never throws: a broken stderr or odd options leave the login’s own error alone', async () => {
    const stderr = sinon.stub(process.stderr, 'write').throws(new Error('EPIPE'));
    try {
      await hook.call(
        {} as never,
        {
          argv,
          id: 'org:login:jwt',
          Command: loginJwt,
          error: jwtError,
          config: {},
          context: {},
        } as unknown as Options,
      );
      expect(stderr.calledOnce).to.equal(true);
    } finally {
      stderr.restore();
    }
    const odd = await runHook({
      id: 'org:login:jwt',
      argv: undefined as unknown as string[],
      Command: { id: 'org:login:jwt', flags: null } as unknown as object,
      error: jwtError,
    });
    expect(odd.stderr).to.equal('To find out why the JWT login failed, run: sf jwt diagnose\n');
  });
});
