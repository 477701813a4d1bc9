/*
 * Browser mode of `sf jwt approve`: what the redirect and the code exchange mean for the approval. The code,
 * the verifier and every token stay inside this module's calls: the result says only what happened.
 */
import { Messages, SfError } from '@salesforce/core';
import {
  consumerSecretFromEnv,
  describeAuthorizeError,
  exchangeCode,
  type RedirectListener,
  type RedirectResult,
} from './authorize.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

export type ApprovalStatus =
  /** Approved, and the code exchange returned a refresh token. */
  | 'approved'
  /** Approved, but Salesforce issued no refresh token: the approval cannot serve JWT. */
  | 'approved-without-refresh-token'
  /** The redirect came back with a code, but the exchange failed. */
  | 'exchange-failed'
  /** The redirect came back with an error (access_denied, …). */
  | 'failed'
  /** No redirect arrived before --approval-timeout. */
  | 'no-redirect'
  /** The redirect URI is not loopback: the outcome happens in the browser, out of sight. */
  | 'not-received';
/** The outcome of the browser approval. Never carries the code, the verifier or a token. */
export type BrowserApproval = {
  status: ApprovalStatus;
  message: string;
  actions: string[];
  /** The OAuth error of the redirect or of the code exchange. */
  error?: string;
  errorDescription?: string;
  /** Whether the code exchange returned a refresh token (never the token itself). */
  refreshToken?: boolean;
  scope?: string;
};

export type CompleteApprovalOptions = {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  /** The PKCE verifier of the authorize URL's challenge. */
  verifier: string;
  timeoutMs: number;
  username: string;
  /** Called once the redirect brought a code, before the exchange (for a spinner). */
  onExchange?: () => void;
};

/**
 * Waits for the redirect, then completes the code exchange (PKCE; a consumer secret only from the
 * environment), so the approval carries a refresh token. The tokens are discarded by exchangeCode.
 */
export async function completeApproval(
  listener: RedirectListener,
  opts: CompleteApprovalOptions,
): Promise<BrowserApproval> {
  let redirect: RedirectResult;
  try {
    redirect = await listener.result;
  } catch (error) {
    const err = error instanceof SfError ? error : SfError.wrap(error as Error);
    return {
      status: 'no-redirect',
      message: messages.getMessage('approval.noRedirect', [err.message]),
      actions: err.actions ?? [],
    };
  }
  if (!('code' in redirect)) {
    const words = describeAuthorizeError(redirect.error, redirect.errorDescription);
    return {
      status: 'failed',
      message: messages.getMessage('approval.failed', [words.message]),
      actions: words.actions,
      error: redirect.error,
      ...(redirect.errorDescription ? { errorDescription: redirect.errorDescription } : {}),
    };
  }

  opts.onExchange?.();
  const clientSecret = consumerSecretFromEnv();
  const exchanged = await exchangeCode({
    loginUrl: opts.loginUrl,
    clientId: opts.clientId,
    redirectUri: opts.redirectUri,
    code: redirect.code,
    codeVerifier: opts.verifier,
    timeoutMs: opts.timeoutMs,
    ...(clientSecret ? { clientSecret } : {}),
  });
  if (!exchanged.ok) {
    const words = describeAuthorizeError(exchanged.error, exchanged.errorDescription);
    return {
      status: 'exchange-failed',
      message: messages.getMessage('approval.exchangeFailed', [words.message]),
      actions: words.actions,
      error: exchanged.error,
      ...(exchanged.errorDescription ? { errorDescription: exchanged.errorDescription } : {}),
    };
  }
  const scope = exchanged.scope ? { scope: exchanged.scope } : {};
  if (!exchanged.hasRefreshToken) {
    return {
      status: 'approved-without-refresh-token',
      message: messages.getMessage('approval.noRefreshToken', [exchanged.scope ?? '?']),
      actions: messages.getMessages('approval.noRefreshToken.actions'),
      refreshToken: false,
      ...scope,
    };
  }
  return {
    status: 'approved',
    message: exchanged.scope
      ? messages.getMessage('approval.approved', [opts.username, exchanged.scope])
      : messages.getMessage('approval.approvedNoScope', [opts.username]),
    actions: [],
    refreshToken: true,
    ...scope,
  };
}
