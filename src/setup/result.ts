/*
 * The JSON contract of `sf jwt setup`, the progress hooks the command hands to the setup, and the ok / exit
 * code decision. Nothing here may ever hold a private key, access token, consumer secret or signed assertion:
 * the consumer key identifies the app and is not a secret, the certificate is public.
 */
import type { Cause } from '../diagnose/types.js';
import type { Spinner } from '../utils/view.js';

/** The steps of a setup, in the order they run. */
export const SETUP_STEP_IDS = ['key', 'preflight', 'app', 'permission-set', 'assignment', 'verify', 'store'] as const;

export type SetupStepId = (typeof SETUP_STEP_IDS)[number];

/**
 * What a step did: `created` (made by this run), `updated` (changed by this run), `already present` (there
 * already, and as wanted: nothing done), `reused` (an existing key or certificate taken as it is), `planned`
 * (--dry-run: what a run would do).
 */
export type SetupAction = 'created' | 'updated' | 'already present' | 'reused' | 'planned';

export type SetupStep = {
  id: SetupStepId;
  action: SetupAction;
  /** What was done (or would be), in plain words. */
  message: string;
};

/** The JWT login tried at the end, as `sf org login jwt` makes it. Never carries a token. */
export type SetupVerification = {
  ok: boolean;
  /** Login attempts made, each one as `sf org login jwt` makes it. */
  tries: number;
  /** Seconds from the first try to the verdict. */
  seconds: number;
  /** Why the last try failed, as `sf jwt diagnose` names it; null when the login works. */
  cause: Cause | null;
};

/** The step that failed, with the reason and the fix. */
export type SetupError = {
  step: SetupStepId;
  name: string;
  message: string;
  actions: string[];
};

export type JwtSetupResult = {
  /** The JWT login is verified (with --dry-run: the plan can be carried out). */
  ok: boolean;
  /** The JWT user. */
  username: string;
  /** The app's consumer key: it identifies the app and is not a secret. Absent when it could not be read. */
  clientId?: string;
  /** API name of the external client app. */
  appName: string;
  /** The login URL of the verifying login and of the stored login. */
  loginUrl: string;
  /** The private key file, absolute. */
  keyFile: string;
  /** The certificate file on the app, absolute. */
  certFile: string;
  /** Each step that ran (or, with --dry-run, would run), in order. */
  steps: SetupStep[];
  /** The JWT login tried at the end; absent when no login was tried (--dry-run, or a step before it failed). */
  verification?: SetupVerification;
  /** The `sf org login jwt …` line for CI. */
  loginCommand?: string;
  dryRun: boolean;
  /** --admin-org as given. */
  adminOrg: string;
  /** The permission set that pre-authorizes the user. */
  permissionSet: string;
  /** The id of the deploy that created or changed the app, when one was sent. */
  deployId?: string;
  /** Why the setup stopped: the failing step, the reason and the fix. */
  error?: SetupError;
};

/** Progress shown while the setup runs; the command decides where each goes. */
export type SetupUi = {
  info: (text: string) => void;
  warn: (text: string) => void;
  spinner: Spinner;
};

/** A UI that shows nothing. */
export const silentSetupUi: SetupUi = {
  info: () => {},
  warn: () => {},
  spinner: { start: () => {}, status: () => {}, stop: () => {} },
};
