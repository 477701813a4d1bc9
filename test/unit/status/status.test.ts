import { expect } from 'chai';
import { approvalStatus } from '../../../src/status/status.js';
import { apiError, fakeConnection, type Answer } from '../../helpers/fakeConnection.js';
import { emulatedOrg } from '../../helpers/emulatedOrg.js';
import { ADMIN_CLIENT_ID } from '../../../emulator/index.js';

const USER = {
  Id: '005A',
  Username: 'ci@acme.com',
  IsActive: true,
  ProfileId: '00eSTD',
  Profile: { Name: 'Standard User' },
};
const ADMIN_MD = {
  fullName: 'Admin_App',
  label: 'Admin App',
  oauthConfig: { consumerKey: 'KEY.ADMIN', scopes: ['Api', 'RefreshToken'], isAdminApproved: true },
};
const TOKENS = [
  {
    AppName: 'Admin App',
    CreatedDate: '2026-01-01T00:00:00.000+0000',
    LastUsedDate: '2026-02-01T00:00:00.000+0000',
    UseCount: 4,
    AppMenuItem: { ApplicationId: '0H4B' },
  },
  {
    AppName: 'Salesforce CLI',
    CreatedDate: '2026-01-02T00:00:00.000+0000',
    UseCount: 1,
    AppMenuItem: { ApplicationId: '0H4Z' },
  },
];
const routes = (over: Array<[RegExp, Answer]> = []): Array<[RegExp, Answer]> => [
  ...over,
  [/FROM User WHERE/, [USER]],
  [/FROM UserLogin/, [{ IsFrozen: false }]],
  [
    /FROM ConnectedApplication WHERE Name = 'Admin_App'/,
    [{ Id: '0H4B', Name: 'Admin_App', OptionsAllowAdminApprovedUsersOnly: true }],
  ],
  [
    /FROM SetupEntityAccess/,
    [
      { ParentId: '0PSX', Parent: { Name: 'JWT_Access', IsOwnedByProfile: false } },
      { ParentId: '0PSstd', Parent: { Name: 'X00eSTD', IsOwnedByProfile: true, ProfileId: '00eSTD' } },
      { ParentId: '0PSadm', Parent: { Name: 'X00eADM', IsOwnedByProfile: true, ProfileId: '00eADM' } },
    ],
  ],
  [/FROM PermissionSetAssignment/, [{ PermissionSetId: '0PSstd' }]],
  [/FROM OauthToken/, TOKENS],
];

describe('approvalStatus', () => {
  it('shows all approvals, the policy, and which grants reach the user, in two rounds', async () => {
    const fake = fakeConnection({ queries: routes(), metadata: { Admin_App: ADMIN_MD } });
    const report = await approvalStatus(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(report.policy).to.equal('admin-approved');
    expect(report.refreshScope).to.equal(true);
    expect(report.user).to.deep.include({ id: '005A', isFrozen: false });
    expect(report.oauthTokens?.map((t) => [t.appName, t.forApp])).to.deep.equal([
      ['Admin App', true],
      ['Salesforce CLI', false],
    ]);
    expect(JSON.stringify(report)).not.to.include('applicationId');
    expect(report.grants?.map((g) => [g.permissionSetName, g.via])).to.deep.equal([
      ['JWT_Access', 'none'],
      ['X00eSTD', 'profile'],
      ['X00eADM', 'none'],
    ]);
    expect(report.approved).to.equal(true);
    expect(fake.rounds()).to.equal(2);
  });

  it('lists every approval of the user when no app is given', async () => {
    const fake = fakeConnection({ queries: routes() });
    const report = await approvalStatus(fake.conn, { username: 'ci@acme.com' });
    expect(report.oauthTokens).to.have.length(2);
    expect(report.oauthTokens?.[0]).not.to.have.property('forApp');
    expect(report).not.to.have.property('policy');
    expect(report.approved).to.equal(undefined);
  });

  it('says not approved when no grant reaches the user of an admin-approved app', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM PermissionSetAssignment/, []],
        [/FROM SetupEntityAccess/, [{ ParentId: '0PSX', Parent: { Name: 'JWT_Access' } }]],
      ]),
      metadata: { Admin_App: ADMIN_MD },
    });
    const report = await approvalStatus(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(report.approved).to.equal(false);
  });

  it('counts a grant that reaches the user through a permission set group', async () => {
    const fake = fakeConnection({
      queries: routes([
        [/FROM PermissionSetAssignment/, [{ PermissionSetId: '0PSgrpAgg', PermissionSetGroupId: '0PGA' }]],
        [/FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN \('0PGA'\)/, [{ PermissionSetId: '0PSX' }]],
        [/FROM SetupEntityAccess/, [{ ParentId: '0PSX', Parent: { Name: 'JWT_Access' } }]],
      ]),
      metadata: { Admin_App: ADMIN_MD },
    });
    const report = await approvalStatus(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(report.grants?.map((g) => g.via)).to.deep.equal(['permission-set']);
    expect(report.approved).to.equal(true);
    expect(report.errors).to.equal(undefined);
  });

  it('keeps going and reports what could not be read', async () => {
    const fake = fakeConnection({
      queries: routes([[/FROM OauthToken/, apiError('INSUFFICIENT_ACCESS', 'no access')]]),
      metadata: { Admin_App: ADMIN_MD },
    });
    const report = await approvalStatus(fake.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(report.errors).to.deep.equal([{ what: 'OauthToken', message: 'INSUFFICIENT_ACCESS: no access' }]);
    expect(report.grants).to.have.length(3);
  });

  it('answers user null for a missing user, after one round', async () => {
    const fake = fakeConnection({ queries: routes([[/FROM User WHERE/, []]]) });
    const report = await approvalStatus(fake.conn, { username: 'nobody@acme.com' });
    expect(report.user).to.equal(null);
    expect(fake.rounds()).to.equal(1);
  });
});

describe('approvalStatus against the emulator', function () {
  this.timeout(60_000);

  it('shows the approvals and grants of the user record (healthy org)', async () => {
    const org = await emulatedOrg('healthy');
    try {
      const report = await approvalStatus(org.conn, {
        username: 'ci@acme.com',
        clientId: ADMIN_CLIENT_ID,
      });
      expect(report.policy).to.equal('admin-approved');
      expect(report.approved).to.equal(true);
      expect(report.grants?.find((g) => g.permissionSetName === 'JWT_Access')?.via).to.equal('permission-set');
      expect(report.oauthTokens?.map((t) => [t.appName, t.forApp])).to.deep.include(['CI App', false]);
      expect(org.emu.store.changes).to.deep.equal([]);
    } finally {
      await org.close();
    }
  });

  it('says not approved for a self-authorize app without approval', async () => {
    const org = await emulatedOrg('not-approved');
    try {
      const report = await approvalStatus(org.conn, { username: 'ci@acme.com', appName: 'CI_App' });
      expect(report).to.deep.include({ policy: 'self-authorize', approved: false, refreshScope: true });
      expect(report.oauthTokens).to.deep.equal([]);
    } finally {
      await org.close();
    }
  });
});
