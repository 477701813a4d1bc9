/*
 * `sf jwt setup`, in-process against the Salesforce emulator (eca-setup: an org without any external client
 * app; admin@acme.com may do everything, readonly@acme.com may not use the Metadata API). From nothing with a
 * propagation delay, a rerun that changes nothing and deploys nothing, --dry-run, an existing app with another
 * certificate with and without --replace-cert, an admin without deploy rights, an inactive user, a Dev Hub admin
 * org, a deploy that fails or does not finish, a login that never works, faults on the way. Every test asserts
 * the emulator's records and deploys, the files written, and that no key, token or secret is shown.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { AuthInfo, StateAggregator } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtSetup, { type JwtSetupResult } from '../../../src/commands/jwt/setup.js';
import { retryTiming } from '../../../src/diagnose/verify.js';
import { readStoredAuth } from '../../../src/org/inputs.js';
import { deployPolling } from '../../../src/setup/metadata.js';
import {
  loadScenario,
  startEmulator,
  type Emulator,
  type Scenario,
  ADMIN_CLIENT_ID,
  TOKEN_PATH,
} from '../../../emulator/index.js';
import { fixtureKey, SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  hashTree,
  secretLeaks,
  storeLoginIn,
  tableRows,
  endCommandTest,
  useTempHome,
  keyLine,
  type TempHome,
  recordTokens,
  spaced,
} from '../../helpers/org.js';

const CI_USER_ID = '0055g000000CI01AAG';

type Outcome = { result: JwtSetupResult; output: string; warnings: string };

describe('jwt setup', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let dir: string;
  let tokens: string[];
  let sleeps: number[];
  let polls: number[];
  /** Called at each pause of the verifying login (its index, from 1): a test lets the deploy propagate there. */
  let onPause: (index: number) => void;
  /** Called at each pause of the deploy polling. */
  let onPoll: () => void;

  async function setUp(scenario: string | Scenario, admin = 'admin@acme.com'): Promise<void> {
    emu = await startEmulator(scenario);
    await storeLoginIn(emu, tokens, { username: admin, clientId: ADMIN_CLIENT_ID, alias: 'emu-admin' });
  }

  beforeEach(() => {
    home = useTempHome();
    dir = mkdtempSync(join(home.home, 'work-'));
    tokens = [];
    sleeps = [];
    polls = [];
    onPause = (): void => {};
    onPoll = (): void => {};
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    sandbox.stub(retryTiming, 'sleep').callsFake((ms: number) => {
      sleeps.push(ms);
      onPause(sleeps.length);
      return Promise.resolve();
    });
    sandbox.stub(deployPolling, 'sleep').callsFake((ms: number) => {
      polls.push(ms);
      onPoll();
      return Promise.resolve();
    });
    recordTokens(sandbox, tokens);
  });

  afterEach(() => endCommandTest(sandbox, emu, home));

  const args = (...extra: string[]): string[] => [
    '--admin-org',
    'emu-admin',
    '--username',
    'ci@acme.com',
    '--output-dir',
    dir,
    ...extra,
  ];

  /** Runs the command; checks that nothing secret was shown (keys of this run, tokens) in output or result. */
  async function setup(argv: string[]): Promise<Outcome> {
    ux.log.resetHistory();
    ux.warn.resetHistory();
    const result = await JwtSetup.run(argv);
    const output = capturedOutput(ux);
    const keys = [SERVER_KEY, ...[join(dir, 'server.key')].filter((f) => exists(f))].map(keyLine);
    expect(secretLeaks(`${output}\n${JSON.stringify(result)}`, [...tokens, ...keys]), 'secret shown').to.deep.equal([]);
    const warnings = ux.warn
      .getCalls()
      .flatMap((c) => c.args.map(String))
      .join('\n');
    return { result, output, warnings };
  }

  const exists = (path: string): boolean => {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  const steps = (result: JwtSetupResult): Array<[string, string]> => result.steps.map((s) => [s.id, s.action]);
  const eca = (name = 'sf_jwt'): Scenario['apps'][number] | undefined =>
    emu.store.data.apps.find((a) => a.kind === 'ExternalClientApplication' && a.name === name);
  const tokenCalls = (): typeof emu.requests => emu.requests.filter((r) => r.path === TOKEN_PATH);

  it('from nothing: a new key, the app and permission set in one deploy, the assignment, a login verified while the app propagates, and the stored login', async () => {
    const scenario = loadScenario('eca-setup');
    scenario.org.propagationDelayMs = 600_000;
    await setUp(scenario);
    // the new app and its grant reach the token endpoint during the second pause
    onPause = (index): void => (index === 2 ? emu.store.endPropagation() : undefined);
    const { result, output } = await setup(args('--alias', 'ci-jwt'));

    expect(result.ok, JSON.stringify(result.error)).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(steps(result)).to.deep.equal([
      ['key', 'created'],
      ['preflight', 'already present'],
      ['app', 'created'],
      ['permission-set', 'created'],
      ['assignment', 'created'],
      ['verify', 'created'],
      ['store', 'created'],
    ]);
    const app = eca();
    expect(result).to.include({
      username: 'ci@acme.com',
      appName: 'sf_jwt',
      clientId: app?.consumerKey,
      loginUrl: emu.url,
      keyFile: join(dir, 'server.key'),
      certFile: join(dir, 'server.crt'),
      dryRun: false,
      permissionSet: 'JWT_Access',
    });
    expect(result.clientId).to.match(/^3MVG9[A-Za-z0-9]{80}$/);

    // the files: a 2048-bit key, mode 0600, and its certificate, which is the one on the app
    expect(statSync(result.keyFile).mode & 0o777).to.equal(0o600);
    const certPem = readFileSync(result.certFile, 'utf8');
    expect(app?.certificate?.replace(/\s/g, '')).to.equal(certPem.trim().replace(/\s/g, ''));
    expect(app).to.deep.include({ adminApprovedOnly: true, scopes: ['Api', 'RefreshToken'] });
    expect(app?.eca?.contactEmail).to.equal('admin@acme.com');

    // one check-only deploy, then one deploy, both all or nothing
    expect(emu.store.deploys.map((d) => [d.options.checkOnly, d.options.rollbackOnError, d.status])).to.deep.equal([
      [true, true, 'Succeeded'],
      [false, true, 'Succeeded'],
    ]);
    expect(result.deployId).to.equal(emu.store.deploys[1].id);
    // polled from under a second, with backoff
    expect(polls[0]).to.be.below(1000);
    expect(polls).to.deep.equal([250, 500, 250, 500]);

    // the permission set, its grant of the app and the assignment
    const ps = emu.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
    expect(ps).to.not.equal(undefined);
    expect(
      emu.store.data.setupEntityAccess.filter((s) => s.parentId === ps?.id && s.setupEntityId === app?.id),
    ).to.have.length(1);
    expect(emu.store.changes.map((c) => [c.op, c.sobject])).to.deep.equal([['create', 'PermissionSetAssignment']]);
    expect(emu.store.changes[0].fields).to.include({ AssigneeId: CI_USER_ID, PermissionSetId: ps?.id });

    // the login was refused while the app propagated (app_not_found), then worked
    expect(result.verification).to.deep.include({ ok: true, tries: 3, cause: null });
    expect(sleeps).to.deep.equal([2000, 4000]);
    const ciLogins = tokenCalls().filter((r) => r.sub === 'ci@acme.com');
    expect(ciLogins[0].error).to.equal('app_not_found');
    expect(ciLogins.at(-1)?.status).to.equal(200);

    // stored as `sf org login jwt` stores it: the key path, the client id, the login URL with its slash, the alias
    const stored = await readStoredAuth('ci@acme.com');
    expect(stored).to.deep.include({
      isJwt: true,
      clientId: result.clientId,
      privateKey: result.keyFile,
      loginUrl: `${emu.url}/`,
    });
    StateAggregator.clearInstance();
    expect((await StateAggregator.getInstance()).aliases.resolveUsername('ci-jwt')).to.equal('ci@acme.com');
    // and it works: core loads and uses it
    const auth = await AuthInfo.create({ username: 'ci@acme.com' });
    expect(auth.getFields().orgId).to.equal(scenario.org.id);

    expect(result.loginCommand).to.equal(
      `sf org login jwt --username ci@acme.com --client-id ${String(result.clientId)} --jwt-key-file ${result.keyFile} --instance-url ${emu.url} --alias ci-jwt`,
    );
    // the human output: the steps, the verified line, the login line and where to keep the key
    const rows = tableRows(ux);
    // cells are folded to the width: compare their words
    expect(rows.map((r) => [r.Step, spaced(r.Action ?? '')])).to.deep.equal(steps(result));
    expect(output).to.include('The JWT login of ci@acme.com works: verified after 3 tries');
    expect(output).to.include(result.loginCommand);
    expect(output).to.include("CI system's secret store");
  });

  it('a rerun changes nothing and deploys nothing, and says so at each step', async () => {
    await setUp('eca-setup');
    const first = await setup(args());
    expect(first.result.ok).to.equal(true);
    const files = hashTree(dir);
    const authFile = readFileSync(join(home.home, '.sfdx', 'ci@acme.com.json'), 'utf8');
    const deploys = emu.store.deploys.length;
    const changes = emu.store.changes.length;
    emu.clearRequests();

    const { result, output } = await setup(args());
    expect(result.ok).to.equal(true);
    expect(steps(result)).to.deep.equal([
      ['key', 'reused'],
      ['preflight', 'already present'],
      ['app', 'already present'],
      ['permission-set', 'already present'],
      ['assignment', 'already present'],
      ['verify', 'already present'],
      ['store', 'already present'],
    ]);
    expect(result.clientId).to.equal(first.result.clientId);
    expect(result.deployId).to.equal(undefined);
    // no deploy of any kind, no record, no file changed
    expect(emu.store.deploys).to.have.length(deploys);
    expect(emu.requests.filter((r) => r.path.startsWith('/services/Soap') && r.method === 'POST').length).to.equal(5);
    expect(emu.store.changes).to.have.length(changes);
    expect(hashTree(dir)).to.deep.equal(files);
    expect(readFileSync(join(home.home, '.sfdx', 'ci@acme.com.json'), 'utf8')).to.equal(authFile);
    expect(output).to.include('nothing differs, so nothing is deployed');
  });

  it('--dry-run shows every step as planned: no change in the org, no file, no login stored', async () => {
    await setUp('eca-setup');
    const { result, output } = await setup(args('--dry-run'));
    expect(result.ok).to.equal(true);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(result.dryRun).to.equal(true);
    expect(steps(result)).to.deep.equal(
      ['key', 'preflight', 'app', 'permission-set', 'assignment', 'verify', 'store'].map((id) => [id, 'planned']),
    );
    expect(result.clientId).to.match(/^3MVG9/);
    expect(result.verification).to.equal(undefined);
    // only the check-only deploy reached the org; nothing exists afterwards
    expect(emu.store.deploys.map((d) => d.options.checkOnly)).to.deep.equal([true]);
    expect(eca()).to.equal(undefined);
    expect(emu.store.changes).to.deep.equal([]);
    expect(tokenCalls()).to.deep.equal([]);
    expect(hashTree(dir).size).to.equal(0);
    expect(await readStoredAuth('ci@acme.com')).to.equal(undefined);
    expect(output).to.include('Dry run: nothing was changed');
  });

  it('an existing app with another certificate: refused without --replace-cert (nothing changes), replaced with it', async () => {
    await setUp('eca-setup');
    const first = await setup(args('--no-store'));
    expect(first.result.ok).to.equal(true);
    const clientId = first.result.clientId;
    const oldCert = eca()?.certificate;
    const deploys = emu.store.deploys.length;

    // a new key pair elsewhere: its certificate is not the app's
    const other = mkdtempSync(join(home.home, 'other-'));
    const otherArgs = ['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--output-dir', other, '--no-store'];
    const refused = await setup(otherArgs);
    expect(refused.result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(refused.result.error).to.deep.include({ step: 'preflight', name: 'CertificateDiffersError' });
    expect(refused.result.error?.message).to.match(/has another certificate \(SHA-256 [0-9A-F:]+\)/);
    expect(refused.result.error?.actions.join('\n')).to.include('--replace-cert');
    expect(refused.output).to.include('--replace-cert');
    expect(emu.store.deploys).to.have.length(deploys);
    expect(eca()?.certificate).to.equal(oldCert);
    // nothing written either
    expect(hashTree(other).size).to.equal(0);
    expect(steps(refused.result)).to.deep.equal([]);
    expect(refused.result.verification).to.equal(undefined);

    // with --replace-cert: the certificate is replaced, the consumer key kept; the old one verifies until it propagates
    process.exitCode = undefined;
    const scenarioOrg = emu.store.data.org;
    scenarioOrg.propagationDelayMs = 600_000;
    onPause = (index): void => (index === 1 ? emu.store.endPropagation() : undefined);
    const replaced = await setup([...otherArgs, '--replace-cert']);
    expect(replaced.result.ok, JSON.stringify(replaced.result.error)).to.equal(true);
    expect(steps(replaced.result).slice(0, 4)).to.deep.equal([
      ['key', 'created'],
      ['preflight', 'already present'],
      ['app', 'updated'],
      ['permission-set', 'already present'],
    ]);
    expect(replaced.result.clientId).to.equal(clientId);
    expect(eca()?.consumerKey).to.equal(clientId);
    expect(eca()?.certificate).to.not.equal(oldCert);
    expect(replaced.warnings).to.include('every key made for the old certificate no longer logs in');
    expect(replaced.result.steps[2].message).to.include('the certificate is replaced');
    // only the global OAuth settings were deployed
    const last = emu.store.deploys.at(-1);
    expect(last?.successes.filter((m) => m.componentType).map((m) => m.componentType)).to.deep.equal([
      'ExtlClntAppGlobalOauthSettings',
    ]);
    // the login with the new key was refused with the old certificate (invalid assertion), then worked
    expect(replaced.result.verification).to.include({ ok: true, tries: 2 });
    expect(
      tokenCalls()
        .filter((r) => r.sub === 'ci@acme.com')
        .at(-2)?.error,
    ).to.equal('invalid_grant');
  });

  it('keeps an existing app’s consumer key and the permission sets that already grant it', async () => {
    await setUp('devhub-eca');
    // CI_ECA has server.crt and is granted by JWT_Access: another permission set is added, nothing dropped
    const { result } = await setup([
      '--admin-org',
      'emu-admin',
      '-o',
      'ci@acme.com',
      '--app-name',
      'CI_ECA',
      '-f',
      SERVER_KEY,
      '--cert-file',
      fixtureKey('server.crt'),
      '--permission-set',
      'CI_Deploy',
      '--no-store',
    ]);
    expect(result.ok, JSON.stringify(result.error)).to.equal(true);
    expect(result.clientId).to.equal('3MVG9EMULATOR.CI.APP.KEY');
    expect(steps(result).slice(0, 4)).to.deep.equal([
      ['key', 'reused'],
      ['preflight', 'already present'],
      ['app', 'updated'],
      ['permission-set', 'created'],
    ]);
    const app = eca('CI_ECA');
    const grants = emu.store.data.setupEntityAccess
      .filter((s) => s.setupEntityId === app?.id)
      .map((s) => emu.store.data.permissionSets.find((p) => p.id === s.parentId)?.name);
    expect(grants.sort()).to.deep.equal(['CI_Deploy', 'JWT_Access']);
    expect(app?.consumerKey).to.equal('3MVG9EMULATOR.CI.APP.KEY');
  });

  it('warns that a Dev Hub logged in through an external client app can’t create scratch orgs (C-1016)', async () => {
    await setUp('devhub-eca');
    // -f without --cert-file: the app already has a certificate of this key, which is kept and written next to it
    const { result, warnings } = await setup(args('--app-name', 'CI_ECA', '-f', SERVER_KEY, '--no-store'));
    expect(warnings).to.include('C-1016');
    expect(warnings).to.include('still needs a connected app');
    expect(result.ok, JSON.stringify(result.error)).to.equal(true);
    expect(steps(result)).to.deep.equal([
      ['key', 'created'],
      ['preflight', 'already present'],
      ['app', 'already present'],
      ['permission-set', 'already present'],
      ['assignment', 'already present'],
      ['verify', 'already present'],
    ]);
    expect(result.certFile).to.equal(join(dir, 'server.crt'));
    const written = new X509Certificate(readFileSync(result.certFile));
    expect(written.fingerprint256).to.equal(new X509Certificate(readFileSync(fixtureKey('server.crt'))).fingerprint256);
    // the app, its grant and the assignment were all there: nothing deployed
    expect(emu.store.deploys).to.deep.equal([]);
  });

  it('an admin without the rights to deploy: the pre-flight names the permission, nothing is deployed or written', async () => {
    await setUp('eca-setup', 'readonly@acme.com');
    const { result, output } = await setup(args());
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.error).to.deep.include({ step: 'preflight', name: 'MetadataApiAccessError' });
    expect(result.error?.message).to.include('ModifyAllData or ModifyMetadata');
    expect(result.error?.actions.join('\n')).to.include('Modify Metadata Through Metadata API Functions');
    expect(result.keyFile).to.equal(join(dir, 'server.key'));
    expect(steps(result)).to.deep.equal([]);
    expect(emu.store.deploys).to.deep.equal([]);
    expect(emu.store.changes).to.deep.equal([]);
    expect(hashTree(dir).size).to.equal(0);
    expect(await readStoredAuth('ci@acme.com')).to.equal(undefined);
    expect(output.replace(/\s+/g, ' ')).to.include(
      'The setup stopped at the step "preflight": readonly@acme.com (--admin-org emu-admin) can\'t use the Metadata API',
    );
    expect(output).to.not.match(/\n\s+at /);
  });

  it('an admin without the External Client App policy permission: named, nothing changed', async () => {
    const scenario = loadScenario('eca-setup');
    const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
    if (admin) admin.permissions = { manageEcaPolicies: false };
    await setUp(scenario);
    const { result } = await setup(args());
    expect(result.error).to.deep.include({ step: 'preflight', name: 'AccessError' });
    expect(result.error?.message).to.match(
      /^Can't read the metadata of the app sf_jwt as admin@acme\.com: INSUFFICIENT_ACCESS: insufficient access rights on entity: ExtlClntApp\w*Policies/,
    );
    expect(result.error?.actions.join('\n')).to.include(
      '"View all External Client Apps, view their settings, and edit their policies"',
    );
    expect(emu.store.deploys).to.deep.equal([]);
  });

  it('an existing app whose consumer key the admin may not read: it can’t log in, so it stops before any change', async () => {
    const scenario = loadScenario('devhub-eca');
    const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
    if (admin) admin.permissions = { viewEcaConsumerSecrets: false };
    await setUp(scenario);
    const { result } = await setup(args('--app-name', 'CI_ECA', '-f', SERVER_KEY, '--no-store'));
    expect(result.error).to.deep.include({ step: 'preflight', name: 'ConsumerKeyUnreadableError' });
    expect(result.error?.actions.join('\n')).to.include('View External Client Apps Consumer Secrets in Metadata');
    expect(result.clientId).to.equal(undefined);
    expect(emu.store.deploys).to.deep.equal([]);
  });

  it('an inactive user: the pre-flight says so, nothing is deployed or written', async () => {
    const scenario = loadScenario('eca-setup');
    const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
    if (ci) ci.isActive = false;
    await setUp(scenario);
    const { result } = await setup(args());
    expect(result.error).to.deep.include({ step: 'preflight', name: 'UserInactiveError' });
    expect(result.error?.message).to.include('ci@acme.com is deactivated');
    expect(process.exitCode).to.equal(1);
    expect(emu.store.deploys).to.deep.equal([]);
    expect(hashTree(dir).size).to.equal(0);
  });

  it('an unknown or frozen user: the pre-flight says so', async () => {
    const scenario = loadScenario('eca-setup');
    const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
    if (ci) ci.isFrozen = true;
    await setUp(scenario);
    const frozen = await setup(args());
    expect(frozen.result.error).to.deep.include({ step: 'preflight', name: 'UserFrozenError' });
    const unknown = await setup(['--admin-org', 'emu-admin', '-o', 'ci@acme.com.uat', '--output-dir', dir]);
    expect(unknown.result.error).to.deep.include({ step: 'preflight', name: 'UserNotFoundError' });
    expect(unknown.result.error?.actions.join('\n')).to.include('sandbox username');
    expect(emu.store.deploys).to.deep.equal([]);
  });

  it('without --username, sets up the admin org’s own user and says so', async () => {
    await setUp('eca-setup');
    const { result, output } = await setup(['--admin-org', 'emu-admin', '--output-dir', dir]);
    expect(result.ok, JSON.stringify(result.error)).to.equal(true);
    expect(result.username).to.equal('admin@acme.com');
    expect(output).to.include('No --username: setting up the JWT login of admin@acme.com');
    // the admin's stored login is now this JWT login; its alias is kept, so --admin-org emu-admin still works
    const stored = await readStoredAuth('admin@acme.com');
    expect(stored).to.deep.include({ isJwt: true, clientId: result.clientId });
    expect(result.steps.at(-1)).to.deep.include({ id: 'store', action: 'updated' });
    StateAggregator.clearInstance();
    const again = await setup(['--admin-org', 'emu-admin', '--output-dir', dir]);
    expect(again.result.ok).to.equal(true);
  });

  it('a deploy that fails after the check passed: every problem in words, rolled back, the permission named', async () => {
    await setUp('eca-setup');
    // between the check and the deploy, the admin loses "Customize Application"
    onPoll = (): void => {
      if (emu.store.deploys.length === 2) {
        const admin = emu.store.data.users.find((u) => u.username === 'admin@acme.com');
        if (admin) admin.permissions = { customizeApplication: false };
      }
    };
    const { result } = await setup(args());
    expect(result.ok).to.equal(false);
    expect(result.error).to.deep.include({ step: 'app', name: 'DeployFailedError' });
    expect(result.error?.message).to.include('rolled back');
    expect(result.error?.message).to.include('ExternalClientApplication sf_jwt: Insufficient Privileges');
    expect(result.error?.actions.join('\n')).to.include('"Customize Application"');
    expect(result.deployId).to.equal(emu.store.deploys[1].id);
    expect(eca()).to.equal(undefined);
    // the key was written before the deploy: a rerun reuses it
    expect(steps(result)).to.deep.equal([
      ['key', 'created'],
      ['preflight', 'already present'],
    ]);
  });

  it('a deploy that does not finish in time: its id and how to look at it', async () => {
    await setUp('eca-setup');
    let now = 1_000_000;
    sandbox.stub(deployPolling, 'now').callsFake(() => now);
    onPoll = (): void => {
      now += polls.at(-1) ?? 0;
      const job = emu.store.deploys[1];
      if (job && !job.done) job.pendingPolls = 1_000_000;
    };
    const { result, output } = await setup(args('--wait', '3m'));
    expect(result.error).to.deep.include({ step: 'app', name: 'DeployTimeoutError' });
    const id = emu.store.deploys[1].id;
    expect(result.deployId).to.equal(id);
    expect(result.error?.message).to.include(`The deploy ${id} did not finish within 3 min`);
    expect(result.error?.actions.join('\n')).to.include(
      `sf project deploy report --job-id ${id} --target-org emu-admin`,
    );
    expect(output).to.include('Setup → Deployment Status');
    // the pauses doubled up to 5 s
    expect(Math.max(...polls)).to.equal(5000);
  });

  it('a login that never works within --wait: the diagnosed cause of the last try, exit 1, nothing stored', async () => {
    const scenario = loadScenario('eca-setup');
    scenario.org.propagationDelayMs = 600_000;
    await setUp(scenario);
    const { result, output } = await setup(args('--wait', '5'));
    expect(result.ok).to.equal(false);
    expect(process.exitCode).to.equal(1);
    expect(result.error).to.deep.include({ step: 'verify', name: 'VerifyFailedError' });
    expect(result.verification).to.deep.include({ ok: false, tries: 3 });
    expect(result.verification?.cause?.code).to.equal('APP_NOT_INSTALLED');
    expect(result.error?.actions.join('\n')).to.include('sf jwt diagnose --username ci@acme.com --admin-org emu-admin');
    expect(await readStoredAuth('ci@acme.com')).to.equal(undefined);
    expect(output).to.include('APP_NOT_INSTALLED');
    // the org is set up: a rerun deploys nothing and only verifies
    process.exitCode = undefined;
    emu.store.endPropagation();
    const again = await setup(args());
    expect(again.result.ok).to.equal(true);
    expect(again.result.deployId).to.equal(undefined);
  });

  it('faults on the way to the org: an HTML page and a broken connection, in diagnose’s words', async () => {
    await setUp('eca-setup');
    emu.setFaults({ html503: true, paths: ['/services/Soap'] });
    const html = await setup(args());
    expect(html.result.error).to.deep.include({ step: 'preflight', name: 'OrgReadError' });
    expect(html.result.error?.message).to.include('HTTP 503 with an HTML page titled "Salesforce - Maintenance"');
    emu.setFaults({ reset: true, paths: ['/services/Soap'] });
    const reset = await setup(args());
    expect(reset.result.error?.message).to.include('the server closed the connection without answering');
    expect(emu.store.deploys).to.deep.equal([]);
    expect(hashTree(dir).size).to.equal(0);
  });

  it('a request that never answers ends with --timeout', async () => {
    await setUp('eca-setup');
    emu.setFaults({ hang: true, paths: ['/services/Soap'] });
    const started = Date.now();
    const { result } = await setup(args('--timeout', '1'));
    expect(Date.now() - started).to.be.below(10_000);
    expect(result.error).to.deep.include({ step: 'preflight', name: 'NoAnswerError' });
    expect(result.error?.message).to.include('did not answer');
    emu.setFaults(undefined);
  });

  it('reuses a matching pair in --output-dir; refuses one that is not a pair, before anything is sent', async () => {
    await setUp('eca-setup');
    // a pair made by keygen's code: reused
    const first = await setup(args('--dry-run'));
    expect(first.result.steps[0].message).to.include('Would write a new RSA 2048-bit key');
    rmSync(dir, { recursive: true, force: true });
    const pair = await setup(args('--no-store'));
    expect(pair.result.ok).to.equal(true);
    const again = await setup(args('--no-store'));
    expect(again.result.steps[0]).to.deep.include({ id: 'key', action: 'reused' });
    // a certificate that is not the key's
    const mixed = mkdtempSync(join(home.home, 'mixed-'));
    const { copyFileSync } = await import('node:fs');
    copyFileSync(SERVER_KEY, join(mixed, 'server.key'));
    copyFileSync(fixtureKey('other.crt'), join(mixed, 'server.crt'));
    const deploys = emu.store.deploys.length;
    emu.clearRequests();
    const refused = await setup(['--admin-org', 'emu-admin', '-o', 'ci@acme.com', '--output-dir', mixed]);
    expect(refused.result.error).to.deep.include({ step: 'key', name: 'NotAPairError' });
    expect(refused.result.error?.message).to.include("can't be reused as a pair");
    expect(emu.store.deploys).to.have.length(deploys);
    expect(emu.requests.filter((r) => r.path.startsWith('/services/Soap'))).to.deep.equal([]);
  });
});
