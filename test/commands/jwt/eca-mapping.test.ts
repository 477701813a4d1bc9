/*
 * `sf jwt status` and `sf jwt approve --admin-org` find an external client app from the client id alone, as
 * diagnose does (its consumer key in ExtlClntAppGlobalOauthSettings), in-process against the emulator's
 * eca-no-grant org: an admin-approved ECA whose user no permission set grants.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtStatus, { type JwtStatusResult } from '../../../src/commands/jwt/status.js';
import JwtApprove, { type JwtApproveAdminResult } from '../../../src/commands/jwt/approve.js';
import { retryTiming } from '../../../src/diagnose/verify.js';
import { browser } from '../../../src/utils/browser.js';
import { startEmulator, type Emulator, CI_CLIENT_ID, ADMIN_CLIENT_ID } from '../../../emulator/index.js';
import { SERVER_KEY } from '../../helpers/keys.js';
import {
  capturedOutput,
  secretLeaks,
  storeJwtLogin,
  endCommandTest,
  useTempHome,
  type TempHome,
  keyLine,
} from '../../helpers/org.js';

const ECA_ID = '0xI5g000000ECA1EAO';
const CI_USER_ID = '0055g000000CI01AAG';
const JWT_ACCESS = '0PS5g000000JWT1GAO';

describe('status and approve --admin-org: an external client app found by its consumer key', function () {
  this.timeout(60_000);
  const sandbox = sinon.createSandbox();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let home: TempHome;
  let emu: Emulator;
  let secrets: string[];

  beforeEach(async () => {
    home = useTempHome();
    ux = stubSfCommandUx(sandbox);
    stubSpinner(sandbox);
    sandbox.stub(browser, 'open').rejects(new Error('no browser in admin mode'));
    sandbox.stub(retryTiming, 'sleep').resolves();
    emu = await startEmulator('eca-no-grant');
    const stored = await storeJwtLogin({
      username: 'admin@acme.com',
      clientId: ADMIN_CLIENT_ID,
      loginUrl: emu.url,
      alias: 'emu-admin',
    });
    secrets = [stored.accessToken, keyLine(SERVER_KEY)];
    emu.clearRequests();
  });

  afterEach(() => endCommandTest(sandbox, emu, home));

  const noSecrets = (result: unknown): void => {
    expect(secretLeaks(`${capturedOutput(ux)}\n${JSON.stringify(result)}`, secrets)).to.deep.equal([]);
  };

  it('status: the app, its policy and the grant that does not reach the user, from --client-id alone', async () => {
    const result: JwtStatusResult = await JwtStatus.run([
      '--admin-org',
      'emu-admin',
      '-o',
      'ci@acme.com',
      '--client-id',
      CI_CLIENT_ID,
      '--json',
    ]);
    noSecrets(result);
    expect(result.app).to.deep.include({ id: ECA_ID, name: 'CI_ECA', kind: 'ExternalClientApplication' });
    expect(result.policy).to.equal('admin-approved');
    expect(result.refreshScope).to.equal(true);
    expect(result.approved).to.equal(false);
    expect(result.grants?.map((g) => [g.permissionSetName, g.via])).to.deep.equal([['JWT_Access', 'none']]);
    expect(emu.store.changes).to.deep.equal([]);
  });

  it('approve --admin-org: assigns the permission set that grants the ECA, and the login then works', async () => {
    const result = (await JwtApprove.run([
      '--admin-org',
      'emu-admin',
      '--username',
      'ci@acme.com',
      '--client-id',
      CI_CLIENT_ID,
      '--jwt-key-file',
      SERVER_KEY,
      '--instance-url',
      emu.url,
      '--json',
    ])) as JwtApproveAdminResult;
    noSecrets(result);
    expect(result.ok, result.message).to.equal(true);
    expect(result.app).to.deep.include({ id: ECA_ID, name: 'CI_ECA', kind: 'ExternalClientApplication' });
    expect(result.changed).to.equal(1);
    expect(emu.store.changes.map((c) => [c.op, c.sobject])).to.deep.equal([['create', 'PermissionSetAssignment']]);
    expect(
      emu.store.data.permissionSetAssignments.some(
        (a) => a.assigneeId === CI_USER_ID && a.permissionSetId === JWT_ACCESS,
      ),
    ).to.equal(true);
    expect(result.verification).to.deep.include({ ok: true });
  });
});
