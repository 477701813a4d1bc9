import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { expect } from 'chai';
import type { SfError } from '@salesforce/core';
import { DEFAULT_REDIRECT_URI } from '../../../src/org/authorizeUrl.js';
import {
  isLoopbackRedirect,
  listenForRedirect,
  redirectTarget,
  waitForRedirect,
} from '../../../src/approve/listener.js';
import { rejection } from '../../helpers/errors.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function get(url: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

const SECRETS = {
  code: 'aPrx.CODE-VALUE-123456789',
  verifier: 'VERIFIER-abcdefghijklmnopqrstuvwxyz0123456789',
  clientSecret: 'CONSUMER-SECRET-0987654321',
  accessToken: '00D5g000000XYZ!ACCESS.TOKEN.VALUE',
  refreshToken: '5Aep861REFRESH.TOKEN.VALUE',
};

describe('listener: where a redirect lands', () => {
  it('recognizes loopback http redirect URIs only', () => {
    expect(isLoopbackRedirect(DEFAULT_REDIRECT_URI)).to.equal(true);
    expect(isLoopbackRedirect('http://127.0.0.1:1717/OauthRedirect')).to.equal(true);
    expect(isLoopbackRedirect('http://127.4.5.6/cb')).to.equal(true);
    expect(isLoopbackRedirect('http://[::1]:1717/cb')).to.equal(true);
    expect(isLoopbackRedirect('https://localhost:1717/cb')).to.equal(false);
    expect(isLoopbackRedirect('http://localhost.acme.com/cb')).to.equal(false);
    expect(isLoopbackRedirect('http://10.0.0.5:1717/cb')).to.equal(false);
    expect(isLoopbackRedirect('https://login.salesforce.com/services/oauth2/success')).to.equal(false);
    expect(isLoopbackRedirect('not a url')).to.equal(false);
  });

  it('tells where a redirect lands: a loopback listener (with its port), https on loopback, or elsewhere', () => {
    expect(redirectTarget(DEFAULT_REDIRECT_URI)).to.deep.equal({ kind: 'loopback', port: 1717 });
    expect(redirectTarget('http://[::1]:8080/cb')).to.deep.equal({ kind: 'loopback', port: 8080 });
    // a default port written out is still a port the user named
    expect(redirectTarget('http://127.0.0.1:80/cb')).to.deep.equal({ kind: 'loopback', port: 80 });
    expect(redirectTarget('https://localhost:1717/OauthRedirect')).to.deep.equal({ kind: 'loopback-https' });
    expect(redirectTarget('https://ci.example.com/oauth/callback/')).to.deep.equal({ kind: 'remote' });
    expect(redirectTarget('http://10.0.0.5:1717/cb')).to.deep.equal({ kind: 'remote' });
  });

  it('refuses a loopback http redirect URI without a port, or with port 0, as a usage error that says why', () => {
    const thrown = (uri: string): SfError => {
      try {
        redirectTarget(uri);
      } catch (err) {
        return err as SfError;
      }
      return expect.fail(`no error for ${uri}`);
    };
    const zero = thrown('http://localhost:0/x');
    expect(zero.name).to.equal('RedirectPortZeroError');
    expect(zero.exitCode).to.equal(2);
    expect(zero.message).to.include('http://localhost:0/x').and.include("doesn't name");
    const missing = thrown('http://localhost/OauthRedirect');
    expect(missing.name).to.equal('RedirectPortMissingError');
    expect(missing.exitCode).to.equal(2);
    expect(missing.message).to.include('port 80');
    expect((missing.actions ?? []).join(' ')).to.include('http://localhost:1717/OauthRedirect');
  });
});

describe('authorize: redirect listener', () => {
  let port: number;
  let redirectUri: string;
  const state = 'the-state-123';

  beforeEach(async () => {
    port = await freePort();
    redirectUri = `http://localhost:${port}/OauthRedirect`;
  });

  it('receives the code, shows the approved page, then stops listening', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    expect(listener.address).to.equal('127.0.0.1');
    expect(listener.port).to.equal(port);

    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?code=${encodeURIComponent(SECRETS.code)}&state=${state}`,
    );
    expect(page.status).to.equal(200);
    expect(page.contentType).to.match(/^text\/html/);
    expect(page.text).to.include('Approved — you can close this tab.');
    expect(page.text).to.not.include(SECRETS.code);
    expect(await listener.result).to.deep.equal({ code: SECRETS.code });

    const after = await fetch(`http://127.0.0.1:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('answers on ::1 too for a localhost redirect URI, where the machine has IPv6', async function () {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(`http://[::1]:${port}/OauthRedirect?code=c0de6&state=${state}`).catch(() => undefined);
    if (!page) {
      listener.close();
      this.skip(); // no IPv6 loopback on this machine
    }
    expect(page?.status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'c0de6' });
    const after = await fetch(`http://[::1]:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('waitForRedirect resolves with the code', async () => {
    const pending = waitForRedirect({ redirectUri, state, timeoutMs: 5000 });
    // the listener is up once the port answers; retry briefly
    let page: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 50 && !page; i++) {
      // eslint-disable-next-line no-await-in-loop
      page = await get(`http://127.0.0.1:${port}/OauthRedirect?code=c0de&state=${state}`).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return undefined;
      });
    }
    expect(page?.status).to.equal(200);
    expect(await pending).to.deep.equal({ code: 'c0de' });
  });

  it('reports an authorize error with its description, on the page and in the result', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?error=access_denied&error_description=end-user+denied+authorization&state=${state}`,
    );
    expect(page.status).to.equal(400);
    expect(page.text).to.include('The app was not approved.');
    expect(page.text).to.include('Deny');
    expect(await listener.result).to.deep.equal({
      error: 'access_denied',
      errorDescription: 'end-user denied authorization',
    });
  });

  it('answers and ignores a request with another state, or none, and keeps waiting for the right one', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    for (const query of [
      `code=${SECRETS.code}&state=not-ours`,
      `code=${SECRETS.code}`,
      'error=access_denied&state=not-ours',
      'error=OAUTH_EC_APP_NOT_FOUND',
    ]) {
      // eslint-disable-next-line no-await-in-loop
      const page = await get(`http://127.0.0.1:${port}/OauthRedirect?${query}`);
      expect(page.status, query).to.equal(400);
      expect(page.text, query).to.include('Ignored').and.include('keeps waiting');
      expect(page.text, query).to.not.include(SECRETS.code);
    }
    // still listening: the right redirect is the one that counts
    const page = await get(`http://127.0.0.1:${port}/OauthRedirect?code=c0de&state=${state}`);
    expect(page.status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'c0de' });
  });

  it('a stray request does not end the wait: without the right one it times out', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 400 });
    await get(`http://127.0.0.1:${port}/OauthRedirect?code=x&state=other`);
    expect((await rejection(listener.result)).name).to.equal('RedirectTimeoutError');
  });

  it('answers 404 to other paths and favicon, and keeps waiting for the redirect', async () => {
    const listener = await listenForRedirect({ redirectUri: `http://127.0.0.1:${port}/cb/`, state, timeoutMs: 5000 });
    expect((await get(`http://127.0.0.1:${port}/favicon.ico`)).status).to.equal(404);
    expect((await get(`http://127.0.0.1:${port}/`)).status).to.equal(404);
    expect((await get(`http://127.0.0.1:${port}/cb?code=x&state=${state}`)).status).to.equal(404); // slash matters
    expect((await get(`http://127.0.0.1:${port}/OauthRedirect?code=x&state=${state}`)).status).to.equal(404);
    const noCode = await get(`http://127.0.0.1:${port}/cb/`);
    expect(noCode.status).to.equal(400);
    expect(noCode.text).to.include('Still waiting');

    expect((await get(`http://127.0.0.1:${port}/cb/?code=right&state=${state}`)).status).to.equal(200);
    expect(await listener.result).to.deep.equal({ code: 'right' });
  });

  it('escapes server text on the page', async () => {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    const page = await get(
      `http://127.0.0.1:${port}/OauthRedirect?error=weird_error&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}`,
    );
    expect(page.text).to.not.include('<script>');
    expect(page.text).to.include('&#60;script&#62;');
    await listener.result;
  });

  it('names the port and the ways out when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const err = await rejection(listenForRedirect({ redirectUri, state, timeoutMs: 5000 }));
      expect(err.name).to.equal('RedirectPortInUseError');
      expect(err.message).to.include(String(port));
      const actions = (err.actions ?? []).join('\n');
      expect(actions).to.include('sf org login web');
      expect(actions).to.include('--redirect-uri');
      expect(actions).to.include(`lsof -i :${port}`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('gives up with a clear error when no redirect comes in time', async () => {
    const started = Date.now();
    const err = await rejection(waitForRedirect({ redirectUri, state, timeoutMs: 150 }));
    expect(Date.now() - started).to.be.lessThan(3000);
    expect(err.name).to.equal('RedirectTimeoutError');
    expect(err.message).to.include(redirectUri);
    expect((err.actions ?? []).join('\n')).to.include('redirect_uri_mismatch');
    // more time for the browser is --approval-timeout (--wait is for the JWT login afterwards)
    expect((err.actions ?? []).join('\n'))
      .to.include('--approval-timeout')
      .and.not.include('--wait');
    const after = await fetch(`http://127.0.0.1:${port}/OauthRedirect`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('stops when the signal aborts or close() is called', async () => {
    const controller = new AbortController();
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    expect((await rejection(listener.result)).name).to.equal('RedirectAbortedError');

    const second = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    second.close();
    expect((await rejection(second.result)).name).to.equal('RedirectAbortedError');
  });

  it('binds to loopback only', async function () {
    const listener = await listenForRedirect({ redirectUri, state, timeoutMs: 5000 });
    try {
      expect(listener.address).to.equal('127.0.0.1');
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!external) this.skip();
      const reached = await fetch(`http://${external.address}:${port}/OauthRedirect`, {
        signal: AbortSignal.timeout(2000),
      }).then(
        () => 'answered',
        () => 'refused',
      );
      expect(reached).to.equal('refused');
    } finally {
      listener.close();
    }
  });

  it('refuses a loopback redirect URI without a usable port before listening (usage error)', async () => {
    for (const uri of ['http://localhost:0/x', 'http://localhost/OauthRedirect', 'http://127.0.0.1:/cb']) {
      // eslint-disable-next-line no-await-in-loop
      const err = await rejection(listenForRedirect({ redirectUri: uri, state, timeoutMs: 5000 }));
      expect(err.name, uri).to.match(/^RedirectPort(Zero|Missing)Error$/);
      expect(err.exitCode, uri).to.equal(2);
      expect(err.message, uri).to.include(uri);
    }
  });

  it('binds a 127.0.0.1 host as given, and refuses non-loopback redirect URIs', async () => {
    const listener = await listenForRedirect({ redirectUri: `http://127.0.0.1:${port}/cb`, state, timeoutMs: 5000 });
    expect(listener.address).to.equal('127.0.0.1');
    listener.close();
    for (const uri of ['https://localhost:1717/cb', 'http://0.0.0.0:1717/cb', 'http://ci.acme.com/cb']) {
      // eslint-disable-next-line no-await-in-loop
      const err = await rejection(listenForRedirect({ redirectUri: uri, state, timeoutMs: 5000 }));
      expect(err.name).to.equal('RedirectNotLoopbackError');
    }
  });
});
