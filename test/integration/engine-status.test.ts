/**
 * The engine's status against the sandbox over real sockets: every node's reported state must match
 * the control server's ground truth (`/state`) in every seed situation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../shared/model.ts';
import type { SandboxHandle, SandboxState } from '../../electron/sandbox/index.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import { approveOn, refreshNode, withSandbox } from '../_sandbox.ts';
import { engineFor, readTree } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

/** Asserts that what the engine says of each node is what the sandbox knows to be true. */
function expectMatchesGroundTruth(status: ClusterStatus, truth: SandboxState, trackedKeys: string[]) {
  for (const node of truth.nodes) {
    const seen = status.nodes.find((n) => n.id === node.id)!;
    expect(seen.up, `${node.id} up`).toBe(node.up);
    if (!node.up) {
      expect(seen.consumers.every((c) => c.state === 'down')).toBe(true);
      continue;
    }
    expect([...(seen.provisional ?? [])].sort(), `${node.id} provisional`).toEqual([...node.provisional].sort());
    expect([...(seen.approved ?? [])].sort(), `${node.id} approved`).toEqual([...node.registry].sort());
    for (const key of trackedKeys) {
      const expected = node.registry.includes(key)
        ? 'approved'
        : node.provisional.includes(key)
          ? 'provisional'
          : 'unknown';
      expect(seen.consumers.find((c) => c.key === key)?.state, `${key} on ${node.id}`).toBe(expected);
    }
  }
}

describe('status against the sandbox', () => {
  let sandbox: SandboxHandle;
  let t: TestEngine;
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    t = await engineFor(sandbox);
  });
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('matches the ground truth through the whole seed story: friendship, approval, refresh, restart', async () => {
    const secret = 'canary-consumer-secret-7f3a';
    const { key, node: holder } = await sandbox.friend('RTC', secret);
    await t.engine.trackConsumer({ cluster: 'sb', key, name: 'RTC', secret });

    // 1. The provisional key lives on exactly one node.
    let s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), [key]);
    expect(s.nodes.filter((n) => n.provisional?.includes(key)).map((n) => n.id)).toEqual([holder]);
    expect(s.drift).toEqual([]);

    // 2. Approved on its node: the others are stale and the drift names them.
    expect((await approveOn(sandbox, holder, key)).status).toBe(204);
    s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), [key]);
    const others = sandbox.info.nodes.map((n) => n.id).filter((id) => id !== holder);
    expect(s.drift).toEqual([expect.objectContaining({ key, missingOn: others })]);
    expect(s.drift[0]!.message).toContain('invalid_expired_token');

    // 3. One stale node refreshed: only the last one is missing.
    expect((await refreshNode(sandbox, others[0]!)).status).toBe(200);
    s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), [key]);
    expect(s.drift[0]!.missingOn).toEqual([others[1]]);

    // 4. A new friendship, then its node restarts: the provisional key is gone everywhere.
    const lost = await sandbox.friend('Lost', 'lost-secret');
    await t.engine.trackConsumer({ cluster: 'sb', key: lost.key, secret: 'lost-secret' });
    s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), [key, lost.key]);
    await sandbox.restartNode(lost.node);
    s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), [key, lost.key]);
    expect(s.nodes.every((n) => n.consumers.find((c) => c.key === lost.key)?.state === 'unknown')).toBe(true);

    // 5. A wrong secret is told apart from an unknown key.
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'not-the-secret' });
    s = await t.engine.status({ cluster: 'sb' });
    expect(s.nodes.find((n) => n.id === holder)!.consumers.find((c) => c.key === key)!.state).toBe('bad-secret');
    await t.engine.trackConsumer({ cluster: 'sb', key, secret });
  });

  it('reports a node clock shifted by 900 s as skew on that node and its probes as clock-skew', async () => {
    const { key, node } = await sandbox.friend('Clock', 'clock-secret');
    await approveOn(sandbox, node, key);
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'clock-secret' });
    sandbox.setClockOffset('node2', 900);
    try {
      const s = await t.engine.status({ cluster: 'sb' });
      const n2 = s.nodes.find((n) => n.id === 'node2')!;
      expect(Math.abs(n2.clockSkewSeconds! - 900)).toBeLessThanOrEqual(2);
      expect(n2.consumers.find((c) => c.key === key)!.state).toBe('clock-skew');
      expect(Math.abs(s.nodes.find((n) => n.id === 'node1')!.clockSkewSeconds!)).toBeLessThanOrEqual(1);
    } finally {
      sandbox.setClockOffset('node2', 0);
    }
  });

  it('reports a killed node as down and still reports the others, then sees it back after a restart', async () => {
    await sandbox.killNode('node3');
    let s = await t.engine.status({ cluster: 'sb' });
    expectMatchesGroundTruth(s, sandbox.state(), []);
    const n3 = s.nodes.find((n) => n.id === 'node3')!;
    expect(n3.up).toBe(false);
    expect(n3.error).toEqual(expect.objectContaining({ code: 'NODE_UNREACHABLE', node: 'node3' }));
    expect(s.nodes.filter((n) => n.up).map((n) => n.id)).toEqual(['node1', 'node2']);
    await sandbox.restartNode('node3');
    s = await t.engine.status({ cluster: 'sb' });
    expect(s.nodes.every((n) => n.up)).toBe(true);
  });

  it('does not let a node with 3 s latency delay the others beyond their own time', async () => {
    sandbox.setLatency('node1', 3000);
    try {
      const started = Date.now();
      const doneAt: Record<string, number> = {};
      const s = await t.engine.status(
        { cluster: 'sb' },
        { onProgress: (e) => (doneAt[e.node.id] = Date.now() - started) },
      );
      expect(s.nodes.every((n) => n.up)).toBe(true);
      expect(doneAt.node1).toBeGreaterThanOrEqual(3000);
      expect(doneAt.node2).toBeLessThan(1500);
      expect(doneAt.node3).toBeLessThan(1500);
    } finally {
      sandbox.setLatency('node1', 0);
    }
  });

  it('never lets a secret reach the config dir or anything the facade returns', async () => {
    const canary = 'canary-SECRET-9d81e';
    const { key } = await sandbox.friend('Canary', canary);
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: canary });
    const results = JSON.stringify([
      await t.engine.status({ cluster: 'sb' }),
      await t.engine.probeNode({ cluster: 'sb', node: 'node1', key }),
      await t.engine.getCluster({ cluster: 'sb' }),
      await t.engine.exportCluster({ cluster: 'sb' }),
      await t.engine.listClusters(),
    ]);
    expect(results).not.toContain(canary);
    expect(results).not.toContain(sandbox.info.admin.password);
    const onDisk = await readTree(t.home);
    expect(onDisk).not.toContain(canary);
    expect(onDisk).not.toContain(sandbox.info.admin.password);
  });
});

describe('status over TLS', () => {
  it('works with the sandbox CA, fails without it naming the fingerprint, and works once that certificate is trusted', async () => {
    await withSandbox({ nodes: 2, tls: true }, async (sandbox) => {
      const trusted = await engineFor(sandbox, { name: 'tls-ok' });
      const untrusted = await engineFor(sandbox, { name: 'tls-no-ca', trustCa: false });
      try {
        const ok = await trusted.engine.status({ cluster: 'tls-ok' });
        expect(ok.nodes.every((n) => n.up && n.tls?.authorized)).toBe(true);
        expect(ok.nodes[0]!.tls!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

        const bad = await untrusted.engine.status({ cluster: 'tls-no-ca' });
        for (const n of bad.nodes) {
          expect(n.up).toBe(false);
          expect(n.error).toEqual(expect.objectContaining({ code: 'TLS_UNTRUSTED', node: n.id }));
          expect(n.error!.details!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
          expect(n.tls).toEqual(
            expect.objectContaining({ fingerprint256: n.error!.details!.fingerprint256, authorized: false }),
          );
        }
        // "Trust this certificate": pin each presented fingerprint, then the nodes are reachable.
        for (const n of bad.nodes)
          await untrusted.engine.trustCertificate({
            cluster: 'tls-no-ca',
            fingerprint256: String(n.error!.details!.fingerprint256),
            node: n.id,
          });
        const pinned = await untrusted.engine.status({ cluster: 'tls-no-ca' });
        expect(pinned.nodes.every((n) => n.up && n.tls && !n.tls.authorized)).toBe(true);
      } finally {
        await trusted.close();
        await untrusted.close();
      }
    });
  });

  it('trusts the balancer\'s certificate by the name "balancer" (as the console and diagnose name it), audited without a node', async () => {
    await withSandbox({ nodes: 2, tls: true }, async (sandbox) => {
      const untrusted = await engineFor(sandbox, { name: 'tls-lb', trustCa: false });
      try {
        const before = await untrusted.engine.status({ cluster: 'tls-lb' });
        expect(before.balancer?.up).toBe(false);
        expect(before.balancer?.error?.code).toBe('TLS_UNTRUSTED');
        const fingerprint256 = String(before.balancer!.error!.details!.fingerprint256);
        expect(fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        const done = await untrusted.engine.trustCertificate({ cluster: 'tls-lb', fingerprint256, node: 'balancer' });
        expect(done.pinned).toContain(fingerprint256);
        const after = await untrusted.engine.status({ cluster: 'tls-lb' });
        expect(after.balancer?.up, JSON.stringify(after.balancer?.error)).toBe(true);
        const audit = await untrusted.engine.audit({ cluster: 'tls-lb' });
        expect(audit.entries.at(-1)).toMatchObject({
          action: 'trust-certificate',
          node: null,
          detail: expect.stringContaining("the balancer's certificate"),
        });
        // A name that is neither a node nor the balancer is still refused.
        await expect(
          untrusted.engine.trustCertificate({ cluster: 'tls-lb', fingerprint256, node: 'node9' }),
        ).rejects.toMatchObject({ code: 'NODE_NOT_FOUND' });
      } finally {
        await untrusted.close();
      }
    });
  });

  it('a login checked against nodes whose certificate is not trusted says TLS_UNTRUSTED with the fingerprint, not NODE_UNREACHABLE', async () => {
    await withSandbox({ nodes: 2, tls: true }, async (sandbox) => {
      const untrusted = await engineFor(sandbox, { name: 'tls-login', trustCa: false, admin: false });
      const trusted = await engineFor(sandbox, { name: 'tls-login-ok', admin: false });
      try {
        const refused = await untrusted.engine
          .storeCredentials({
            cluster: 'tls-login',
            user: 'admin',
            password: sandbox.info.admin.password,
            verify: true,
          })
          .then(
            () => null,
            (e: unknown) => e as { code: string; message: string; details?: Record<string, unknown> },
          );
        expect(refused?.code).toBe('TLS_UNTRUSTED');
        expect(refused?.message).toMatch(/not a node down/);
        expect(refused?.message).not.toMatch(/unreachable|--no-verify/);
        expect(String(refused?.details?.fingerprint256)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        expect((await untrusted.engine.getCluster({ cluster: 'tls-login' })).adminUser).toBeNull();
        // With the CA the same login is checked and stored.
        const ok = await trusted.engine.storeCredentials({
          cluster: 'tls-login-ok',
          user: 'admin',
          password: sandbox.info.admin.password,
          verify: true,
        });
        expect(ok.verifiedOn).toBeTruthy();
      } finally {
        await trusted.close();
        await untrusted.close();
      }
    });
  });
});
