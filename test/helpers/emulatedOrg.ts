/*
 * Logs in to the emulator as its admin user in-process (the real @salesforce/core JWT path), with a
 * temporary HOME so no real sf state is read or written, and hands back a real Connection.
 */
import { AuthInfo, Org, type Connection } from '@salesforce/core';
import { startEmulator, type Emulator, ADMIN_CLIENT_ID } from '../../emulator/index.js';
import { keepEnv } from './env.js';
import { fixtureKey } from './keys.js';
import { useTempHome } from './org.js';

/** Admin_App: "Admin approved users are pre-authorized", granted to admin@acme.com through its profile. */

export type EmulatedOrg = { emu: Emulator; conn: Connection; close(): Promise<void> };

export async function emulatedOrg(scenario: string, adminUsername = 'admin@acme.com'): Promise<EmulatedOrg> {
  const temp = useTempHome('plugin-jwt-evidence-');
  const restoreEnv = keepEnv('SF_DISABLE_DNS_CHECK', 'SF_DISABLE_TELEMETRY');
  process.env.SF_DISABLE_DNS_CHECK = 'true';
  process.env.SF_DISABLE_TELEMETRY = 'true';
  const emu = await startEmulator(scenario);
  const restore = async (): Promise<void> => {
    await emu.close();
    restoreEnv();
    temp.restore();
  };
  try {
    const authInfo = await AuthInfo.create({
      username: adminUsername,
      oauth2Options: { clientId: ADMIN_CLIENT_ID, privateKeyFile: fixtureKey('server.key'), loginUrl: emu.url },
    });
    await authInfo.save();
    const org = await Org.create({ aliasOrUsername: adminUsername });
    const conn = org.getConnection();
    emu.clearRequests();
    return { emu, conn, close: restore };
  } catch (err) {
    await restore();
    throw err;
  }
}
