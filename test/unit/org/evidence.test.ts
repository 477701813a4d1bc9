import { expect } from 'chai';
import { collectEvidence } from '../../../src/org/evidence.js';
import { classifyServerError } from '../../../src/diagnose/classify.js';
import type { OrgEvidence } from '../../../src/org/types.js';
import { apiError, fakeConnection } from '../../helpers/fakeConnection.js';
import { USER, CA_MD, ADMIN_MD, routes } from '../../helpers/orgRecords.js';
import { emulatedOrg } from '../../helpers/emulatedOrg.js';
import { CI_CLIENT_ID, ADMIN_CLIENT_ID } from '../../../emulator/index.js';

describe('collectEvidence', () => {
  it('reads a self-authorize app by name in two rounds, without grants', async () => {
    const fake = fakeConnection({ queries: routes(), metadata: { CI_App: CA_MD } });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'CI_App' });
    expect(ev.user).to.deep.include({ id: '005A', isActive: true, isFrozen: false, profileName: 'Standard User' });
    expect(ev.app).to.deep.include({
      id: '0H4A',
      name: 'CI_App',
      label: 'CI App',
      adminApprovedOnly: false,
      scopes: ['Api', 'RefreshToken'],
    });
    expect(ev.app?.callbackUrls).to.deep.equal(['http://localhost:1717/OauthRedirect']);
    // only the approvals of this app, and never a token field
    expect(ev.oauthTokens).to.deep.equal([
      { appName: 'CI App', createdDate: '2026-01-01T00:00:00.000+0000', useCount: 4 },
    ]);
    expect(ev.grants).to.equal(undefined);
    expect(ev.errors).to.equal(undefined);
    expect(fake.rounds()).to.equal(2);
    expect(fake.calls.map((c) => c.detail).join('\n')).not.to.match(
      /SetupEntityAccess|PermissionSetAssignment|AccessToken|RefreshToken FROM/,
    );
    const oauthQuery = fake.calls.find((c) => c.detail.includes('FROM OauthToken'))?.detail ?? '';
    expect(oauthQuery).not.to.match(/AccessToken|RequestToken|DeleteToken/);
    // User, ConnectedApplication, Metadata read | UserLogin, OauthToken, UserPermissionAccess (whether an empty
    // list of approvals could be read as "none")
    expect(fake.calls).to.have.length(6);
  });

  it('reads grants and assignments (not approvals) for an admin-approved app', async () => {
    const fake = fakeConnection({ queries: routes(), metadata: { Admin_App: ADMIN_MD } });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(ev.app).to.deep.include({ adminApprovedOnly: true, scopes: ['Api'], callbackUrls: ['a', 'b'] });
    expect(ev.grants).to.deep.equal([
      {
        permissionSetId: '0PSX',
        permissionSetName: 'JWT_Access',
        isOwnedByProfile: false,
        profileId: undefined,
        assignedToUser: false,
      },
    ]);
    expect(ev.oauthTokens).to.equal(undefined);
    expect(fake.rounds()).to.equal(2);
    expect(fake.calls).to.have.length(6);
    const grantQuery = fake.calls.find((c) => c.detail.includes('SetupEntityAccess'))?.detail;
    expect(grantQuery).to.include("SetupEntityType = 'ConnectedApplication' AND SetupEntityId = '0H4B'");
    expect(
      classifyServerError({ error: 'invalid_grant', error_description: "user hasn't approved this consumer" }, ev),
    ).to.equal('USER_NOT_PREAUTHORIZED');
  });

  it('counts a grant through a permission set group', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM PermissionSetAssignment/, [{ PermissionSetId: '0PSgrpAgg', PermissionSetGroupId: '0PGA' }]],
        [/FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN \('0PGA'\)/, [{ PermissionSetId: '0PSX' }]],
      ]),
      metadata: { Admin_App: ADMIN_MD },
    });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(ev.grants?.[0].assignedToUser).to.equal(true);
    expect(fake.rounds()).to.equal(3);
  });

  it('stops after the first round when the user is missing or inactive', async () => {
    for (const users of [[], [{ ...USER, IsActive: false }]]) {
      const fake = fakeConnection({ queries: routes([[/FROM User WHERE/, users]]), metadata: { CI_App: CA_MD } });
      const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'CI_App' });
      expect(fake.rounds()).to.equal(1);
      expect(fake.calls).to.have.length(3);
      expect(ev.user === null || ev.user?.isActive === false).to.equal(true);
    }
  });

  it("escapes the username in SOQL (o'brien)", async () => {
    const fake = fakeConnection({ queries: routes([[/FROM User WHERE/, []]]) });
    await collectEvidence(fake.conn, { username: "o'brien\\@acme.com", need: 'user' });
    expect(fake.calls[0].detail).to.equal(
      "SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = 'o\\'brien\\\\@acme.com'",
    );
  });

  it("need 'user' reads only the user and UserLogin", async () => {
    const fake = fakeConnection({ queries: routes([[/FROM UserLogin/, [{ IsFrozen: true }]]]) });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', clientId: 'KEY.CI', need: 'user' });
    expect(fake.calls.map((c) => c.kind)).to.deep.equal(['query', 'query']);
    expect(ev.user?.isFrozen).to.equal(true);
    expect(ev).not.to.have.property('app');
  });

  it('records failing queries with their reason, never throws', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM OauthToken/, apiError('INSUFFICIENT_ACCESS', 'insufficient access rights on object id')],
        [/FROM UserLogin/, apiError('INVALID_TYPE', "sObject type 'UserLogin' is not supported")],
      ]),
      metadata: { CI_App: CA_MD },
    });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'CI_App' });
    expect(ev.errors).to.deep.include({
      what: 'OauthToken',
      message: 'INSUFFICIENT_ACCESS: insufficient access rights on object id',
    });
    expect(ev.errors).to.deep.include({
      what: 'UserLogin',
      message: "INVALID_TYPE: sObject type 'UserLogin' is not supported",
    });
    expect(ev.oauthTokens).to.equal(undefined);
    expect(ev.user?.isFrozen).to.equal(undefined);
  });

  it('retries OauthToken without the AppMenuItem relationship when the field is refused', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/AppMenuItem\.ApplicationId FROM OauthToken/, apiError('INVALID_FIELD', "No such column 'AppMenuItem'")],
        [/FROM OauthToken/, [{ AppName: 'CI App', UseCount: 2 }]],
      ]),
      metadata: { CI_App: CA_MD },
    });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'CI_App' });
    expect(ev.oauthTokens).to.deep.equal([{ appName: 'CI App', useCount: 2 }]);
    expect(ev.errors).to.equal(undefined);
  });

  it('queries grants and approvals both when the policy is unknown (external client app without a readable policy)', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM ExternalClientApplication/, [{ Id: '0xIA', DeveloperName: 'My_ECA', MasterLabel: 'My ECA' }]],
        [/FROM ExtlClntAppOauthPlcyCnfg/, apiError('INSUFFICIENT_ACCESS')],
      ]),
    });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'My_ECA' });
    expect(ev.app).to.deep.include({ id: '0xIA', kind: 'ExternalClientApplication', adminApprovedOnly: undefined });
    const details = fake.calls.map((c) => c.detail).join('\n');
    expect(details).to.include("SetupEntityType = 'ExternalClientApplication'");
    expect(details).to.include('FROM OauthToken');
    expect(ev.errors?.[0].what).to.equal('ExtlClntAppOauthPlcyCnfg');
  });

  it('reads the ECA policy', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM ExternalClientApplication/, [{ Id: '0xIA', DeveloperName: 'My_ECA', MasterLabel: 'My ECA' }]],
        [
          /FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = '0xIA'/,
          [{ PermittedUsersPolicyType: 'AdminApprovedPreAuthorized' }],
        ],
      ]),
    });
    const ev = await collectEvidence(fake.conn, { username: 'ci@acme.com', appName: 'My ECA' });
    expect(ev.app).to.deep.include({ kind: 'ExternalClientApplication', adminApprovedOnly: true, name: 'My_ECA' });
  });
});

describe('collectEvidence against the emulator', function () {
  this.timeout(60_000);
  const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };

  type Fixture = {
    scenario: string;
    clientId?: string;
    appName?: string;
    username?: string;
    admin?: string;
    expected: string;
    requests: number;
    check?: (ev: OrgEvidence) => void;
  };
  const fixtures: Fixture[] = [
    {
      scenario: 'not-approved',
      clientId: CI_CLIENT_ID,
      expected: 'USER_NOT_APPROVED',
      requests: 3,
      check: (ev) => expect(ev.oauthTokens).to.deep.equal([]),
    },
    {
      scenario: 'admin-approved-no-grant',
      clientId: ADMIN_CLIENT_ID,
      expected: 'USER_NOT_PREAUTHORIZED',
      requests: 3,
      check: (ev): void => {
        expect(ev.app).to.deep.include({ name: 'Admin_App', adminApprovedOnly: true });
        expect(ev.grants?.map((g) => [g.permissionSetName, g.assignedToUser])).to.deep.equal([
          ['JWT_Access', false],
          ['X00e5g000000ADM1', false],
        ]);
      },
    },
    {
      scenario: 'user-frozen',
      clientId: CI_CLIENT_ID,
      expected: 'USER_FROZEN',
      requests: 3,
      check: (ev) => expect(ev.user?.isFrozen).to.equal(true),
    },
    { scenario: 'user-inactive', clientId: CI_CLIENT_ID, expected: 'USER_INACTIVE', requests: 2 },
    {
      scenario: 'scope-missing-refresh-token',
      clientId: CI_CLIENT_ID,
      expected: 'APP_SCOPE_MISSING_REFRESH_TOKEN',
      requests: 3,
      check: (ev) => expect(ev.app?.scopes).not.to.include('RefreshToken'),
    },
    { scenario: 'approval-pending', clientId: CI_CLIENT_ID, expected: 'APPROVAL_NOT_PROPAGATED', requests: 3 },
    {
      scenario: 'healthy',
      clientId: ADMIN_CLIENT_ID,
      expected: 'APPROVAL_NOT_PROPAGATED',
      requests: 3,
      check: (ev) =>
        expect(ev.grants?.find((g) => g.permissionSetName === 'JWT_Access')?.assignedToUser).to.equal(true),
    },
    {
      // an external client app mapped by its consumer key, without --app-name
      scenario: 'eca-no-grant',
      clientId: CI_CLIENT_ID,
      expected: 'USER_NOT_PREAUTHORIZED',
      requests: 7,
      check: (ev): void => {
        expect(ev.app).to.deep.include({
          id: '0xI5g000000ECA1EAO',
          name: 'CI_ECA',
          label: 'CI ECA',
          kind: 'ExternalClientApplication',
          adminApprovedOnly: true,
          scopes: ['Api', 'Web', 'RefreshToken'],
        });
        expect(ev.grants?.map((g) => [g.permissionSetName, g.assignedToUser])).to.deep.equal([['JWT_Access', false]]);
      },
    },
    {
      scenario: 'sandbox',
      clientId: CI_CLIENT_ID,
      username: 'ci@acme.com',
      admin: 'admin@acme.com.uat',
      expected: 'USER_NOT_FOUND',
      requests: 2,
    },
    {
      scenario: 'restricted-admin',
      appName: 'Admin_App',
      // the grants could not be read: unknown, so no verdict from them (the default cause)
      expected: 'USER_NOT_APPROVED',
      requests: 3,
      check: (ev): void => {
        expect(ev.app).to.deep.include({ id: '0H45g000000ADAPCA4', adminApprovedOnly: true });
        expect(ev.grants).to.equal(undefined);
        expect(ev.errors?.map((e) => e.what)).to.include.members(['SetupEntityAccess', 'PermissionSetAssignment']);
        expect(ev.errors?.find((e) => e.what === 'SetupEntityAccess')?.message).to.match(/^INSUFFICIENT_ACCESS: /);
      },
    },
    {
      scenario: 'restricted-admin',
      clientId: CI_CLIENT_ID,
      expected: 'USER_NOT_APPROVED',
      requests: 4,
      check: (ev): void => {
        // the Metadata API is refused: the app stays unknown, and the empty approval list is flagged as possibly incomplete
        expect(ev.app).to.equal(undefined);
        expect(ev.errors?.map((e) => e.what)).to.include.members([
          'Metadata read ConnectedApp',
          'Metadata list ConnectedApp, ExtlClntAppGlobalOauthSettings, ExtlClntAppOauthSettings',
          'OauthToken',
        ]);
        expect(ev.errors?.find((e) => e.what === 'OauthToken')?.message).to.include('Customize Application');
      },
    },
  ];

  it('reads the same evidence with plain queries where the org offers no Composite API (404)', async () => {
    const org = await emulatedOrg('admin-approved-no-grant');
    try {
      org.emu.setFaults({ notFound: true, paths: ['/services/data/v66.0/composite'] });
      const ev = await collectEvidence(org.conn, { username: 'ci@acme.com', clientId: ADMIN_CLIENT_ID });
      expect(classifyServerError(NOT_APPROVED, ev)).to.equal('USER_NOT_PREAUTHORIZED');
      expect(ev.errors ?? []).to.deep.equal([]);
      const paths = org.emu.requests
        .filter((r) => !r.path.startsWith('/services/oauth2'))
        .map((r) => (r.path.endsWith('/composite') ? 'composite' : (r.query.q ?? r.path)));
      // one refused composite request, then plain queries from then on
      expect(paths.filter((p) => p === 'composite')).to.have.length(1);
      expect(paths.filter((p) => p.startsWith('SELECT'))).to.have.length.greaterThan(3);
    } finally {
      await org.close();
    }
  });

  for (const fx of fixtures) {
    it(`${fx.scenario} (${fx.appName ?? fx.clientId ?? ''}): ${fx.expected} in ${fx.requests} requests`, async () => {
      const org = await emulatedOrg(fx.scenario, fx.admin);
      try {
        const ev = await collectEvidence(org.conn, {
          username: fx.username ?? 'ci@acme.com',
          clientId: fx.clientId,
          appName: fx.appName,
        });
        expect(classifyServerError(NOT_APPROVED, ev), JSON.stringify(ev)).to.equal(fx.expected);
        fx.check?.(ev);
        const requests = org.emu.requests.filter((r) => !r.path.startsWith('/services/oauth2'));
        expect(requests, requests.map((r) => r.query.q ?? r.path).join('\n')).to.have.length(fx.requests);
        expect(org.emu.store.changes).to.deep.equal([]);
        expect(JSON.stringify(ev)).not.to.match(
          /"(accessToken|refreshToken|AccessToken|RefreshToken|DeleteToken|RequestToken|access_token|refresh_token)":/,
        );
      } finally {
        await org.close();
      }
    });
  }
});
