/*
 * `sf jwt diagnose` in the External Client App era, in-process against the emulator: the client id mapped to an
 * external client app without --app-name; an app that refuses the legacy login hosts and works through the org's
 * My Domain (a verified fix, one extra request at most); one that is absent; absent vs present with --admin-org;
 * the app's certificate as evidence for INVALID_ASSERTION; and a Dev Hub login through an ECA (diagnose, --all,
 * sf doctor).
 *
 * login.salesforce.com and test.salesforce.com fail at DNS in the tests' loopback-only namespace: the plugin's own
 * HTTP seam (http.postForm) sends their POSTs to the emulator instead, with the assertion (and its `aud`) unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtDiagnose from '../../../src/commands/jwt/diagnose.js';
import type { DiagnoseAllResult } from '../../../src/diagnose/fleet.js';
import { http } from '../../../src/utils/http.js';
import type { DiagnoseResult } from '../../../src/diagnose/types.js';
import { runJwtDoctor } from '../../../src/hooks/jwtDoctor.js';
import { retryTiming, verifyJwtLogin } from '../../../src/diagnose/verify.js';
import { publicKeyFingerprint } from '../../../src/keys/match.js';
import { parsePrivateKey } from '../../../src/keys/parse.js';
import {
  loadScenario,
  startEmulator,
  type Emulator,
  type Scenario,
  CI_CLIENT_ID,
  ADMIN_CLIENT_ID,
  TOKEN_PATH,
} from '../../../emulator/index.js';
import { keepEnv } from '../../helpers/env.js';
import { fixtureKey, SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  hashTree,
  secretLeaks,
  storeLoginIn,
  treeChanges,
  endCommandTest,
  useTempHome,
  type StoredLogin,
  type TempHome,
} from '../../helpers/org.js';

const LEGACY = /^https:\/\/(login|test)\.salesforce\.com/;
const NOT_INSTALLED = 'External client app is not installed in this org';
const realPostForm = http.postForm;

describe('jwt diagnose: external client apps', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator | undefined;
  let tokens: string[];
  /** The URLs the plugin POSTed to, before any rerouting. */
  let posted: string[];
  const restoreAudience = keepEnv('SF_AUDIENCE_URL', 'SFDX_AUDIENCE_URL');

  beforeEach(() => {
    home = useTempHome();
    tokens = [];
    posted = [];
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    sandbox.stub(http, 'postForm').callsFake(async (url: string, form: Record<string, string>, timeoutMs: number) => {
      posted.push(url);
      const target = emu && LEGACY.test(url) ? url.replace(LEGACY, emu.url) : url;
      const answer = await realPostForm(target, form, timeoutMs);
      const token = answer.kind === 'answer' ? /"access_token"\s*:\s*"([^"]+)"/.exec(answer.text)?.[1] : undefined;
      if (token) tokens.push(token);
      return answer;
    });
    delete process.env.SF_AUDIENCE_URL;
    delete process.env.SFDX_AUDIENCE_URL;
  });

  afterEach(async () => {
    restoreAudience();
    await endCommandTest(sandbox, emu, home);
    emu = undefined;
  });

  async function emulator(scenario: string | Scenario): Promise<Emulator> {
    emu = await startEmulator(scenario);
    return emu;
  }

  /** Stores a JWT login the real way (through the emulator's own URL), then forgets the requests it made. */
  async function login(partial: Partial<StoredLogin> & { username: string }): Promise<void> {
    await storeLoginIn(emu as Emulator, tokens, partial);
    posted = [];
  }

  function flags(username: string, loginUrl: string, clientId = CI_CLIENT_ID, key = SERVER_KEY): string[] {
    return ['--username', username, '--client-id', clientId, '--jwt-key-file', key, '--instance-url', loginUrl];
  }

  /** Runs the command: HOME stays byte-identical and nothing secret shows. */
  async function diagnose(args: string[]): Promise<{ result: DiagnoseResult; output: string }> {
    const before = hashTree(home.home);
    const result = (await JwtDiagnose.run(args)) as DiagnoseResult;
    expect(treeChanges(before, hashTree(home.home)), 'files under HOME changed').to.deep.equal([]);
    const output = capturedOutput(ux);
    expect(secretLeaks(`${output}\n${JSON.stringify(result)}`, tokens), 'secret in output').to.deep.equal([]);
    return { result, output };
  }

  const tokenRequests = (): number => (emu?.requests ?? []).filter((r) => r.path === TOKEN_PATH).length;
  const soapRequests = (): number => (emu?.requests ?? []).filter((r) => r.path.startsWith('/services/Soap')).length;
  const check = (result: DiagnoseResult, id: string): DiagnoseResult['checks'][number] | undefined =>
    result.checks.find((c) => c.id === id);

  describe('the client id mapped to an external client app, without --app-name', () => {
    it('USER_NOT_PREAUTHORIZED for an admin-approved ECA whose user no permission set grants', async () => {
      const target = await emulator('eca-no-grant');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      expect(result.cause?.code, result.cause?.message).to.equal('USER_NOT_PREAUTHORIZED');
      expect(process.exitCode).to.equal(1);
      expect(result.evidence?.app).to.deep.include({
        id: '0xI5g000000ECA1EAO',
        name: 'CI_ECA',
        kind: 'ExternalClientApplication',
        adminApprovedOnly: true,
      });
      expect(result.evidence?.grants?.map((g) => [g.permissionSetName, g.assignedToUser])).to.deep.equal([
        ['JWT_Access', false],
      ]);
      expect(result.cause?.message).to.include('CI ECA');
      expect(result.cause?.actions.join('\n')).to.include(
        `sf jwt approve --username ci@acme.com --client-id ${CI_CLIENT_ID} --jwt-key-file ${SERVER_KEY} --instance-url ${target.url}/ --admin-org admin@acme.com --permission-set JWT_Access`,
      );
      expect(check(result, 'org-evidence')?.status).to.equal('pass');
    });

    it('says which permission hides the consumer keys, and falls back to --app-name', async () => {
      const scenario = loadScenario('eca-no-grant');
      const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
      if (admin) admin.permissions = { viewEcaConsumerSecrets: false };
      const target = await emulator(scenario);
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const hidden = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      // unknown, never a guess: the default cause, saying what could not be read and why
      expect(hidden.result.cause?.code).to.equal('USER_NOT_APPROVED');
      expect(hidden.result.cause?.message)
        .to.include('View External Client Apps Consumer Secrets in Metadata')
        .and.to.include('--app-name');
      expect(check(hidden.result, 'org-evidence')?.status).to.equal('warn');

      const named = await diagnose([
        ...flags('ci@acme.com', target.url),
        '--admin-org',
        'admin@acme.com',
        '--app-name',
        'CI_ECA',
      ]);
      expect(named.result.cause?.code).to.equal('USER_NOT_PREAUTHORIZED');
    });
  });

  describe('an ECA that refuses the legacy login hosts (eca-legacy-host)', () => {
    it('tries the stored My Domain once: a verified fix with the exact --instance-url, its URL in the evidence', async () => {
      const target = await emulator('eca-legacy-host');
      await login({ username: 'ci@acme.com.uat' });
      const { result, output } = await diagnose([
        '-o',
        'ci@acme.com.uat',
        '--instance-url',
        'https://test.salesforce.com',
      ]);
      expect(result.cause?.code, result.cause?.message).to.equal('APP_NOT_INSTALLED');
      expect(result.ok).to.equal(false);
      expect(process.exitCode).to.equal(1);
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.message).to.include(`"${NOT_INSTALLED}"`).and.to.include(target.url).and.to.include('works');
      expect(cause.evidence).to.deep.include({ workingLoginUrl: target.url, workingAudience: `${target.url}/` });
      expect(cause.actions[0]).to.equal(
        `Log in through the org's My Domain: sf org login jwt --username ci@acme.com.uat --client-id ${CI_CLIENT_ID} --jwt-key-file ${SERVER_KEY} --instance-url ${target.url}`,
      );
      // folded to the width, the command on a line of its own: the same words
      expect(output.replace(/\n\s+/g, ' ')).to.include(cause.actions[0]);
      // core's pairs, then exactly one more request: the My Domain as login URL and audience
      const probes = result.attempts.filter((a) => a.kind === 'audience-probe');
      expect(probes).to.deep.equal([
        {
          ...probes[0],
          host: `${target.url}/`,
          audience: `${target.url}/`,
          outcome: 'success',
          kind: 'audience-probe',
        },
      ]);
      const pairs = result.attempts.filter((a) => a.kind === 'pair');
      expect(pairs.every((a) => a.serverError?.error === 'app_not_found')).to.equal(true);
      expect(tokenRequests()).to.equal(pairs.length + 1);
      expect(posted.filter((u) => u.startsWith(target.url))).to.have.length(1);
      expect(check(result, 'org-evidence')?.status).to.equal('skip');
    });

    it('through the My Domain the app is found but the user not granted: the next problem, diagnosed there', async () => {
      const target = await emulator('eca-legacy-host');
      await login({ username: 'ci@acme.com.uat' });
      target.store.data.permissionSetAssignments = target.store.data.permissionSetAssignments.filter(
        (a) => a.permissionSetId !== '0PS5g000000JWT1GAO',
      );
      const { result } = await diagnose(['-o', 'ci@acme.com.uat', '--instance-url', 'https://test.salesforce.com']);
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.code).to.equal('APP_NOT_INSTALLED');
      expect(cause.message).to.include(
        "stopped at the next problem: invalid_grant: user hasn't approved this consumer",
      );
      // the stored login supplies the client id and key; the My Domain is what changes
      expect(cause.actions[0]).to.include(`sf jwt diagnose --username ci@acme.com.uat --instance-url ${target.url}`);
      expect(cause.evidence).to.deep.include({ appInOrg: true, myDomainTried: target.url });
      expect(posted.filter((u) => u.startsWith(target.url))).to.have.length(1);
    });

    it('says what to do with SF_AUDIENCE_URL when the environment sets it', async () => {
      const target = await emulator('eca-legacy-host');
      await login({ username: 'ci@acme.com.uat' });
      process.env.SF_AUDIENCE_URL = 'https://test.salesforce.com';
      const { result } = await diagnose(['-o', 'ci@acme.com.uat', '--instance-url', 'https://test.salesforce.com']);
      expect(result.cause?.evidence?.workingLoginUrl).to.equal(target.url);
      expect(result.cause?.actions[1])
        .to.include('SF_AUDIENCE_URL=https://test.salesforce.com')
        .and.to.include(`SF_AUDIENCE_URL=${target.url}`);
    });

    it('takes the My Domain from the admin org when no login of the user is stored', async () => {
      const target = await emulator('eca-legacy-host');
      await login({ username: 'admin@acme.com.uat', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([
        ...flags('ci@acme.com.uat', 'https://test.salesforce.com'),
        '--admin-org',
        'admin@acme.com.uat',
      ]);
      expect(result.cause?.code).to.equal('APP_NOT_INSTALLED');
      expect(result.cause?.evidence?.workingLoginUrl).to.equal(target.url);
    });

    it('takes the My Domain from another stored login of the same org when the user’s own has none', async () => {
      const target = await emulator('eca-legacy-host');
      await login({ username: 'admin@acme.com.uat', clientId: ADMIN_CLIENT_ID });
      await login({ username: 'ci@acme.com.uat' });
      // core keeps the login URL as the instance URL when the instance's DNS name did not resolve yet
      const file = join(home.home, '.sfdx', 'ci@acme.com.uat.json');
      const fields = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...fields, instanceUrl: 'https://test.salesforce.com/' }));
      const { result } = await diagnose(['-o', 'ci@acme.com.uat', '--instance-url', 'https://test.salesforce.com']);
      expect(result.cause?.evidence?.workingLoginUrl).to.equal(target.url);
    });

    it('the verification of approve --wait does not wait for it: waiting does not change the login host', async () => {
      const target = await emulator('eca-legacy-host');
      const sleep = sandbox.stub(retryTiming, 'sleep').resolves();
      const verification = await verifyJwtLogin(
        {
          username: 'ci@acme.com.uat',
          clientId: CI_CLIENT_ID,
          jwtKeyFile: SERVER_KEY,
          loginUrl: 'https://test.salesforce.com/',
          instanceUrl: target.url,
          source: {},
        },
        { waitMs: 600_000, timeoutMs: 10_000 },
      );
      expect(verification).to.deep.include({ ok: false, tries: 1 });
      expect(verification.cause?.evidence?.workingLoginUrl).to.equal(target.url);
      expect(sleep.called).to.equal(false);
    });

    it('a healthy login through a legacy host still sends exactly one token request', async () => {
      const target = await emulator('healthy');
      await login({ username: 'ci@acme.com' });
      const { result } = await diagnose(['-o', 'ci@acme.com', '--instance-url', 'https://login.salesforce.com']);
      expect(result.ok, result.cause?.message).to.equal(true);
      expect(result.attempts).to.have.length(1);
      expect(tokenRequests()).to.equal(1);
      expect(posted).to.deep.equal(['https://login.salesforce.com/services/oauth2/token']);
      expect(target.requests.map((r) => r.path)).to.deep.equal([TOKEN_PATH]);
    });
  });

  describe('an ECA that is not in the org (eca-not-installed)', () => {
    it('says the My Domain was tried too, and what it answered: one extra request', async () => {
      const target = await emulator('eca-not-installed');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      await login({ username: 'ci@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([
        '-o',
        'ci@acme.com',
        '--client-id',
        CI_CLIENT_ID,
        '--instance-url',
        'https://login.salesforce.com',
      ]);
      expect(result.cause?.code).to.equal('APP_NOT_INSTALLED');
      expect(result.cause?.message)
        .to.include(`The org's My Domain ${target.url} was tried too`)
        .and.to.include(`app_not_found: ${NOT_INSTALLED}`);
      expect(result.cause?.evidence).to.deep.equal({ myDomainTried: target.url });
      expect(posted.filter((u) => u.startsWith(target.url))).to.have.length(1);
      expect(result.attempts.filter((a) => a.kind === 'audience-probe')).to.have.length(1);
    });

    it('says the My Domain is not known, so it was not tried, and sends nothing more', async () => {
      await emulator('eca-not-installed');
      const { result } = await diagnose(flags('ci@acme.com', 'https://login.salesforce.com'));
      expect(result.cause?.code).to.equal('APP_NOT_INSTALLED');
      expect(result.cause?.message).to.include("the org's My Domain isn't known here");
      expect(result.attempts.every((a) => a.kind === 'pair')).to.equal(true);
      expect(check(result, 'org-evidence')).to.include({ status: 'skip' });
      expect(result.missingEvidence?.join('\n')).to.include('--admin-org');
    });

    it('with --admin-org: no ECA with that consumer key in the org, and where it may live instead', async () => {
      const target = await emulator('eca-not-installed');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result, output } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      expect(output).to.include('no app with this client ID in the org');
      expect(check(result, 'org-evidence')?.status).to.equal('pass');
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.code).to.equal('APP_NOT_INSTALLED');
      expect(cause.message)
        .to.include(`No external client app in the org of admin@acme.com has the consumer key ${CI_CLIENT_ID}`)
        .and.to.include('This org is a production org: an app created in a sandbox');
      expect(cause.evidence).to.deep.equal({ appInOrg: false });
      expect(result.evidence?.app).to.equal(null);
      expect(result.evidence?.user).to.include({ username: 'ci@acme.com' });
      // no probe through a My Domain: the login URL is the org's own already
      expect(result.attempts.every((a) => a.kind === 'pair')).to.equal(true);
    });
  });

  describe('an ECA that is in the org, yet "not installed" (--admin-org)', () => {
    /** eca-no-grant with ci granted, its OAuth settings changed `minutesAgo`, and the token endpoint refusing it. */
    async function presentApp(minutesAgo: number): Promise<Emulator> {
      const scenario = loadScenario('eca-no-grant');
      const app = scenario.apps.find((a) => a.name === 'CI_ECA');
      const changed = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      if (app) app.eca = { ...app.eca, audit: { globalOauth: { createdDate: changed, lastModifiedDate: changed } } };
      const target = await emulator(scenario);
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      // eslint-disable-next-line camelcase -- OAuth body field
      target.setFaults({ oauthError: { error: 'app_not_found', error_description: NOT_INSTALLED } });
      return target;
    }

    it('changed minutes ago: wait and retry, with --wait from approve', async () => {
      const target = await presentApp(3);
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.code).to.equal('APP_NOT_INSTALLED');
      expect(cause.message)
        .to.include('The external client app CI ECA is in this org')
        .and.to.include('3 minute(s) ago');
      expect(cause.actions.join('\n')).to.include(
        `sf jwt approve --username ci@acme.com --client-id ${CI_CLIENT_ID} --jwt-key-file ${SERVER_KEY} --instance-url ${target.url}/ --admin-org admin@acme.com --wait 10m`,
      );
      expect(cause.evidence).to.deep.include({ appInOrg: true });
      expect(cause.evidence?.appLastModifiedDate).to.be.a('string');
    });

    it('changed long ago: the app is there, so the login URL or the app’s state', async () => {
      const target = await presentApp(60 * 24 * 30);
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.message).to.include('The external client app CI ECA is in this org (the admin org admin@acme.com');
      expect(cause.actions.join('\n')).to.include('External Client App Manager → CI ECA → Policies');
      expect(cause.evidence).to.deep.include({ appInOrg: true });
    });
  });

  describe('the app’s certificate as evidence (INVALID_ASSERTION, --admin-org)', () => {
    const parsed = parsePrivateKey(readFileSync(SERVER_KEY, 'utf8'));
    const keyFingerprint = parsed.ok ? publicKeyFingerprint(parsed.key) : '';

    it('names the app and shows that its certificate is another key’s, with both fingerprints', async () => {
      const target = await emulator('wrong-cert');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      const cause = result.cause as NonNullable<DiagnoseResult['cause']>;
      expect(cause.code).to.equal('INVALID_ASSERTION');
      const cert = cause.evidence?.appCertificate as Record<string, unknown>;
      expect(cert).to.include({ present: true, matchesKey: false, keyFingerprint, expired: false });
      expect(cert.certFingerprint)
        .to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
        .and.not.equal(keyFingerprint);
      expect(cert.subject).to.match(/CN=/);
      expect(cause.message).to.include(String(cert.certFingerprint)).and.to.include(keyFingerprint);
      expect(cause.actions[0]).to.not.include('<app>');
      expect(check(result, 'org-evidence')?.status).to.equal('pass');
    });

    it('tells a --cert-file mismatch apart too: KEY_CERT_MISMATCH carries the app’s certificate', async () => {
      const target = await emulator('wrong-cert');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([
        ...flags('ci@acme.com', target.url),
        '--cert-file',
        fixtureKey('other.crt'),
        '--admin-org',
        'admin@acme.com',
      ]);
      expect(result.cause?.code).to.equal('KEY_CERT_MISMATCH');
      expect(result.cause?.evidence?.appCertificate).to.deep.include({ matchesKey: false, keyFingerprint });
    });

    it('for an external client app too, mapped by its consumer key', async () => {
      const scenario = loadScenario('eca-no-grant');
      const app = scenario.apps.find((a) => a.name === 'CI_ECA');
      if (app) app.certificate = 'other.crt';
      const target = await emulator(scenario);
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      expect(result.cause?.code).to.equal('INVALID_ASSERTION');
      expect(result.cause?.evidence?.appCertificate).to.deep.include({ app: 'CI_ECA', matchesKey: false });
      expect(result.cause?.message).to.include('the certificate on the app CI ECA');
      expect(result.cause?.actions[0]).to.include('CI ECA');
    });

    it('an app without a certificate: its JWT bearer flow is off', async () => {
      const scenario = loadScenario('wrong-cert');
      for (const app of scenario.apps) if (app.consumerKey === CI_CLIENT_ID) delete app.certificate;
      const target = await emulator(scenario);
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      const { result } = await diagnose([...flags('ci@acme.com', target.url), '--admin-org', 'admin@acme.com']);
      expect(result.cause?.code).to.equal('INVALID_ASSERTION');
      expect(result.cause?.evidence?.appCertificate).to.deep.include({ present: false, keyFingerprint });
      expect(result.cause?.message).to.include('has no certificate');
    });
  });

  describe('a Dev Hub login through an ECA (devhub-eca)', () => {
    it('works, with a warning that scratch orgs and sandboxes fail with C-1016; still one token request', async () => {
      await emulator('devhub-eca');
      await login({ username: 'ci@acme.com' });
      const { result } = await diagnose(['-o', 'ci@acme.com']);
      expect(result.ok, result.cause?.message).to.equal(true);
      expect(process.exitCode ?? 0).to.equal(0);
      const warning = result.warnings?.find((w) => w.includes('C-1016'));
      expect(warning).to.be.a('string');
      expect(warning).to.include('ci@acme.com is stored as a Dev Hub login').and.to.include('CI_ECA');
      expect(warning).to.include('sf org login jwt --username ci@acme.com --client-id <connected app consumer key>');
      expect(ux.warn.args.flat().join('\n')).to.include('C-1016');
      expect(tokenRequests()).to.equal(1);
    });

    it('a failing Dev Hub login: the admin org’s evidence shows the ECA, and the warning comes with the cause', async () => {
      const target = await emulator('devhub-eca');
      await login({ username: 'admin@acme.com', clientId: ADMIN_CLIENT_ID });
      await login({ username: 'ci@acme.com' });
      // the grant goes away after the login was stored
      target.store.data.permissionSetAssignments = target.store.data.permissionSetAssignments.filter(
        (a) => a.permissionSetId !== '0PS5g000000JWT1GAO',
      );
      const { result } = await diagnose(['-o', 'ci@acme.com', '--admin-org', 'admin@acme.com']);
      expect(result.cause?.code).to.equal('USER_NOT_PREAUTHORIZED');
      expect(result.warnings?.join('\n')).to.include('C-1016').and.to.include('CI ECA');
    });

    it('says nothing for a Dev Hub login whose app can’t be read as the user (never a guess)', async () => {
      const scenario = loadScenario('devhub-eca');
      const ci = scenario.users.find((u) => u.username === 'ci@acme.com');
      if (ci) ci.permissions = { modifyAllData: false, modifyMetadata: false };
      await emulator(scenario);
      await login({ username: 'ci@acme.com' });
      const { result } = await diagnose(['-o', 'ci@acme.com']);
      expect(result.ok).to.equal(true);
      expect(result.warnings ?? []).to.deep.equal([]);
    });

    it('a login that is not a Dev Hub gets no warning and no extra request', async () => {
      const scenario = loadScenario('eca-no-grant');
      scenario.permissionSetAssignments.push({
        assigneeId: '0055g000000CI01AAG',
        permissionSetId: '0PS5g000000JWT1GAO',
      });
      await emulator(scenario);
      await login({ username: 'ci@acme.com' });
      const { result } = await diagnose(['-o', 'ci@acme.com']);
      expect(result.ok, result.cause?.message).to.equal(true);
      expect(result.warnings).to.equal(undefined);
      expect(tokenRequests()).to.equal(1);
      expect(soapRequests()).to.equal(0);
    });

    it('warns in --all and in sf doctor too', async () => {
      await emulator('devhub-eca');
      await login({ username: 'ci@acme.com' });
      const all = (await JwtDiagnose.run(['--all', '--json'])) as DiagnoseAllResult;
      expect(all.summary).to.include({ total: 1, ok: 1 });
      expect(all.orgs[0].warnings?.join('\n')).to.include('C-1016');
      expect(ux.warn.args.flat().join('\n')).to.include('C-1016');

      const suggestions: string[] = [];
      await runJwtDoctor(
        { addSuggestion: (s) => suggestions.push(s), addPluginData: () => undefined },
        { emit: () => Promise.resolve() },
      );
      expect(suggestions.join('\n')).to.include('C-1016').and.to.include('CI_ECA');
    });
  });
});
