/*
 * The commands the plugin suggests as next steps, built in one place so that each one runs as it is pasted.
 *
 * A command about a JWT login names the user and repeats every identity value the user gave on the command
 * line (client id, key file, login URL): a login that was never stored (the usual CI case, after `sf org login
 * jwt` failed) has nothing else to take them from. A value that came from the CLI's stored login is left out:
 * the username finds that login again. `sf org login jwt`, which reuses nothing, gets every value known.
 *
 * The only placeholder is what the user must choose: the admin org (and, where nothing knows it, a file).
 * Text that shows a command with the admin org placeholder also says what to put there (ADMIN_ORG_NOTE).
 * Every value is quoted for a POSIX shell (utils/shell.ts).
 */
import { Messages } from '@salesforce/core';
import { commandLine, placeholder, type CommandPart, type Placeholder } from '../utils/shell.js';
import type { InputSource, JwtInputs } from './inputs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** A JWT login as the commands that suggest a next step know it. */
export type SuggestedLogin = {
  username: string;
  clientId?: string;
  jwtKeyFile?: string;
  loginUrl?: string;
  /** Where each value came from. A value with no source is repeated, as if given as a flag. */
  source?: InputSource;
  /** The app's API name, for commands that take --app-name when the client id is not known. */
  appName?: string;
};

/** A login's resolved inputs as suggested commands name it. */
export function suggestedLoginOf(inputs: JwtInputs): SuggestedLogin {
  return {
    username: inputs.username,
    clientId: inputs.clientId,
    jwtKeyFile: inputs.jwtKeyFile,
    loginUrl: inputs.loginUrl,
    source: inputs.source,
    appName: inputs.appName,
  };
}

/** The admin org placeholder, exactly as suggested commands show it. */
export const ADMIN_ORG_PLACEHOLDER = messages.getMessage('suggest.adminOrg');

/** What to put in place of ADMIN_ORG_PLACEHOLDER, for text that shows a command with it. */
export const ADMIN_ORG_NOTE = messages.getMessage('suggest.adminOrg.note', [ADMIN_ORG_PLACEHOLDER]);

/** `--admin-org <name>`, or the placeholder when no admin org was named. */
export function adminOrgPart(adminOrg: string | undefined): CommandPart {
  return ['--admin-org', adminOrg ?? placeholder(ADMIN_ORG_PLACEHOLDER)];
}

/** Whether text shows a command with the admin org placeholder (and so needs ADMIN_ORG_NOTE). */
export const hasAdminOrgPlaceholder = (text: string): boolean => text.includes(ADMIN_ORG_PLACEHOLDER);

/** A value to repeat: anything not taken from the stored login or a default. */
function given(value: string | undefined, from: string | undefined): string | undefined {
  return from === 'stored-auth' || from === 'default' ? undefined : value;
}

const trimmed = (value: string | undefined): string | undefined => value?.trim();

/**
 * The identity flags a command that resolves the stored login (diagnose, approve) needs; `key` stands in for
 * a key file nothing knows.
 */
function identityParts(login: SuggestedLogin, key?: Placeholder): CommandPart[] {
  const source = login.source ?? {};
  return [
    ['--username', login.username],
    ['--client-id', trimmed(given(login.clientId, source.clientId))],
    ['--jwt-key-file', given(login.jwtKeyFile, source.jwtKeyFile) ?? key],
    ['--instance-url', given(login.loginUrl, source.loginUrl)],
  ];
}

/**
 * `sf jwt diagnose` for the login, then `extra` (such as adminOrgPart). A login whose key file nothing knows
 * (approved without one) gets the key file placeholder: the diagnosis signs with it.
 */
export function diagnoseCommand(login: SuggestedLogin, ...extra: CommandPart[]): string {
  const keyUnknown = login.jwtKeyFile === undefined && login.source?.jwtKeyFile === undefined;
  const key = keyUnknown ? placeholder(messages.getMessage('suggest.keyFile')) : undefined;
  return commandLine('sf jwt diagnose', ...identityParts(login, key), ...extra);
}

/** `sf jwt approve` for the login, then `extra`. */
export function approveCommand(login: SuggestedLogin, ...extra: CommandPart[]): string {
  const app: CommandPart[] = login.clientId ? [] : [['--app-name', login.appName]];
  return commandLine('sf jwt approve', ...identityParts(login), ...app, ...extra);
}

/**
 * `sf jwt status` through the admin org (the placeholder when none was named): status reads no stored login,
 * so the app is always named, by client id or API name, when known.
 */
export function statusCommand(login: SuggestedLogin, adminOrg: string | undefined): string {
  const app: CommandPart = login.clientId ? ['--client-id', trimmed(login.clientId)] : ['--app-name', login.appName];
  return commandLine('sf jwt status', adminOrgPart(adminOrg), ['--username', login.username], app);
}

/**
 * `sf org login jwt` for the login, with every value known (it reuses nothing from a stored login); a value
 * nothing knows is a placeholder. `username` replaces the login's (a corrected username), `keyFile` names a
 * placeholder for the key when the known path is the problem.
 */
export function loginCommand(login: SuggestedLogin, options: { username?: string; keyFile?: string } = {}): string {
  return commandLine(
    'sf org login jwt',
    ['--username', options.username ?? login.username],
    ['--client-id', trimmed(login.clientId) ?? placeholder(messages.getMessage('suggest.clientId'))],
    [
      '--jwt-key-file',
      options.keyFile !== undefined
        ? placeholder(options.keyFile)
        : (login.jwtKeyFile ?? placeholder(messages.getMessage('suggest.keyFile'))),
    ],
    ['--instance-url', login.loginUrl],
  );
}

/** `sf org display` for an org the CLI has a login for (the admin org): whether that login still works. */
export function orgDisplayCommand(org: string): string {
  return commandLine('sf org display', ['--target-org', org]);
}
