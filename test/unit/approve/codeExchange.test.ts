import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import { DEFAULT_REDIRECT_URI } from '../../../src/org/authorizeUrl.js';
import { consumerSecretFromEnv, exchangeCode } from '../../../src/approve/codeExchange.js';
import { http } from '../../../src/utils/http.js';
import { TOKEN_PATH } from '../../../emulator/index.js';
import { rejection } from '../../helpers/errors.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Recorded = { method?: string; path?: string; contentType?: string; form: URLSearchParams };
type TokenHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A tiny token endpoint on 127.0.0.1 that records what it receives. */
async function fakeTokenEndpoint(
  handler: TokenHandler,
): Promise<{ base: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'],
        form: new URLSearchParams(body),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests, server };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
}

const SECRETS = {
  code: 'aPrx.CODE-VALUE-123456789',
  verifier: 'VERIFIER-abcdefghijklmnopqrstuvwxyz0123456789',
  clientSecret: 'CONSUMER-SECRET-0987654321',
  accessToken: '00D5g000000XYZ!ACCESS.TOKEN.VALUE',
  refreshToken: '5Aep861REFRESH.TOKEN.VALUE',
};

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of Object.values(SECRETS)) expect(text).to.not.include(secret);
}

describe('authorize: exchangeCode', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  async function endpoint(handler: TokenHandler): Promise<Awaited<ReturnType<typeof fakeTokenEndpoint>>> {
    const fake = await fakeTokenEndpoint(handler);
    servers.push(fake.server);
    return fake;
  }

  const exchange = (
    loginUrl: string,
    extra: { clientSecret?: string; timeoutMs?: number } = {},
  ): ReturnType<typeof exchangeCode> =>
    exchangeCode({
      loginUrl,
      clientId: '3MVG9client',
      redirectUri: DEFAULT_REDIRECT_URI,
      code: SECRETS.code,
      codeVerifier: SECRETS.verifier,
      timeoutMs: extra.timeoutMs ?? 5000,
      ...(extra.clientSecret ? { clientSecret: extra.clientSecret } : {}),
    });

  it('POSTs the authorization code grant and reports a refresh token, never the tokens', async () => {
    const fake = await endpoint((req, res) =>
      json(res, 200, {
        // eslint-disable-next-line camelcase
        access_token: SECRETS.accessToken,
        // eslint-disable-next-line camelcase
        refresh_token: SECRETS.refreshToken,
        scope: 'refresh_token api web',
        // eslint-disable-next-line camelcase
        instance_url: 'https://acme.my.salesforce.com',
      }),
    );
    const result = await exchange(`${fake.base}/`);
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: true, scope: 'refresh_token api web' });
    expectNoSecrets(result);

    expect(fake.requests).to.have.length(1);
    const [sent] = fake.requests;
    expect(sent.method).to.equal('POST');
    expect(sent.path).to.equal(TOKEN_PATH);
    expect(sent.contentType).to.equal('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent.form)).to.deep.equal({
      // eslint-disable-next-line camelcase
      grant_type: 'authorization_code',
      code: SECRETS.code,
      // eslint-disable-next-line camelcase
      client_id: '3MVG9client',
      // eslint-disable-next-line camelcase
      redirect_uri: DEFAULT_REDIRECT_URI,
      // eslint-disable-next-line camelcase
      code_verifier: SECRETS.verifier,
    });
  });

  it('sends the consumer secret only when given, and keeps a login URL path prefix', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) => json(res, 200, { access_token: SECRETS.accessToken, scope: 'api' }));
    const result = await exchange(`${fake.base}/partners`, { clientSecret: SECRETS.clientSecret });
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: false, scope: 'api' });
    expectNoSecrets(result);
    expect(fake.requests[0].path).to.equal('/partners/services/oauth2/token');
    expect(fake.requests[0].form.get('client_secret')).to.equal(SECRETS.clientSecret);
  });

  it('says when no refresh token came back', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) => json(res, 200, { access_token: SECRETS.accessToken }));
    const result = await exchange(fake.base);
    expect(result).to.deep.equal({ ok: true, hasRefreshToken: false });
  });

  it('returns Salesforce error JSON verbatim, with the HTTP status', async () => {
    // eslint-disable-next-line camelcase
    const fake = await endpoint((req, res) =>
      json(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' }),
    );
    const result = await exchange(fake.base, { clientSecret: SECRETS.clientSecret });
    expect(result).to.deep.equal({
      ok: false,
      status: 400,
      error: 'invalid_client',
      errorDescription: 'invalid client credentials',
    });
    expectNoSecrets(result);
  });

  it('redacts a code, verifier or secret echoed back in an error', async () => {
    const fake = await endpoint((req, res) =>
      // eslint-disable-next-line camelcase
      json(res, 400, {
        error: 'invalid_grant',
        error_description: `bad code ${SECRETS.code} for verifier ${SECRETS.verifier}`,
      }),
    );
    const result = await exchange(fake.base);
    expect(result.ok).to.equal(false);
    expectNoSecrets(result);
    expect(JSON.stringify(result)).to.include('[redacted]');
  });

  it('calls an HTML 500 an unexpected response, without echoing the body', async () => {
    const fake = await endpoint((req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><body>Internal error ${SECRETS.code}</body></html>`);
    });
    const result = await exchange(fake.base);
    expect(result).to.include({ ok: false, status: 500, error: 'unexpected_response' });
    expect(result.ok === false && result.errorDescription)
      .to.include('500')
      .and.include('text/html');
    expectNoSecrets(result);
  });

  it('does not follow a redirect with the code', async () => {
    const other = await endpoint((req, res) => json(res, 200, {}));
    const fake = await endpoint((req, res) => {
      res.writeHead(307, { location: `${other.base}/steal` });
      res.end();
    });
    const result = await exchange(fake.base);
    expect(result).to.include({ ok: false, status: 307, error: 'unexpected_response' });
    expect(other.requests).to.have.length(0);
  });

  it('reports a timeout and a refused connection as data', async () => {
    const hang = await endpoint(() => {
      /* never answers */
    });
    const timedOut = await exchange(hang.base, { timeoutMs: 200 });
    expect(timedOut).to.include({ ok: false, error: 'timeout' });

    const refused = await exchange(`http://127.0.0.1:${await freePort()}`);
    expect(refused).to.include({ ok: false, error: 'network_error' });
    expect(refused.ok === false && refused.errorDescription).to.include('connection was refused');
    expectNoSecrets([timedOut, refused]);
  });

  it('refuses plain http to a non-loopback host before sending anything', async () => {
    const spy = sinon.stub(http, 'postForm').rejects(new Error('must not be called'));
    const err = await rejection(exchange('http://acme.my.salesforce.com'));
    expect(err.name).to.equal('InsecureLoginUrlError');
    expect(err.message).to.not.include(SECRETS.code);
    expect(spy.called).to.equal(false);
  });
});

describe('code exchange: the consumer secret', () => {
  it('reads the consumer secret from SF_JWT_CONSUMER_SECRET only, ignoring blanks', () => {
    expect(consumerSecretFromEnv({ SF_JWT_CONSUMER_SECRET: ' s3cret ' })).to.equal('s3cret');
    expect(consumerSecretFromEnv({ SF_JWT_CONSUMER_SECRET: '  ' })).to.equal(undefined);
    expect(consumerSecretFromEnv({})).to.equal(undefined);
  });
});
