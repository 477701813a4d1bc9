/*
 * `sf jwt setup` in one call: from nothing to a verified JWT login through an admin org. The steps, in order:
 * key (key.ts) → pre-flight (preflight.ts: nothing changes until it passed) → one Metadata API deploy of the
 * External Client App and, when missing, the permission set (metadata.ts) → the permission set assignment
 * (assignment.ts) → the JWT login exactly as `sf org login jwt` makes it, retried while the app and the grant
 * propagate (diagnose/verify.ts) → the login stored in the CLI (store.ts). Run again, it changes only what is
 * missing: nothing differs, nothing is deployed or created.
 *
 * Usage errors (exit code 2) are thrown before anything is read. Every later failure is returned in the
 * result (`error`, exit code 1) with the steps done before it, so a script sees how far it got.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import { RETRYABLE_AFTER_GRANT, verifyWithProgress } from '../diagnose/verify.js';
import type { CauseCode } from '../diagnose/types.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { resolveUsername, type JwtInputs } from '../org/inputs.js';
import { normalizeLoginUrl } from '../org/loginUrl.js';
import { adminOrgFacts, refuseOtherOrg } from '../org/orgMatch.js';
import { describeDuration } from '../utils/duration.js';
import { onInterrupt } from '../utils/interrupt.js';
import { commandLine, shellQuote } from '../utils/shell.js';
import { ensureAssignment } from './assignment.js';
import { checkSetupFlags, MIN_DEPLOY_WAIT_MS, type SetupFlags, type SetupInputs } from './inputs.js';
import { prepareKey, type KeyPlan } from './key.js';
import { deployAndWait, DeployTimeoutError, describeOrgFailure, type DeployOutcome } from './metadata.js';
import { problemActions, problemLines, readFailure, runPreflight, type Preflight } from './preflight.js';
import type { JwtSetupResult, SetupAction, SetupStep, SetupStepId, SetupUi } from './result.js';
import { describePlan, type StepWords } from './steps.js';
import { storeLogin } from './store.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

export type SetupContext = {
  /** Stops the verifying login's retries (the call then rejects). */
  signal?: AbortSignal;
};

/** A step that failed: carried to the result as its `error`. */
class StepFailure extends Error {
  public constructor(
    public readonly stepId: SetupStepId,
    public readonly error: SfError,
  ) {
    super(error.message);
  }
}

/** An error as the step's failure: Salesforce's and the plugin's own as they are, anything else put in words. */
function asSfError(error: unknown, id: SetupStepId): SfError {
  if (error instanceof SfError) return error as SfError;
  return new SfError(
    messages.getMessage('error.StepFailed', [id, describeOrgFailure(error)]),
    'SetupStepError',
    messages.getMessages('error.StepFailed.actions'),
    1,
  );
}

/**
 * Runs `work` as the step `id`, with the spinner showing `spinnerText`: a failure other than a usage error
 * becomes that step's failure.
 */
async function inStep<T>(
  id: SetupStepId,
  ui: SetupUi,
  spinnerText: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (spinnerText) ui.spinner.start(spinnerText);
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    const sf = asSfError(error, id);
    if (sf.exitCode === 2) throw sf;
    throw new StepFailure(id, sf);
  } finally {
    if (spinnerText) ui.spinner.stop();
  }
}

/** What the admin org's stored login says about it, without a request. */
type AdminFacts = { username: string; instanceUrl: string; isDevHub: boolean; orgId?: string };

function adminFacts(adminOrg: string, conn: Connection): AdminFacts {
  const fields = conn.getAuthInfoFields();
  const facts = adminOrgFacts(adminOrg, conn);
  return {
    username: conn.getUsername() ?? adminOrg,
    instanceUrl: facts.instanceUrl ?? conn.instanceUrl,
    isDevHub: fields.isDevHub === true,
    ...(facts.orgId ? { orgId: facts.orgId } : {}),
  };
}

/** The `sf org login jwt …` line that logs in as the setup did (for CI). */
export function loginCommandOf(
  inputs: Pick<SetupInputs, 'alias' | 'setDefault' | 'setDefaultDevHub'>,
  login: { username: string; clientId: string; keyFile: string; loginUrl: string },
): string {
  return commandLine(
    'sf org login jwt',
    ['--username', login.username],
    ['--client-id', login.clientId],
    ['--jwt-key-file', login.keyFile],
    ['--instance-url', login.loginUrl],
    ['--alias', inputs.alias],
    ...(inputs.setDefault ? ['--set-default'] : []),
    ...(inputs.setDefaultDevHub ? ['--set-default-dev-hub'] : []),
  );
}

/** What Ctrl-C leaves behind, said in the words it prints (utils/interrupt.ts). */
class Progress {
  private note: string | undefined = messages.getMessage('interrupt.nothingSent');

  public get text(): string | undefined {
    return this.note;
  }

  public set(key: string, tokens: string[] = []): void {
    this.note = messages.getMessage(key, tokens);
  }
}

/** The setup's causes that time can fix: the new app, its certificate and its grant propagate. */
function retryableAfter(certificateChanged: boolean): ReadonlySet<CauseCode> {
  return certificateChanged
    ? new Set<CauseCode>([...RETRYABLE_AFTER_GRANT, 'INVALID_ASSERTION'])
    : RETRYABLE_AFTER_GRANT;
}

type Run = {
  inputs: SetupInputs;
  conn: Connection;
  admin: AdminFacts;
  username: string;
  loginUrl: string;
  ui: SetupUi;
  progress: Progress;
  result: JwtSetupResult;
  context: SetupContext;
};

const add = (result: JwtSetupResult, id: SetupStepId, action: SetupAction, message: string): void => {
  result.steps.push({ id, action, message } satisfies SetupStep);
};

/** Budget of a deploy: --wait, and never less than MIN_DEPLOY_WAIT_MS. */
const deployBudget = (inputs: SetupInputs): number => Math.max(inputs.waitMs, MIN_DEPLOY_WAIT_MS);

/** 1. key: checked or made in memory; written only once the pre-flight passed. */
async function keyStep(run: Run): Promise<KeyPlan> {
  const { inputs, ui, result } = run;
  const key = await inStep('key', ui, messages.getMessage('spinner.key'), () =>
    prepareKey({
      keyFile: inputs.keyFile,
      certFile: inputs.certFile,
      outputDir: inputs.outputDir,
      commonName: inputs.appName,
    }),
  );
  result.keyFile = key.keyFile;
  result.certFile = key.certFile;
  key.warnings.forEach((warning) => ui.warn(warning));
  return key;
}

/**
 * 2. pre-flight: nothing changes in the org, and no file is written, until it passed. Returns the pre-flight and
 * the key plan, whose certificate may now be the app's own certificate of the same key.
 */
async function preflightStep(run: Run, planned: KeyPlan): Promise<{ pre: Preflight; key: KeyPlan }> {
  const { inputs, ui, progress, result } = run;
  const pre = await inStep('preflight', ui, messages.getMessage('spinner.preflight', [inputs.adminOrg]), () =>
    runPreflight({
      conn: run.conn,
      adminOrg: inputs.adminOrg,
      adminUsername: run.admin.username,
      username: run.username,
      appName: inputs.appName,
      permissionSet: inputs.permissionSet,
      scope: inputs.scope,
      callbackUrl: inputs.callbackUrl,
      certPem: planned.certPem,
      keyFingerprint: planned.publicKeyFingerprint,
      certificateMadeHere: planned.withCertificate !== undefined,
      replaceCert: inputs.replaceCert,
      timeoutMs: inputs.timeoutMs,
      deployBudgetMs: deployBudget(inputs),
      onCheckSent: (id) => progress.set('interrupt.checkSent', [id]),
      onPoll: (status) => ui.spinner.status(status),
    }),
  );
  const key =
    pre.certPem !== planned.certPem && planned.withCertificate ? planned.withCertificate(pre.certPem) : planned;
  result.clientId = pre.clientId;
  result.loginCommand = loginCommandOf(inputs, {
    username: run.username,
    clientId: pre.clientId,
    keyFile: key.keyFile,
    loginUrl: run.loginUrl,
  });
  return { pre, key };
}

/** --dry-run: every step as planned, nothing written or changed. */
function planSteps(run: Run, words: StepWords): void {
  const { inputs, result, username } = run;
  add(result, 'key', 'planned', words.key.planned);
  add(result, 'preflight', 'planned', words.preflight);
  add(result, 'app', 'planned', words.app.planned);
  add(result, 'permission-set', 'planned', words.permissionSet.planned);
  add(result, 'assignment', 'planned', messages.getMessage('assignment.planned', [inputs.permissionSet, username]));
  add(result, 'verify', 'planned', messages.getMessage('verify.planned', [username, run.loginUrl]));
  if (inputs.store) add(result, 'store', 'planned', messages.getMessage('store.planned', [username]));
}

/** 3. app (and the permission set): one deploy of what differs; nothing differs, nothing deployed. */
async function appStep(run: Run, pre: Preflight, words: StepWords): Promise<DeployOutcome | undefined> {
  const { inputs, ui, progress, result } = run;
  const pkg = pre.pkg;
  let deployed: DeployOutcome | undefined;
  if (pkg) {
    deployed = await inStep('app', ui, messages.getMessage('spinner.deploy', [inputs.appName, inputs.adminOrg]), () =>
      deployAndWait(run.conn, pkg.zip, {
        checkOnly: false,
        adminOrg: inputs.adminOrg,
        timeoutMs: inputs.timeoutMs,
        budgetMs: deployBudget(inputs),
        onSent: (id) => {
          result.deployId = id;
          progress.set('interrupt.deploySent', [id, inputs.adminOrg]);
        },
        onPoll: (status) => ui.spinner.status(status),
      }).catch((error: unknown) => {
        if (error instanceof SfError) throw error;
        throw readFailure('deploy', error, { adminOrg: inputs.adminOrg, adminUsername: run.admin.username });
      }),
    );
    if (!deployed.success) {
      throw new StepFailure(
        'app',
        new SfError(
          messages.getMessage('error.DeployFailed', [deployed.id, problemLines(deployed.problems).join('\n')]),
          'DeployFailedError',
          problemActions(deployed.problems, run.admin.username),
          1,
        ),
      );
    }
    progress.set('interrupt.deployDone', [deployed.id]);
  }
  const { plan } = pre;
  const appChanged = plan.deploy.some((component) => component !== 'permissionSet');
  add(
    result,
    'app',
    plan.appExists ? (appChanged ? 'updated' : 'already present') : 'created',
    words.app.done(deployed?.id),
  );
  add(
    result,
    'permission-set',
    plan.deploy.includes('permissionSet') ? 'created' : 'already present',
    words.permissionSet.done,
  );
  if (plan.certificate.verdict === 'different' && !pre.certificateSameKey) {
    ui.warn(messages.getMessage('warning.certificateReplaced', [inputs.appName, pre.previousCertificate ?? '?']));
  }
  const policy = plan.components.find((component) => component.component === 'oauthPolicies');
  if (policy?.reasons.some((reason) => reason.code === 'POLICY_NOT_PREAUTHORIZED')) {
    ui.warn(messages.getMessage('warning.policyChanged', [inputs.appName]));
  }
  return deployed;
}

/** 4. assignment: the permission set grants the app and is assigned to the user. Whether it changed anything. */
async function assignmentStep(run: Run): Promise<boolean> {
  const { inputs, ui, result, username } = run;
  const assigned = await inStep(
    'assignment',
    ui,
    messages.getMessage('spinner.assignment', [inputs.permissionSet, username]),
    () =>
      ensureAssignment(run.conn, {
        adminOrg: inputs.adminOrg,
        adminUsername: run.admin.username,
        username,
        appName: inputs.appName,
        permissionSet: inputs.permissionSet,
        timeoutMs: inputs.timeoutMs,
      }),
  );
  add(result, 'assignment', assigned.changed ? 'created' : 'already present', assigned.message);
  return assigned.changed;
}

/** 5. verify: the JWT login as `sf org login jwt` makes it, retried while the changes propagate. */
async function verifyStep(run: Run, pre: Preflight, key: KeyPlan, changed: boolean): Promise<void> {
  const { inputs, ui, result, username } = run;
  run.progress.set(changed ? 'interrupt.verifying' : 'interrupt.verifyingUnchanged');
  const jwt: JwtInputs = {
    username,
    clientId: pre.clientId,
    jwtKeyFile: key.keyFile,
    loginUrl: normalizeLoginUrl(run.loginUrl),
    certFile: key.certFile,
    appName: inputs.appName,
    source: { clientId: 'flag', jwtKeyFile: 'flag', loginUrl: 'flag' },
  };
  const verification = await verifyWithProgress(
    jwt,
    {
      waitMs: inputs.waitMs,
      timeoutMs: inputs.timeoutMs,
      adminOrg: inputs.adminOrg,
      retryable: retryableAfter(pre.plan.certificate.verdict !== 'same' && !pre.certificateSameKey),
      signal: run.context.signal,
    },
    ui.spinner,
  );
  const { tries, elapsedSeconds: seconds, cause } = verification;
  result.verification = { ok: verification.ok, tries, seconds, cause };
  if (!verification.ok) {
    throw new StepFailure(
      'verify',
      new SfError(
        messages.getMessage('error.VerifyFailed', [
          username,
          String(tries),
          String(seconds),
          cause ? `${cause.code}: ${cause.message}` : '',
        ]),
        'VerifyFailedError',
        [
          ...(changed ? [messages.getMessage('verify.propagating', [describeDuration(inputs.waitMs)])] : []),
          ...(cause?.actions ?? []),
          messages.getMessage('verify.rerun', [shellQuote(username), shellQuote(inputs.adminOrg)]),
        ],
        1,
      ),
    );
  }
  const words =
    tries > 1
      ? messages.getMessage('verify.doneAfter', [username, String(tries), String(seconds)])
      : messages.getMessage('verify.done', [username, String(seconds)]);
  add(result, 'verify', changed ? 'created' : 'already present', words);
}

/** 6. store: the verified login, as `sf org login jwt` stores it. */
async function storeStep(run: Run, pre: Preflight, key: KeyPlan): Promise<void> {
  const { inputs, ui, result, username } = run;
  run.progress.set('interrupt.storing');
  const stored = await inStep('store', ui, messages.getMessage('spinner.store', [username]), () =>
    storeLogin({
      username,
      clientId: pre.clientId,
      keyFile: key.keyFile,
      loginUrl: normalizeLoginUrl(run.loginUrl),
      orgId: run.admin.orgId,
      alias: inputs.alias,
      setDefault: inputs.setDefault,
      setDefaultDevHub: inputs.setDefaultDevHub,
    }),
  );
  add(result, 'store', stored.action, stored.message);
}

async function runSteps(run: Run): Promise<void> {
  const { inputs, ui, progress, result, username } = run;
  const { pre, key } = await preflightStep(run, await keyStep(run));
  if (inputs.dryRun) {
    planSteps(run, describePlan(pre, key, inputs, username));
    return;
  }
  await inStep('key', ui, undefined, key.write);
  if (key.writes !== 'nothing') progress.set('interrupt.keyWritten', [key.keyFile]);
  const words = describePlan(pre, key, inputs, username);
  add(result, 'key', key.writes === 'nothing' ? 'reused' : 'created', words.key.done);
  add(result, 'preflight', 'already present', words.preflight);
  const deployed = await appStep(run, pre, words);
  const assignmentChanged = await assignmentStep(run);
  await verifyStep(run, pre, key, Boolean(deployed) || assignmentChanged);
  if (inputs.store) await storeStep(run, pre, key);
}

/**
 * Runs `sf jwt setup` for the parsed flags: checks them (usage errors, exit code 2, are thrown), then every step
 * in order, and returns the result (ok, or the step that failed and why).
 */
export async function runSetup(flags: SetupFlags, ui: SetupUi, context: SetupContext = {}): Promise<JwtSetupResult> {
  const inputs = checkSetupFlags(flags);
  const conn = await connectAdminOrg(inputs.adminOrg);
  const admin = adminFacts(inputs.adminOrg, conn);
  const username = inputs.username === undefined ? admin.username : await resolveUsername(inputs.username);
  const loginUrl = inputs.instanceUrl ?? admin.instanceUrl;
  // nothing is read or changed through an admin org that is provably another org than the login URL's
  refuseOtherOrg(inputs.adminOrg, conn, { username, loginUrl: inputs.instanceUrl });
  if (inputs.username === undefined) ui.info(messages.getMessage('info.adminUser', [username, inputs.adminOrg]));
  if (admin.isDevHub) ui.warn(messages.getMessage('warning.devHub', [inputs.adminOrg]));

  const progress = new Progress();
  const unregister = onInterrupt(() => progress.text);
  const result: JwtSetupResult = {
    ok: false,
    username,
    appName: inputs.appName,
    loginUrl,
    keyFile: '',
    certFile: '',
    steps: [],
    dryRun: inputs.dryRun,
    adminOrg: inputs.adminOrg,
    permissionSet: inputs.permissionSet,
  };
  try {
    await runSteps({ inputs, conn, admin, username, loginUrl, ui, progress, result, context });
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    const { stepId, error: cause } = error;
    result.error = { step: stepId, name: cause.name, message: cause.message, actions: cause.actions ?? [] };
    if (cause instanceof DeployTimeoutError) result.deployId ??= cause.deployId;
  } finally {
    unregister();
  }
  result.ok = !result.error && (inputs.dryRun || result.verification?.ok === true);
  return result;
}
