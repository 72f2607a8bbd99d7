/**
 * The flow tester's callback listener over real loopback sockets: one-shot, loopback only, behind an
 * unguessable path, closed at its deadline, and silent about the verifier.
 */
import http from 'node:http';
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCallbackListener } from '../../electron/core/diagnose/callback-listener.ts';

interface Answer {
  status: number;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET', host?: string): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: host ?? u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the callback listener', () => {
  it('takes exactly one hit on its path, never echoes or logs the verifier, then refuses connections', async () => {
    const writes: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void writes.push(a.map(String).join(' ')));
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const listener = await startCallbackListener();
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oslc-admin\/callback\/[0-9a-f]{32}$/);
    const waiting = listener.wait(Date.now() + 10_000);
    const verifier = 'VERIFIER-must-stay-secret-123';
    const answer = await get(`${listener.url}?oauth_token=tok&oauth_verifier=${verifier}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Authorization received');
    expect(answer.body).not.toContain(verifier);
    const outcome = await waiting;
    expect(outcome).toMatchObject({ type: 'hit', hit: { params: { oauth_token: 'tok', oauth_verifier: verifier } } });
    await listener.close();
    await expect(get(listener.url)).rejects.toThrow(/ECONNREFUSED/);
    const printed = [
      ...writes,
      ...out.mock.calls.map((c) => String(c[0])),
      ...err.mock.calls.map((c) => String(c[0])),
    ].join('\n');
    expect(printed).not.toContain(verifier);
  });

  it('answers other paths and methods with 404 and keeps waiting for the real callback', async () => {
    const listener = await startCallbackListener();
    try {
      const waiting = listener.wait(Date.now() + 10_000);
      const origin = new URL(listener.url).origin;
      expect((await get(`${origin}/`)).status).toBe(404);
      expect((await get(`${origin}/oslc-admin/callback/0000?oauth_verifier=x`)).status).toBe(404);
      expect((await get(listener.url, {}, 'POST')).status).toBe(404);
      expect((await get(`${listener.url}?oauth_token=t&oauth_verifier=&oauth_error=oauth_denied`)).body).toContain(
        'You chose Deny',
      );
      expect(await waiting).toMatchObject({
        type: 'hit',
        hit: { params: { oauth_error: 'oauth_denied', oauth_verifier: '' } },
      });
    } finally {
      await listener.close();
    }
  });

  it('refuses a foreign Host header (DNS rebinding) without counting it as the callback', async () => {
    const listener = await startCallbackListener();
    try {
      const waiting = listener.wait(Date.now() + 10_000);
      expect((await get(listener.url, { host: 'evil.example:80' })).status).toBe(403);
      const port = new URL(listener.url).port;
      expect(
        (await get(listener.url.replace('127.0.0.1', 'localhost'), { host: `localhost:${port}` }, 'GET', '127.0.0.1'))
          .status,
      ).toBe(200);
      expect((await waiting).type).toBe('hit');
    } finally {
      await listener.close();
    }
  });

  it('listens on 127.0.0.1 only, not on the machine’s other addresses', async () => {
    const listener = await startCallbackListener();
    try {
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (external)
        await expect(get(listener.url, {}, 'GET', external.address)).rejects.toThrow(
          /ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT/,
        );
      else expect(new URL(listener.url).hostname).toBe('127.0.0.1');
    } finally {
      await listener.close();
    }
  });

  it('gives up at its deadline and closes', async () => {
    const listener = await startCallbackListener();
    const started = Date.now();
    expect(await listener.wait(Date.now() + 150)).toEqual({ type: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(get(listener.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stops waiting when cancelled', async () => {
    const listener = await startCallbackListener();
    const abort = new AbortController();
    const waiting = listener.wait(Date.now() + 10_000, abort.signal);
    abort.abort();
    expect(await waiting).toEqual({ type: 'cancelled' });
    await expect(get(listener.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
