/**
 * Browser mode's security rules, against the real `oslc-admin serve --sandbox` process over real
 * sockets: the launch token, the session cookie, DNS rebinding (Host), CSRF (Origin), the CSP, and
 * that the token never appears in a response body or in the process's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { rawRequest, signIn, startServe } from '../_serve.ts';
import type { RawReply, ServeProcess } from '../_serve.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp.ts';

let home: TempHome;
let server: ServeProcess;
let cookie: string;
const bodies: string[] = [];

/** Every reply is kept, so the last test can look for the token in all of them. */
async function request(path: string, opts: Parameters<typeof rawRequest>[1] = {}): Promise<RawReply> {
  const reply = await rawRequest(`${server.origin}${path}`, opts);
  bodies.push(reply.body, JSON.stringify(reply.headers));
  return reply;
}

const api = (op: string, body: unknown, headers: Record<string, string> = {}) =>
  request(`/api/${op}`, {
    method: 'POST',
    headers: { cookie, origin: server.origin, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  home = await createTempHome();
  server = await startServe(['--sandbox', '--home', home.dir]);
  cookie = await signIn(server);
});

afterAll(async () => {
  await server?.stop();
  await home?.cleanup();
});

describe('oslc-admin serve', () => {
  it('listens on 127.0.0.1 and prints a URL with a long random token', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(server.sandbox?.nodes).toHaveLength(3);
  });

  it('answers 401 to every request without the session cookie, the page and the API alike', async () => {
    for (const path of ['/', '/index.html', '/assets/anything.js']) {
      expect((await request(path)).status, path).toBe(401);
    }
    const post = await request('/api/listClusters', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.origin },
      body: '{}',
    });
    expect(post.status).toBe(401);
    expect(post.body).toMatch(/open the URL that `oslc-admin serve` printed/);
  });

  it('refuses a wrong token and a token offered anywhere but the first load of /', async () => {
    expect((await request('/?token=not-the-token')).status).toBe(401);
    expect((await request(`/index.html?token=${server.token}`)).status).toBe(401);
    expect(
      (
        await request(`/api/listClusters?token=${server.token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie that is not the token, and redirects to /', async () => {
    const reply = await request(`/?token=${server.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const setCookie = reply.headers['set-cookie']![0]!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(server.token);
    const page = await request('/', { headers: { cookie: setCookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
  });

  it('refuses a foreign Host even with a valid cookie (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${new URL(server.origin).port}`, '127.0.0.1:1']) {
      const page = await request('/', { headers: { cookie, host } });
      expect(page.status, host).toBe(421);
      const call = await api('listClusters', {}, { host });
      expect(call.status, host).toBe(421);
    }
  });

  it('refuses a cross-origin POST even with a valid cookie (CSRF)', async () => {
    const foreign = await api('listClusters', {}, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const crossSite = await api('listClusters', {}, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const form = await request('/api/removeCluster', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cluster=sandbox',
    });
    expect(form.status).toBe(415);
    const clusters = await api('listClusters', {});
    expect(clusters.body).toContain('"name":"sandbox"');
  });

  it('sends the console CSP and no HSTS on every answer, refusals included', async () => {
    for (const reply of [
      await request('/'),
      await request('/', { headers: { cookie } }),
      await api('listClusters', {}, { host: 'evil.example' }),
    ]) {
      expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['strict-transport-security']).toBeUndefined();
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('streams status progress node by node as NDJSON, then the result', async () => {
    const reply = await api('status', { cluster: 'sandbox' });
    expect(reply.headers['content-type']).toBe('application/x-ndjson');
    const lines = reply.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 3).every((l) => 'progress' in l)).toBe(true);
    expect(lines.at(-1)).toHaveProperty('result.cluster', 'sandbox');
  });

  it('answers bad input with a coded error that names the problem, never a stack trace', async () => {
    const badJson = await request('/api/status', {
      method: 'POST',
      headers: { cookie, origin: server.origin, 'content-type': 'application/json' },
      body: '{"cluster":',
    });
    expect(JSON.parse(badJson.body)).toEqual({
      error: { code: 'BAD_INPUT', message: 'status: the request body is not valid JSON' },
    });
    const unknownCluster = JSON.parse((await api('status', { cluster: 'nope' })).body) as {
      error: { code: string; message: string };
    };
    expect(unknownCluster.error.code).toBe('CLUSTER_NOT_FOUND');
    const badArg = JSON.parse(
      (await api('sandboxNode', { cluster: 'sandbox', node: 'node1', action: 'latency' })).body,
    ) as { error: { code: string; message: string } };
    expect(badArg.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^value:/) });
    expect((await api('noSuchOperation', {})).status).toBe(404);
    expect((await request('/api/status', { headers: { cookie } })).status).toBe(405);
    const huge = await request('/api/status', {
      method: 'POST',
      headers: { cookie, origin: server.origin, 'content-type': 'application/json' },
      body: Buffer.alloc(2 * 1024 * 1024, 32),
    });
    expect(huge.status).toBe(413);
    for (const b of bodies) expect(b).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('serves nothing outside the built renderer', async () => {
    for (const path of [
      '/../package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%5c..%5cpackage.json',
      '/%00',
    ]) {
      const reply = await request(path, { headers: { cookie } });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('"name"');
    }
  });

  it('never puts the token in a response body, a header after the exchange, or its output', async () => {
    await api('status', { cluster: 'sandbox' });
    for (const b of bodies.filter((b) => !b.includes('"location"'))) expect(b).not.toContain(server.token);
    expect(server.output()).not.toContain(server.token);
  });
});
