/*
 * The app behind a client id (or named by --app-name): a connected app (ConnectedApplication and its
 * ConnectedApp metadata: consumer key, scopes, callback URLs) or an external client app. null when every
 * lookup answered and it is not in the org; undefined when a lookup failed (the reason is in `errors`).
 */
import { Messages, type Connection } from '@salesforce/core';
import { inOrder, STOP } from '../utils/sequence.js';
import type { OrgEvidence } from './types.js';
import { soqlList, soqlString } from './soql.js';
import { arr, bool, chunks, describeError, queryRecords, sameName, str, type Errors, type Rec } from './query.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

export type EvidenceApp = NonNullable<OrgEvidence['app']>;

/** Metadata read chunk size (the Metadata API reads at most 10 components per call). */
export const METADATA_CHUNK = 10;
/** Metadata read chunks sent at the same time. */
export const METADATA_PARALLEL = 5;

type ConnectedApplicationRow = { Id: string; Name: string; OptionsAllowAdminApprovedUsersOnly?: boolean };
type ConnectedAppMetadata = {
  fullName?: string;
  label?: string;
  oauthConfig?: {
    consumerKey?: string;
    scopes?: string | string[];
    isAdminApproved?: boolean | string;
    callbackUrl?: string;
  };
};

async function readConnectedAppMetadata(
  conn: Connection,
  names: string[],
  errors: Errors,
): Promise<ConnectedAppMetadata[] | undefined> {
  if (!names.length) return [];
  try {
    const res = (await conn.metadata.read('ConnectedApp', names)) as unknown;
    return arr(res).filter((m): m is ConnectedAppMetadata =>
      Boolean(m && typeof m === 'object' && str((m as Rec).fullName)),
    );
  } catch (err) {
    errors.push({ what: 'Metadata read ConnectedApp', message: describeError(err) });
    return undefined;
  }
}

function appFromMetadata(md: ConnectedAppMetadata, row: ConnectedApplicationRow | undefined): EvidenceApp {
  const oauth = md.oauthConfig ?? {};
  const scopes = arr(oauth.scopes).map(String);
  const callbackUrls = arr(oauth.callbackUrl)
    .flatMap((c) => String(c).split(/[\s,]+/))
    .filter(Boolean);
  return {
    id: row?.Id,
    name: md.fullName ?? row?.Name ?? '',
    label: str(md.label) ?? row?.Name,
    kind: 'ConnectedApplication',
    adminApprovedOnly: bool(row?.OptionsAllowAdminApprovedUsersOnly) ?? bool(oauth.isAdminApproved) ?? false,
    scopes: md.oauthConfig ? scopes : undefined,
    callbackUrls: md.oauthConfig ? callbackUrls : undefined,
  };
}

function appFromRow(row: ConnectedApplicationRow): EvidenceApp {
  return {
    id: row.Id,
    name: row.Name,
    label: row.Name,
    kind: 'ConnectedApplication',
    adminApprovedOnly: bool(row.OptionsAllowAdminApprovedUsersOnly),
  };
}

function rowFor(
  rows: ConnectedApplicationRow[] | undefined,
  md: ConnectedAppMetadata,
): ConnectedApplicationRow | undefined {
  return rows?.find((r) => sameName(r.Name, md.fullName)) ?? rows?.find((r) => sameName(r.Name, md.label));
}

/** Reads metadata in chunks (METADATA_PARALLEL at a time) until one component's consumer key is the client id. */
async function findByConsumerKey(
  conn: Connection,
  names: string[],
  clientId: string,
  errors: Errors,
): Promise<{ match?: ConnectedAppMetadata; nearMatch?: ConnectedAppMetadata; failed: boolean }> {
  let failed = false;
  let match: ConnectedAppMetadata | undefined;
  let nearMatch: ConnectedAppMetadata | undefined;
  // waves run one after another on purpose: stop reading as soon as a wave holds the match
  await inOrder(chunks(chunks(names, METADATA_CHUNK), METADATA_PARALLEL), async (wave) => {
    const results = await Promise.all(wave.map((names10) => readConnectedAppMetadata(conn, names10, errors)));
    for (const mds of results) {
      if (!mds) {
        failed = true;
        continue;
      }
      match ??= mds.find((m) => m.oauthConfig?.consumerKey === clientId);
      nearMatch ??= mds.find(
        (m) => m.oauthConfig?.consumerKey !== undefined && m.oauthConfig.consumerKey.trim() === clientId.trim(),
      );
    }
    return match ? STOP : undefined;
  });
  return match ? { match, failed } : { nearMatch, failed };
}

async function resolveByClientId(conn: Connection, clientId: string, errors: Errors): Promise<OrgEvidence['app']> {
  const rows = await queryRecords<ConnectedApplicationRow>(
    conn,
    'ConnectedApplication',
    'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication',
    errors,
  );
  const read = new Set<string>();
  let failed = !rows;
  const names = [...new Set((rows ?? []).map((r) => r.Name))];
  names.forEach((n) => read.add(n));
  let found = await findByConsumerKey(conn, names, clientId, errors);
  failed ||= found.failed;
  if (!found.match) {
    // ConnectedApplication.Name is not always the metadata fullName: list the API names and read the rest
    try {
      const listed = arr(await conn.metadata.list([{ type: 'ConnectedApp' }]))
        .map((p) => str((p as Rec).fullName))
        .filter((n): n is string => n !== undefined && !read.has(n));
      const more = await findByConsumerKey(conn, listed, clientId, errors);
      failed ||= more.failed;
      found = { ...more, nearMatch: found.nearMatch ?? more.nearMatch };
    } catch (err) {
      errors.push({ what: 'Metadata list ConnectedApp', message: describeError(err) });
      failed = true;
    }
  }
  if (found.match) {
    let row = rowFor(rows, found.match);
    if (!row && rows) {
      // the listing did not hold it by either name: ask by both names once
      const byName = await queryRecords<ConnectedApplicationRow>(
        conn,
        'ConnectedApplication',
        `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name IN ${soqlList(
          [found.match.fullName, found.match.label].filter((n): n is string => Boolean(n)),
        )}`,
        errors,
      );
      row = byName?.[0];
    }
    return appFromMetadata(found.match, row);
  }
  if (found.nearMatch) {
    errors.push({
      what: 'client id',
      message: messages.getMessage('evidence.consumerKeyWhitespace', [found.nearMatch.fullName ?? '?']),
    });
  }
  // nothing matched: null only when every lookup answered, otherwise unknown
  if (failed) return undefined;
  errors.push({ what: 'client id', message: messages.getMessage('evidence.noConsumerKeyMatch') });
  return null;
}

type EcaRow = { Id: string; DeveloperName: string; MasterLabel?: string };

async function resolveExternalClientApp(
  conn: Connection,
  appName: string,
  errors: Errors,
): Promise<OrgEvidence['app']> {
  const rows = await queryRecords<EcaRow>(
    conn,
    'ExternalClientApplication',
    `SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(appName)} OR MasterLabel = ${soqlString(appName)}`,
    errors,
  );
  if (!rows) return undefined;
  const eca = rows[0];
  if (!eca) return null;
  const policies = await queryRecords<{ PermittedUsersPolicyType?: string }>(
    conn,
    'ExtlClntAppOauthPlcyCnfg',
    `SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = ${soqlString(eca.Id)}`,
    errors,
  );
  const policy = str(policies?.[0]?.PermittedUsersPolicyType);
  return {
    id: eca.Id,
    name: eca.DeveloperName,
    label: str(eca.MasterLabel) ?? eca.DeveloperName,
    kind: 'ExternalClientApplication',
    adminApprovedOnly: policy === undefined ? undefined : policy === 'AdminApprovedPreAuthorized',
  };
}

async function resolveByName(conn: Connection, appName: string, errors: Errors): Promise<OrgEvidence['app']> {
  const [rows, mds] = await Promise.all([
    queryRecords<ConnectedApplicationRow>(
      conn,
      'ConnectedApplication',
      `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = ${soqlString(appName)}`,
      errors,
    ),
    readConnectedAppMetadata(conn, [appName], errors),
  ]);
  const md = mds?.[0];
  if (md) return appFromMetadata(md, rows?.[0]);
  if (rows?.[0]) return appFromRow(rows[0]);
  const eca = await resolveExternalClientApp(conn, appName, errors);
  if (eca !== null) return eca;
  // not a connected app and not an external client app; unknown if a connected-app lookup failed
  return rows === undefined && mds === undefined ? undefined : null;
}

/**
 * The app by --app-name (connected app, else external client app) or by client id (Metadata API consumer
 * key). null: looked everywhere and it is not in this org; undefined: could not tell (see errors).
 */
export async function resolveApp(
  conn: Connection,
  opts: { clientId?: string; appName?: string },
  errors: Errors = [],
): Promise<OrgEvidence['app']> {
  if (opts.appName) return resolveByName(conn, opts.appName, errors);
  if (opts.clientId) return resolveByClientId(conn, opts.clientId, errors);
  return undefined;
}
