/**
 * The connections a sync opens to each node (issue 27): one before the keychain is read, which the
 * refresh takes; the second (for the session's end beside the key list, right after the refresh's
 * answer) only once the refreshes are out, so opening it never holds them up, and it is ready when
 * the answer comes. Real sockets: a sandbox node behind a TCP relay that records when it accepted
 * each connection, when the first request came on it and when the node's first answer went back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';

interface Relayed {
  acceptedAt: number;
  firstRequest?: { at: number; line: string };
  firstAnswerAt?: number;
}

/** A TCP relay to `port` on 127.0.0.1 that records each connection (bytes pass unchanged). */
async function relayTo(port: number): Promise<{ server: Server; url: string; connections: Relayed[] }> {
  const connections: Relayed[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const seen: Relayed = { acceptedAt: performance.now() };
    connections.push(seen);
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      seen.firstRequest ??= { at: performance.now(), line: d.toString('latin1').split('\r\n')[0] ?? '' };
    });
    upstream.on('data', () => {
      seen.firstAnswerAt ??= performance.now();
    });
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

describe("a sync's connections to a node", () => {
  let sandbox: SandboxHandle;
  let home: string;
  let relay: Awaited<ReturnType<typeof relayTo>>;
  const secrets = new MemorySecretStore();
  const engines: Engine[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 2, latencyMs: 100 });
    home = await mkdtemp(join(tmpdir(), 'oslc-sync-conn-'));
    const [first, second] = sandbox.info.nodes;
    relay = await relayTo(Number(new URL(first!.url).port));
    const engine = new Engine({ home, secrets });
    engines.push(engine);
    await engine.addCluster({
      name: 'sb',
      kind: 'sandbox',
      balancerUrl: sandbox.info.balancer,
      nodes: [
        { id: first!.id, url: relay.url },
        { id: second!.id, url: second!.url },
      ],
      repo: sandbox.info.repo,
      db: sandbox.info.db,
    });
    await engine.storeCredentials({
      cluster: 'sb',
      user: sandbox.info.admin.user,
      password: sandbox.info.admin.password,
    });
  });
  afterAll(async () => {
    for (const e of engines) await e.close();
    await new Promise((r) => relay.server.close(r));
    await sandbox.close();
    await rm(home, { recursive: true, force: true });
  });

  it('a first sync: two, the refresh and the admin session started beside it', async () => {
    const result = await engines[0]!.sync({ cluster: 'sb' });
    expect(result.nodes.every((n) => n.refreshed)).toBe(true);
    expect(relay.connections).toHaveLength(2);
    expect(
      relay.connections.map((c) => c.firstRequest?.line.split(' ').slice(0, 2).join(' ').replace(/\S+\//, '…/')),
    ).toEqual(expect.arrayContaining(['GET …/refreshRepoConfig', 'GET …/admin']));
    await engines[0]!.close();
  });

  it('the next process (the session kept): the second opens while the refresh is out, not before', async () => {
    relay.connections.length = 0;
    const engine = new Engine({ home, secrets });
    engines.push(engine);
    const result = await engine.sync({ cluster: 'sb' });
    expect(result.nodes.every((n) => n.refreshed)).toBe(true);
    const [refreshOn, second, ...more] = relay.connections;
    expect(more).toEqual([]);
    expect(refreshOn!.firstRequest!.line).toMatch(/^GET \S+\/refreshRepoConfig HTTP\/1\.1$/);
    expect(second!.acceptedAt).toBeGreaterThanOrEqual(refreshOn!.firstRequest!.at);
    expect(second!.acceptedAt).toBeLessThan(refreshOn!.firstAnswerAt!);
    expect(second!.firstRequest!.line).toMatch(/^(GET \S+\/consumers|DELETE \S+\/session)\b/);
  });
});
