/*
 * The real `sf org login jwt` against the emulator, in an isolated HOME. Each sf run takes about 1.5 s.
 * A failing login also tries login.salesforce.com and test.salesforce.com; the test script runs this
 * inside a loopback-only network namespace, so those fail at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, CI_CLIENT_ID, TOKEN_PATH } from '../../emulator/index.js';
import { fixtureKey } from '../helpers/keys.js';
import { isolatedEnv, runSf, sfLoginJwtArgs, type IsolatedEnv } from '../helpers/env.js';

function loginArgs(emu: Emulator, username: string): string[] {
  return sfLoginJwtArgs(emu.url, username, fixtureKey('server.key'));
}

describe('e2e: sf org login jwt against the emulator', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let sandbox: IsolatedEnv;

  beforeEach(() => {
    sandbox = isolatedEnv();
  });
  afterEach(async () => {
    sandbox.cleanup();
    await emu?.close();
  });

  it('logs in a healthy user, writes the auth file, then sf data query works', async () => {
    emu = await startEmulator('healthy');
    const login = await runSf(loginArgs(emu, 'ci@acme.com'), sandbox.env);
    expect(login.code, login.stderr).to.equal(0);
    const authFile = join(sandbox.home, '.sfdx', 'ci@acme.com.json');
    expect(existsSync(authFile)).to.equal(true);
    const auth = JSON.parse(readFileSync(authFile, 'utf8')) as Record<string, unknown>;
    expect(auth).to.include({
      username: 'ci@acme.com',
      orgId: emu.store.data.org.id,
      clientId: CI_CLIENT_ID,
      instanceUrl: emu.url,
    });
    // The emulator saw the JWT grant with core's first audience: the login URL with its trailing slash.
    expect(emu.requests[0]).to.include({
      path: TOKEN_PATH,
      status: 200,
      sub: 'ci@acme.com',
      aud: `${emu.url}/`,
    });

    const query = await runSf(
      ['data', 'query', '-q', 'SELECT Id, Username FROM User', '-o', 'ci@acme.com', '--json'],
      sandbox.env,
    );
    expect(query.code, query.stdout + query.stderr).to.equal(0);
    const result = query.json?.result as { records: Array<{ Username: string }>; totalSize: number };
    expect(result.records.map((r) => r.Username)).to.include.members(['ci@acme.com', 'admin@acme.com']);
  });

  it('fails for a user who never approved the app, with Salesforce’s words', async () => {
    emu = await startEmulator('not-approved');
    const login = await runSf(loginArgs(emu, 'ci@acme.com'), sandbox.env);
    expect(login.code).to.equal(1);
    expect(login.stdout + login.stderr).to.include("user hasn't approved this consumer");
    expect(existsSync(join(sandbox.home, '.sfdx', 'ci@acme.com.json'))).to.equal(false);
    // Core's three pairs that reach the emulator: aud = login URL, then login, then test.
    const tokenCalls = emu.requests.filter((r) => r.path === TOKEN_PATH);
    expect(tokenCalls.map((r) => r.error)).to.deep.equal(['invalid_grant', 'invalid_grant', 'invalid_grant']);
  });
});
