/*
 * The app behind a client id (or named by --app-name): a connected app (ConnectedApplication and its
 * ConnectedApp metadata: consumer key, scopes, callback URLs, certificate) or an external client app
 * (ExtlClntAppGlobalOauthSettings: consumer key, callback URLs, certificate; ExternalClientApplication and
 * ExtlClntAppOauthPlcyCnfg: id, label and policy; ExtlClntAppOauthSettings: scopes). null when every lookup
 * answered and it is not in the org; undefined when a lookup failed (the reason is in `errors`).
 *
 * By client id, in rounds: ConnectedApplication names, then their ConnectedApp metadata (10 per read, stopping at
 * the match). When none matches: one Metadata list of the ConnectedApp API names and the external client apps'
 * global and OAuth settings, then the ConnectedApp names not read yet and the global OAuth settings (10 per read,
 * stopping at the match), then for an external client app its record and policy (one round) and its scopes.
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

/** The Metadata API types of an external client app that the lookup reads. */
export const ECA_GLOBAL_OAUTH = 'ExtlClntAppGlobalOauthSettings';
export const ECA_OAUTH_SETTINGS = 'ExtlClntAppOauthSettings';

/** What the app lookup found beyond the JSON evidence: the app's certificate and when it last changed. */
export type AppLookup = {
  app: OrgEvidence['app'];
  /** The certificate on the app (PEM): null when it has none, undefined when it was not read. */
  certificate?: string | null;
  /** When the app's OAuth settings were created and last changed (ISO), when the Metadata API listed them. */
  createdDate?: string;
  lastModifiedDate?: string;
};

type ConnectedApplicationRow = { Id: string; Name: string; OptionsAllowAdminApprovedUsersOnly?: boolean };
type ConnectedAppMetadata = {
  fullName?: string;
  label?: string;
  oauthConfig?: {
    consumerKey?: string;
    scopes?: string | string[];
    isAdminApproved?: boolean | string;
    callbackUrl?: string;
    certificate?: string;
  };
};
type EcaGlobalOauthMetadata = {
  fullName?: string;
  externalClientApplication?: string;
  consumerKey?: string;
  callbackUrl?: string;
  certificate?: string;
};
type EcaOauthSettingsMetadata = {
  fullName?: string;
  externalClientApplication?: string;
  commaSeparatedOauthScopes?: string;
};
/** One row of a Metadata list (FileProperties). */
type Listed = { type: string; fullName: string; createdDate?: string; lastModifiedDate?: string };

/** Reads metadata records of one type; undefined (with the reason in errors) when the read failed. */
async function readMetadata<T extends { fullName?: string }>(
  conn: Connection,
  type: string,
  names: string[],
  errors: Errors,
): Promise<T[] | undefined> {
  if (!names.length) return [];
  try {
    // jsforce types its read by the types it knows; the external client app types are read the same way
    const read = conn.metadata.read.bind(conn.metadata) as (t: string, n: string[]) => Promise<unknown>;
    const res = await read(type, names);
    return arr(res).filter((m): m is T => Boolean(m && typeof m === 'object' && str((m as Rec).fullName)));
  } catch (err) {
    errors.push({ what: `Metadata read ${type}`, message: describeError(err) });
    return undefined;
  }
}

/** Lists the components of the given types (at most 3 per Metadata list call); undefined when the call failed. */
async function listMetadata(conn: Connection, types: string[], errors: Errors): Promise<Listed[] | undefined> {
  try {
    const rows = arr(await conn.metadata.list(types.map((type) => ({ type }))));
    return rows
      .map((p) => ({
        type: str((p as Rec).type) ?? types[0],
        fullName: str((p as Rec).fullName) ?? '',
        createdDate: str((p as Rec).createdDate),
        lastModifiedDate: str((p as Rec).lastModifiedDate),
      }))
      .filter((p) => p.fullName !== '');
  } catch (err) {
    errors.push({ what: `Metadata list ${types.join(', ')}`, message: describeError(err) });
    return undefined;
  }
}

const splitUrls = (value: unknown): string[] =>
  arr(value)
    .flatMap((c) => String(c).split(/[\s,]+/))
    .filter(Boolean);

function appFromMetadata(md: ConnectedAppMetadata, row: ConnectedApplicationRow | undefined): EvidenceApp {
  const oauth = md.oauthConfig ?? {};
  const scopes = arr(oauth.scopes).map(String);
  return {
    id: row?.Id,
    name: md.fullName ?? row?.Name ?? '',
    label: str(md.label) ?? row?.Name,
    kind: 'ConnectedApplication',
    adminApprovedOnly: bool(row?.OptionsAllowAdminApprovedUsersOnly) ?? bool(oauth.isAdminApproved) ?? false,
    scopes: md.oauthConfig ? scopes : undefined,
    callbackUrls: md.oauthConfig ? splitUrls(oauth.callbackUrl) : undefined,
  };
}

function connectedAppLookup(md: ConnectedAppMetadata, row: ConnectedApplicationRow | undefined): AppLookup {
  return {
    app: appFromMetadata(md, row),
    certificate: md.oauthConfig ? (str(md.oauthConfig.certificate) ?? null) : undefined,
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

type Scan<T> = {
  match?: T;
  /** A record whose key equals the client id only when whitespace is ignored. */
  nearMatch?: T;
  /** A record came back without its key: the reader may not see it (ECA consumer keys). */
  keyHidden: boolean;
  failed: boolean;
};

/**
 * Reads records in chunks (METADATA_PARALLEL at a time) until one is `wanted`; `keyOf` gives a record's consumer
 * key, for the near match and to notice keys hidden from the reader.
 */
async function scanMetadata<T extends { fullName?: string }>(
  conn: Connection,
  type: string,
  names: string[],
  wanted: (m: T) => boolean,
  errors: Errors,
  near?: { keyOf: (m: T) => string | undefined; clientId: string },
): Promise<Scan<T>> {
  const scan: Scan<T> = { keyHidden: false, failed: false };
  // waves run one after another on purpose: stop reading as soon as a wave holds the match
  await inOrder(chunks(chunks(names, METADATA_CHUNK), METADATA_PARALLEL), async (wave) => {
    const results = await Promise.all(wave.map((names10) => readMetadata<T>(conn, type, names10, errors)));
    for (const records of results) {
      if (!records) {
        scan.failed = true;
        continue;
      }
      scan.match ??= records.find(wanted);
      if (near) {
        const trimmed = near.clientId.trim();
        scan.nearMatch ??= records.find((m) => near.keyOf(m)?.trim() === trimmed);
        if (records.some((m) => near.keyOf(m) === undefined)) scan.keyHidden = true;
      }
    }
    return scan.match ? STOP : undefined;
  });
  return scan;
}

const caKey = (m: ConnectedAppMetadata): string | undefined => m.oauthConfig?.consumerKey;
const ecaKey = (m: EcaGlobalOauthMetadata): string | undefined => str(m.consumerKey);

type EcaRow = { Id: string; DeveloperName: string; MasterLabel?: string };

/**
 * An external client app by its API name: its record and its OAuth policy, in one round (the policy by the app's
 * name; by its id, one round later, where the org refuses that filter). null when there is no such app.
 */
async function readEca(
  conn: Connection,
  name: string,
  errors: Errors,
  alsoByLabel = false,
): Promise<EvidenceApp | null | undefined> {
  const where = (prefix: string): string =>
    `${prefix}DeveloperName = ${soqlString(name)}${alsoByLabel ? ` OR ${prefix}MasterLabel = ${soqlString(name)}` : ''}`;
  const policyErrors: Errors = [];
  const [rows, policies] = await Promise.all([
    queryRecords<EcaRow>(
      conn,
      'ExternalClientApplication',
      `SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE ${where('')}`,
      errors,
    ),
    queryRecords<{ PermittedUsersPolicyType?: string; ExternalClientApplicationId?: string }>(
      conn,
      'ExtlClntAppOauthPlcyCnfg',
      `SELECT PermittedUsersPolicyType, ExternalClientApplicationId FROM ExtlClntAppOauthPlcyCnfg WHERE ${where('ExternalClientApplication.')}`,
      policyErrors,
    ),
  ]);
  if (!rows) return undefined;
  const eca = rows.find((r) => sameName(r.DeveloperName, name)) ?? rows[0];
  if (!eca) return null;
  let policy =
    policies?.find((p) => p.ExternalClientApplicationId?.slice(0, 15) === eca.Id.slice(0, 15)) ?? policies?.[0];
  if (!policies) {
    const byId = await queryRecords<{ PermittedUsersPolicyType?: string }>(
      conn,
      'ExtlClntAppOauthPlcyCnfg',
      `SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = ${soqlString(eca.Id)}`,
      errors,
    );
    policy = byId?.[0];
  }
  const policyType = str(policy?.PermittedUsersPolicyType);
  return {
    id: eca.Id,
    name: eca.DeveloperName,
    label: str(eca.MasterLabel) ?? eca.DeveloperName,
    kind: 'ExternalClientApplication',
    adminApprovedOnly: policyType === undefined ? undefined : policyType === 'AdminApprovedPreAuthorized',
  };
}

/** The scopes of an external client app, from its OAuth settings when the listing shows them under the usual name. */
async function readEcaScopes(
  conn: Connection,
  app: string,
  listed: Listed[],
  errors: Errors,
): Promise<string[] | undefined> {
  const entry = listed.find((l) => l.type === ECA_OAUTH_SETTINGS && sameName(l.fullName, `${app}_oauth`));
  if (!entry) return undefined;
  const [settings] =
    (await readMetadata<EcaOauthSettingsMetadata>(conn, ECA_OAUTH_SETTINGS, [entry.fullName], errors)) ?? [];
  if (!settings || (settings.externalClientApplication && !sameName(settings.externalClientApplication, app))) {
    return undefined;
  }
  return (str(settings.commaSeparatedOauthScopes) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The external client app behind its global OAuth settings, with its certificate and dates. */
async function ecaLookup(
  conn: Connection,
  settings: EcaGlobalOauthMetadata,
  listed: Listed[],
  errors: Errors,
): Promise<AppLookup> {
  const name = str(settings.externalClientApplication) ?? '';
  const [eca, scopes] = await Promise.all([readEca(conn, name, errors), readEcaScopes(conn, name, listed, errors)]);
  const entry = listed.find((l) => l.type === ECA_GLOBAL_OAUTH && sameName(l.fullName, settings.fullName));
  const dates = { createdDate: entry?.createdDate, lastModifiedDate: entry?.lastModifiedDate };
  const certificate = str(settings.certificate) ?? null;
  const callbackUrls = splitUrls(settings.callbackUrl);
  if (eca === null) {
    // the settings name an app that its own record query does not show: the app still is in the org
    return { app: { name, label: name, kind: 'ExternalClientApplication', callbackUrls }, certificate, ...dates };
  }
  if (eca === undefined) return { app: undefined, certificate, ...dates };
  return { app: { ...eca, ...(scopes ? { scopes } : {}), callbackUrls }, certificate, ...dates };
}

/** The words for consumer keys that the Metadata API hides from this admin. */
const hiddenKeys = (): string => messages.getMessage('evidence.consumerKeyHidden');

async function resolveByClientId(conn: Connection, clientId: string, errors: Errors): Promise<AppLookup> {
  const rows = await queryRecords<ConnectedApplicationRow>(
    conn,
    'ConnectedApplication',
    'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication',
    errors,
  );
  let failed = !rows;
  const names = [...new Set((rows ?? []).map((r) => r.Name))];
  const wantedCa = (m: ConnectedAppMetadata): boolean => caKey(m) === clientId;
  const nearCa = { keyOf: caKey, clientId };
  let ca = await scanMetadata(conn, 'ConnectedApp', names, wantedCa, errors, nearCa);
  failed ||= ca.failed;
  let eca: Scan<EcaGlobalOauthMetadata> = { keyHidden: false, failed: false };
  let listed: Listed[] = [];
  if (!ca.match) {
    // ConnectedApplication.Name is not always the metadata fullName, and an external client app has no row
    // there at all: list the API names of both kinds in one call, then read what was not read yet
    const found = await listMetadata(conn, ['ConnectedApp', ECA_GLOBAL_OAUTH, ECA_OAUTH_SETTINGS], errors);
    failed ||= !found;
    listed = found ?? [];
    const read = new Set(names);
    const moreCa = listed.filter((l) => l.type === 'ConnectedApp' && !read.has(l.fullName)).map((l) => l.fullName);
    const settings = listed.filter((l) => l.type === ECA_GLOBAL_OAUTH).map((l) => l.fullName);
    const [more, ecas] = await Promise.all([
      scanMetadata(conn, 'ConnectedApp', moreCa, wantedCa, errors, nearCa),
      scanMetadata<EcaGlobalOauthMetadata>(conn, ECA_GLOBAL_OAUTH, settings, (m) => ecaKey(m) === clientId, errors, {
        keyOf: ecaKey,
        clientId,
      }),
    ]);
    failed ||= more.failed || ecas.failed;
    ca = { ...more, nearMatch: ca.nearMatch ?? more.nearMatch };
    eca = ecas;
  }
  if (ca.match) {
    let row = rowFor(rows, ca.match);
    if (!row && rows) {
      // the listing did not hold it by either name: ask by both names once
      const byName = await queryRecords<ConnectedApplicationRow>(
        conn,
        'ConnectedApplication',
        `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name IN ${soqlList(
          [ca.match.fullName, ca.match.label].filter((n): n is string => Boolean(n)),
        )}`,
        errors,
      );
      row = byName?.[0];
    }
    return connectedAppLookup(ca.match, row);
  }
  if (eca.match) return ecaLookup(conn, eca.match, listed, errors);
  const near = ca.nearMatch?.fullName ?? eca.nearMatch?.externalClientApplication ?? eca.nearMatch?.fullName;
  if (near) {
    errors.push({ what: 'client id', message: messages.getMessage('evidence.consumerKeyWhitespace', [near]) });
  }
  if (eca.keyHidden) {
    // an external client app may hold the key: unknown, and --app-name is the way around it
    errors.push({ what: `Metadata read ${ECA_GLOBAL_OAUTH}`, message: hiddenKeys() });
    return { app: undefined };
  }
  // nothing matched: null only when every lookup answered, otherwise unknown
  if (failed) return { app: undefined };
  errors.push({ what: 'client id', message: messages.getMessage('evidence.noConsumerKeyMatch') });
  return { app: null };
}

/** The global OAuth settings of an external client app named by its API name (its certificate and dates). */
async function ecaSettingsByName(conn: Connection, app: EvidenceApp, errors: Errors): Promise<AppLookup> {
  const listed = await listMetadata(conn, [ECA_GLOBAL_OAUTH], errors);
  if (!listed) return { app };
  const names = listed.map((l) => l.fullName);
  // the usual name first: most apps keep it, and then one read is enough
  const usual = names.filter((n) => sameName(n, `${app.name}_glbloauth`));
  const ordered = [...usual, ...names.filter((n) => !usual.includes(n))];
  const scan = await scanMetadata<EcaGlobalOauthMetadata>(
    conn,
    ECA_GLOBAL_OAUTH,
    ordered,
    (m) => sameName(m.externalClientApplication, app.name),
    errors,
  );
  if (!scan.match) return { app };
  const entry = listed.find((l) => sameName(l.fullName, scan.match?.fullName));
  return {
    app: { ...app, callbackUrls: splitUrls(scan.match.callbackUrl) },
    certificate: str(scan.match.certificate) ?? null,
    createdDate: entry?.createdDate,
    lastModifiedDate: entry?.lastModifiedDate,
  };
}

async function resolveByName(conn: Connection, appName: string, errors: Errors, details: boolean): Promise<AppLookup> {
  const [rows, mds] = await Promise.all([
    queryRecords<ConnectedApplicationRow>(
      conn,
      'ConnectedApplication',
      `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = ${soqlString(appName)}`,
      errors,
    ),
    readMetadata<ConnectedAppMetadata>(conn, 'ConnectedApp', [appName], errors),
  ]);
  const md = mds?.[0];
  if (md) return connectedAppLookup(md, rows?.[0]);
  if (rows?.[0]) return { app: appFromRow(rows[0]) };
  const eca = await readEca(conn, appName, errors, true);
  if (eca) return details ? ecaSettingsByName(conn, eca, errors) : { app: eca };
  if (eca === undefined) return { app: undefined };
  // not a connected app and not an external client app; unknown if a connected-app lookup failed
  return { app: rows === undefined && mds === undefined ? undefined : null };
}

/**
 * The app by --app-name (connected app, else external client app) or by client id (the consumer key of a
 * connected app's metadata, else of an external client app's global OAuth settings), with its certificate and
 * dates where the lookup read them (`details`: also read them for an external client app named by --app-name).
 * `app` is null when the lookup looked everywhere and it is not in this org; undefined when it could not tell.
 */
export async function resolveAppDetails(
  conn: Connection,
  opts: { clientId?: string; appName?: string; details?: boolean },
  errors: Errors = [],
): Promise<AppLookup> {
  if (opts.appName) return resolveByName(conn, opts.appName, errors, opts.details ?? false);
  if (opts.clientId) return resolveByClientId(conn, opts.clientId, errors);
  return { app: undefined };
}

/**
 * The app by --app-name (connected app, else external client app) or by client id (consumer key). null: looked
 * everywhere and it is not in this org; undefined: could not tell (see errors).
 */
export async function resolveApp(
  conn: Connection,
  opts: { clientId?: string; appName?: string },
  errors: Errors = [],
): Promise<OrgEvidence['app']> {
  return (await resolveAppDetails(conn, opts, errors)).app;
}

/**
 * The external client app whose consumer key is the client id, in the org behind `conn`: its API name; null when
 * the global OAuth settings were all read, with their consumer keys, and none is the client id's; undefined when
 * that could not be told (a refused read, consumer keys hidden from the reader).
 */
export async function externalClientAppOf(conn: Connection, clientId: string): Promise<string | null | undefined> {
  const errors: Errors = [];
  const listed = await listMetadata(conn, [ECA_GLOBAL_OAUTH], errors);
  if (!listed) return undefined;
  const scan = await scanMetadata<EcaGlobalOauthMetadata>(
    conn,
    ECA_GLOBAL_OAUTH,
    listed.map((l) => l.fullName),
    (m) => ecaKey(m) === clientId,
    errors,
    { keyOf: ecaKey, clientId },
  );
  if (scan.match) return str(scan.match.externalClientApplication) ?? scan.match.fullName ?? '';
  return scan.failed || scan.keyHidden ? undefined : null;
}
