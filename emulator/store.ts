import type { DeployJob } from './deploy.js';
import { deriveId, KEY_PREFIXES, makeId, sameId, isValidId } from './ids.js';
import { resolveCertificate } from './keys.js';
import { auditOf, ecaComponentName, ecaLabel, IP_RELAXATION_TO_ECA } from './metadata.js';
import type {
  Scenario,
  ScenarioApp,
  ScenarioAssignment,
  ScenarioPermissionSet,
  ScenarioSetupEntityAccess,
  UserPermissions,
} from './scenario.js';
import type { Row, SObjectDescribe, SObjectField, SoqlDataSource } from './soql.js';

/** One REST error item, as Salesforce sends it inside the error array. */
export type ApiErrorItem = { message: string; errorCode: string; fields?: string[] };

/** A Salesforce API error: HTTP status plus the error array of the body. */
export class ApiError extends Error {
  public constructor(
    public readonly status: number,
    public readonly errors: ApiErrorItem[],
  ) {
    super(errors.map((e) => `${e.errorCode}: ${e.message}`).join('; '));
    this.name = 'ApiError';
  }
}

/** A change made through the API, so tests can assert exactly what the plugin changed. */
export type Change = {
  op: 'create' | 'delete';
  sobject: string;
  id: string;
  fields: Record<string, unknown>;
};

/** What the token endpoint sees while a deploy has not propagated yet: the apps and grants of before it. */
export type OAuthView = Pick<Scenario, 'apps' | 'setupEntityAccess'> & {
  /** True while a deploy is still propagating (the view is older than the data). */
  stale: boolean;
};

export const INSUFFICIENT_PRIVILEGES =
  'Insufficient Privileges: You do not have the level of access necessary to perform the operation you requested. Please contact the owner of the record or your administrator if access is necessary.';

/** Objects a user without View Setup and Configuration may not read. */
const SETUP_OBJECTS = new Set(['SetupEntityAccess', 'PermissionSetAssignment']);

const DEFAULT_DATE = '2025-01-06T09:00:00.000+0000';

/** Salesforce's date-time form: 2025-01-06T09:00:00.000+0000. */
export function sfDateTime(value: string | number | Date | undefined): string | null {
  if (value === undefined) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace('Z', '+0000');
}

function f(name: string, type: SObjectField['type'], extra: Partial<SObjectField> = {}): SObjectField {
  return { name, type, label: name, nillable: type !== 'boolean' && name !== 'Id', createable: false, ...extra };
}

function ref(name: string, referenceTo: string, relationshipName: string, createable = false): SObjectField {
  return f(name, 'reference', { referenceTo, relationshipName, createable });
}

/** The objects of the emulated org: names, key prefixes and fields with their canonical casing. */
export const SCHEMA: SObjectDescribe[] = [
  {
    name: 'Organization',
    label: 'Organization',
    keyPrefix: KEY_PREFIXES.Organization,
    fields: [
      f('Id', 'id'),
      f('Name', 'string'),
      f('InstanceName', 'string'),
      f('IsSandbox', 'boolean'),
      f('TrialExpirationDate', 'datetime'),
      f('NamespacePrefix', 'string'),
      f('OrganizationType', 'picklist'),
    ],
  },
  {
    name: 'User',
    label: 'User',
    keyPrefix: KEY_PREFIXES.User,
    fields: [
      f('Id', 'id'),
      f('Username', 'string'),
      f('Name', 'string'),
      f('FirstName', 'string'),
      f('LastName', 'string'),
      f('Email', 'email'),
      f('IsActive', 'boolean'),
      ref('ProfileId', 'Profile', 'Profile'),
      f('UserType', 'picklist'),
      f('CreatedDate', 'datetime'),
    ],
  },
  {
    name: 'UserLogin',
    label: 'User Login',
    keyPrefix: KEY_PREFIXES.UserLogin,
    fields: [f('Id', 'id'), ref('UserId', 'User', 'User'), f('IsFrozen', 'boolean'), f('IsPasswordLocked', 'boolean')],
  },
  {
    name: 'Profile',
    label: 'Profile',
    keyPrefix: KEY_PREFIXES.Profile,
    fields: [f('Id', 'id'), f('Name', 'string'), f('UserType', 'picklist')],
  },
  {
    name: 'PermissionSet',
    label: 'Permission Set',
    keyPrefix: KEY_PREFIXES.PermissionSet,
    createable: true,
    deletable: true,
    fields: [
      f('Id', 'id'),
      f('Name', 'string', { createable: true, nillable: false }),
      f('Label', 'string', { createable: true, nillable: false }),
      f('Description', 'textarea', { createable: true }),
      f('IsOwnedByProfile', 'boolean'),
      ref('ProfileId', 'Profile', 'Profile'),
      f('IsCustom', 'boolean'),
      f('Type', 'picklist'),
      f('NamespacePrefix', 'string'),
    ],
  },
  {
    name: 'PermissionSetAssignment',
    label: 'Permission Set Assignment',
    keyPrefix: KEY_PREFIXES.PermissionSetAssignment,
    createable: true,
    deletable: true,
    fields: [
      f('Id', 'id'),
      ref('AssigneeId', 'User', 'Assignee', true),
      ref('PermissionSetId', 'PermissionSet', 'PermissionSet', true),
      f('PermissionSetGroupId', 'reference'),
      f('IsActive', 'boolean'),
      f('ExpirationDate', 'datetime'),
      f('IsRevoked', 'boolean'),
    ],
  },
  {
    // Permission set groups are not modelled: the object exists and has no rows.
    name: 'PermissionSetGroupComponent',
    label: 'Permission Set Group Component',
    keyPrefix: KEY_PREFIXES.PermissionSetGroupComponent,
    fields: [
      f('Id', 'id'),
      f('PermissionSetGroupId', 'reference'),
      ref('PermissionSetId', 'PermissionSet', 'PermissionSet'),
    ],
  },
  {
    name: 'SetupEntityAccess',
    label: 'Setup Entity Access',
    keyPrefix: KEY_PREFIXES.SetupEntityAccess,
    createable: true,
    deletable: true,
    fields: [
      f('Id', 'id'),
      ref('ParentId', 'PermissionSet', 'Parent', true),
      f('SetupEntityId', 'reference', { createable: true }),
      f('SetupEntityType', 'picklist'),
    ],
  },
  {
    name: 'ConnectedApplication',
    label: 'Connected App',
    keyPrefix: KEY_PREFIXES.ConnectedApplication,
    fields: [
      f('Id', 'id'),
      f('Name', 'string'),
      f('OptionsAllowAdminApprovedUsersOnly', 'boolean'),
      f('OptionsRefreshTokenValidityMetric', 'boolean'),
      f('RefreshTokenValidityPeriod', 'int'),
      f('OptionsHasSessionLevelPolicy', 'boolean'),
      f('StartUrl', 'string'),
      f('MobileStartUrl', 'string'),
      f('CreatedDate', 'datetime'),
      f('LastModifiedDate', 'datetime'),
    ],
  },
  {
    name: 'ExternalClientApplication',
    label: 'External Client App',
    keyPrefix: KEY_PREFIXES.ExternalClientApplication,
    fields: [
      f('Id', 'id'),
      f('MasterLabel', 'string'),
      f('DeveloperName', 'string'),
      f('DistributionState', 'picklist'),
      f('NamespacePrefix', 'string'),
      f('CreatedDate', 'datetime'),
      f('LastModifiedDate', 'datetime'),
    ],
  },
  {
    name: 'ExtlClntAppOauthPlcyCnfg',
    label: 'External Client App OAuth Policy',
    keyPrefix: KEY_PREFIXES.ExtlClntAppOauthPlcyCnfg,
    fields: [
      f('Id', 'id'),
      f('DeveloperName', 'string'),
      f('MasterLabel', 'string'),
      ref('ExternalClientApplicationId', 'ExternalClientApplication', 'ExternalClientApplication'),
      f('PermittedUsersPolicyType', 'picklist'),
      f('IpRelaxationPolicyType', 'picklist'),
      f('RefreshTokenPolicyType', 'picklist'),
    ],
  },
  {
    name: 'AppMenuItem',
    label: 'App Menu Item',
    keyPrefix: KEY_PREFIXES.AppMenuItem,
    fields: [
      f('Id', 'id'),
      f('ApplicationId', 'reference'),
      f('Name', 'string'),
      f('Label', 'string'),
      f('Type', 'picklist'),
    ],
  },
  {
    // Only in a Dev Hub (org.isDevHub); OrgStore.describe hides it elsewhere.
    name: 'ScratchOrgInfo',
    label: 'Scratch Org Info',
    keyPrefix: KEY_PREFIXES.ScratchOrgInfo,
    fields: [
      f('Id', 'id'),
      f('OrgName', 'string'),
      f('SignupUsername', 'string'),
      f('ScratchOrg', 'string'),
      f('Status', 'picklist'),
      f('ExpirationDate', 'date'),
      f('CreatedDate', 'datetime'),
    ],
  },
  {
    name: 'OauthToken',
    label: 'OAuth Token',
    keyPrefix: null,
    // Never the token values: AccessToken, RequestToken and DeleteToken are not offered.
    fields: [
      f('Id', 'id'),
      f('AppName', 'string'),
      ref('AppMenuItemId', 'AppMenuItem', 'AppMenuItem'),
      ref('UserId', 'User', 'User'),
      f('CreatedDate', 'datetime'),
      f('LastUsedDate', 'datetime'),
      f('UseCount', 'int'),
    ],
  },
  {
    // The permissions of the user who asks: one row (Salesforce: "Represents the permissions for the current user").
    name: 'UserPermissionAccess',
    label: 'User Permission Access',
    keyPrefix: null,
    fields: [
      f('Id', 'id'),
      f('PermissionsModifyAllData', 'boolean'),
      f('PermissionsModifyMetadata', 'boolean'),
      f('PermissionsCustomizeApplication', 'boolean'),
      f('PermissionsViewSetup', 'boolean'),
    ],
  },
];

const SCHEMA_BY_LOWER = new Map(SCHEMA.map((o) => [o.name.toLowerCase(), o]));

export function describeObject(name: string): SObjectDescribe | undefined {
  return SCHEMA_BY_LOWER.get(name.toLowerCase());
}

function appKind(app: ScenarioApp): 'ConnectedApplication' | 'ExternalClientApplication' {
  return app.kind ?? 'ConnectedApplication';
}

/** A valid API name: starts with a letter, letters/digits/underscores, no "__", no trailing "_". */
export function isValidApiName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(name) && !name.includes('__') && !name.endsWith('_');
}

/** Every permission a user has when neither the fixture nor restrictedUsers says otherwise. */
const ALL_PERMISSIONS: Required<UserPermissions> = {
  modifyAllData: true,
  modifyMetadata: true,
  customizeApplication: true,
  viewSetup: true,
  managePermissionSets: true,
  manageEcaPolicies: true,
  viewEcaConsumerSecrets: true,
};

/** The mutable records of one emulated org. The data side (SOQL, sObjects, Metadata API) is built on this. */
export class OrgStore {
  public readonly data: Scenario;
  /** Every create and delete made through the REST API, in order. */
  public readonly changes: Change[] = [];
  /** Every Metadata API deploy, in order (deploy.ts). */
  public readonly deploys: DeployJob[] = [];
  private seq = 0;
  /** Deploys still propagating: until when, and the apps and grants of before each one (oldest first). */
  private readonly propagating: Array<{ until: number; before: Pick<Scenario, 'apps' | 'setupEntityAccess'> }> = [];

  public constructor(scenario: Scenario) {
    this.data = structuredClone(scenario);
    for (const sea of this.data.setupEntityAccess) sea.id ??= this.newId('SetupEntityAccess');
    for (const psa of this.data.permissionSetAssignments) psa.id ??= this.newId('PermissionSetAssignment');
    // A certificate may be given as a file name under emulator/keys/; the org holds its PEM text.
    for (const app of this.data.apps) {
      if (!app.certificate) continue;
      try {
        app.certificate = resolveCertificate(app.certificate);
      } catch {
        // not a PEM and no such file: kept as is, so it verifies nothing
      }
    }
  }

  /** A fresh 18-character id with the object's key prefix, unused in this org. */
  public newId(objectName: keyof typeof KEY_PREFIXES): string {
    for (;;) {
      const id = makeId(KEY_PREFIXES[objectName], ++this.seq);
      if (!this.idInUse(id)) return id;
    }
  }

  /**
   * A user's permissions (scenario.ts UserPermissions): the user's own `permissions`, over all false for a user in
   * `restrictedUsers` and all true for anyone else. Calls without a user (in-process tests) have every permission.
   */
  public permissions(userId: string | undefined): Required<UserPermissions> {
    if (userId === undefined) return { ...ALL_PERMISSIONS };
    const restricted = (this.data.restrictedUsers ?? []).some((u) => sameId(u, userId));
    const base = Object.fromEntries(
      Object.keys(ALL_PERMISSIONS).map((k) => [k, !restricted]),
    ) as Required<UserPermissions>;
    const user = this.data.users.find((u) => sameId(u.id, userId));
    const own = Object.fromEntries(Object.entries(user?.permissions ?? {}).filter(([, v]) => typeof v === 'boolean'));
    return { ...base, ...own };
  }

  /** Whether the user may call the Metadata API at all (Modify All Data or Modify Metadata). */
  public canUseMetadataApi(userId: string | undefined): boolean {
    const p = this.permissions(userId);
    return p.modifyAllData || p.modifyMetadata;
  }

  /** Throws INSUFFICIENT_ACCESS when the user may not read this object. */
  public assertCanRead(objectName: string, userId: string | undefined): void {
    if (SETUP_OBJECTS.has(objectName) && !this.permissions(userId).viewSetup) {
      throw new ApiError(403, [{ message: INSUFFICIENT_PRIVILEGES, errorCode: 'INSUFFICIENT_ACCESS' }]);
    }
  }

  /** An object's describe as this org offers it: ScratchOrgInfo exists only in a Dev Hub. */
  public describe(name: string): SObjectDescribe | undefined {
    const obj = describeObject(name);
    if (obj?.name === 'ScratchOrgInfo' && !this.data.org.isDevHub) return undefined;
    return obj;
  }

  /** The objects this org offers (for the global describe). */
  public objects(): SObjectDescribe[] {
    return SCHEMA.filter((o) => this.describe(o.name) !== undefined);
  }

  /**
   * What the token endpoint goes by: the apps and grants as they were before the oldest deploy that has not
   * propagated yet (org.propagationDelayMs), or the current ones.
   */
  public oauthView(nowMs = Date.now()): OAuthView {
    while (this.propagating.length > 0 && this.propagating[0].until <= nowMs) this.propagating.shift();
    const pending = this.propagating[0];
    if (pending) return { ...pending.before, stale: true };
    return { apps: this.data.apps, setupEntityAccess: this.data.setupEntityAccess, stale: false };
  }

  /** A deploy changed apps or grants: until `delayMs` from now, the token endpoint sees `before`. */
  public startPropagation(before: Pick<Scenario, 'apps' | 'setupEntityAccess'>, delayMs: number): void {
    if (delayMs > 0) this.propagating.push({ until: Date.now() + delayMs, before: structuredClone(before) });
  }

  /** Every deploy has propagated (the control endpoint POST /__propagate). */
  public endPropagation(): void {
    this.propagating.length = 0;
  }

  /** Replaces the org's data with a deploy's result (the same object stays in place for every holder). */
  public replaceData(next: Scenario): void {
    const target = this.data as Record<string, unknown>;
    for (const key of Object.keys(target)) if (!(key in next)) delete target[key];
    Object.assign(target, next);
  }

  /** The SOQL data source as seen by one user (without Customize Application, only their own OauthToken rows). */
  public dataSource(userId?: string): SoqlDataSource {
    return {
      describe: (name) => this.describe(name),
      rows: (name): Row[] => {
        this.assertCanRead(name, userId);
        return this.rows(name, userId);
      },
      findById: (name, id) => this.findById(name, id),
    };
  }

  /** All rows of an object (canonical name), as the API shows them. */
  public rows(objectName: string, viewerId?: string): Row[] {
    const d = this.data;
    const installed = d.apps.filter((a) => a.installed !== false);
    switch (objectName) {
      case 'Organization':
        return [
          {
            Id: d.org.id,
            Name: d.org.name,
            InstanceName: d.org.instanceName ?? 'EMU1',
            IsSandbox: d.org.isSandbox ?? false,
            TrialExpirationDate: null,
            NamespacePrefix: null,
            OrganizationType: d.org.organizationType ?? 'Developer Edition',
          },
        ];
      case 'User':
        return d.users.map((u) => {
          const local = u.username.split('@')[0];
          return {
            Id: u.id,
            Username: u.username,
            Name: local,
            FirstName: null,
            LastName: local,
            Email: u.username,
            IsActive: u.isActive ?? true,
            ProfileId: u.profileId,
            UserType: 'Standard',
            CreatedDate: DEFAULT_DATE,
          };
        });
      case 'UserLogin':
        return d.users.map((u) => ({
          Id: deriveId(KEY_PREFIXES.UserLogin, u.id),
          UserId: u.id,
          IsFrozen: u.isFrozen ?? false,
          IsPasswordLocked: false,
        }));
      case 'Profile':
        return d.profiles.map((p) => ({ Id: p.id, Name: p.name, UserType: 'Standard' }));
      case 'PermissionSet':
        return d.permissionSets.map((p) => permissionSetRow(p));
      case 'PermissionSetAssignment':
        return d.permissionSetAssignments.map((a) => assignmentRow(a));
      case 'SetupEntityAccess':
        return d.setupEntityAccess.map((s) => this.setupEntityAccessRow(s));
      case 'ConnectedApplication':
        return installed
          .filter((a) => appKind(a) === 'ConnectedApplication')
          .map((a) => ({
            Id: a.id,
            Name: a.name,
            OptionsAllowAdminApprovedUsersOnly: a.adminApprovedOnly ?? false,
            OptionsRefreshTokenValidityMetric: false,
            RefreshTokenValidityPeriod: null,
            OptionsHasSessionLevelPolicy: false,
            StartUrl: null,
            MobileStartUrl: null,
            CreatedDate: DEFAULT_DATE,
            LastModifiedDate: DEFAULT_DATE,
          }));
      case 'ExternalClientApplication':
        return installed
          .filter((a) => appKind(a) === 'ExternalClientApplication')
          .map((a) => {
            const audit = auditOf(a.eca?.audit?.app, d.users[0]?.id ?? '');
            return {
              Id: a.id,
              MasterLabel: a.label,
              DeveloperName: a.name,
              DistributionState: a.eca?.distributionState ?? 'Local',
              NamespacePrefix: null,
              CreatedDate: sfDateTime(audit.createdDate),
              LastModifiedDate: sfDateTime(audit.lastModifiedDate),
            };
          });
      case 'ExtlClntAppOauthPlcyCnfg':
        // One row per app that has an OAuth policy; its DeveloperName is the policy component's name.
        return installed
          .filter((a) => appKind(a) === 'ExternalClientApplication')
          .flatMap((a) => {
            const name = ecaComponentName(a, 'oauthPolicies');
            if (name === undefined) return [];
            const label = a.eca?.labels?.oauthPolicies;
            return [
              {
                Id: deriveId(KEY_PREFIXES.ExtlClntAppOauthPlcyCnfg, a.id),
                DeveloperName: name,
                MasterLabel: label ?? `${ecaLabel(a, 'app')} OAuth Policy`,
                ExternalClientApplicationId: a.id,
                PermittedUsersPolicyType: a.adminApprovedOnly ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized',
                IpRelaxationPolicyType: IP_RELAXATION_TO_ECA[a.ipRelaxation ?? 'ENFORCE'],
                RefreshTokenPolicyType: a.eca?.refreshTokenPolicyType ?? 'Infinite',
              },
            ];
          });
      case 'ScratchOrgInfo':
        return (d.scratchOrgInfos ?? []).map((s) => ({
          Id: s.id,
          OrgName: s.orgName ?? null,
          SignupUsername: s.signupUsername ?? null,
          ScratchOrg: s.scratchOrg ?? null,
          Status: s.status ?? 'Active',
          ExpirationDate: s.expirationDate ?? null,
          CreatedDate: sfDateTime(s.createdDate) ?? DEFAULT_DATE,
        }));
      case 'AppMenuItem':
        return installed.map((a) => ({
          Id: deriveId(KEY_PREFIXES.AppMenuItem, a.id),
          ApplicationId: a.id,
          Name: a.name,
          Label: a.label,
          Type: appKind(a),
        }));
      case 'UserPermissionAccess': {
        const p = this.permissions(viewerId);
        return [
          {
            Id: null,
            PermissionsModifyAllData: p.modifyAllData,
            PermissionsModifyMetadata: p.modifyMetadata,
            PermissionsCustomizeApplication: p.customizeApplication,
            PermissionsViewSetup: p.viewSetup,
          },
        ];
      }
      case 'OauthToken': {
        // "Users with the Customize Application permission see all tokens for all users in the org. Otherwise,
        // you see only your own tokens."
        const visible = this.permissions(viewerId).customizeApplication
          ? d.oauthTokens
          : d.oauthTokens.filter((t) => viewerId !== undefined && sameId(t.userId, viewerId));
        return visible.map((t) => {
          const app = d.apps.find((a) => sameId(a.id, t.appId));
          return {
            Id: null,
            AppName: app?.label ?? null,
            AppMenuItemId: app ? deriveId(KEY_PREFIXES.AppMenuItem, app.id) : null,
            UserId: t.userId,
            CreatedDate: sfDateTime(t.createdDate) ?? DEFAULT_DATE,
            LastUsedDate: sfDateTime(t.lastUsedDate),
            UseCount: t.useCount ?? 0,
          };
        });
      }
      default:
        return [];
    }
  }

  /** One row by id, in any object (objectName is a hint; the key prefix decides otherwise). */
  public findById(objectName: string, id: string): Row | undefined {
    if (!isValidId(id)) return undefined;
    return this.rows(objectName).find((r) => typeof r.Id === 'string' && sameId(r.Id, id));
  }

  /** The object an id belongs to, by looking it up (scenario ids need not follow the key prefixes). */
  public objectOfId(id: string): string | undefined {
    for (const o of SCHEMA) {
      if (this.findById(o.name, id)) return o.name;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /** Creates a record through the REST API rules; returns its id. Throws ApiError. */
  public create(objectName: string, body: Record<string, unknown>, userId: string | undefined): string {
    const obj = describeObject(objectName);
    if (!obj) throw notFound();
    if (!obj.createable) {
      throw new ApiError(400, [
        {
          message: `entity type ${obj.name} does not support insert`,
          errorCode: 'INVALID_TYPE_FOR_OPERATION',
          fields: [],
        },
      ]);
    }
    if (!this.permissions(userId).managePermissionSets) {
      throw new ApiError(403, [{ message: INSUFFICIENT_PRIVILEGES, errorCode: 'INSUFFICIENT_ACCESS' }]);
    }
    const values = checkFields(obj, body);
    switch (obj.name) {
      case 'PermissionSet':
        return this.createPermissionSet(values);
      case 'SetupEntityAccess':
        return this.createSetupEntityAccess(values);
      default:
        return this.createAssignment(values);
    }
  }

  /** Deletes a record through the REST API rules. Throws ApiError. */
  public delete(objectName: string, id: string, userId: string | undefined): void {
    const obj = describeObject(objectName);
    if (!obj) throw notFound();
    if (!obj.deletable) {
      throw new ApiError(400, [
        {
          message: `entity type ${obj.name} does not support delete`,
          errorCode: 'INVALID_TYPE_FOR_OPERATION',
          fields: [],
        },
      ]);
    }
    if (!this.permissions(userId).managePermissionSets) {
      throw new ApiError(403, [{ message: INSUFFICIENT_PRIVILEGES, errorCode: 'INSUFFICIENT_ACCESS' }]);
    }
    const row = this.findById(obj.name, id);
    if (!row) throw notFound();
    const d = this.data;
    const rowId = row.Id as string;
    if (obj.name === 'PermissionSet') {
      if (row.IsOwnedByProfile === true) {
        throw new ApiError(400, [
          {
            message: 'You can\u2019t delete a permission set that\u2019s owned by a profile.',
            errorCode: 'FIELD_INTEGRITY_EXCEPTION',
            fields: [],
          },
        ]);
      }
      // Deleting a permission set removes its grants and assignments with it.
      for (const s of d.setupEntityAccess.filter((x) => x.parentId === rowId)) {
        this.remove('SetupEntityAccess', d.setupEntityAccess, s, this.setupEntityAccessRow(s));
      }
      for (const a of d.permissionSetAssignments.filter((x) => x.permissionSetId === rowId)) {
        this.remove('PermissionSetAssignment', d.permissionSetAssignments, a, assignmentRow(a));
      }
      const ps = d.permissionSets.find((p) => p.id === rowId) as ScenarioPermissionSet;
      this.remove('PermissionSet', d.permissionSets, ps, row);
    } else if (obj.name === 'SetupEntityAccess') {
      const s = d.setupEntityAccess.find((x) => x.id === rowId) as ScenarioSetupEntityAccess;
      this.remove('SetupEntityAccess', d.setupEntityAccess, s, row);
    } else {
      const a = d.permissionSetAssignments.find((x) => x.id === rowId) as ScenarioAssignment;
      this.remove('PermissionSetAssignment', d.permissionSetAssignments, a, row);
    }
  }

  /** State of the writable records, to roll a composite allOrNone request back. */
  public snapshot(): () => void {
    const d = this.data;
    const saved = {
      permissionSets: [...d.permissionSets],
      setupEntityAccess: [...d.setupEntityAccess],
      permissionSetAssignments: [...d.permissionSetAssignments],
      changes: this.changes.length,
    };
    return () => {
      d.permissionSets.splice(0, d.permissionSets.length, ...saved.permissionSets);
      d.setupEntityAccess.splice(0, d.setupEntityAccess.length, ...saved.setupEntityAccess);
      d.permissionSetAssignments.splice(0, d.permissionSetAssignments.length, ...saved.permissionSetAssignments);
      this.changes.splice(saved.changes);
    };
  }

  private remove<T>(sobject: string, list: T[], item: T, row: Row): void {
    const k = list.indexOf(item);
    if (k >= 0) list.splice(k, 1);
    this.changes.push({ op: 'delete', sobject, id: row.Id as string, fields: { ...row } });
  }

  private idInUse(id: string): boolean {
    const d = this.data;
    const all = [
      d.org.id,
      ...d.users.map((u) => u.id),
      ...d.profiles.map((p) => p.id),
      ...d.apps.map((a) => a.id),
      ...d.permissionSets.map((p) => p.id),
      ...d.setupEntityAccess.map((s) => s.id ?? ''),
      ...d.permissionSetAssignments.map((a) => a.id ?? ''),
    ];
    return all.some((x) => x && sameId(x, id));
  }

  private setupEntityAccessRow(s: ScenarioSetupEntityAccess): Row {
    const app = this.data.apps.find((a) => sameId(a.id, s.setupEntityId));
    return {
      Id: s.id ?? null,
      ParentId: s.parentId,
      SetupEntityId: s.setupEntityId,
      SetupEntityType: s.setupEntityType ?? (app ? appKind(app) : 'ConnectedApplication'),
    };
  }

  /** The canonical id of the referenced record, or an error in Salesforce's words. */
  private reference(field: string, label: string, value: unknown, objects: string[]): { id: string; object: string } {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (typeof value !== 'string' || !isValidId(value)) {
      throw new ApiError(400, [
        { message: `${label}: id value of incorrect type: ${text}`, errorCode: 'MALFORMED_ID', fields: [field] },
      ]);
    }
    for (const o of objects) {
      const row = this.findById(o, value);
      if (row) return { id: row.Id as string, object: o };
    }
    const found = this.objectOfId(value);
    if (found) {
      throw new ApiError(400, [
        {
          message: `${label}: id value of incorrect type: ${value}`,
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          fields: [field],
        },
      ]);
    }
    throw new ApiError(400, [
      { message: 'invalid cross reference id', errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: [field] },
    ]);
  }

  private createPermissionSet(values: Record<string, unknown>): string {
    const name = String(values.Name);
    if (!isValidApiName(name)) {
      throw new ApiError(400, [
        {
          message:
            'The Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.',
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          fields: ['Name'],
        },
      ]);
    }
    const existing = this.data.permissionSets.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (existing) {
      throw new ApiError(400, [
        {
          message: `duplicate value found: Name duplicates value on record with id: ${existing.id}`,
          errorCode: 'DUPLICATE_VALUE',
          fields: [],
        },
      ]);
    }
    const id = this.newId('PermissionSet');
    const ps: ScenarioPermissionSet = { id, name, label: String(values.Label) };
    this.data.permissionSets.push(ps);
    this.recordCreate('PermissionSet', id, permissionSetRow(ps));
    return id;
  }

  private createSetupEntityAccess(values: Record<string, unknown>): string {
    const parent = this.reference('ParentId', 'Parent ID', values.ParentId, ['PermissionSet']);
    const entity = this.reference('SetupEntityId', 'Setup Entity ID', values.SetupEntityId, [
      'ConnectedApplication',
      'ExternalClientApplication',
    ]);
    const existing = this.data.setupEntityAccess.find(
      (s) => sameId(s.parentId, parent.id) && sameId(s.setupEntityId, entity.id),
    );
    if (existing) {
      throw new ApiError(400, [
        {
          message: `duplicate value found: <unknown> duplicates value on record with id: ${existing.id ?? ''}`,
          errorCode: 'DUPLICATE_VALUE',
          fields: [],
        },
      ]);
    }
    const id = this.newId('SetupEntityAccess');
    const sea: ScenarioSetupEntityAccess = {
      id,
      parentId: parent.id,
      setupEntityId: entity.id,
      setupEntityType: entity.object as 'ConnectedApplication' | 'ExternalClientApplication',
    };
    this.data.setupEntityAccess.push(sea);
    this.recordCreate('SetupEntityAccess', id, this.setupEntityAccessRow(sea));
    return id;
  }

  private createAssignment(values: Record<string, unknown>): string {
    const user = this.reference('AssigneeId', 'Assignee ID', values.AssigneeId, ['User']);
    const ps = this.reference('PermissionSetId', 'Permission Set ID', values.PermissionSetId, ['PermissionSet']);
    const existing = this.data.permissionSetAssignments.find(
      (a) => sameId(a.assigneeId, user.id) && sameId(a.permissionSetId, ps.id),
    );
    if (existing) {
      throw new ApiError(400, [
        { message: 'Duplicate PermissionSetAssignment', errorCode: 'DUPLICATE_VALUE', fields: [] },
      ]);
    }
    const id = this.newId('PermissionSetAssignment');
    const psa: ScenarioAssignment = { id, assigneeId: user.id, permissionSetId: ps.id };
    this.data.permissionSetAssignments.push(psa);
    this.recordCreate('PermissionSetAssignment', id, assignmentRow(psa));
    return id;
  }

  private recordCreate(sobject: string, id: string, row: Row): void {
    this.changes.push({ op: 'create', sobject, id, fields: { ...row } });
  }
}

export function notFound(): ApiError {
  return new ApiError(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
}

function permissionSetRow(p: ScenarioPermissionSet): Row {
  const owned = p.isOwnedByProfile ?? false;
  return {
    Id: p.id,
    Name: p.name,
    Label: p.label ?? p.name,
    Description: null,
    IsOwnedByProfile: owned,
    ProfileId: owned ? (p.profileId ?? null) : null,
    IsCustom: !owned,
    Type: owned ? 'Profile' : 'Regular',
    NamespacePrefix: null,
  };
}

function assignmentRow(a: ScenarioAssignment): Row {
  return {
    Id: a.id ?? null,
    AssigneeId: a.assigneeId,
    PermissionSetId: a.permissionSetId,
    PermissionSetGroupId: null,
    IsActive: true,
    ExpirationDate: null,
    IsRevoked: false,
  };
}

/** Known, createable fields only; names mapped to their canonical casing. */
function checkFields(obj: SObjectDescribe, body: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const field = obj.fields.find((x) => x.name.toLowerCase() === key.toLowerCase());
    if (!field) {
      throw new ApiError(400, [
        { message: `No such column '${key}' on sobject of type ${obj.name}`, errorCode: 'INVALID_FIELD' },
      ]);
    }
    if (!field.createable) readOnly.push(field.name);
    values[field.name] = value;
  }
  if (readOnly.length) {
    throw new ApiError(400, [
      {
        message: `Unable to create/update fields: ${readOnly.join(
          ', ',
        )}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        fields: readOnly,
      },
    ]);
  }
  const missing = obj.fields
    .filter((x) => x.createable && (x.nillable === false || x.type === 'reference'))
    .filter((x) => values[x.name] === undefined || values[x.name] === null || values[x.name] === '')
    .map((x) => x.name);
  if (missing.length) {
    throw new ApiError(400, [
      {
        message: `Required fields are missing: [${missing.join(', ')}]`,
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: missing,
      },
    ]);
  }
  return values;
}
