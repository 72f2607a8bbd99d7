/**
 * A node's consumer list is read as it streams in (consumer-list.ts), under its own cap of 64 MiB
 * rather than the cluster's response cap (1 MiB by default): a 50,000-key list is ~5.7 MB (issue 27).
 * A real server on 127.0.0.1 sends a list past the cluster's cap (read whole), then one that never
 * ends (refused at the list's cap, with an error that names it and the node).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../electron/core/http/client.ts';
import { CONSUMER_LIST_MAX_BYTES, LyoAdminSession } from '../../electron/core/providers/lyo-admin.ts';

const entry = (i: number) => `{"name":"Consumer ${i}","key":"key-${String(i).padStart(8, '0')}","trusted":false}`;

describe('the consumer list cap', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/big/oauth/consumers') {
        // 30,000 keys: ~2.3 MB, past the cluster's 1 MiB cap, within the list's.
        const approved = Array.from({ length: 30_000 }, (_, i) => entry(i)).join(',');
        res.end(`{"provisional":[${entry(99_999_999)}],"approved":[${approved}]}`);
        return;
      }
      // Never ends: entries until the client goes away.
      res.write('{"provisional":[],"approved":[');
      let i = 0;
      const pump = () => {
        while (!res.destroyed && res.write(`${entry(i++)},`.repeat(64)));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.destroy());
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const session = (client: HttpClient, path: string) =>
    LyoAdminSession.restore(client, 'node7', `${base}${path}`, { cookie: 'JSESSIONID=s', csrf: 's' });

  it('reads a list past the cluster response cap, keys only', async () => {
    const client = new HttpClient({ connectTimeoutMs: 2000, totalTimeoutMs: 20_000, maxResponseBytes: 1024 * 1024 });
    try {
      const list = await session(client, '/big').listConsumers();
      expect(list.approved).toHaveLength(30_000);
      expect(list.approved[29_999]).toBe('key-00029999');
      expect(list.provisional).toEqual(['key-99999999']);
    } finally {
      await client.close();
    }
  });

  it('refuses a list past 64 MiB, naming the node and the cap', async () => {
    const client = new HttpClient({ connectTimeoutMs: 2000, totalTimeoutMs: 60_000, maxResponseBytes: 1024 * 1024 });
    try {
      const e = await session(client, '/endless')
        .listConsumers()
        .catch((x: unknown) => x);
      expect((e as { code?: string }).code).toBe('RESPONSE_TOO_LARGE');
      expect((e as Error).message).toMatch(/^node7: its consumer list is larger than 64 MiB/);
      expect(CONSUMER_LIST_MAX_BYTES).toBe(64 * 1024 * 1024);
    } finally {
      await client.destroy();
    }
  }, 60_000);
});
