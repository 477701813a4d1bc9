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
  type Emulator,
  type Scenario,
  ADMIN_CLIENT_ID,
} from '../../emulator/index.js';

const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
const APP_NOT_FOUND = { error: 'app_not_found', error_description: 'External client app is not installed in this org' };
const INVALID_ASSERTION = { error: 'invalid_grant', error_description: 'invalid assertion' };
const CI_USER = '0055g000000CI01AAG';
const NS = 'http://soap.sforce.com/2006/04/metadata';

type Part = 'app' | 'globalOauth' | 'oauthSettings' | 'policies' | 'oauthPolicies';

/** What goes into an ECA deploy package; every field has the value `sf jwt setup` would deploy. */
type EcaSpec = {
  name?: string;
  /** PEM, or null for a global OAuth settings file without <certificate>. */
  certificate?: string | null;
  consumerKey?: string;
  callbackUrl?: string;
  scopes?: string;
  permissionSets?: string[];
  permitted?: string;
  /** Also deploy this PermissionSet. */
  newPermissionSet?: string;
  /** The parts to deploy (default all five). */
  parts?: Part[];
  /** fullName of the OAuth policies (default <name>_oauthPlcy). */
  policyName?: string;
  /** Replaces a part's file content, e.g. to name another app. */
  owner?: Partial<Record<Part, string>>;
};

function xml(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">\n${body}</${root}>\n`;
}

function tag(name: string, value: string | undefined): string {
  return value === undefined ? '' : `    <${name}>${value}</${name}>\n`;
}

function packageXml(types: Record<string, string[]>): string {
  const body = Object.entries(types)
    .map(
      ([type, members]) =>
        `    <types>\n${members.map((m) => tag('members', m)).join('')}${tag('name', type)}    </types>\n`,
    )
    .join('');
  return xml('Package', `${body}    <version>66.0</version>\n`);
}

/** The files of an ECA deploy package, package.xml included. */
function ecaFiles(spec: EcaSpec = {}): Record<string, string> {
  const name = spec.name ?? 'sf_jwt';
  const parts = spec.parts ?? ['app', 'globalOauth', 'oauthSettings', 'policies', 'oauthPolicies'];
  const owner = (part: Part): string => tag('externalClientApplication', spec.owner?.[part] ?? name);
  const files: Record<string, string> = {};
  const types: Record<string, string[]> = {};
  const add = (type: string, fullName: string, path: string, content: string): void => {
    files[path] = content;
    types[type] = [...(types[type] ?? []), fullName];
  };
  if (spec.newPermissionSet) {
    add(
      'PermissionSet',
      spec.newPermissionSet,
      `permissionsets/${spec.newPermissionSet}.permissionset`,
      xml(
        'PermissionSet',
        tag('description', 'Pre-authorizes the JWT user') + tag('label', spec.newPermissionSet.replace(/_/g, ' ')),
      ),
    );
  }
  if (parts.includes('app')) {
    add(
      'ExternalClientApplication',
      name,
      `externalClientApps/${name}.eca`,
      xml(
        'ExternalClientApplication',
        tag('contactEmail', 'admin@acme.com') +
          tag('distributionState', 'Local') +
          tag('isProtected', 'false') +
          tag('label', name.replace(/_/g, ' ')),
      ),
    );
  }
  if (parts.includes('globalOauth')) {
    const certificate = spec.certificate === undefined ? readKeyFile('other.crt') : spec.certificate;
    add(
      'ExtlClntAppGlobalOauthSettings',
      `${name}_glbloauth`,
      `extlClntAppGlobalOauthSets/${name}_glbloauth.ecaGlblOauth`,
      xml(
        'ExtlClntAppGlobalOauthSettings',
        tag('callbackUrl', spec.callbackUrl ?? 'http://localhost:1717/OauthRedirect') +
          tag('certificate', certificate ?? undefined) +
          tag('consumerKey', spec.consumerKey) +
          owner('globalOauth') +
          tag('isConsumerSecretOptional', 'true') +
          tag('isPkceRequired', 'true') +
          tag('label', name),
      ),
    );
  }
  if (parts.includes('oauthSettings')) {
    add(
      'ExtlClntAppOauthSettings',
      `${name}_oauth`,
      `extlClntAppOauthSettings/${name}_oauth.ecaOauth`,
      xml(
        'ExtlClntAppOauthSettings',
        tag('commaSeparatedOauthScopes', spec.scopes ?? 'Api, RefreshToken') +
          owner('oauthSettings') +
          tag('label', name),
      ),
    );
  }
  if (parts.includes('policies')) {
    add(
      'ExtlClntAppConfigurablePolicies',
      `${name}_plcy`,
      `extlClntAppPolicies/${name}_plcy.ecaPlcy`,
      xml(
        'ExtlClntAppConfigurablePolicies',
        owner('policies') + tag('isEnabled', 'true') + tag('isOauthPluginEnabled', 'true') + tag('label', name),
      ),
    );
  }
  if (parts.includes('oauthPolicies')) {
    const policyName = spec.policyName ?? `${name}_oauthPlcy`;
    const sets = spec.permissionSets ?? (spec.newPermissionSet ? [spec.newPermissionSet] : []);
    add(
      'ExtlClntAppOauthConfigurablePolicies',
      policyName,
      `extlClntAppOauthPolicies/${policyName}.ecaOauthPlcy`,
      xml(
        'ExtlClntAppOauthConfigurablePolicies',
        tag('commaSeparatedPermissionSet', sets.length ? sets.join(',') : undefined) +
          owner('oauthPolicies') +
          tag('ipRelaxationPolicyType', 'Enforce') +
          tag('label', name) +
          tag('permittedUsersPolicyType', spec.permitted ?? 'AdminApprovedPreAuthorized'),
      ),
    );
  }
  files['package.xml'] = packageXml(types);
  return files;
}

function zipOf(files: Record<string, string>): Buffer {
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)]))));
}

type TokenAnswer = { status: number; body: Record<string, unknown> };

async function jwtLogin(
  emu: Emulator,
  claims: { iss: string; sub: string; aud?: string },
  keyFile = 'server.key',
): Promise<TokenAnswer> {
  const assertion = signAssertion({ aud: emu.url, exp: Math.floor(Date.now() / 1000) + 180, ...claims }, keyFile);
  const res = await fetch(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A jsforce connection as `username`, logged in through Admin_App (granted by the System Administrator profile). */
async function adminConnection(emu: Emulator, username = 'admin@acme.com'): Promise<Connection> {
  const { status, body } = await jwtLogin(emu, { iss: ADMIN_CLIENT_ID, sub: username });
  expect(status, JSON.stringify(body)).to.equal(200);
  const conn = new Connection({ instanceUrl: emu.url, accessToken: String(body.access_token), version: '66.0' });
  conn.metadata.pollInterval = 5;
  return conn;
}

type DeployResult = Awaited<ReturnType<Connection['metadata']['checkDeployStatus']>>;
type Message = DeployResult['details']['componentSuccesses'][number];

/** deploy, then checkDeployStatus(id, true) until done; the polls that answered not done are counted. */
async function deployAndWait(
  conn: Connection,
  files: Record<string, string> | Buffer,
  options: Record<string, boolean> = { rollbackOnError: true, singlePackage: true },
): Promise<{ result: DeployResult; pending: DeployResult[] }> {
  const zip = Buffer.isBuffer(files) ? files : zipOf(files);
  const queued = await conn.metadata.deploy(zip, options);
  expect(queued).to.deep.include({ done: false, state: 'Queued' });
  expect(queued.id).to.match(/^0Af[A-Za-z0-9]{15}$/);
  const pending: DeployResult[] = [];
  for (let i = 0; i < 10; i++) {
    // eslint-disable-next-line no-await-in-loop -- polls are sequential by nature
    const result = await conn.metadata.checkDeployStatus(queued.id, true);
    if (result.done) return { result, pending };
    pending.push(result);
  }
  throw new Error('the deploy never finished');
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** jsforce has no schema for the ECA types: read is called generically. */
async function read(conn: Connection, type: string, name: string): Promise<Record<string, unknown>> {
  const readAny = conn.metadata.read.bind(conn.metadata) as (t: string, n: string[]) => Promise<unknown>;
  const [record] = (await readAny(type, [name])) as Array<Record<string, unknown>>;
  return record;
}

function failureSummary(result: DeployResult): Array<[string, string, string]> {
  return list(result.details.componentFailures).map((f: Message) => [
    f.componentType ?? '',
    f.fullName,
    f.problem ?? '',
  ]);
}

describe('emulator: Metadata API deploy of an external client app', () => {
  let emu: Emulator;
  let conn: Connection;

  async function start(scenario: string | Scenario = 'eca-setup'): Promise<void> {
    emu = await startEmulator(scenario);
    conn = await adminConnection(emu);
  }

  afterEach(async () => {
    await emu?.close();
  });

  it('answers InProgress at the first poll, then Succeeded with a DeployMessage per component', async () => {
    await start();
    const { result, pending } = await deployAndWait(conn, ecaFiles({ newPermissionSet: 'JWT_Access' }));
    expect(pending.map((p) => [p.done, p.status, p.numberComponentsTotal])).to.deep.equal([[false, 'InProgress', 6]]);
    expect(result).to.deep.include({
      done: true,
      status: 'Succeeded',
      success: true,
      checkOnly: false,
      rollbackOnError: true,
      numberComponentsTotal: 6,
      numberComponentsDeployed: 6,
      numberComponentErrors: 0,
      createdBy: '0055g000000ADM1',
    });
    for (const date of [result.createdDate, result.startDate, result.completedDate])
      expect(Date.now() - Date.parse(String(date))).to.be.within(0, 10_000);
    const successes = list(result.details.componentSuccesses);
    expect(
      successes.map((m: Message) => [m.componentType, m.fullName, m.fileName, m.created, m.changed]),
    ).to.deep.equal([
      ['PermissionSet', 'JWT_Access', 'permissionsets/JWT_Access.permissionset', true, false],
      ['ExternalClientApplication', 'sf_jwt', 'externalClientApps/sf_jwt.eca', true, false],
      [
        'ExtlClntAppGlobalOauthSettings',
        'sf_jwt_glbloauth',
        'extlClntAppGlobalOauthSets/sf_jwt_glbloauth.ecaGlblOauth',
        true,
        false,
      ],
      ['ExtlClntAppOauthSettings', 'sf_jwt_oauth', 'extlClntAppOauthSettings/sf_jwt_oauth.ecaOauth', true, false],
      ['ExtlClntAppConfigurablePolicies', 'sf_jwt_plcy', 'extlClntAppPolicies/sf_jwt_plcy.ecaPlcy', true, false],
      [
        'ExtlClntAppOauthConfigurablePolicies',
        'sf_jwt_oauthPlcy',
        'extlClntAppOauthPolicies/sf_jwt_oauthPlcy.ecaOauthPlcy',
        true,
        false,
      ],
      ['', 'package.xml', 'package.xml', false, true],
    ]);
    expect(successes.every((m: Message) => m.success && !m.deleted)).to.equal(true);
    expect(list(result.details.componentFailures)).to.deep.equal([]);
    const app = emu.store.data.apps.find((a) => a.name === 'sf_jwt');
    expect(app?.id).to.match(/^0xI/);
    expect(successes[1].id).to.equal(app?.id);
  });

  it('makes the app readable in all five types, listed with the deploy’s time, and visible to SOQL', async () => {
    await start();
    const { result } = await deployAndWait(
      conn,
      ecaFiles({
        newPermissionSet: 'JWT_Access',
        consumerKey: '3MVG9SETUP.CONSUMER.KEY',
        scopes: 'Api, Web, RefreshToken',
      }),
    );
    expect(result.status).to.equal('Succeeded');
    expect(await read(conn, 'ExternalClientApplication', 'sf_jwt')).to.deep.include({
      fullName: 'sf_jwt',
      contactEmail: 'admin@acme.com',
      distributionState: 'Local',
      isProtected: 'false',
      label: 'sf jwt',
    });
    const global = await read(conn, 'ExtlClntAppGlobalOauthSettings', 'sf_jwt_glbloauth');
    expect(global).to.deep.include({
      callbackUrl: 'http://localhost:1717/OauthRedirect',
      consumerKey: '3MVG9SETUP.CONSUMER.KEY',
      externalClientApplication: 'sf_jwt',
      isPkceRequired: 'true',
    });
    expect(String(global.certificate).trim()).to.equal(readKeyFile('other.crt').trim());
    expect(global).to.not.have.property('consumerSecret');
    expect(await read(conn, 'ExtlClntAppOauthSettings', 'sf_jwt_oauth')).to.deep.include({
      commaSeparatedOauthScopes: 'Api, Web, RefreshToken',
      externalClientApplication: 'sf_jwt',
    });
    expect(await read(conn, 'ExtlClntAppConfigurablePolicies', 'sf_jwt_plcy')).to.deep.include({
      isEnabled: 'true',
      isOauthPluginEnabled: 'true',
    });
    expect(await read(conn, 'ExtlClntAppOauthConfigurablePolicies', 'sf_jwt_oauthPlcy')).to.deep.include({
      commaSeparatedPermissionSet: 'JWT_Access',
      externalClientApplication: 'sf_jwt',
      permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      ipRelaxationPolicyType: 'Enforce',
    });
    expect(await read(conn, 'PermissionSet', 'JWT_Access')).to.deep.include({
      label: 'JWT Access',
      description: 'Pre-authorizes the JWT user',
    });

    const listed = list(
      await conn.metadata.list([
        { type: 'ExternalClientApplication' },
        { type: 'ExtlClntAppGlobalOauthSettings' },
        { type: 'ExtlClntAppOauthSettings' },
        { type: 'ExtlClntAppConfigurablePolicies' },
        { type: 'ExtlClntAppOauthConfigurablePolicies' },
      ]),
    );
    expect(listed.map((f) => [f.type, f.fullName])).to.deep.equal([
      ['ExternalClientApplication', 'sf_jwt'],
      ['ExtlClntAppGlobalOauthSettings', 'sf_jwt_glbloauth'],
      ['ExtlClntAppOauthSettings', 'sf_jwt_oauth'],
      ['ExtlClntAppConfigurablePolicies', 'sf_jwt_plcy'],
      ['ExtlClntAppOauthConfigurablePolicies', 'sf_jwt_oauthPlcy'],
    ]);
    for (const f of listed) {
      expect(f.lastModifiedDate, f.fullName).to.equal(result.completedDate);
      expect(f.lastModifiedById).to.equal('0055g000000ADM1AAO');
    }

    const app = await conn.query<{ Id: string; DeveloperName: string; LastModifiedDate: string }>(
      "SELECT Id, DeveloperName, LastModifiedDate FROM ExternalClientApplication WHERE DeveloperName = 'sf_jwt'",
    );
    expect(app.totalSize).to.equal(1);
    const appId = app.records[0].Id;
    expect(Date.parse(app.records[0].LastModifiedDate.replace('+0000', 'Z'))).to.equal(
      Date.parse(String(result.completedDate)),
    );
    const policy = await conn.query(
      `SELECT DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = '${appId}'`,
    );
    expect(policy.records[0]).to.deep.include({
      DeveloperName: 'sf_jwt_oauthPlcy',
      PermittedUsersPolicyType: 'AdminApprovedPreAuthorized',
    });
    const grants = await conn.query<{ Parent: { Name: string }; SetupEntityType: string }>(
      `SELECT Parent.Name, SetupEntityType FROM SetupEntityAccess WHERE SetupEntityId = '${appId}'`,
    );
    expect(grants.records.map((g) => [g.Parent.Name, g.SetupEntityType])).to.deep.equal([
      ['JWT_Access', 'ExternalClientApplication'],
    ]);
  });

  it('verifies a JWT login with the deployed certificate, for a user the policy grants, with the right key only', async () => {
    await start();
    await deployAndWait(conn, ecaFiles({ newPermissionSet: 'JWT_Access', consumerKey: '3MVG9SETUP.CONSUMER.KEY' }));
    const login = (keyFile: string): Promise<TokenAnswer> =>
      jwtLogin(emu, { iss: '3MVG9SETUP.CONSUMER.KEY', sub: 'ci@acme.com' }, keyFile);
    expect((await login('other.key')).body, 'granted to JWT_Access, not assigned yet').to.deep.equal(NOT_APPROVED);

    const ps = emu.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
    const assigned = await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: CI_USER, PermissionSetId: ps?.id });
    expect(assigned.success).to.equal(true);
    const ok = await login('other.key');
    expect(ok.status).to.equal(200);
    expect(String(ok.body.scope).split(' ').sort()).to.deep.equal(['api', 'refresh_token']);
    expect((await login('server.key')).body).to.deep.equal(INVALID_ASSERTION);
  });

  it('checkOnly validates the package and changes nothing', async () => {
    await start();
    const before = structuredClone(emu.store.data);
    const { result } = await deployAndWait(conn, ecaFiles({ newPermissionSet: 'JWT_Access' }), {
      checkOnly: true,
      rollbackOnError: true,
      singlePackage: true,
    });
    expect(result).to.deep.include({ done: true, status: 'Succeeded', success: true, checkOnly: true });
    expect(list(result.details.componentSuccesses).filter((m: Message) => m.created)).to.have.length(6);
    expect(emu.store.data).to.deep.equal(before);
    expect((await read(conn, 'ExternalClientApplication', 'sf_jwt')).fullName).to.equal(undefined);
  });

  it('rolls back everything when a component fails, and lists every problem', async () => {
    await start();
    const files = ecaFiles({
      newPermissionSet: 'JWT_Access',
      permissionSets: ['JWT_Access', 'No_Such_Set'],
      callbackUrl: 'not a url',
      certificate: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----',
    });
    Object.assign(
      files,
      ecaFiles({ name: 'other_app', parts: ['oauthPolicies'], owner: { oauthPolicies: 'Missing_App' } }),
      {
        'package.xml': packageXml({
          PermissionSet: ['JWT_Access'],
          ExternalClientApplication: ['sf_jwt'],
          ExtlClntAppGlobalOauthSettings: ['sf_jwt_glbloauth'],
          ExtlClntAppOauthSettings: ['sf_jwt_oauth'],
          ExtlClntAppConfigurablePolicies: ['sf_jwt_plcy'],
          ExtlClntAppOauthConfigurablePolicies: ['sf_jwt_oauthPlcy', 'other_app_oauthPlcy'],
        }),
      },
    );
    const before = structuredClone(emu.store.data);
    const { result } = await deployAndWait(conn, files);
    expect(result).to.deep.include({ done: true, status: 'Failed', success: false, numberComponentErrors: 3 });
    expect(failureSummary(result)).to.deep.equal([
      ['ExtlClntAppGlobalOauthSettings', 'sf_jwt_glbloauth', 'Invalid callback URL: not a url'],
      [
        'ExtlClntAppGlobalOauthSettings',
        'sf_jwt_glbloauth',
        'The certificate is not a valid PEM-encoded X.509 certificate.',
      ],
      [
        'ExtlClntAppOauthConfigurablePolicies',
        'sf_jwt_oauthPlcy',
        'In field: commaSeparatedPermissionSet - no PermissionSet named No_Such_Set found',
      ],
      [
        'ExtlClntAppOauthConfigurablePolicies',
        'other_app_oauthPlcy',
        'In field: externalClientApplication - no ExternalClientApplication named Missing_App found',
      ],
    ]);
    for (const f of list(result.details.componentFailures)) {
      expect(f).to.deep.include({ problemType: 'Error', success: false, created: false, changed: false });
    }
    expect(list(result.details.componentSuccesses).map((m: Message) => m.fullName)).to.include.members([
      'JWT_Access',
      'sf_jwt',
      'sf_jwt_oauth',
      'sf_jwt_plcy',
    ]);
    expect(emu.store.data).to.deep.equal(before);
  });

  it('fails a package without package.xml, with an unknown type, or with a named file missing', async () => {
    await start();
    const noManifest = ecaFiles();
    delete noManifest['package.xml'];
    const first = (await deployAndWait(conn, noManifest)).result;
    expect(first).to.deep.include({ status: 'Failed', success: false });
    expect(list(first.details.componentFailures).map((f: Message) => [f.fileName, f.problem])).to.deep.equal([
      ['package.xml', 'No package.xml found'],
    ]);

    const unknown = ecaFiles();
    unknown['package.xml'] = packageXml({ ExternalClientApplication: ['sf_jwt'], ExternalClientApps: ['sf_jwt'] });
    expect(failureSummary((await deployAndWait(conn, unknown)).result)).to.deep.equal([
      ['', 'package.xml', "Unknown type name 'ExternalClientApps' specified in package.xml"],
    ]);

    const missing = ecaFiles({ parts: ['app'] });
    missing['package.xml'] = packageXml({ ExternalClientApplication: ['sf_jwt', 'ghost_app'] });
    const third = (await deployAndWait(conn, missing)).result;
    expect(failureSummary(third)).to.deep.equal([
      [
        'ExternalClientApplication',
        'ghost_app',
        "An object 'ghost_app' of type ExternalClientApplication was named in package.xml, but was not found in zipped directory",
      ],
    ]);
    expect(emu.store.data.apps.map((a) => a.name)).to.deep.equal(['Admin_App']);
  });

  it('refuses a field of another type and a malformed file, with line and column', async () => {
    await start();
    const files = ecaFiles({ parts: ['app', 'policies'] });
    files['extlClntAppPolicies/sf_jwt_plcy.ecaPlcy'] = xml(
      'ExtlClntAppConfigurablePolicies',
      tag('externalClientApplication', 'sf_jwt') + tag('permittedUsersPolicyType', 'AdminApprovedPreAuthorized'),
    );
    files['externalClientApps/sf_jwt.eca'] = xml('ExternalClientApplication', '    <label>sf jwt</labl>\n');
    const { result } = await deployAndWait(conn, files);
    const failures = list(result.details.componentFailures);
    expect(failures.map((f: Message) => [f.fullName, f.problem, f.lineNumber, f.columnNumber])).to.deep.equal([
      [
        'sf_jwt',
        'Error parsing file: The element type "label" must be terminated by the matching end-tag "</label>".',
        3,
        18,
      ],
      [
        'sf_jwt_plcy',
        `Error parsing file: Element {${NS}}permittedUsersPolicyType invalid at this location in type ExtlClntAppConfigurablePolicies`,
        4,
        5,
      ],
    ]);
  });

  it('refuses the deploy call to a user without Modify All Data or Modify Metadata, as a SOAP fault', async () => {
    await start();
    const readonly = await adminConnection(emu, 'readonly@acme.com');
    const err = await readonly.metadata.deploy(zipOf(ecaFiles()), { singlePackage: true }).then(
      () => undefined,
      (e: Error & { errorCode?: string }) => e,
    );
    expect(err?.errorCode).to.equal('sf:INSUFFICIENT_ACCESS');
    expect(err?.message).to.equal(
      'INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
    );
    expect(emu.store.deploys).to.deep.equal([]);
    // The same admin may still read setup data.
    const grants = await readonly.query('SELECT Id FROM SetupEntityAccess');
    expect(grants.totalSize).to.equal(1);
  });

  it('fails the components a user may not deploy: policies without the ECA policy permission', async () => {
    const scenario = loadScenario('eca-setup');
    const admin = scenario.users.find((u) => u.username === 'admin@acme.com');
    if (admin) admin.permissions = { manageEcaPolicies: false };
    await start(scenario);
    const { result } = await deployAndWait(conn, ecaFiles());
    expect(result.status).to.equal('Failed');
    expect(failureSummary(result).map(([type, , problem]) => [type, problem.split(':')[0]])).to.deep.equal([
      ['ExtlClntAppConfigurablePolicies', 'Insufficient Privileges'],
      ['ExtlClntAppOauthConfigurablePolicies', 'Insufficient Privileges'],
    ]);
    expect(emu.store.data.apps.map((a) => a.name)).to.deep.equal(['Admin_App']);
  });

  it('redeploys: no certificate removes it, the consumer key stays, the policy list is replaced', async () => {
    await start();
    const key = '3MVG9SETUP.CONSUMER.KEY';
    const first = await deployAndWait(
      conn,
      ecaFiles({ consumerKey: key, newPermissionSet: 'JWT_Access', permissionSets: ['JWT_Access'] }),
    );
    expect(first.result.status).to.equal('Succeeded');
    const ps = emu.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
    await conn.sobject('PermissionSetAssignment').create({ AssigneeId: CI_USER, PermissionSetId: ps?.id });
    expect((await jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, 'other.key')).status).to.equal(200);

    const second = await deployAndWait(
      conn,
      ecaFiles({ certificate: null, newPermissionSet: 'Other_Access', permissionSets: ['Other_Access'] }),
    );
    expect(second.result.status).to.equal('Succeeded');
    const flags = Object.fromEntries(
      list(second.result.details.componentSuccesses).map((m: Message) => [m.fullName, [m.created, m.changed]]),
    );
    expect(flags).to.deep.include({
      sf_jwt: [false, false],
      sf_jwt_glbloauth: [false, true],
      sf_jwt_oauthPlcy: [false, true],
      Other_Access: [true, false],
    });
    const global = await read(conn, 'ExtlClntAppGlobalOauthSettings', 'sf_jwt_glbloauth');
    expect(global.consumerKey).to.equal(key);
    expect(global).to.not.have.property('certificate');
    expect(
      (await read(conn, 'ExtlClntAppOauthConfigurablePolicies', 'sf_jwt_oauthPlcy')).commaSeparatedPermissionSet,
    ).to.equal('Other_Access');
    const appId = emu.store.data.apps.find((a) => a.name === 'sf_jwt')?.id;
    expect(
      emu.store.data.setupEntityAccess.filter((s) => s.setupEntityId === appId).map((s) => s.parentId),
    ).to.deep.equal([emu.store.data.permissionSets.find((p) => p.name === 'Other_Access')?.id]);
    expect((await jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, 'other.key')).body).to.deep.equal(INVALID_ASSERTION);
  });

  it('creates a permission set, then updates it in place', async () => {
    await start();
    const permissionSet = (label: string): Record<string, string> => ({
      'package.xml': packageXml({ PermissionSet: ['JWT_Access'] }),
      'permissionsets/JWT_Access.permissionset': xml('PermissionSet', tag('label', label)),
    });
    const created = (await deployAndWait(conn, permissionSet('JWT Access'))).result;
    const first = list(created.details.componentSuccesses)[0];
    expect([first.created, first.changed]).to.deep.equal([true, false]);
    const updated = (await deployAndWait(conn, permissionSet('JWT access for CI'))).result;
    const second = list(updated.details.componentSuccesses)[0];
    expect([second.created, second.changed, second.id]).to.deep.equal([false, true, first.id]);
    expect((await read(conn, 'PermissionSet', 'JWT_Access')).label).to.equal('JWT access for CI');
    expect(emu.store.data.permissionSets.filter((p) => p.name === 'JWT_Access')).to.have.length(1);
  });

  it('refuses to change an app’s consumer key, and a consumer key another app uses', async () => {
    await start();
    await deployAndWait(conn, ecaFiles({ consumerKey: '3MVG9SETUP.CONSUMER.KEY' }));
    const change = await deployAndWait(conn, ecaFiles({ consumerKey: '3MVG9ANOTHER.KEY' }));
    expect(failureSummary(change.result)).to.deep.equal([
      [
        'ExtlClntAppGlobalOauthSettings',
        'sf_jwt_glbloauth',
        'The consumer key of an external client app can’t be changed after it’s set.',
      ],
    ]);
    const taken = await deployAndWait(conn, ecaFiles({ name: 'second_app', consumerKey: ADMIN_CLIENT_ID }));
    expect(failureSummary(taken.result)).to.deep.equal([
      [
        'ExtlClntAppGlobalOauthSettings',
        'second_app_glbloauth',
        'duplicate value found: ConsumerKey duplicates value on record with id: 0H45g000000ADAPCA4',
      ],
    ]);
    expect(emu.store.data.apps.find((a) => a.name === 'sf_jwt')?.consumerKey).to.equal('3MVG9SETUP.CONSUMER.KEY');
    expect(emu.store.data.apps.some((a) => a.name === 'second_app')).to.equal(false);
  });

  it('generates a consumer key for a new app whose settings give none', async () => {
    await start();
    await deployAndWait(conn, ecaFiles());
    const { consumerKey } = await read(conn, 'ExtlClntAppGlobalOauthSettings', 'sf_jwt_glbloauth');
    expect(consumerKey).to.match(/^3MVG9[A-Za-z0-9._]{80}$/);
  });

  it('refuses OAuth policies under another name than the app’s, with the duplicate value of the policy record', async () => {
    await start('eca-no-grant');
    const { result } = await deployAndWait(
      conn,
      ecaFiles({
        name: 'CI_ECA',
        parts: ['oauthPolicies'],
        policyName: 'CI_ECA_policies',
        permissionSets: ['JWT_Access'],
      }),
    );
    const policyId = emu.store.rows('ExtlClntAppOauthPlcyCnfg')[0].Id;
    expect(failureSummary(result)).to.deep.equal([
      [
        'ExtlClntAppOauthConfigurablePolicies',
        'CI_ECA_policies',
        `duplicate value found: ExternalClientApplicationId duplicates value on record with id: ${String(policyId)}`,
      ],
    ]);
    const same = await deployAndWait(
      conn,
      ecaFiles({ name: 'CI_ECA', parts: ['oauthPolicies'], permissionSets: ['JWT_Access'] }),
    );
    expect(same.result.status, 'under its own name, CI_ECA_oauthPlcy').to.equal('Succeeded');
  });

  it('makes the default OAuth policy Salesforce makes when OAuth settings come without one', async () => {
    await start();
    await deployAndWait(conn, ecaFiles({ parts: ['app', 'globalOauth', 'oauthSettings'] }));
    const listed = list(await conn.metadata.list([{ type: 'ExtlClntAppOauthConfigurablePolicies' }]));
    expect(listed.map((f) => f.fullName)).to.deep.equal(['sf_jwt_oauth_defaultPolicy']);
    expect(await read(conn, 'ExtlClntAppOauthConfigurablePolicies', 'sf_jwt_oauth_defaultPolicy')).to.deep.include({
      permittedUsersPolicyType: 'AllSelfAuthorized',
      ipRelaxationPolicyType: 'Enforce',
    });
    const later = await deployAndWait(conn, ecaFiles({ parts: ['oauthPolicies'] }));
    expect(failureSummary(later.result)[0][2]).to.match(/^duplicate value found: ExternalClientApplicationId/);
  });

  it('deploys nothing of a partial failure in production, what succeeded in a sandbox without rollbackOnError', async () => {
    const scenario = loadScenario('eca-setup');
    scenario.org.isSandbox = true;
    await start(scenario);
    const files = ecaFiles({ newPermissionSet: 'JWT_Access', permissionSets: ['No_Such_Set'] });
    const { result } = await deployAndWait(conn, files, { rollbackOnError: false, singlePackage: true });
    expect(result).to.deep.include({ status: 'SucceededPartial', success: false, rollbackOnError: false });
    expect(emu.store.data.apps.some((a) => a.name === 'sf_jwt')).to.equal(true);
    expect(emu.store.data.apps.find((a) => a.name === 'sf_jwt')?.eca?.components?.oauthPolicies).to.equal(
      'sf_jwt_oauth_defaultPolicy',
    );

    await emu.close();
    await start('eca-setup');
    const prod = await deployAndWait(conn, files, { rollbackOnError: false, singlePackage: true });
    expect(prod.result).to.deep.include({ status: 'Failed', rollbackOnError: true });
    expect(emu.store.data.apps.some((a) => a.name === 'sf_jwt')).to.equal(false);
  });

  it('finishes after org.deployPendingPolls polls (PATCH /__org), and reads a package folder when not singlePackage', async () => {
    await start();
    const patch = async (body: object): Promise<void> => {
      const res = await fetch(`${emu.url}/__org`, { method: 'PATCH', body: JSON.stringify(body) });
      expect(res.status).to.equal(200);
    };
    await patch({ deployPendingPolls: 0 });
    expect((await deployAndWait(conn, ecaFiles({ parts: ['app'] }))).pending).to.have.length(0);
    await patch({ deployPendingPolls: 3 });
    const nested = Object.fromEntries(
      Object.entries(ecaFiles({ parts: ['app'] })).map(([p, t]) => [`unpackaged/${p}`, t]),
    );
    const { result, pending } = await deployAndWait(conn, nested, { rollbackOnError: true });
    expect(pending.map((p) => p.status)).to.deep.equal(['InProgress', 'InProgress', 'InProgress']);
    expect(result.status).to.equal('Succeeded');
    expect(list(result.details.componentSuccesses)[0].fileName).to.equal('unpackaged/externalClientApps/sf_jwt.eca');
    const single = await deployAndWait(conn, nested, { singlePackage: true });
    expect(failureSummary(single.result)).to.deep.equal([['', 'package.xml', 'No package.xml found']]);
  });

  it('cancels a deploy that has not run, and faults on an unknown deploy id', async () => {
    await start();
    const queued = await conn.metadata.deploy(zipOf(ecaFiles()), { singlePackage: true });
    const canceled = (await (conn.metadata as unknown as { cancelDeploy(id: string): Promise<unknown> }).cancelDeploy(
      queued.id,
    )) as { done: string; id: string };
    expect(canceled).to.deep.include({ done: 'true', id: queued.id });
    const status = await conn.metadata.checkDeployStatus(queued.id, true);
    expect(status).to.deep.include({ done: true, status: 'Canceled', success: false });
    expect(emu.store.data.apps.some((a) => a.name === 'sf_jwt')).to.equal(false);
    const err = await conn.metadata.checkDeployStatus('0Af000000000000AAA').then(
      () => undefined,
      (e: Error & { errorCode?: string }) => e,
    );
    expect(err?.errorCode).to.equal('sf:INVALID_CROSS_REFERENCE_KEY');
  });

  describe('propagation delay', () => {
    it('answers app_not_found for a new app until the delay has passed', async () => {
      const scenario = loadScenario('eca-setup');
      scenario.org.propagationDelayMs = 1000;
      await start(scenario);
      const key = '3MVG9SETUP.CONSUMER.KEY';
      await deployAndWait(conn, ecaFiles({ consumerKey: key, newPermissionSet: 'JWT_Access' }));
      const ps = emu.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
      await conn.sobject('PermissionSetAssignment').create({ AssigneeId: CI_USER, PermissionSetId: ps?.id });
      expect((await jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, 'other.key')).body).to.deep.equal(APP_NOT_FOUND);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, 'other.key')).status).to.equal(200);
    });

    it('keeps the old grants and certificate until then; POST /__propagate ends the wait', async () => {
      await start();
      const key = '3MVG9SETUP.CONSUMER.KEY';
      await deployAndWait(conn, ecaFiles({ consumerKey: key, newPermissionSet: 'JWT_Access', permissionSets: [] }));
      const ps = emu.store.data.permissionSets.find((p) => p.name === 'JWT_Access');
      await conn.sobject('PermissionSetAssignment').create({ AssigneeId: CI_USER, PermissionSetId: ps?.id });
      expect((await jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, 'other.key')).body).to.deep.equal(NOT_APPROVED);

      await fetch(`${emu.url}/__org`, { method: 'PATCH', body: JSON.stringify({ propagationDelayMs: 60_000 }) });
      await deployAndWait(conn, ecaFiles({ permissionSets: ['JWT_Access'], certificate: readKeyFile('server.crt') }));
      expect(
        emu.store.data.setupEntityAccess.some((s) => s.parentId === ps?.id),
        'the grant is on record',
      ).to.equal(true);
      const login = (keyFile: string): Promise<TokenAnswer> => jwtLogin(emu, { iss: key, sub: 'ci@acme.com' }, keyFile);
      expect((await login('other.key')).body, 'the grant has not propagated').to.deep.equal(NOT_APPROVED);
      expect((await login('server.key')).body, 'nor the new certificate').to.deep.equal(INVALID_ASSERTION);

      expect((await fetch(`${emu.url}/__propagate`, { method: 'POST' })).status).to.equal(204);
      expect((await login('server.key')).status).to.equal(200);
      expect((await login('other.key')).body).to.deep.equal(INVALID_ASSERTION);
    });
  });
});
