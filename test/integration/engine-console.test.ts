/**
 * The console's operations on the engine, against a real embedded sandbox and the real keychain:
 * the sandbox controls, the friendship that leaves a provisional key on one node, the node-pinned
 * admin page check, and the embedded sandbox on a host with no OS keychain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { OverlaySecretStore, homeAccount } from '../../electron/core/secret-overlay.ts';
import { readHomeId } from '../../electron/core/config/home-id.ts';
import { ensureFirstRunSandbox } from '../../electron/server/first-run.ts';
import type { EmbeddedSandboxRun } from '../../electron/server/first-run.ts';
import { testKeychainService } from '../_engine.ts';
import { apiCaller, signIn, startServe } from '../_serve.ts';

let home: string;
let engine: Engine;
let keychain: OsKeychain;
let run: EmbeddedSandboxRun;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-console-'));
  keychain = new OsKeychain(testKeychainService());
  engine = new Engine({ home, secrets: new OverlaySecretStore(keychain) });
  const first = await ensureFirstRunSandbox(engine, home);
  if (!first) throw new Error('no sandbox on the first run');
  run = first;
});

afterAll(async () => {
  await run?.close();
  await engine?.close();
  // Entries are named after the home (secret-overlay.ts HomeSecretStore).
  const id = (await readHomeId(home)) ?? '';
  for (const c of (await engine.getCluster({ cluster: 'sandbox' }).catch(() => null))?.consumers ?? []) {
    await keychain.delete(homeAccount(id, `cluster/sandbox/consumer/${c.key}`)).catch(() => false);
  }
  await keychain.delete(homeAccount(id, 'cluster/sandbox/admin')).catch(() => false);
  await rm(home, { recursive: true, force: true });
});

const err = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code: string; message: string }) => e,
  );

describe('the embedded sandbox through the engine', () => {
  it('is registered as the cluster "sandbox" on the first run, marked embedded, with its login in the keychain', async () => {
    const { clusters } = await engine.listClusters();
    expect(clusters).toEqual([
      expect.objectContaining({ name: 'sandbox', kind: 'sandbox', embeddedSandbox: true, adminUser: 'admin' }),
    ]);
    expect(run.notes).toContain('admin login stored in the OS keychain');
    expect(await keychain.get(homeAccount((await readHomeId(home))!, 'cluster/sandbox/admin'))).toBe(
      run.info.admin.password,
    );
    expect(await keychain.get('cluster/sandbox/admin')).toBeNull();
  });

  it('does not start a second sandbox when other clusters are configured', async () => {
    await engine.addCluster({
      name: 'prod',
      kind: 'lyo',
      balancerUrl: 'https://lb.example',
      nodes: [{ url: 'https://n1.example' }],
    });
    expect(await ensureFirstRunSandbox(engine, home)).toBeNull();
    expect(await err(engine.sandboxState({ cluster: 'prod' }))).toMatchObject({ code: 'NOT_SUPPORTED' });
    await engine.removeCluster({ cluster: 'prod' });
  });

  it('simulates a friendship: a provisional key in the memory of the one node that answered, tracked with its secret', async () => {
    const friend = await engine.sandboxFriend({ cluster: 'sandbox', name: 'RTC', secret: 's3cret-rtc' });
    const view = await engine.sandboxState({ cluster: 'sandbox' });
    const holders = view.nodes.filter((n) => n.provisional.includes(friend.key)).map((n) => n.id);
    expect(holders).toEqual([friend.node]);
    const def = await engine.getCluster({ cluster: 'sandbox' });
    expect(def.consumers).toContainEqual({ key: friend.key, name: 'RTC', hasSecret: true });
    const status = await engine.status({ cluster: 'sandbox' });
    for (const node of status.nodes) {
      const state = node.consumers.find((c) => c.key === friend.key)?.state;
      expect(state, node.id).toBe(node.id === friend.node ? 'provisional' : 'unknown');
    }
  });

  it('kills and restarts a node, and sets latency and clock, refusing bad values with the field named', async () => {
    let view = await engine.sandboxNode({ cluster: 'sandbox', node: 'node2', action: 'kill' });
    expect(view.nodes.find((n) => n.id === 'node2')?.up).toBe(false);
    const status = await engine.status({ cluster: 'sandbox' });
    expect(status.nodes.find((n) => n.id === 'node2')).toMatchObject({ up: false });
    expect(status.nodes.filter((n) => n.up).map((n) => n.id)).toEqual(['node1', 'node3']);
    view = await engine.sandboxNode({ cluster: 'sandbox', node: 'node2', action: 'restart' });
    expect(view.nodes.find((n) => n.id === 'node2')?.up).toBe(true);
    view = await engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'latency', value: 40 });
    expect(view.nodes.find((n) => n.id === 'node3')?.latencyMs).toBe(40);
    view = await engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'clock', value: -900 });
    expect(view.nodes.find((n) => n.id === 'node3')?.clockOffsetSeconds).toBe(-900);
    await engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'clock', value: 0 });
    await engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'latency', value: 0 });

    expect(await err(engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'latency' }))).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^value: latency needs a value/),
    });
    expect(
      await err(engine.sandboxNode({ cluster: 'sandbox', node: 'node3', action: 'latency', value: -1 })),
    ).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^value:/) });
    expect(await err(engine.sandboxNode({ cluster: 'sandbox', node: 'node9', action: 'kill' }))).toMatchObject({
      code: 'NODE_NOT_FOUND',
    });
    expect(
      await err(engine.sandboxNode({ cluster: 'sandbox', node: 'node1', action: 'explode' as never })),
    ).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/action/) });
    expect(await err(engine.sandboxFriend({ cluster: 'sandbox', name: '', secret: 'x' }))).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^name:/),
    });
  });

  it('checks that an admin page is on the node itself, never the balancer or another node', async () => {
    const node1 = run.info.nodes[0]!;
    const page = await engine.openAdminPage({ cluster: 'sandbox', node: 'node1' });
    expect(page).toEqual({
      cluster: 'sandbox',
      node: 'node1',
      url: `${node1.url}/oauth/admin`,
      title: `node1 — ${node1.url}`,
      opened: 'none',
    });
    expect(
      (await engine.openAdminPage({ cluster: 'sandbox', node: 'node1', url: `${node1.url}/oauth/admin#x` })).url,
    ).toContain(node1.url);
    for (const url of [
      `${run.info.balancer}/oauth/admin`,
      `${run.info.nodes[1]!.url}/oauth/admin`,
      'javascript:alert(1)',
      'file:///etc/passwd',
    ]) {
      expect(await err(engine.openAdminPage({ cluster: 'sandbox', node: 'node1', url })), url).toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/^url:/),
      });
    }
  });
});

describe("the whole console's operations", () => {
  it('edits a cluster from the form, keeping its tracked consumers and login, naming a bad field', async () => {
    const before = await engine.getCluster({ cluster: 'sandbox' });
    const input = {
      name: 'sandbox',
      kind: 'sandbox' as const,
      balancerUrl: before.balancerUrl,
      nodes: before.nodes,
      repo: before.repo,
      db: before.db,
      timeouts: { connectMs: 2_000 },
    };
    const after = await engine.updateCluster(input);
    expect(after.timeouts.connectMs).toBe(2_000);
    expect(after.consumers).toEqual(before.consumers);
    expect(after.adminUser).toBe('admin');
    const bad = await err(engine.updateCluster({ ...input, nodes: [{ url: 'ftp://node' }] }));
    expect(bad).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/nodes\.0\.url/) });
    expect(await err(engine.updateCluster({ ...input, name: 'nope' }))).toMatchObject({ code: 'CLUSTER_NOT_FOUND' });
    await engine.updateCluster({ ...input, timeouts: before.timeouts });
  });

  it('previews the support report without writing it, and with no secret in it', async () => {
    const events: unknown[] = [];
    const preview = await engine.reportPreview(
      { cluster: 'sandbox', errorText: '401: invalid_expired_token' },
      { onProgress: (e) => events.push(e) },
    );
    expect(preview.files.map((f) => f.name)).toEqual(['report.md', 'report.json']);
    expect(preview.files[0]!.text).toMatch(/^# /);
    expect(JSON.parse(preview.files[1]!.text)).toHaveProperty('cluster.name', 'sandbox');
    expect(events[0]).toEqual({ type: 'status' });
    for (const f of preview.files) {
      expect(f.text).not.toContain(run.info.admin.password);
      expect(f.text).not.toContain('s3cret-rtc');
    }
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(home, { recursive: true })).filter((f) => String(f).endsWith('report.md'))).toEqual([]);
  });

  it('shows the settings: config directory, a working keychain, the proxy without its credentials', async () => {
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://user:pa55word@proxy.example:3128';
    try {
      const settings = await engine.settings();
      expect(settings.configDir).toBe(home);
      expect(settings.keychain).toEqual({ backend: 'the Secret Service', available: true, problem: null });
      expect(settings.proxy.https).toBe('http://proxy.example:3128');
      // Issue 24: this door follows the environment (the desktop: the OS), and trusts the OS store.
      expect(settings.proxy.source).toBe('environment');
      expect(settings.trustStore).toMatch(/trust store|CA bundle|SSL_CERT_FILE|CA list/);
      expect(JSON.stringify(settings)).not.toContain('pa55word');
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });
});

describe('the embedded sandbox where no OS keychain is', () => {
  it('holds the sandbox login in memory, says so, and the admin API still works', async () => {
    const noKeychainHome = await mkdtemp(join(tmpdir(), 'oslc-nokc-'));
    const server = await startServe(['--sandbox', '--home', noKeychainHome], {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    });
    try {
      const session = await signIn(server);
      const call = apiCaller(server, session);
      const status = await call('status', { cluster: 'sandbox' });
      expect(status.result?.notices).toContainEqual(expect.stringMatching(/held in memory/));
      // The cluster list says where the login is, so the header does not claim the OS keychain.
      const list = await call('listClusters', {});
      expect(list.result?.clusters).toContainEqual(expect.objectContaining({ name: 'sandbox', secretsInMemory: true }));
      const nodes = status.result?.nodes as { provisional: unknown }[];
      expect(nodes.every((n) => Array.isArray(n.provisional))).toBe(true);
      const sync = await call('sync', { cluster: 'sandbox' });
      expect(sync.result).toMatchObject({ verified: { consistent: true } });
      // A consumer outside the console makes a friendship: its key has no secret here, and no keychain
      // could hold one. Approving needs the admin login only; the missing secret limits the proof.
      const friend = await fetch(`${server.sandbox!.control}/consumer/friend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'outside', secret: 'outside-secret' }),
      });
      const made = (await friend.json()) as { key: string; node: string };
      const approved = await call('approve', { cluster: 'sandbox', key: made.key });
      expect(approved.error).toBeUndefined();
      expect(approved.result).toMatchObject({ key: made.key, node: made.node, alreadyApproved: false });
      // The node's own list proves it here; where nothing can, the result says why, not a keychain error.
      if (approved.result?.verified !== true)
        expect(String(approved.result?.unverifiedReason)).toMatch(/no secret is known/);
      expect(JSON.stringify(approved)).not.toMatch(/Secret Service|D-Bus|--secret-stdin/);
    } finally {
      await server.stop();
      await rm(noKeychainHome, { recursive: true, force: true });
    }
  });
});
