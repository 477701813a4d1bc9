/*
 * A Dev Hub login made through an external client app works, but Salesforce refuses to create, delete or refresh
 * scratch orgs and sandboxes through it (C-1016): a Dev Hub that creates orgs needs a connected app for that login.
 * The warning is given only for a login the CLI stores as a Dev Hub (core's isDevHub), and only when its app is
 * known to be an external client app: from the admin org's evidence, or from the login's own Metadata read with
 * the token its diagnosis just received. Never from a guess.
 */
import { Messages } from '@salesforce/core';
import type { JwtInputs } from '../org/inputs.js';
import { externalClientAppOf } from '../org/apps.js';
import { connectionAs, type Session } from '../org/ownConnection.js';
import { withDeadline } from '../utils/deadline.js';
import { commandLine, placeholder } from '../utils/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

/** The own read lists and reads the external client apps' global OAuth settings: a few rounds, each within --timeout. */
const OWN_READ_ROUNDS = 3;

/** The code Salesforce answers a scratch-org or sandbox request through a Dev Hub login made with an ECA. */
export const DEV_HUB_ECA_ERROR = 'C-1016';

/** Whether a warning of a diagnosis is the Dev Hub one (for `sf doctor`'s suggestions). */
export const isDevHubWarning = (warning: string): boolean => warning.includes(DEV_HUB_ECA_ERROR);

/** The external client app behind the login, read as the user itself; undefined when that can't be told. */
async function ownEcaName(inputs: JwtInputs, session: Session, timeoutMs: number): Promise<string | undefined> {
  const clientId = (inputs.clientId ?? '').trim();
  if (!clientId) return undefined;
  try {
    const name = await withDeadline(
      externalClientAppOf(connectionAs(inputs.username, session), clientId),
      timeoutMs * OWN_READ_ROUNDS,
      () => new Error('timeout'),
    );
    return name ?? undefined;
  } catch {
    // a read the user may not make (no Metadata API access, consumer keys hidden): unknown, so no warning
    return undefined;
  }
}

/**
 * The warning for a stored Dev Hub login whose app is an external client app: `appName` when the admin org showed
 * it, else read through `session` (the login's own token). undefined when it is not a Dev Hub login, or the app is
 * not known to be an external client app.
 */
export async function devHubWarning(
  inputs: JwtInputs,
  known: { appName?: string; session?: () => Session; timeoutMs?: number },
): Promise<string | undefined> {
  if (!inputs.isDevHub) return undefined;
  const app =
    known.appName ?? (known.session ? await ownEcaName(inputs, known.session(), known.timeoutMs ?? 30_000) : undefined);
  if (!app) return undefined;
  const login = commandLine(
    'sf org login jwt',
    ['--username', inputs.username],
    ['--client-id', placeholder(messages.getMessage('placeholder.connectedAppKey'))],
    ['--jwt-key-file', inputs.jwtKeyFile],
    ['--instance-url', inputs.loginUrl],
    '--set-default-dev-hub',
  );
  return messages.getMessage('warning.devHubEca', [inputs.username, app, DEV_HUB_ECA_ERROR, login]);
}
