import { expect } from 'chai';
import { APPROVAL_CAUSES } from '../../../src/diagnose/classify.js';
import { buildCause, causeFromServerError, type CauseContext } from '../../../src/diagnose/causes.js';
import { usernameLacksSandboxSuffix } from '../../../src/org/sandbox.js';
import { CAUSE_CODES } from '../../../src/diagnose/types.js';
import { user, app, grant } from '../../helpers/evidence.js';

const baseCtx: CauseContext = {
  username: 'ci@acme.com',
  clientId: '3MVG9abc',
  loginUrl: 'https://acme.my.salesforce.com',
  evidenceCollected: false,
};

describe('buildCause', () => {
  it('inactive_user without evidence: inactive or frozen (the same answer), --admin-org tells them apart', () => {
    const cause = buildCause('USER_INACTIVE', { ...baseCtx, serverError: { error: 'inactive_user' } });
    expect(cause.code).to.equal('USER_INACTIVE');
    expect(cause.message).to.include('deactivated or frozen');
    expect(cause.actions.join('\n')).to.include('Unfreeze').and.to.include('--admin-org');
    const frozen = buildCause('USER_FROZEN', {
      ...baseCtx,
      evidenceCollected: true,
      evidence: { user: user({ isFrozen: true }) },
    });
    expect(frozen.message).to.include('frozen');
  });

  it('says why evidence that was collected could not decide, and names no unproven cause', () => {
    const cause = buildCause('USER_NOT_APPROVED', {
      ...baseCtx,
      evidenceCollected: true,
      adminOrg: 'uat-admin',
      undecided: 'these records could not be read: SetupEntityAccess (INSUFFICIENT_ACCESS)',
      evidence: { user: user(), errors: [{ what: 'SetupEntityAccess', message: 'INSUFFICIENT_ACCESS' }] },
    });
    expect(cause.message).to.include("can't tell which").and.to.include('SetupEntityAccess');
    expect(cause.actions.join('\n')).to.include('View Setup and Configuration');
  });

  it('quotes values in the commands it suggests', () => {
    const cause = buildCause('USER_NOT_APPROVED', { ...baseCtx, username: "o'brien@acme.com", adminOrg: 'my admin' });
    expect(cause.actions.join('\n'))
      .to.include("sf jwt approve --username 'o'\\''brien@acme.com'")
      .and.to.include("--admin-org 'my admin'");
  });

  const approvalUrl = 'https://test.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9abc';

  for (const code of CAUSE_CODES) {
    it(`gives a message and actions for ${code}`, () => {
      for (const evidenceCollected of [false, true]) {
        const cause = buildCause(code, {
          ...baseCtx,
          evidenceCollected,
          evidence: evidenceCollected ? { user: user(), app: app(), grants: [], oauthTokens: [] } : undefined,
          approvalUrl,
        });
        expect(cause.code).to.equal(code);
        expect(cause.message).to.be.a('string').and.not.be.empty;
        expect(cause.message).not.to.match(/%s|undefined/);
        expect(cause.actions).to.be.an('array').that.is.not.empty;
        for (const a of cause.actions)
          expect(a)
            .to.be.a('string')
            .and.not.match(/%s|undefined/);
      }
    });
  }

  for (const code of APPROVAL_CAUSES.filter((c) => c !== 'USER_NOT_PREAUTHORIZED' && c !== 'NOT_ADMIN_APPROVED')) {
    it(`puts the approval URL into the actions of ${code}`, () => {
      const cause = buildCause(code, {
        ...baseCtx,
        evidenceCollected: true,
        evidence: { user: user(), app: app() },
        approvalUrl,
      });
      expect(cause.actions.some((a) => a.includes(approvalUrl))).to.equal(true);
    });
  }

  it('names the admin command with the permission set for admin-approved causes', () => {
    for (const code of ['USER_NOT_PREAUTHORIZED', 'NOT_ADMIN_APPROVED'] as const) {
      const cause = buildCause(code, {
        ...baseCtx,
        evidenceCollected: true,
        adminOrg: 'prod-admin',
        evidence: { user: user(), app: app({ adminApprovedOnly: true }), grants: [grant()] },
      });
      expect(cause.actions.join('\n')).to.include(
        'sf jwt approve --username ci@acme.com --client-id 3MVG9abc --instance-url https://acme.my.salesforce.com --admin-org prod-admin --permission-set CI_Access',
      );
      expect(cause.actions.join('\n')).to.include('Setup → App Manager → CI App → Manage');
    }
  });

  it('names --admin-org and the other causes when evidence is missing', () => {
    const cause = buildCause('USER_NOT_APPROVED', { ...baseCtx, approvalUrl });
    expect(cause.message).to.include('--admin-org');
    expect(cause.message).to.include('sandbox suffix');
    expect(cause.message).to.include('frozen');
    expect(cause.actions.join('\n')).to.include(
      'sf jwt diagnose --username ci@acme.com --client-id 3MVG9abc --jwt-key-file <key file> --instance-url https://acme.my.salesforce.com --admin-org <admin org alias>',
    );
    // the placeholder is said for what it is
    expect(cause.actions.at(-1)).to.match(/^In place of <admin org alias>, put the alias or username of an org/);
    expect(cause.actions.join('\n')).to.include(
      'sf jwt approve --username ci@acme.com --client-id 3MVG9abc --instance-url https://acme.my.salesforce.com',
    );
    expect(cause.actions.join('\n')).to.include('OAuth Connected Apps');
  });

  it('does not say "run with --admin-org" once evidence was collected', () => {
    const cause = buildCause('USER_NOT_APPROVED', {
      ...baseCtx,
      evidenceCollected: true,
      adminOrg: 'adm',
      evidence: { user: user(), app: app(), oauthTokens: [] },
    });
    expect(cause.message).not.to.include('Run the diagnosis with --admin-org');
    expect(cause.message).to.include('CI App');
    expect(cause.actions.join('\n')).to.include('sf jwt status --admin-org adm --username ci@acme.com');
  });

  it('lists evidence that could not be read', () => {
    const cause = buildCause('USER_NOT_PREAUTHORIZED', {
      ...baseCtx,
      evidenceCollected: true,
      evidence: {
        user: user(),
        app: app({ adminApprovedOnly: true }),
        errors: [{ what: 'SetupEntityAccess', message: 'INSUFFICIENT_ACCESS: no View Setup' }],
      },
    });
    expect(cause.actions.join('\n')).to.include('SetupEntityAccess (INSUFFICIENT_ACCESS: no View Setup)');
  });

  it('keeps the server error verbatim for UNKNOWN_ERROR', () => {
    const err = { error: 'weird_thing', error_description: 'Something "odd" happened 100%' };
    const cause = causeFromServerError(err, baseCtx);
    expect(cause.code).to.equal('UNKNOWN_ERROR');
    expect(cause.message).to.include('weird_thing').and.include('Something "odd" happened 100%');
    expect(cause.serverError).to.deep.equal(err);
  });

  it('suggests the sandbox suffix for a missing sandbox user', () => {
    const ctx = {
      ...baseCtx,
      loginUrl: 'https://acme--uat.sandbox.my.salesforce.com',
      evidenceCollected: true,
      evidence: { user: null },
    };
    expect(buildCause('USER_NOT_FOUND', ctx).message).to.include('ci@acme.com.uat');
    const test = buildCause('USER_NOT_FOUND', { ...ctx, loginUrl: 'https://test.salesforce.com' });
    expect(test.message).to.include('ci@acme.com.<sandbox name>');
    const prod = buildCause('USER_NOT_FOUND', { ...ctx, loginUrl: 'https://login.salesforce.com' });
    expect(prod.message).not.to.include('suffix');
    const suffixed = buildCause('USER_NOT_FOUND', { ...ctx, username: 'ci@acme.com.uat' });
    expect(suffixed.message).not.to.include('suffix');
    expect(usernameLacksSandboxSuffix('ci@acme.com')).to.equal(true);
    expect(usernameLacksSandboxSuffix('ci@acme.com.uat')).to.equal(false);
  });

  it('names the verified audience for AUDIENCE_INVALID', () => {
    const cause = buildCause('AUDIENCE_INVALID', {
      ...baseCtx,
      audience: 'https://login.salesforce.com',
      workingAudience: 'https://test.salesforce.com',
    });
    expect(cause.message).to.include('https://test.salesforce.com').and.include('works');
    expect(cause.actions.join('\n')).to.include('SF_AUDIENCE_URL=https://test.salesforce.com');
  });

  it('states the clock skew', () => {
    const cause = buildCause('CLOCK_SKEW', { ...baseCtx, skewSeconds: -412.4 });
    expect(cause.message).to.include('412 seconds behind');
    expect(cause.evidence).to.deep.equal({ skewSeconds: -412.4 });
  });

  it('puts the detail into NETWORK_ERROR and UNEXPECTED_RESPONSE', () => {
    expect(
      buildCause('NETWORK_ERROR', { ...baseCtx, detail: 'getaddrinfo ENOTFOUND acme.my.salesforce.com' }).message,
    ).to.include('ENOTFOUND');
    expect(buildCause('UNEXPECTED_RESPONSE', { ...baseCtx, detail: 'HTTP 503, <html>Maintenance' }).message).to.include(
      'HTTP 503',
    );
  });

  it('calls out whitespace in the client id', () => {
    expect(buildCause('INVALID_CLIENT_ID', { ...baseCtx, clientId: '3MVG9abc ' }).message)
      .to.include('"3MVG9abc "')
      .and.include('whitespace');
  });

  it('shows what is in place for APPROVAL_NOT_PROPAGATED', () => {
    const cause = buildCause('APPROVAL_NOT_PROPAGATED', {
      ...baseCtx,
      evidenceCollected: true,
      evidence: { user: user(), app: app({ adminApprovedOnly: true }), grants: [grant({ assignedToUser: true })] },
    });
    expect(cause.message).to.include('CI_Access');
    expect(cause.actions.join('\n')).to.include('--wait');
  });
});
