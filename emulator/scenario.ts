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
};

export type ScenarioPermissionSet = {
  id: string; // 0PS…
  name: string;
  label?: string;
  isOwnedByProfile?: boolean;
  profileId?: string;
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
   * User ids (005…) whose REST access is limited: queries on setup objects answer INSUFFICIENT_ACCESS and
   * sObject creates are refused (an admin org without the needed permissions).
   */
  restrictedUsers?: string[];
  faults?: Faults;
};
