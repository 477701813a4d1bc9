/*
 * The commands the plugin suggests (src/org/suggest.ts): every identity value given on the command line is
 * repeated, a stored login is named by its username, the admin org is the only placeholder (with words that say
 * what to put there), and every value is quoted.
 */
import { expect } from 'chai';
import {
  ADMIN_ORG_NOTE,
  ADMIN_ORG_PLACEHOLDER,
  adminOrgPart,
  approveCommand,
  diagnoseCommand,
  hasAdminOrgPlaceholder,
  loginCommand,
  statusCommand,
  type SuggestedLogin,
} from '../../../src/org/suggest.js';

const fromFlags: SuggestedLogin = {
  username: 'ci@acme.com.uat',
  clientId: '3MVG9abc',
  jwtKeyFile: '/home/ci/jwt dir/server.key',
  loginUrl: 'https://test.salesforce.com',
  source: { clientId: 'flag', jwtKeyFile: 'flag', loginUrl: 'flag' },
};
const stored: SuggestedLogin = {
  ...fromFlags,
  source: { clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: 'stored-auth' },
};

describe('suggested commands', () => {
  it('repeat every identity flag the user gave, quoted', () => {
    expect(diagnoseCommand(fromFlags, adminOrgPart('uat-admin'))).to.equal(
      "sf jwt diagnose --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file '/home/ci/jwt dir/server.key' --instance-url https://test.salesforce.com --admin-org uat-admin",
    );
    expect(approveCommand(fromFlags, ['--wait', '10m'])).to.equal(
      "sf jwt approve --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file '/home/ci/jwt dir/server.key' --instance-url https://test.salesforce.com --wait 10m",
    );
  });

  it('name a stored login by its username, and repeat only what the flags changed', () => {
    expect(diagnoseCommand(stored)).to.equal('sf jwt diagnose --username ci@acme.com.uat');
    expect(approveCommand(stored)).to.equal('sf jwt approve --username ci@acme.com.uat');
    const newKey: SuggestedLogin = {
      ...stored,
      jwtKeyFile: 'new.key',
      source: { ...stored.source, jwtKeyFile: 'flag' },
    };
    expect(diagnoseCommand(newKey)).to.equal('sf jwt diagnose --username ci@acme.com.uat --jwt-key-file new.key');
    // the default login URL is the default again
    const byDefault: SuggestedLogin = { ...fromFlags, source: { ...fromFlags.source, loginUrl: 'default' } };
    expect(diagnoseCommand(byDefault)).to.not.include('--instance-url');
  });

  it('put a placeholder only for what nobody knows, and say what to put for the admin org', () => {
    const command = diagnoseCommand(fromFlags, adminOrgPart(undefined));
    expect(command).to.match(/ --admin-org <admin org alias>$/);
    expect(hasAdminOrgPlaceholder(command)).to.equal(true);
    expect(ADMIN_ORG_NOTE).to.include(ADMIN_ORG_PLACEHOLDER).and.include('sf org list');
    // a login approved without a key: the diagnosis needs one
    expect(diagnoseCommand({ username: 'ci@acme.com', clientId: '3MVG9abc' })).to.equal(
      'sf jwt diagnose --username ci@acme.com --client-id 3MVG9abc --jwt-key-file <key file>',
    );
  });

  it('name the app for status, which reads no stored login', () => {
    expect(statusCommand(stored, 'uat-admin')).to.equal(
      'sf jwt status --admin-org uat-admin --username ci@acme.com.uat --client-id 3MVG9abc',
    );
    expect(statusCommand({ username: 'ci@acme.com', appName: 'CI_App' }, undefined)).to.equal(
      'sf jwt status --admin-org <admin org alias> --username ci@acme.com --app-name CI_App',
    );
  });

  it('give `sf org login jwt` every value known, as it reuses nothing', () => {
    expect(loginCommand(stored, { username: 'ci@acme.com.uat2' })).to.equal(
      "sf org login jwt --username ci@acme.com.uat2 --client-id 3MVG9abc --jwt-key-file '/home/ci/jwt dir/server.key' --instance-url https://test.salesforce.com",
    );
    expect(loginCommand({ username: 'ci@acme.com' })).to.equal(
      'sf org login jwt --username ci@acme.com --client-id <consumer key> --jwt-key-file <key file>',
    );
    expect(loginCommand(stored, { keyFile: '<path of the key>' })).to.include('--jwt-key-file <path of the key>');
  });
});
