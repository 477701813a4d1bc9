/*
 * Metadata API deploy, as jsforce's `conn.metadata.deploy(zip, options)` and `checkDeployStatus(id, details)` use
 * it: the zip (Metadata API format: package.xml and <folder>/<name>.<suffix> files) is read when the deploy
 * finishes, each component is checked and applied to a copy of the org's data, and the copy replaces the data
 * unless the deploy is checkOnly or failed with rollback. The DeployResult lists a DeployMessage per component
 * (and per problem), with Salesforce's wording where it is known; every wording that is only plausible says so.
 *
 * Modelled types: ExternalClientApplication and its four setting types, and PermissionSet. An ECA policy's
 * commaSeparatedPermissionSet / commaSeparatedProfile become the app's SetupEntityAccess rows (a deploy replaces
 * them), its global OAuth settings' certificate is what JWT assertions are verified with (a deploy without one
 * removes it), and a consumer key is kept once set.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { EcaPart, Scenario, ScenarioApp, UserPermissions } from './scenario.js';
import { SCOPE_TO_METADATA } from './oauth.js';
import {
  ECA_PARTS,
  ecaComponentId,
  ecaComponentName,
  ecaPartOfType,
  installedEcas,
  METADATA_FILES,
  metadataComponents,
} from './metadata.js';
import { INSUFFICIENT_PRIVILEGES, isValidApiName, type OrgStore } from './store.js';
import { el, elements, firstText, parseXmlDocument, unescapeXml, XmlParseError, type XmlField } from './xml.js';

const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

export type DeployOptions = {
  checkOnly: boolean;
  rollbackOnError: boolean;
  singlePackage: boolean;
  allowMissingFiles: boolean;
  ignoreWarnings: boolean;
  purgeOnDelete: boolean;
  testLevel?: string;
  runTests: string[];
};

/** One DeployMessage of a DeployResult's details. */
export type DeployMessage = {
  changed: boolean;
  columnNumber?: number;
  componentType: string;
  created: boolean;
  createdDate: string;
  deleted: boolean;
  fileName: string;
  fullName: string;
  id?: string;
  lineNumber?: number;
  problem?: string;
  problemType?: 'Error' | 'Warning';
  success: boolean;
};

export type DeployStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'SucceededPartial' | 'Failed' | 'Canceled';

/** What running a deploy gave. */
type DeployOutcome = {
  status: DeployStatus;
  successes: DeployMessage[];
  failures: DeployMessage[];
  numberComponentsTotal: number;
  numberComponentErrors: number;
  applied: boolean;
};

/** A deploy request and, once done, its result. */
export class DeployJob {
  public status: DeployStatus = 'Pending';
  public done = false;
  /** checkDeployStatus calls still to answer InProgress. */
  public pendingPolls: number;
  public numberComponentsTotal: number;
  /** Components that failed (a component with several problems counts once). */
  public numberComponentErrors = 0;
  public readonly createdDate: string;
  public startDate?: string;
  public completedDate?: string;
  public lastModifiedDate: string;
  public successes: DeployMessage[] = [];
  public failures: DeployMessage[] = [];
  /** Whether the result was applied to the org (not checkOnly, not rolled back). */
  public applied = false;
  /** The base64 zip, until the deploy has run. */
  public zipFile?: string;

  public constructor(
    public readonly id: string,
    /** The user who called deploy (whose permissions the components are checked against). */
    public readonly userId: string,
    public readonly options: DeployOptions,
    zipFile: string,
    pendingPolls: number,
  ) {
    this.zipFile = zipFile;
    this.pendingPolls = pendingPolls;
    this.numberComponentsTotal = readPackage(zipFile, options.singlePackage).components.length;
    this.createdDate = new Date().toISOString();
    this.lastModifiedDate = this.createdDate;
  }

  /** One checkDeployStatus: InProgress while polls are pending, then the deploy runs and is done. */
  public poll(store: OrgStore): this {
    if (this.done) return this;
    const now = new Date().toISOString();
    this.startDate ??= now;
    this.lastModifiedDate = now;
    if (this.pendingPolls > 0) {
      this.pendingPolls--;
      this.status = 'InProgress';
      return this;
    }
    this.finish(runDeploy(store, this.userId, this.options, this.zipFile ?? ''), now);
    return this;
  }

  /** cancelDeploy of a deploy that has not run yet. */
  public cancel(): void {
    if (this.done) return;
    this.finish({ ...this.outcome(), status: 'Canceled' }, new Date().toISOString());
  }

  private outcome(): DeployOutcome {
    const { status, successes, failures, numberComponentsTotal, numberComponentErrors, applied } = this;
    return { status, successes, failures, numberComponentsTotal, numberComponentErrors, applied };
  }

  private finish(outcome: DeployOutcome, now: string): void {
    Object.assign(this, outcome);
    this.done = true;
    this.completedDate = now;
    this.lastModifiedDate = now;
    this.zipFile = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// SOAP arguments

/** DeployOptions of a SOAP `deploy` call. Salesforce's defaults: every flag false. */
export function parseDeployOptions(xml: string): DeployOptions {
  const flag = (name: string): boolean => firstText(xml, name) === 'true';
  return {
    checkOnly: flag('checkOnly'),
    rollbackOnError: flag('rollbackOnError'),
    singlePackage: flag('singlePackage'),
    allowMissingFiles: flag('allowMissingFiles'),
    ignoreWarnings: flag('ignoreWarnings'),
    purgeOnDelete: flag('purgeOnDelete'),
    testLevel: firstText(xml, 'testLevel'),
    runTests: elements(xml, 'runTests').map((t) => unescapeXml(t).trim()),
  };
}

/** Queues a deploy; it runs when checkDeployStatus has answered InProgress `org.deployPendingPolls` times. */
export function startDeploy(store: OrgStore, userId: string, zipFile: string, options: DeployOptions): DeployJob {
  const pending = Math.max(0, store.data.org.deployPendingPolls ?? 1);
  const job = new DeployJob(store.newId('DeployRequest'), userId, options, zipFile, pending);
  store.deploys.push(job);
  return job;
}

// ---------------------------------------------------------------------------------------------------------
// The package

type PlannedComponent = {
  type: string;
  fullName: string;
  /** The file's path inside the zip, as DeployMessage.fileName shows it. */
  fileName: string;
  /** The file's text, or undefined when it is missing from the zip. */
  text?: string;
};

type ReadPackage = { components: PlannedComponent[]; failures: Problem[] };

type Problem = { problem: string; line?: number; column?: number };

/** Problems that concern the package as a whole are reported against package.xml. */
const PACKAGE_XML = 'package.xml';

/** The package.xml manifests of the zip and the components they name, with their files. */
function readPackage(zipFile: string, singlePackage: boolean): ReadPackage {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(Buffer.from(zipFile, 'base64')));
  } catch {
    // An unreadable zip has no package.xml either; Salesforce's exact answer to a corrupt zip is not known.
    files = {};
  }
  const text = new Map<string, string>();
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    text.set(name.replace(/^\.?\//, ''), Buffer.from(bytes).toString('utf8'));
  }
  // singlePackage: package.xml at the zip's root. Otherwise the root, or one folder per package.
  const roots = text.has(PACKAGE_XML)
    ? ['']
    : singlePackage
      ? []
      : [...text.keys()].filter((n) => /^[^/]+\/package\.xml$/.test(n)).map((n) => n.slice(0, -PACKAGE_XML.length));
  if (roots.length === 0) return { components: [], failures: [{ problem: 'No package.xml found' }] };

  const components: PlannedComponent[] = [];
  const failures: Problem[] = [];
  for (const root of roots) {
    const manifest = text.get(`${root}${PACKAGE_XML}`) as string;
    try {
      const doc = parseXmlDocument(manifest);
      if (doc.root !== 'Package') {
        // Plausible wording: the manifest's root element is not Package.
        failures.push({ problem: `Error parsing file: Element {${METADATA_NS}}${doc.root} invalid at this location` });
        continue;
      }
    } catch (error) {
      failures.push(parseProblem(error));
      continue;
    }
    for (const types of elements(manifest, 'types')) {
      const type = firstText(types, 'name') ?? '';
      const file = METADATA_FILES[type];
      if (!file || type === 'ConnectedApp') {
        failures.push({ problem: `Unknown type name '${type}' specified in package.xml` });
        continue;
      }
      const members = elements(types, 'members').map((m) => unescapeXml(m).trim());
      const prefix = `${root}${file.folder}/`;
      const inZip = [...text.keys()]
        .filter((n) => n.startsWith(prefix) && n.endsWith(`.${file.suffix}`) && !n.slice(prefix.length).includes('/'))
        .map((n) => n.slice(prefix.length, -file.suffix.length - 1));
      const names = members.includes('*') ? [...new Set([...members.filter((m) => m !== '*'), ...inZip])] : members;
      for (const fullName of names) {
        const fileName = `${prefix}${fullName}.${file.suffix}`;
        components.push({ type, fullName, fileName, text: text.get(fileName) });
      }
    }
  }
  return { components, failures };
}

function parseProblem(error: unknown): Problem {
  if (error instanceof XmlParseError) {
    return { problem: `Error parsing file: ${error.message}`, line: error.line, column: error.column };
  }
  throw error;
}

// ---------------------------------------------------------------------------------------------------------
// Fields of the component files

/**
 * The fields of each modelled type: the ones the emulator reads, and the others Salesforce documents, which are
 * accepted and not modelled. A field of one of these types found in a file of another one is refused, as
 * Salesforce refuses an element that its type does not have (e.g. isEnabled in an OAuth policies file).
 */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  PermissionSet: ['label', 'description', 'hasActivationRequired', 'license', 'userLicense'],
  ExternalClientApplication: [
    'contactEmail',
    'contactPhone',
    'description',
    'distributionState',
    'iconUrl',
    'infoUrl',
    'isProtected',
    'label',
    'logoUrl',
    'managedType',
    'orgScopedExternalApp',
  ],
  ExtlClntAppGlobalOauthSettings: [
    'callbackUrl',
    'certificate',
    'consumerKey',
    'consumerSecret',
    'externalClientApplication',
    'idTokenConfig',
    'isClientCredentialsFlowEnabled',
    'isCodeCredFlowEnabled',
    'isConsumerSecretOptional',
    'isDeviceFlowEnabled',
    'isIntrospectAllTokens',
    'isNamedUserJwtEnabled',
    'isPkceRequired',
    'isRefreshTokenRotationEnabled',
    'isSecretRequiredForRefreshToken',
    'isSecretRequiredForTokenExchange',
    'isTokenExchangeEnabled',
    'label',
    'shouldRotateConsumerKey',
    'shouldRotateConsumerSecret',
  ],
  ExtlClntAppOauthSettings: [
    'areAttributesIncludedInAssetToken',
    'areCustomPermsIncludedInAssetToken',
    'assetTokenAudiences',
    'commaSeparatedOauthScopes',
    'customAttributes',
    'externalClientApplication',
    'label',
    'oauthLink',
    'singleLogoutUrl',
    'trustedIpRanges',
  ],
  ExtlClntAppConfigurablePolicies: [
    'externalClientApplication',
    'isEnabled',
    'isOauthPluginEnabled',
    'isMobilePluginEnabled',
    'isNotificationPluginEnabled',
    'isPushPluginEnabled',
    'isSamlPluginEnabled',
    'isCanvasPluginEnabled',
    'label',
    'startPage',
  ],
  ExtlClntAppOauthConfigurablePolicies: [
    'apexHandler',
    'clientCredentialsFlowUser',
    'commaSeparatedCustomScopes',
    'commaSeparatedPermissionSet',
    'commaSeparatedProfile',
    'customAttributes',
    'executeHandlerAs',
    'externalClientApplication',
    'ipRelaxationPolicyType',
    'isClientCredentialsFlowEnabled',
    'isGuestCodeCredFlowEnabled',
    'isNamedUserJwtEnabled',
    'isTokenExchangeFlowEnabled',
    'label',
    'namedUserJwtSessionTimeout',
    'permittedUsersPolicyType',
    'policyAction',
    'refreshTokenPolicyType',
    'refreshTokenValidityPeriod',
    'refreshTokenValidityUnit',
    'requiredSessionLevel',
    'sessionTimeoutInMinutes',
    'singleLogoutUrl',
  ],
};

const ALL_FIELDS = new Set(Object.values(FIELDS).flat());

/** The fields of a component file, by name (the first of each; empty ones are absent), or the file's problems. */
type Fields = { get(name: string): string | undefined; has(name: string): boolean };

function readFields(type: string, text: string): Fields | Problem[] {
  let doc;
  try {
    doc = parseXmlDocument(text);
  } catch (error) {
    return [parseProblem(error)];
  }
  const problems: Problem[] = [];
  if (doc.root !== type) {
    // Plausible wording: a file whose root element is another type.
    problems.push({ problem: `Error parsing file: Element {${METADATA_NS}}${doc.root} invalid at this location` });
  }
  const own = new Set(FIELDS[type]);
  const seen = new Map<string, XmlField>();
  for (const field of doc.fields) {
    if (!own.has(field.name) && ALL_FIELDS.has(field.name) && field.name !== 'fullName') {
      problems.push({
        problem: `Error parsing file: Element {${METADATA_NS}}${field.name} invalid at this location in type ${type}`,
        line: field.line,
        column: field.column,
      });
    } else if (seen.has(field.name) && !field.hasChildren) {
      problems.push({
        problem: `Error parsing file: Element ${field.name} is duplicated at this location in type ${type}`,
        line: field.line,
        column: field.column,
      });
    } else if (!seen.has(field.name)) seen.set(field.name, field);
  }
  if (problems.length) return problems;
  return {
    get: (name: string): string | undefined => {
      const value = seen.get(name)?.text.trim();
      return value === '' ? undefined : value;
    },
    has: (name: string): boolean => seen.has(name),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Checking and applying one component

type ApplyContext = {
  /** The copy of the org's data the deploy works on. */
  data: Scenario;
  store: OrgStore;
  perms: Required<UserPermissions>;
  /** Apps touched by this deploy (for the default OAuth policy Salesforce makes). */
  touched: Set<string>;
};

/** Checks a component and, when it has no problem, applies it to ctx.data. Returns its problems. */
type Applier = (ctx: ApplyContext, fullName: string, fields: Fields) => Problem[];

/** A required field that is missing or empty. Plausible wording (Salesforce's is not known for these types). */
const required = (field: string): Problem => ({ problem: `Required field is missing: ${field}` });

/** A reference to something that does not exist, in Salesforce's "In field: … - no … named … found" form. */
const noSuch = (field: string, type: string, name: string): Problem => ({
  problem: `In field: ${field} - no ${type} named ${name} found`,
});

const badEnum = (value: string, enumName: string): Problem => ({
  problem: `'${value}' is not a valid value for the enum '${enumName}'`,
});

const insufficient = (): Problem => ({ problem: INSUFFICIENT_PRIVILEGES });

/** The API name rule Salesforce states for permission sets (and the emulator applies to ECA names too). */
const API_NAME_RULE =
  'The Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';

function readBoolean(fields: Fields, name: string, fallback: boolean, problems: Problem[]): boolean {
  const value = fields.get(name);
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  // Plausible wording for a value that is not an xsd:boolean.
  problems.push({ problem: `'${value}' is not a valid value for the type boolean` });
  return fallback;
}

function readEnum(
  fields: Fields,
  name: string,
  enumName: string,
  values: readonly string[],
  fallback: string,
  problems: Problem[],
): string {
  const value = fields.get(name);
  if (value === undefined || value === '') return fallback;
  if (!values.includes(value)) problems.push(badEnum(value, enumName));
  return value;
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function findEca(data: Scenario, name: string): ScenarioApp | undefined {
  return installedEcas(data).find((a) => a.name.toLowerCase() === name.toLowerCase());
}

/** The app a setting component belongs to (its externalClientApplication field), or the problems. */
function owningApp(ctx: ApplyContext, fields: Fields, problems: Problem[]): ScenarioApp | undefined {
  const name = fields.get('externalClientApplication');
  if (!name) {
    problems.push(required('externalClientApplication'));
    return undefined;
  }
  const app = findEca(ctx.data, name);
  if (!app) problems.push(noSuch('externalClientApplication', 'ExternalClientApplication', name));
  return app;
}

/**
 * An app has one component of each setting type: deploying a second one under another name is refused with
 * Salesforce's duplicate-value error on ExternalClientApplicationId (reported for OAuth policies deployed under
 * a name other than the one the org already has, e.g. <app>_oauthPlcy).
 */
function checkSingleton(app: ScenarioApp | undefined, part: EcaPart, fullName: string, problems: Problem[]): void {
  if (!app) return;
  const existing = ecaComponentName(app, part);
  if (existing !== undefined && existing.toLowerCase() !== fullName.toLowerCase()) {
    problems.push({
      problem: `duplicate value found: ExternalClientApplicationId duplicates value on record with id: ${ecaComponentId(app, part)}`,
    });
  }
}

/** The app's ECA metadata with one component named (and labelled, when the file gives a label). */
function withComponent(
  eca: ScenarioApp['eca'],
  part: Exclude<EcaPart, 'app'>,
  fullName: string,
  label: string | undefined,
): NonNullable<ScenarioApp['eca']> {
  return {
    ...eca,
    components: { ...eca?.components, [part]: fullName },
    labels: label ? { ...eca?.labels, [part]: label } : eca?.labels,
  };
}

const applyPermissionSet: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.managePermissionSets) return [insufficient()];
  const problems: Problem[] = [];
  if (!isValidApiName(fullName)) problems.push({ problem: API_NAME_RULE });
  const label = fields.get('label');
  if (!label) problems.push(required('label'));
  const hasActivationRequired = readBoolean(fields, 'hasActivationRequired', false, problems);
  const existing = ctx.data.permissionSets.find((p) => p.name.toLowerCase() === fullName.toLowerCase());
  if (existing?.isOwnedByProfile) {
    // Plausible wording: a profile's own permission set cannot be deployed as a PermissionSet.
    problems.push({ problem: `You can't edit the permission set of a profile: ${fullName}` });
  }
  if (problems.length) return problems;
  const values = { label, description: fields.get('description'), hasActivationRequired };
  if (existing) Object.assign(existing, values);
  else ctx.data.permissionSets.push({ id: ctx.store.newId('PermissionSet'), name: fullName, ...values });
  return [];
};

const applyEcaHeader: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.customizeApplication) return [insufficient()];
  const problems: Problem[] = [];
  if (!isValidApiName(fullName)) problems.push({ problem: API_NAME_RULE });
  const label = fields.get('label');
  if (!label) problems.push(required('label'));
  const contactEmail = fields.get('contactEmail');
  if (!contactEmail) problems.push(required('contactEmail'));
  const distributionState = readEnum(
    fields,
    'distributionState',
    'ExtlClntAppDistState',
    ['Local', 'Packaged'],
    'Local',
    problems,
  ) as 'Local' | 'Packaged';
  const isProtected = readBoolean(fields, 'isProtected', false, problems);
  if (problems.length) return problems;
  const values = { contactEmail, description: fields.get('description'), distributionState, isProtected };
  const existing = findEca(ctx.data, fullName);
  if (existing) {
    // The other parts keep the label they were shown with.
    const labels = Object.fromEntries(
      ECA_PARTS.filter((p) => p.part !== 'app').map((p) => [p.part, existing.eca?.labels?.[p.part] ?? existing.label]),
    );
    existing.eca = { ...existing.eca, ...values, labels: { ...labels, app: label } };
    existing.label = label as string;
    ctx.touched.add(existing.id);
    return [];
  }
  const app: ScenarioApp = {
    id: ctx.store.newId('ExternalClientApplication'),
    kind: 'ExternalClientApplication',
    name: fullName,
    label: label as string,
    consumerKey: '',
    scopes: [],
    callbackUrls: [],
    eca: {
      ...values,
      components: { globalOauth: null, oauthSettings: null, policies: null, oauthPolicies: null },
    },
  };
  ctx.data.apps.push(app);
  ctx.touched.add(app.id);
  return [];
};

/** Salesforce makes consumer keys of this shape: "3MVG9" and base-62-ish characters, 85 in all. */
function newConsumerKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';
  return `3MVG9${[...randomBytes(80)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

function isUrl(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(value)) return false;
  try {
    return new URL(value).host !== '' || value.startsWith('file:');
  } catch {
    return false;
  }
}

/** Callback URLs (one per line, or comma-separated), each of which must be a URL. */
function readCallbackUrls(fields: Fields, problems: Problem[]): string[] {
  const urls = (fields.get('callbackUrl') ?? '')
    .split(/[\n,]/)
    .map((u) => u.trim())
    .filter(Boolean);
  // Plausible wording: Salesforce's message for a callback URL that is not a URL is not known.
  for (const url of urls) if (!isUrl(url)) problems.push({ problem: `Invalid callback URL: ${url}` });
  return urls;
}

function readCertificate(fields: Fields, problems: Problem[]): string | undefined {
  const certificate = fields.get('certificate');
  if (certificate === undefined) return undefined;
  try {
    new X509Certificate(certificate); // eslint-disable-line no-new -- parsing is the check
  } catch {
    // Plausible wording: Salesforce's message for a certificate that does not parse is not known.
    problems.push({ problem: 'The certificate is not a valid PEM-encoded X.509 certificate.' });
  }
  return certificate;
}

/** A consumer key given by the file: settable once, unique in the org. */
function checkConsumerKey(data: Scenario, app: ScenarioApp, consumerKey: string, problems: Problem[]): void {
  if (app.consumerKey !== '' && consumerKey !== app.consumerKey) {
    // Plausible wording: a consumer key cannot be changed once set (Salesforce's exact text is not known).
    problems.push({ problem: 'The consumer key of an external client app can’t be changed after it’s set.' });
    return;
  }
  if (app.consumerKey !== '') return;
  if (!/^[A-Za-z0-9._]{8,256}$/.test(consumerKey)) {
    // Plausible wording, after ConnectedApp's documented rule (8–256 characters).
    problems.push({ problem: 'The consumer key must be 8 to 256 letters, digits, periods or underscores.' });
  }
  const other = data.apps.find((a) => a.installed !== false && a.id !== app.id && a.consumerKey === consumerKey);
  if (other) {
    // Salesforce's duplicate-value form, on the consumer key (the field name in it is plausible).
    problems.push({ problem: `duplicate value found: ConsumerKey duplicates value on record with id: ${other.id}` });
  }
}

const applyGlobalOauth: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.customizeApplication || !ctx.perms.viewEcaConsumerSecrets) return [insufficient()];
  const problems: Problem[] = [];
  const app = owningApp(ctx, fields, problems);
  checkSingleton(app, 'globalOauth', fullName, problems);
  const callbackUrls = readCallbackUrls(fields, problems);
  const certificate = readCertificate(fields, problems);
  const consumerKey = fields.get('consumerKey');
  if (consumerKey !== undefined && app) checkConsumerKey(ctx.data, app, consumerKey, problems);
  const isPkceRequired = readBoolean(fields, 'isPkceRequired', true, problems);
  const isConsumerSecretOptional = readBoolean(fields, 'isConsumerSecretOptional', false, problems);
  if (problems.length || !app) return problems;

  app.callbackUrls = callbackUrls;
  // The certificate is what the file says: a deploy without one removes it (JWT then fails: invalid assertion).
  if (certificate === undefined) delete app.certificate;
  else app.certificate = certificate;
  // A consumer key is kept once set; a new app gets the file's or a generated one.
  if (app.consumerKey === '') app.consumerKey = consumerKey ?? newConsumerKey();
  app.consumerSecret =
    fields.get('consumerSecret') ?? app.consumerSecret ?? randomBytes(32).toString('hex').toUpperCase();
  app.isPkceRequired = isPkceRequired;
  app.eca = { ...withComponent(app.eca, 'globalOauth', fullName, fields.get('label')), isConsumerSecretOptional };
  ctx.touched.add(app.id);
  return [];
};

/** Metadata scope names the OAuth settings accept, by lower case. */
const SCOPE_NAMES = new Map(Object.values(SCOPE_TO_METADATA).map((s) => [s.toLowerCase(), s]));

const applyOauthSettings: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.customizeApplication || !ctx.perms.viewEcaConsumerSecrets) return [insufficient()];
  const problems: Problem[] = [];
  const app = owningApp(ctx, fields, problems);
  checkSingleton(app, 'oauthSettings', fullName, problems);
  const scopes = commaList(fields.get('commaSeparatedOauthScopes')).map((s) => {
    const canonical = SCOPE_NAMES.get(s.toLowerCase());
    // Plausible enumeration name: the one ConnectedApp's scopes use.
    if (!canonical) problems.push(badEnum(s, 'ConnectedAppOauthAccessScope'));
    return canonical ?? s;
  });
  if (problems.length || !app) return problems;
  app.scopes = [...new Set(scopes)];
  app.eca = withComponent(app.eca, 'oauthSettings', fullName, fields.get('label'));
  ctx.touched.add(app.id);
  return [];
};

const applyPolicies: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.manageEcaPolicies) return [insufficient()];
  const problems: Problem[] = [];
  const app = owningApp(ctx, fields, problems);
  checkSingleton(app, 'policies', fullName, problems);
  const isEnabled = readBoolean(fields, 'isEnabled', true, problems);
  const isOauthPluginEnabled = readBoolean(fields, 'isOauthPluginEnabled', true, problems);
  if (problems.length || !app) return problems;
  app.eca = { ...app.eca, isEnabled, isOauthPluginEnabled };
  app.eca = withComponent(app.eca, 'policies', fullName, fields.get('label'));
  ctx.touched.add(app.id);
  return [];
};

const ECA_IP_RELAXATION: Readonly<Record<string, NonNullable<ScenarioApp['ipRelaxation']>>> = {
  Enforce: 'ENFORCE',
  Bypass: 'BYPASS',
  // eslint-disable-next-line camelcase
  Bypass_2factor: 'BYPASS_2FACTOR',
  // eslint-disable-next-line camelcase
  Enforce_RelaxRefresh: 'ENFORCE_RELAXREFRESH',
};

const applyOauthPolicies: Applier = (ctx, fullName, fields) => {
  if (!ctx.perms.manageEcaPolicies) return [insufficient()];
  const problems: Problem[] = [];
  const { data } = ctx;
  const app = owningApp(ctx, fields, problems);
  checkSingleton(app, 'oauthPolicies', fullName, problems);
  const permitted = readEnum(
    fields,
    'permittedUsersPolicyType',
    'PermittedUsersPolicyType',
    ['AdminApprovedPreAuthorized', 'AllSelfAuthorized'],
    'AllSelfAuthorized',
    problems,
  );
  // The enumeration names of these two fields are plausible (Salesforce's are not documented).
  const ip = readEnum(
    fields,
    'ipRelaxationPolicyType',
    'IpRelaxationPolicyType',
    Object.keys(ECA_IP_RELAXATION),
    'Enforce',
    problems,
  );
  const refresh = readEnum(
    fields,
    'refreshTokenPolicyType',
    'RefreshTokenPolicyType',
    ['Infinite', 'SpecificInactivity', 'SpecificLifetime', 'Zero'],
    'Infinite',
    problems,
  );
  // Documented as ids, written as API names in Salesforce's own sample: both are accepted.
  const permissionSets = commaList(fields.get('commaSeparatedPermissionSet')).flatMap((entry) => {
    const ps = data.permissionSets.find(
      (p) => !p.isOwnedByProfile && (p.name.toLowerCase() === entry.toLowerCase() || sameIdLoose(p.id, entry)),
    );
    if (!ps) problems.push(noSuch('commaSeparatedPermissionSet', 'PermissionSet', entry));
    return ps ? [ps] : [];
  });
  const profiles = commaList(fields.get('commaSeparatedProfile')).flatMap((entry) => {
    const profile = data.profiles.find((p) => p.name.toLowerCase() === entry.toLowerCase() || sameIdLoose(p.id, entry));
    if (!profile) problems.push(noSuch('commaSeparatedProfile', 'Profile', entry));
    return profile ? [profile] : [];
  });
  if (problems.length || !app) return problems;

  app.adminApprovedOnly = permitted === 'AdminApprovedPreAuthorized';
  app.ipRelaxation = ECA_IP_RELAXATION[ip];
  app.eca = { ...app.eca, refreshTokenPolicyType: refresh };
  // The deployed lists replace the app's grants (permission sets and profiles alike).
  const parents = [
    ...permissionSets.map((p) => p.id),
    ...profiles.map((profile) => {
      let owned = data.permissionSets.find((p) => p.isOwnedByProfile && p.profileId === profile.id);
      if (!owned) {
        owned = {
          id: ctx.store.newId('PermissionSet'),
          name: `X${profile.id.slice(0, 15)}`,
          isOwnedByProfile: true,
          profileId: profile.id,
        };
        data.permissionSets.push(owned);
      }
      return owned.id;
    }),
  ];
  const previous = data.setupEntityAccess.filter((s) => s.setupEntityId === app.id);
  data.setupEntityAccess = [
    ...data.setupEntityAccess.filter((s) => s.setupEntityId !== app.id),
    ...[...new Set(parents)].map((parentId) => ({
      id: previous.find((s) => s.parentId === parentId)?.id ?? ctx.store.newId('SetupEntityAccess'),
      parentId,
      setupEntityId: app.id,
      setupEntityType: 'ExternalClientApplication' as const,
    })),
  ];
  app.eca = withComponent(app.eca, 'oauthPolicies', fullName, fields.get('label'));
  ctx.touched.add(app.id);
  return [];
};

function sameIdLoose(id: string, value: string): boolean {
  return /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value) && id.slice(0, 15) === value.slice(0, 15);
}

/** Applied in this order, so a component finds what it refers to in the same package. */
const APPLIERS: ReadonlyArray<[string, Applier]> = [
  ['PermissionSet', applyPermissionSet],
  ['ExternalClientApplication', applyEcaHeader],
  ['ExtlClntAppGlobalOauthSettings', applyGlobalOauth],
  ['ExtlClntAppOauthSettings', applyOauthSettings],
  ['ExtlClntAppConfigurablePolicies', applyPolicies],
  ['ExtlClntAppOauthConfigurablePolicies', applyOauthPolicies],
];

// ---------------------------------------------------------------------------------------------------------
// Running a deploy

/** The readMetadata XML of a component in `data` (undefined when it does not exist), to tell created from changed. */
function snapshotOf(data: Scenario, type: string, fullName: string): string | undefined {
  const hit = metadataComponents(data, type).find((c) => c.fullName.toLowerCase() === fullName.toLowerCase());
  return hit?.render({ consumerKeyVisible: true });
}

function runDeploy(store: OrgStore, userId: string, options: DeployOptions, zipFile: string): DeployOutcome {
  const now = new Date().toISOString();
  const pkg = readPackage(zipFile, options.singlePackage);
  const message = (c: { type: string; fullName: string; fileName: string }): DeployMessage => ({
    changed: false,
    componentType: c.type,
    created: false,
    createdDate: now,
    deleted: false,
    fileName: c.fileName,
    fullName: c.fullName,
    success: true,
  });
  const failure = (c: { type: string; fullName: string; fileName: string }, p: Problem): DeployMessage => ({
    ...message(c),
    problem: p.problem,
    problemType: 'Error',
    success: false,
    ...(p.line !== undefined ? { lineNumber: p.line, columnNumber: p.column } : {}),
  });
  const packageXml = { type: '', fullName: PACKAGE_XML, fileName: PACKAGE_XML };

  const successes: DeployMessage[] = [];
  const failures: DeployMessage[] = pkg.failures.map((p) => failure(packageXml, p));
  const work = structuredClone(store.data);
  const ctx: ApplyContext = { data: work, store, perms: store.permissions(userId), touched: new Set() };

  if (failures.length === 0) {
    const order = (type: string): number => APPLIERS.findIndex(([t]) => t === type);
    const components = [...pkg.components].sort((a, b) => order(a.type) - order(b.type));
    for (const c of components) {
      if (c.text === undefined) {
        if (!options.allowMissingFiles) {
          failures.push(
            failure(c, {
              problem: `An object '${c.fullName}' of type ${c.type} was named in package.xml, but was not found in zipped directory`,
            }),
          );
        }
        continue;
      }
      const fields = readFields(c.type, c.text);
      if (Array.isArray(fields)) {
        failures.push(...fields.map((p) => failure(c, p)));
        continue;
      }
      const old = snapshotOf(work, c.type, c.fullName);
      const apply = (APPLIERS.find(([t]) => t === c.type) as [string, Applier])[1];
      const problems = apply(ctx, c.fullName, fields);
      if (problems.length) {
        failures.push(...problems.map((p) => failure(c, p)));
        continue;
      }
      const created = old === undefined;
      const changed = !created && old !== snapshotOf(work, c.type, c.fullName);
      stampAudit(work, c.type, c.fullName, created, changed, userId, now);
      successes.push({ ...message(c), created, changed, id: componentId(work, c.type, c.fullName) });
    }
    addDefaultOauthPolicies(ctx, userId, now);
  }

  const failedComponents = new Set(failures.map((f) => `${f.componentType}:${f.fullName}`)).size;
  const rollback = options.rollbackOnError || !store.data.org.isSandbox;
  const status: DeployStatus =
    failures.length === 0 ? 'Succeeded' : !rollback && successes.length > 0 ? 'SucceededPartial' : 'Failed';
  const applied = !options.checkOnly && status !== 'Failed' && successes.length > 0;
  if (applied) {
    // The arrays the org had before the deploy (replaceData puts the copy's arrays in their place).
    const oauthBefore = { apps: store.data.apps, setupEntityAccess: store.data.setupEntityAccess };
    store.replaceData(work);
    const oauthAfter = { apps: work.apps, setupEntityAccess: work.setupEntityAccess };
    if (JSON.stringify(oauthBefore) !== JSON.stringify(oauthAfter)) {
      store.startPropagation(oauthBefore, store.data.org.propagationDelayMs ?? 0);
    }
  }
  // package.xml is listed with the components, as Salesforce lists it, unless it is what failed.
  if (pkg.failures.length === 0) successes.push({ ...message(packageXml), changed: true });
  return {
    status,
    successes,
    failures,
    numberComponentsTotal: pkg.components.length,
    numberComponentErrors: failedComponents,
    applied,
  };
}

/** Salesforce makes an OAuth policy for an app whose OAuth settings were deployed without one. */
function addDefaultOauthPolicies(ctx: ApplyContext, userId: string, now: string): void {
  for (const app of installedEcas(ctx.data)) {
    if (!ctx.touched.has(app.id)) continue;
    const settings = ecaComponentName(app, 'oauthSettings');
    if (settings === undefined || ecaComponentName(app, 'oauthPolicies') !== undefined) continue;
    // The name public tools report for the policy Salesforce makes after a metadata deploy.
    app.eca = withComponent(app.eca, 'oauthPolicies', `${settings}_defaultPolicy`, undefined);
    app.adminApprovedOnly = false;
    app.ipRelaxation = 'ENFORCE';
    app.eca = {
      ...app.eca,
      audit: {
        ...app.eca?.audit,
        oauthPolicies: { createdDate: now, createdById: userId, lastModifiedDate: now, lastModifiedById: userId },
      },
    };
  }
}

function componentId(data: Scenario, type: string, fullName: string): string | undefined {
  return metadataComponents(data, type).find((c) => c.fullName.toLowerCase() === fullName.toLowerCase())?.id;
}

/** Records who made or changed a component and when (listMetadata's dates). */
function stampAudit(
  data: Scenario,
  type: string,
  fullName: string,
  created: boolean,
  changed: boolean,
  userId: string,
  now: string,
): void {
  if (!created && !changed) return;
  const stamp = created
    ? { createdDate: now, createdById: userId, lastModifiedDate: now, lastModifiedById: userId }
    : { lastModifiedDate: now, lastModifiedById: userId };
  if (type === 'PermissionSet') {
    const ps = data.permissionSets.find((p) => p.name.toLowerCase() === fullName.toLowerCase());
    if (ps) ps.audit = { ...ps.audit, ...stamp };
    return;
  }
  const part = ecaPartOfType(type) as EcaPart;
  const app = installedEcas(data).find((a) => ecaComponentName(a, part)?.toLowerCase() === fullName.toLowerCase());
  if (!app) return;
  app.eca = { ...app.eca, audit: { ...app.eca?.audit, [part]: { ...app.eca?.audit?.[part], ...stamp } } };
}

// ---------------------------------------------------------------------------------------------------------
// SOAP answers

/** The AsyncResult of `deploy`. */
export function renderAsyncResult(job: DeployJob): string {
  return `<result>${el('done', job.done)}${el('id', job.id)}${el('state', 'Queued')}</result>`;
}

function renderMessage(m: DeployMessage, tag: string): string {
  return (
    `<${tag}>` +
    el('changed', m.changed) +
    el('columnNumber', m.columnNumber) +
    `<componentType>${m.componentType}</componentType>` +
    el('created', m.created) +
    el('createdDate', m.createdDate) +
    el('deleted', m.deleted) +
    el('fileName', m.fileName) +
    el('fullName', m.fullName) +
    el('id', m.id) +
    el('lineNumber', m.lineNumber) +
    el('problem', m.problem) +
    el('problemType', m.problemType) +
    el('success', m.success) +
    `</${tag}>`
  );
}

/** The DeployResult of `checkDeployStatus`, with details when asked for. */
export function renderDeployResult(store: OrgStore, job: DeployJob, includeDetails: boolean): string {
  const user = store.data.users.find((u) => u.id === job.userId);
  const deployed = job.successes.filter((m) => m.fullName !== PACKAGE_XML || m.componentType !== '').length;
  const details =
    includeDetails && job.done
      ? '<details>' +
        job.failures.map((m) => renderMessage(m, 'componentFailures')).join('') +
        job.successes.map((m) => renderMessage(m, 'componentSuccesses')).join('') +
        '<runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun><totalTime>0.0</totalTime></runTestResult>' +
        '</details>'
      : '';
  return (
    '<result>' +
    el('checkOnly', job.options.checkOnly) +
    el('completedDate', job.completedDate ? sfDate(job.completedDate) : undefined) +
    el('createdBy', job.userId.slice(0, 15)) +
    el('createdByName', user ? user.username.split('@')[0] : '') +
    el('createdDate', sfDate(job.createdDate)) +
    details +
    el('done', job.done) +
    el('id', job.id) +
    el('ignoreWarnings', job.options.ignoreWarnings) +
    el('lastModifiedDate', sfDate(job.lastModifiedDate)) +
    el('numberComponentErrors', job.numberComponentErrors) +
    el('numberComponentsDeployed', job.done ? deployed : 0) +
    el('numberComponentsTotal', job.numberComponentsTotal) +
    el('numberTestErrors', 0) +
    el('numberTestsCompleted', 0) +
    el('numberTestsTotal', 0) +
    el('rollbackOnError', job.options.rollbackOnError || !store.data.org.isSandbox) +
    el('runTestsEnabled', false) +
    el('startDate', job.startDate ? sfDate(job.startDate) : undefined) +
    el('status', job.status) +
    el('success', job.status === 'Succeeded') +
    '</result>'
  );
}

/** The Metadata API writes date-times as 2026-01-15T09:30:00.000Z. */
function sfDate(iso: string): string {
  return new Date(iso).toISOString();
}
