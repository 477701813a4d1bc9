/*
 * A connection as the JWT user itself, from the access token its diagnosis has just received: for a read that the
 * login's own org answers (the Dev Hub check). Only the token is known to it: nothing is read from or written to
 * the CLI's stored logins, no API version is looked up, and a refused token is an error, never a new login.
 */
import { Connection, type AuthInfo } from '@salesforce/core';

/** The API version of that read (external client app metadata with its certificate needs 60.0 or later). */
export const OWN_READ_API_VERSION = '62.0';

export type Session = { instanceUrl: string; accessToken: string };

export function connectionAs(username: string, session: Session): Connection {
  // Connection.create goes through AuthInfo, which reads the CLI's state and caches the API version in the auth
  // file; a diagnosis writes nothing, so the connection is made from the token alone. Relies on: core's Connection
  // asks its authInfo only for these three methods when it is given an access token and a version (the Dev Hub
  // test of test/commands/jwt/diagnose-eca.test.ts, which reads through it, fails when that changes).
  const authInfo = {
    getUsername: (): string => username,
    getFields: (): Record<string, unknown> => ({ username, instanceUrl: session.instanceUrl }),
    isUsingAccessToken: (): boolean => true,
  } as unknown as AuthInfo;
  return new Connection({
    authInfo,
    connectionOptions: {
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version: OWN_READ_API_VERSION,
    },
  });
}
