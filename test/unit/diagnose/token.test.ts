import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import sinon from 'sinon';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  coreClaims,
  HostReachability,
  interpretAnswer,
  runPairs,
  signAssertion,
  summarizeBody,
} from '../../../src/diagnose/token.js';
import { PRODUCTION_URL, SANDBOX_URL } from '../../../src/org/loginUrl.js';
import { http, type HttpResult } from '../../../src/utils/http.js';

const key = createPrivateKey(readFileSync('emulator/keys/server.key', 'utf8'));
const answer = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  kind: 'answer',
  status,
  headers: { 'content-type': 'application/json', date: new Date().toUTCString(), ...headers },
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const success = answer(200, {
  access_token: 'SECRET_TOKEN',
  instance_url: 'https://acme.my.salesforce.com',
  id: 'https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA',
});
const notApproved = answer(400, { error: 'invalid_grant', error_description: "user hasn't approved this consumer" });

describe('token exchange', () => {
  afterEach(() => sinon.restore());

  describe('assertion', () => {
    it('carries core claims: exp in milliseconds, iat in seconds, RS256 with typ JWT', async () => {
      const now = 1_795_522_181_535;
      const claims = coreClaims('3MVG9', 'ci@acme.com', 'https://test.salesforce.com', now);
      expect(claims).to.deep.equal({
        iss: '3MVG9',
        sub: 'ci@acme.com',
        aud: 'https://test.salesforce.com',
        exp: now + 300,
        iat: 1_795_522_181,
      });
      const jwt = await signAssertion(key, claims);
      expect(decodeProtectedHeader(jwt)).to.deep.equal({ alg: 'RS256', typ: 'JWT' });
      expect(decodeJwt(jwt)).to.deep.equal(claims);
      const verified = await compactVerify(jwt, createPublicKey(key));
      expect(verified.protectedHeader.alg).to.equal('RS256');
    });

    it('refuses to sign with a 1024-bit key (jose), which the key-size check reports first', async () => {
      const weak = createPrivateKey(readFileSync('emulator/keys/weak1024.key', 'utf8'));
      try {
        await signAssertion(weak, coreClaims('a', 'b', 'c'));
        expect.fail('signing should fail');
      } catch (error) {
        expect((error as Error).message).to.match(/2048/);
      }
    });
  });

  describe('interpretAnswer', () => {
    it('keeps the OAuth error code and description verbatim', () => {
      const { attempt } = interpretAnswer('h', 'a', notApproved, 5, 'pair');
      expect(attempt.outcome).to.equal('oauth-error');
      expect(attempt.status).to.equal(400);
      expect(attempt.serverError).to.deep.equal({
        error: 'invalid_grant',
        error_description: "user hasn't approved this consumer",
      });
      expect(attempt.serverDate).to.be.a('string');
    });

    it('reads success without keeping the token', () => {
      const outcome = interpretAnswer('h', 'a', success, 5, 'pair');
      expect(outcome.attempt.outcome).to.equal('success');
      expect(outcome.identity).to.deep.equal({ orgId: '00D000000000001AAA', userId: '005000000000001AAA' });
      expect(JSON.stringify(outcome)).not.to.contain('SECRET_TOKEN');
    });

    it('calls HTML, 5xx, empty and malformed answers unexpected', () => {
      const html = interpretAnswer(
        'h',
        'a',
        answer(503, '<html><head><title>Maintenance</title></head></html>', { 'content-type': 'text/html' }),
        1,
        'pair',
      );
      expect(html.attempt.outcome).to.equal('unexpected-response');
      expect(html.attempt.message).to.equal('HTTP 503 with an HTML page titled "Maintenance"');
      expect(interpretAnswer('h', 'a', answer(500, { error: 'server_error' }), 1, 'pair').attempt.outcome).to.equal(
        'unexpected-response',
      );
      expect(interpretAnswer('h', 'a', answer(200, ''), 1, 'pair').attempt.message).to.equal(
        'HTTP 200 with an empty body',
      );
      expect(
        interpretAnswer('h', 'a', answer(200, '{"access_token":"SECRET'), 1, 'pair').attempt.message,
      ).not.to.contain('SECRET');
    });

    it('reports network failures with their code', () => {
      const { attempt } = interpretAnswer(
        'h',
        'a',
        { kind: 'network-error', code: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 127.0.0.1:1' },
        1,
        'pair',
      );
      expect(attempt.outcome).to.equal('network-error');
      expect(attempt.message).to.equal('the connection was refused: nothing listens at that address and port');
    });

    it('summarizes bodies without echoing tokens', () => {
      expect(summarizeBody('x'.repeat(200))).to.have.length.below(90);
      expect(summarizeBody('{"access_token":"abc"')).not.to.contain('abc');
    });
  });

  describe('runPairs', () => {
    const req = { key, clientId: '3MVG9', username: 'ci@acme.com', timeoutMs: 1000 };
    const l = 'https://acme.my.salesforce.com/';

    it('stops at the first pair when it succeeds: one request', async () => {
      const post = sinon.stub(http, 'postForm').resolves(success);
      const run = await runPairs(l, req, {});
      expect(post.callCount).to.equal(1);
      expect(post.firstCall.args[0]).to.equal('https://acme.my.salesforce.com/services/oauth2/token');
      expect(post.firstCall.args[1].grant_type).to.equal('urn:ietf:params:oauth:grant-type:jwt-bearer');
      expect(run.success).to.equal(run.first);
      expect(run.attempts).to.have.length(1);
    });

    it('tries the pairs in order until one works, recording each', async () => {
      const post = sinon.stub(http, 'postForm');
      post.onCall(0).resolves(notApproved);
      post.onCall(1).resolves(notApproved);
      post.onCall(2).resolves(success);
      const run = await runPairs(l, req, {});
      expect(run.attempts.map((a) => [a.host, a.audience, a.outcome])).to.deep.equal([
        [l, l, 'oauth-error'],
        [SANDBOX_URL, SANDBOX_URL, 'oauth-error'],
        [PRODUCTION_URL, PRODUCTION_URL, 'success'],
      ]);
      expect(run.first.attempt.host).to.equal(l);
      expect(run.success?.attempt.host).to.equal(PRODUCTION_URL);
    });

    it('does not try an unreachable host again: its later pairs are skipped', async () => {
      const post = sinon
        .stub(http, 'postForm')
        .callsFake(async (url: string) =>
          url.startsWith('https://acme') && !url.includes('audience.example')
            ? notApproved
            : { kind: 'network-error', code: 'ENOTFOUND', detail: 'getaddrinfo ENOTFOUND' },
        );
      const run = await runPairs(l, req, {});
      expect(run.attempts.map((a) => a.outcome)).to.deep.equal([
        'oauth-error',
        'skipped',
        'skipped',
        'oauth-error',
        'oauth-error',
      ]);
      expect(run.attempts[1].message).to.match(
        /^Fallback host https:\/\/test.salesforce.com could not be reached \(the host name does not resolve/,
      );
      expect(post.callCount).to.equal(5);
      const withAudience = await runPairs(l, req, { SF_AUDIENCE_URL: 'https://audience.example' });
      const skipped = withAudience.attempts.filter((a) => a.outcome === 'skipped');
      expect(skipped.length).to.be.greaterThan(0);
      for (const s of skipped) expect(s.message).to.match(/could not be reached( earlier)?/);
      expect(skipped.some((s) => s.message?.includes('could not be reached earlier'))).to.equal(true);
    });

    it("signs an assertion for each pair with that pair's audience, and never returns it", async () => {
      const post = sinon.stub(http, 'postForm').resolves(notApproved);
      const run = await runPairs(l, req, {});
      const assertions = post.getCalls().map((c) => c.args[1].assertion);
      expect(assertions.map((a) => decodeJwt(a).aud)).to.deep.equal(run.attempts.map((a) => a.audience));
      const text = JSON.stringify(run);
      for (const a of assertions) expect(text).not.to.contain(a);
    });
  });

  describe('one run, many logins: what is learned about a host is shared', () => {
    const l = 'https://acme.my.salesforce.com/';
    const reqFor = (username: string): Parameters<typeof runPairs>[1] => ({
      key,
      clientId: '3MVG9',
      username,
      timeoutMs: 1000,
    });
    const calls = (post: sinon.SinonStub, origin: string): number =>
      post.getCalls().filter((c) => (c.args[0] as string).startsWith(origin)).length;

    it('tries each unreachable fallback host once per run, not once per failing login', async () => {
      const post = sinon
        .stub(http, 'postForm')
        .callsFake(async (url: string) =>
          url.startsWith('https://acme')
            ? notApproved
            : { kind: 'network-error', code: 'EAI_AGAIN', detail: 'getaddrinfo EAI_AGAIN' },
        );
      const hosts = new HostReachability();
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => runPairs(l, reqFor(`ci${i}@acme.com`), {}, hosts)),
      );
      expect(calls(post, SANDBOX_URL)).to.equal(1);
      expect(calls(post, PRODUCTION_URL)).to.equal(1);
      // every login still makes its own requests to its login URL, which answers
      expect(calls(post, 'https://acme')).to.equal(10 * 3);
      for (const run of runs) {
        expect(run.first.attempt.outcome).to.equal('oauth-error');
        expect(run.attempts.filter((a) => a.host !== l).map((a) => a.outcome)).to.deep.equal(['skipped', 'skipped']);
      }
    });

    it('waits for the first request to a host instead of sending more: a hanging host costs one timeout', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const post = sinon.stub(http, 'postForm').callsFake(async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((done) => setTimeout(done, 50));
        inFlight--;
        return { kind: 'network-error', code: 'ETIMEDOUT', detail: 'no answer before the timeout' };
      });
      const hosts = new HostReachability();
      const runs = await Promise.all(
        Array.from({ length: 5 }, (_, i) => runPairs(l, reqFor(`ci${i}@acme.com`), {}, hosts)),
      );
      expect(maxInFlight).to.equal(1);
      expect(calls(post, 'https://acme')).to.equal(1);
      const causes = runs.map((run) => run.first.attempt);
      expect(causes.filter((a) => a.durationMs === 0)).to.have.length(4);
      for (const attempt of causes) {
        expect(attempt).to.include({ host: l, outcome: 'network-error' });
        expect(attempt.message).to.include('before the timeout');
      }
      expect(causes.filter((a) => a.message?.includes('could not be reached earlier'))).to.have.length(4);
    });

    it('lets every login send its own requests once a host has answered', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const post = sinon.stub(http, 'postForm').callsFake(async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((done) => setTimeout(done, 20));
        inFlight--;
        return success;
      });
      const hosts = new HostReachability();
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => runPairs(l, reqFor(`ci${i}@acme.com`), {}, hosts)),
      );
      expect(post.callCount).to.equal(6);
      expect(maxInFlight, 'after the first answer, the others go at once').to.equal(5);
      for (const run of runs) expect(run.success?.attempt.outcome).to.equal('success');
    });
  });
});

describe('insecure hosts', () => {
  afterEach(() => sinon.restore());
  it('never posts an assertion over plain http to a non-loopback host', async () => {
    const post = sinon.stub(http, 'postForm').resolves(notApproved);
    const run = await runPairs(
      'https://acme.my.salesforce.com/',
      { key, clientId: 'c', username: 'u', timeoutMs: 1000 },
      { SF_AUDIENCE_URL: 'http://evil.example' },
    );
    for (const call of post.getCalls()) expect(call.args[0]).not.to.match(/^http:\/\/evil/);
    const refused = run.attempts.filter((a) => a.host === 'http://evil.example' && a.outcome === 'skipped');
    expect(refused.length).to.be.greaterThan(0);
    expect(refused[0].message).to.contain('plain http');
  });
});
