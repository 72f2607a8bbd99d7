/**
 * The connections a status opens to a node with many tracked keys (issue 27): a probe is a POST,
 * which HTTP/1.1 must not pipeline, so each probe in flight holds a connection. Status keeps at most
 * PROBES_PER_NODE of them in flight per node (plus the key list), reusing each connection for the
 * next key, and still probes every tracked key. Real sockets: a sandbox node behind a TCP relay that
 * counts the connections it accepts and the most open at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { PROBES_PER_NODE } from '../../electron/core/status.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';

/** A TCP relay to `port` on 127.0.0.1 that counts the connections it accepts and the most open at once. */
async function countingRelay(port: number) {
  const seen = { accepted: 0, open: 0, mostOpen: 0, requests: [] as string[] };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    seen.accepted++;
    seen.mostOpen = Math.max(seen.mostOpen, ++seen.open);
    client.once('close', () => seen.open--);
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/^(GET|POST|DELETE|PUT) (\S+) HTTP\/1\.1$/gm))
        seen.requests.push(`${m[1]} ${new URL(m[2]!, 'http://x').pathname}`);
    });
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const TRACKED = PROBES_PER_NODE * 2 + 3;

describe('status on a node with more tracked keys than probes at once', () => {
  let sandbox: SandboxHandle;
  let home: string;
  let relay: Awaited<ReturnType<typeof countingRelay>>;
  const secrets = new MemorySecretStore();
  const engines: Engine[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 1, latencyMs: 20 });
    home = await mkdtemp(join(tmpdir(), 'oslc-status-conn-'));
    const node = sandbox.info.nodes[0]!;
    relay = await countingRelay(Number(new URL(node.url).port));
    const engine = new Engine({ home, secrets });
    engines.push(engine);
    await engine.addCluster({
      name: 'sb',
      kind: 'sandbox',
      balancerUrl: sandbox.info.balancer,
      nodes: [{ id: node.id, url: relay.url }],
      repo: sandbox.info.repo,
      db: sandbox.info.db,
    });
    await engine.storeCredentials({
      cluster: 'sb',
      user: sandbox.info.admin.user,
      password: sandbox.info.admin.password,
    });
    for (let i = 0; i < TRACKED; i++) {
      const secret = `secret-${i}`;
      const { key } = await sandbox.friend(`consumer-${i}`, secret);
      await engine.trackConsumer({ cluster: 'sb', key, name: `consumer-${i}`, secret });
      await engine.approve({ cluster: 'sb', key });
    }
    await engine.close();
  }, 60_000);
  afterAll(async () => {
    for (const e of engines) await e.close();
    await new Promise((r) => relay.server.close(r));
    await sandbox.close();
    await rm(home, { recursive: true, force: true });
  });

  it(`probes all ${TRACKED} keys over at most ${PROBES_PER_NODE} + 1 connections`, async () => {
    relay.seen.accepted = relay.seen.mostOpen = 0;
    relay.seen.requests.length = 0;
    const engine = new Engine({ home, secrets });
    engines.push(engine);
    const status = await engine.status({ cluster: 'sb' });
    const node = status.nodes[0]!;
    expect(node.up).toBe(true);
    expect(node.consumers).toHaveLength(TRACKED);
    expect(node.consumers.every((c) => c.state === 'approved')).toBe(true);
    const probes = relay.seen.requests.filter((r) => r.startsWith('POST ') && r.endsWith('/requestToken'));
    expect(probes).toHaveLength(TRACKED);
    expect(relay.seen.requests).toContain('GET /oauth/consumers');
    // The probes, then the list beside them: never one connection per tracked key.
    expect(relay.seen.accepted).toBeLessThanOrEqual(PROBES_PER_NODE + 1);
    expect(relay.seen.mostOpen).toBeLessThanOrEqual(PROBES_PER_NODE + 1);
  });
});
