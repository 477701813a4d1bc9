/*
 * The stored login of sf jwt setup, against the emulator (the real core JWT login): created as `sf org login
 * jwt` makes it, left alone when it is already this login, aliases and defaults applied, another login of the
 * user replaced with its aliases kept, and put back when the new one can't be stored.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Config, StateAggregator } from '@salesforce/core';
import { readStoredAuth } from '../../../src/org/inputs.js';
import { storeLogin, type StoreOptions } from '../../../src/setup/store.js';
import { startEmulator, type Emulator, CI_CLIENT_ID } from '../../../emulator/index.js';
import { keepEnv } from '../../helpers/env.js';
import { fixtureKey } from '../../helpers/keys.js';
import { storeJwtLogin, useTempHome, type TempHome } from '../../helpers/org.js';

describe('setup/store: the verified login, stored as sf org login jwt stores it', function () {
  this.timeout(30_000);
  let emu: Emulator;
  let home: TempHome;
  const restoreEnv = keepEnv('SF_DISABLE_DNS_CHECK');

  before(async () => {
    process.env.SF_DISABLE_DNS_CHECK = 'true';
    emu = await startEmulator('healthy');
  });
  after(async () => {
    await emu.close();
    restoreEnv();
  });
  beforeEach(() => {
    home = useTempHome('jwt-setup-store-');
  });
  afterEach(() => home.restore());

  const options = (extra: Partial<StoreOptions> = {}): StoreOptions => ({
    username: 'ci@acme.com',
    clientId: CI_CLIENT_ID,
    keyFile: fixtureKey('server.key'),
    loginUrl: `${emu.url}/`,
    ...extra,
  });
  const authFile = (): string => readFileSync(join(home.home, '.sfdx', 'ci@acme.com.json'), 'utf8');
  const fresh = async (): Promise<StateAggregator> => {
    StateAggregator.clearInstance();
    return StateAggregator.getInstance();
  };

  it('stores a new JWT login with its alias; the same login again is left as it is', async () => {
    expect(await storeLogin(options({ alias: 'ci' }))).to.deep.include({ action: 'created' });
    expect(await readStoredAuth('ci@acme.com')).to.deep.include({
      isJwt: true,
      clientId: CI_CLIENT_ID,
      privateKey: fixtureKey('server.key'),
      loginUrl: `${emu.url}/`,
    });
    expect((await fresh()).aliases.resolveUsername('ci')).to.equal('ci@acme.com');
    const before = authFile();
    expect(await storeLogin(options({ alias: 'ci' }))).to.deep.include({ action: 'already present' });
    expect(authFile()).to.equal(before);
  });

  it('stores again a login of the same app for another org (a sandbox before its refresh)', async () => {
    await storeLogin(options());
    const orgId = (await readStoredAuth('ci@acme.com'))?.orgId;
    expect((await storeLogin(options({ orgId }))).action).to.equal('already present');
    expect((await storeLogin(options({ orgId: '00D000000000OLDEAA' }))).action).to.equal('updated');
  });

  it('sets the defaults asked for on a login already stored, once', async () => {
    await storeLogin(options());
    expect((await storeLogin(options({ setDefault: true }))).action).to.equal('updated');
    expect((await Config.create({ isGlobal: true })).get('target-org')).to.equal('ci@acme.com');
    expect((await storeLogin(options({ setDefault: true }))).action).to.equal('already present');
  });

  it('replaces another login of the user, keeping its aliases; puts it back when the new one fails', async () => {
    await storeJwtLogin({
      username: 'ci@acme.com',
      keyFile: fixtureKey('server.key'),
      loginUrl: emu.url,
      alias: 'ci-old',
    });
    const copy = join(mkdtempSync(join(home.home, 'keys-')), 'server.key');
    copyFileSync(fixtureKey('server.key'), copy);
    const replaced = await storeLogin(options({ keyFile: copy }));
    expect(replaced.action).to.equal('updated');
    expect(replaced.message).to.include('aliases and defaults kept');
    expect((await readStoredAuth('ci@acme.com'))?.privateKey).to.equal(copy);
    expect((await fresh()).aliases.resolveUsername('ci-old')).to.equal('ci@acme.com');

    const before = authFile();
    StateAggregator.clearInstance();
    try {
      await storeLogin(options({ clientId: '3MVG9NOT.AN.APP' }));
      expect.fail('the login must fail');
    } catch (error) {
      expect((error as Error).message).to.match(/client identifier invalid/);
    }
    expect(authFile()).to.equal(before);
    expect((await fresh()).aliases.resolveUsername('ci-old')).to.equal('ci@acme.com');
  });
});
