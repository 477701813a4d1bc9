/*
 * The human output as a reader sees it, at 80 and 120 columns of a terminal and without a terminal (a CI
 * log, 100 columns): every command's output, rendered for real (no stubbed UX), fits the width. The only
 * longer lines are one unbreakable value each, a URL or a suggested command, kept whole so that it can be
 * opened or pasted. A failing diagnosis names its cause in its first line; a healthy one is one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Config } from '@oclif/core';
import { textWidth } from '../../src/utils/layout.js';
import { ADMIN_CLIENT_ID, CI_CLIENT_ID, startEmulator, type Emulator } from '../../emulator/index.js';
import { REPO_ROOT } from '../helpers/env.js';
import { runInProcess, type CommandName } from '../helpers/inProcess.js';
import { SERVER_KEY } from '../helpers/keys.js';
import { storeJwtLogin, useTempHome, type TempHome } from '../helpers/org.js';

/* eslint-disable-next-line no-control-regex -- colours, as sf-plugins-core adds them */
const ANSI = /\u001b\[[0-9;]*m/g;

type Terminal = { name: string; columns?: number };
const TERMINALS: Terminal[] = [
  { name: '80 columns', columns: 80 },
  { name: '120 columns', columns: 120 },
  { name: 'no terminal (100 columns)' },
];

type Shown = { exit: number; stdout: string[]; stderr: string[] };

/**
 * A line too long for the width that is not one unbreakable value: a URL or another single word (such as a
 * certificate's fingerprint), or a suggested command.
 */
function overlong(lines: string[], width: number): string[] {
  return lines.filter((line) => textWidth(line) > width).filter((line) => !/^\s*(\S+|sf [a-z]\S* .*)$/.test(line));
}

describe('human output fits the width', function () {
  this.timeout(60_000);
  let config: Config;
  let home: TempHome;
  let emu: Emulator;
  let dir: string;

  before(async () => {
    config = await Config.load(REPO_ROOT);
  });

  beforeEach(async () => {
    home = useTempHome('jwt-width-home-');
    dir = mkdtempSync(join(tmpdir(), 'jwt-width-'));
    emu = await startEmulator('demo');
    await storeJwtLogin({ username: 'admin@acme.com', loginUrl: emu.url });
  });

  afterEach(async () => {
    await emu.close();
    home.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  const identity = (username: string, clientId = CI_CLIENT_ID): string[] => [
    '-o',
    username,
    '-i',
    clientId,
    '-f',
    SERVER_KEY,
    '-r',
    emu.url,
  ];

  /** Runs a command in-process as sf runs it, with stdout a terminal of `terminal.columns`, or not a terminal. */
  async function show(terminal: Terminal, command: CommandName, argv: string[]): Promise<Shown> {
    const run = await runInProcess(config, command, argv, (sandbox) => {
      const stdout = process.stdout as unknown as Record<string, unknown>;
      const set = (property: string, value: unknown): void => {
        if (property in stdout) sandbox.replace(stdout, property, value);
        else sandbox.define(stdout, property, value);
      };
      set('isTTY', terminal.columns !== undefined);
      set('columns', terminal.columns);
    });
    const lines = (text: string): string[] => text.replace(ANSI, '').replace(/\n$/, '').split('\n');
    return { exit: run.exit, stdout: lines(run.stdout), stderr: lines(run.stderr) };
  }

  for (const terminal of TERMINALS) {
    const width = terminal.columns ?? 100;

    describe(terminal.name, () => {
      it('a healthy diagnosis is one line that says the login works', async () => {
        const shown = await show(terminal, 'diagnose', identity('ci@acme.com'));
        expect(shown.exit).to.equal(0);
        expect(shown.stdout).to.deep.equal(['The JWT login of ci@acme.com works.']);
      });

      it('a failing diagnosis names the cause in its first line, and fits the width', async () => {
        for (const [username, code, extra] of [
          ['new.hire@acme.com', 'USER_NOT_APPROVED', []],
          ['new.hire@acme.com', 'USER_NOT_APPROVED', ['--admin-org', 'admin@acme.com']],
          ['frozen@acme.com', 'USER_FROZEN', ['--admin-org', 'admin@acme.com']],
          ['ops@acme.com', 'USER_NOT_PREAUTHORIZED', ['--admin-org', 'admin@acme.com']],
        ] as Array<[string, string, string[]]>) {
          const clientId = username === 'ops@acme.com' ? ADMIN_CLIENT_ID : CI_CLIENT_ID;
          // eslint-disable-next-line no-await-in-loop -- one diagnosis after another
          const shown = await show(terminal, 'diagnose', [...identity(username, clientId), ...extra]);
          expect(shown.exit, shown.stdout.join('\n')).to.equal(1);
          expect(shown.stdout[0]).to.match(new RegExp(`^The JWT login of ${username} fails \\(${code}\\):`));
          expect(overlong(shown.stdout, width), shown.stdout.join('\n')).to.deep.equal([]);
          // the cause comes before any table of checks or requests
          const firstTable = shown.stdout.findIndex((line) => line.startsWith('┌'));
          const nextSteps = shown.stdout.indexOf('Next steps:');
          expect(nextSteps).to.be.greaterThan(0);
          if (firstTable >= 0 && !extra.length) expect(firstTable).to.be.greaterThan(nextSteps);
          // a fallback host that could not be reached is one line, never a row per host
          expect(shown.stdout.join('\n')).to.not.include('DNS');
        }
      });

      it('--verbose shows every check and request, fitting the width', async () => {
        const shown = await show(terminal, 'diagnose', [...identity('new.hire@acme.com'), '--verbose']);
        expect(shown.stdout[0]).to.match(/^The JWT login of new\.hire@acme\.com fails \(USER_NOT_APPROVED\):/);
        const text = shown.stdout.join('\n');
        for (const id of ['key-file', 'key-parse', 'clock', 'token-exchange', 'org-evidence'])
          expect(text).to.include(id);
        expect(text).to.include('Token requests');
        expect(overlong(shown.stdout, width), text).to.deep.equal([]);
      });

      it('--all starts with how many logins work, in one line, and fits the width', async () => {
        await storeJwtLogin({
          username: 'new.hire@acme.com',
          loginUrl: emu.url,
        }).catch(() => undefined);
        await storeJwtLogin({
          username: 'ci@acme.com',
          loginUrl: emu.url,
        });
        const shown = await show(terminal, 'diagnose', ['--all']);
        expect(shown.stdout[0]).to.match(/^\d+ of \d+ JWT logins work/);
        expect(shown.stdout.filter((line) => line.includes(' JWT logins work'))).to.have.length(1);
        expect(overlong(shown.stdout, width), shown.stdout.join('\n')).to.deep.equal([]);
      });

      it('status, approve (admin mode) and keygen fit the width', async () => {
        const status = await show(terminal, 'status', [
          '--admin-org',
          'admin@acme.com',
          '-o',
          'ops@acme.com',
          '-i',
          ADMIN_CLIENT_ID,
        ]);
        expect(status.stdout.join('\n')).to.include('Permitted users');
        expect(overlong(status.stdout, width), status.stdout.join('\n')).to.deep.equal([]);

        const approve = await show(terminal, 'approve', [
          ...identity('ops@acme.com', ADMIN_CLIENT_ID),
          '--admin-org',
          'admin@acme.com',
          '--dry-run',
        ]);
        expect(approve.exit, approve.stdout.join('\n')).to.equal(0);
        expect(overlong(approve.stdout, width), approve.stdout.join('\n')).to.deep.equal([]);

        const keygen = await show(terminal, 'keygen', ['--output-dir', join(dir, 'keys')]);
        expect(keygen.exit, keygen.stderr.join('\n')).to.equal(0);
        expect(overlong(keygen.stdout, width), keygen.stdout.join('\n')).to.deep.equal([]);
      });
    });
  }
});
