/**
 * The connections a status opens to a node with many tracked keys (issue 27): a probe is a POST,
 * which HTTP/1.1 must not pipeline, so each probe in flight holds a connection. An engine that keeps
 * its connections (the console's) probes every key of a node in one round trip; one whose process
 * ends after the command (the CLI's) keeps at most ONE_SHOT_PROBES_PER_NODE in flight per node (plus
 * the key list), reusing each connection for the next key. Every tracked key is probed either way.
 * Real sockets: a sandbox node behind a TCP relay that counts the connections it accepts and the
 * most open at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { DEFAULT_PROBES_PER_NODE, ONE_SHOT_PROBES_PER_NODE } from '../../electron/core/status.ts';
import { CommandContext } from '../../electron/cli/context.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';

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

const TRACKED = ONE_SHOT_PROBES_PER_NODE * 2 + 3;
const CAP = ONE_SHOT_PROBES_PER_NODE;

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

  /** After the engine before has closed its connections: counts start from none open. */
  const reset = async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    for (let i = 0; relay.seen.open > 0 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
    expect(relay.seen.open).toBe(0);
    relay.seen.accepted = relay.seen.mostOpen = 0;
    relay.seen.requests.length = 0;
  };
  const probesSeen = () => relay.seen.requests.filter((r) => r.startsWith('POST ') && r.endsWith('/requestToken'));

  it(`an engine that keeps its connections probes all ${TRACKED} keys of a node in one round trip`, async () => {
    await reset();
    const engine = new Engine({ home, secrets });
    engines.push(engine);
    const node = (await engine.status({ cluster: 'sb' })).nodes[0]!;
    expect(node.consumers.map((c) => c.state)).toEqual(Array(TRACKED).fill('approved'));
    expect(probesSeen()).toHaveLength(TRACKED);
    expect(relay.seen.mostOpen).toBeGreaterThanOrEqual(TRACKED);
  });

  it(`a one-shot engine probes all ${TRACKED} keys over at most ${CAP} + 1 connections`, async () => {
    await reset();
    const engine = new Engine({ home, secrets, probesPerNode: ONE_SHOT_PROBES_PER_NODE });
    engines.push(engine);
    const node = (await engine.status({ cluster: 'sb' })).nodes[0]!;
    expect(node.up).toBe(true);
    expect(node.consumers.map((c) => c.state)).toEqual(Array(TRACKED).fill('approved'));
    expect(probesSeen()).toHaveLength(TRACKED);
    expect(relay.seen.requests).toContain('GET /oauth/consumers');
    // The probes, then the list beside them: never one connection per tracked key.
    expect(relay.seen.accepted).toBeLessThanOrEqual(CAP + 1);
    expect(relay.seen.mostOpen).toBeLessThanOrEqual(CAP + 1);
  });

  it("the CLI's status is one-shot; a long-running command's engine is not", async () => {
    await reset();
    const login = ['--user', sandbox.info.admin.user, '--password-stdin'];
    const stdin = `${sandbox.info.admin.password}\n`;
    const status = await runMain(['status', 'sb', '--home', home, '--json', ...login], { stdin });
    expect(status.stderr).toBe('');
    const doc = JSON.parse(status.stdout) as { nodes: { consumers: unknown[] }[] };
    expect(doc.nodes[0]!.consumers).toHaveLength(TRACKED);
    expect(probesSeen()).toHaveLength(TRACKED);
    expect(relay.seen.accepted).toBeLessThanOrEqual(CAP + 1);
    // What main() gives watch, serve and sandbox (LONG_RUNNING): the default, every key at once.
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: {} };
    for (const [oneShot, probes] of [
      [true, ONE_SHOT_PROBES_PER_NODE],
      [false, DEFAULT_PROBES_PER_NODE],
    ] as const) {
      const ctx = new CommandContext(io, home, oneShot);
      expect(ctx.engine.probesPerNode).toBe(probes);
      await ctx.close();
    }
  });
});
