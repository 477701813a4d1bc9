import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
// jsforce is the client @salesforce/core's Connection is built on; the emulator must satisfy it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Connection } from '@jsforce/jsforce-node';
import type { EmuRequest, EmuResponse } from '../../emulator/http-types.js';
import { handleRest, releaseLabel } from '../../emulator/rest.js';
import type { Scenario } from '../../emulator/scenario.js';
import { OrgStore } from '../../emulator/store.js';
import { readKeyFile } from '../../emulator/keys.js';

const ORG = '00D5g00000TEST1AAA';
const P_ADMIN = '00e5g00000ADMINAAA';
const P_STD = '00e5g00000STDUSAAA';
const U_ADMIN = '0055g00000ADMINAAA';
const U_CI = '0055g00000CIUSRAAA';
const U_AUDITOR = '0055g00000AUDITAAA';
const U_FROZEN = '0055g00000FROZNAAA';
const APP_CA = '0H45g00000CAPP1AAA'; // admin-approved connected app
const APP_SELF = '0H45g00000CAPP2AAA'; // self-authorize connected app
const APP_ECA = '0xI5g00000ECAP1AAA'; // admin-approved external client app
const APP_GONE = '0xI5g00000ECAP2AAA'; // external client app not installed
const PS_JWT = '0PS5g00000JWTPSAAA';
const PS_ADMIN_PROFILE = '0PS5g00000PADMNAAA';
const SEA_JWT = '0J05g00000SEA01AAA';
const PSA_CI = '0Pa5g00000PSA01AAA';

function scenario(): Scenario {
  return {
    name: 'rest-test',
    org: { id: ORG, name: 'Acme', instanceName: 'EMU7', organizationType: 'Enterprise Edition', isSandbox: true },
    profiles: [
      { id: P_ADMIN, name: 'System Administrator' },
      { id: P_STD, name: 'Standard User' },
    ],
    users: [
      { id: U_ADMIN, username: 'admin@acme.com.uat', profileId: P_ADMIN },
      { id: U_CI, username: 'ci@acme.com.uat', profileId: P_STD },
      { id: U_AUDITOR, username: 'auditor@acme.com.uat', profileId: P_STD },
      { id: U_FROZEN, username: 'frozen@acme.com.uat', profileId: P_STD, isFrozen: true, isActive: false },
    ],
    apps: [
      {
        id: APP_CA,
        name: 'CI_App',
        label: 'CI App',
        consumerKey: '3MVG9TEST.CI',
        certificate: 'server.crt',
        scopes: ['Api', 'RefreshToken'],
        adminApprovedOnly: true,
        callbackUrls: ['http://localhost:1717/OauthRedirect', 'https://example.com/cb'],
      },
      {
        id: APP_SELF,
        name: 'Self_App',
        label: 'Self <&> App',
        consumerKey: '3MVG9TEST.SELF',
        scopes: ['Api', 'Web'],
        callbackUrls: ['http://localhost:1717/OauthRedirect'],
        isPkceRequired: true,
      },
      {
        id: APP_ECA,
        kind: 'ExternalClientApplication',
        name: 'Deploy_ECA',
        label: 'Deploy ECA',
        consumerKey: '3MVG9TEST.ECA',
        scopes: ['Api', 'RefreshToken'],
        adminApprovedOnly: true,
        callbackUrls: ['http://localhost:1717/OauthRedirect'],
      },
      {
        id: APP_GONE,
        kind: 'ExternalClientApplication',
        name: 'Gone_ECA',
        label: 'Gone ECA',
        consumerKey: '3MVG9TEST.GONE',
        scopes: ['Api'],
        callbackUrls: ['http://localhost:1717/OauthRedirect'],
        installed: false,
      },
    ],
    permissionSets: [
      { id: PS_JWT, name: 'JWT_Access', label: 'JWT Access' },
      { id: PS_ADMIN_PROFILE, name: 'X00e5g000000ADMIN', isOwnedByProfile: true, profileId: P_ADMIN },
    ],
    setupEntityAccess: [
      { id: SEA_JWT, parentId: PS_JWT, setupEntityId: APP_CA },
      { parentId: PS_ADMIN_PROFILE, setupEntityId: APP_ECA, setupEntityType: 'ExternalClientApplication' },
    ],
    permissionSetAssignments: [
      { id: PSA_CI, assigneeId: U_CI, permissionSetId: PS_JWT },
      { assigneeId: U_ADMIN, permissionSetId: PS_ADMIN_PROFILE },
    ],
    oauthTokens: [
      {
        userId: U_CI,
        appId: APP_SELF,
        scopes: ['api', 'refresh_token'],
        createdDate: '2026-01-15T09:30:00Z',
        lastUsedDate: '2026-03-01T08:00:00.000Z',
        useCount: 7,
      },
      { userId: U_AUDITOR, appId: APP_SELF, scopes: ['api', 'refresh_token'] },
    ],
    restrictedUsers: [U_AUDITOR],
  };
}

const BASE = 'http://127.0.0.1:9';

type Call = { query?: Record<string, string>; body?: unknown; userId?: string };

async function call(store: OrgStore, method: string, path: string, opts: Call = {}): Promise<EmuResponse> {
  const req: EmuRequest = {
    method,
    path,
    query: new URLSearchParams(opts.query ?? {}),
    headers: {},
    body: opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    userId: opts.userId ?? U_ADMIN,
    baseUrl: BASE,
  };
  return handleRest(store, req);
}

/** A record without its attributes. */
function bare(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => key !== 'attributes'));
}

type QueryBody = { totalSize: number; done: boolean; records: Array<Record<string, unknown>> };
type ErrorBody = Array<{ message: string; errorCode: string; fields?: string[] }>;

async function soql(store: OrgStore, q: string, userId?: string): Promise<QueryBody> {
  const res = await call(store, 'GET', '/services/data/v66.0/query', { query: { q }, userId });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body as QueryBody;
}

async function soqlError(
  store: OrgStore,
  q: string,
  userId?: string,
): Promise<{ status: number; error: ErrorBody[0] }> {
  const res = await call(store, 'GET', '/services/data/v66.0/query', { query: { q }, userId });
  expect(res.status).to.be.greaterThanOrEqual(400);
  const body = res.body as ErrorBody;
  expect(body).to.be.an('array').with.length(1);
  return { status: res.status, error: body[0] };
}

async function create(store: OrgStore, sobject: string, body: unknown, userId?: string): Promise<EmuResponse> {
  return call(store, 'POST', `/services/data/v66.0/sobjects/${sobject}`, { body, userId });
}

describe('emulator REST API', () => {
  let store: OrgStore;
  beforeEach(() => {
    store = new OrgStore(scenario());
  });

  describe('versions and resources', () => {
    it('lists API versions up to 66.0 with release labels', async () => {
      const res = await call(store, 'GET', '/services/data');
      const list = res.body as Array<{ label: string; url: string; version: string }>;
      expect(res.status).to.equal(200);
      expect(list.at(-1)).to.deep.equal({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
      expect(list[0]).to.deep.equal({ label: "Winter '11", url: '/services/data/v20.0', version: '20.0' });
      expect(releaseLabel(64)).to.equal("Summer '25");
    });

    it('answers the resources of a version and 404 for an unknown one', async () => {
      const res = await call(store, 'GET', '/services/data/v66.0');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({
        query: '/services/data/v66.0/query',
        composite: '/services/data/v66.0/composite',
      });
      const bad = await call(store, 'GET', '/services/data/v99.0');
      expect(bad.status).to.equal(404);
      expect(bad.body).to.deep.equal([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    });
  });

  describe('query: the objects of the org', () => {
    it('User with Profile.Name, Name, UserType, Email', async () => {
      const res = await soql(
        store,
        "SELECT Id, Username, IsActive, ProfileId, Profile.Name, Name, UserType, Email FROM User WHERE Username = 'ci@acme.com.uat'",
      );
      expect(res.records).to.deep.equal([
        {
          attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${U_CI}` },
          Id: U_CI,
          Username: 'ci@acme.com.uat',
          IsActive: true,
          ProfileId: P_STD,
          Profile: {
            attributes: { type: 'Profile', url: `/services/data/v66.0/sobjects/Profile/${P_STD}` },
            Name: 'Standard User',
          },
          Name: 'ci',
          UserType: 'Standard',
          Email: 'ci@acme.com.uat',
        },
      ]);
    });

    it('UserLogin.IsFrozen and inactive users', async () => {
      const res = await soql(store, `SELECT IsFrozen, User.IsActive FROM UserLogin WHERE UserId = '${U_FROZEN}'`);
      expect(res.records[0]).to.deep.include({ IsFrozen: true });
      expect(res.records[0].User).to.deep.include({ IsActive: false });
      expect(
        (await soql(store, `SELECT IsFrozen FROM UserLogin WHERE UserId = '${U_CI}'`)).records[0].IsFrozen,
      ).to.equal(false);
    });

    it('Profile and PermissionSet', async () => {
      expect((await soql(store, 'SELECT Name FROM Profile ORDER BY Name')).records.map((r) => r.Name)).to.deep.equal([
        'Standard User',
        'System Administrator',
      ]);
      const ps = await soql(
        store,
        'SELECT Id, Name, Label, IsOwnedByProfile, ProfileId, IsCustom FROM PermissionSet ORDER BY Name',
      );
      expect(ps.records.map(bare)).to.deep.equal([
        {
          Id: PS_JWT,
          Name: 'JWT_Access',
          Label: 'JWT Access',
          IsOwnedByProfile: false,
          ProfileId: null,
          IsCustom: true,
        },
        {
          Id: PS_ADMIN_PROFILE,
          Name: 'X00e5g000000ADMIN',
          Label: 'X00e5g000000ADMIN',
          IsOwnedByProfile: true,
          ProfileId: P_ADMIN,
          IsCustom: false,
        },
      ]);
    });

    it('PermissionSetAssignment with its fixed fields and PermissionSet.Name', async () => {
      const res = await soql(
        store,
        `SELECT Id, AssigneeId, PermissionSetId, PermissionSetGroupId, IsActive, ExpirationDate, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = '${U_CI}'`,
      );
      const { attributes, ...row } = res.records[0];
      expect(attributes).to.deep.equal({
        type: 'PermissionSetAssignment',
        url: `/services/data/v66.0/sobjects/PermissionSetAssignment/${PSA_CI}`,
      });
      expect(row).to.deep.equal({
        Id: PSA_CI,
        AssigneeId: U_CI,
        PermissionSetId: PS_JWT,
        PermissionSetGroupId: null,
        IsActive: true,
        ExpirationDate: null,
        PermissionSet: {
          attributes: { type: 'PermissionSet', url: `/services/data/v66.0/sobjects/PermissionSet/${PS_JWT}` },
          Name: 'JWT_Access',
        },
      });
    });

    it('gives scenario rows without an id a generated 18-character id with the key prefix', async () => {
      const res = await soql(store, `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${U_ADMIN}'`);
      expect(String(res.records[0].Id)).to.match(/^0Pa[A-Za-z0-9]{15}$/);
    });

    it('SetupEntityAccess with SetupEntityType derived from the app and Parent fields', async () => {
      const res = await soql(
        store,
        'SELECT Id, ParentId, SetupEntityId, SetupEntityType, Parent.Name, Parent.IsOwnedByProfile, Parent.ProfileId FROM SetupEntityAccess ORDER BY SetupEntityType',
      );
      expect(
        res.records.map((r) => [r.SetupEntityId, r.SetupEntityType, (r.Parent as Record<string, unknown>).Name]),
      ).to.deep.equal([
        [APP_CA, 'ConnectedApplication', 'JWT_Access'],
        [APP_ECA, 'ExternalClientApplication', 'X00e5g000000ADMIN'],
      ]);
      expect(res.records[1].Parent).to.deep.include({ IsOwnedByProfile: true, ProfileId: P_ADMIN });
    });

    it('ConnectedApplication lists only installed connected apps, with the admin-approved option', async () => {
      const res = await soql(
        store,
        'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication ORDER BY Name',
      );
      expect(res.records.map(bare)).to.deep.equal([
        { Id: APP_CA, Name: 'CI_App', OptionsAllowAdminApprovedUsersOnly: true },
        { Id: APP_SELF, Name: 'Self_App', OptionsAllowAdminApprovedUsersOnly: false },
      ]);
    });

    it('ExternalClientApplication and its OAuth policy (installed apps only)', async () => {
      const eca = await soql(store, 'SELECT Id, MasterLabel, DeveloperName FROM ExternalClientApplication');
      expect(eca.records.map(bare)).to.deep.equal([
        { Id: APP_ECA, MasterLabel: 'Deploy ECA', DeveloperName: 'Deploy_ECA' },
      ]);
      const policy = await soql(
        store,
        `SELECT ExternalClientApplicationId, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = '${APP_ECA}'`,
      );
      expect(policy.records[0]).to.deep.include({
        ExternalClientApplicationId: APP_ECA,
        PermittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      });
    });

    it('OauthToken: app label, AppMenuItem.ApplicationId, dates in Salesforce form, Id always null', async () => {
      const res = await soql(
        store,
        `SELECT Id, AppName, AppMenuItemId, AppMenuItem.ApplicationId, UserId, CreatedDate, LastUsedDate, UseCount FROM OauthToken WHERE UserId = '${U_CI}'`,
      );
      expect(res.records).to.have.length(1);
      const row = res.records[0];
      expect(row.attributes).to.deep.equal({ type: 'OauthToken' });
      expect(row).to.deep.include({
        Id: null,
        AppName: 'Self <&> App',
        UserId: U_CI,
        CreatedDate: '2026-01-15T09:30:00.000+0000',
        LastUsedDate: '2026-03-01T08:00:00.000+0000',
        UseCount: 7,
      });
      expect(String(row.AppMenuItemId)).to.match(/^02u/);
      expect((row.AppMenuItem as Record<string, unknown>).ApplicationId).to.equal(APP_SELF);
    });

    it('never offers token values on OauthToken', async () => {
      for (const field of ['AccessToken', 'RequestToken', 'DeleteToken']) {
        // eslint-disable-next-line no-await-in-loop
        const { status, error } = await soqlError(store, `SELECT ${field} FROM OauthToken`);
        expect(status).to.equal(400);
        expect(error.errorCode).to.equal('INVALID_FIELD');
      }
    });

    it('Organization answers the query core sends after login', async () => {
      const res = await soql(
        store,
        'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization',
      );
      expect(res.records[0]).to.deep.equal({
        attributes: { type: 'Organization', url: `/services/data/v66.0/sobjects/Organization/${ORG}` },
        Name: 'Acme',
        InstanceName: 'EMU7',
        IsSandbox: true,
        TrialExpirationDate: null,
        NamespacePrefix: null,
        OrganizationType: 'Enterprise Edition',
      });
    });

    it('ScratchOrgInfo is INVALID_TYPE (not a Dev Hub), with Salesforce’s message', async () => {
      const res = await call(store, 'GET', '/services/data/v51.0/query', {
        query: { q: 'SELECT Id FROM ScratchOrgInfo limit 1' },
      });
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal([
        {
          message:
            "\nSELECT Id FROM ScratchOrgInfo limit 1\n               ^\nERROR at Row:1:Column:16\nsObject type 'ScratchOrgInfo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
          errorCode: 'INVALID_TYPE',
        },
      ]);
    });

    it('INVALID_FIELD and MALFORMED_QUERY come back as 400 error arrays', async () => {
      expect((await soqlError(store, 'SELECT Nope FROM User')).error.errorCode).to.equal('INVALID_FIELD');
      expect((await soqlError(store, 'SELECT Id FROM User WHERE')).error.errorCode).to.equal('MALFORMED_QUERY');
      const missing = await call(store, 'GET', '/services/data/v66.0/query');
      expect(missing.status).to.equal(400);
    });

    it('serves queryAll and the Tooling API query with tooling record urls', async () => {
      const all = await call(store, 'GET', '/services/data/v66.0/queryAll', { query: { q: 'SELECT Id FROM Profile' } });
      expect((all.body as QueryBody).totalSize).to.equal(2);
      const tooling = await call(store, 'GET', '/services/data/v66.0/tooling/query/', {
        query: { q: `SELECT Id FROM User WHERE Id = '${U_CI}'` },
      });
      expect((tooling.body as QueryBody).records[0].attributes).to.deep.equal({
        type: 'User',
        url: `/services/data/v66.0/tooling/sobjects/User/${U_CI}`,
      });
    });

    it('answers columns=true with columnMetadata for sf data query', async () => {
      const res = await call(store, 'GET', '/services/data/v66.0/query', {
        query: { q: 'SELECT Id, Username, Profile.Name FROM User', columns: 'true' },
      });
      expect(res.status).to.equal(200);
      const body = res.body as {
        columnMetadata: Array<{ columnName: string; joinColumns: Array<{ columnName: string }> }>;
      };
      expect(body).to.deep.include({ entityName: 'User', groupBy: false, idSelected: true, keyPrefix: '005' });
      expect(body.columnMetadata.map((c) => c.columnName)).to.deep.equal(['Id', 'Username', 'Profile']);
      expect(body.columnMetadata[2].joinColumns.map((c) => c.columnName)).to.deep.equal(['Name']);
    });
  });

  describe('access rules for a user without setup rights', () => {
    it('shows such a user only their own OauthToken rows; an admin sees all', async () => {
      const own = await soql(store, 'SELECT UserId FROM OauthToken', U_AUDITOR);
      expect(own.records.map((r) => r.UserId)).to.deep.equal([U_AUDITOR]);
      const all = await soql(store, 'SELECT UserId FROM OauthToken');
      expect(all.records.map((r) => r.UserId)).to.deep.equal([U_CI, U_AUDITOR]);
    });

    it('refuses SetupEntityAccess and PermissionSetAssignment queries with INSUFFICIENT_ACCESS', async () => {
      for (const q of [
        'SELECT Id FROM SetupEntityAccess',
        `SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${U_CI}'`,
        `SELECT Id FROM PermissionSet WHERE Id IN (SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '${U_CI}')`,
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const { status, error } = await soqlError(store, q, U_AUDITOR);
        expect(status).to.equal(403);
        expect(error.errorCode).to.equal('INSUFFICIENT_ACCESS');
      }
      // other objects stay readable
      expect((await soql(store, 'SELECT Id FROM User', U_AUDITOR)).totalSize).to.equal(4);
    });

    it('refuses creates and deletes with INSUFFICIENT_ACCESS and changes nothing', async () => {
      const res = await create(store, 'PermissionSet', { Name: 'Nope', Label: 'Nope' }, U_AUDITOR);
      expect(res.status).to.equal(403);
      expect((res.body as ErrorBody)[0].errorCode).to.equal('INSUFFICIENT_ACCESS');
      const del = await call(store, 'DELETE', `/services/data/v66.0/sobjects/SetupEntityAccess/${SEA_JWT}`, {
        userId: U_AUDITOR,
      });
      expect(del.status).to.equal(403);
      expect(store.changes).to.deep.equal([]);
      expect(store.data.setupEntityAccess).to.have.length(2);
    });
  });

  describe('sObject REST', () => {
    it('creates a permission set: 201, Location, the id, a change record, and it is queryable', async () => {
      const res = await create(store, 'PermissionSet', { Name: 'CI_JWT_Access', Label: 'CI JWT Access' });
      expect(res.status).to.equal(201);
      const body = res.body as { id: string; success: boolean; errors: unknown[] };
      expect(body.success).to.equal(true);
      expect(body.errors).to.deep.equal([]);
      expect(body.id).to.match(/^0PS[A-Za-z0-9]{15}$/);
      expect(res.headers?.Location).to.equal(`/services/data/v66.0/sobjects/PermissionSet/${body.id}`);
      expect(store.changes).to.deep.equal([
        {
          op: 'create',
          sobject: 'PermissionSet',
          id: body.id,
          fields: {
            Id: body.id,
            Name: 'CI_JWT_Access',
            Label: 'CI JWT Access',
            Description: null,
            IsOwnedByProfile: false,
            ProfileId: null,
            IsCustom: true,
            Type: 'Regular',
            NamespacePrefix: null,
          },
        },
      ]);
      const q = await soql(store, "SELECT Id FROM PermissionSet WHERE Name = 'ci_jwt_access'");
      expect(q.records.map((r) => r.Id)).to.deep.equal([body.id]);
    });

    it('refuses a bad permission set: invalid API name, duplicate name, missing label, unknown or read-only field', async () => {
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [
          { Name: 'Has Space', Label: 'x' },
          'FIELD_INTEGRITY_EXCEPTION',
          'can only contain underscores and alphanumeric',
        ],
        [{ Name: 'Double__Under', Label: 'x' }, 'FIELD_INTEGRITY_EXCEPTION', 'two consecutive underscores'],
        [{ Name: '1st', Label: 'x' }, 'FIELD_INTEGRITY_EXCEPTION', 'begin with a letter'],
        [
          { Name: 'jwt_access', Label: 'x' },
          'DUPLICATE_VALUE',
          `duplicate value found: Name duplicates value on record with id: ${PS_JWT}`,
        ],
        [{ Name: 'No_Label' }, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Label]'],
        [
          { Name: 'X', Label: 'x', Color: 'red' },
          'INVALID_FIELD',
          "No such column 'Color' on sobject of type PermissionSet",
        ],
        [
          { Name: 'X', Label: 'x', IsOwnedByProfile: true },
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          'Unable to create/update fields: IsOwnedByProfile',
        ],
      ];
      for (const [body, code, text] of cases) {
        // eslint-disable-next-line no-await-in-loop
        const res = await create(store, 'PermissionSet', body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        const err = (res.body as ErrorBody)[0];
        expect(err.errorCode, JSON.stringify(body)).to.equal(code);
        expect(err.message).to.include(text);
      }
      expect(store.changes).to.deep.equal([]);
    });

    it('grants an app: SetupEntityType derived, 15-character ids stored in their canonical form', async () => {
      const res = await create(store, 'SetupEntityAccess', {
        ParentId: PS_JWT.slice(0, 15),
        SetupEntityId: APP_ECA.slice(0, 15),
      });
      expect(res.status).to.equal(201);
      const id = (res.body as { id: string }).id;
      expect(id.startsWith('0J0')).to.equal(true);
      expect(store.data.setupEntityAccess.at(-1)).to.deep.equal({
        id,
        parentId: PS_JWT,
        setupEntityId: APP_ECA,
        setupEntityType: 'ExternalClientApplication',
      });
      expect(store.changes[0]).to.deep.include({ op: 'create', sobject: 'SetupEntityAccess', id });
    });

    it('refuses a duplicate grant with the id of the existing row', async () => {
      const res = await create(store, 'SetupEntityAccess', { ParentId: PS_JWT, SetupEntityId: APP_CA });
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal([
        {
          message: `duplicate value found: <unknown> duplicates value on record with id: ${SEA_JWT}`,
          errorCode: 'DUPLICATE_VALUE',
          fields: [],
        },
      ]);
    });

    it('refuses grants to the wrong kind of record, unknown ids and malformed ids', async () => {
      const wrongKind = await create(store, 'SetupEntityAccess', { ParentId: U_CI, SetupEntityId: APP_CA });
      expect((wrongKind.body as ErrorBody)[0]).to.deep.include({
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        fields: ['ParentId'],
      });
      const unknown = await create(store, 'SetupEntityAccess', {
        ParentId: '0PS5g00000NOPE1AAA',
        SetupEntityId: APP_CA,
      });
      expect((unknown.body as ErrorBody)[0]).to.deep.include({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' });
      const notInstalled = await create(store, 'SetupEntityAccess', { ParentId: PS_JWT, SetupEntityId: APP_GONE });
      expect((notInstalled.body as ErrorBody)[0].errorCode).to.equal('INVALID_CROSS_REFERENCE_KEY');
      const malformed = await create(store, 'SetupEntityAccess', { ParentId: 'abc', SetupEntityId: APP_CA });
      expect((malformed.body as ErrorBody)[0]).to.deep.include({ errorCode: 'MALFORMED_ID', fields: ['ParentId'] });
      const missing = await create(store, 'SetupEntityAccess', { ParentId: PS_JWT });
      expect((missing.body as ErrorBody)[0]).to.deep.include({
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['SetupEntityId'],
      });
      expect(store.changes).to.deep.equal([]);
    });

    it('assigns a permission set, and refuses a duplicate assignment', async () => {
      const res = await create(store, 'PermissionSetAssignment', { AssigneeId: U_ADMIN, PermissionSetId: PS_JWT });
      expect(res.status).to.equal(201);
      const dup = await create(store, 'PermissionSetAssignment', { AssigneeId: U_CI, PermissionSetId: PS_JWT });
      expect(dup.status).to.equal(400);
      expect(dup.body).to.deep.equal([
        { message: 'Duplicate PermissionSetAssignment', errorCode: 'DUPLICATE_VALUE', fields: [] },
      ]);
      expect(store.changes.map((c) => [c.op, c.sobject])).to.deep.equal([['create', 'PermissionSetAssignment']]);
    });

    it('refuses creates on read-only objects', async () => {
      const res = await create(store, 'User', { Username: 'x@y.z' });
      expect(res.status).to.equal(400);
      expect((res.body as ErrorBody)[0].errorCode).to.equal('INVALID_TYPE_FOR_OPERATION');
      const bad = await call(store, 'POST', '/services/data/v66.0/sobjects/PermissionSet', { body: '{not json' });
      expect((bad.body as ErrorBody)[0].errorCode).to.equal('JSON_PARSER_ERROR');
    });

    it('reads a record by id, with all fields or the ones asked for', async () => {
      const res = await call(store, 'GET', `/services/data/v66.0/sobjects/PermissionSet/${PS_JWT.slice(0, 15)}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ Id: PS_JWT, Name: 'JWT_Access', IsOwnedByProfile: false });
      const some = await call(store, 'GET', `/services/data/v66.0/sobjects/User/${U_CI}`, {
        query: { fields: 'username,IsActive' },
      });
      expect(some.body).to.deep.equal({
        attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${U_CI}` },
        Username: 'ci@acme.com.uat',
        IsActive: true,
      });
      expect(
        (await call(store, 'GET', `/services/data/v66.0/sobjects/User/${U_ADMIN.replace('ADMIN', 'NOONE')}`)).status,
      ).to.equal(404);
      expect((await call(store, 'GET', `/services/data/v66.0/sobjects/Nope__c/${U_ADMIN}`)).status).to.equal(404);
    });

    it('describes an object minimally', async () => {
      const res = await call(store, 'GET', '/services/data/v66.0/sobjects/SetupEntityAccess/describe');
      expect(res.status).to.equal(200);
      const body = res.body as {
        name: string;
        keyPrefix: string;
        fields: Array<{ name: string; relationshipName: string | null }>;
      };
      expect(body.name).to.equal('SetupEntityAccess');
      expect(body.keyPrefix).to.equal('0J0');
      expect(body.fields.find((f) => f.name === 'ParentId')?.relationshipName).to.equal('Parent');
    });

    it('deletes: 204, a change record, then 404; deleting a permission set removes its grants and assignments', async () => {
      const del = await call(store, 'DELETE', `/services/data/v66.0/sobjects/SetupEntityAccess/${SEA_JWT}`);
      expect(del.status).to.equal(204);
      expect(store.changes).to.have.length(1);
      expect(store.changes[0]).to.deep.include({ op: 'delete', sobject: 'SetupEntityAccess', id: SEA_JWT });
      expect(
        (await call(store, 'DELETE', `/services/data/v66.0/sobjects/SetupEntityAccess/${SEA_JWT}`)).status,
      ).to.equal(404);

      const ps = await call(store, 'DELETE', `/services/data/v66.0/sobjects/PermissionSet/${PS_JWT}`);
      expect(ps.status).to.equal(204);
      expect(store.changes.slice(1).map((c) => [c.op, c.sobject, c.id])).to.deep.equal([
        ['delete', 'PermissionSetAssignment', PSA_CI],
        ['delete', 'PermissionSet', PS_JWT],
      ]);
      expect(store.data.permissionSetAssignments.some((a) => a.permissionSetId === PS_JWT)).to.equal(false);
      const owned = await call(store, 'DELETE', `/services/data/v66.0/sobjects/PermissionSet/${PS_ADMIN_PROFILE}`);
      expect(owned.status).to.equal(400);
    });
  });

  describe('composite', () => {
    type Composite = {
      compositeResponse: Array<{
        body: unknown;
        httpHeaders: Record<string, string>;
        httpStatusCode: number;
        referenceId: string;
      }>;
    };

    async function composite(body: unknown, userId?: string): Promise<Composite> {
      const res = await call(store, 'POST', '/services/data/v66.0/composite', { body, userId });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body as Composite;
    }

    it('runs queries and creates in order, resolving @{ref.records[0].Id} and @{ref.id} in url and body', async () => {
      const res = await composite({
        allOrNone: true,
        compositeRequest: [
          {
            method: 'GET',
            url: "/services/data/v66.0/query?q=SELECT+Id+FROM+User+WHERE+Username+=+'admin@acme.com.uat'",
            referenceId: 'user',
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSet',
            referenceId: 'ps',
            body: { Name: 'Pre_Auth', Label: 'Pre Auth' },
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/SetupEntityAccess',
            referenceId: 'grant',
            body: { ParentId: '@{ps.id}', SetupEntityId: APP_CA },
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSetAssignment',
            referenceId: 'assign',
            body: { AssigneeId: '@{user.records[0].Id}', PermissionSetId: '@{ps.id}' },
          },
          {
            method: 'GET',
            url: '/services/data/v66.0/sobjects/PermissionSet/@{ps.id}?fields=Name',
            referenceId: 'check',
          },
        ],
      });
      const [user, ps, grant, assign, check] = res.compositeResponse;
      expect(user).to.deep.include({ httpStatusCode: 200, referenceId: 'user', httpHeaders: {} });
      expect((user.body as QueryBody).records[0].Id).to.equal(U_ADMIN);
      const psId = (ps.body as { id: string }).id;
      expect(ps).to.deep.equal({
        body: { id: psId, success: true, errors: [] },
        httpHeaders: { Location: `/services/data/v66.0/sobjects/PermissionSet/${psId}` },
        httpStatusCode: 201,
        referenceId: 'ps',
      });
      expect(grant.httpStatusCode).to.equal(201);
      expect(assign.httpStatusCode).to.equal(201);
      expect(check.body).to.deep.include({ Name: 'Pre_Auth' });
      expect(store.changes.map((c) => c.sobject)).to.deep.equal([
        'PermissionSet',
        'SetupEntityAccess',
        'PermissionSetAssignment',
      ]);
      expect(store.data.permissionSetAssignments.at(-1)).to.deep.include({
        assigneeId: U_ADMIN,
        permissionSetId: psId,
      });
    });

    it('allOrNone false: an unresolved reference halts only the subrequests that depend on it', async () => {
      const res = await composite({
        allOrNone: false,
        compositeRequest: [
          {
            method: 'GET',
            url: "/services/data/v66.0/query?q=SELECT Id FROM PermissionSet WHERE Name = 'Missing'",
            referenceId: 'ps',
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/SetupEntityAccess',
            referenceId: 'grant',
            body: { ParentId: '@{ps.records[0].Id}', SetupEntityId: APP_CA },
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSet',
            referenceId: 'other',
            body: { Name: 'Other', Label: 'Other' },
          },
        ],
      });
      expect(res.compositeResponse[0].httpStatusCode).to.equal(200);
      expect(res.compositeResponse[1]).to.deep.equal({
        body: [
          {
            errorCode: 'PROCESSING_HALTED',
            message: 'Invalid reference specified. No value for ps.records[0].Id found in ps',
          },
        ],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId: 'grant',
      });
      expect(res.compositeResponse[2].httpStatusCode).to.equal(201);
      expect(store.changes.map((c) => c.sobject)).to.deep.equal(['PermissionSet']);
    });

    it('allOrNone true: a failure rolls everything back and the other subrequests say so', async () => {
      const before = structuredClone(store.data);
      const res = await composite({
        allOrNone: true,
        compositeRequest: [
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSet',
            referenceId: 'ps',
            body: { Name: 'Rolled_Back', Label: 'x' },
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSetAssignment',
            referenceId: 'dup',
            body: { AssigneeId: U_CI, PermissionSetId: PS_JWT },
          },
          {
            method: 'POST',
            url: '/services/data/v66.0/sobjects/PermissionSet',
            referenceId: 'later',
            body: { Name: 'Later', Label: 'x' },
          },
        ],
      });
      const rolledBack = [
        {
          errorCode: 'PROCESSING_HALTED',
          message: 'The transaction was rolled back since another operation in the same transaction failed.',
        },
      ];
      expect(res.compositeResponse).to.deep.equal([
        { body: rolledBack, httpHeaders: {}, httpStatusCode: 400, referenceId: 'ps' },
        {
          body: [{ message: 'Duplicate PermissionSetAssignment', errorCode: 'DUPLICATE_VALUE', fields: [] }],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId: 'dup',
        },
        { body: rolledBack, httpHeaders: {}, httpStatusCode: 400, referenceId: 'later' },
      ]);
      expect(store.changes).to.deep.equal([]);
      expect(store.data).to.deep.equal(before);
    });

    it('applies the user’s access rules to subrequests', async () => {
      const res = await composite(
        {
          compositeRequest: [
            { method: 'GET', url: '/services/data/v66.0/query?q=SELECT+Id+FROM+SetupEntityAccess', referenceId: 'sea' },
          ],
        },
        U_AUDITOR,
      );
      expect(res.compositeResponse[0].httpStatusCode).to.equal(403);
      expect((res.compositeResponse[0].body as ErrorBody)[0].errorCode).to.equal('INSUFFICIENT_ACCESS');
    });

    it('refuses a request without subrequests or with a subrequest missing its referenceId', async () => {
      const none = await call(store, 'POST', '/services/data/v66.0/composite', { body: { allOrNone: false } });
      expect(none.status).to.equal(400);
      const noRef = await call(store, 'POST', '/services/data/v66.0/composite', {
        body: { compositeRequest: [{ method: 'GET', url: '/services/data/v66.0/query?q=SELECT+Id+FROM+User' }] },
      });
      expect(noRef.status).to.equal(400);
      expect(noRef.body).to.deep.equal([
        { message: "'referenceId' is a required field.", errorCode: 'JSON_PARSER_ERROR' },
      ]);
    });
  });

  describe('through a real jsforce Connection', () => {
    let server: Server;
    let instanceUrl: string;
    let conn: Connection;
    const tokens: Record<string, string> = { 'emu-admin-token': U_ADMIN, 'emu-auditor-token': U_AUDITOR };

    function sessionOf(headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
      const auth = headers.authorization;
      const bearer = typeof auth === 'string' ? /^Bearer (\S+)$/.exec(auth)?.[1] : undefined;
      return bearer ?? /<sessionId>([^<]+)<\/sessionId>/.exec(body)?.[1];
    }

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const url = new URL(req.url ?? '/', instanceUrl);
          const userId = tokens[sessionOf(req.headers, body) ?? ''];
          void handleRest(store, {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body,
            userId,
            baseUrl: instanceUrl,
          }).then((out) => {
            const text =
              typeof out.body === 'string' ? out.body : out.body === undefined ? '' : JSON.stringify(out.body);
            res.writeHead(out.status, {
              'Content-Type': typeof out.body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8',
              ...out.headers,
            });
            res.end(text);
          });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      instanceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    beforeEach(() => {
      conn = new Connection({ instanceUrl, accessToken: 'emu-admin-token', version: '66.0' });
    });

    it('conn.query returns records with relationship fields', async () => {
      const res = await conn.query<{ Username: string; Profile: { Name: string } }>(
        `SELECT Username, Profile.Name FROM User WHERE Id = '${U_CI}'`,
      );
      expect(res.totalSize).to.equal(1);
      expect(res.records[0].Username).to.equal('ci@acme.com.uat');
      expect(res.records[0].Profile.Name).to.equal('Standard User');
    });

    it('conn.query rejects with the Salesforce errorCode', async () => {
      const err = await conn.query('SELECT Id FROM ScratchOrgInfo limit 1').then(
        () => undefined,
        (e: Error & { errorCode?: string }) => e,
      );
      expect(err?.errorCode).to.equal('INVALID_TYPE');
      expect(err?.message).to.include("sObject type 'ScratchOrgInfo' is not supported");
    });

    it('conn.metadata.read returns ConnectedApp records jsforce can use', async () => {
      const app = (await conn.metadata.read('ConnectedApp', 'CI_App')) as unknown as Record<string, unknown>;
      expect(app.fullName).to.equal('CI_App');
      expect(app.label).to.equal('CI App');
      const oauth = app.oauthConfig as Record<string, unknown>;
      expect(oauth.consumerKey).to.equal('3MVG9TEST.CI');
      expect(oauth.callbackUrl).to.equal('http://localhost:1717/OauthRedirect\nhttps://example.com/cb');
      expect(oauth.scopes).to.deep.equal(['Api', 'RefreshToken']);
      expect(oauth.isAdminApproved).to.equal(true);
      expect(String(oauth.certificate).trim()).to.equal(readKeyFile('server.crt').trim());
      expect(oauth).to.not.have.property('consumerSecret');
      expect(app.oauthPolicy).to.deep.equal({ ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'infinite' });
    });

    it('conn.metadata.read of several names keeps their order; an unknown name has no fullName', async () => {
      const apps = (await conn.metadata.read('ConnectedApp', [
        'Self_App',
        'No_Such_App',
        'Deploy_ECA',
      ])) as unknown as Array<Record<string, unknown>>;
      expect(apps).to.have.length(3);
      expect(apps[0].fullName).to.equal('Self_App');
      expect(apps[0].label).to.equal('Self <&> App');
      const oauth = apps[0].oauthConfig as Record<string, unknown>;
      expect(oauth.scopes).to.deep.equal(['Api', 'Web']);
      expect(oauth.isAdminApproved).to.equal(false);
      expect(oauth.certificate, 'no certificate element when the app has none').to.equal(undefined);
      expect(apps[1].fullName).to.equal(undefined);
      expect(apps[2].fullName, 'an external client app is not a ConnectedApp').to.equal(undefined);
    });

    it('conn.metadata.list lists installed connected apps only', async () => {
      const list = await conn.metadata.list([{ type: 'ConnectedApp' }]);
      const items = Array.isArray(list) ? list : [list];
      expect(items.map((i) => [i.fullName, i.id, i.type, i.fileName])).to.deep.equal([
        ['CI_App', APP_CA, 'ConnectedApp', 'connectedApps/CI_App.connectedApp'],
        ['Self_App', APP_SELF, 'ConnectedApp', 'connectedApps/Self_App.connectedApp'],
      ]);
      const none = await conn.metadata.list([{ type: 'ApexClass' }]);
      expect(none).to.deep.equal([]);
    });

    it('reads the external client app OAuth settings and policies', async () => {
      // jsforce's type list predates these metadata types; the call itself is generic.
      const read = conn.metadata.read.bind(conn.metadata) as (type: string, name: string) => Promise<unknown>;
      const settings = (await read('ExtlClntAppGlobalOauthSettings', 'Deploy_ECA_glbloauth')) as Record<
        string,
        unknown
      >;
      expect(settings).to.deep.include({ consumerKey: '3MVG9TEST.ECA', externalClientApplication: 'Deploy_ECA' });
      const policy = (await read('ExtlClntAppOauthConfigurablePolicies', 'Deploy_ECA_oauthPlcy')) as Record<
        string,
        unknown
      >;
      expect(policy.permittedUsersPolicyType).to.equal('AdminApprovedPreAuthorized');
    });

    it('refuses the Metadata API to a user without the permissions, as a SOAP fault', async () => {
      const auditor = new Connection({ instanceUrl, accessToken: 'emu-auditor-token', version: '66.0' });
      const err = await auditor.metadata.read('ConnectedApp', 'CI_App').then(
        () => undefined,
        (e: Error & { errorCode?: string }) => e,
      );
      expect(err?.errorCode).to.equal('sf:INSUFFICIENT_ACCESS');
      expect(err?.message).to.include('ModifyAllData');
    });

    it('conn.sobject(...).create creates, and reports duplicates with errorCode', async () => {
      const saved = await conn.sobject('PermissionSet').create({ Name: 'From_Jsforce', Label: 'From jsforce' });
      expect(saved.success).to.equal(true);
      expect(String(saved.id)).to.match(/^0PS/);
      expect(store.changes.at(-1)).to.deep.include({ op: 'create', sobject: 'PermissionSet', id: saved.id });
      const dup = await conn
        .sobject('PermissionSetAssignment')
        .create({ AssigneeId: U_CI, PermissionSetId: PS_JWT })
        .then(
          (r) => r,
          (e: Error & { errorCode?: string }) => e,
        );
      const code =
        dup instanceof Error
          ? dup.errorCode
          : (dup as { errors?: Array<{ statusCode?: string; errorCode?: string }> }).errors?.[0];
      expect(JSON.stringify(code)).to.include('DUPLICATE_VALUE');
    });

    it('conn.request posts a composite request', async () => {
      const res = await conn.request<{ compositeResponse: Array<{ httpStatusCode: number; body: QueryBody }> }>({
        method: 'POST',
        url: '/services/data/v66.0/composite',
        body: JSON.stringify({
          allOrNone: false,
          compositeRequest: [
            {
              method: 'GET',
              url: `/services/data/v66.0/query?q=${encodeURIComponent(`SELECT IsFrozen FROM UserLogin WHERE UserId = '${U_FROZEN}'`)}`,
              referenceId: 'login',
            },
            {
              method: 'GET',
              url: `/services/data/v66.0/query?q=${encodeURIComponent("SELECT Id FROM ConnectedApplication WHERE Name = 'CI_App'")}`,
              referenceId: 'app',
            },
          ],
        }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.compositeResponse.map((r) => r.httpStatusCode)).to.deep.equal([200, 200]);
      expect(res.compositeResponse[0].body.records[0].IsFrozen).to.equal(true);
      expect(res.compositeResponse[1].body.records[0].Id).to.equal(APP_CA);
    });
  });
});
