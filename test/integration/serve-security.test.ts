/**
 * Browser mode's security rules, against the real `oslc-admin serve --sandbox` process over real
 * sockets: the launch token, the session cookie, DNS rebinding (Host), CSRF (Origin), the CSP, and
 * that the token never appears in a response body or in the process's output.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { rawRequest, sessionOf, signIn, startServe } from '../_serve.ts';
import type { RawReply, ServeProcess, Session } from '../_serve.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/server/csp.ts';

let home: TempHome;
let server: ServeProcess;
let session: Session;
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
    headers: { ...session.headers, origin: server.origin, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  home = await createTempHome();
  server = await startServe(['--sandbox', '--home', home.dir]);
  // The printed link, as the admin opens it.
  session = sessionOf(await rawRequest(server.url));
  cookie = session.cookie;
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

  it('signs in once per link: a second use is refused with a page that says how to get a new one', async () => {
    // beforeAll used it once (303, see below).
    const again = await request(`/?token=${server.token}`);
    expect(again.status).toBe(410);
    expect(again.body).toMatch(/already used/);
    expect(again.body).toMatch(/press Enter in the terminal where `oslc-admin serve` runs/);
    expect(again.body).toMatch(/SIGUSR1/);
    // Even a browser that is signed in cannot replay it.
    expect((await request(`/?token=${server.token}`, { headers: { cookie } })).status).toBe(410);
  });

  it('a fresh link (SIGUSR1) works once, and replaces an older link not yet used', async () => {
    const older = await server.newLink();
    const newer = await server.newLink();
    expect(newer).not.toBe(older);
    expect((await request(new URL(older).pathname + new URL(older).search)).status).toBe(410);
    const fresh = sessionOf(await request(new URL(newer).pathname + new URL(newer).search));
    expect(JSON.parse((await api('listClusters', {}, fresh.headers)).body)).toHaveProperty('result');
    expect((await request(new URL(newer).pathname + new URL(newer).search)).status).toBe(410);
    // The earlier session still works: a second sign-in has its own cookie name and secret.
    expect(fresh.cookie.split('=')[0]).not.toBe(cookie.split('=')[0]);
    expect(JSON.parse((await api('listClusters', {})).body)).toHaveProperty('result');
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie and a secret only in the fragment, neither the token', async () => {
    const link = new URL(await server.newLink());
    const reply = await request(link.pathname + link.search);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toMatch(/^\/#session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{40,}$/);
    const setCookie = reply.headers['set-cookie']![0]!;
    expect(setCookie).toMatch(/^oslc_s_[A-Za-z0-9_-]+=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(server.token);
    const mine = sessionOf(reply);
    expect(setCookie).not.toContain(mine.secret.split('.')[1]);
    const page = await request('/', { headers: { cookie: mine.cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
  });

  it('the cookie alone, as every other 127.0.0.1 port receives it, calls no operation', async () => {
    for (const op of OPERATIONS) {
      const alone = await request(`/api/${op}`, {
        method: 'POST',
        headers: { cookie, origin: server.origin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(alone.status, op).toBe(401);
      expect(alone.body, op).toMatch(/Not signed in in this tab/);
    }
    const other = await signIn(server);
    // The secret without its cookie, or with another session's cookie, is refused too.
    for (const headers of [
      { cookie: '', 'x-oslc-session': session.secret },
      { cookie: other.cookie, 'x-oslc-session': session.secret },
      { cookie, 'x-oslc-session': other.secret },
      { cookie, 'x-oslc-session': `${session.secret.split('.')[0]}.${'A'.repeat(43)}` },
    ]) {
      expect((await api('listClusters', {}, headers)).status).toBe(401);
    }
    expect((await api('listClusters', {})).status).toBe(200);
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
      headers: { ...session.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cluster=sandbox',
    });
    expect(form.status).toBe(415);
    for (const type of [
      'application/jsonx',
      'application/json-patch+json',
      'text/plain; application/json',
      'application/json; charset=latin1',
    ]) {
      expect((await api('listClusters', {}, { 'content-type': type })).status, type).toBe(415);
    }
    for (const type of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json;charset="utf-8"']) {
      expect((await api('listClusters', {}, { 'content-type': type })).status, type).toBe(200);
    }
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
      headers: { ...session.headers, origin: server.origin, 'content-type': 'application/json' },
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
    expect((await request('/api/status', { headers: session.headers })).status).toBe(405);
    const huge = await request('/api/status', {
      method: 'POST',
      headers: { ...session.headers, origin: server.origin, 'content-type': 'application/json' },
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
    for (const b of bodies.filter((b) => !b.includes('"location"'))) {
      expect(b).not.toContain(server.token);
      expect(b).not.toContain(session.secret.split('.')[1]);
    }
    expect(server.output()).not.toContain(server.token);
  });
});

describe('oslc-admin serve --open', () => {
  it('opens the browser on a 0600 redirect page in the runtime directory: no token in any command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oslc-open-'));
    const runtime = join(dir, 'run');
    await mkdir(runtime, { mode: 0o700 });
    const record = join(dir, 'argv.txt');
    // The recording launcher: a real xdg-open on PATH that writes down what it was started with.
    await writeFile(join(dir, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > '${record}'\n`, { mode: 0o755 });
    const opened = await startServe(['--open', '--home', home.dir], {
      PATH: `${dir}:${process.env.PATH}`,
      XDG_RUNTIME_DIR: runtime,
    });
    try {
      await expect.poll(() => readFile(record, 'utf8').catch(() => ''), { timeout: 15_000 }).toMatch(/\n/);
      const argv = (await readFile(record, 'utf8')).trim().split('\n');
      expect(argv).toHaveLength(2);
      expect(argv.join(' ')).not.toContain(opened.token);
      expect(argv.join(' ')).not.toContain('token');
      const page = fileURLToPath(argv[1]!);
      expect(page.startsWith(join(runtime, 'oslc-admin') + '/')).toBe(true);
      expect((await stat(page)).mode & 0o777).toBe(0o600);
      expect((await stat(join(runtime, 'oslc-admin'))).mode & 0o777).toBe(0o700);
      const html = await readFile(page, 'utf8');
      expect(html).toContain(`url=${opened.url}`);
      // The page's link signs in once, like the printed one (it is the same link).
      expect((await rawRequest(opened.url)).status).toBe(303);
      expect((await rawRequest(opened.url)).status).toBe(410);
      await opened.stop();
      await expect(stat(page)).rejects.toThrow(/ENOENT/);
    } finally {
      await opened.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
