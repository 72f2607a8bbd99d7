/**
 * Connections opened ahead of their requests (issue 27): HttpClient.preconnect opens them with the
 * connector undici uses, undici is handed them for its first requests to that origin, and what no
 * request takes is closed (with the client, or after WARM_FOR_MS). Real sockets, to a local server
 * that counts the connections it accepts.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, MAX_PRECONNECT, preconnectCount } from '../../electron/core/http/client.ts';
import { MAX_OPEN_FILES_FOR_KEYCHAIN } from '../../electron/core/keychain.ts';
import { WARM_FOR_MS, WarmConnections } from '../../electron/core/http/warm-connections.ts';

let server: Server;
let base: string;
let accepted: Socket[];

beforeEach(async () => {
  accepted = [];
  server = createServer((_req, res) => res.end('ok'));
  server.on('connection', (s: Socket) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const client = () => new HttpClient({ connectTimeoutMs: 2000, totalTimeoutMs: 2000, maxResponseBytes: 1024, env: {} });
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('connections opened ahead', () => {
  it('are the ones the first requests to that origin use: no connection more', async () => {
    const http = client();
    try {
      http.preconnect([`${base}/a`], 2);
      await until(() => accepted.length === 2);
      expect(accepted).toHaveLength(2);
      const [a, b] = await Promise.all([
        http.request({ node: 'n', method: 'GET', url: `${base}/x` }),
        http.request({ node: 'n', method: 'GET', url: `${base}/y` }),
      ]);
      expect([a.status, a.body, b.status, b.body]).toEqual([200, 'ok', 200, 'ok']);
      expect(accepted).toHaveLength(2);
    } finally {
      await http.close();
    }
  });

  it('are not opened again where the client holds connections already (a warm engine)', async () => {
    const http = client();
    try {
      await http.request({ node: 'n', method: 'GET', url: `${base}/x` });
      expect(accepted).toHaveLength(1);
      http.preconnect([base], 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(accepted).toHaveLength(1);
      http.preconnect([base], 2);
      await until(() => accepted.length === 2);
      expect(accepted).toHaveLength(2);
    } finally {
      await http.close();
    }
  });

  it('are closed with the client when no request took them', async () => {
    const http = client();
    http.preconnect([base], 1);
    await until(() => accepted.length === 1);
    const closed = new Promise<void>((r) => accepted[0]!.once('close', () => r()));
    await http.close();
    await closed;
    expect(accepted[0]!.destroyed).toBe(true);
  });

  it('are not used past their time: undici connects anew, and the stale one is closed', async () => {
    let now = 0;
    const made: string[] = [];
    const connector = (opts: { host: string }, cb: (err: Error | null, s: Socket | null) => void) => {
      made.push(opts.host);
      import('node:net').then(({ connect }) => {
        const s = connect(Number(new URL(base).port), '127.0.0.1', () => cb(null, s));
      });
    };
    const warm = new WarmConnections(connector as never, () => now);
    warm.open(new URL(base), 1);
    await until(() => accepted.length === 1);
    now = WARM_FOR_MS + 1;
    const got = await new Promise<Socket | null>((r) =>
      warm.connector()({ protocol: 'http:', host: new URL(base).host } as never, (_e, s) => r(s as Socket)),
    );
    expect(made).toHaveLength(2); // the warm one, then a new one
    await until(() => accepted.length === 2);
    expect(accepted).toHaveLength(2);
    got?.destroy();
    warm.close();
  });

  it('a connection that could not be opened leaves the request to connect as always', async () => {
    const http = client();
    try {
      const closedPort = await new Promise<number>((r) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as AddressInfo).port;
          s.close(() => r(p));
        });
      });
      http.preconnect([`http://127.0.0.1:${closedPort}/`], 1);
      await new Promise((r) => setTimeout(r, 50));
      await expect(
        http.request({ node: 'n', method: 'GET', url: `http://127.0.0.1:${closedPort}/` }),
      ).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
    } finally {
      await http.close();
    }
  });

  it('are not opened where a proxy applies (the request goes to the proxy)', async () => {
    const http = new HttpClient({
      connectTimeoutMs: 2000,
      totalTimeoutMs: 2000,
      maxResponseBytes: 1024,
      env: { HTTPS_PROXY: base, HTTP_PROXY: base },
    });
    try {
      http.preconnect(['http://node.example.invalid:9443/'], 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(accepted).toHaveLength(0);
    } finally {
      await http.close();
    }
  });
});

describe('how many are opened ahead', () => {
  it('as asked, within the origin’s limit, and never more than MAX_PRECONNECT in all', () => {
    expect(preconnectCount(64, 2, 64)).toBe(2);
    expect(preconnectCount(3, 6, 64)).toBe(6);
    expect(preconnectCount(3, 6, 4)).toBe(4);
    // 64 nodes × 21 (a list and 20 probes): 4 each, 256 in all, far from the keychain's 1000 files.
    expect(preconnectCount(64, 21, 64)).toBe(4);
    expect(64 * preconnectCount(64, 21, 64)).toBeLessThanOrEqual(MAX_PRECONNECT);
    expect(preconnectCount(300, 1, 64)).toBe(0);
    expect(preconnectCount(0, 1, 64)).toBe(0);
    expect(MAX_PRECONNECT).toBeLessThan(MAX_OPEN_FILES_FOR_KEYCHAIN / 2);
  });
});
