/*
 * The human view of a diagnosis (src/diagnose/view.ts): the verdict first, then only what failed and the token
 * requests that matter; --verbose shows all of it, with the answers that say nothing about the cause marked.
 */
import { expect } from 'chai';
import { attemptsThatMatter, diagnoseView } from '../../../src/diagnose/view.js';
import type { Attempt, DiagnoseResult } from '../../../src/diagnose/types.js';
import type { ViewLine } from '../../../src/utils/view.js';

const LOGIN = 'https://acme--uat.sandbox.my.salesforce.com/';
const refused = (host: string, audience: string, description: string): Attempt => ({
  host,
  audience,
  outcome: 'oauth-error',
  status: 400,
  serverError: { error: 'invalid_grant', error_description: description },
  durationMs: 10,
  kind: 'pair',
});
const skipped = (host: string): Attempt => ({
  host,
  audience: host,
  outcome: 'skipped',
  message: `Fallback host ${host} could not be reached (the DNS lookup of the host name failed for now); not used to diagnose.`,
  durationMs: 0,
  kind: 'pair',
});
const issued = (host: string, audience: string): Attempt => ({
  host,
  audience,
  outcome: 'success',
  status: 200,
  durationMs: 10,
  kind: 'pair',
});

/** The attempts of a failing sandbox login: core's pairs, fallback hosts unreachable. */
const ATTEMPTS: Attempt[] = [
  refused(LOGIN, 'https://test.salesforce.com', "user hasn't approved this consumer"),
  skipped('https://test.salesforce.com'),
  skipped('https://login.salesforce.com'),
  refused(LOGIN, 'https://login.salesforce.com', 'audience is invalid'),
];

const failing: DiagnoseResult = {
  ok: false,
  username: 'ci@acme.com.uat',
  clientId: '3MVG9abc',
  loginUrl: LOGIN,
  cause: {
    code: 'USER_NOT_APPROVED',
    message: 'Salesforce answered "user hasn\'t approved this consumer" for ci@acme.com.uat.',
    actions: ['Approve the app once: sf jwt approve --username ci@acme.com.uat'],
    serverError: { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
  },
  checks: [
    { id: 'key-file', status: 'pass', message: 'The key file is readable.' },
    { id: 'clock', status: 'warn', message: 'The clock is 40 seconds behind.' },
    {
      id: 'token-exchange',
      status: 'fail',
      code: 'USER_NOT_APPROVED',
      message: `POST ${LOGIN} with audience https://test.salesforce.com: invalid_grant: user hasn't approved this consumer`,
    },
  ],
  attempts: ATTEMPTS,
};

const texts = (lines: ViewLine[]): string[] => lines.flatMap((l) => (l.kind === 'table' ? [] : [l.text]));
const tables = (lines: ViewLine[]): Array<Extract<ViewLine, { kind: 'table' }>> =>
  lines.filter((l): l is Extract<ViewLine, { kind: 'table' }> => l.kind === 'table');

describe('the human view of a diagnosis', () => {
  it('starts with the verdict: the cause code and its message, then the answer and where it came from', () => {
    const lines = diagnoseView(failing);
    expect(lines[0]).to.deep.equal({
      kind: 'text',
      text: `The JWT login of ci@acme.com.uat fails (USER_NOT_APPROVED): ${failing.cause?.message ?? ''}`,
    });
    expect(texts(lines)[1]).to.equal(
      `Salesforce answered "invalid_grant: user hasn't approved this consumer" (POST ${LOGIN}, audience https://test.salesforce.com).`,
    );
    expect(texts(lines)).to.include('Next steps:');
  });

  it('then only the checks that failed or warned, besides the one that carries the cause', () => {
    const lines = diagnoseView(failing);
    const [checks, ...more] = tables(lines);
    expect(checks.data.map((row) => row.Check)).to.deep.equal(['clock']);
    expect(more).to.deep.equal([]);
    // fallback hosts that could not be reached: one line, not a row each
    expect(texts(lines)).to.include(
      'Fallback hosts not reached, so not used to diagnose: https://test.salesforce.com, https://login.salesforce.com.',
    );
    expect(texts(lines).at(-1)).to.equal('--verbose shows every check and token request.');
  });

  it('a healthy login is one line (its warnings aside)', () => {
    const healthy: DiagnoseResult = {
      ...failing,
      ok: true,
      cause: null,
      checks: failing.checks.slice(0, 2),
      attempts: [issued(LOGIN, 'https://test.salesforce.com')],
      warnings: ['The clock is 40 seconds behind.'],
    };
    expect(diagnoseView(healthy)).to.deep.equal([
      { kind: 'success', text: 'The JWT login of ci@acme.com.uat works.' },
      { kind: 'warning', text: 'The clock is 40 seconds behind.' },
    ]);
  });

  it('--verbose shows every check and request; a fallback audience the org rejects is said to be no cause', () => {
    const lines = diagnoseView(failing, { verbose: true });
    const [checks, requests] = tables(lines);
    expect(checks.data.map((row) => row.Check)).to.deep.equal(['key-file', 'clock', 'token-exchange']);
    expect(requests.data).to.have.length(4);
    expect(requests.data[3].Result).to.equal(
      "400 invalid_grant: audience is invalid (this org doesn't take this fallback audience: not the cause)",
    );
    expect(requests.data[0].Request).to.equal(`POST ${LOGIN}\naud https://test.salesforce.com`);
    expect(texts(lines)).to.not.include('--verbose shows every check and token request.');
  });

  it('keeps the requests that say something about this login: a token issued, another answer from the login URL', () => {
    expect(attemptsThatMatter(ATTEMPTS)).to.deep.equal([]);
    // the login URL rejects the audience, and takes another one with a different refusal: that matters
    const audience = [
      refused(LOGIN, 'https://login.salesforce.com', 'audience is invalid'),
      refused(LOGIN, 'https://test.salesforce.com', "user hasn't approved this consumer"),
    ];
    expect(attemptsThatMatter(audience)).to.deep.equal([audience[1]]);
    // a fallback host answering for another org says nothing about this login; a token issued does
    const fallback = [
      refused(LOGIN, LOGIN, "user hasn't approved this consumer"),
      refused('https://login.salesforce.com', 'https://login.salesforce.com', 'invalid client credentials'),
      issued('https://test.salesforce.com', 'https://test.salesforce.com'),
    ];
    expect(attemptsThatMatter(fallback)).to.deep.equal([fallback[2]]);
    const rows = tables(diagnoseView({ ...failing, attempts: fallback }, { verbose: true }))[1].data;
    expect(rows[1].Result).to.include('a fallback login server, answering for another org: not used to diagnose');
  });
});
