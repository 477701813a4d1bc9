/*
 * A scenario is the data of one emulated Salesforce org: its users, apps, permission sets, grants,
 * approvals and the faults to inject. Fixtures under emulator/scenarios/ are plain data of this
 * shape; certificates are referenced by file name under emulator/keys/ (or given inline as PEM).
 */

export type ScenarioUser = {
  id: string; // 005…
  username: string;
  isActive?: boolean; // default true
  isFrozen?: boolean; // UserLogin.IsFrozen, default false
  profileId: string; // 00e…
  /** Profile login IP ranges / hours block this user (and the app's ipRelaxation is ENFORCE). */
  ipRestricted?: boolean;
  /**
   * The approval / grant exists on the user record, but the token endpoint still answers
   * "user hasn't approved this consumer" (not yet propagated after a refresh). Cleared by
   * the control API or after `propagationDelayMs`.
   */
  approvalPending?: boolean;
  propagationDelayMs?: number;
  /** Exceeded login rate. */
  rateLimited?: boolean;
  /**
   * The user's permissions that the emulator checks. Each one left out is true, unless the user is in
   * `restrictedUsers`, whose permissions all default to false.
   */
  permissions?: UserPermissions;
};

/**
 * User permissions the emulator checks, each named after Salesforce's.
 *
 * modifyAllData, modifyMetadata ("Modify All Data", "Modify Metadata Through Metadata API Functions"): either one
 * is needed for any Metadata API call (read, list, deploy); without both, the call is a SOAP fault
 * INSUFFICIENT_ACCESS.
 *
 * customizeApplication: creating and editing external client apps by deploy (ExternalClientApplication, its
 * global OAuth settings and OAuth settings; it stands for "Customize Application" together with "Create, edit,
 * and delete External Client Apps"), and seeing every user's OauthToken rows (without it, only one's own).
 *
 * viewSetup ("View Setup and Configuration"): querying SetupEntityAccess and PermissionSetAssignment.
 *
 * managePermissionSets ("Manage Profiles and Permission Sets", "Assign Permission Sets"): creating and deleting
 * PermissionSet, SetupEntityAccess and PermissionSetAssignment rows, and deploying a PermissionSet.
 *
 * manageEcaPolicies ("View all External Client Apps, view their settings, and edit their policies"): reading and
 * deploying ExtlClntAppConfigurablePolicies and ExtlClntAppOauthConfigurablePolicies.
 *
 * viewEcaConsumerSecrets ("View External Client Apps Consumer Secrets in Metadata"): readMetadata of
 * ExtlClntAppGlobalOauthSettings returns consumerKey (when the org allows it too, see
 * org.consumerSecretsViaMetadata), and deploying the global OAuth and OAuth settings is allowed.
 */
export type UserPermissions = {
  modifyAllData?: boolean;
  modifyMetadata?: boolean;
  customizeApplication?: boolean;
  viewSetup?: boolean;
  managePermissionSets?: boolean;
  manageEcaPolicies?: boolean;
  viewEcaConsumerSecrets?: boolean;
};

/** The parts of an external client app, each one Metadata API component of its own type. */
export type EcaPart = 'app' | 'globalOauth' | 'oauthSettings' | 'policies' | 'oauthPolicies';

/** Who made or last changed a metadata component, and when (ISO date-times; listMetadata shows them). */
export type MetadataAudit = {
  createdDate?: string;
  createdById?: string;
  lastModifiedDate?: string;
  lastModifiedById?: string;
};

/**
 * The metadata of an external client app beyond what its ScenarioApp fields say. Every field is optional:
 * a fixture app without it has all four components under Salesforce's usual names
 * (<app>_glbloauth, <app>_oauth, <app>_plcy, <app>_oauthPlcy).
 */
export type ScenarioEca = {
  contactEmail?: string;
  description?: string;
  distributionState?: 'Local' | 'Packaged';
  isProtected?: boolean;
  /**
   * fullName of each component other than the app itself: a missing key is the usual name, null means the
   * app has no such component (e.g. an app deployed without OAuth settings).
   */
  components?: Partial<Record<Exclude<EcaPart, 'app'>, string | null>>;
  /** The `label` of each component as deployed (default: the app's label). */
  labels?: Partial<Record<EcaPart, string>>;
  /** ExtlClntAppConfigurablePolicies: the app and its OAuth plugin are on (default true). */
  isEnabled?: boolean;
  isOauthPluginEnabled?: boolean;
  isConsumerSecretOptional?: boolean;
  /** ExtlClntAppOauthConfigurablePolicies.refreshTokenPolicyType (default Infinite). */
  refreshTokenPolicyType?: string;
  audit?: Partial<Record<EcaPart, MetadataAudit>>;
};

export type ScenarioApp = {
  id: string; // ConnectedApplication Id 0H4…, or ExternalClientApplication 0xI…
  kind?: 'ConnectedApplication' | 'ExternalClientApplication'; // default ConnectedApplication
  /** Metadata fullName (API name). ConnectedApplication.Name is the same value. */
  name: string;
  label: string;
  consumerKey: string;
  /** Optional consumer secret for the authorization-code grant. */
  consumerSecret?: string;
  /** PEM text, or a file name under emulator/keys/. */
  certificate?: string;
  /** Metadata scope names: Api, Web, RefreshToken, OfflineAccess, Full, … */
  scopes: string[];
  /** "Admin approved users are pre-authorized" (oauthConfig.isAdminApproved). */
  adminApprovedOnly?: boolean;
  callbackUrls: string[];
  isPkceRequired?: boolean;
  /** When false, the app is not installed in this org: ECA → app_not_found. */
  installed?: boolean;
  /**
   * What the token endpoint answers when an admin-approved app has no grant for the user. Default:
   * invalid_grant / "user hasn't approved this consumer"; 'invalid_app_access' answers
   * invalid_app_access / "user is not admin approved to access this app" (both are reported).
   */
  adminApprovalError?: 'invalid_app_access';
  /**
   * ECA only: an assertion whose `aud` is https://login.salesforce.com or https://test.salesforce.com is
   * answered app_not_found ("External client app is not installed in this org"), while the org's own URL (My
   * Domain) works, as ECAs are reported to behave since Spring '26.
   */
  refusesLegacyAudiences?: boolean;
  /** ConnectedApp.contactEmail (ECAs: eca.contactEmail). */
  contactEmail?: string;
  /** The OAuth policy's IP relaxation, in ConnectedApp's spelling (an ECA shows it as Enforce, Bypass, …). */
  ipRelaxation?: 'ENFORCE' | 'BYPASS_2FACTOR' | 'BYPASS' | 'ENFORCE_RELAXREFRESH';
  /** ConnectedApp.oauthPolicy.refreshTokenPolicy (default infinite). */
  refreshTokenPolicy?: string;
  /** External client apps: the rest of their metadata. */
  eca?: ScenarioEca;
};

export type ScenarioPermissionSet = {
  id: string; // 0PS…
  name: string;
  label?: string;
  description?: string;
  hasActivationRequired?: boolean;
  isOwnedByProfile?: boolean;
  profileId?: string;
  audit?: MetadataAudit;
};

/** A ScratchOrgInfo row of a Dev Hub (org.isDevHub). */
export type ScenarioScratchOrgInfo = {
  id: string; // 2SR…
  orgName?: string;
  signupUsername?: string;
  /** The scratch org's id (15 characters, as Salesforce stores it). */
  scratchOrg?: string;
  status?: 'New' | 'Deleted' | 'Active' | 'Error';
  expirationDate?: string; // YYYY-MM-DD
  createdDate?: string;
};

export type ScenarioProfile = { id: string; name: string };

export type ScenarioSetupEntityAccess = {
  id?: string; // 0J0…
  parentId: string; // PermissionSet id
  setupEntityId: string; // app id
  setupEntityType?: 'ConnectedApplication' | 'ExternalClientApplication';
};

export type ScenarioAssignment = {
  id?: string; // 0Pa…
  assigneeId: string;
  permissionSetId: string;
};

export type ScenarioOauthToken = {
  userId: string;
  appId: string;
  /** OAuth scope strings granted by the approval (refresh_token, api, web, …). */
  scopes: string[];
  createdDate?: string;
  lastUsedDate?: string;
  useCount?: number;
};

export type Faults = {
  /** Delay every answer by this many ms. */
  latencyMs?: number;
  /** Paths (prefix match) to which each fault applies; default: the token endpoint. */
  paths?: string[];
  /** Answer 503 with an HTML maintenance page. */
  html503?: boolean;
  /** Answer 200 with a body that is not valid JSON. */
  malformedJson?: boolean;
  /** Accept the connection and never answer. */
  hang?: boolean;
  /** Destroy the socket without an answer. */
  reset?: boolean;
  /** Answer 404 NOT_FOUND, as for a resource the org does not offer (e.g. the Composite API). */
  notFound?: boolean;
  /** Shift the server's `Date` header and its notion of now by this many seconds. */
  clockOffsetSeconds?: number;
  /** Answer every matching request with this OAuth error body (default status 400), e.g. one Salesforce has not documented. */
  oauthError?: { status?: number; error: string; error_description?: string };
};

export type Scenario = {
  name: string;
  description?: string;
  org: {
    id: string; // 00D…
    name: string;
    isSandbox?: boolean;
    instanceName?: string;
    organizationType?: string;
    /** inactive_org for every login. */
    inactive?: boolean;
    /**
     * A Dev Hub: ScratchOrgInfo exists (the `SELECT Id FROM ScratchOrgInfo limit 1` core sends after a login
     * answers 200 with `scratchOrgInfos`), so core stores isDevHub: true. Elsewhere it is INVALID_TYPE.
     */
    isDevHub?: boolean;
    /**
     * For this many ms after a deploy changes an external client app or its grants, the token endpoint still
     * answers as before the deploy: a new app is app_not_found, a new grant "user hasn't approved this
     * consumer", a removed certificate still verifies. Default 0. POST /__propagate ends every window at once.
     */
    propagationDelayMs?: number;
    /** checkDeployStatus answers InProgress (done: false) this many times before the deploy is done. Default 1. */
    deployPendingPolls?: number;
    /**
     * Setup → External Client App Settings → "Allow Access to OAuth Consumer Secrets via Metadata API" (default
     * true). When false, readMetadata of ExtlClntAppGlobalOauthSettings never returns consumerKey.
     */
    consumerSecretsViaMetadata?: boolean;
  };
  /**
   * When set, exactly these `aud` values are accepted by the token endpoint (a trailing slash is
   * ignored; `$BASE` stands for the emulator's own base URL, i.e. the My Domain). Default:
   * `['$BASE', 'https://login.salesforce.com']` for production, `['$BASE', 'https://test.salesforce.com']`
   * for a sandbox (org.isSandbox).
   */
  audiences?: string[];
  /**
   * How `exp` is read. 'seconds' (default) is what Salesforce does: core's millisecond `exp` is then
   * far in the future. 'auto' reads a 13-digit `exp` as milliseconds; only for clock-skew scenarios
   * together with faults.clockOffsetSeconds.
   */
  expUnit?: 'seconds' | 'auto';
  profiles: ScenarioProfile[];
  users: ScenarioUser[];
  apps: ScenarioApp[];
  permissionSets: ScenarioPermissionSet[];
  setupEntityAccess: ScenarioSetupEntityAccess[];
  permissionSetAssignments: ScenarioAssignment[];
  oauthTokens: ScenarioOauthToken[];
  /**
   * User ids (005…) whose permissions all default to false (see UserPermissions; a user's own `permissions`
   * still win): queries on setup objects answer INSUFFICIENT_ACCESS, sObject creates are refused and the
   * Metadata API is a SOAP fault (an admin org without the needed permissions).
   */
  restrictedUsers?: string[];
  /** Dev Hub only: its ScratchOrgInfo rows. */
  scratchOrgInfos?: ScenarioScratchOrgInfo[];
  faults?: Faults;
};
