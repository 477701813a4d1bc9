/*
 * Logs in to the emulator as its admin user in-process (the real @salesforce/core JWT path), with a
 * temporary HOME so no real sf state is read or written, and hands back a real Connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthInfo, Org, StateAggregator, type Connection } from '@salesforce/core';
import { keyPath, startEmulator, type Emulator } from '../emulator/index.js';

/** Admin_App: "Admin approved users are pre-authorized", granted to admin@acme.com through its profile. */
export const ADMIN_CLIENT_ID = '3MVG9EMULATOR.ADMIN.APP.KEY';

export type EmulatedOrg = { emu: Emulator; conn: Connection; close(): Promise<void> };

export async function emulatedOrg(scenario: string, adminUsername = 'admin@acme.com'): Promise<EmulatedOrg> {
  const home = mkdtempSync(join(tmpdir(), 'plugin-jwt-evidence-'));
  const saved = {
    HOME: process.env.HOME,
    SF_DISABLE_DNS_CHECK: process.env.SF_DISABLE_DNS_CHECK,
    SF_DISABLE_TELEMETRY: process.env.SF_DISABLE_TELEMETRY,
  };
  process.env.HOME = home;
  process.env.SF_DISABLE_DNS_CHECK = 'true';
  process.env.SF_DISABLE_TELEMETRY = 'true';
  StateAggregator.clearInstance();
  const emu = await startEmulator(scenario);
  const restore = async (): Promise<void> => {
    await emu.close();
    StateAggregator.clearInstance();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // the CLI's log writer may still be flushing into HOME: retry instead of failing on ENOTEMPTY
    rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };
  try {
    const authInfo = await AuthInfo.create({
      username: adminUsername,
      oauth2Options: { clientId: ADMIN_CLIENT_ID, privateKeyFile: keyPath('server.key'), loginUrl: emu.url },
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
