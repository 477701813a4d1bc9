/*
 * The check `sf jwt approve` makes before opening a browser or printing the approval URL: one
 * unauthenticated GET of the authorize URL, redirects not followed. What Salesforce refuses before any
 * sign-in (an unknown client id, an external client app that isn't installed, a redirect URI that is not
 * one of the app's callback URLs) it never sends back to the redirect URI: it sends the browser to its
 * own error page, `/setup/secur/RemoteAccessErrorPage.apexp?error=…&error_description=…`, or answers a 4xx
 * page carrying the same `error=…` text. A request it accepts leads to the login page.
 *
 * The GET carries no cookie and no credential; the URL's state and PKCE challenge are single-use and not
 * secret.
 */
import { Messages } from '@salesforce/core';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';
import { buildCause } from '../diagnose/causes.js';
import { http } from '../utils/http.js';
import { describeNetworkFailure } from '../utils/networkError.js';
import { serverText } from '../utils/printable.js';
import { ADMIN_ORG_NOTE, adminOrgPart, approveCommand, type SuggestedLogin } from '../org/suggest.js';
import { serverError, type CauseCode, type ServerError } from '../diagnose/types.js';
import { describeAuthorizeError } from './authorizeErrors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

/** Salesforce's error page for OAuth errors it cannot send back to the redirect URI. */
export const ERROR_PAGE_PATH = /\/setup\/secur\/RemoteAccessErrorPage\.apexp$/i;

/** Salesforce's error and its words (error_description), as it wrote them. */
export type AuthorizeRefusal = Omit<ServerError, 'error'> & {
  /** Salesforce's error code, as it wrote it (redirect_uri_mismatch, invalid_client_id, OAUTH_EC_APP_NOT_FOUND, …). */
  error: string;
  /** Where Salesforce said it: a redirect to its error page, a redirect to the redirect URI, or the page it answered. */
  source: 'error-page' | 'redirect' | 'page';
};

export type AuthorizeCheck =
  | { status: 'passed' }
  | { status: 'refused'; refusal: AuthorizeRefusal }
  /** The check could not tell (no answer, a 5xx, a page that says nothing): the approval goes on as without it. */
  | { status: 'unchecked'; reason: string };

function refusalFrom(params: URLSearchParams, source: AuthorizeRefusal['source']): AuthorizeRefusal | undefined {
  const error = serverText(params.get('error'), 100);
  if (!error) return undefined;
  const description = serverText(params.get('error_description'), 300);
  return { ...serverError(error, description), source };
}

/** `error=…&error_description=…` as an error page shows it (HTML-escaped, URL-encoded or plain). */
export function refusalInPage(html: string): AuthorizeRefusal | undefined {
  const text = html.replace(/&amp;/gi, '&').replace(/&#0*38;/g, '&');
  const match = /\berror=[A-Za-z0-9_.-]+[^<>"\r\n]*/.exec(text);
  return match ? refusalFrom(new URLSearchParams(match[0]), 'page') : undefined;
}

const withoutQuery = (url: URL): string => `${url.origin}${url.pathname}`;

/**
 * GETs the authorize URL once (no cookies, redirects not followed, within `timeoutMs`) and reads whether
 * Salesforce refused it before sign-in. Never throws.
 */
export async function checkAuthorizeUrl(
  authorizeUrl: string,
  opts: { redirectUri: string; timeoutMs: number },
): Promise<AuthorizeCheck> {
  const answer = await http.get(authorizeUrl, opts.timeoutMs);
  if (answer.kind === 'network-error') {
    return {
      status: 'unchecked',
      reason:
        answer.code === 'ETIMEDOUT'
          ? messages.getMessage('check.timeout', [String(Math.ceil(opts.timeoutMs / 1000))])
          : messages.getMessage('check.network', [describeNetworkFailure(answer)]),
    };
  }
  const { status } = answer;
  if (status >= 300 && status < 400 && answer.headers.location) {
    let location: URL;
    try {
      location = new URL(answer.headers.location, authorizeUrl);
    } catch {
      return { status: 'passed' };
    }
    if (ERROR_PAGE_PATH.test(location.pathname)) {
      return {
        status: 'refused',
        refusal: refusalFrom(location.searchParams, 'error-page') ?? {
          error: 'remote_access_error',
          source: 'error-page',
        },
      };
    }
    let redirect: URL | undefined;
    try {
      redirect = new URL(opts.redirectUri);
    } catch {
      redirect = undefined;
    }
    // An error sent straight back to the redirect URI before sign-in (invalid_scope, unsupported_response_type, …)
    const refusal =
      redirect && withoutQuery(location) === withoutQuery(redirect)
        ? refusalFrom(location.searchParams, 'redirect')
        : undefined;
    return refusal ? { status: 'refused', refusal } : { status: 'passed' };
  }
  if (status >= 200 && status < 400) return { status: 'passed' };
  if (status >= 400 && status < 500) {
    const refusal = refusalInPage(answer.text);
    if (refusal) return { status: 'refused', refusal };
  }
  return { status: 'unchecked', reason: messages.getMessage('check.status', [String(status)]) };
}

export type RefusalContext = {
  username: string;
  clientId: string;
  loginUrl: string;
  redirectUri: string;
  /** The login as given, for suggested commands (default: the username and client id). */
  login?: SuggestedLogin;
};

/**
 * The refusal in words, with the fix. An unknown client id and an uninstalled external client app get the
 * same words and fix as `sf jwt diagnose`'s INVALID_CLIENT_ID and APP_NOT_INSTALLED (and that code).
 */
export function describeRefusal(
  refusal: AuthorizeRefusal,
  ctx: RefusalContext,
): { message: string; actions: string[]; code?: CauseCode } {
  const causeCode: CauseCode | undefined =
    refusal.error === 'invalid_client_id'
      ? 'INVALID_CLIENT_ID'
      : refusal.error === 'OAUTH_EC_APP_NOT_FOUND' || refusal.error === 'app_not_found'
        ? 'APP_NOT_INSTALLED'
        : undefined;
  if (causeCode) {
    const cause = buildCause(causeCode, {
      username: ctx.username,
      clientId: ctx.clientId,
      loginUrl: ctx.loginUrl,
      evidenceCollected: false,
    });
    return { message: cause.message, actions: cause.actions, code: causeCode };
  }
  if (refusal.error === 'redirect_uri_mismatch' || refusal.error === 'redirect_uri_missing') {
    const trimmed = ctx.redirectUri.trim();
    if (trimmed !== ctx.redirectUri && trimmed.length > 0) {
      // the spaces are what differs, and they don't show
      return {
        message: messages.getMessage('refusal.redirectMismatch.whitespace', [JSON.stringify(ctx.redirectUri)]),
        actions: bullets(messages, 'refusal.redirectMismatch.whitespace.actions', [shellQuote(trimmed)]),
      };
    }
    return {
      message: messages.getMessage('refusal.redirectMismatch', [ctx.redirectUri]),
      actions: [
        ...bullets(messages, 'refusal.redirectMismatch.actions', [
          approveCommand(
            ctx.login ?? { username: ctx.username, clientId: ctx.clientId },
            adminOrgPart(undefined),
            '--dry-run',
          ),
        ]),
        ADMIN_ORG_NOTE,
      ],
    };
  }
  return describeAuthorizeError(refusal.error, refusal.error_description);
}
