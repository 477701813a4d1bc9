/*
 * What `sf jwt setup` must deploy to an org: what `metadata.read` returned for the five components of the
 * External Client App, compared with what the command wants, component by component. Only what differs is
 * deployed; nothing differs, nothing deployed. Pure: no I/O, and every reason is a code with its data, worded
 * by the command.
 */
import {
  certificateDer,
  dedupeNames,
  DEFAULT_CALLBACK_URL,
  DEFAULT_PERMISSION_SET,
  ecaComponentNames,
  generateConsumerKey,
  missingScopes,
  PERMITTED_USERS_POLICY,
  requireApiName,
  requireScopes,
  sameCertificate,
  SETUP_COMPONENT_TYPES,
  splitScopeList,
  type EcaComponent,
  type SetupComponent,
  type SetupPackageSpec,
} from './package.js';

/** A boolean as `metadata.read` gives it for these types: often the text `true` / `false`. */
export type ReadFlag = boolean | string;

/**
 * What `metadata.read` returns for each type. The jsforce schema does not know these types, so values come
 * back as text (booleans and numbers included), nested elements as records, and repeated ones as a record or
 * a list; a component that does not exist comes back empty or without a fullName. Only the fields this
 * module reads are named; the others are kept as they are.
 */
export type ExternalClientApplicationRead = {
  readonly [element: string]: unknown;
  readonly fullName?: string;
  readonly contactEmail?: string;
  readonly description?: string;
  readonly distributionState?: string;
  readonly isProtected?: ReadFlag;
  readonly label?: string;
};

export type ExtlClntAppGlobalOauthSettingsRead = {
  readonly [element: string]: unknown;
  readonly fullName?: string;
  readonly callbackUrl?: string;
  readonly certificate?: string;
  /** Missing when the reader may not see consumer secrets: the key is then unknown, not absent. */
  readonly consumerKey?: string;
  /** Read only with the permission to view consumer secrets; never deployed by this module. */
  readonly consumerSecret?: string;
  readonly externalClientApplication?: string;
  readonly isPkceRequired?: ReadFlag;
  readonly label?: string;
};

export type ExtlClntAppOauthSettingsRead = {
  readonly [element: string]: unknown;
  readonly fullName?: string;
  readonly commaSeparatedOauthScopes?: string;
  readonly externalClientApplication?: string;
  readonly label?: string;
  readonly oauthLink?: string;
};

export type ExtlClntAppConfigurablePoliciesRead = {
  readonly [element: string]: unknown;
  readonly fullName?: string;
  readonly externalClientApplication?: string;
  readonly isEnabled?: ReadFlag;
  readonly isOauthPluginEnabled?: ReadFlag;
  readonly label?: string;
};

export type ExtlClntAppOauthConfigurablePoliciesRead = {
  readonly [element: string]: unknown;
  readonly fullName?: string;
  readonly externalClientApplication?: string;
  readonly permittedUsersPolicyType?: string;
  /**
   * Documented as permission set Ids, and written as API names by Salesforce's own example and other tools.
   * Unconfirmed which one a read returns: both are recognised.
   */
  readonly commaSeparatedPermissionSet?: string;
  readonly commaSeparatedProfile?: string;
  readonly label?: string;
};

/** A read as jsforce returns it: one record, a list (when several names were read), or nothing. */
export type ReadResult<T> = T | readonly T[] | null | undefined;

/** What `metadata.read` returned for each component of the app (absent: not read, or not found). */
export type ExistingReads = {
  readonly app?: ReadResult<ExternalClientApplicationRead>;
  readonly globalOauth?: ReadResult<ExtlClntAppGlobalOauthSettingsRead>;
  readonly oauth?: ReadResult<ExtlClntAppOauthSettingsRead>;
  readonly policies?: ReadResult<ExtlClntAppConfigurablePoliciesRead>;
  readonly oauthPolicies?: ReadResult<ExtlClntAppOauthConfigurablePoliciesRead>;
};

/** A component that exists: its fields, with a fullName. */
export type ExistingRecord = { readonly [element: string]: unknown; readonly fullName: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One component from what `metadata.read` returned: the first record with a fullName (of a list, or the
 * record itself), without the XML attributes jsforce may leave (`$`) and without the consumer secret; or
 * undefined when there is none (the component does not exist, or could not be read).
 */
export function normaliseRead(value: unknown): ExistingRecord | undefined {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const record = normaliseRead(item);
      if (record) return record;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const fullName = readText(value.fullName)?.trim();
  if (!fullName) return undefined;
  // `$` holds the XML attributes jsforce leaves on a record; the secret is never kept.
  const fields = Object.fromEntries(Object.entries(value).filter(([key]) => key !== '$' && key !== 'consumerSecret'));
  return { ...fields, fullName };
}

/** Text of a read value: a string or number as text, the text of an element with attributes (`_`), else undefined. */
export function readText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isPlainObject(value) && typeof value._ === 'string') return value._;
  return undefined;
}

/** A boolean of a read value: `true`/`false` as booleans or text (any case); `fallback` otherwise. */
export function readFlag(value: unknown, fallback: boolean): boolean {
  const text = readText(value)?.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return fallback;
}

/** A comma-separated list of a read value: trimmed items, empty ones and case-insensitive repeats dropped. */
export function readList(value: unknown): string[] {
  return dedupeNames((readText(value) ?? '').split(','));
}

// ---------------------------------------------------------------------------------------------------------
// Deciding what differs

/** What the command wants the app to be. */
export type DesiredApp = {
  readonly appName: string;
  /** Label of a new app; an existing app keeps its own. */
  readonly label?: string;
  /** Contact email of a new app; an existing app keeps its own. */
  readonly contactEmail: string;
  readonly description?: string;
  /** The certificate (PEM) of the JWT key. */
  readonly certificatePem: string;
  /**
   * Callback URL. Undefined: the default for a new app, and an existing app keeps its own. Given: an existing
   * app that does not have it among its callback URLs (one per line) gets it instead.
   */
  readonly callbackUrl?: string;
  /** OAuth scopes the app must have (`--scope`); an existing app keeps the ones it has besides. */
  readonly scope?: string | readonly string[];
  /** Consumer key of a new app (default: generated); an existing app always keeps its own. */
  readonly consumerKey?: string;
  /** The permission set that pre-authorizes the JWT user (`--permission-set`); default JWT_Access. */
  readonly permissionSetName?: string;
  /** Its Id, when the org has it: a policy that lists the permission set by Id grants it too. */
  readonly permissionSetId?: string;
  /** Whether the package creates the permission set (the org does not have it). */
  readonly createPermissionSet?: boolean;
  readonly permissionSetLabel?: string;
  readonly permissionSetDescription?: string;
  /** Whether an app with another certificate may get this one (`--replace-cert`). */
  readonly allowCertificateReplace?: boolean;
  /** The org's API version, for package.xml. */
  readonly apiVersion?: string;
};

export type ComponentAction = 'create' | 'update' | 'unchanged';

/** Why a component is created, updated or left as it is; the command words each code. */
export type PlanReason =
  | { readonly code: 'APP_MISSING' }
  | { readonly code: 'COMPONENT_MISSING' }
  | { readonly code: 'UP_TO_DATE' }
  | { readonly code: 'CERTIFICATE_MISSING' }
  | { readonly code: 'CERTIFICATE_DIFFERS'; readonly replaceAllowed: boolean }
  | { readonly code: 'CALLBACK_MISSING'; readonly wanted: string }
  | { readonly code: 'CALLBACK_DIFFERS'; readonly existing: string; readonly wanted: string }
  | { readonly code: 'SCOPES_MISSING'; readonly missing: readonly string[] }
  | { readonly code: 'PLUGINS_DISABLED' }
  | { readonly code: 'OAUTH_PLUGIN_DISABLED' }
  | { readonly code: 'POLICY_NOT_PREAUTHORIZED'; readonly existing: string | undefined }
  | { readonly code: 'PERMISSION_SET_NOT_LISTED'; readonly permissionSet: string }
  | { readonly code: 'PERMISSION_SET_MISSING'; readonly permissionSet: string }
  | { readonly code: 'PERMISSION_SET_PRESENT'; readonly permissionSet: string };

export type ComponentPlan = {
  readonly component: SetupComponent;
  readonly type: string;
  readonly fullName: string;
  readonly action: ComponentAction;
  readonly reasons: readonly PlanReason[];
};

/**
 * The certificate on the org's app compared with the JWT key's: `same`, `different` (the app has another
 * one: replacing it stops every key made for the old one, so it needs `allowCertificateReplace`), or
 * `missing` (a new app, an app without one, or global OAuth settings that could not be read).
 */
export type CertificateVerdict = 'same' | 'different' | 'missing';

/**
 * The consumer key: `new` (a new app: the key the package creates), `existing` (the app's own key, as read:
 * kept), or `unconfirmed` (the app exists and its key could not be read: `CONSUMER_KEY_UNREADABLE` when the
 * global OAuth settings were read without it, as for a reader without the permission to view consumer
 * secrets; `GLOBAL_OAUTH_UNREADABLE` when none were read). No key is invented: the package then leaves the
 * key out, and the command has no key to log in with until it is given one.
 */
export type ConsumerKeyPlan =
  | { readonly status: 'new'; readonly value: string }
  | { readonly status: 'existing'; readonly value: string }
  | { readonly status: 'unconfirmed'; readonly code: 'CONSUMER_KEY_UNREADABLE' | 'GLOBAL_OAUTH_UNREADABLE' };

export type SetupPlan = {
  /** Whether the app exists in the org. */
  readonly appExists: boolean;
  /** One entry per component of the package, in package order. */
  readonly components: readonly ComponentPlan[];
  /** The components to deploy (created or updated); empty: nothing differs, nothing to deploy. */
  readonly deploy: readonly SetupComponent[];
  readonly certificate: { readonly verdict: CertificateVerdict; readonly replaceAllowed: boolean };
  /** What forbids the deploy (the app has another certificate, and replacing it is not allowed); empty: none. */
  readonly blockers: readonly PlanReason[];
  readonly consumerKey: ConsumerKeyPlan;
  /** The `commaSeparatedPermissionSet` list: the app's own, and the permission set when it was not in it. */
  readonly permissionSets: readonly string[];
  /** The `commaSeparatedProfile` list, as read. */
  readonly profiles: readonly string[];
  /** The OAuth scopes (Metadata API names): the app's own, and the wanted ones it lacked. */
  readonly scopes: readonly string[];
  readonly callbackUrl: string;
  /** The package of `deploy`, for buildSetupPackage (when `deploy` is not empty and nothing blocks it). */
  readonly spec: SetupPackageSpec;
};

/** The app's components as read, each undefined when missing. */
type Existing = {
  readonly app?: ExistingRecord;
  readonly globalOauth?: ExistingRecord;
  readonly oauth?: ExistingRecord;
  readonly policies?: ExistingRecord;
  readonly oauthPolicies?: ExistingRecord;
};

const componentPlan = (
  name: SetupComponent,
  fullName: string,
  action: ComponentAction,
  reasons: readonly PlanReason[],
): ComponentPlan => ({ component: name, type: SETUP_COMPONENT_TYPES[name].type, fullName, action, reasons });

/** `create` when missing, else `update` with the reasons found, or `unchanged`. */
function decide(
  name: EcaComponent,
  fullName: string,
  existing: ExistingRecord | undefined,
  reasons: readonly PlanReason[],
): ComponentPlan {
  if (!existing) return componentPlan(name, fullName, 'create', [{ code: 'COMPONENT_MISSING' }]);
  if (reasons.length > 0) return componentPlan(name, fullName, 'update', reasons);
  return componentPlan(name, fullName, 'unchanged', [{ code: 'UP_TO_DATE' }]);
}

function certificateVerdict(existing: string | undefined, wanted: string): CertificateVerdict {
  if (certificateDer(existing) === undefined) return 'missing';
  return sameCertificate(existing, wanted) ? 'same' : 'different';
}

function planConsumerKey(appExists: boolean, globalOauth: ExistingRecord | undefined, given?: string): ConsumerKeyPlan {
  if (!appExists) return { status: 'new', value: given ?? generateConsumerKey() };
  const existing = readText(globalOauth?.consumerKey)?.trim();
  if (existing) return { status: 'existing', value: existing };
  return { status: 'unconfirmed', code: globalOauth ? 'CONSUMER_KEY_UNREADABLE' : 'GLOBAL_OAUTH_UNREADABLE' };
}

/** The callback URL to deploy and why it changes, from the app's callback URLs (one per line) and the wanted one. */
function planCallback(
  globalOauth: ExistingRecord | undefined,
  wanted: string | undefined,
): { url: string; reasons: PlanReason[] } {
  if (!globalOauth) return { url: wanted ?? DEFAULT_CALLBACK_URL, reasons: [] };
  const existing = readText(globalOauth.callbackUrl)?.trim();
  if (!existing) {
    const url = wanted ?? DEFAULT_CALLBACK_URL;
    return { url, reasons: [{ code: 'CALLBACK_MISSING', wanted: url }] };
  }
  if (wanted === undefined || existing.split(/\r?\n/).some((line) => line.trim() === wanted)) {
    return { url: existing, reasons: [] };
  }
  return { url: wanted, reasons: [{ code: 'CALLBACK_DIFFERS', existing, wanted }] };
}

function planScopes(
  oauth: ExistingRecord | undefined,
  wanted: readonly string[],
): { scopes: string[]; reasons: PlanReason[] } {
  if (!oauth) return { scopes: [...wanted], reasons: [] };
  const existing = splitScopeList(readText(oauth.commaSeparatedOauthScopes));
  const missing = missingScopes(existing, wanted);
  return {
    scopes: [...existing, ...missing],
    reasons: missing.length > 0 ? [{ code: 'SCOPES_MISSING', missing }] : [],
  };
}

function planPlugins(policies: ExistingRecord | undefined): PlanReason[] {
  const reasons: PlanReason[] = [];
  if (policies && !readFlag(policies.isEnabled, true)) reasons.push({ code: 'PLUGINS_DISABLED' });
  if (policies && !readFlag(policies.isOauthPluginEnabled, true)) reasons.push({ code: 'OAUTH_PLUGIN_DISABLED' });
  return reasons;
}

/** Whether `list` names the permission set, by API name (any case) or by Id (15 or 18 characters). */
function listsPermissionSet(list: readonly string[], name: string, id: string | undefined): boolean {
  const id15 = id && id.length >= 15 ? id.slice(0, 15) : undefined;
  return list.some(
    (item) => item.toLowerCase() === name.toLowerCase() || (id15 !== undefined && item.slice(0, 15) === id15),
  );
}

function planAccess(
  oauthPolicies: ExistingRecord | undefined,
  permissionSet: string,
  permissionSetId: string | undefined,
): { permissionSets: string[]; profiles: string[]; reasons: PlanReason[] } {
  const existing = readList(oauthPolicies?.commaSeparatedPermissionSet);
  const profiles = readList(oauthPolicies?.commaSeparatedProfile);
  const listed = listsPermissionSet(existing, permissionSet, permissionSetId);
  const permissionSets = listed ? existing : [...existing, permissionSet];
  const reasons: PlanReason[] = [];
  if (oauthPolicies) {
    const policyType = readText(oauthPolicies.permittedUsersPolicyType)?.trim();
    if (policyType !== PERMITTED_USERS_POLICY) {
      reasons.push({ code: 'POLICY_NOT_PREAUTHORIZED', existing: policyType ? policyType : undefined });
    }
    if (!listed) reasons.push({ code: 'PERMISSION_SET_NOT_LISTED', permissionSet });
  }
  return { permissionSets, profiles, reasons };
}

/** The app's components from the reads; without the app, whatever else was read is not this app's. */
function existingComponents(reads: ExistingReads): Existing {
  const app = normaliseRead(reads.app);
  if (!app) return {};
  return {
    app,
    globalOauth: normaliseRead(reads.globalOauth),
    oauth: normaliseRead(reads.oauth),
    policies: normaliseRead(reads.policies),
    oauthPolicies: normaliseRead(reads.oauthPolicies),
  };
}

/**
 * Decides what the deploy must create or change, from what `metadata.read` returned for the app's components
 * (`reads`) and what the command wants (`desired`). Each component is `create`, `update` or `unchanged` with
 * its reasons, and `deploy` names the ones to send (empty when nothing differs). Values are compared after
 * normalising: certificates by their DER bytes (however the PEM is wrapped), scopes as a set of Metadata API
 * names in any order and case (a same-behaviour scope counts), lists item by item in any case.
 *
 * Kept from the org: the consumer key (never changed; `unconfirmed` when it could not be read, and then left
 * out of the package rather than invented), the component names it has, the scopes, permission sets and
 * profiles the app already has (what is wanted is added, nothing is dropped), the callback URL unless another
 * is asked for, and, through `spec.carry`, every other field the command does not set. An app with another
 * certificate gives the verdict `different` and, without `allowCertificateReplace`, a blocker: the plan does
 * not throw for it. Throws SetupPackageError only for a desired state that cannot be built (a bad name or
 * scope).
 */
export function planSetupPackage(reads: ExistingReads, desired: DesiredApp): SetupPlan {
  requireApiName(desired.appName, 'appName');
  const permissionSetName = desired.permissionSetName ?? DEFAULT_PERMISSION_SET;
  requireApiName(permissionSetName, 'permissionSetName');
  const wantedScopes = requireScopes(desired.scope);

  const existing = existingComponents(reads);
  const appExists = existing.app !== undefined;
  const usual = ecaComponentNames(desired.appName);
  const names: Record<EcaComponent, string> = {
    app: existing.app?.fullName ?? usual.app,
    globalOauth: existing.globalOauth?.fullName ?? usual.globalOauth,
    oauth: existing.oauth?.fullName ?? usual.oauth,
    policies: existing.policies?.fullName ?? usual.policies,
    oauthPolicies: existing.oauthPolicies?.fullName ?? usual.oauthPolicies,
  };

  const verdict = certificateVerdict(readText(existing.globalOauth?.certificate), desired.certificatePem);
  const replaceAllowed = desired.allowCertificateReplace === true;
  const consumerKey = planConsumerKey(appExists, existing.globalOauth, desired.consumerKey);
  const callback = planCallback(existing.globalOauth, desired.callbackUrl);
  const globalReasons: PlanReason[] = [
    ...(verdict === 'missing' ? [{ code: 'CERTIFICATE_MISSING' } as const] : []),
    ...(verdict === 'different' ? [{ code: 'CERTIFICATE_DIFFERS', replaceAllowed } as const] : []),
    ...callback.reasons,
  ];
  const scopes = planScopes(existing.oauth, wantedScopes);
  const access = planAccess(existing.oauthPolicies, permissionSetName, desired.permissionSetId);

  const components: ComponentPlan[] = [
    appExists
      ? componentPlan('app', names.app, 'unchanged', [{ code: 'UP_TO_DATE' }])
      : componentPlan('app', names.app, 'create', [{ code: 'APP_MISSING' }]),
    decide('globalOauth', names.globalOauth, existing.globalOauth, globalReasons),
    decide('oauth', names.oauth, existing.oauth, scopes.reasons),
    decide('policies', names.policies, existing.policies, planPlugins(existing.policies)),
    decide('oauthPolicies', names.oauthPolicies, existing.oauthPolicies, access.reasons),
    desired.createPermissionSet
      ? componentPlan('permissionSet', permissionSetName, 'create', [
          { code: 'PERMISSION_SET_MISSING', permissionSet: permissionSetName },
        ])
      : componentPlan('permissionSet', permissionSetName, 'unchanged', [
          { code: 'PERMISSION_SET_PRESENT', permissionSet: permissionSetName },
        ]),
  ];
  const deploy = components.filter((plan) => plan.action !== 'unchanged').map((plan) => plan.component);
  const blockers: PlanReason[] =
    verdict === 'different' && !replaceAllowed ? [{ code: 'CERTIFICATE_DIFFERS', replaceAllowed }] : [];

  const spec: SetupPackageSpec = {
    appName: desired.appName,
    label: desired.label,
    contactEmail: desired.contactEmail,
    description: desired.description,
    certificatePem: desired.certificatePem,
    callbackUrl: callback.url,
    oauthScopes: scopes.scopes,
    consumerKey: consumerKey.status === 'unconfirmed' ? null : consumerKey.value,
    permissionSetName,
    permissionSets: access.permissionSets,
    profiles: access.profiles,
    createPermissionSet: desired.createPermissionSet === true,
    permissionSetLabel: desired.permissionSetLabel,
    permissionSetDescription: desired.permissionSetDescription,
    apiVersion: desired.apiVersion,
    names,
    include: deploy,
    carry: { ...existing },
  };
  return {
    appExists,
    components,
    deploy,
    certificate: { verdict, replaceAllowed },
    blockers,
    consumerKey,
    permissionSets: access.permissionSets,
    profiles: access.profiles,
    scopes: scopes.scopes,
    callbackUrl: callback.url,
    spec,
  };
}
