/*
 * The org's metadata as the Metadata API shows it: which components of each type exist, their files in a
 * package, their ids and dates, and the XML of each one for readMetadata. Everything is computed from the
 * scenario data, so a deploy (deploy.ts) only has to change that data.
 *
 * An external client app (ECA) is five components: ExternalClientApplication (the header) and, each naming
 * the app in its `externalClientApplication` field, its global OAuth settings, OAuth settings, policies and
 * OAuth policies. Salesforce names the last four <app>_glbloauth, <app>_oauth, <app>_plcy and <app>_oauthPlcy
 * when the app is made in Setup; a deploy may name them otherwise, and then the app keeps those names.
 */
import { deriveId, KEY_PREFIXES } from './ids.js';
import type {
  EcaPart,
  MetadataAudit,
  Scenario,
  ScenarioApp,
  ScenarioPermissionSet,
  ScenarioProfile,
} from './scenario.js';
import { el } from './xml.js';

/** When a fixture says nothing about a component's dates. */
export const DEFAULT_METADATA_DATE = '2025-01-06T09:00:00.000Z';

/** Folder and file suffix of each metadata type in a deploy package (Metadata API format). */
export const METADATA_FILES: Readonly<Record<string, { folder: string; suffix: string }>> = {
  ConnectedApp: { folder: 'connectedApps', suffix: 'connectedApp' },
  PermissionSet: { folder: 'permissionsets', suffix: 'permissionset' },
  ExternalClientApplication: { folder: 'externalClientApps', suffix: 'eca' },
  ExtlClntAppGlobalOauthSettings: { folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth' },
  ExtlClntAppOauthSettings: { folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth' },
  ExtlClntAppConfigurablePolicies: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy' },
  ExtlClntAppOauthConfigurablePolicies: { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy' },
};

/** The metadata type of each ECA part, and the name Salesforce gives it by default. */
export const ECA_PARTS: ReadonlyArray<{ part: EcaPart; type: string; defaultName: (app: string) => string }> = [
  { part: 'app', type: 'ExternalClientApplication', defaultName: (app) => app },
  { part: 'globalOauth', type: 'ExtlClntAppGlobalOauthSettings', defaultName: (app) => `${app}_glbloauth` },
  { part: 'oauthSettings', type: 'ExtlClntAppOauthSettings', defaultName: (app) => `${app}_oauth` },
  { part: 'policies', type: 'ExtlClntAppConfigurablePolicies', defaultName: (app) => `${app}_plcy` },
  { part: 'oauthPolicies', type: 'ExtlClntAppOauthConfigurablePolicies', defaultName: (app) => `${app}_oauthPlcy` },
];

export function ecaPartOfType(type: string): EcaPart | undefined {
  return ECA_PARTS.find((p) => p.type === type)?.part;
}

export function fileNameOf(type: string, fullName: string): string {
  const file = METADATA_FILES[type];
  return `${file.folder}/${fullName}.${file.suffix}`;
}

export function isEca(app: ScenarioApp): boolean {
  return app.kind === 'ExternalClientApplication';
}

/** External client apps of this org (installed ones: an uninstalled one belongs to another org). */
export function installedEcas(data: Scenario): ScenarioApp[] {
  return data.apps.filter((a) => isEca(a) && a.installed !== false);
}

/** The fullName of one part of an ECA, or undefined when the app has no such component. */
export function ecaComponentName(app: ScenarioApp, part: EcaPart): string | undefined {
  if (part === 'app') return app.name;
  const named = app.eca?.components?.[part];
  if (named === null) return undefined;
  return named ?? (ECA_PARTS.find((p) => p.part === part) as (typeof ECA_PARTS)[number]).defaultName(app.name);
}

/** The record id behind one part of an ECA (the app's own id for the header). */
export function ecaComponentId(app: ScenarioApp, part: EcaPart): string {
  switch (part) {
    case 'app':
      return app.id;
    case 'globalOauth':
      return deriveId(KEY_PREFIXES.ExtlClntAppGlobalOauthSettings, app.id);
    case 'oauthSettings':
      return deriveId(KEY_PREFIXES.ExtlClntAppOauthSettings, app.id);
    case 'policies':
      return deriveId(KEY_PREFIXES.ExtlClntAppConfigurablePolicies, app.id);
    default:
      return deriveId(KEY_PREFIXES.ExtlClntAppOauthPlcyCnfg, app.id);
  }
}

export function ecaLabel(app: ScenarioApp, part: EcaPart): string {
  return app.eca?.labels?.[part] ?? app.label;
}

/** Dates and authors of a component, with the fixture defaults filled in. */
export function auditOf(audit: MetadataAudit | undefined, fallbackUserId: string): Required<MetadataAudit> {
  return {
    createdDate: audit?.createdDate ?? DEFAULT_METADATA_DATE,
    createdById: audit?.createdById ?? fallbackUserId,
    lastModifiedDate: audit?.lastModifiedDate ?? audit?.createdDate ?? DEFAULT_METADATA_DATE,
    lastModifiedById: audit?.lastModifiedById ?? audit?.createdById ?? fallbackUserId,
  };
}

/** ECA policy enumeration spelling of ConnectedApp's ipRelaxation values. */
export const IP_RELAXATION_TO_ECA: Readonly<Record<NonNullable<ScenarioApp['ipRelaxation']>, string>> = {
  ENFORCE: 'Enforce',
  BYPASS: 'Bypass',
  BYPASS_2FACTOR: 'Bypass_2factor',
  ENFORCE_RELAXREFRESH: 'Enforce_RelaxRefresh',
};

/**
 * What grants an app: the custom permission sets and the profiles (through their profile-owned permission sets)
 * with a SetupEntityAccess row for it. This is what an ECA's OAuth policy lists.
 */
export function grantsOf(
  data: Pick<Scenario, 'setupEntityAccess' | 'permissionSets' | 'profiles'>,
  appId: string,
): { permissionSets: ScenarioPermissionSet[]; profiles: ScenarioProfile[] } {
  const parents = data.setupEntityAccess
    .filter((s) => s.setupEntityId === appId)
    .map((s) => data.permissionSets.find((p) => p.id === s.parentId))
    .filter((p): p is ScenarioPermissionSet => p !== undefined);
  const profiles = parents
    .filter((p) => p.isOwnedByProfile)
    .map((p) => data.profiles.find((profile) => profile.id === p.profileId))
    .filter((p): p is ScenarioProfile => p !== undefined);
  return { permissionSets: parents.filter((p) => !p.isOwnedByProfile), profiles };
}

/** Who reads: the consumer key is shown only to a user allowed to see consumer secrets in metadata. */
export type MetadataViewer = { consumerKeyVisible: boolean };

/** One component of the org, as listMetadata lists it and readMetadata renders it. */
export type MetadataComponent = {
  type: string;
  fullName: string;
  id: string;
  fileName: string;
  audit: Required<MetadataAudit>;
  /** The fields of its readMetadata record (after fullName), in Salesforce's alphabetical order. */
  render(viewer: MetadataViewer): string;
};

/** Every component of a type in the org, in a stable order (empty for a type the emulator does not model). */
export function metadataComponents(data: Scenario, type: string): MetadataComponent[] {
  const firstUser = data.users[0]?.id ?? '';
  if (type === 'ConnectedApp') {
    return data.apps
      .filter((a) => !isEca(a) && a.installed !== false)
      .map((app) => ({
        type,
        fullName: app.name,
        id: app.id,
        fileName: fileNameOf(type, app.name),
        audit: auditOf(undefined, firstUser),
        render: (): string => renderConnectedApp(app),
      }));
  }
  if (type === 'PermissionSet') {
    return data.permissionSets
      .filter((p) => !p.isOwnedByProfile)
      .map((ps) => ({
        type,
        fullName: ps.name,
        id: ps.id,
        fileName: fileNameOf(type, ps.name),
        audit: auditOf(ps.audit, firstUser),
        render: (): string =>
          el('description', ps.description) +
          el('hasActivationRequired', ps.hasActivationRequired ?? false) +
          el('label', ps.label ?? ps.name),
      }));
  }
  const part = ecaPartOfType(type);
  if (!part) return [];
  return installedEcas(data).flatMap((app) => {
    const fullName = ecaComponentName(app, part);
    if (fullName === undefined) return [];
    return [
      {
        type,
        fullName,
        id: ecaComponentId(app, part),
        fileName: fileNameOf(type, fullName),
        audit: auditOf(app.eca?.audit?.[part] ?? app.eca?.audit?.app, firstUser),
        render: (viewer: MetadataViewer): string => renderEcaPart(data, app, part, viewer),
      },
    ];
  });
}

function renderConnectedApp(app: ScenarioApp): string {
  return (
    el('contactEmail', app.contactEmail ?? 'admin@example.com') +
    el('label', app.label) +
    '<oauthConfig>' +
    el('callbackUrl', app.callbackUrls.join('\n')) +
    el('certificate', app.certificate) +
    el('consumerKey', app.consumerKey) +
    el('isAdminApproved', app.adminApprovedOnly ?? false) +
    el('isClientCredentialEnabled', false) +
    el('isCodeCredentialEnabled', false) +
    el('isConsumerSecretOptional', false) +
    el('isIntrospectAllTokens', false) +
    el('isNamedUserJwtEnabled', false) +
    el('isPkceRequired', app.isPkceRequired ?? false) +
    el('isRefreshTokenRotationEnabled', false) +
    el('isSecretRequiredForRefreshToken', true) +
    el('isTokenExchangeEnabled', false) +
    app.scopes.map((s) => el('scopes', s)).join('') +
    '</oauthConfig>' +
    '<oauthPolicy>' +
    el('ipRelaxation', app.ipRelaxation ?? 'ENFORCE') +
    el('refreshTokenPolicy', app.refreshTokenPolicy ?? 'infinite') +
    '</oauthPolicy>'
  );
}

/** The readMetadata fields of one part of an ECA. */
export function renderEcaPart(data: Scenario, app: ScenarioApp, part: EcaPart, viewer: MetadataViewer): string {
  switch (part) {
    case 'app':
      return renderHeader(data, app);
    case 'globalOauth':
      return renderGlobalOauth(app, viewer);
    case 'oauthSettings':
      return el('commaSeparatedOauthScopes', app.scopes.join(', ')) + owner(app) + el('label', ecaLabel(app, part));
    case 'policies':
      return (
        owner(app) +
        el('isEnabled', app.eca?.isEnabled ?? true) +
        el('isOauthPluginEnabled', app.eca?.isOauthPluginEnabled ?? true) +
        el('label', ecaLabel(app, part))
      );
    default:
      return renderOauthPolicies(data, app);
  }
}

const owner = (app: ScenarioApp): string => el('externalClientApplication', app.name);

function renderHeader(data: Scenario, app: ScenarioApp): string {
  const eca = app.eca ?? {};
  return (
    el('contactEmail', eca.contactEmail ?? app.contactEmail ?? 'admin@example.com') +
    el('description', eca.description) +
    el('distributionState', eca.distributionState ?? 'Local') +
    el('isProtected', eca.isProtected ?? false) +
    el('label', ecaLabel(app, 'app')) +
    el('orgScopedExternalApp', `${data.org.id.slice(0, 15)}:${app.name}`)
  );
}

function renderGlobalOauth(app: ScenarioApp, viewer: MetadataViewer): string {
  return (
    el('callbackUrl', app.callbackUrls.length ? app.callbackUrls.join('\n') : undefined) +
    el('certificate', app.certificate) +
    el('consumerKey', viewer.consumerKeyVisible && app.consumerKey !== '' ? app.consumerKey : undefined) +
    owner(app) +
    el('isConsumerSecretOptional', app.eca?.isConsumerSecretOptional ?? false) +
    el('isPkceRequired', app.isPkceRequired ?? true) +
    el('label', ecaLabel(app, 'globalOauth')) +
    el('shouldRotateConsumerKey', false) +
    el('shouldRotateConsumerSecret', false)
  );
}

function renderOauthPolicies(data: Scenario, app: ScenarioApp): string {
  const { permissionSets, profiles } = grantsOf(data, app.id);
  const list = (names: string[]): string | undefined => (names.length ? names.join(',') : undefined);
  return (
    el('commaSeparatedPermissionSet', list(permissionSets.map((p) => p.name))) +
    el('commaSeparatedProfile', list(profiles.map((p) => p.name))) +
    owner(app) +
    el('ipRelaxationPolicyType', IP_RELAXATION_TO_ECA[app.ipRelaxation ?? 'ENFORCE']) +
    el('isClientCredentialsFlowEnabled', false) +
    el('label', ecaLabel(app, 'oauthPolicies')) +
    el('permittedUsersPolicyType', app.adminApprovedOnly ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized') +
    el('refreshTokenPolicyType', app.eca?.refreshTokenPolicyType ?? 'Infinite')
  );
}
