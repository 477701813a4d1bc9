/*
 * The External Client App package of `sf jwt setup`: the components one Metadata API deploy creates or
 * changes, their names, the checks of what the user gives (app name, permission set name, scopes), and the
 * zip. Pure: the caller deploys the zip (`metadata.deploy` with `singlePackage: true`) and words every reason
 * from its messages file; nothing here does I/O or writes English for a user. What differs from the org is
 * decided in plan.ts.
 *
 * An External Client App is five components: the app itself (ExternalClientApplication), its global OAuth
 * settings (callback URL, certificate, consumer key), its OAuth settings (scopes), its plugin policies (the
 * OAuth plugin on) and its OAuth policies (who may use it: admin-approved users, through permission sets or
 * profiles). A permission set that pre-authorizes the JWT user is added when it is missing.
 *
 * Never in the package: a consumer secret or a private key. The certificate is public, and the consumer key
 * identifies the app without being a secret.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import {
  knownElements,
  renderMetadataXml,
  renderPackageXml,
  SetupPackageError,
  type PackageMember,
  type XmlRecord,
  type XmlValue,
} from './metadataXml.js';

export { SetupPackageError } from './metadataXml.js';

export const DEFAULT_APP_NAME = 'sf_jwt';
export const DEFAULT_CALLBACK_URL = 'http://localhost:1717/OauthRedirect';
export const DEFAULT_API_VERSION = '66.0';
export const DEFAULT_PERMISSION_SET = 'JWT_Access';
/** Longest API name of the app and of the permission set. */
export const MAX_API_NAME_LENGTH = 80;
/** The OAuth policy that lets the JWT user in without a consent: admin-approved users are pre-authorized. */
export const PERMITTED_USERS_POLICY = 'AdminApprovedPreAuthorized';

/** The five components of an External Client App. */
export type EcaComponent = 'app' | 'globalOauth' | 'oauth' | 'policies' | 'oauthPolicies';
/** What the package can hold: the app's components and the permission set. */
export type SetupComponent = EcaComponent | 'permissionSet';

export type ComponentType = {
  /** Metadata API type name (package.xml, `metadata.read`). */
  readonly type: string;
  /** Folder at the root of the zip. */
  readonly folder: string;
  /** File suffix: the file is `<folder>/<fullName>.<suffix>`. */
  readonly suffix: string;
};

/**
 * Type, folder and suffix of each component, as the Metadata API and the CLI's metadata registry name them
 * (every one of these types is stored outside folders, one file per component).
 */
export const SETUP_COMPONENT_TYPES: Readonly<Record<SetupComponent, ComponentType>> = {
  app: { type: 'ExternalClientApplication', folder: 'externalClientApps', suffix: 'eca' },
  globalOauth: { type: 'ExtlClntAppGlobalOauthSettings', folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth' },
  oauth: { type: 'ExtlClntAppOauthSettings', folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth' },
  policies: { type: 'ExtlClntAppConfigurablePolicies', folder: 'extlClntAppPolicies', suffix: 'ecaPlcy' },
  oauthPolicies: {
    type: 'ExtlClntAppOauthConfigurablePolicies',
    folder: 'extlClntAppOauthPolicies',
    suffix: 'ecaOauthPlcy',
  },
  permissionSet: { type: 'PermissionSet', folder: 'permissionsets', suffix: 'permissionset' },
};

/** The components in the order the package lists them. */
export const ECA_COMPONENTS: readonly EcaComponent[] = ['app', 'globalOauth', 'oauth', 'policies', 'oauthPolicies'];
export const SETUP_COMPONENTS: readonly SetupComponent[] = [...ECA_COMPONENTS, 'permissionSet'];

/*
 * The full names Salesforce gives an app's components when it makes them (in Setup): the app's API name and a
 * suffix. Observed in retrieved apps, not documented. A component deployed under another name than the one
 * the org already has is a second record: for the OAuth policies, the deploy then fails with a duplicate
 * ExternalClientApplicationId. So a name read from the org always wins over these.
 */
const NAME_SUFFIXES: Readonly<Record<EcaComponent, string>> = {
  app: '',
  globalOauth: '_glbloauth',
  oauth: '_oauth',
  policies: '_plcy',
  oauthPolicies: '_oauthPlcy',
};

/**
 * The full names under which to read (and, for a new app, create) each component of the app `appName`:
 * `<app>`, `<app>_glbloauth`, `<app>_oauth`, `<app>_plcy`, `<app>_oauthPlcy`. Unconfirmed: whether
 * Salesforce shortens these names when the app's name is near the 80-character limit.
 */
export function ecaComponentNames(appName: string): Record<EcaComponent, string> {
  return {
    app: appName,
    globalOauth: `${appName}${NAME_SUFFIXES.globalOauth}`,
    oauth: `${appName}${NAME_SUFFIXES.oauth}`,
    policies: `${appName}${NAME_SUFFIXES.policies}`,
    oauthPolicies: `${appName}${NAME_SUFFIXES.oauthPolicies}`,
  };
}

/** The component names of an app found in a `metadata.list` result, and the types where several match. */
export type ListedComponentNames = {
  readonly names: Partial<Record<EcaComponent, string>>;
  readonly ambiguous: Partial<Record<EcaComponent, string[]>>;
};

/**
 * Picks the full names of `appName`'s components from what `metadata.list` returned for the five types
 * (members `{ type, fullName }`), for apps made by other tools under other names: the usual name when it is
 * listed, else the one member of the type that starts with the app's name and not with a longer listed app's
 * name. Several candidates and no usual name: the type is in `ambiguous`, and none is picked.
 */
export function componentNamesFromList(
  appName: string,
  listed: ReadonlyArray<{ readonly type: string; readonly fullName: string }>,
): ListedComponentNames {
  const usual = ecaComponentNames(appName);
  const appType = SETUP_COMPONENT_TYPES.app.type;
  const longerApps = listed
    .filter((member) => member.type === appType && member.fullName !== appName && member.fullName.startsWith(appName))
    .map((member) => member.fullName);
  const names: Partial<Record<EcaComponent, string>> = {};
  const ambiguous: Partial<Record<EcaComponent, string[]>> = {};
  for (const component of ECA_COMPONENTS) {
    const { type } = SETUP_COMPONENT_TYPES[component];
    const ofType = listed.filter((member) => member.type === type).map((member) => member.fullName);
    if (ofType.includes(usual[component])) {
      names[component] = usual[component];
      continue;
    }
    if (component === 'app') continue;
    const candidates = ofType.filter(
      (name) => name.startsWith(appName) && !longerApps.some((longer) => name.startsWith(longer)),
    );
    if (candidates.length === 1) names[component] = candidates[0];
    else if (candidates.length > 1) ambiguous[component] = candidates;
  }
  return { names, ambiguous };
}

export type ApiNameReason =
  | { readonly code: 'API_NAME_EMPTY'; readonly name: string }
  | { readonly code: 'API_NAME_TOO_LONG'; readonly name: string; readonly max: number; readonly length: number }
  | { readonly code: 'API_NAME_FIRST_CHARACTER'; readonly name: string }
  | { readonly code: 'API_NAME_CHARACTERS'; readonly name: string; readonly invalid: readonly string[] }
  | { readonly code: 'API_NAME_DOUBLE_UNDERSCORE'; readonly name: string }
  | { readonly code: 'API_NAME_TRAILING_UNDERSCORE'; readonly name: string };

export type ApiNameCheck = { readonly ok: true } | { readonly ok: false; readonly reason: ApiNameReason };

/**
 * Checks a Salesforce API name (of the app, of the permission set): letters, digits and underscores only,
 * starting with a letter, no two underscores in a row, not ending with one, at most 80 characters. Returns
 * the first rule broken, as a code with its data.
 */
export function validateApiName(name: string, max = MAX_API_NAME_LENGTH): ApiNameCheck {
  if (name.length === 0) return { ok: false, reason: { code: 'API_NAME_EMPTY', name } };
  if (name.length > max) return { ok: false, reason: { code: 'API_NAME_TOO_LONG', name, max, length: name.length } };
  const invalid = [...new Set([...name].filter((char) => !/[A-Za-z0-9_]/.test(char)))];
  if (invalid.length > 0) return { ok: false, reason: { code: 'API_NAME_CHARACTERS', name, invalid } };
  if (!/^[A-Za-z]/.test(name)) return { ok: false, reason: { code: 'API_NAME_FIRST_CHARACTER', name } };
  if (name.includes('__')) return { ok: false, reason: { code: 'API_NAME_DOUBLE_UNDERSCORE', name } };
  if (name.endsWith('_')) return { ok: false, reason: { code: 'API_NAME_TRAILING_UNDERSCORE', name } };
  return { ok: true };
}

/** Checks `--app-name` (see validateApiName): the command refuses a bad one as a usage error. */
export function validateAppName(name: string): ApiNameCheck {
  return validateApiName(name);
}

/** Checks `--permission-set` (see validateApiName). */
export function validatePermissionSetName(name: string): ApiNameCheck {
  return validateApiName(name);
}

/** The label of an API name: its underscores as spaces (`sf_jwt` → `sf jwt`). */
export function labelOf(apiName: string): string {
  return apiName.replace(/_/g, ' ');
}

/** The description of the permission set the command creates. */
export function permissionSetDescription(appName: string): string {
  return `Pre-authorizes the JWT bearer-flow user for the external client app ${appName} (made by sf jwt setup).`;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Salesforce's own consumer keys start so; keys made here look like them. */
export const CONSUMER_KEY_PREFIX = '3MVG9';
/** The length of the keys Salesforce makes, and of the keys made here. */
export const CONSUMER_KEY_LENGTH = 85;

/**
 * A new consumer key for a new app: `3MVG9` and 80 random letters and digits (node:crypto, without modulo
 * bias), 85 characters like Salesforce's own. Random enough to be unique across orgs, as a key must be.
 */
export function generateConsumerKey(): string {
  let key = CONSUMER_KEY_PREFIX;
  const unbiased = 256 - (256 % KEY_ALPHABET.length);
  while (key.length < CONSUMER_KEY_LENGTH) {
    for (const byte of randomBytes(CONSUMER_KEY_LENGTH)) {
      if (byte < unbiased && key.length < CONSUMER_KEY_LENGTH) key += KEY_ALPHABET[byte % KEY_ALPHABET.length];
    }
  }
  return key;
}

/** Whether `key` has the form of a consumer key: 8 to 256 letters, digits, dots and underscores. */
export function isValidConsumerKey(key: string): boolean {
  return /^[A-Za-z0-9._]{8,256}$/.test(key);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * The certificate as the package carries it: one X.509 certificate, PEM, LF line ends, no trailing newline.
 * Throws SetupPackageError `CERTIFICATE_HAS_PRIVATE_KEY` (the text holds a private key: never deployed),
 * `CERTIFICATE_COUNT` (not exactly one certificate) or `CERTIFICATE_INVALID`.
 */
export function canonicalCertificate(pem: string): string {
  if (pem.includes('PRIVATE KEY')) throw new SetupPackageError('CERTIFICATE_HAS_PRIVATE_KEY');
  const count = [...pem.matchAll(PEM_CERTIFICATE)].length;
  if (count !== 1) throw new SetupPackageError('CERTIFICATE_COUNT', { count });
  try {
    return new X509Certificate(pem).toString().replace(/\r\n/g, '\n').trim();
  } catch {
    throw new SetupPackageError('CERTIFICATE_INVALID');
  }
}

/**
 * The DER bytes of a certificate given as PEM, or as its bare base64 body (line breaks and spaces
 * ignored), for comparing two certificates whatever their wrapping; undefined for empty or non-base64 text.
 */
export function certificateDer(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const armoured = [...text.matchAll(PEM_CERTIFICATE)][0]?.[1];
  const body = (armoured ?? text).replace(/\s+/g, '');
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/** Whether two certificates are the same, however each is wrapped (see certificateDer). */
export function sameCertificate(a: string | undefined, b: string | undefined): boolean {
  const derA = certificateDer(a);
  const derB = certificateDer(b);
  return derA !== undefined && derB !== undefined && derA.equals(derB);
}

// ---------------------------------------------------------------------------------------------------------
// OAuth scopes: the strings a user types (`api refresh_token`, as in an authorize request) and the names the
// Metadata API writes in `commaSeparatedOauthScopes` (`Api, RefreshToken`).

/**
 * Every OAuth scope string Salesforce advertises, mapped to its Metadata API scope name. The names are the
 * Metadata API's values of OAuth access scopes (version 66.0); each string's name is the one its description
 * matches (e.g. `visualforce` → `CustomApplications`, `id` → `Basic`). `refresh_token` and `offline_access`
 * behave the same once deployed, as do `Basic` and `Profile`/`Email`/`Address`/`Phone`.
 * Unconfirmed: `sfap_api` → `SFAP` and `scrt_api` → `SCRT` are matched by name only.
 */
export const OAUTH_SCOPE_TO_METADATA: Readonly<Record<string, string>> = Object.fromEntries([
  ['address', 'Address'],
  ['api', 'Api'],
  ['cdp_api', 'CDP'],
  ['cdp_calculated_insight_api', 'CDPCalculatedInsight'],
  ['cdp_identityresolution_api', 'CDPIdentityResolution'],
  ['cdp_ingest_api', 'CDPIngest'],
  ['cdp_profile_api', 'CDPProfile'],
  ['cdp_query_api', 'CDPQuery'],
  ['cdp_segment_api', 'CDPSegment'],
  ['chatbot_api', 'Chatbot'],
  ['chatter_api', 'Chatter'],
  ['content', 'Content'],
  ['custom_permissions', 'CustomPermissions'],
  ['eclair_api', 'Eclair'],
  ['einstein_gpt_api', 'EinsteinGPT'],
  ['email', 'Email'],
  ['forgot_password', 'ForgotPassword'],
  ['full', 'Full'],
  ['id', 'Basic'],
  ['interaction_api', 'Interaction'],
  ['lightning', 'Lightning'],
  ['mcp_api', 'MCP'],
  ['offline_access', 'OfflineAccess'],
  ['openid', 'OpenID'],
  ['pardot_api', 'Pardot'],
  ['phone', 'Phone'],
  ['profile', 'Profile'],
  ['pwdless_login_api', 'PwdlessLogin'],
  ['refresh_token', 'RefreshToken'],
  ['scrt_api', 'SCRT'],
  ['sfap_api', 'SFAP'],
  ['user_registration_api', 'UserRegistration'],
  ['visualforce', 'CustomApplications'],
  ['wave_api', 'Wave'],
  ['web', 'Web'],
]);

/** The default of `--scope`. */
export const DEFAULT_SCOPE = 'api refresh_token';

/** The OAuth scope strings, sorted: what a refusal lists as valid. */
export const VALID_OAUTH_SCOPES: readonly string[] = Object.keys(OAUTH_SCOPE_TO_METADATA).sort();

const METADATA_NAMES: readonly string[] = [...new Set(Object.values(OAUTH_SCOPE_TO_METADATA))];
const BY_METADATA_NAME = new Map(METADATA_NAMES.map((name) => [name.toLowerCase(), name]));

/** Scope names that grant the same once deployed: either one satisfies the other. */
const SAME_BEHAVIOUR: Readonly<Record<string, readonly string[]>> = {
  RefreshToken: ['OfflineAccess'],
  OfflineAccess: ['RefreshToken'],
  Profile: ['Basic'],
  Email: ['Basic'],
  Address: ['Basic'],
  Phone: ['Basic'],
};

export type ScopeReason =
  | { readonly code: 'SCOPE_EMPTY' }
  | { readonly code: 'SCOPE_UNKNOWN'; readonly unknown: readonly string[]; readonly valid: readonly string[] };

export type ScopeParse =
  { readonly ok: true; readonly scopes: string[] } | { readonly ok: false; readonly reason: ScopeReason };

/**
 * Reads `--scope`: OAuth scope strings separated by spaces or commas (`api refresh_token`), in any case; a
 * Metadata API name (`RefreshToken`) is accepted too. Returns the Metadata API names, without duplicates, in
 * the order given, or the reason it refuses: `SCOPE_EMPTY`, or `SCOPE_UNKNOWN` with the unknown words and the
 * valid scope strings.
 */
export function parseScopes(input: string | readonly string[]): ScopeParse {
  const words = (typeof input === 'string' ? [input] : input).flatMap((part) => part.split(/[\s,]+/)).filter(Boolean);
  if (words.length === 0) return { ok: false, reason: { code: 'SCOPE_EMPTY' } };
  const unknown: string[] = [];
  const scopes: string[] = [];
  for (const word of words) {
    const lower = word.toLowerCase();
    const name = OAUTH_SCOPE_TO_METADATA[lower] ?? BY_METADATA_NAME.get(lower);
    if (name === undefined) {
      if (!unknown.includes(word)) unknown.push(word);
    } else if (!scopes.includes(name)) {
      scopes.push(name);
    }
  }
  if (unknown.length > 0) return { ok: false, reason: { code: 'SCOPE_UNKNOWN', unknown, valid: VALID_OAUTH_SCOPES } };
  return { ok: true, scopes };
}

/**
 * Splits a `commaSeparatedOauthScopes` value as read from an org: trimmed, known names in their canonical
 * case, unknown names (a scope newer than this list) kept as they are, duplicates dropped.
 */
export function splitScopeList(value: string | undefined): string[] {
  const names: string[] = [];
  for (const part of (value ?? '').split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const name = BY_METADATA_NAME.get(trimmed.toLowerCase()) ?? trimmed;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The Metadata API names of `wanted` that `present` does not grant (a same-behaviour name counts as granting). */
export function missingScopes(present: readonly string[], wanted: readonly string[]): string[] {
  const have = new Set(present);
  return wanted.filter((name) => !have.has(name) && !(SAME_BEHAVIOUR[name] ?? []).some((same) => have.has(same)));
}

/** `commaSeparatedOauthScopes` text for Metadata API names: `Api, RefreshToken`. */
export function formatScopeList(names: readonly string[]): string {
  return names.join(', ');
}

// ---------------------------------------------------------------------------------------------------------
// Building the package

export type SetupPackageSpec = {
  /** API name of the app (validateAppName). */
  readonly appName: string;
  /** Label of a new app; default: the name with spaces for underscores. */
  readonly label?: string;
  /** Contact email of the app (required by Salesforce for a new app). */
  readonly contactEmail: string;
  /** Description of a new app; default none. */
  readonly description?: string;
  /** The certificate (PEM) whose key signs the JWTs: carried in every deploy of the global OAuth settings. */
  readonly certificatePem: string;
  /** Callback URL; default http://localhost:1717/OauthRedirect. */
  readonly callbackUrl?: string;
  /** OAuth scopes, as scope strings (`api refresh_token`) or Metadata API names; default `api refresh_token`. */
  readonly scope?: string | readonly string[];
  /**
   * The whole `commaSeparatedOauthScopes` list as Metadata API names, written as given (a plan's merged list,
   * which may hold names newer than this module knows); when set, `scope` is not read.
   */
  readonly oauthScopes?: readonly string[];
  /**
   * Consumer key of the global OAuth settings. Undefined: a new one (generateConsumerKey). Null: left out,
   * for an app whose key could not be read (unconfirmed: that Salesforce then keeps the key it has).
   */
  readonly consumerKey?: string | null;
  /** API name of the permission set that pre-authorizes the JWT user; default JWT_Access. */
  readonly permissionSetName?: string;
  /** The whole `commaSeparatedPermissionSet` list to deploy; default: the permission set alone. */
  readonly permissionSets?: readonly string[];
  /** The whole `commaSeparatedProfile` list to deploy; default: as carried (none for a new app). */
  readonly profiles?: readonly string[];
  /** Whether the package creates the permission set (only when the org lacks it: a deploy replaces one). */
  readonly createPermissionSet?: boolean;
  readonly permissionSetLabel?: string;
  readonly permissionSetDescription?: string;
  /** API version of package.xml: the org's; default 66.0. */
  readonly apiVersion?: string;
  /** Full names read from the org, which win over the usual ones (ecaComponentNames). */
  readonly names?: Partial<Record<EcaComponent, string>>;
  /** The components to put in the package; default: the five of the app, and the permission set when created. */
  readonly include?: readonly SetupComponent[];
  /**
   * Fields of existing components to keep (as read), so that a deploy, which replaces a component, keeps what
   * this command does not set. The secret and the values Salesforce makes are never carried.
   */
  readonly carry?: Partial<Record<EcaComponent, Readonly<Record<string, unknown>>>>;
};

export type SetupPackage = {
  /** Each component file, by its path in the zip (`externalClientApps/sf_jwt.eca`, …); package.xml apart. */
  readonly files: Record<string, string>;
  readonly packageXml: string;
  /** package.xml and the component folders at the root (for `singlePackage: true`), with fixed timestamps. */
  readonly zip: Uint8Array;
  /** The members of package.xml, in package order. */
  readonly components: PackageMember[];
  /** The consumer key in the global OAuth settings, when they are in the package with one. */
  readonly consumerKey?: string;
};

/** Every zip entry gets this time (local time, as zip stores it), so the same package gives the same bytes. */
const ZIP_TIME = new Date(2000, 0, 1, 0, 0, 0);

const API_VERSION = /^\d{2,3}\.0$/;

/** Fields a read may carry that a deploy must never send back (secrets, values Salesforce makes itself). */
const NEVER_CARRIED = ['consumerSecret', 'shouldRotateConsumerKey', 'shouldRotateConsumerSecret', 'oauthLink'];

/** Throws SetupPackageError `INVALID_NAME` (with `field` and the reason's code and data) for a bad API name. */
export function requireApiName(name: string, field: string): void {
  const check = validateApiName(name);
  if (!check.ok) throw new SetupPackageError('INVALID_NAME', { field, ...check.reason });
}

/** The Metadata API names of `scope` (default `api refresh_token`); throws SetupPackageError with parseScopes' code. */
export function requireScopes(scope: string | readonly string[] | undefined): string[] {
  const parsed = parseScopes(scope ?? DEFAULT_SCOPE);
  if (!parsed.ok) throw new SetupPackageError(parsed.reason.code, { ...parsed.reason });
  return parsed.scopes;
}

/** Items trimmed, empty ones and case-insensitive repeats dropped, order kept. */
export function dedupeNames(items: readonly string[]): string[] {
  const kept: string[] = [];
  for (const item of items.map((value) => value.trim()).filter(Boolean)) {
    if (!kept.some((other) => other.toLowerCase() === item.toLowerCase())) kept.push(item);
  }
  return kept;
}

/** The fields of an existing component that a deploy keeps: the type's known elements, less NEVER_CARRIED. */
function carried(type: string, fields: Readonly<Record<string, unknown>> | undefined): Record<string, XmlValue> {
  const kept = knownElements(type, fields ?? {});
  for (const field of NEVER_CARRIED) delete kept[field];
  return kept;
}

type FieldsInput = {
  readonly spec: SetupPackageSpec;
  readonly fullName: string;
  readonly permissionSetName: string;
  /** What the org has, to keep. */
  readonly keep: Record<string, XmlValue>;
};

function appFields({ spec, keep }: FieldsInput): XmlRecord {
  const contactEmail = spec.contactEmail.trim();
  if (!contactEmail) throw new SetupPackageError('CONTACT_EMAIL_MISSING');
  return {
    distributionState: 'Local',
    isProtected: false,
    ...keep,
    contactEmail,
    description: spec.description ?? keep.description,
    label: spec.label ?? keep.label ?? labelOf(spec.appName),
  };
}

function globalOauthFields({ spec, fullName, keep }: FieldsInput, consumerKey: string | undefined): XmlRecord {
  const callbackUrl = (spec.callbackUrl ?? DEFAULT_CALLBACK_URL).trim();
  if (!callbackUrl) throw new SetupPackageError('CALLBACK_URL_MISSING');
  return {
    ...keep,
    callbackUrl,
    certificate: canonicalCertificate(spec.certificatePem),
    consumerKey,
    externalClientApplication: spec.appName,
    label: keep.label ?? fullName,
  };
}

function oauthFields({ spec, fullName, keep }: FieldsInput): XmlRecord {
  const scopes = spec.oauthScopes ? dedupeNames(spec.oauthScopes) : requireScopes(spec.scope);
  if (scopes.length === 0) throw new SetupPackageError('SCOPE_EMPTY');
  return {
    ...keep,
    commaSeparatedOauthScopes: formatScopeList(scopes),
    externalClientApplication: spec.appName,
    label: keep.label ?? fullName,
  };
}

function policiesFields({ spec, fullName, keep }: FieldsInput): XmlRecord {
  return {
    ...keep,
    externalClientApplication: spec.appName,
    isEnabled: true,
    isOauthPluginEnabled: true,
    label: keep.label ?? fullName,
  };
}

function oauthPoliciesFields({ spec, fullName, keep, permissionSetName }: FieldsInput): XmlRecord {
  const permissionSets = dedupeNames(spec.permissionSets ?? [permissionSetName]);
  let profiles = keep.commaSeparatedProfile;
  if (spec.profiles) profiles = dedupeNames(spec.profiles).join(',') || undefined;
  return {
    ...keep,
    commaSeparatedPermissionSet: permissionSets.join(',') || undefined,
    commaSeparatedProfile: profiles,
    externalClientApplication: spec.appName,
    label: keep.label ?? fullName,
    permittedUsersPolicyType: PERMITTED_USERS_POLICY,
  };
}

function permissionSetFields({ spec, permissionSetName }: FieldsInput): XmlRecord {
  return {
    description: spec.permissionSetDescription ?? permissionSetDescription(spec.appName),
    hasActivationRequired: false,
    label: spec.permissionSetLabel ?? labelOf(permissionSetName),
  };
}

/** The consumer key to write: the spec's, a new one when it gives none, none when it gives null. */
function consumerKeyOf(spec: SetupPackageSpec): string | undefined {
  if (spec.consumerKey === null) return undefined;
  const key = spec.consumerKey ?? generateConsumerKey();
  if (!isValidConsumerKey(key)) throw new SetupPackageError('INVALID_CONSUMER_KEY');
  return key;
}

function includedComponents(spec: SetupPackageSpec): SetupComponent[] {
  const wanted: readonly SetupComponent[] =
    spec.include ?? (spec.createPermissionSet ? SETUP_COMPONENTS : ECA_COMPONENTS);
  return SETUP_COMPONENTS.filter((name) => wanted.includes(name));
}

/**
 * Builds the deploy package of `spec`: one Metadata API file per included component, package.xml (the API
 * version of `spec`), and the zip of both. The same spec (with a given consumer key) always gives the same
 * bytes. Throws SetupPackageError when the spec cannot make a valid package (a bad name, scope, certificate,
 * consumer key or API version, or nothing to include); the command checks its inputs first.
 */
export function buildSetupPackage(spec: SetupPackageSpec): SetupPackage {
  requireApiName(spec.appName, 'appName');
  const permissionSetName = spec.permissionSetName ?? DEFAULT_PERMISSION_SET;
  requireApiName(permissionSetName, 'permissionSetName');
  const apiVersion = spec.apiVersion ?? DEFAULT_API_VERSION;
  if (!API_VERSION.test(apiVersion)) throw new SetupPackageError('INVALID_API_VERSION', { apiVersion });
  const include = includedComponents(spec);
  if (include.length === 0) throw new SetupPackageError('NOTHING_TO_DEPLOY');

  const names: Record<SetupComponent, string> = {
    ...ecaComponentNames(spec.appName),
    ...spec.names,
    permissionSet: permissionSetName,
  };
  const consumerKey = include.includes('globalOauth') ? consumerKeyOf(spec) : undefined;
  const files: Record<string, string> = {};
  const components: PackageMember[] = [];
  for (const name of include) {
    const { type, folder, suffix } = SETUP_COMPONENT_TYPES[name];
    const fullName = names[name];
    const input: FieldsInput = {
      spec,
      fullName,
      permissionSetName,
      keep: name === 'permissionSet' ? {} : carried(type, spec.carry?.[name]),
    };
    const fields: Record<SetupComponent, () => XmlRecord> = {
      app: () => appFields(input),
      globalOauth: () => globalOauthFields(input, consumerKey),
      oauth: () => oauthFields(input),
      policies: () => policiesFields(input),
      oauthPolicies: () => oauthPoliciesFields(input),
      permissionSet: () => permissionSetFields(input),
    };
    const xml = renderMetadataXml(type, fields[name]());
    if (xml.includes('<consumerSecret>') || xml.includes('PRIVATE KEY')) {
      throw new SetupPackageError('SECRET_IN_PACKAGE', { component: name });
    }
    files[`${folder}/${fullName}.${suffix}`] = xml;
    components.push({ type, fullName });
  }

  const packageXml = renderPackageXml(components, apiVersion);
  const entries: Record<string, Uint8Array> = { 'package.xml': strToU8(packageXml) };
  for (const [path, xml] of Object.entries(files)) entries[path] = strToU8(xml);
  const zip = zipSync(entries, { mtime: ZIP_TIME, level: 6 });
  return { files, packageXml, zip, components, ...(consumerKey === undefined ? {} : { consumerKey }) };
}
