/*
 * Admin pre-authorization for `sf jwt approve --admin-org`: make sure a permission set (by Name) exists,
 * grants the app (SetupEntityAccess) and is assigned to the user (PermissionSetAssignment).
 *
 * planGrant only reads (2 rounds: User + PermissionSet; then SetupEntityAccess + PermissionSetAssignment
 * when the permission set exists). applyGrant creates what the plan lacks, one record at a time in
 * dependency order. Idempotent: a second run plans nothing; a DUPLICATE_VALUE answer (a concurrent run
 * created the record first) is read back and reported as "exists"; a run that stopped half-way is
 * completed by the next plan.
 */
import { Messages, type Connection, type SfError } from '@salesforce/core';
import { bullets } from '../utils/bullets.js';
import { inOrder } from '../utils/sequence.js';
import { approveCommand, type SuggestedLogin } from './suggest.js';
import type { OrgEvidence } from './types.js';
import { describeError, errorCodeOf } from './query.js';
import { soqlString } from './soql.js';
import { batchedQuery } from './queryBatch.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.grants');

export type GrantSObject = 'PermissionSet' | 'SetupEntityAccess' | 'PermissionSetAssignment';

export type GrantStep = {
  /** Planned: 'create' or 'exists'. Applied: 'created' or 'exists'. */
  action: 'create' | 'created' | 'exists';
  sobject: GrantSObject;
  description: string;
  id?: string;
  /** The fields sent (or to be sent) on create. A parent id not known yet reads "(new PermissionSet)". */
  fields?: Record<string, string>;
};

export type GrantPlan = {
  steps: GrantStep[];
  /** Records the plan creates (planned) or created (applied). */
  changes: number;
  /** The app lets users self-authorize: no steps; a grant cannot help (see selfAuthorizeExplanation). */
  selfAuthorize?: boolean;
  username: string;
  userId?: string;
  permissionSet: string;
  app: { id?: string; name: string; label?: string; kind: NonNullable<OrgEvidence['app']>['kind'] };
};

export type PlanOptions = { username: string; app: NonNullable<OrgEvidence['app']>; permissionSet: string };

const NEW_PERMISSION_SET = '(new PermissionSet)';

/** Permission set API names: a letter first, then letters, digits and single underscores, at most 80. */
export function isValidApiName(name: string): boolean {
  return /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/.test(name) && !name.endsWith('_') && name.length <= 80;
}

// ---------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------

function isInsufficientAccess(err: unknown): boolean {
  if (/INSUFFICIENT_ACCESS|INSUFFICIENT_PRIVILEGES/i.test(errorCodeOf(err) ?? '')) return true;
  return /insufficient access|insufficient privileges/i.test(err instanceof Error ? err.message : '');
}

const asCause = (err: unknown): Error | undefined => (err instanceof Error ? err : undefined);

function readError(what: string, err: unknown): SfError {
  const key = isInsufficientAccess(err) ? 'error.InsufficientAccessToRead' : 'error.GrantQueryFailed';
  return messages.createError(key, [what, describeError(err)], [], asCause(err));
}

/** A failed create; `data.plan` shows what was done before it. */
function writeError(step: GrantStep, err: unknown, plan: GrantPlan): SfError {
  const error = !isInsufficientAccess(err)
    ? messages.createError('error.GrantFailed', [step.description, describeError(err)], [], asCause(err))
    : messages.createError(
        step.sobject === 'PermissionSetAssignment'
          ? 'error.InsufficientAccessToAssign'
          : 'error.InsufficientAccessToWrite',
        [step.sobject, describeError(err)],
        [],
        asCause(err),
      );
  return error.setData({ plan });
}

/** Refuses a permission set name Salesforce would not accept, as a usage error (exit code 2). */
export function checkPermissionSetName(name: string): void {
  if (!isValidApiName(name)) throw messages.createError('error.InvalidPermissionSet', [name], [], 2);
}

async function query<T extends Record<string, unknown>>(conn: Connection, what: string, soql: string): Promise<T[]> {
  try {
    return await batchedQuery<T>(conn, soql);
  } catch (err) {
    throw readError(what, err);
  }
}

// ---------------------------------------------------------------------------------------------
// reads
// ---------------------------------------------------------------------------------------------

const findPermissionSet = async (conn: Connection, name: string): Promise<string | undefined> =>
  (
    await query<{ Id: string; Name: string }>(
      conn,
      'PermissionSet',
      // profile-owned permission sets have generated names; never pick one of them
      `SELECT Id, Name FROM PermissionSet WHERE Name = ${soqlString(name)} AND IsOwnedByProfile = false`,
    )
  )[0]?.Id;

const findAccess = async (conn: Connection, permissionSetId: string, appId: string): Promise<string | undefined> =>
  (
    await query<{ Id: string }>(
      conn,
      'SetupEntityAccess',
      `SELECT Id FROM SetupEntityAccess WHERE ParentId = ${soqlString(permissionSetId)} AND SetupEntityId = ${soqlString(appId)}`,
    )
  )[0]?.Id;

const findAssignment = async (conn: Connection, permissionSetId: string, userId: string): Promise<string | undefined> =>
  (
    await query<{ Id: string }>(
      conn,
      'PermissionSetAssignment',
      `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)} AND PermissionSetId = ${soqlString(permissionSetId)}`,
    )
  )[0]?.Id;

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

const appLabel = (app: GrantPlan['app']): string => app.label ?? app.name;

function describeStep(
  sobject: GrantSObject,
  action: GrantStep['action'],
  plan: Pick<GrantPlan, 'permissionSet' | 'app' | 'username'>,
): string {
  const state = action === 'exists' ? 'exists' : action;
  switch (sobject) {
    case 'PermissionSet':
      return messages.getMessage(`step.PermissionSet.${state}`, [plan.permissionSet]);
    case 'SetupEntityAccess':
      return messages.getMessage(`step.SetupEntityAccess.${state}`, [appLabel(plan.app), plan.permissionSet]);
    default:
      return messages.getMessage(`step.PermissionSetAssignment.${state}`, [plan.permissionSet, plan.username]);
  }
}

/**
 * What it takes for `permissionSet` to grant the app to the user. Reads only. Throws InsufficientAccessToReadError
 * (the permission needed is named), GrantQueryFailedError, UserNotFoundError, AppWithoutIdError or
 * InvalidPermissionSetError (exit code 2).
 */
export async function planGrant(conn: Connection, opts: PlanOptions): Promise<GrantPlan> {
  const app: GrantPlan['app'] = { id: opts.app.id, name: opts.app.name, label: opts.app.label, kind: opts.app.kind };
  const base: GrantPlan = { steps: [], changes: 0, username: opts.username, permissionSet: opts.permissionSet, app };
  if (opts.app.adminApprovedOnly === false) return { ...base, selfAuthorize: true };
  if (!opts.app.id) throw messages.createError('error.AppWithoutId', [appLabel(app)]);
  checkPermissionSetName(opts.permissionSet);
  const appId = opts.app.id;

  // round 1: the user and the permission set
  const [users, permissionSetId] = await Promise.all([
    query<{ Id: string }>(conn, 'User', `SELECT Id FROM User WHERE Username = ${soqlString(opts.username)}`),
    findPermissionSet(conn, opts.permissionSet),
  ]);
  const userId = users[0]?.Id;
  if (!userId) throw messages.createError('error.UserNotFound', [opts.username]);

  // round 2: the grant and the assignment, when the permission set exists
  const [accessId, assignmentId] = permissionSetId
    ? await Promise.all([findAccess(conn, permissionSetId, appId), findAssignment(conn, permissionSetId, userId)])
    : [undefined, undefined];

  const plan: GrantPlan = { ...base, userId };
  const parent = permissionSetId ?? NEW_PERMISSION_SET;
  const step = (sobject: GrantSObject, id: string | undefined, fields: Record<string, string>): GrantStep =>
    id
      ? { action: 'exists', sobject, id, description: describeStep(sobject, 'exists', plan) }
      : { action: 'create', sobject, fields, description: describeStep(sobject, 'create', plan) };
  plan.steps = [
    step('PermissionSet', permissionSetId, { Name: opts.permissionSet, Label: opts.permissionSet }),
    step('SetupEntityAccess', accessId, { ParentId: parent, SetupEntityId: appId }),
    step('PermissionSetAssignment', assignmentId, { AssigneeId: userId, PermissionSetId: parent }),
  ];
  plan.changes = plan.steps.filter((s) => s.action === 'create').length;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------

type SaveResultLike = {
  id?: string;
  success?: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }>;
};

/** An Error carrying the errorCode of a failed save result that was returned instead of thrown. */
function saveError(res: SaveResultLike): Error {
  const first = res.errors?.[0];
  const err = new Error(first?.message ?? 'the record was not created') as Error & { errorCode?: string };
  err.errorCode = first?.statusCode ?? first?.errorCode ?? 'UNKNOWN';
  err.name = err.errorCode;
  return err;
}

async function create(conn: Connection, sobject: GrantSObject, fields: Record<string, string>): Promise<string> {
  const res = (await conn.sobject(sobject).create(fields)) as SaveResultLike;
  if (res.success === false || !res.id) throw saveError(res);
  return res.id;
}

const isDuplicate = (err: unknown): boolean =>
  /DUPLICATE_VALUE|DUPLICATE_DEVELOPER_NAME/i.test(errorCodeOf(err) ?? '') ||
  /duplicate/i.test(err instanceof Error ? err.message : '');

/**
 * Creates the plan's missing records in order (PermissionSet → SetupEntityAccess → PermissionSetAssignment).
 * Returns the plan with ids and actions 'created' / 'exists'. A DUPLICATE_VALUE answer is read back as
 * 'exists'. On failure throws InsufficientAccessToWriteError, InsufficientAccessToAssignError or GrantFailedError,
 * whose `data.plan` shows what was done.
 */
export async function applyGrant(conn: Connection, plan: GrantPlan): Promise<GrantPlan> {
  if (plan.selfAuthorize) return { ...plan, steps: [], changes: 0 };
  const result: GrantPlan = {
    ...plan,
    steps: plan.steps.map((s) => ({ ...s, fields: s.fields ? { ...s.fields } : undefined })),
    changes: 0,
  };
  let permissionSetId = result.steps.find((s) => s.sobject === 'PermissionSet')?.id;
  const appId = plan.app.id ?? '';
  const userId = plan.userId ?? '';

  // one record at a time: each depends on the permission set created before it
  await inOrder(result.steps, async (planned, index) => {
    if (planned.sobject === 'PermissionSet' && planned.id) permissionSetId = planned.id;
    if (planned.action !== 'create') return;
    const fields = { ...(planned.fields ?? {}) };
    if (permissionSetId) {
      if (fields.ParentId === NEW_PERMISSION_SET) fields.ParentId = permissionSetId;
      if (fields.PermissionSetId === NEW_PERMISSION_SET) fields.PermissionSetId = permissionSetId;
    }
    let done: Pick<GrantStep, 'id' | 'action'>;
    try {
      done = { id: await create(conn, planned.sobject, fields), action: 'created' };
      result.changes++;
    } catch (err) {
      if (!isDuplicate(err)) throw writeError(planned, err, result);
      // a concurrent run created it first: read it back
      const id = await readBack(conn, planned.sobject, {
        permissionSet: plan.permissionSet,
        permissionSetId,
        appId,
        userId,
      });
      if (!id) throw writeError(planned, err, result);
      done = { id, action: 'exists' };
    }
    result.steps[index] = {
      ...planned,
      ...done,
      fields,
      description: describeStep(planned.sobject, done.action, plan),
    };
    if (planned.sobject === 'PermissionSet') permissionSetId = done.id;
  });
  return result;
}

async function readBack(
  conn: Connection,
  sobject: GrantSObject,
  ids: { permissionSet: string; permissionSetId?: string; appId: string; userId: string },
): Promise<string | undefined> {
  if (sobject === 'PermissionSet') return findPermissionSet(conn, ids.permissionSet);
  if (!ids.permissionSetId) return undefined;
  return sobject === 'SetupEntityAccess'
    ? findAccess(conn, ids.permissionSetId, ids.appId)
    : findAssignment(conn, ids.permissionSetId, ids.userId);
}

/**
 * The two ways forward for a self-authorize app (message and actions), for the command to show. `login` is the
 * login as given, for the browser approval's command (default: the username and the app's API name).
 */
export function selfAuthorizeExplanation(
  plan: Pick<GrantPlan, 'app' | 'username'>,
  login?: SuggestedLogin,
): {
  message: string;
  actions: string[];
} {
  return {
    message: messages.getMessage('selfAuthorize', [appLabel(plan.app)]),
    actions: bullets(messages, 'selfAuthorize.actions', [
      appLabel(plan.app),
      approveCommand(login ?? { username: plan.username, appName: plan.app.name }),
    ]),
  };
}
