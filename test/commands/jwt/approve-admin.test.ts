/*
 * `sf jwt approve --admin-org`, the headless mode, in-process against the Salesforce emulator: the grant
 * (created / already present), idempotence, --dry-run, concurrent runs, a half-done grant, a
 * self-authorize app, an admin org without rights, verification with --wait, and the user record.
 * Every test asserts the emulator's records (store.changes) before and after.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtApprove, { type JwtApproveAdminResult } from '../../../src/commands/jwt/approve.js';
import { retryTiming } from '../../../src/diagnose/verify.js';
import { flagDurationMs } from '../../../src/utils/duration.js';
import { browser } from '../../../src/utils/browser.js';
import {
  loadScenario,
  startEmulator,
  type Emulator,
  type Scenario,
  CI_CLIENT_ID,
  ADMIN_CLIENT_ID,
  TOKEN_PATH,
} from '../../../emulator/index.js';
import { SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  secretLeaks,
  storeLoginIn,
  tableRows,
  endCommandTest,
  useTempHome,
  type TempHome,
  keyLine,
  recordTokens,
} from '../../helpers/org.js';

const KEY_LINE = keyLine(SERVER_KEY);
const CI_USER_ID = '0055g000000CI01AAG';
const ADMIN_APP_ID = '0H45g000000ADAPCA4';

describe('jwt approve --admin-org', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let tokens: string[];
  let sleeps: number[];
  let opened: sinon.SinonStub;

  async function setUp(scenario: string | Scenario): Promise<void> {
    emu = await startEmulator(scenario);
    // the admin org: admin@acme.com, logged in the real way
    await storeLoginIn(emu, tokens, { username: 'admin@acme.com', alias: 'emu-admin' });
  }

  /** The approval of ci@acme.com applies during the second pause between tries (propagation takes a while). */
  function propagateAfterTwoPauses(): void {
    (retryTiming.sleep as sinon.SinonStub).callsFake((ms: number) => {
      sleeps.push(ms);
      if (sleeps.length === 2) {
        const user = emu.store.data.users.find((u) => u.username === 'ci@acme.com');
        if (user) user.approvalPending = false;
      }
      return Promise.resolve();
    });
  }

  beforeEach(async () => {
    home = useTempHome();
    tokens = [];
    sleeps = [];
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    opened = sandbox.stub(browser, 'open').rejects(new Error('no browser in admin mode'));
    sandbox.stub(retryTiming, 'sleep').callsFake((ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    });
    recordTokens(sandbox, tokens);
  });

  afterEach(() => endCommandTest(sandbox, emu, home));

  const adminArgs = (...extra: string[]): string[] => [
    '--admin-org',
    'emu-admin',
    '--username',
    'ci@acme.com',
    '--client-id',
    ADMIN_CLIENT_ID,
    '--jwt-key-file',
    SERVER_KEY,
    '--instance-url',
    emu.url,
    ...extra,
  ];

  async function approve(args: string[]): Promise<{ result: JwtApproveAdminResult; output: string }> {
    const result = await JwtApprove.run(args);
    expect(result.mode).to.equal('admin');
    const output = capturedOutput(ux);
    expect(
      secretLeaks(`${output}\n${JSON.stringify(result)}`, [...tokens, KEY_LINE]),
      'secret in output',
    ).to.deep.equal([]);
    expect(opened.called, 'a browser was opened').to.equal(false);
    return { result: result as JwtApproveAdminResult, output };
  }

  const created = (): Array<[string, string]> => emu.store.changes.map((c) => [c.op, c.sobject]);
  const tokenCalls = (): number => emu.requests.filter((r) => r.path === TOKEN_PATH).length;

  it('assigns the existing JWT_Access permission set, verifies the login, shows the user record; a second run changes nothing', async () => {
    await setUp('admin-approved-no-grant');
    const { result, output } = await approve(adminArgs('--json'));

    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.app).to.deep.include({ id: ADMIN_APP_ID, name: 'Admin_App', policy: 'admin-approved' });
    expect(result.steps.map((s) => [s.sobject, s.action])).to.deep.equal([
      ['PermissionSet', 'exists'],
      ['SetupEntityAccess', 'exists'],
      ['PermissionSetAssignment', 'created'],
    ]);
    expect(result.steps.every((s) => typeof s.id === 'string' && s.id.length >= 15)).to.equal(true);
    expect(result.steps[2].name).to.equal('JWT_Access → ci@acme.com');
    expect(result).to.include({
      changed: 1,
      planned: 1,
      permissionSet: 'JWT_Access',
      dryRun: false,
      selfAuthorize: false,
    });
    expect(result.verification).to.include({ ok: true, tries: 1 });
    expect(result.verification?.cause).to.equal(null);
    expect(result.userRecord?.policy).to.equal('admin-approved');
    expect(result.userRecord?.approved).to.equal(true);
    expect(result.userRecord?.grants?.find((g) => g.permissionSetName === 'JWT_Access')?.via).to.equal(
      'permission-set',
    );
    expect(result.message).to.include('Created 1 record');

    // exactly one record was created, and it is the assignment
    expect(emu.store.changes).to.have.length(1);
    expect(emu.store.changes[0]).to.deep.include({
      op: 'create',
      sobject: 'PermissionSetAssignment',
      id: result.steps[2].id,
    });
    expect(emu.store.changes[0].fields).to.include({ AssigneeId: CI_USER_ID, PermissionSetId: result.steps[0].id });
    // the human output shows each record and the user record
    const rows = tableRows(ux);
    expect(rows.some((r) => r.Record === 'PermissionSetAssignment' && r.Action === 'created')).to.equal(true);
    expect(rows.some((r) => r.Record === 'PermissionSet' && r.Action === 'already present')).to.equal(true);
    expect(output).to.include('The JWT login of ci@acme.com works.');

    // second run: nothing to change, no create sent
    ux.log.resetHistory();
    const again = await approve(adminArgs('--json'));
    expect(again.result.changed).to.equal(0);
    expect(again.result.steps.map((s) => s.action)).to.deep.equal(['exists', 'exists', 'exists']);
    expect(again.result.message).to.match(/^Nothing to change/);
    expect(again.result.ok).to.equal(true);
    expect(emu.store.changes).to.have.length(1);
  });

  it('after the grant, a user record without OAuth approvals does not read as a problem: the grant is what counts', async () => {
    const scenario = loadScenario('admin-approved-no-grant');
    scenario.oauthTokens = scenario.oauthTokens.filter((t) => t.userId !== CI_USER_ID);
    await setUp(scenario);
    const { result, output } = await approve(adminArgs());
    expect(result.ok).to.equal(true);
    expect(result.userRecord?.oauthTokens).to.deep.equal([]);
    expect(result.userRecord?.approved).to.equal(true);
    expect(output).to.not.include('has no OAuth approvals that carry a refresh token');
    expect(output).to.include('needs none for Admin App').and.include('the grant through a profile or permission set');
  });

  it('creates a missing permission set, grants it the app and assigns it, in that order', async () => {
    await setUp('admin-approved-no-grant');
    const { result } = await approve(adminArgs('--permission-set', 'CI_JWT_Access', '--json'));
    expect(result.ok).to.equal(true);
    expect(result.changed).to.equal(3);
    expect(result.steps.map((s) => s.action)).to.deep.equal(['created', 'created', 'created']);
    expect(created()).to.deep.equal([
      ['create', 'PermissionSet'],
      ['create', 'SetupEntityAccess'],
      ['create', 'PermissionSetAssignment'],
    ]);
    const [ps, sea, psa] = emu.store.changes;
    expect(ps.fields).to.include({ Name: 'CI_JWT_Access' });
    expect(sea.fields).to.include({ ParentId: ps.id, SetupEntityId: ADMIN_APP_ID });
    expect(psa.fields).to.include({ AssigneeId: CI_USER_ID, PermissionSetId: ps.id });
    expect(result.verification?.ok).to.equal(true);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    await setUp('admin-approved-no-grant');
    const { result, output } = await approve(adminArgs('--permission-set', 'CI_JWT_Access', '--dry-run', '--json'));
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.dryRun).to.equal(true);
    expect(result.steps.map((s) => [s.sobject, s.action])).to.deep.equal([
      ['PermissionSet', 'would-create'],
      ['SetupEntityAccess', 'would-create'],
      ['PermissionSetAssignment', 'would-create'],
    ]);
    expect(result).to.include({ changed: 0, planned: 3 });
    expect(result.message).to.include('nothing was changed');
    expect(emu.store.changes).to.deep.equal([]);
    // a dry run does not try the login either
    expect(result.verification).to.equal(undefined);
    expect(tokenCalls()).to.equal(0);
    expect(output).to.include('would be created');
  });

  it('two runs at the same time create no duplicates', async () => {
    await setUp('admin-approved-no-grant');
    const args = adminArgs('--permission-set', 'CI_JWT_Access', '--json');
    const [a, b] = await Promise.all([JwtApprove.run(args), JwtApprove.run(args)]);
    const results = [a, b] as JwtApproveAdminResult[];
    expect(results.map((r) => r.ok)).to.deep.equal([true, true]);
    expect(emu.store.changes.map((c) => c.sobject).sort()).to.deep.equal([
      'PermissionSet',
      'PermissionSetAssignment',
      'SetupEntityAccess',
    ]);
    expect(emu.store.data.permissionSets.filter((p) => p.name === 'CI_JWT_Access')).to.have.length(1);
    expect(emu.store.data.setupEntityAccess.filter((s) => s.setupEntityId === ADMIN_APP_ID)).to.have.length(3);
    expect(emu.store.data.permissionSetAssignments.filter((p) => p.assigneeId === CI_USER_ID)).to.have.length(2);
    // every record is reported once as created, once as already present
    for (let i = 0; i < 3; i++)
      expect([a, b].map((r) => (r as JwtApproveAdminResult).steps[i].action).sort()).to.deep.equal([
        'created',
        'exists',
      ]);
    expect(results[0].changed + results[1].changed).to.equal(3);
  });

  it('completes a grant that stopped half-way (permission set created, nothing else)', async () => {
    const scenario = loadScenario('admin-approved-no-grant');
    scenario.permissionSets.push({ id: '0PS5g000000HALFGA4', name: 'CI_JWT_Access', label: 'CI JWT Access' });
    await setUp(scenario);
    const { result } = await approve(adminArgs('--permission-set', 'CI_JWT_Access', '--json'));
    expect(result.steps.map((s) => s.action)).to.deep.equal(['exists', 'created', 'created']);
    expect(result.steps[0].id).to.equal('0PS5g000000HALFGA4');
    expect(created()).to.deep.equal([
      ['create', 'SetupEntityAccess'],
      ['create', 'PermissionSetAssignment'],
    ]);
    expect(emu.store.changes[0].fields).to.include({ ParentId: '0PS5g000000HALFGA4' });
    expect(result.ok).to.equal(true);
  });

  it('changes nothing for a self-authorize app and explains both ways forward', async () => {
    await setUp('not-approved');
    const { result, output } = await approve([
      ...adminArgs('--json').filter((a) => a !== ADMIN_CLIENT_ID && a !== '--client-id'),
      '--client-id',
      CI_CLIENT_ID,
    ]);
    expect(result.selfAuthorize).to.equal(true);
    expect(result.app?.policy).to.equal('self-authorize');
    expect(result.steps).to.deep.equal([]);
    expect(result.changed).to.equal(0);
    expect(emu.store.changes).to.deep.equal([]);
    const actions = result.actions.join('\n');
    expect(actions).to.include('Setup → App Manager → CI App → Manage → Edit Policies');
    expect(actions).to.include('Admin approved users are pre-authorized');
    expect(actions).to.include('sf jwt approve --username ci@acme.com');
    // the user's own approval is still missing: one try (no waiting), exit 1
    expect(result.verification).to.include({ ok: false, tries: 1 });
    expect(result.verification?.cause?.code).to.equal('USER_NOT_APPROVED');
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(output).to.include('Edit Policies');
  });

  it('lists a self-authorize app’s callback URLs and says which --redirect-uri the browser approval needs', async () => {
    const scenario = loadScenario('not-approved');
    const ci = scenario.apps.find((a) => a.consumerKey === CI_CLIENT_ID);
    if (ci) ci.callbackUrls = ['https://ci.example.com/oauth/callback/', 'http://localhost:1718/OauthRedirect'];
    await setUp(scenario);
    const { result, output } = await approve([
      ...adminArgs('--json').filter((a) => a !== ADMIN_CLIENT_ID && a !== '--client-id'),
      '--client-id',
      CI_CLIENT_ID,
    ]);
    expect(result.selfAuthorize).to.equal(true);
    expect(result.app?.callbackUrls).to.deep.equal([
      'https://ci.example.com/oauth/callback/',
      'http://localhost:1718/OauthRedirect',
    ]);
    expect(output).to.include(
      'Callback URLs: https://ci.example.com/oauth/callback/, http://localhost:1718/OauthRedirect',
    );
    // the default redirect URI is not among them: the loopback one is named
    expect(result.actions.join('\n')).to.include(
      "http://localhost:1717/OauthRedirect, which is not one of the app's callback URLs",
    );
    expect(result.actions.join('\n')).to.include('--redirect-uri http://localhost:1718/OauthRedirect');
    expect(emu.store.changes).to.deep.equal([]);
  });

  it('for a self-authorize app whose approval has not applied yet (APPROVAL_NOT_PROPAGATED), honours --wait', async () => {
    await setUp('approval-pending');
    propagateAfterTwoPauses();
    const { result } = await approve([
      ...adminArgs('--wait', '20s', '--json').filter((a) => a !== ADMIN_CLIENT_ID && a !== '--client-id'),
      '--client-id',
      CI_CLIENT_ID,
    ]);
    expect(result.selfAuthorize).to.equal(true);
    expect(emu.store.changes).to.deep.equal([]);
    expect(result.verification).to.include({ ok: true, tries: 3 });
    expect(sleeps).to.deep.equal([2000, 4000]);
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
  });

  it('for a self-authorize app without the user’s approval, --wait does not wait: nothing would change it', async () => {
    await setUp('not-approved');
    const { result } = await approve([
      ...adminArgs('--wait', '1m', '--json').filter((a) => a !== ADMIN_CLIENT_ID && a !== '--client-id'),
      '--client-id',
      CI_CLIENT_ID,
    ]);
    expect(result.verification).to.include({ ok: false, tries: 1 });
    expect(result.verification?.cause?.code).to.equal('USER_NOT_APPROVED');
    expect(sleeps).to.deep.equal([]);
    expect(process.exitCode).to.equal(1);
  });

  it('names the permission the admin org lacks (INSUFFICIENT_ACCESS), exits 1, changes nothing', async () => {
    await setUp('restricted-admin');
    const { result, output } = await approve(adminArgs('--json'));
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    // the admin org cannot even read the app's consumer key (Metadata API), before any grant is tried
    expect(result.error?.name).to.match(/InsufficientAccess|AppUnreadableAccess/);
    expect(result.error?.message).to.include('View Setup and Configuration');
    expect(result.error?.message).to.include('INSUFFICIENT_ACCESS');
    expect(result.actions.join(' ')).to.include('Setup → Users → Permission Sets');
    expect(result.verification).to.equal(undefined);
    expect(emu.store.changes).to.deep.equal([]);
    expect(output).to.not.match(/\n\s+at /); // no stack
  });

  it('with --wait retries until the grant has propagated, diagnosing with the admin org in between', async () => {
    const scenario = loadScenario('admin-approved-no-grant');
    const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
    if (ci) ci.approvalPending = true;
    await setUp(scenario);
    propagateAfterTwoPauses();
    const { result } = await approve(adminArgs('--wait', '10m', '--json'));
    expect(result.changed).to.equal(1);
    expect(result.verification).to.include({ ok: true, tries: 3 });
    expect(sleeps).to.deep.equal([2000, 4000]);
    expect(result.ok).to.equal(true);
  });

  it('ends with the diagnosed cause when the wait runs out', async () => {
    const scenario = loadScenario('admin-approved-no-grant');
    const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
    if (ci) ci.approvalPending = true;
    await setUp(scenario);
    const { result, output } = await approve(adminArgs('--wait', '5', '--json'));
    expect(result.changed).to.equal(1);
    expect(result.verification?.ok).to.equal(false);
    expect(result.verification?.cause?.code).to.equal('APPROVAL_NOT_PROPAGATED');
    // pauses are stubbed, so no time passes: 2 s and 4 s still fit in 5 s, 8 s does not
    expect(sleeps).to.deep.equal([2000, 4000]);
    expect(result.verification?.tries).to.equal(3);
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(output).to.include('APPROVAL_NOT_PROPAGATED');
  });

  it('works with --app-name and no client id (no key: the login is not tried)', async () => {
    await setUp('admin-approved-no-grant');
    const { result, output } = await approve([
      '--admin-org',
      'emu-admin',
      '--username',
      'ci@acme.com',
      '--app-name',
      'Admin_App',
      '--json',
    ]);
    expect(result.changed).to.equal(1);
    expect(result.verification).to.equal(undefined);
    expect(result.ok).to.equal(true);
    expect(result.userRecord?.approved).to.equal(true);
    expect(output).to.include('sf jwt diagnose');
  });

  it('reports an app that is not in the admin org', async () => {
    await setUp('admin-approved-no-grant');
    const { result } = await approve([
      ...adminArgs('--json').filter((a) => a !== ADMIN_CLIENT_ID && a !== '--client-id'),
      '--client-id',
      '3MVG9NO.SUCH.APP',
    ]);
    expect(result.ok).to.equal(false);
    expect(result.error?.name).to.equal('AppNotFoundError');
    expect(process.exitCode).to.equal(1);
    expect(emu.store.changes).to.deep.equal([]);
  });

  it('usage errors exit 2: an invalid permission set name, --dry-run without --admin-org, an unknown admin org', async () => {
    await setUp('admin-approved-no-grant');
    for (const args of [
      adminArgs('--permission-set', 'JWT__Access'),
      ['--username', 'ci@acme.com', '--client-id', ADMIN_CLIENT_ID, '--dry-run'],
      ['--admin-org', 'no-such-admin', '--username', 'ci@acme.com', '--client-id', ADMIN_CLIENT_ID],
      adminArgs('--wait', 'soon'),
    ]) {
      try {
        // eslint-disable-next-line no-await-in-loop
        await JwtApprove.run(args);
        expect.fail(`expected a usage error for ${args.join(' ')}`);
      } catch (error) {
        expect((error as SfError).exitCode, args.join(' ')).to.equal(2);
      }
    }
    expect(emu.store.changes).to.deep.equal([]);
  });

  it('reads --wait as seconds or with a unit (10m is 600 seconds, not 10)', () => {
    const wait = (value: string): number => flagDurationMs(value, { flag: 'wait', unit: 'seconds', defaultMs: 0 });
    expect(['600', '90s', '10m', '10 min', '1h', '0'].map(wait)).to.deep.equal([
      600_000, 90_000, 600_000, 600_000, 3_600_000, 0,
    ]);
    for (const bad of ['soon', '-5', '1.5m', '', '10d']) {
      expect(() => wait(bad), bad).to.throw(/is not a duration for --wait/);
    }
    expect(flagDurationMs(undefined, { flag: 'wait', unit: 'seconds', defaultMs: 0 })).to.equal(0);
  });
});
