/**
 * Issue 12, class 8, against real sockets: `probe --json` prints a JSON error object when the node
 * fails (real CLI process); `sync` does not retry an answer that was too large (it would be as
 * large again); a node that answers with a login page is reported as that, not as "unreachable".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../shared/contract-repair.ts';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { runBin } from '../_cli.ts';
import { useTempHomes } from '../_home.ts';

const home = useTempHomes('oslc-harden-a-small-');

/** A node that answers every request the same way, and counts them. */
async function fixedServer(
  answer: (res: http.ServerResponse) => void,
): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    req.resume();
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => n,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const LOGIN_PAGE =
  '<html><body><form action="j_security_check" method="post"><input name="j_username"><input type="password" name="j_password"></form></body></html>';

let loginPage: Awaited<ReturnType<typeof fixedServer>>;
let huge: Awaited<ReturnType<typeof fixedServer>>;
beforeAll(async () => {
  loginPage = await fixedServer((res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(LOGIN_PAGE);
  });
  huge = await fixedServer((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ pad: 'x'.repeat(64 * 1024) }));
  });
});
afterAll(async () => {
  await loginPage?.close();
  await huge?.close();
});

describe('probe --json when the node fails (real process)', () => {
  it.each([
    ['unreachable', () => 'http://127.0.0.1:9', 'NODE_UNREACHABLE'],
    ['a login page', () => loginPage.url, 'LOGIN_PAGE'],
  ])('a node that is %s: one JSON document with the coded error on stdout, exit 1', async (_l, url, code) => {
    const h = await home();
    const add = await runBin([
      ...['cluster', 'add', 'c', '--kind', 'jazz', '--balancer', url(), '--node', url()],
      ...['--home', h.dir],
    ]);
    expect(add.code, add.stderr).toBe(0);
    const r = await runBin(['probe', 'c', '--node', 'node1', '--key', 'k1', '--json', '--home', h.dir]);
    const doc = JSON.parse(r.stdout) as { node: string; key: string; error: { code: string; node: string } };
    expect(doc.error.code).toBe(code);
    expect(doc.node).toBe('node1');
    expect(doc.key).toBe('k1');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('bad input stays exit 2 with its message on stderr', async () => {
    const h = await home();
    await runBin([
      'cluster',
      'add',
      'c',
      '--kind',
      'jazz',
      '--balancer',
      'http://127.0.0.1:9',
      '--node',
      'http://127.0.0.1:9',
      '--home',
      h.dir,
    ]);
    const r = await runBin(['probe', 'c', '--node', 'nope', '--key', 'k1', '--json', '--home', h.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NODE_NOT_FOUND/);
  });
});

async function engineFor(url: string, maxResponseBytes?: number): Promise<Engine> {
  const h = await home();
  const engine = new Engine({ home: h.dir, secrets: new MemorySecretStore() });
  await engine.addCluster({
    name: 'c',
    kind: 'sandbox',
    balancerUrl: url,
    nodes: [{ url }],
    repo: 'r',
    db: 'd',
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
    timeouts: { connectMs: 2000, totalMs: 5000 },
  });
  await engine.storeCredentials({ cluster: 'c', user: 'admin', password: 'pw' });
  return engine;
}

describe('sync and answers that cannot get better by asking again', () => {
  it('does not retry a response that was too large: one attempt, RESPONSE_TOO_LARGE', async () => {
    const engine = await engineFor(huge.url, 4096);
    const events: SyncEvent[] = [];
    try {
      const r = await engine.sync({ cluster: 'c' }, { onProgress: (e) => events.push(e) });
      expect(r.nodes[0]?.error?.code).toBe('RESPONSE_TOO_LARGE');
      expect(r.nodes[0]?.attempts).toBe(1);
      expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
      expect(events.find((e) => e.type === 'failed')).toMatchObject({ willRetry: false });
    } finally {
      await engine.close();
    }
  }, 30_000);

  it('a node answering with a login page is not called unreachable', async () => {
    const engine = await engineFor(loginPage.url);
    try {
      const r = await engine.sync({ cluster: 'c' });
      const text = r.notices.join('\n');
      expect(text).not.toMatch(/node1[^\n]*: unreachable|unreachable\./);
      expect(text).toMatch(/LOGIN_PAGE/);
    } finally {
      await engine.close();
    }
  }, 30_000);
});
