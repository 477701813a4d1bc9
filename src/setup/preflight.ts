/*
 * The pre-flight of `sf jwt setup`, before anything changes: the JWT user exists and is active (and not
 * frozen), the app as the org has it (`metadata.read` of its five components) and its certificate, the
 * permission set, then what must be deployed (plan.ts) and a check-only deploy of exactly that package. A
 * failed pre-flight changes nothing in the org: it throws an SfError (exit code 1) with the reason and the fix.
 */
import { X509Certificate } from 'node:crypto';
import { Messages, SfError, type Connection } from '@salesforce/core';
import { publicKeyFingerprint } from '../keys/match.js';
import { queryRecords, type Errors } from '../org/query.js';
import { soqlString } from '../org/soql.js';
import { readFrozen, readUser } from '../org/users.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import { certificateDer, buildSetupPackage, SetupPackageError, type SetupPackage } from './package.js';
import { planSetupPackage, readText, normaliseRead, type SetupPlan } from './plan.js';
import {
  deployAndWait,
  describeOrgFailure,
  isAccessRefusal,
  isMetadataApiRefusal,
  readExistingApp,
  timed,
  type DeployProblem,
} from './metadata.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

export type PreflightOptions = {
  conn: Connection;
  /** --admin-org as given. */
  adminOrg: string;
  /** The admin org's user. */
  adminUsername: string;
  username: string;
  appName: string;
  permissionSet: string;
  scope: string;
  callbackUrl?: string;
  /** The certificate (PEM) of the JWT key. */
  certPem: string;
  /** SHA-256 fingerprint of the key's public key. */
  keyFingerprint: string;
  /**
   * Whether the certificate was made here from an existing key: when the app already has a certificate of that
   * key, the app's own is kept (and written) instead.
   */
  certificateMadeHere: boolean;
  replaceCert: boolean;
  timeoutMs: number;
  /** How long to wait for the check-only deploy. */
  deployBudgetMs: number;
  /** Called when the check-only deploy is sent. */
  onCheckSent?: (id: string) => void;
  onPoll?: (status: string) => void;
};

export type Preflight = {
  userId: string;
  plan: SetupPlan;
  /** The package to deploy; absent when nothing differs. */
  pkg?: SetupPackage;
  /** The app's consumer key: the one the org has, or the new app's. */
  clientId: string;
  /** The permission set's id, when the org has it. */
  permissionSetId?: string;
  /** The check-only deploy, when one was sent. */
  checkDeployId?: string;
  /** SHA-256 fingerprint of the certificate the app had, when it had one. */
  previousCertificate?: string;
  /** The certificate the app carries after the setup (PEM): the key's, or the app's own when it is the key's. */
  certPem: string;
  /**
   * The app had another certificate of the same key (a renewed one, say): replacing it stops no key from
   * working, so it needs no --replace-cert.
   */
  certificateSameKey: boolean;
};

/** The user permissions Salesforce names for each kind of component a deploy may be refused. */
const PERMISSIONS_FOR_TYPE: Readonly<Record<string, readonly string[]>> = {
  ExternalClientApplication: ['permission.createEca'],
  ExtlClntAppGlobalOauthSettings: ['permission.createEca', 'permission.consumerSecrets'],
  ExtlClntAppOauthSettings: ['permission.createEca', 'permission.consumerSecrets'],
  ExtlClntAppConfigurablePolicies: ['permission.ecaPolicies'],
  ExtlClntAppOauthConfigurablePolicies: ['permission.ecaPolicies'],
  PermissionSet: ['permission.permissionSets'],
};

const fail = (name: string, message: string, actions: string[]): SfError => new SfError(message, name, actions, 1);

/** A read through the admin org that failed: the Metadata API or a policy refused the user, or another failure. */
export function readFailure(
  what: string,
  err: unknown,
  opts: Pick<PreflightOptions, 'adminOrg' | 'adminUsername'>,
): SfError {
  if (err instanceof SfError && err.name === 'NoAnswerError') return err as SfError;
  if (isMetadataApiRefusal(err)) {
    return fail(
      'MetadataApiAccessError',
      messages.getMessage('error.MetadataApiAccess', [opts.adminUsername, opts.adminOrg, describeOrgFailure(err)]),
      bullets(messages, 'error.MetadataApiAccess.actions', [opts.adminUsername]),
    );
  }
  if (isAccessRefusal(err)) {
    return fail(
      'AccessError',
      messages.getMessage('error.ReadAccess', [what, opts.adminUsername, describeOrgFailure(err)]),
      bullets(messages, 'error.ReadAccess.actions', [
        opts.adminUsername,
        messages.getMessage('permission.ecaPolicies'),
      ]),
    );
  }
  return fail(
    'OrgReadError',
    messages.getMessage('error.OrgRead', [what, opts.adminOrg, describeOrgFailure(err)]),
    messages.getMessages('error.OrgRead.actions'),
  );
}

/** The problems of a deploy, one line each: "<type> <name>: <problem>". */
export function problemLines(problems: readonly DeployProblem[]): string[] {
  return problems.map((p) =>
    p.type || p.fullName
      ? messages.getMessage('deploy.problem', [[p.type, p.fullName].filter(Boolean).join(' '), p.problem])
      : p.problem,
  );
}

/** The fixes of deploy problems: the permission a refused component needs, then the general one. */
export function problemActions(problems: readonly DeployProblem[], adminUsername: string): string[] {
  const refused = problems.filter((p) => /insufficient (privileges|access)/i.test(p.problem));
  const permissions = [...new Set(refused.flatMap((p) => PERMISSIONS_FOR_TYPE[p.type] ?? []))].map((key) =>
    messages.getMessage(key),
  );
  const actions = permissions.map((permission) =>
    messages.getMessage('deploy.grantPermission', [adminUsername, permission]),
  );
  return [...actions, ...messages.getMessages('deploy.fix.actions')];
}

async function checkUser(conn: Connection, opts: PreflightOptions): Promise<{ id: string }> {
  const errors: Errors = [];
  const user = await timed(readUser(conn, opts.username, errors), 'User', opts.timeoutMs);
  if (user === undefined) throw readFailure('User', new Error(errors[0]?.message ?? ''), opts);
  if (user === null) {
    throw fail(
      'UserNotFoundError',
      messages.getMessage('error.UserNotFound', [opts.username, opts.adminOrg]),
      bullets(messages, 'error.UserNotFound.actions', [shellQuote(opts.adminOrg)]),
    );
  }
  if (!user.isActive) {
    throw fail(
      'UserInactiveError',
      messages.getMessage('error.UserInactive', [opts.username]),
      messages.getMessages('error.UserInactive.actions'),
    );
  }
  const frozen = await timed(readFrozen(conn, user.id, errors), 'UserLogin', opts.timeoutMs);
  if (frozen === true) {
    throw fail(
      'UserFrozenError',
      messages.getMessage('error.UserFrozen', [opts.username]),
      messages.getMessages('error.UserFrozen.actions'),
    );
  }
  return { id: user.id };
}

/** The admin's email address, the contact of a new app; its username when the address can't be read. */
async function adminEmail(conn: Connection, opts: PreflightOptions): Promise<string> {
  const rows = await timed(
    queryRecords<{ Email?: string }>(
      conn,
      'User',
      `SELECT Email FROM User WHERE Username = ${soqlString(opts.adminUsername)}`,
      [],
    ),
    'User',
    opts.timeoutMs,
  );
  const email = rows?.[0]?.Email;
  return typeof email === 'string' && email.includes('@') ? email : opts.adminUsername;
}

async function permissionSetId(conn: Connection, opts: PreflightOptions): Promise<string | undefined> {
  const errors: Errors = [];
  const rows = await timed(
    queryRecords<{ Id: string }>(
      conn,
      'PermissionSet',
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(opts.permissionSet)} AND IsOwnedByProfile = false`,
      errors,
    ),
    'PermissionSet',
    opts.timeoutMs,
  );
  if (!rows) throw readFailure('PermissionSet', new Error(errors[0]?.message ?? ''), opts);
  return rows[0]?.Id;
}

/** The certificate an app has (PEM or its bare base64, as a read returns it), parsed; undefined when it has none. */
function certificateOf(text: string | undefined): X509Certificate | undefined {
  const der = certificateDer(text);
  if (!der) return undefined;
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

/** What the plan forbids or can't do: another certificate on the app, a consumer key nobody can read. */
function refuseBlockedPlan(
  plan: SetupPlan,
  opts: PreflightOptions,
  previous: string | undefined,
  wanted: string,
): void {
  if (plan.blockers.length > 0) {
    throw fail(
      'CertificateDiffersError',
      messages.getMessage('error.CertificateDiffers', [opts.appName, previous ?? '?', wanted]),
      bullets(messages, 'error.CertificateDiffers.actions', [opts.appName]),
    );
  }
  if (plan.consumerKey.status === 'unconfirmed') {
    throw fail(
      'ConsumerKeyUnreadableError',
      messages.getMessage(
        `error.${plan.consumerKey.code === 'GLOBAL_OAUTH_UNREADABLE' ? 'GlobalOauthMissing' : 'ConsumerKeyUnreadable'}`,
        [opts.appName, opts.adminUsername],
      ),
      bullets(messages, 'error.ConsumerKeyUnreadable.actions', [opts.adminUsername]),
    );
  }
}

/**
 * Everything that can be known before a change: the user, the app and its certificate, the permission set, the
 * plan and, when something must be deployed, a check-only deploy of the package. Throws an SfError (exit code
 * 1) naming what stops the setup and how to fix it; nothing is changed in the org either way.
 */
export async function runPreflight(opts: PreflightOptions): Promise<Preflight> {
  const { conn } = opts;
  const readApp = readExistingApp(conn, opts.appName, opts.timeoutMs).catch((err: unknown) => {
    throw readFailure(messages.getMessage('what.appMetadata', [opts.appName]), err, opts);
  });
  const [user, email, psId, existing] = await Promise.all([
    checkUser(conn, opts),
    adminEmail(conn, opts),
    permissionSetId(conn, opts),
    readApp,
  ]);
  const ambiguous = Object.entries(existing.ambiguous);
  if (ambiguous.length > 0) {
    throw fail(
      'AmbiguousComponentsError',
      messages.getMessage('error.AmbiguousComponents', [
        opts.appName,
        ambiguous.map(([, names]) => names.join(', ')).join('; '),
      ]),
      messages.getMessages('error.AmbiguousComponents.actions'),
    );
  }

  const existingCert = certificateOf(readText(normaliseRead(existing.reads.globalOauth)?.certificate));
  const certificateSameKey =
    existingCert !== undefined && publicKeyFingerprint(existingCert.publicKey) === opts.keyFingerprint;
  // a certificate made here gives way to the app's own certificate of the same key
  const certPem = certificateSameKey && opts.certificateMadeHere ? existingCert.toString() : opts.certPem;
  let plan: SetupPlan;
  try {
    plan = planSetupPackage(existing.reads, {
      appName: opts.appName,
      contactEmail: email,
      certificatePem: certPem,
      callbackUrl: opts.callbackUrl,
      scope: opts.scope,
      permissionSetName: opts.permissionSet,
      permissionSetId: psId,
      createPermissionSet: psId === undefined,
      allowCertificateReplace: opts.replaceCert || certificateSameKey,
      apiVersion: conn.getApiVersion(),
    });
  } catch (error) {
    if (error instanceof SetupPackageError) throw packageError(error);
    throw error;
  }
  const previous = existingCert?.fingerprint256;
  refuseBlockedPlan(plan, opts, previous, new X509Certificate(certPem).fingerprint256);
  const clientId = plan.consumerKey.status === 'unconfirmed' ? '' : plan.consumerKey.value;
  const result: Preflight = {
    userId: user.id,
    plan,
    clientId,
    certPem,
    certificateSameKey,
    ...(psId ? { permissionSetId: psId } : {}),
    ...(previous ? { previousCertificate: previous } : {}),
  };
  if (plan.deploy.length === 0) return result;

  let pkg: SetupPackage;
  try {
    pkg = buildSetupPackage(plan.spec);
  } catch (error) {
    if (error instanceof SetupPackageError) throw packageError(error);
    throw error;
  }
  const check = await deployAndWait(conn, pkg.zip, {
    checkOnly: true,
    adminOrg: opts.adminOrg,
    timeoutMs: opts.timeoutMs,
    budgetMs: opts.deployBudgetMs,
    onSent: opts.onCheckSent,
    onPoll: opts.onPoll,
  }).catch((err: unknown) => {
    if (err instanceof SfError) throw err;
    throw readFailure('deploy', err, opts);
  });
  if (!check.success) {
    throw fail(
      'CheckDeployFailedError',
      messages.getMessage('error.CheckDeployFailed', [check.id, problemLines(check.problems).join('\n')]),
      problemActions(check.problems, opts.adminUsername),
    );
  }
  return { ...result, pkg, checkDeployId: check.id };
}

/** A package that can't be built from what the org has (an unexpected value in the app's metadata). */
function packageError(error: SetupPackageError): SfError {
  return fail(
    'PackageError',
    messages.getMessage('error.Package', [error.code, JSON.stringify(error.data).slice(0, 200)]),
    messages.getMessages('error.Package.actions'),
  );
}
