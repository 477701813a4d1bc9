import { expect } from 'chai';
import {
  APPROVAL_DECISION_ORDER,
  classifyServerError,
  decideApproval,
  normalizeDescription,
} from '../../../src/diagnose/classify.js';
import { type CauseContext } from '../../../src/diagnose/causes.js';
import { CAUSE_CODES, type CauseCode, type ServerError } from '../../../src/diagnose/types.js';
import { type OrgEvidence } from '../../../src/org/types.js';
import { user, app, grant } from '../../helpers/evidence.js';

const NOT_APPROVED: ServerError = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };

const token = { appName: 'CI App', createdDate: '2026-01-01T00:00:00.000Z', useCount: 3 };

type Row = { name: string; err: ServerError; evidence?: OrgEvidence; expected: CauseCode };

const rows: Row[] = [
  // by error code
  {
    name: 'invalid_client_id',
    err: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    expected: 'INVALID_CLIENT_ID',
  },
  {
    name: 'app_not_found',
    err: { error: 'app_not_found', error_description: 'External client app is not installed in this org' },
    expected: 'APP_NOT_INSTALLED',
  },
  {
    name: 'invalid_app_access',
    err: { error: 'invalid_app_access', error_description: 'user is not admin approved to access this app' },
    expected: 'NOT_ADMIN_APPROVED',
  },
  {
    name: 'inactive_org',
    err: { error: 'inactive_org', error_description: 'Org is locked, closed, or suspended' },
    expected: 'ORG_INACTIVE',
  },
  {
    name: 'rate_limit_exceeded',
    err: { error: 'rate_limit_exceeded', error_description: 'Number of logins exceeded' },
    expected: 'RATE_LIMITED',
  },
  {
    name: 'inactive_user, no evidence',
    err: { error: 'inactive_user', error_description: 'User is inactive' },
    expected: 'USER_INACTIVE',
  },
  {
    name: 'inactive_user, evidence frozen',
    err: { error: 'inactive_user' },
    evidence: { user: user({ isFrozen: true }) },
    expected: 'USER_FROZEN',
  },
  {
    name: 'inactive_user, evidence inactive and frozen',
    err: { error: 'inactive_user' },
    evidence: { user: user({ isActive: false, isFrozen: true }) },
    expected: 'USER_INACTIVE',
  },
  // by description
  {
    name: 'audience is invalid',
    err: { error: 'invalid_grant', error_description: 'audience is invalid' },
    expected: 'AUDIENCE_INVALID',
  },
  {
    name: 'audience with core suffix',
    err: {
      error: 'invalid_grant',
      error_description:
        'audience is invalid  [audience=https://login.salesforce.com login=https://test.salesforce.com/]',
    },
    expected: 'AUDIENCE_INVALID',
  },
  {
    name: 'invalid assertion',
    err: { error: 'invalid_grant', error_description: 'invalid assertion' },
    expected: 'INVALID_ASSERTION',
  },
  {
    name: 'expired authorization code',
    err: { error: 'invalid_grant', error_description: ' Expired Authorization Code ' },
    expected: 'CLOCK_SKEW',
  },
  {
    name: 'IP restricted',
    err: { error: 'invalid_grant', error_description: 'IP restricted or invalid login hours' },
    expected: 'IP_RESTRICTED',
  },
  {
    name: 'description only (core kept no code)',
    err: { error: '', error_description: 'client identifier invalid' },
    expected: 'INVALID_CLIENT_ID',
  },
  // "user hasn't approved this consumer"
  { name: 'not approved, no evidence', err: NOT_APPROVED, expected: 'USER_NOT_APPROVED' },
  {
    name: 'not approved, typographic apostrophe',
    err: { error: 'invalid_grant', error_description: 'user hasn\u2019t approved this consumer' },
    expected: 'USER_NOT_APPROVED',
  },
  { name: 'user missing', err: NOT_APPROVED, evidence: { user: null, app: app() }, expected: 'USER_NOT_FOUND' },
  {
    name: 'user inactive',
    err: NOT_APPROVED,
    evidence: { user: user({ isActive: false, isFrozen: true }), app: app() },
    expected: 'USER_INACTIVE',
  },
  {
    name: 'user frozen',
    err: NOT_APPROVED,
    evidence: { user: user({ isFrozen: true }), app: app(), oauthTokens: [token] },
    expected: 'USER_FROZEN',
  },
  {
    name: 'admin-approved, no grants',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app({ adminApprovedOnly: true }), grants: [] },
    expected: 'USER_NOT_PREAUTHORIZED',
  },
  {
    name: 'admin-approved, grant exists but not assigned',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app({ adminApprovedOnly: true }), grants: [grant()] },
    expected: 'USER_NOT_PREAUTHORIZED',
  },
  {
    name: 'admin-approved, another profile grants it',
    err: NOT_APPROVED,
    evidence: {
      user: user(),
      app: app({ adminApprovedOnly: true }),
      grants: [grant({ isOwnedByProfile: true, profileId: '00e0000000000XXAAA' })],
    },
    expected: 'USER_NOT_PREAUTHORIZED',
  },
  {
    // a refused read is unknown, not "no grant": the default cause, undecided
    name: 'admin-approved, grants unreadable',
    err: NOT_APPROVED,
    evidence: {
      user: user(),
      app: app({ adminApprovedOnly: true }),
      errors: [{ what: 'SetupEntityAccess', message: 'INSUFFICIENT_ACCESS' }],
    },
    expected: 'USER_NOT_APPROVED',
  },
  {
    name: 'admin-approved, assigned permission set, no refresh scope',
    err: NOT_APPROVED,
    evidence: {
      user: user(),
      app: app({ adminApprovedOnly: true, scopes: ['Api'] }),
      grants: [grant({ assignedToUser: true })],
    },
    expected: 'APP_SCOPE_MISSING_REFRESH_TOKEN',
  },
  {
    name: 'self-authorize, no refresh scope (even with approval rows)',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app({ scopes: ['Api', 'Web'] }), oauthTokens: [token] },
    expected: 'APP_SCOPE_MISSING_REFRESH_TOKEN',
  },
  {
    name: 'self-authorize, no approval',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app(), oauthTokens: [] },
    expected: 'USER_NOT_APPROVED',
  },
  {
    name: 'self-authorize, only approvals of other apps',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app(), oauthTokens: [{ appName: 'Salesforce CLI' }] },
    expected: 'USER_NOT_APPROVED',
  },
  {
    name: 'self-authorize, approval present (offline_access scope)',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app({ scopes: ['Api', 'OfflineAccess'] }), oauthTokens: [token] },
    expected: 'APPROVAL_NOT_PROPAGATED',
  },
  {
    name: 'admin-approved, profile-owned grant of the user profile',
    err: NOT_APPROVED,
    evidence: {
      user: user(),
      app: app({ adminApprovedOnly: true }),
      grants: [grant({ isOwnedByProfile: true, profileId: '00e000000000001AAA' })],
    },
    expected: 'APPROVAL_NOT_PROPAGATED',
  },
  {
    name: 'admin-approved, assigned permission set, scopes unknown',
    err: NOT_APPROVED,
    evidence: {
      user: user(),
      app: app({ adminApprovedOnly: true, scopes: undefined }),
      grants: [grant({ assignedToUser: true })],
    },
    expected: 'APPROVAL_NOT_PROPAGATED',
  },
  {
    name: 'policy unknown, nothing found',
    err: NOT_APPROVED,
    evidence: { user: user(), app: null, grants: [], oauthTokens: [] },
    expected: 'USER_NOT_APPROVED',
  },
  {
    name: 'policy unknown, approval present',
    err: NOT_APPROVED,
    evidence: { user: user(), app: app({ adminApprovedOnly: undefined }), grants: [], oauthTokens: [token] },
    expected: 'APPROVAL_NOT_PROPAGATED',
  },
  // anything else
  {
    name: 'unsupported_grant_type',
    err: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
    expected: 'UNKNOWN_ERROR',
  },
  {
    name: 'authentication failure (other flow)',
    err: { error: 'invalid_grant', error_description: 'authentication failure' },
    expected: 'UNKNOWN_ERROR',
  },
];

const baseCtx: CauseContext = {
  username: 'ci@acme.com',
  clientId: '3MVG9abc',
  loginUrl: 'https://acme.my.salesforce.com',
  evidenceCollected: false,
};

describe('classifyServerError', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.expected}`, () => {
      expect(classifyServerError(row.err, row.evidence)).to.equal(row.expected);
    });
  }

  it('covers every server-side cause code in the table', () => {
    const local: CauseCode[] = [
      'KEY_FILE_NOT_FOUND',
      'KEY_UNREADABLE',
      'KEY_TOO_SHORT',
      'KEY_CERT_MISMATCH',
      'LOGIN_URL_INVALID',
      'NETWORK_ERROR',
      'UNEXPECTED_RESPONSE',
    ];
    const covered = new Set(rows.map((r) => r.expected));
    for (const code of CAUSE_CODES) if (!local.includes(code)) expect(covered.has(code), code).to.equal(true);
  });

  it('uses ctx.evidence when evidence was collected and none is passed directly', () => {
    const ctx: CauseContext = { ...baseCtx, evidenceCollected: true, evidence: { user: null } };
    expect(classifyServerError(NOT_APPROVED, undefined, ctx)).to.equal('USER_NOT_FOUND');
    expect(classifyServerError(NOT_APPROVED, undefined, { ...ctx, evidenceCollected: false })).to.equal(
      'USER_NOT_APPROVED',
    );
  });

  it('decides approvals in the order README.md documents (user, grant, scopes, approval, propagation)', () => {
    expect(APPROVAL_DECISION_ORDER).to.deep.equal([
      'USER_NOT_FOUND',
      'USER_INACTIVE',
      'USER_FROZEN',
      'USER_NOT_PREAUTHORIZED',
      'APP_SCOPE_MISSING_REFRESH_TOKEN',
      'USER_NOT_APPROVED',
      'APPROVAL_NOT_PROPAGATED',
    ]);
  });

  it('normalizes descriptions', () => {
    expect(normalizeDescription('  Audience Is Invalid [audience=x login=y] ')).to.equal('audience is invalid');
    expect(normalizeDescription(undefined)).to.equal('');
  });
});

describe('decideApproval: unknown is not absent', () => {
  const refused = [{ what: 'X', message: 'INSUFFICIENT_ACCESS: no' }];
  const cases: Array<[string, OrgEvidence, CauseCode, boolean]> = [
    ['the User query refused', { user: undefined, errors: refused }, 'USER_NOT_APPROVED', false],
    ['the user missing (read)', { user: null }, 'USER_NOT_FOUND', true],
    [
      'admin-approved, grants read, none reaches',
      { user: user(), app: app({ adminApprovedOnly: true }), grants: [grant()] },
      'USER_NOT_PREAUTHORIZED',
      true,
    ],
    [
      'admin-approved, grants unread',
      { user: user(), app: app({ adminApprovedOnly: true }), errors: refused },
      'USER_NOT_APPROVED',
      false,
    ],
    ['self-authorize, approvals read, none', { user: user(), app: app(), oauthTokens: [] }, 'USER_NOT_APPROVED', true],
    [
      'self-authorize, approvals hidden from the admin',
      { user: user(), app: app(), errors: refused },
      'USER_NOT_APPROVED',
      false,
    ],
    ['everything in place', { user: user(), app: app(), oauthTokens: [token] }, 'APPROVAL_NOT_PROPAGATED', true],
    [
      'in place, but whether the user is frozen is unknown',
      { user: user({ isFrozen: undefined }), app: app(), oauthTokens: [token], errors: refused },
      'USER_NOT_APPROVED',
      false,
    ],
    [
      'an approval of some app, but the app is not identified',
      { user: user(), app: undefined, oauthTokens: [token] },
      'USER_NOT_APPROVED',
      false,
    ],
  ];
  for (const [what, evidence, code, decided] of cases) {
    it(`${what} → ${code}${decided ? '' : ' (undecided)'}`, () => {
      const decision = decideApproval(evidence);
      expect(decision.code).to.equal(code);
      expect(decision.decided).to.equal(decided);
      expect(decision.unknown.length > 0).to.equal(!decided);
    });
  }
});

describe('classify: wordings other than the known ones', () => {
  const wordings: Array<[string, string, string]> = [
    ['invalid_grant', 'user has not approved this consumer', 'USER_NOT_APPROVED'],
    ['invalid_grant', 'The user is not admin-approved for this app', 'NOT_ADMIN_APPROVED'],
    ['invalid_grant', 'Audience (aud) invalid for this host', 'AUDIENCE_INVALID'],
    ['invalid_grant', 'user is frozen', 'USER_FROZEN'],
    ['invalid_grant', 'User not found', 'USER_NOT_FOUND'],
    ['invalid_grant', 'unknown username', 'USER_NOT_FOUND'],
    ['invalid_grant', 'the user is deactivated', 'USER_INACTIVE'],
    ['invalid_grant', 'JWT signature does not verify', 'INVALID_ASSERTION'],
    ['invalid_grant', 'assertion expired', 'CLOCK_SKEW'],
    ['invalid_grant', 'organization is locked', 'ORG_INACTIVE'],
    ['invalid_grant', 'org has expired', 'ORG_INACTIVE'],
    ['invalid_request', 'unknown consumer key', 'INVALID_CLIENT_ID'],
    ['invalid_grant', 'login rate limit reached', 'RATE_LIMITED'],
    ['server_busy', 'try again', 'UNKNOWN_ERROR'],
  ];
  for (const [error, description, code] of wordings) {
    it(`${error} / "${description}" → ${code}`, () => {
      // eslint-disable-next-line camelcase
      expect(classifyServerError({ error, error_description: description })).to.equal(code);
    });
  }
});
