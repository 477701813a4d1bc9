import { expect } from 'chai';
import sinon from 'sinon';
import { completeApproval } from '../../../src/approve/browser.js';
import type { RedirectListener, RedirectResult } from '../../../src/approve/listener.js';
import { http } from '../../../src/utils/http.js';

const listener = (result: Promise<RedirectResult>): RedirectListener => ({
  address: '127.0.0.1',
  port: 1717,
  result,
  close: (): void => {},
});
const opts = {
  loginUrl: 'https://login.salesforce.com',
  clientId: '3MVG9X',
  redirectUri: 'http://localhost:1717/OauthRedirect',
  verifier: 'VERIFIER-SECRET',
  timeoutMs: 1000,
  username: 'ci@acme.com',
};
const answer = (status: number, body: unknown): ReturnType<typeof http.postForm> =>
  Promise.resolve({
    kind: 'answer',
    status,
    headers: { 'content-type': 'application/json' },
    text: JSON.stringify(body),
  });

describe('approve/browser: what the redirect and the exchange mean', () => {
  afterEach(() => sinon.restore());

  it('approved, with a refresh token: the exchange ran once, and nothing secret is returned', async () => {
    const post = sinon.stub(http, 'postForm').returns(
      answer(200, {
        access_token: 'AT-SECRET',
        refresh_token: 'RT-SECRET',
        scope: 'refresh_token api web',
        instance_url: 'x',
        id: 'y',
      }),
    );
    const onExchange = sinon.spy();
    const approval = await completeApproval(listener(Promise.resolve({ code: 'CODE-SECRET' })), {
      ...opts,
      onExchange,
    });
    expect(approval).to.include({ status: 'approved', refreshToken: true, scope: 'refresh_token api web' });
    expect(onExchange.calledOnce).to.equal(true);
    expect(post.calledOnce).to.equal(true);
    expect(JSON.stringify(approval)).not.to.match(/SECRET/);
  });

  it('approved without a refresh token cannot serve JWT', async () => {
    sinon
      .stub(http, 'postForm')
      .returns(answer(200, { access_token: 'AT-SECRET', scope: 'api', instance_url: 'x', id: 'y' }));
    const approval = await completeApproval(listener(Promise.resolve({ code: 'CODE-SECRET' })), opts);
    expect(approval).to.include({ status: 'approved-without-refresh-token', refreshToken: false });
    expect(approval.actions.length).to.be.greaterThan(0);
  });

  it('a denied approval is a failure in words, and no exchange is tried', async () => {
    const post = sinon.stub(http, 'postForm');
    const approval = await completeApproval(
      listener(Promise.resolve({ error: 'access_denied', errorDescription: 'end-user denied authorization' })),
      opts,
    );
    expect(approval).to.include({ status: 'failed', error: 'access_denied' });
    expect(post.called).to.equal(false);
  });

  it('a failed exchange keeps the OAuth error', async () => {
    sinon
      .stub(http, 'postForm')
      .returns(answer(400, { error: 'invalid_grant', error_description: 'invalid authorization code' }));
    const approval = await completeApproval(listener(Promise.resolve({ code: 'CODE-SECRET' })), opts);
    expect(approval).to.include({
      status: 'exchange-failed',
      error: 'invalid_grant',
      errorDescription: 'invalid authorization code',
    });
  });

  it('no redirect in time is reported with the listener’s reason', async () => {
    const approval = await completeApproval(
      listener(Promise.reject(new Error('No redirect arrived within 5 seconds'))),
      opts,
    );
    expect(approval.status).to.equal('no-redirect');
    expect(approval.message).to.include('No redirect arrived within 5 seconds');
  });
});
