import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { networkFailure } from '../../../src/utils/http.js';
import { describeNetworkFailure } from '../../../src/utils/networkError.js';

/** Internal codes and library strings that must never reach a message. */
const INTERNAL = /UND_ERR|ERR_|E[A-Z]{4,}|error:[0-9A-F]{8}|routines|bad port|other side closed|getaddrinfo/;

async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function failureOf(url: string): Promise<ReturnType<typeof networkFailure>> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    return networkFailure(error);
  }
  throw new Error(`${url} answered`);
}

describe('network failures in words', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('a server that closes the connection without answering (undici: UND_ERR_SOCKET)', async () => {
    const server = await listen((socket) => socket.end());
    servers.push(server);
    const failure = await failureOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(failure.code).to.equal('UND_ERR_SOCKET');
    expect(describeNetworkFailure(failure)).to.equal('the server closed the connection without answering');
  });

  it('https to a server that speaks plain http (an OpenSSL reason string)', async () => {
    const server = await listen((socket) => socket.write('HTTP/1.1 200 OK\r\n\r\n'));
    servers.push(server);
    const failure = await failureOf(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(failure.code).to.equal('TLS');
    expect(describeNetworkFailure(failure)).to.include('does not speak https').and.not.match(INTERNAL);
  });

  it('a port fetch refuses to use ("bad port")', async () => {
    const failure = await failureOf('http://127.0.0.1:1/');
    expect(describeNetworkFailure(failure)).to.include('refuse to connect to').and.not.match(INTERNAL);
  });

  it('every known code and an unknown one, without the code itself', () => {
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'ECONNRESET',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'EWHATEVER',
      'NETWORK',
    ]) {
      const words = describeNetworkFailure({ code, detail: `${code}: something internal` });
      expect(words, code).not.to.match(INTERNAL);
    }
    expect(describeNetworkFailure({ code: 'TLS', detail: 'certificate has expired' })).to.include('expired');
    expect(describeNetworkFailure({ code: 'TLS', detail: 'self-signed certificate in certificate chain' })).to.include(
      'NODE_EXTRA_CA_CERTS',
    );
  });
});
