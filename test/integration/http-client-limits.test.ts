/**
 * The HTTP client's bounds, against a real server that counts the requests it holds at once: the
 * cap per origin, the global cap, and a slow origin that cannot take the slots of another.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../electron/core/http/client.ts';

interface CountingServer {
  url: string;
  peak: () => number;
  close: () => Promise<void>;
}

async function countingServer(delayMs: number): Promise<CountingServer> {
  let active = 0;
  let peak = 0;
  const server = http.createServer((_req, res) => {
    active++;
    peak = Math.max(peak, active);
    setTimeout(() => {
      active--;
      res.end('ok');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    peak: () => peak,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("the HTTP client's bounds on requests in flight", () => {
  let fast: CountingServer;
  let slow: CountingServer;
  beforeAll(async () => {
    fast = await countingServer(30);
    // Slow enough that waiting behind it (1 s) cannot pass for going straight through (< 0.7 s).
    slow = await countingServer(1000);
  });
  afterAll(async () => {
    await fast?.close();
    await slow?.close();
  });

  it('sends at most maxConnectionsPerOrigin requests to one origin at once', async () => {
    const client = new HttpClient({
      connectTimeoutMs: 1000,
      totalTimeoutMs: 5000,
      maxResponseBytes: 1024,
      maxConnectionsPerOrigin: 3,
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 9 }, () => client.request({ node: 'n', method: 'GET', url: fast.url })),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(fast.peak()).toBe(3);
    } finally {
      await client.close();
    }
  });

  it('lets a fast origin through while a slow one has used up its own share of the global slots', async () => {
    const client = new HttpClient({
      connectTimeoutMs: 1000,
      totalTimeoutMs: 5000,
      maxResponseBytes: 1024,
      maxConnectionsPerOrigin: 2,
      maxRequestsInFlight: 3,
    });
    try {
      const slowOnes = Array.from({ length: 6 }, () => client.request({ node: 'slow', method: 'GET', url: slow.url }));
      const started = Date.now();
      await client.request({ node: 'fast', method: 'GET', url: fast.url });
      expect(Date.now() - started).toBeLessThan(700);
      await Promise.all(slowOnes);
    } finally {
      await client.close();
    }
  });

  it('refuses a bound below one, naming it', () => {
    expect(
      () => new HttpClient({ connectTimeoutMs: 1, totalTimeoutMs: 1, maxResponseBytes: 1, maxRequestsInFlight: 0 }),
    ).toThrow(/maxRequestsInFlight/);
  });
});
