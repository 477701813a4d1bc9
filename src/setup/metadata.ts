/*
 * The Metadata API calls of `sf jwt setup`, through the admin org's Connection from @salesforce/core: reading
 * the app's five components (`metadata.read`, `metadata.list` for names other tools chose), and one deploy of
 * a zip (`metadata.deploy`), polled with `checkDeployStatus` from a quarter of a second, doubling up to five
 * seconds, until it is done or the wait ends. Every request has the command's --timeout (jsforce has none of
 * its own), and a failure is put in words: network faults and HTML pages as `sf jwt diagnose` words them,
 * Salesforce's faults by their code and message.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import { summarizeBody } from '../diagnose/token.js';
import { arr, describeError, errorCodeOf, str, type Rec } from '../org/query.js';
import { bullets } from '../utils/bullets.js';
import { withDeadline } from '../utils/deadline.js';
import { describeDuration } from '../utils/duration.js';
import { networkFailure } from '../utils/http.js';
import { describeNetworkFailure } from '../utils/networkError.js';
import { shellQuote } from '../utils/shell.js';
import {
  componentNamesFromList,
  ecaComponentNames,
  ECA_COMPONENTS,
  SETUP_COMPONENT_TYPES,
  type EcaComponent,
} from './package.js';
import type { ExistingReads } from './plan.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

/** jsforce's name for an HTTP error status whose body is not the API's. */
const HTTP_ERROR = /^ERROR_HTTP_(\d{3})$/;

/**
 * A failed request through the admin org, in words and without internal codes: a network fault as diagnose
 * words it ("the server closed the connection without answering"), an answer that is not the API's (an HTML
 * maintenance page) with its status, and Salesforce's own faults as "CODE: message".
 */
export function describeOrgFailure(err: unknown): string {
  const e = err as { name?: unknown; errorCode?: unknown; message?: unknown; code?: unknown };
  const code = typeof e?.errorCode === 'string' ? e.errorCode : typeof e?.name === 'string' ? e.name : '';
  const text = typeof e?.message === 'string' ? e.message : '';
  const http = HTTP_ERROR.exec(code);
  // an answer that is not the API's: a maintenance page, a proxy's error page, an empty body
  if (http && (/^\s*</.test(text) || text.trim() === '')) {
    return messages.getMessage('request.unexpected', [http[1], summarizeBody(text)]);
  }
  // no answer at all: undici's "fetch failed", with the socket's error as its cause
  if (/fetch failed/i.test(text) || (typeof e?.code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(e.code))) {
    return describeNetworkFailure(networkFailure(err));
  }
  return describeError(err);
}

/** The Metadata API refused the user as such: it has neither Modify All Data nor Modify Metadata. */
export function isMetadataApiRefusal(err: unknown): boolean {
  const text = err instanceof Error ? err.message : '';
  return errorCodeOf(err) === 'INSUFFICIENT_ACCESS' && /ModifyAllData|ModifyMetadata|Metadata API/i.test(text);
}

/** A refusal to read or deploy something the user may not see (the External Client App policies). */
export function isAccessRefusal(err: unknown): boolean {
  return /INSUFFICIENT_ACCESS|INSUFFICIENT_PRIVILEGES/.test(errorCodeOf(err) ?? '');
}

/** The admin org did not answer one request within --timeout. */
function noAnswer(what: string, timeoutMs: number): () => SfError {
  return () => messages.createError('error.NoAnswer', [what, String(Math.round(timeoutMs / 1000))], [], 1);
}

/** One request through the admin org, within the per-request timeout. */
export function timed<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  return withDeadline(promise, timeoutMs, noAnswer(what, timeoutMs));
}

// ---------------------------------------------------------------------------------------------------------
// Reading the app

type ReadAny = (type: string, fullNames: string[]) => Promise<unknown>;

async function readComponent(conn: Connection, type: string, fullName: string, timeoutMs: number): Promise<unknown> {
  // jsforce has no schema for these types: each is read generically, one name per call
  const read = conn.metadata.read.bind(conn.metadata) as unknown as ReadAny;
  return timed(read(type, [fullName]), `readMetadata ${type}`, timeoutMs);
}

const hasFullName = (value: unknown): boolean =>
  arr(value).some((item) => item !== null && typeof item === 'object' && str((item as Rec).fullName) !== undefined);

/** The full names of the components a read did not find, found by `metadata.list` (for apps other tools made). */
async function listedNames(
  conn: Connection,
  appName: string,
  missing: EcaComponent[],
  timeoutMs: number,
): Promise<ReturnType<typeof componentNamesFromList>> {
  const queries = ['app' as const, ...missing].map((component) => ({ type: SETUP_COMPONENT_TYPES[component].type }));
  const listed = arr(await timed(conn.metadata.list(queries), 'listMetadata', timeoutMs)).flatMap((item) => {
    const row = item as Rec;
    const type = str(row.type);
    const fullName = str(row.fullName);
    return type && fullName ? [{ type, fullName }] : [];
  });
  return componentNamesFromList(appName, listed);
}

/** What the org has of the app: the five components read under their usual names, or the names the org lists. */
export type ExistingApp = {
  reads: ExistingReads;
  /** Components of the app that several listed names could be (none of them is read). */
  ambiguous: Partial<Record<EcaComponent, string[]>>;
};

/**
 * Reads the app's five components (`metadata.read`, one call per type, all at once). When the app exists and a
 * component is not under its usual name, the org's list of that type says its name, and it is read again.
 * Throws the request's own error (the caller words it).
 */
export async function readExistingApp(conn: Connection, appName: string, timeoutMs: number): Promise<ExistingApp> {
  const usual = ecaComponentNames(appName);
  const first = await Promise.all(
    ECA_COMPONENTS.map((component) =>
      readComponent(conn, SETUP_COMPONENT_TYPES[component].type, usual[component], timeoutMs),
    ),
  );
  const reads: Record<string, unknown> = Object.fromEntries(ECA_COMPONENTS.map((c, i) => [c, first[i]]));
  if (!hasFullName(reads.app)) return { reads: {}, ambiguous: {} };
  const missing = ECA_COMPONENTS.filter((component) => component !== 'app' && !hasFullName(reads[component]));
  if (missing.length === 0) return { reads: reads as ExistingReads, ambiguous: {} };
  const { names, ambiguous } = await listedNames(conn, appName, missing, timeoutMs);
  const again = missing.filter((component) => names[component] && names[component] !== usual[component]);
  const rereads = await Promise.all(
    again.map((component) =>
      readComponent(conn, SETUP_COMPONENT_TYPES[component].type, names[component] as string, timeoutMs),
    ),
  );
  again.forEach((component, i) => (reads[component] = rereads[i]));
  return { reads: reads as ExistingReads, ambiguous };
}

// ---------------------------------------------------------------------------------------------------------
// Deploying

/** How the deploy is polled: replaceable in tests. */
export const deployPolling = {
  /** The first pause after the deploy is sent. */
  firstDelayMs: 250,
  /** The pauses double up to this. */
  maxDelayMs: 5000,
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  now: (): number => Date.now(),
};

/** One problem of a component (or of the package) that made the deploy fail. */
export type DeployProblem = { type: string; fullName: string; problem: string };

/** A component the deploy created or changed (or, check-only, would). */
export type DeployedComponent = { type: string; fullName: string; created: boolean; changed: boolean; id?: string };

export type DeployOutcome = {
  id: string;
  /** Succeeded, Failed, Canceled, … as Salesforce reports it. */
  status: string;
  success: boolean;
  problems: DeployProblem[];
  components: DeployedComponent[];
};

export type DeployOptions = {
  checkOnly: boolean;
  /** --admin-org as given, for the commands that show the deploy. */
  adminOrg: string;
  timeoutMs: number;
  /** How long to wait for the deploy to finish. */
  budgetMs: number;
  /** Called once the deploy is sent (with its id), before it is polled. */
  onSent?: (id: string) => void;
  /** Called before each pause, with the status Salesforce reported (for a spinner). */
  onPoll?: (status: string) => void;
};

const flag = (value: unknown): boolean => value === true || value === 'true';

function outcomeOf(id: string, result: Rec): DeployOutcome {
  const details = (result.details ?? {}) as Rec;
  const problems = arr(details.componentFailures).map((item) => {
    const failure = item as Rec;
    return {
      type: str(failure.componentType) ?? '',
      fullName: str(failure.fullName) ?? '',
      problem: str(failure.problem) ?? messages.getMessage('deploy.noProblemText'),
    };
  });
  const components = arr(details.componentSuccesses).flatMap((item) => {
    const success = item as Rec;
    const type = str(success.componentType);
    const fullName = str(success.fullName) ?? '';
    // package.xml is listed among the successes, without a type
    if (!type) return [];
    return [{ type, fullName, created: flag(success.created), changed: flag(success.changed), id: str(success.id) }];
  });
  const status = str(result.status) ?? 'Failed';
  const success = flag(result.success) || status === 'Succeeded';
  if (!success && problems.length === 0) {
    const message = str(result.errorMessage) ?? messages.getMessage('deploy.noProblemText');
    problems.push({ type: '', fullName: '', problem: `${str(result.errorStatusCode) ?? status}: ${message}` });
  }
  return { id, status, success, problems, components };
}

/** The deploy did not finish within the wait: says its id and where to see it. */
export class DeployTimeoutError extends SfError {
  public constructor(
    public readonly deployId: string,
    message: string,
    actions: string[],
  ) {
    super(message, 'DeployTimeoutError', actions, 1);
  }
}

/**
 * Sends the zip (`metadata.deploy`, one package at the zip's root, all or nothing) and polls its status until it
 * is done: from `deployPolling.firstDelayMs`, doubling up to `maxDelayMs`. Throws DeployTimeoutError when it is
 * not done within `budgetMs` (the deploy goes on in the org), or the request's own error.
 */
export async function deployAndWait(conn: Connection, zip: Uint8Array, opts: DeployOptions): Promise<DeployOutcome> {
  const started = deployPolling.now();
  const options = { singlePackage: true, rollbackOnError: true, checkOnly: opts.checkOnly };
  const sent = (await timed(
    Promise.resolve(conn.metadata.deploy(Buffer.from(zip), options)),
    'deploy',
    opts.timeoutMs,
  )) as unknown as Rec;
  const id = str(sent.id);
  if (!id) throw messages.createError('error.DeployNotQueued', [JSON.stringify(str(sent.state) ?? '')], [], 1);
  opts.onSent?.(id);
  const poll = async (delay: number): Promise<DeployOutcome> => {
    const left = started + opts.budgetMs - deployPolling.now();
    if (left <= 0) throw deployTimeout(id, opts);
    await deployPolling.sleep(Math.min(delay, left));
    const result = (await timed(
      conn.metadata.checkDeployStatus(id, true),
      'checkDeployStatus',
      opts.timeoutMs,
    )) as unknown as Rec;
    if (flag(result.done)) return outcomeOf(id, result);
    opts.onPoll?.(str(result.status) ?? 'InProgress');
    return poll(Math.min(delay * 2, deployPolling.maxDelayMs));
  };
  return poll(deployPolling.firstDelayMs);
}

function deployTimeout(id: string, opts: DeployOptions): DeployTimeoutError {
  const key = opts.checkOnly ? 'error.CheckTimeout' : 'error.DeployTimeout';
  return new DeployTimeoutError(
    id,
    messages.getMessage(key, [id, describeDuration(opts.budgetMs)]),
    bullets(messages, `${key}.actions`, [shellQuote(id), shellQuote(opts.adminOrg)]),
  );
}
