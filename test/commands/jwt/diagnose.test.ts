/*
 * `sf jwt diagnose`, the command class in-process against the Salesforce emulator: every cause code
 * (CAUSE_CODES), the healthy case, usage errors, stored-auth reuse, --all, and the two promises of the
 * command: it never changes a file under HOME, and it never shows a token, key or signed assertion.
 *
 * A failing login also tries login.salesforce.com and test.salesforce.com (core's pairs). The suite runs
 * in a loopback-only network namespace where those fail at once; no assertion depends on how they fail.
 *
 * After each test, every concrete `sf jwt diagnose` and `sf jwt status` command that its diagnoses suggested
 * is run as a user would paste it, against the same org (the admin org placeholder filled with an admin login
 * of that org, the certificate placeholder with a certificate); the last test fails if one was a usage error.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtDiagnose from '../../../src/commands/jwt/diagnose.js';
import JwtStatus from '../../../src/commands/jwt/status.js';
import { ADMIN_ORG_PLACEHOLDER } from '../../../src/org/suggest.js';
import type { DiagnoseAllResult } from '../../../src/diagnose/fleet.js';
import { CAUSE_CODES, type CauseCode, type CheckId, type DiagnoseResult } from '../../../src/diagnose/types.js';
import {
  KEYS_DIR,
  loadScenario,
  startEmulator,
  unusedPort,
  type Emulator,
  CI_CLIENT_ID,
  ADMIN_CLIENT_ID,
  TOKEN_PATH,
} from '../../../emulator/index.js';
import { keepEnv } from '../../helpers/env.js';
import { fixtureKey, SERVER_KEY } from '../../helpers/keys.js';
import { concreteArgv, exitCodeOf, suggestedCommands } from '../../helpers/suggestions.js';
import {
  capturedOutput,
  hashTree,
  secretLeaks,
  storeJwtLogin,
  storeLoginIn,
  tableRows,
  treeChanges,
  endCommandTest,
  useTempHome,
  type StoredLogin,
  type TempHome,
  recordTokens,
  unfolded,
  spaced,
} from '../../helpers/org.js';

/** Base64 lines of every fixture key: none of them may ever show up in output. */
const KEY_MATERIAL = [
  'server.key',
  'other.key',
  'pkcs1.key',
  'weak1024.key',
  'encrypted.key',
  'encrypted-pkcs1.key',
  'ec.key',
].map((file) => readFileSync(fixtureKey(file), 'utf8').split('\n')[1]);
/** What a user puts in place of the certificate placeholder of INVALID_ASSERTION's suggestion. */
const CERT_PLACEHOLDER = '<the certificate uploaded to the app>';

/** A suggested command run after a test: which, for which cause, and how it ended. */
type SuggestionRun = { test: string; code: CauseCode; command: string; outcome: string };
const suggestionRuns: SuggestionRun[] = [];

type Outcome = {
  result: DiagnoseResult;
  /** Everything shown through the UX, one call per line. */
  output: string;
  /** Rows of every table printed (checks first, then attempts), each cell on one line again. */
  rows: Array<Record<string, string>>;
};

describe('jwt diagnose', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator | undefined;
  /** Access tokens that exist in this test: issued to the diagnosis, or stored by a login. */
  let tokens: string[];
  let postForm: sinon.SinonStub;
  let fetchSpy: sinon.SinonSpy;
  const restoreAudience = keepEnv('SF_AUDIENCE_URL');

  beforeEach(async () => {
    home = useTempHome();
    tokens = [];
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    fetchSpy = sandbox.spy(globalThis, 'fetch');
    postForm = recordTokens(sandbox, tokens);
    delete process.env.SF_AUDIENCE_URL;
  });

  /** Diagnoses of the running test whose suggestions are still to be run. */
  let suggesting: DiagnoseResult[] = [];

  /** The alias of an admin login of the test's org, stored when a suggestion first needs one. */
  let adminAlias: string | undefined;
  async function adminOrgAlias(): Promise<string> {
    if (adminAlias) return adminAlias;
    const stored = await storeJwtLogin({
      username: 'admin@acme.com',
      loginUrl: (emu as Emulator).url,
      alias: 'suggestions-admin',
    });
    tokens.push(stored.accessToken);
    adminAlias = 'suggestions-admin';
    return adminAlias;
  }

  /** Runs every concrete diagnose/status command the test's diagnoses suggested, and notes how each ended. */
  async function runSuggestions(test: string): Promise<void> {
    const results = suggesting;
    suggesting = [];
    adminAlias = undefined;
    if (!emu) return;
    // the next command runs once the org answers again (a test may have made it hang or fail)
    emu.setFaults(undefined);
    for (const result of results) {
      if (!result.cause) continue;
      const texts = [...result.cause.actions, ...result.checks.flatMap((c) => c.actions ?? [])];
      for (const command of suggestedCommands(texts)) {
        const run: SuggestionRun = { test, code: result.cause.code, command, outcome: 'not concrete' };
        suggestionRuns.push(run);
        const fill: Record<string, string> = { [CERT_PLACEHOLDER]: join(KEYS_DIR, 'server.crt') };
        try {
          // eslint-disable-next-line no-await-in-loop -- one suggestion after another, as a user runs them
          if (command.includes(ADMIN_ORG_PLACEHOLDER)) fill[ADMIN_ORG_PLACEHOLDER] = await adminOrgAlias();
        } catch (error) {
          run.outcome = `not run: no admin login of this org (${(error as Error).message})`;
          continue;
        }
        const concrete = concreteArgv(command, fill);
        if (!concrete) continue;
        try {
          // eslint-disable-next-line no-await-in-loop
          if (concrete.command === 'diagnose') await JwtDiagnose.run(concrete.argv);
          // eslint-disable-next-line no-await-in-loop
          else await JwtStatus.run(concrete.argv);
          run.outcome = 'ran';
        } catch (error) {
          const code = exitCodeOf(error);
          run.outcome = code === 2 ? `usage error: ${(error as Error).message}` : `ran (exit ${code ?? '?'})`;
        }
        process.exitCode = undefined;
      }
    }
  }

  afterEach(async function () {
    await runSuggestions(this.currentTest?.fullTitle() ?? '');
    restoreAudience();
    await endCommandTest(sandbox, emu, home);
    emu = undefined;
  });

  async function emulator(scenario: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
    emu = await startEmulator(scenario);
    return emu;
  }

  /** Stores a JWT login the real way, then forgets the emulator's requests so counts start at zero. */
  async function login(partial: Partial<StoredLogin> & { username: string }): Promise<void> {
    await storeLoginIn(emu as Emulator, tokens, partial);
    fetchSpy.resetHistory();
    postForm.resetHistory();
  }

  function flagsFor(target: Emulator, username = 'ci@acme.com', clientId = CI_CLIENT_ID, key = SERVER_KEY): string[] {
    return ['--username', username, '--client-id', clientId, '--jwt-key-file', key, '--instance-url', target.url];
  }

  /** Runs the command; every run must leave HOME byte-identical and show no secret. */
  async function diagnose(args: string[]): Promise<Outcome> {
    const before = hashTree(home.home);
    const result = (await JwtDiagnose.run(args)) as DiagnoseResult;
    expect(treeChanges(before, hashTree(home.home)), 'files under HOME changed').to.deep.equal([]);
    suggesting.push(result);
    const output = capturedOutput(ux);
    expect(
      secretLeaks(`${output}\n${JSON.stringify(result)}`, [...tokens, ...KEY_MATERIAL]),
      'secret in output',
    ).to.deep.equal([]);
    expectShape(result);
    const rows = tableRows(ux).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, unfolded(v)])));
    return { result, output, rows };
  }

  function tokenRequests(): number {
    return (emu?.requests ?? []).filter((r) => r.path === TOKEN_PATH).length;
  }

  function check(result: DiagnoseResult, id: CheckId): DiagnoseResult['checks'][number] {
    const found = result.checks.find((c) => c.id === id);
    expect(found, `check ${id}`).to.not.equal(undefined);
    return found as DiagnoseResult['checks'][number];
  }

  /** What the command logged, one line per paragraph (the human output is folded to the width). */
  function logged(): string {
    return unfolded(ux.log.args.map((args) => String(args[0])).join('\n'));
  }

  /**
   * A diagnosed fault: the code, exit code 1, the verdict first (its first line names the cause), the message
   * and an action in the human output.
   */
  function expectFault(outcome: Outcome, code: CauseCode): NonNullable<DiagnoseResult['cause']> {
    const { result } = outcome;
    expect(result.cause?.code, `${result.cause?.code}: ${result.cause?.message}`).to.equal(code);
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
    expect(cause.actions.length, 'actions').to.be.greaterThan(0);
    const firstLine = String(ux.log.firstCall.args[0]).split('\n')[0];
    expect(firstLine.startsWith(`The JWT login of ${result.username} fails (${code}):`), firstLine).to.equal(true);
    expect(spaced(logged())).to.include(spaced(cause.message));
    expect(spaced(logged())).to.include(spaced(`- ${cause.actions[0]}`));
    // the failing check that carries the code is in the result
    const failing = result.checks.find((c) => c.status === 'fail' && c.code === code);
    expect(failing, `a failing check with code ${code}`).to.not.equal(undefined);
    return cause;
  }

  function expectOk(outcome: Outcome): void {
    const { result } = outcome;
    expect(result.cause, result.cause?.message).to.equal(null);
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    // one line says it works, first
    expect(ux.logSuccess.args.flat()).to.deep.equal([`The JWT login of ${result.username} works.`]);
    expect(ux.styledHeader.called).to.equal(false);
  }

  /** Checks that stop the exchange: nothing was sent to any token endpoint. */
  function expectNoExchange(result: DiagnoseResult): void {
    expect(check(result, 'token-exchange').status).to.equal('skip');
    expect(check(result, 'clock').status).to.equal('skip');
    expect(result.attempts).to.deep.equal([]);
    expect(postForm.called, 'no token request').to.equal(false);
    expect(tokenRequests()).to.equal(0);
  }

  describe('healthy login', () => {
    it('proves the login works with exactly one token request, and says so', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose(flagsFor(target));
      expectOk(outcome);
      const { result } = outcome;
      expect(result).to.include({
        username: 'ci@acme.com',
        clientId: CI_CLIENT_ID,
        loginUrl: `${target.url}/`,
        audience: `${target.url}/`,
      });
      expect(result.checks.map((c) => c.id)).to.deep.equal([
        'inputs',
        'key-file',
        'key-parse',
        'key-size',
        'cert',
        'login-url',
        'client-id',
        'clock',
        'token-exchange',
        'org-evidence',
      ]);
      expect(result.checks.filter((c) => c.status === 'fail')).to.deep.equal([]);
      expect(check(result, 'token-exchange').status).to.equal('pass');
      expect(check(result, 'cert').status).to.equal('skip');
      expect(result.attempts).to.have.length(1);
      expect(result.attempts[0]).to.include({ outcome: 'success', status: 200, kind: 'pair' });
      expect(result.source).to.deep.equal({ clientId: 'flag', jwtKeyFile: 'flag', loginUrl: 'flag' });
      expect(tokenRequests()).to.equal(1);
      expect(target.requests[0]).to.include({
        path: TOKEN_PATH,
        status: 200,
        sub: 'ci@acme.com',
        iss: CI_CLIENT_ID,
        aud: `${target.url}/`,
      });
      // a token was issued, and it is nowhere in the output (diagnose() checks that)
      expect(tokens).to.have.length(1);
      // one line, nothing else
      expect(ux.table.called).to.equal(false);
      expect(ux.log.called).to.equal(false);
    });

    it('--verbose shows every check and token request after the verdict', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose([...flagsFor(target), '--verbose']);
      expectOk(outcome);
      const { result } = outcome;
      expect(outcome.rows.filter((r) => r.Check).map((r) => r.Check)).to.deep.equal(result.checks.map((c) => c.id));
      expect(outcome.rows).to.deep.include({
        Check: 'token-exchange',
        Status: 'pass',
        Detail: check(result, 'token-exchange').message,
      });
      expect(outcome.rows).to.deep.include({
        Request: `POST ${target.url}/ aud ${target.url}/`,
        Result: 'token issued',
      });
    });

    it('prints the JSON envelope with status 0 and the result under --json', async () => {
      const target = await emulator('healthy');
      const { result } = await diagnose([...flagsFor(target), '--json']);
      expect(ux.logJson.calledOnce).to.equal(true);
      const envelope = ux.logJson.firstCall.args[0] as { status: number; result: DiagnoseResult };
      expect(envelope.status).to.equal(0);
      expect(envelope.result).to.deep.equal(result);
    });

    it('accepts a PKCS#1 key', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose(flagsFor(target, 'ci@acme.com', CI_CLIENT_ID, fixtureKey('pkcs1.key')));
      expectOk(outcome);
      expect(check(outcome.result, 'key-parse').message).to.include('PKCS#1');
    });

    it('accepts the hidden login-only flags of a pasted "sf org login jwt" command and writes nothing', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose([...flagsFor(target), '--alias', 'ci', '--set-default', '--set-default-dev-hub']);
      expectOk(outcome);
      const short = await diagnose([
        '-o',
        'ci@acme.com',
        '-i',
        CI_CLIENT_ID,
        '-f',
        SERVER_KEY,
        '-r',
        target.url,
        '-a',
        'ci',
        '-s',
        '-d',
      ]);
      expect(short.result.ok).to.equal(true);
    });
  });

  describe('JSON of a fault', () => {
    it('carries status 1, the cause with server error, checks with codes, attempts and the approval URL', async () => {
      const target = await emulator('not-approved');
      const outcome = await diagnose([...flagsFor(target), '--json']);
      expectFault(outcome, 'USER_NOT_APPROVED');
      const envelope = ux.logJson.firstCall.args[0] as { status: number; result: DiagnoseResult };
      expect(envelope.status).to.equal(1);
      const json = JSON.parse(JSON.stringify(envelope.result)) as DiagnoseResult;
      expect(json.cause?.serverError?.error).to.equal('invalid_grant');
      expect(json.cause?.serverError?.error_description).to.equal("user hasn't approved this consumer");
      expect(json.approvalUrl).to.match(new RegExp(`^${target.url}/services/oauth2/authorize\\?`));
      const approval = new URL(json.approvalUrl as string);
      expect(approval.searchParams.get('client_id')).to.equal(CI_CLIENT_ID);
      expect(approval.searchParams.get('scope')).to.include('refresh_token');
      expect(check(json, 'token-exchange')).to.include({ status: 'fail', code: 'USER_NOT_APPROVED' });
      expect(json.attempts[0]).to.include({ host: `${target.url}/`, outcome: 'oauth-error', status: 400 });
    });
  });

  describe('key file', () => {
    it('KEY_FILE_NOT_FOUND for a missing path, before any request', async () => {
      await emulator('healthy');
      const missing = join(home.home, 'no-such.key');
      const outcome = await diagnose(flagsFor(emu as Emulator, 'ci@acme.com', CI_CLIENT_ID, missing));
      const cause = expectFault(outcome, 'KEY_FILE_NOT_FOUND');
      expect(cause.message).to.include(missing);
      expect(check(outcome.result, 'key-parse').status).to.equal('skip');
      expectNoExchange(outcome.result);
    });

    it('KEY_FILE_NOT_FOUND for a stored JWT login whose key file was deleted, with the stored-auth fix', async () => {
      await emulator('healthy');
      const scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-key-'));
      const tempKey = join(scratch, 'server.key');
      copyFileSync(SERVER_KEY, tempKey);
      try {
        await login({ username: 'ci@acme.com', keyFile: tempKey });
        rmSync(tempKey);
        const outcome = await diagnose(['-o', 'ci@acme.com']);
        const cause = expectFault(outcome, 'KEY_FILE_NOT_FOUND');
        expect(outcome.result.source).to.deep.equal({
          clientId: 'stored-auth',
          jwtKeyFile: 'stored-auth',
          loginUrl: 'stored-auth',
        });
        expect(cause.message).to.include(tempKey);
        expect(cause.actions.join('\n')).to.include('The CLI stores only the path of the key file');
        expect(cause.actions.join('\n')).to.include('sf org login jwt');
        expectNoExchange(outcome.result);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    const unreadable: Array<{ what: string; file: string; check: CheckId; words: string }> = [
      { what: 'garbage', file: 'garbage.key', check: 'key-parse', words: 'not a PEM private key' },
      {
        what: 'a certificate given as key',
        file: 'server.crt',
        check: 'key-parse',
        words: 'is a certificate, not a private key',
      },
      { what: 'a public key', file: 'public.pem', check: 'key-parse', words: 'is a public key, not a private key' },
      { what: 'an encrypted PKCS#8 key', file: 'encrypted.key', check: 'key-parse', words: 'encrypted private key' },
      {
        what: 'an encrypted PKCS#1 key',
        file: 'encrypted-pkcs1.key',
        check: 'key-parse',
        words: 'encrypted private key',
      },
      { what: 'an empty file', file: 'empty.key', check: 'key-file', words: 'empty' },
      { what: 'an EC key', file: 'ec.key', check: 'key-parse', words: 'not RSA' },
      { what: 'a truncated key', file: 'truncated.key', check: 'key-parse', words: 'incomplete' },
    ];
    for (const { what, file, check: id, words } of unreadable) {
      it(`KEY_UNREADABLE for ${what}, naming it, before any request`, async () => {
        const target = await emulator('healthy');
        const outcome = await diagnose(flagsFor(target, 'ci@acme.com', CI_CLIENT_ID, fixtureKey(file)));
        const cause = expectFault(outcome, 'KEY_UNREADABLE');
        expect(check(outcome.result, id)).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
        expect(cause.message).to.include(words);
        expect(check(outcome.result, 'key-size').status).to.equal('skip');
        expectNoExchange(outcome.result);
      });
    }

    it('KEY_UNREADABLE for a directory', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose(flagsFor(target, 'ci@acme.com', CI_CLIENT_ID, KEYS_DIR));
      const cause = expectFault(outcome, 'KEY_UNREADABLE');
      expect(check(outcome.result, 'key-file')).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
      expect(cause.message).to.include('is a directory');
      expectNoExchange(outcome.result);
    });

    it('KEY_TOO_SHORT for a 1024-bit key: key-size fails, the exchange is skipped, no token request', async () => {
      const target = await emulator('weak-key');
      const outcome = await diagnose([
        ...flagsFor(target, 'ci@acme.com', CI_CLIENT_ID, fixtureKey('weak1024.key')),
        '--verbose',
      ]);
      const cause = expectFault(outcome, 'KEY_TOO_SHORT');
      expect(check(outcome.result, 'key-size')).to.include({ status: 'fail', code: 'KEY_TOO_SHORT' });
      expect(check(outcome.result, 'key-size').message).to.include('1024');
      expect(cause.actions.join('\n')).to.include('sf jwt keygen');
      expect(outcome.rows.find((r) => r.Check === 'token-exchange')?.Status).to.equal('skip');
      expectNoExchange(outcome.result);
    });

    it('KEY_CERT_MISMATCH for a certificate that is not the key’s, even though the login works', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose([...flagsFor(target), '--cert-file', fixtureKey('other.crt')]);
      expectFault(outcome, 'KEY_CERT_MISMATCH');
      expect(check(outcome.result, 'cert')).to.include({ status: 'fail', code: 'KEY_CERT_MISMATCH' });
      expect(check(outcome.result, 'token-exchange').status).to.equal('pass');
    });

    it('reports a --cert-file that does not exist through the cert check, with the fix (exit 1, not a parse error)', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose([...flagsFor(target), '--cert-file', join(home.home, 'no-such.crt')]);
      expectFault(outcome, 'KEY_CERT_MISMATCH');
      expect(check(outcome.result, 'cert').message).to.include('does not exist');
      expect(check(outcome.result, 'cert').actions?.join('\n')).to.include('--cert-file');
    });

    it('passes the cert check for the key’s own certificate', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose([...flagsFor(target), '--cert-file', fixtureKey('server.crt')]);
      expectOk(outcome);
      expect(check(outcome.result, 'cert').status).to.be.oneOf(['pass', 'warn']);
    });
  });

  describe('login URL and network', () => {
    const invalid = [
      { what: 'a URL without scheme', url: 'acme.my.salesforce.com' },
      { what: 'a Lightning domain', url: 'https://acme.lightning.force.com' },
      { what: 'plain http to a non-loopback host', url: 'http://acme.my.salesforce.com' },
    ];
    for (const { what, url } of invalid) {
      it(`LOGIN_URL_INVALID for ${what}, and nothing is sent anywhere`, async () => {
        const outcome = await diagnose(['-o', 'ci@acme.com', '-i', CI_CLIENT_ID, '-f', SERVER_KEY, '-r', url]);
        const cause = expectFault(outcome, 'LOGIN_URL_INVALID');
        expect(check(outcome.result, 'login-url')).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
        expect(cause.actions.join('\n')).to.match(/login\.salesforce\.com|my\.salesforce\.com/);
        expectNoExchange(outcome.result);
        expect(fetchSpy.called, 'no request at all').to.equal(false);
      });
    }

    it('NETWORK_ERROR for a refused port; unreachable fallback hosts are not the cause', async () => {
      const port = await unusedPort();
      const url = `http://127.0.0.1:${port}`;
      const outcome = await diagnose(['-o', 'ci@acme.com', '-i', CI_CLIENT_ID, '-f', SERVER_KEY, '-r', url]);
      const cause = expectFault(outcome, 'NETWORK_ERROR');
      expect(cause.message).to.include(`${url}/`);
      expect(outcome.result.attempts[0]).to.include({ host: `${url}/`, outcome: 'network-error' });
      expect(outcome.result.attempts[0].message)
        .to.include('connection was refused')
        .and.not.to.include('ECONNREFUSED');
      // the loopback host is tried once; its later pairs are skipped
      const onLoopback = outcome.result.attempts.filter((a) => a.host === `${url}/`);
      expect(onLoopback.filter((a) => a.outcome !== 'skipped')).to.have.length(1);
      expect(onLoopback.length).to.be.greaterThan(1);
    });

    it('NETWORK_ERROR for a server that never answers, within one --timeout', async () => {
      const target = await emulator('healthy');
      target.setFaults({ hang: true });
      const started = Date.now();
      const outcome = await diagnose([...flagsFor(target), '--timeout', '1']);
      expect(Date.now() - started).to.be.lessThan(5000);
      const cause = expectFault(outcome, 'NETWORK_ERROR');
      expect(cause.message).to.include('timeout');
      expect(tokenRequests()).to.equal(1);
    });

    it('UNEXPECTED_RESPONSE for an HTML 503 maintenance page', async () => {
      const target = await emulator('healthy');
      target.setFaults({ html503: true });
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'UNEXPECTED_RESPONSE');
      expect(cause.message).to.include('503');
      expect(cause.message).to.include('Salesforce - Maintenance');
      expect(outcome.result.attempts[0]).to.include({ outcome: 'unexpected-response', status: 503 });
    });

    it('UNEXPECTED_RESPONSE for a 200 answer that is not JSON', async () => {
      const target = await emulator('healthy');
      target.setFaults({ malformedJson: true });
      const outcome = await diagnose(flagsFor(target));
      expectFault(outcome, 'UNEXPECTED_RESPONSE');
      expect(outcome.result.attempts[0]).to.include({ outcome: 'unexpected-response', status: 200 });
    });

    it('CLOCK_SKEW when the server is 10 minutes ahead and rejects the assertion as expired', async () => {
      const target = await emulator('clock-skew');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'CLOCK_SKEW');
      expect(cause.serverError?.error).to.equal('invalid_grant');
      expect(cause.serverError?.error_description).to.equal('expired authorization code');
      expect(cause.message).to.match(/\d+ seconds behind/);
      expect(Math.abs(cause.evidence?.skewSeconds as number)).to.be.within(590, 610);
      expect(check(outcome.result, 'clock').status).to.be.oneOf(['warn', 'fail']);
    });
  });

  describe('app and assertion', () => {
    it('INVALID_CLIENT_ID for an unknown consumer key', async () => {
      const target = await emulator('healthy');
      const outcome = await diagnose(flagsFor(target, 'ci@acme.com', '3MVG9NOSUCH.APP.KEY'));
      const cause = expectFault(outcome, 'INVALID_CLIENT_ID');
      expect(cause.serverError?.error).to.equal('invalid_client_id');
      expect(check(outcome.result, 'client-id').status).to.equal('pass');
    });

    for (const [what, clientId] of [
      ['a trailing newline', `${CI_CLIENT_ID}\n`],
      ['quotes', `"${CI_CLIENT_ID}"`],
    ]) {
      it(`INVALID_CLIENT_ID for a client id with ${what}, called out by the client-id check`, async () => {
        const target = await emulator('healthy');
        const outcome = await diagnose(flagsFor(target, 'ci@acme.com', clientId));
        expectFault(outcome, 'INVALID_CLIENT_ID');
        expect(check(outcome.result, 'client-id')).to.include({ status: 'fail', code: 'INVALID_CLIENT_ID' });
        expect(outcome.result.cause?.message).to.match(/line break|quote/i);
      });
    }

    it('APP_NOT_INSTALLED for an external client app missing from the org', async () => {
      const target = await emulator('eca-not-installed');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'APP_NOT_INSTALLED');
      expect(cause.serverError?.error).to.equal('app_not_found');
    });

    it('INVALID_ASSERTION when the app carries another certificate', async () => {
      const target = await emulator('wrong-cert');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'INVALID_ASSERTION');
      expect(cause.serverError?.error_description).to.equal('invalid assertion');
      expect(cause.actions.join('\n')).to.include('--cert-file');
    });

    it('AUDIENCE_INVALID when the org accepts only another audience', async () => {
      const target = await emulator('audience-other');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'AUDIENCE_INVALID');
      expect(cause.serverError?.error_description).to.equal('audience is invalid');
      // the other candidate audiences were probed against the login URL
      expect(outcome.result.attempts.some((a) => a.kind === 'audience-probe' && a.host === `${target.url}/`)).to.equal(
        true,
      );
    });

    it('works through a fallback pair with SF_AUDIENCE_URL set to the site URL: ok, with a warning naming the pair', async () => {
      const target = await emulator('audience-other');
      process.env.SF_AUDIENCE_URL = 'https://acme.my.site.com/customers';
      const outcome = await diagnose(flagsFor(target));
      expectOk(outcome);
      const { result } = outcome;
      expect(result.audience).to.equal('https://acme.my.site.com/customers');
      expect(check(result, 'token-exchange').status).to.equal('warn');
      expect(result.warnings?.join('\n')).to.include('https://acme.my.site.com/customers');
      expect(result.warnings?.join('\n')).to.include(`${target.url}/`);
      expect(ux.warn.args.flat().join('\n')).to.include('https://acme.my.site.com/customers');
      const success = result.attempts.find((a) => a.outcome === 'success');
      expect(success).to.include({ host: `${target.url}/`, audience: 'https://acme.my.site.com/customers' });
    });
  });

  describe('user and approval', () => {
    it('does not stall on an admin org that never answers: evidence gives up within the --timeout budget', async () => {
      const target = await emulator('not-approved');
      await login({ username: 'admin@acme.com' });
      target.setFaults({ hang: true, paths: ['/services/data', '/services/Soap'] });
      const started = Date.now();
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com', '--timeout', '1']);
      expect(Date.now() - started).to.be.below(10_000);
      expectFault(outcome, 'USER_NOT_APPROVED');
      const evidence = check(outcome.result, 'org-evidence');
      expect(evidence.status).to.equal('warn');
      expect(evidence.message).to.include('no answer within 6 seconds');
    });

    it('USER_NOT_FOUND for a sandbox username without its suffix, with the suffix suggested (--admin-org)', async () => {
      const target = await emulator('sandbox');
      await login({ username: 'admin@acme.com.uat' });
      const outcome = await diagnose([...flagsFor(target, 'ci@acme.com'), '--admin-org', 'admin@acme.com.uat']);
      const cause = expectFault(outcome, 'USER_NOT_FOUND');
      expect(check(outcome.result, 'org-evidence').status).to.equal('pass');
      expect(outcome.result.evidence?.user).to.equal(null);
      expect(`${cause.message}\n${cause.actions.join('\n')}`).to.include('ci@acme.com.uat');
    });

    it('USER_INACTIVE for a deactivated user', async () => {
      const target = await emulator('user-inactive');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'USER_INACTIVE');
      expect(cause.serverError?.error).to.equal('inactive_user');
    });

    it('USER_FROZEN for a frozen user, told apart from inactive through --admin-org', async () => {
      const target = await emulator('user-frozen');
      await login({ username: 'admin@acme.com' });
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com']);
      const cause = expectFault(outcome, 'USER_FROZEN');
      expect(cause.actions.join('\n')).to.include('Unfreeze');
      expect(outcome.result.evidence?.user).to.include({ username: 'ci@acme.com', isFrozen: true });
    });

    it('USER_NOT_PREAUTHORIZED for an admin-approved app that no permission set of the user grants', async () => {
      const target = await emulator('admin-approved-no-grant');
      await login({ username: 'admin@acme.com' });
      const outcome = await diagnose([
        ...flagsFor(target, 'ci@acme.com', ADMIN_CLIENT_ID),
        '--admin-org',
        'admin@acme.com',
      ]);
      const cause = expectFault(outcome, 'USER_NOT_PREAUTHORIZED');
      expect(cause.actions.join('\n')).to.include(
        `sf jwt approve --username ci@acme.com --client-id ${ADMIN_CLIENT_ID} --jwt-key-file ${SERVER_KEY} --instance-url ${target.url}/ --admin-org admin@acme.com --permission-set `,
      );
      expect(outcome.result.evidence?.app).to.include({ adminApprovedOnly: true });
    });

    it('APP_SCOPE_MISSING_REFRESH_TOKEN when the app’s scopes lack refresh_token', async () => {
      const target = await emulator('scope-missing-refresh-token');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com']);
      const cause = expectFault(outcome, 'APP_SCOPE_MISSING_REFRESH_TOKEN');
      expect(cause.actions.join('\n')).to.include('refresh_token');
    });

    it('USER_NOT_APPROVED without --admin-org: lists the other causes, names --admin-org, evidence skipped', async () => {
      const target = await emulator('not-approved');
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'USER_NOT_APPROVED');
      const { result } = outcome;
      expect(cause.message).to.include('--admin-org');
      for (const other of [
        'pre-authorized',
        'refresh_token',
        'sandbox suffix',
        'inactive or frozen',
        "hasn't taken effect",
      ]) {
        expect(cause.message).to.include(other);
      }
      expect(result.missingEvidence?.length).to.be.greaterThan(0);
      expect(check(result, 'org-evidence').status).to.equal('skip');
      expect(check(result, 'org-evidence').message).to.include('--admin-org');
      expect(result.approvalUrl).to.be.a('string');
      // what was not collected is in the JSON, and in the human output with --verbose (the next steps say how)
      expect(ux.log.args.flat()).to.not.include('Not collected:');
      ux.log.resetHistory();
      await diagnose([...flagsFor(target), '--verbose']);
      expect(ux.log.args.flat()).to.include('Not collected:');
    });

    it('USER_NOT_APPROVED with --admin-org: the user record shows no approval', async () => {
      const target = await emulator('not-approved');
      await login({ username: 'admin@acme.com' });
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com']);
      const cause = expectFault(outcome, 'USER_NOT_APPROVED');
      const { result } = outcome;
      expect(check(result, 'org-evidence').status).to.equal('pass');
      expect(result.missingEvidence).to.equal(undefined);
      expect(result.evidence?.user).to.include({ username: 'ci@acme.com', isActive: true });
      expect(result.evidence?.oauthTokens).to.deep.equal([]);
      expect(result.approvalUrl).to.be.a('string');
      expect(cause.actions.join('\n')).to.include('sf jwt approve --username ci@acme.com');
      expect(ux.log.args.flat()).to.include('Evidence from the org:');
      expect(ux.log.args.flat().some((line) => /^ {2}Approvals \(OauthToken\) +none$/.test(String(line)))).to.equal(
        true,
      );
    });

    it('APPROVAL_NOT_PROPAGATED when approval and grant exist yet the server refuses', async () => {
      const target = await emulator('approval-pending');
      await login({ username: 'admin@acme.com' });
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com']);
      const cause = expectFault(outcome, 'APPROVAL_NOT_PROPAGATED');
      expect(outcome.result.approvalUrl).to.be.a('string');
      expect(cause.actions.join('\n')).to.include('--wait');
    });

    it('NOT_ADMIN_APPROVED for invalid_app_access', async () => {
      const target = await emulator('admin-approved-invalid-app-access');
      const outcome = await diagnose(flagsFor(target, 'ci@acme.com', ADMIN_CLIENT_ID));
      const cause = expectFault(outcome, 'NOT_ADMIN_APPROVED');
      expect(cause.serverError?.error).to.equal('invalid_app_access');
    });

    it('IP_RESTRICTED', async () => {
      const target = await emulator('ip-restricted');
      const cause = expectFault(await diagnose(flagsFor(target)), 'IP_RESTRICTED');
      expect(cause.serverError?.error_description).to.equal('IP restricted or invalid login hours');
    });

    it('ORG_INACTIVE', async () => {
      const target = await emulator('org-inactive');
      const cause = expectFault(await diagnose(flagsFor(target)), 'ORG_INACTIVE');
      expect(cause.serverError?.error).to.equal('inactive_org');
    });

    it('RATE_LIMITED', async () => {
      const target = await emulator('rate-limited');
      const cause = expectFault(await diagnose(flagsFor(target)), 'RATE_LIMITED');
      expect(cause.serverError?.error).to.equal('rate_limit_exceeded');
    });

    it('UNKNOWN_ERROR for an OAuth error the plugin does not know, shown verbatim', async () => {
      const target = await emulator('healthy');
      // eslint-disable-next-line camelcase -- OAuth body field
      target.setFaults({
        oauthError: { error: 'invalid_request', error_description: 'Something new went wrong (code 4711)' },
      });
      const outcome = await diagnose(flagsFor(target));
      const cause = expectFault(outcome, 'UNKNOWN_ERROR');
      expect(cause.message).to.include('invalid_request');
      expect(cause.message).to.include('Something new went wrong (code 4711)');
      expect(logged()).to.include('Salesforce answered "invalid_request: Something new went wrong (code 4711)"');
    });

    it('reports what a restricted admin could not read, and draws no conclusion from it', async () => {
      const scenario = loadScenario('restricted-admin');
      // The scenario's ci@acme.com works; take its approval away so that evidence is needed.
      const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
      scenario.oauthTokens = scenario.oauthTokens.filter((t) => t.userId !== ci?.id);
      const target = await emulator(scenario);
      await login({ username: 'admin@acme.com' });
      const outcome = await diagnose([...flagsFor(target), '--admin-org', 'admin@acme.com']);
      const evidenceCheck = check(outcome.result, 'org-evidence');
      expect(evidenceCheck.status).to.equal('warn');
      expect(evidenceCheck.message).to.include('INSUFFICIENT_ACCESS');
      expect(outcome.result.evidence?.errors?.length).to.be.greaterThan(0);
      // refused reads are unknown, not absent: the default cause, saying what could not be read
      const cause = expectFault(outcome, 'USER_NOT_APPROVED');
      expect(cause.message).to.include("can't tell which").and.to.include('INSUFFICIENT_ACCESS');
    });
  });

  describe('cause codes', () => {
    it('every cause code (CAUSE_CODES) is covered by a test above', function () {
      // Titles of this file's tests; a code missing here means a cause without a command test.
      const titles = (this.test?.parent?.parent?.suites ?? [])
        .flatMap((suite) => suite.tests.map((t) => t.title))
        .join('\n');
      const missing = CAUSE_CODES.filter((code) => !titles.includes(code));
      expect(missing).to.deep.equal([]);
    });
  });

  describe('usage errors (exit code 2)', () => {
    async function usageError(args: string[]): Promise<SfError> {
      try {
        await JwtDiagnose.run(args);
      } catch (error) {
        const err = error as SfError;
        expect(err.exitCode, err.message).to.equal(2);
        return err;
      }
      expect.fail('expected a usage error');
    }
    const words = (err: SfError): string => [err.message, ...(err.actions ?? [])].join('\n');

    it('names --username when it is missing', async () => {
      const err = await usageError([]);
      expect(words(err)).to.include('--username');
    });

    it('names --client-id and --jwt-key-file for a username with no stored auth', async () => {
      const err = await usageError(['--username', 'nobody@acme.com']);
      expect(words(err)).to.include('--client-id');
      expect(words(err)).to.include('--jwt-key-file');
    });

    it('rejects an unknown alias', async () => {
      const err = await usageError(['-o', 'no-such-alias']);
      expect(words(err)).to.include('no-such-alias');
    });

    it('rejects an unknown --admin-org', async () => {
      const target = await emulator('not-approved');
      const err = await usageError([...flagsFor(target), '--admin-org', 'nobody-admin']);
      expect(words(err)).to.include('nobody-admin');
      expect(words(err)).to.include('--admin-org');
    });
  });

  describe('stored auth reuse', () => {
    it('-o <username> alone takes client id, key path and login URL from the stored JWT login', async () => {
      const target = await emulator('healthy');
      await login({ username: 'ci@acme.com', alias: 'ci' });
      const outcome = await diagnose(['-o', 'ci@acme.com']);
      expectOk(outcome);
      expect(outcome.result).to.include({ clientId: CI_CLIENT_ID, loginUrl: `${target.url}/` });
      expect(outcome.result.source).to.deep.equal({
        clientId: 'stored-auth',
        jwtKeyFile: 'stored-auth',
        loginUrl: 'stored-auth',
      });
      expect(check(outcome.result, 'key-file').message).to.include(SERVER_KEY);
      expect(tokenRequests()).to.equal(1);
    });

    it('-o <alias> works', async () => {
      await emulator('healthy');
      await login({ username: 'ci@acme.com', alias: 'ci' });
      const outcome = await diagnose(['-o', 'ci']);
      expectOk(outcome);
      expect(outcome.result.username).to.equal('ci@acme.com');
    });

    it('explicit flags win over the stored login', async () => {
      await emulator('healthy');
      await login({ username: 'ci@acme.com', alias: 'ci' });
      const withKey = await diagnose(['-o', 'ci', '--jwt-key-file', fixtureKey('other.key')]);
      expectFault(withKey, 'INVALID_ASSERTION');
      expect(withKey.result.source).to.include({ jwtKeyFile: 'flag', clientId: 'stored-auth' });
      process.exitCode = undefined;
      ux.styledHeader.resetHistory();
      ux.log.resetHistory();
      const withClient = await diagnose(['-o', 'ci', '--client-id', '3MVG9NOSUCH.APP.KEY']);
      expectFault(withClient, 'INVALID_CLIENT_ID');
      expect(withClient.result.source).to.include({ clientId: 'flag', jwtKeyFile: 'stored-auth' });
    });
  });

  describe('--all', () => {
    it('diagnoses every stored JWT login: one healthy, one broken, exit 1', async () => {
      await emulator('healthy');
      await login({ username: 'ci@acme.com' });
      const scratch = mkdtempSync(join(tmpdir(), 'plugin-jwt-key-'));
      const tempKey = join(scratch, 'admin.key');
      writeFileSync(tempKey, readFileSync(SERVER_KEY));
      try {
        await login({ username: 'admin@acme.com', keyFile: tempKey });
        rmSync(tempKey);
        const before = hashTree(home.home);
        const all = (await JwtDiagnose.run(['--all'])) as DiagnoseAllResult;
        expect(treeChanges(before, hashTree(home.home))).to.deep.equal([]);
        expect(
          secretLeaks(`${capturedOutput(ux)}\n${JSON.stringify(all)}`, [...tokens, ...KEY_MATERIAL]),
        ).to.deep.equal([]);
        expect(all.orgs).to.have.length(2);
        const byUser = Object.fromEntries(all.orgs.map((o) => [o.username, o]));
        expect(byUser['ci@acme.com'].ok).to.equal(true);
        expect(byUser['admin@acme.com'].cause?.code).to.equal('KEY_FILE_NOT_FOUND');
        for (const org of all.orgs) expectShape(org);
        expect(all.summary).to.deep.equal({ total: 2, ok: 1, failed: 1, causes: { KEY_FILE_NOT_FOUND: 1 } });
        expect(process.exitCode).to.equal(1);
        // the count first, in one line; then the causes, and the failing login with its next command
        expect(ux.log.firstCall.args[0]).to.equal('1 of 2 JWT logins work (--verbose lists the ones that work).');
        const rows = tableRows(ux);
        expect(rows).to.deep.equal([{ Cause: 'KEY_FILE_NOT_FOUND', Logins: '1' }]);
        expect(logged()).to.include('- admin@acme.com: KEY_FILE_NOT_FOUND. ');
        expect(ux.log.args.flat()).to.include('    sf jwt diagnose --username admin@acme.com');
        expect(logged()).to.not.match(/JWT logins work\.[\s\S]*JWT logins work/);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it('says so when the CLI has no stored JWT login, exit 0, and creates no file', async () => {
      const before = hashTree(home.home);
      const all = (await JwtDiagnose.run(['--all'])) as DiagnoseAllResult;
      expect(all).to.deep.equal({ orgs: [], summary: { total: 0, ok: 0, failed: 0, causes: {} } });
      expect(process.exitCode ?? 0).to.equal(0);
      expect(ux.log.args.flat().join('\n')).to.include('no stored JWT logins');
      expect(treeChanges(before, hashTree(home.home))).to.deep.equal([]);
    });
  });

  // last: after every other test of this file has run its suggestions (afterEach)
  describe('suggested commands', () => {
    it('every concrete sf jwt diagnose / status suggestion of every cause runs without a usage error', () => {
      expect(suggestionRuns.filter((run) => run.outcome.startsWith('usage error'))).to.deep.equal([]);
      expect(suggestionRuns.filter((run) => run.outcome.startsWith('not run'))).to.deep.equal([]);
      // the causes whose next steps name such a command, each with at least one of them run
      const ran = new Set(suggestionRuns.filter((run) => run.outcome.startsWith('ran')).map((run) => run.code));
      expect([...ran].sort()).to.include.members([
        'APPROVAL_NOT_PROPAGATED',
        'INVALID_ASSERTION',
        'NOT_ADMIN_APPROVED',
        'USER_INACTIVE',
        'USER_NOT_APPROVED',
        'USER_NOT_PREAUTHORIZED',
      ]);
      // nothing that names a diagnose or status command is left out as "not concrete"
      expect(suggestionRuns.filter((run) => run.outcome === 'not concrete')).to.deep.equal([]);
    });
  });
});

const STATUSES = ['pass', 'warn', 'fail', 'skip'];

/** The JSON contract of one diagnosis (README.md, "JSON and exit codes"; schemas/jwt-diagnose.json). */
function expectShape(result: DiagnoseResult): void {
  expect(result.ok).to.be.a('boolean');
  expect(result.username).to.be.a('string').and.not.equal('');
  for (const key of ['clientId', 'loginUrl', 'audience'] as const) {
    if (result.checks.some((c) => c.id === 'token-exchange')) expect(result[key], key).to.be.a('string');
  }
  expect(result.checks).to.be.an('array').that.is.not.empty;
  for (const c of result.checks) {
    expect(STATUSES).to.include(c.status);
    expect(c.id).to.be.a('string');
    expect(c.message, c.id).to.be.a('string').and.not.equal('');
    if (c.status === 'fail') expect(CAUSE_CODES, `code of failing check ${c.id}`).to.include(c.code);
  }
  expect(result.attempts).to.be.an('array');
  for (const a of result.attempts) {
    expect(a.host).to.be.a('string');
    expect(a.audience).to.be.a('string');
    expect(['success', 'oauth-error', 'network-error', 'unexpected-response', 'skipped']).to.include(a.outcome);
  }
  if (result.ok) {
    expect(result.cause).to.equal(null);
    return;
  }
  const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
  expect(CAUSE_CODES).to.include(cause.code);
  expect(cause.message).to.be.a('string').and.not.equal('');
  expect(cause.actions).to.be.an('array');
  for (const action of cause.actions) expect(action).to.be.a('string').and.not.equal('');
  if (cause.serverError) expect(cause.serverError.error).to.be.a('string');
  if (['USER_NOT_APPROVED', 'APPROVAL_NOT_PROPAGATED'].includes(cause.code)) {
    expect(result.approvalUrl, 'approvalUrl').to.be.a('string');
  }
}
