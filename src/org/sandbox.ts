/*
 * What says an org is a sandbox, and its name: the login URL (test.salesforce.com, a sandbox My Domain), and
 * the username suffix (ci@acme.com.uat in the sandbox "uat", next to ci@acme.com in production).
 */

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The sandbox name from a sandbox My Domain URL (acme--uat.sandbox.my.salesforce.com → uat). */
export function sandboxNameFromUrl(url: string | undefined): string | undefined {
  const m = /^[^.]+--([a-z0-9_]+)\.sandbox\.my\.salesforce\.com$/i.exec(hostOf(url) ?? '');
  return m?.[1];
}

export function looksLikeSandbox(ctx: { loginUrl?: string; isSandbox?: boolean }): boolean {
  if (ctx.isSandbox) return true;
  const host = hostOf(ctx.loginUrl) ?? '';
  return host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com');
}

const TLD = /^(com|org|net|edu|gov|mil|int|io|co|biz|info|dev|app|cloud|ai|tech|online|site|xyz|[a-z]{2})$/i;

/** A username whose domain ends in a top-level domain carries no sandbox suffix (ci@acme.com vs ci@acme.com.uat). */
export function usernameLacksSandboxSuffix(username: string): boolean {
  const domain = username.split('@')[1] ?? '';
  const last = domain.split('.').pop() ?? '';
  return domain.includes('.') && TLD.test(last);
}

/**
 * The sandbox suffix carried by the admin org's username when the JWT username lacks one: an admin
 * admin@acme.com.uat next to ci@acme.com says the org is the sandbox "uat".
 */
export function sandboxSuffixFromAdmin(adminUsername: string | undefined, username: string): string | undefined {
  if (!adminUsername || !usernameLacksSandboxSuffix(username)) return undefined;
  const match = /^[^@]+@(.+)\.([A-Za-z0-9_]+)$/.exec(adminUsername);
  if (!match || !usernameLacksSandboxSuffix(`x@${match[1]}`)) return undefined;
  return match[2];
}
