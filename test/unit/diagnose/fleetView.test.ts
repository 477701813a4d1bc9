/*
 * The rows of `sf jwt diagnose --all`'s human output (src/diagnose/fleetView.ts): one-line reasons, the next
 * command per cause, and the order of the summary.
 */
import { expect } from 'chai';
import { fleetView, nextCommand, oneLineReason } from '../../../src/diagnose/fleetView.js';
import type { CauseCode, DiagnoseResult } from '../../../src/diagnose/types.js';

const failing = (username: string, code: CauseCode, message = 'Something failed.'): DiagnoseResult => ({
  ok: false,
  username,
  cause: { code, message, actions: [] },
  checks: [],
  attempts: [],
});
const working = (username: string): DiagnoseResult => ({
  ok: true,
  username,
  loginUrl: 'https://acme.my.salesforce.com/',
  cause: null,
  checks: [],
  attempts: [],
});

describe('fleet rows', () => {
  it('takes the first sentence of a cause, on one line, cut at a word within 120 characters', () => {
    expect(oneLineReason('The key file /k/server.key does not exist. Keep it at a stable path.')).to.equal(
      'The key file /k/server.key does not exist.',
    );
    expect(oneLineReason('Salesforce answered\n  "invalid_grant" for ci@acme.com.   Then more.')).to.equal(
      'Salesforce answered "invalid_grant" for ci@acme.com.',
    );
    expect(
      oneLineReason(
        'Salesforce refuses every login for ci013@fleet.acme.com with "inactive_user": the user is deactivated or frozen. Salesforce gives the same answer for both.',
      ),
    ).to.match(/or frozen\.$/);
    const long = oneLineReason(`${'word '.repeat(60)}end.`);
    expect(long.length).to.be.at.most(120);
    expect(long).to.match(/word…$/);
  });

  it('names the next command by cause: the fix where there is one, else the full diagnosis', () => {
    const u = 'ci@acme.com';
    expect(nextCommand(failing(u, 'KEY_FILE_NOT_FOUND'))).to.equal('sf jwt diagnose --username ci@acme.com');
    expect(nextCommand(failing(u, 'KEY_FILE_NOT_FOUND'), 'admin')).to.equal(
      'sf jwt diagnose --username ci@acme.com --admin-org admin',
    );
    expect(nextCommand(failing(u, 'USER_NOT_APPROVED'))).to.equal(
      'sf jwt diagnose --username ci@acme.com --admin-org <admin org alias>',
    );
    expect(nextCommand(failing(u, 'USER_NOT_APPROVED'), 'admin')).to.equal('sf jwt approve --username ci@acme.com');
    expect(nextCommand(failing(u, 'USER_NOT_PREAUTHORIZED'), 'admin')).to.equal(
      'sf jwt approve --username ci@acme.com --admin-org admin',
    );
    expect(nextCommand(failing(u, 'APPROVAL_NOT_PROPAGATED'))).to.equal(
      'sf jwt approve --username ci@acme.com --wait 10m',
    );
    expect(nextCommand(failing(u, 'USER_INACTIVE'))).to.equal(
      'sf jwt diagnose --username ci@acme.com --admin-org <admin org alias>',
    );
    expect(nextCommand(failing("o'brien @acme.com", 'NETWORK_ERROR'))).to.equal(
      "sf jwt diagnose --username 'o'\\''brien @acme.com'",
    );
  });

  it('summarizes the causes, most frequent first, then lists failing and working logins', () => {
    const view = fleetView([
      failing('a@x.com', 'NETWORK_ERROR'),
      working('b@x.com'),
      failing('c@x.com', 'USER_NOT_APPROVED'),
      failing('d@x.com', 'USER_NOT_APPROVED'),
    ]);
    expect(view.causes).to.deep.equal([
      { Cause: 'USER_NOT_APPROVED', Logins: '2' },
      { Cause: 'NETWORK_ERROR', Logins: '1' },
    ]);
    expect(view.failing.map((row) => row.username)).to.deep.equal(['a@x.com', 'c@x.com', 'd@x.com']);
    expect(view.working).to.deep.equal([{ Username: 'b@x.com', 'Login URL': 'https://acme.my.salesforce.com/' }]);
  });
});
