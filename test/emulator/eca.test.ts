import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
// jsforce is the client @salesforce/core's Connection is built on; the emulator must satisfy it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Connection } from '@jsforce/jsforce-node';
import {
  JWT_BEARER,
  loadScenario,
  readKeyFile,
  signAssertion,
  startEmulator,
  TOKEN_PATH,
  type Emulator,
  type Scenario,
  CI_CLIENT_ID,
  ADMIN_CLIENT_ID,
} from '../../emulator/index.js';
import { fixtureKey } from '../helpers/keys.js';
import { storeJwtLogin, useTempHome } from '../helpers/org.js';
import { emulatedOrg } from '../helpers/emulatedOrg.js';

const LOGIN = 'https://login.salesforce.com';
const TEST = 'https://test.salesforce.com';
const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
const APP_NOT_FOUND = { error: 'app_not_found', error_description: 'External client app is not installed in this org' };
const CI_USER = '0055g000000CI01AAG';
const JWT_ACCESS = '0PS5g000000JWT1GAO';
const ECA_TYPES = [
  'ExternalClientApplication',
  'ExtlClntAppGlobalOauthSettings',
  'ExtlClntAppOauthSettings',
  'ExtlClntAppConfigurablePolicies',
  'ExtlClntAppOauthConfigurablePolicies',
];

type TokenAnswer = { status: number; body: Record<string, unknown> };

async function jwtLogin(emu: Emulator, claims: { iss: string; sub: string; aud?: string }): Promise<TokenAnswer> {
  const assertion = signAssertion({ aud: emu.url, exp: Math.floor(Date.now() / 1000) + 180, ...claims }, 'server.key');
  const res = await fetch(`${emu.url}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function adminConnection(emu: Emulator, username = 'admin@acme.com'): Promise<Connection> {
  const { status, body } = await jwtLogin(emu, { iss: ADMIN_CLIENT_ID, sub: username });
  expect(status, JSON.stringify(body)).to.equal(200);
  return new Connection({ instanceUrl: emu.url, accessToken: String(body.access_token), version: '66.0' });
}

/** jsforce has no schema for the ECA types: read is called generically. */
async function read(conn: Connection, type: string, name: string): Promise<Record<string, unknown>> {
  const readAny = conn.metadata.read.bind(conn.metadata) as (t: string, n: string[]) => Promise<unknown>;
  const [record] = (await readAny(type, [name])) as Array<Record<string, unknown>>;
  return record;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

async function faultOf(promise: PromiseLike<unknown>): Promise<(Error & { errorCode?: string }) | undefined> {
  return Promise.resolve(promise).then(
    () => undefined,
    (e: Error & { errorCode?: string }) => e,
  );
}

describe('emulator: external client apps as diagnose sees them', () => {
  const running: Emulator[] = [];
  async function start(scenario: string | Scenario): Promise<Emulator> {
    const emu = await startEmulator(scenario);
    running.push(emu);
    return emu;
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
  });

  describe('an ECA that refuses the legacy login hosts as audience (eca-legacy-host)', () => {
    it('answers app_not_found for aud test.salesforce.com or login.salesforce.com, and logs in with the My Domain', async () => {
      const emu = await start('eca-legacy-host');
      const sub = 'ci@acme.com.uat';
      expect(await jwtLogin(emu, { iss: CI_CLIENT_ID, sub, aud: TEST })).to.deep.equal({
        status: 400,
        body: APP_NOT_FOUND,
      });
      expect(await jwtLogin(emu, { iss: CI_CLIENT_ID, sub, aud: LOGIN })).to.deep.equal({
        status: 400,
        body: APP_NOT_FOUND,
      });
      const ok = await jwtLogin(emu, { iss: CI_CLIENT_ID, sub, aud: `${emu.url}/` });
      expect(ok.status).to.equal(200);
      // A connected app of the same sandbox still takes the sandbox audience.
      expect((await jwtLogin(emu, { iss: ADMIN_CLIENT_ID, sub: 'admin@acme.com.uat', aud: TEST })).status).to.equal(
        200,
      );
    });

    it('lets core log in through its first attempt, whose audience is the login URL', async () => {
      const emu = await start('eca-legacy-host');
      const temp = useTempHome('plugin-jwt-eca-');
      try {
        const { accessToken } = await storeJwtLogin({
          username: 'ci@acme.com.uat',
          keyFile: fixtureKey('server.key'),
          loginUrl: emu.url,
        });
        expect(accessToken).to.match(/^00D/);
        const posts = emu.requests.filter((r) => r.path === TOKEN_PATH);
        expect(posts.map((r) => [r.aud, r.status])).to.deep.equal([[`${emu.url}/`, 200]]);
      } finally {
        temp.restore();
      }
    });
  });

  describe('an admin-approved ECA whose user has no granting permission set (eca-no-grant)', () => {
    it('answers user hasn’t approved this consumer until the granting permission set is assigned', async () => {
      const emu = await start('eca-no-grant');
      expect((await jwtLogin(emu, { iss: CI_CLIENT_ID, sub: 'ci@acme.com' })).body).to.deep.equal(NOT_APPROVED);
      const conn = await adminConnection(emu);
      const grants = await conn.query<{ Parent: { Name: string }; SetupEntityType: string }>(
        "SELECT Parent.Name, SetupEntityType FROM SetupEntityAccess WHERE SetupEntityId = '0xI5g000000ECA1EAO'",
      );
      expect(grants.records.map((g) => [g.Parent.Name, g.SetupEntityType])).to.deep.equal([
        ['JWT_Access', 'ExternalClientApplication'],
      ]);
      const mine = await conn.query<{ PermissionSetId: string }>(
        `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${CI_USER}'`,
      );
      expect(mine.records.map((r) => r.PermissionSetId)).to.not.include(JWT_ACCESS);
      await conn.sobject('PermissionSetAssignment').create({ AssigneeId: CI_USER, PermissionSetId: JWT_ACCESS });
      expect((await jwtLogin(emu, { iss: CI_CLIENT_ID, sub: 'ci@acme.com' })).status).to.equal(200);
    });

    it('maps the client id to the app through ExtlClntAppGlobalOauthSettings, with scopes and policy', async () => {
      const emu = await start('eca-no-grant');
      const conn = await adminConnection(emu);
      const listed = list(await conn.metadata.list(ECA_TYPES.map((type) => ({ type }))));
      expect(listed.map((f) => [f.type, f.fullName, f.fileName])).to.deep.equal([
        ['ExternalClientApplication', 'CI_ECA', 'externalClientApps/CI_ECA.eca'],
        [
          'ExtlClntAppGlobalOauthSettings',
          'CI_ECA_glbloauth',
          'extlClntAppGlobalOauthSets/CI_ECA_glbloauth.ecaGlblOauth',
        ],
        ['ExtlClntAppOauthSettings', 'CI_ECA_oauth', 'extlClntAppOauthSettings/CI_ECA_oauth.ecaOauth'],
        ['ExtlClntAppConfigurablePolicies', 'CI_ECA_plcy', 'extlClntAppPolicies/CI_ECA_plcy.ecaPlcy'],
        [
          'ExtlClntAppOauthConfigurablePolicies',
          'CI_ECA_oauthPlcy',
          'extlClntAppOauthPolicies/CI_ECA_oauthPlcy.ecaOauthPlcy',
        ],
      ]);
      const names = listed.filter((f) => f.type === 'ExtlClntAppGlobalOauthSettings').map((f) => f.fullName);
      const readAll = conn.metadata.read.bind(conn.metadata) as (t: string, n: string[]) => Promise<unknown>;
      const settings = (await readAll('ExtlClntAppGlobalOauthSettings', names)) as Array<Record<string, unknown>>;
      const match = settings.find((s) => s.consumerKey === CI_CLIENT_ID);
      expect(match?.externalClientApplication).to.equal('CI_ECA');
      expect(String(match?.certificate).trim()).to.equal(readKeyFile('server.crt').trim());
      expect((await read(conn, 'ExtlClntAppOauthSettings', 'CI_ECA_oauth')).commaSeparatedOauthScopes).to.equal(
        'Api, Web, RefreshToken',
      );
      expect(await read(conn, 'ExtlClntAppOauthConfigurablePolicies', 'CI_ECA_oauthPlcy')).to.deep.include({
        commaSeparatedPermissionSet: 'JWT_Access',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        externalClientApplication: 'CI_ECA',
      });
      const policy = await conn.query(
        "SELECT DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'CI_ECA'",
      );
      expect(policy.records[0]).to.deep.include({
        DeveloperName: 'CI_ECA_oauthPlcy',
        PermittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      });
    });
  });

  describe('who may read what', () => {
    it('returns consumerKey only to a user allowed to see consumer secrets, in an org that allows it', async () => {
      const scenario = loadScenario('eca-no-grant');
      const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
      if (admin) admin.permissions = { viewEcaConsumerSecrets: false };
      const emu = await start(scenario);
      const hidden = await read(await adminConnection(emu), 'ExtlClntAppGlobalOauthSettings', 'CI_ECA_glbloauth');
      expect(hidden).to.deep.include({ fullName: 'CI_ECA_glbloauth', externalClientApplication: 'CI_ECA' });
      expect(hidden).to.not.have.property('consumerKey');
      expect(hidden.certificate).to.be.a('string');

      const other = await start('eca-no-grant');
      const otherConn = await adminConnection(other);
      expect((await read(otherConn, 'ExtlClntAppGlobalOauthSettings', 'CI_ECA_glbloauth')).consumerKey).to.equal(
        CI_CLIENT_ID,
      );
      await fetch(`${other.url}/__org`, {
        method: 'PATCH',
        body: JSON.stringify({ consumerSecretsViaMetadata: false }),
      });
      expect(await read(otherConn, 'ExtlClntAppGlobalOauthSettings', 'CI_ECA_glbloauth')).to.not.have.property(
        'consumerKey',
      );
    });

    it('refuses the policies to a user without the ECA policy permission, as a SOAP fault', async () => {
      const scenario = loadScenario('eca-no-grant');
      const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
      if (admin) admin.permissions = { manageEcaPolicies: false };
      const emu = await start(scenario);
      const conn = await adminConnection(emu);
      const readErr = await faultOf(read(conn, 'ExtlClntAppOauthConfigurablePolicies', 'CI_ECA_oauthPlcy'));
      expect(readErr?.errorCode).to.equal('sf:INSUFFICIENT_ACCESS');
      expect(readErr?.message).to.equal(
        'INSUFFICIENT_ACCESS: insufficient access rights on entity: ExtlClntAppOauthConfigurablePolicies',
      );
      const listErr = await faultOf(conn.metadata.list([{ type: 'ExtlClntAppOauthConfigurablePolicies' }]));
      expect(listErr?.errorCode).to.equal('sf:INSUFFICIENT_ACCESS');
      expect((await read(conn, 'ExtlClntAppOauthSettings', 'CI_ECA_oauth')).commaSeparatedOauthScopes).to.be.a(
        'string',
      );
    });

    it('keeps restrictedUsers, with a user’s own permissions winning: setup reads without the Metadata API', async () => {
      const scenario = loadScenario('restricted-admin');
      const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
      const emu = await start(scenario);
      const conn = await adminConnection(emu);
      expect((await faultOf(conn.query('SELECT Id FROM SetupEntityAccess')))?.errorCode).to.equal(
        'INSUFFICIENT_ACCESS',
      );
      expect((await faultOf(conn.metadata.list([{ type: 'ConnectedApp' }])))?.errorCode).to.equal(
        'sf:INSUFFICIENT_ACCESS',
      );

      const patched = await fetch(`${emu.url}/__users/${admin?.username ?? ''}`, {
        method: 'PATCH',
        body: JSON.stringify({ permissions: { viewSetup: true } }),
      });
      expect(patched.status).to.equal(200);
      expect((await conn.query('SELECT Id FROM SetupEntityAccess')).totalSize).to.equal(2);
      expect((await faultOf(conn.metadata.list([{ type: 'ConnectedApp' }])))?.errorCode).to.equal(
        'sf:INSUFFICIENT_ACCESS',
      );
      const own = await conn.query<{ UserId: string }>('SELECT UserId FROM OauthToken');
      expect(
        own.records.map((r) => r.UserId),
        'without Customize Application, only one’s own tokens',
      ).to.deep.equal([admin?.id]);
    });
  });

  describe('a Dev Hub (devhub-eca)', () => {
    it('answers the ScratchOrgInfo query core sends after a login with rows, or an empty list', async () => {
      const emu = await start('devhub-eca');
      const token = (await jwtLogin(emu, { iss: CI_CLIENT_ID, sub: 'ci@acme.com' })).body.access_token;
      expect(token, 'ci logs in through the ECA').to.be.a('string');
      const q = async (target: Emulator, accessToken: unknown): Promise<Response> =>
        fetch(`${target.url}/services/data/v51.0/query?q=SELECT%20Id%20FROM%20ScratchOrgInfo%20limit%201`, {
          headers: { Authorization: `Bearer ${String(accessToken)}` },
        });
      const res = await q(emu, token);
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { totalSize: number; records: Array<{ Id: string }> };
      expect(body.totalSize).to.equal(1);
      expect(body.records[0].Id).to.equal('2SR5g000000SOI1GAA');

      const empty = loadScenario('devhub-eca');
      empty.scratchOrgInfos = [];
      const hub = await start(empty);
      const hubToken = (await jwtLogin(hub, { iss: ADMIN_CLIENT_ID, sub: 'admin@acme.com' })).body.access_token;
      const none = await q(hub, hubToken);
      expect(none.status).to.equal(200);
      expect(await none.json()).to.deep.include({ totalSize: 0, done: true, records: [] });
    });

    it('is stored by core as a Dev Hub; another org is not', async () => {
      for (const [scenario, isDevHub] of [
        ['devhub-eca', true],
        ['eca-no-grant', false],
      ] as const) {
        // eslint-disable-next-line no-await-in-loop -- one org at a time (each has its own HOME)
        const org = await emulatedOrg(scenario);
        try {
          expect(org.conn.getAuthInfoFields().isDevHub, scenario).to.equal(isDevHub);
        } finally {
          // eslint-disable-next-line no-await-in-loop
          await org.close();
        }
      }
    });
  });
});

describe('emulator: the Metadata API through @salesforce/core’s Connection', () => {
  it('deploys a zip checkOnly and for real, polls checkDeployStatus, and reads the app back', async () => {
    const org = await emulatedOrg('eca-setup');
    try {
      const { conn, emu } = org;
      conn.metadata.pollInterval = 10;
      const ns = 'http://soap.sforce.com/2006/04/metadata';
      const files: Record<string, string> = {
        'package.xml': `<?xml version="1.0" encoding="UTF-8"?><Package xmlns="${ns}"><types><members>sf_jwt</members><name>ExternalClientApplication</name></types><version>${conn.getApiVersion()}</version></Package>`,
        'externalClientApps/sf_jwt.eca': `<?xml version="1.0" encoding="UTF-8"?><ExternalClientApplication xmlns="${ns}"><contactEmail>admin@acme.com</contactEmail><distributionState>Local</distributionState><label>sf jwt</label></ExternalClientApplication>`,
      };
      const zip = Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([p, t]) => [p, strToU8(t)]))));

      const queued = await conn.metadata.deploy(zip, { checkOnly: true, rollbackOnError: true, singlePackage: true });
      expect(queued).to.deep.include({ done: false, state: 'Queued' });
      const first = await conn.metadata.checkDeployStatus(queued.id, true);
      expect(first).to.deep.include({ done: false, status: 'InProgress', checkOnly: true });
      const validated = await conn.metadata.checkDeployStatus(queued.id, true);
      expect(validated).to.deep.include({ done: true, status: 'Succeeded', success: true, checkOnly: true });
      expect(validated.details.componentSuccesses.map((m) => [m.componentType, m.fullName, m.created])).to.deep.equal([
        ['ExternalClientApplication', 'sf_jwt', true],
        ['', 'package.xml', false],
      ]);
      expect(emu.store.data.apps.some((a) => a.name === 'sf_jwt')).to.equal(false);

      const result = await conn.metadata.deploy(zip, { rollbackOnError: true, singlePackage: true }).complete(true);
      expect(result).to.deep.include({ done: true, status: 'Succeeded', numberComponentsDeployed: 1 });
      const readAny = conn.metadata.read.bind(conn.metadata) as (t: string, n: string) => Promise<unknown>;
      expect(await readAny('ExternalClientApplication', 'sf_jwt')).to.deep.include({
        fullName: 'sf_jwt',
        label: 'sf jwt',
        contactEmail: 'admin@acme.com',
      });
      expect(
        emu.requests.filter((r) => r.path.startsWith('/services/Soap/m/')).every((r) => r.status === 200),
      ).to.equal(true);
    } finally {
      await org.close();
    }
  });
});
