/*
 * The flags of `sf jwt setup`, checked before anything is read or sent: every bad value is a usage error (exit
 * code 2) that names the flag, says what is wrong and how to write it.
 */
import { Messages, SfError } from '@salesforce/core';
import { timeoutFlagMs } from '../org/adminOrg.js';
import { checkUsernameOrAlias } from '../org/inputs.js';
import { inspectLoginUrl } from '../org/loginUrl.js';
import { validateOutputDir } from '../keys/write.js';
import { flagDurationMs } from '../utils/duration.js';
import { hasControlCharacters } from '../utils/printable.js';
import {
  DEFAULT_APP_NAME,
  DEFAULT_PERMISSION_SET,
  DEFAULT_SCOPE,
  parseScopes,
  validateApiName,
  type ApiNameReason,
} from './package.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

/** How long the verifying login is retried when --wait is not given. */
export const DEFAULT_WAIT_MS = 10 * 60 * 1000;
/** The deploy is waited for at least this long, whatever --wait says. */
export const MIN_DEPLOY_WAIT_MS = 2 * 60 * 1000;

/** The flags of `sf jwt setup`, as parsed. */
export type SetupFlags = {
  'admin-org': string;
  username?: string;
  'app-name'?: string;
  'jwt-key-file'?: string;
  'cert-file'?: string;
  'output-dir'?: string;
  'permission-set'?: string;
  scope?: string;
  'callback-url'?: string;
  'instance-url'?: string;
  wait?: string;
  timeout?: string;
  alias?: string;
  'set-default'?: boolean;
  'set-default-dev-hub'?: boolean;
  'no-store'?: boolean;
  'replace-cert'?: boolean;
  'dry-run'?: boolean;
};

/** The flags, checked, with their defaults. */
export type SetupInputs = {
  adminOrg: string;
  /** As given (an alias works); undefined: the admin org's user. */
  username?: string;
  appName: string;
  keyFile?: string;
  certFile?: string;
  outputDir: string;
  permissionSet: string;
  scope: string;
  /** Undefined: the default for a new app, and an existing app keeps its own. */
  callbackUrl?: string;
  /** Undefined: the admin org's instance URL (its My Domain). */
  instanceUrl?: string;
  waitMs: number;
  timeoutMs: number;
  alias?: string;
  setDefault: boolean;
  setDefaultDevHub: boolean;
  store: boolean;
  replaceCert: boolean;
  dryRun: boolean;
};

const usage = (key: string, tokens: string[], actionTokens: string[] = []): SfError =>
  messages.createError(key, tokens, actionTokens, 2);

/** An API name's broken rule, in words. */
function apiNameReason(reason: ApiNameReason): string {
  switch (reason.code) {
    case 'API_NAME_TOO_LONG':
      return messages.getMessage('apiName.tooLong', [String(reason.length), String(reason.max)]);
    case 'API_NAME_CHARACTERS':
      return messages.getMessage('apiName.characters', [reason.invalid.map((c) => JSON.stringify(c)).join(' ')]);
    default:
      return messages.getMessage(`apiName.${reason.code}`);
  }
}

function checkApiName(name: string, flag: string): string {
  const check = validateApiName(name);
  if (!check.ok) {
    const suggestion = name
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/_+/g, '_')
      .replace(/^[^A-Za-z]+|_+$/g, '');
    throw usage(
      'error.InvalidApiName',
      [flag, JSON.stringify(name), apiNameReason(check.reason)],
      [flag, suggestion || 'sf_jwt'],
    );
  }
  return name;
}

function checkScope(scope: string): string {
  const parsed = parseScopes(scope);
  if (!parsed.ok) {
    if (parsed.reason.code === 'SCOPE_EMPTY') throw usage('error.EmptyScope', [JSON.stringify(scope)]);
    throw usage('error.UnknownScope', [parsed.reason.unknown.join(', ')], [parsed.reason.valid.join(' ')]);
  }
  if (!parsed.scopes.some((name) => name === 'RefreshToken' || name === 'OfflineAccess')) {
    throw usage('error.ScopeWithoutRefreshToken', [scope], [`${scope} refresh_token`]);
  }
  return scope;
}

/**
 * A callback URL Salesforce can store: an absolute URL with a scheme (a custom scheme such as myapp://callback
 * too), without whitespace or commas (the Metadata API keeps several URLs in one field, separated so).
 */
function checkCallbackUrl(url: string): string {
  const bad = (why: string): SfError => usage('error.InvalidCallbackUrl', [JSON.stringify(url), why]);
  if (/[\s,]/.test(url) || hasControlCharacters(url)) throw bad(messages.getMessage('callbackUrl.whitespace'));
  if (!URL.canParse(url) || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]/.test(url)) {
    throw bad(messages.getMessage('callbackUrl.notUrl'));
  }
  if (/^(javascript|data|file|vbscript):/i.test(url)) throw bad(messages.getMessage('callbackUrl.scheme'));
  return url;
}

function checkInstanceUrl(raw: string): string {
  const verdict = inspectLoginUrl(raw);
  if (!verdict.ok) {
    throw new SfError(
      messages.getMessage('error.InvalidInstanceUrl', [verdict.message]),
      'InvalidInstanceUrlError',
      verdict.actions,
      2,
    );
  }
  return raw.trim();
}

/** Checks every flag and applies the defaults; throws a usage error (exit code 2) for the first bad one. */
export function checkSetupFlags(flags: SetupFlags): SetupInputs {
  const adminOrg = checkUsernameOrAlias(flags['admin-org'], '--admin-org');
  if (flags.username !== undefined) checkUsernameOrAlias(flags.username, '--username');
  if (flags.alias !== undefined) checkUsernameOrAlias(flags.alias, '--alias');
  const appName = checkApiName(flags['app-name'] ?? DEFAULT_APP_NAME, '--app-name');
  const permissionSet = checkApiName(flags['permission-set'] ?? DEFAULT_PERMISSION_SET, '--permission-set');
  const scope = checkScope(flags.scope ?? DEFAULT_SCOPE);
  const callbackUrl = flags['callback-url'] === undefined ? undefined : checkCallbackUrl(flags['callback-url']);
  const instanceUrl = flags['instance-url'] === undefined ? undefined : checkInstanceUrl(flags['instance-url']);
  const outputDir = validateOutputDir(flags['output-dir'] ?? '.');
  return {
    adminOrg,
    ...(flags.username !== undefined ? { username: flags.username } : {}),
    appName,
    ...(flags['jwt-key-file'] !== undefined ? { keyFile: flags['jwt-key-file'] } : {}),
    ...(flags['cert-file'] !== undefined ? { certFile: flags['cert-file'] } : {}),
    outputDir,
    permissionSet,
    scope,
    ...(callbackUrl !== undefined ? { callbackUrl } : {}),
    ...(instanceUrl !== undefined ? { instanceUrl } : {}),
    waitMs: flagDurationMs(flags.wait, { flag: 'wait', unit: 'seconds', defaultMs: DEFAULT_WAIT_MS }),
    timeoutMs: timeoutFlagMs(flags.timeout),
    ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
    setDefault: flags['set-default'] ?? false,
    setDefaultDevHub: flags['set-default-dev-hub'] ?? false,
    store: !(flags['no-store'] ?? false),
    replaceCert: flags['replace-cert'] ?? false,
    dryRun: flags['dry-run'] ?? false,
  };
}
