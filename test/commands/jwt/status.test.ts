/*
 * `sf jwt status`, in-process against the Salesforce emulator: the user's approvals, the app's policy and
 * scopes, the grants that reach the user, as tables and JSON; read-only in the org and on disk.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtStatus, { type JwtStatusResult } from '../../../src/commands/jwt/status.js';
import { startEmulator, type Emulator, CI_CLIENT_ID, ADMIN_CLIENT_ID } from '../../../emulator/index.js';
import { SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  hashTree,
  secretLeaks,
  storeJwtLogin,
  tableRows,
  treeChanges,
  endCommandTest,
  useTempHome,
  type TempHome,
  keyLine,
} from '../../helpers/org.js';

const KEY_LINE = keyLine(SERVER_KEY);

describe('jwt status', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let accessToken: string;

  async function setUp(scenario: string): Promise<void> {
    emu = await startEmulator(scenario);
    accessToken = (
      await storeJwtLogin({
        username: 'admin@acme.com',
        loginUrl: emu.url,
        alias: 'emu-admin',
      })
    ).accessToken;
  }

  beforeEach(() => {
    home = useTempHome();
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
  });

  afterEach(() => endCommandTest(sandbox, emu, home));

  async function status(args: string[]): Promise<{ result: JwtStatusResult; output: string }> {
    const before = hashTree(home.home);
    const result: JwtStatusResult = await JwtStatus.run(args);
    expect(treeChanges(before, hashTree(home.home)), 'files under HOME changed').to.deep.equal([]);
    expect(emu.store.changes, 'records changed in the org').to.deep.equal([]);
    const output = capturedOutput(ux);
    expect(secretLeaks(`${output}\n${JSON.stringify(result)}`, [accessToken, KEY_LINE])).to.deep.equal([]);
    return { result, output };
  }

  it('shows an admin-approved app that no grant of the user reaches, with the fix', async () => {
    await setUp('admin-approved-no-grant');
    const { result, output } = await status([
      '--admin-org',
      'emu-admin',
      '-o',
      'ci@acme.com',
      '--app-name',
      'Admin_App',
      '--json',
    ]);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.adminOrg).to.equal('emu-admin');
    expect(result.user).to.deep.include({
      username: 'ci@acme.com',
      isActive: true,
      isFrozen: false,
      profileName: 'Standard User',
    });
    expect(result.app).to.deep.include({ name: 'Admin_App', adminApprovedOnly: true });
    expect(result.policy).to.equal('admin-approved');
    expect(result.refreshScope).to.equal(true);
    expect(result.approved).to.equal(false);
    expect(result.grants?.map((g) => [g.permissionSetName, g.via])).to.have.deep.members([
      ['JWT_Access', 'none'],
      ['X00e5g000000ADM1', 'none'],
    ]);
    expect(result.oauthTokens?.map((t) => [t.appName, t.useCount, t.forApp])).to.deep.equal([['CI App', 42, false]]);

    const rows = tableRows(ux);
    expect(rows).to.deep.include({ Field: 'Permitted users', Value: 'Admin approved users are pre-authorized' });
    expect(
      rows.some((r) => r.App === 'CI App' && r['Use count'] === '42' && r['Last used'].startsWith('2026-03-01')),
    ).to.equal(true);
    expect(rows.some((r) => r['Permission set'] === 'JWT_Access' && r['Reaches the user'] === 'no')).to.equal(true);
    // the fix runs as it is: the login is not stored, so it names the org's login URL (the admin org's) and the app
    expect(output).to.match(
      /sf jwt approve --username ci@acme\.com --instance-url http:\/\/127\.0\.0\.1:\d+\/? --app-name Admin_App --admin-org emu-admin/,
    );
  });

  it('lists all of the user’s approvals when no app is given', async () => {
    await setUp('healthy');
    const { result, output } = await status(['--admin-org', 'emu-admin', '--username', 'ci@acme.com', '--json']);
    expect(result.oauthTokens?.map((t) => t.appName)).to.deep.equal(['CI App']);
    expect(result).to.not.have.property('policy');
    expect(result.app).to.equal(undefined);
    expect(result.grants).to.equal(undefined);
    expect(output).to.not.include('JWT readiness');
    expect(process.exitCode ?? 0).to.equal(0);
  });

  it('finds the app by client id and says the user record is ready', async () => {
    await setUp('healthy');
    const { result, output } = await status(['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '-i', ADMIN_CLIENT_ID]);
    expect(result.app?.name).to.equal('Admin_App');
    expect(result.approved).to.equal(true);
    expect(result.grants?.find((g) => g.permissionSetName === 'JWT_Access')?.via).to.equal('permission-set');
    expect(output).to.include('shows what a JWT login of ci@acme.com with Admin App needs');
  });

  it('says a self-authorize user has no approval, with the browser command', async () => {
    await setUp('not-approved');
    const { result, output } = await status(['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '-i', CI_CLIENT_ID]);
    expect(result.policy).to.equal('self-authorize');
    expect(result.approved).to.equal(false);
    expect(result.oauthTokens).to.deep.equal([]);
    expect(output).to.include('has no OAuth approvals');
    expect(output).to.include('sf jwt approve --username ci@acme.com');
  });

  it('exits 1 for a user that is not in the org', async () => {
    await setUp('healthy');
    const { result, output } = await status(['--admin-org', 'emu-admin', '-o', 'ci@acme.com.uat', '--json']);
    expect(result.user).to.equal(null);
    expect(process.exitCode).to.equal(1);
    expect(output).to.include('sandbox username ends with the sandbox name');
  });

  it('needs --admin-org and --username (exit 2)', async () => {
    await setUp('healthy');
    for (const [args, name] of [
      [['-o', 'ci@acme.com'], 'MissingAdminOrgError'],
      [['--admin-org', 'emu-admin'], 'MissingUsernameError'],
      [['--admin-org', 'no-such-org', '-o', 'ci@acme.com'], 'UnknownAdminOrgError'],
    ] as Array<[string[], string]>) {
      try {
        // eslint-disable-next-line no-await-in-loop
        await JwtStatus.run(args);
        expect.fail(`expected a usage error for ${args.join(' ')}`);
      } catch (error) {
        expect((error as SfError).name).to.equal(name);
        expect((error as SfError).exitCode).to.equal(2);
      }
    }
  });

  it('gives up on an admin org that never answers, within the --timeout budget (exit 1, no stack)', async () => {
    await setUp('healthy');
    emu.setFaults({ hang: true, paths: ['/services/data', '/services/Soap'] });
    const started = Date.now();
    try {
      await JwtStatus.run(['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--timeout', '1']);
      expect.fail('expected an error');
    } catch (error) {
      expect((error as SfError).name).to.equal('NoAnswerError');
      expect((error as SfError).message).to.include('did not answer within 4 seconds');
      expect((error as SfError).actions?.join('\n')).to.include('--timeout');
    }
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('refuses a --timeout that is not a duration (exit 2)', async () => {
    await setUp('healthy');
    try {
      await JwtStatus.run(['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--timeout', 'later']);
      expect.fail('expected a usage error');
    } catch (error) {
      expect((error as SfError).exitCode).to.equal(2);
    }
  });
});
