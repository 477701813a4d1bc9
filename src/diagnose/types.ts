/*
 * The JSON contract of `sf jwt diagnose` (and of the causes every command reports), and the shapes the
 * diagnosis passes around.
 * Nothing here may ever hold an access token, refresh token, private key or signed assertion.
 */
import type { InputSource } from '../org/inputs.js';
import type { OrgEvidence } from '../org/types.js';

/** Stable cause codes (README.md, "Cause codes"). Codes never change meaning; new ones may be added. */
export const CAUSE_CODES = [
  'KEY_FILE_NOT_FOUND',
  'KEY_UNREADABLE',
  'KEY_TOO_SHORT',
  'KEY_CERT_MISMATCH',
  'LOGIN_URL_INVALID',
  'NETWORK_ERROR',
  'UNEXPECTED_RESPONSE',
  'CLOCK_SKEW',
  'INVALID_CLIENT_ID',
  'APP_NOT_INSTALLED',
  'INVALID_ASSERTION',
  'AUDIENCE_INVALID',
  'USER_NOT_FOUND',
  'USER_INACTIVE',
  'USER_FROZEN',
  'USER_NOT_PREAUTHORIZED',
  'APP_SCOPE_MISSING_REFRESH_TOKEN',
  'USER_NOT_APPROVED',
  'APPROVAL_NOT_PROPAGATED',
  'NOT_ADMIN_APPROVED',
  'IP_RESTRICTED',
  'ORG_INACTIVE',
  'RATE_LIMITED',
  'UNKNOWN_ERROR',
] as const;

export type CauseCode = (typeof CAUSE_CODES)[number];

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Check ids, in the order the diagnosis runs them (the order README.md lists under "What it checks"). */
export type CheckId =
  | 'inputs'
  | 'key-file'
  | 'key-parse'
  | 'key-size'
  | 'cert'
  | 'login-url'
  | 'client-id'
  | 'clock'
  | 'token-exchange'
  | 'org-evidence';

export type Check = {
  id: CheckId;
  status: CheckStatus;
  /** Plain words; for `skip`, the reason it was skipped. */
  message: string;
  /** Set on `fail` (and on a `warn` that maps to a code). */
  code?: CauseCode;
  actions?: string[];
};

/* eslint-disable camelcase -- Salesforce's OAuth error body, with its wire names, is part of the JSON contract */
/** Salesforce's OAuth error body, kept verbatim. */
export type ServerError = {
  error: string;
  error_description?: string;
};

/** A ServerError from its two parts; no description, no field. */
export function serverError(error: string, description?: string): ServerError {
  return description === undefined ? { error } : { error, error_description: description };
}
/* eslint-enable camelcase */

export type Cause = {
  code: CauseCode;
  message: string;
  actions: string[];
  serverError?: ServerError;
  /** Facts that support the cause (org-side records, key size, skew seconds, …). */
  evidence?: Record<string, unknown>;
};

/** One POST to a token endpoint. Never carries the assertion or the token. */
export type Attempt = {
  /** The host the assertion was POSTed to (origin, e.g. https://test.salesforce.com). */
  host: string;
  /** The `aud` claim sent. */
  audience: string;
  outcome: 'success' | 'oauth-error' | 'network-error' | 'unexpected-response' | 'skipped';
  /** HTTP status, when an answer came back. */
  status?: number;
  serverError?: ServerError;
  /** Human description (network error words, unexpected body summary, skip reason). */
  message?: string;
  /** Server `Date` header, when present (ISO string). */
  serverDate?: string;
  durationMs: number;
  /** Why this attempt was made: one of core's pairs, or an extra audience probe. */
  kind: 'pair' | 'audience-probe';
};

export type DiagnoseResult = {
  ok: boolean;
  username: string;
  clientId?: string;
  loginUrl?: string;
  audience?: string;
  cause: Cause | null;
  checks: Check[];
  attempts: Attempt[];
  /** The authorize URL that would approve this user (for approval causes). */
  approvalUrl?: string;
  /** Org-side evidence collected with --admin-org, when any. */
  evidence?: OrgEvidence;
  /** Evidence the plugin could not collect, and how to get it. */
  missingEvidence?: string[];
  /** Where the inputs came from: explicit flags or the CLI's stored auth. */
  source?: {
    clientId?: InputSource['clientId'];
    jwtKeyFile?: InputSource['jwtKeyFile'];
    loginUrl?: InputSource['loginUrl'];
  };
  /** Non-blocking findings (expiring certificate, fallback pair works, small skew). */
  warnings?: string[];
};
