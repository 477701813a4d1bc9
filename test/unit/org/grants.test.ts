import { expect } from 'chai';
import type { SfError } from '@salesforce/core';
import {
  applyGrant,
  isValidApiName,
  planGrant,
  selfAuthorizeExplanation,
  type GrantPlan,
} from '../../../src/org/grants.js';
import type { OrgEvidence } from '../../../src/org/types.js';
import { collectEvidence } from '../../../src/org/evidence.js';
import { classifyServerError } from '../../../src/diagnose/classify.js';
import { apiError, fakeConnection, type Answer } from '../../helpers/fakeConnection.js';
import { emulatedOrg, type EmulatedOrg } from '../../helpers/emulatedOrg.js';

type Rec = Record<string, unknown>;
const APP: NonNullable<OrgEvidence['app']> = {
  id: '0H4B',
  name: 'Admin_App',
  label: 'Admin App',
  kind: 'ConnectedApplication',
  adminApprovedOnly: true,
};

type OrgState = { ps: Rec[]; sea: Rec[]; psa: Rec[] };
type FakeOrg = { state: OrgState; queries: Array<[RegExp, Answer]>; store: (sobject: string, fields: Rec) => Rec };

/** A tiny stateful org: permission sets, grants and assignments that creates add to. */
function fakeOrg(initial: Partial<OrgState> = {}): FakeOrg {
  const state = { ps: [...(initial.ps ?? [])], sea: [...(initial.sea ?? [])], psa: [...(initial.psa ?? [])] };
  const queries: Array<[RegExp, Answer]> = [
    [/FROM User WHERE Username = 'ci@acme.com'/, [{ Id: '005A' }]],
    [/FROM User WHERE/, []],
    [
      /FROM PermissionSet WHERE Name = '([^']*)'/,
      (soql: string): Rec[] => state.ps.filter((p) => soql.includes(`Name = '${String(p.Name)}'`)),
    ],
    [
      /FROM SetupEntityAccess/,
      (soql: string): Rec[] =>
        state.sea.filter(
          (s) =>
            soql.includes(`ParentId = '${String(s.ParentId)}'`) &&
            soql.includes(`SetupEntityId = '${String(s.SetupEntityId)}'`),
        ),
    ],
    [
      /FROM PermissionSetAssignment/,
      (soql: string): Rec[] =>
        state.psa.filter(
          (a) =>
            soql.includes(`AssigneeId = '${String(a.AssigneeId)}'`) &&
            soql.includes(`PermissionSetId = '${String(a.PermissionSetId)}'`),
        ),
    ],
  ];
  let n = 0;
  const store = (sobject: string, fields: Rec): Rec => {
    const id = `${sobject}-${++n}`;
    const rec = { Id: id, ...fields };
    if (sobject === 'PermissionSet') state.ps.push(rec);
    if (sobject === 'SetupEntityAccess') state.sea.push(rec);
    if (sobject === 'PermissionSetAssignment') state.psa.push(rec);
    return { id, success: true, errors: [] };
  };
  return { state, queries, store };
}

const opts = { username: 'ci@acme.com', app: APP, permissionSet: 'JWT_Access' };

describe('planGrant / applyGrant', () => {
  it('plans three creates on an empty org, applies them in order, and a second run changes nothing', async () => {
    const o = fakeOrg();
    const fake = fakeConnection({ queries: o.queries, create: o.store });
    const plan = await planGrant(fake.conn, opts);
    expect(plan.changes).to.equal(3);
    expect(plan.steps.map((s) => [s.sobject, s.action])).to.deep.equal([
      ['PermissionSet', 'create'],
      ['SetupEntityAccess', 'create'],
      ['PermissionSetAssignment', 'create'],
    ]);
    expect(plan.steps[0].fields).to.deep.equal({ Name: 'JWT_Access', Label: 'JWT_Access' });
    expect(fake.calls.filter((c) => c.kind === 'create')).to.have.length(0); // planning never writes

    const applied = await applyGrant(fake.conn, plan);
    expect(applied.changes).to.equal(3);
    expect(applied.steps.map((s) => s.action)).to.deep.equal(['created', 'created', 'created']);
    const psId = applied.steps[0].id;
    expect(applied.steps[1].fields).to.deep.equal({ ParentId: psId, SetupEntityId: '0H4B' });
    expect(applied.steps[2].fields).to.deep.equal({ AssigneeId: '005A', PermissionSetId: psId });
    expect(o.state.sea).to.have.length(1);
    expect(o.state.psa).to.have.length(1);

    const again = await planGrant(fake.conn, opts);
    expect(again.changes).to.equal(0);
    expect(again.steps.every((s) => s.action === 'exists' && s.id)).to.equal(true);
    const creates = fake.calls.filter((c) => c.kind === 'create').length;
    const reapplied = await applyGrant(fake.conn, again);
    expect(reapplied.changes).to.equal(0);
    expect(fake.calls.filter((c) => c.kind === 'create').length).to.equal(creates);
  });

  it('plans only the assignment when the permission set already grants the app', async () => {
    const o = fakeOrg({
      ps: [{ Id: '0PSX', Name: 'JWT_Access' }],
      sea: [{ Id: '0J0X', ParentId: '0PSX', SetupEntityId: '0H4B' }],
    });
    const fake = fakeConnection({ queries: o.queries, create: o.store });
    const plan = await planGrant(fake.conn, opts);
    expect(plan.steps.map((s) => s.action)).to.deep.equal(['exists', 'exists', 'create']);
    expect(plan.steps[2].fields).to.deep.equal({ AssigneeId: '005A', PermissionSetId: '0PSX' });
    expect(fake.rounds()).to.equal(2);
  });

  it('completes a run that stopped half-way (permission set created, nothing else)', async () => {
    const o = fakeOrg({ ps: [{ Id: '0PSX', Name: 'JWT_Access' }] });
    const fake = fakeConnection({ queries: o.queries, create: o.store });
    const applied = await applyGrant(fake.conn, await planGrant(fake.conn, opts));
    expect(applied.steps.map((s) => s.action)).to.deep.equal(['exists', 'created', 'created']);
    expect(applied.changes).to.equal(2);
    expect(o.state.ps).to.have.length(1);
  });

  it('treats DUPLICATE_VALUE from a concurrent run as exists (reads it back)', async () => {
    const o = fakeOrg();
    const fake = fakeConnection({
      queries: o.queries,
      create: (sobject, fields) => {
        if (sobject === 'SetupEntityAccess') {
          o.store(sobject, fields); // the other run won the race
          return apiError(
            'DUPLICATE_VALUE',
            'duplicate value found: <unknown> duplicates value on record with id: 0J0...',
          );
        }
        return o.store(sobject, fields);
      },
    });
    const applied = await applyGrant(fake.conn, await planGrant(fake.conn, opts));
    expect(applied.steps.map((s) => s.action)).to.deep.equal(['created', 'exists', 'created']);
    expect(applied.steps[1].id).to.equal(o.state.sea[0].Id);
    expect(applied.changes).to.equal(2);
  });

  it('maps a failed save result (not thrown) the same way', async () => {
    const o = fakeOrg({
      ps: [{ Id: '0PSX', Name: 'JWT_Access' }],
      sea: [{ Id: '0J0X', ParentId: '0PSX', SetupEntityId: '0H4B' }],
    });
    const fake = fakeConnection({
      queries: o.queries,
      create: () => ({
        success: false,
        errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights' }],
      }),
    });
    try {
      await applyGrant(fake.conn, await planGrant(fake.conn, opts));
      expect.fail('should have thrown');
    } catch (e) {
      const err = e as SfError;
      expect(err.name).to.equal('InsufficientAccessToAssignError');
      expect(err.message).to.include('Assign Permission Sets');
    }
  });

  it('names the permission needed to write when a create is refused, and keeps what was done', async () => {
    const o = fakeOrg();
    const fake = fakeConnection({
      queries: o.queries,
      create: () => apiError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on cross-reference id'),
    });
    try {
      await applyGrant(fake.conn, await planGrant(fake.conn, opts));
      expect.fail('should have thrown');
    } catch (e) {
      const err = e as SfError & { data?: { plan?: GrantPlan } };
      expect(err.name).to.equal('InsufficientAccessToWriteError');
      expect(err.message).to.include('Manage Profiles and Permission Sets');
      expect(err.actions?.join('\n')).to.include('run the same command again');
      expect(err.data?.plan?.changes).to.equal(0);
    }
  });

  it('names View Setup and Configuration when reading is refused', async () => {
    const fake = fakeConnection({
      queries: [[/./, apiError('INSUFFICIENT_ACCESS', 'insufficient access rights on object id')]],
    });
    try {
      await planGrant(fake.conn, opts);
      expect.fail('should have thrown');
    } catch (e) {
      const err = e as SfError;
      expect(err.name).to.equal('InsufficientAccessToReadError');
      expect(err.message).to.include('View Setup and Configuration');
      expect(err.actions?.join('\n')).to.include('Customize Application');
    }
  });

  it('refuses a self-authorize app with a plan that says so, and explains the two ways forward', async () => {
    const fake = fakeConnection({ queries: [] });
    const plan = await planGrant(fake.conn, { ...opts, app: { ...APP, adminApprovedOnly: false } });
    expect(plan).to.deep.include({ selfAuthorize: true, changes: 0, steps: [] });
    expect(fake.calls).to.have.length(0);
    const why = selfAuthorizeExplanation(plan);
    expect(why.message).to.include('self-authorize');
    expect(why.actions).to.have.length(2);
    expect(why.actions[0]).to.include('Setup → App Manager → Admin App → Manage → Edit Policies → Permitted Users');
    expect(why.actions[1]).to.include('sf jwt approve --username ci@acme.com');
  });

  it('rejects a missing user, an app without id and an invalid permission set name', async () => {
    const o = fakeOrg();
    const fake = fakeConnection({ queries: o.queries });
    const errors: Array<{ name: string; exitCode: number; actions: number }> = [];
    for (const o2 of [
      { ...opts, username: 'nobody@acme.com' },
      { ...opts, app: { ...APP, id: undefined } },
      { ...opts, permissionSet: 'JWT Access' },
    ]) {
      try {
        await planGrant(fake.conn, o2);
        expect.fail('should have thrown');
      } catch (e) {
        const err = e as SfError;
        errors.push({ name: err.name, exitCode: err.exitCode, actions: err.actions?.length ?? 0 });
      }
    }
    expect(errors).to.deep.equal([
      { name: 'UserNotFoundError', exitCode: 1, actions: 2 },
      { name: 'AppWithoutIdError', exitCode: 1, actions: 1 },
      { name: 'InvalidPermissionSetError', exitCode: 2, actions: 1 },
    ]);
  });

  it('reports a read that fails for another reason than access, with what to do next', async () => {
    const fake = fakeConnection({ queries: [[/./, apiError('MALFORMED_QUERY', 'unexpected token')]] });
    try {
      await planGrant(fake.conn, opts);
      expect.fail('should have thrown');
    } catch (e) {
      const err = e as SfError;
      expect(err.name).to.equal('GrantQueryFailedError');
      expect(err.message).to.include('unexpected token');
      expect(err.actions?.join('\n')).to.include('sf org display --target-org');
    }
  });

  it('escapes the permission set name and never picks a profile-owned permission set', async () => {
    const o = fakeOrg();
    const fake = fakeConnection({ queries: o.queries });
    await planGrant(fake.conn, { ...opts, username: "o'neil@acme.com" }).catch(() => undefined);
    expect(fake.calls[0].detail).to.include("Username = 'o\\'neil@acme.com'");
    expect(fake.calls[1].detail).to.include('IsOwnedByProfile = false');
  });

  it('validates API names', () => {
    expect(isValidApiName('JWT_Access')).to.equal(true);
    expect(isValidApiName('1abc')).to.equal(false);
    expect(isValidApiName('a__b')).to.equal(false);
    expect(isValidApiName('a_')).to.equal(false);
  });
});

describe('grants against the emulator', function () {
  this.timeout(60_000);
  const ADMIN_APP: NonNullable<OrgEvidence['app']> = {
    id: '0H45g000000ADAPCA4',
    name: 'Admin_App',
    label: 'Admin App',
    kind: 'ConnectedApplication',
    adminApprovedOnly: true,
  };
  const CI = '0055g000000CI01AAG';
  const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
  let org: EmulatedOrg | undefined;
  afterEach(async () => {
    await org?.close();
    org = undefined;
  });

  it('assigns the existing granting permission set, once; the evidence then shows the grant', async () => {
    org = await emulatedOrg('admin-approved-no-grant');
    const plan = await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'JWT_Access' });
    expect(plan.steps.map((s) => s.action)).to.deep.equal(['exists', 'exists', 'create']);
    const applied = await applyGrant(org.conn, plan);
    expect(applied.changes).to.equal(1);
    expect(
      org.emu.store.changes.map((c) => [c.op, c.sobject, c.fields.AssigneeId, c.fields.PermissionSetId]),
    ).to.deep.equal([['create', 'PermissionSetAssignment', CI, '0PS5g000000JWT1GAO']]);
    const again = await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'JWT_Access' });
    expect(again.changes).to.equal(0);
    await applyGrant(org.conn, again);
    expect(org.emu.store.changes).to.have.length(1);
    const ev = await collectEvidence(org.conn, { username: 'ci@acme.com', appName: 'Admin_App' });
    expect(classifyServerError(NOT_APPROVED, ev)).to.equal('APPROVAL_NOT_PROPAGATED');
  });

  it('creates a new permission set, its grant and the assignment, in that order', async () => {
    org = await emulatedOrg('admin-approved-no-grant');
    const applied = await applyGrant(
      org.conn,
      await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'CI_JWT_Users' }),
    );
    expect(applied.steps.map((s) => s.action)).to.deep.equal(['created', 'created', 'created']);
    const psId = applied.steps[0].id;
    expect(org.emu.store.changes.map((c) => [c.op, c.sobject, c.id])).to.deep.equal([
      ['create', 'PermissionSet', psId],
      ['create', 'SetupEntityAccess', applied.steps[1].id],
      ['create', 'PermissionSetAssignment', applied.steps[2].id],
    ]);
    expect(org.emu.store.changes[0].fields).to.deep.include({ Name: 'CI_JWT_Users', Label: 'CI_JWT_Users' });
    expect(org.emu.store.changes[1].fields).to.deep.include({ ParentId: psId, SetupEntityId: ADMIN_APP.id });
    expect(org.emu.store.changes[2].fields).to.deep.include({ AssigneeId: CI, PermissionSetId: psId });
  });

  it('two runs planned at the same time end with one set of records (DUPLICATE_VALUE read back as exists)', async () => {
    org = await emulatedOrg('admin-approved-no-grant');
    const opts2 = { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'CI_JWT_Users' };
    const [a, b] = await Promise.all([planGrant(org.conn, opts2), planGrant(org.conn, opts2)]);
    const first = await applyGrant(org.conn, a);
    const second = await applyGrant(org.conn, b);
    expect(first.changes).to.equal(3);
    expect(second.changes).to.equal(0);
    expect(second.steps.map((s) => s.action)).to.deep.equal(['exists', 'exists', 'exists']);
    expect(second.steps.map((s) => s.id)).to.deep.equal(first.steps.map((s) => s.id));
    expect(org.emu.store.changes.filter((c) => c.op === 'create')).to.have.length(3);
  });

  it('completes a run that stopped after creating the permission set', async () => {
    org = await emulatedOrg('admin-approved-no-grant');
    const created = (await org.conn
      .sobject('PermissionSet')
      .create({ Name: 'CI_JWT_Users', Label: 'CI_JWT_Users' })) as { id: string };
    org.emu.store.changes.length = 0;
    const applied = await applyGrant(
      org.conn,
      await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'CI_JWT_Users' }),
    );
    expect(applied.steps.map((s) => s.action)).to.deep.equal(['exists', 'created', 'created']);
    expect(org.emu.store.changes.map((c) => [c.sobject, c.fields.ParentId ?? c.fields.PermissionSetId])).to.deep.equal([
      ['SetupEntityAccess', created.id],
      ['PermissionSetAssignment', created.id],
    ]);
  });

  it('names the missing permission for an admin without rights, and changes nothing', async () => {
    org = await emulatedOrg('restricted-admin');
    try {
      await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'JWT_Access' });
      expect.fail('should have thrown');
    } catch (e) {
      expect((e as SfError).name).to.equal('InsufficientAccessToReadError');
      expect((e as SfError).message).to.include('View Setup and Configuration');
    }
    try {
      await applyGrant(
        org.conn,
        await planGrant(org.conn, { username: 'ci@acme.com', app: ADMIN_APP, permissionSet: 'Brand_New' }),
      );
      expect.fail('should have thrown');
    } catch (e) {
      expect((e as SfError).name).to.equal('InsufficientAccessToWriteError');
      expect((e as SfError).message).to.include('Manage Profiles and Permission Sets');
    }
    expect(org.emu.store.changes).to.deep.equal([]);
  });
});
