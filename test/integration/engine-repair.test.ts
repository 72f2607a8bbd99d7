/**
 * Fixing a cluster through the facade against the sandbox: approve on the node that holds the key,
 * register by hand, log in to every node (sync), and the audit log of all of it. Success is checked
 * with signed requests made by the independent `oauth-1.0a` library, not by the engine's own probe.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../shared/contract-repair.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { Client, requestToken } from '../_sandbox.ts';
import { engineFor, readTree } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

/** Asks every node directly for a request token with the independent signer; returns node → status. */
async function independentCheck(
  sandbox: SandboxHandle,
  key: string,
  secret: string,
): Promise<Record<string, { status: number; body: string }>> {
  const out: Record<string, { status: number; body: string }> = {};
  const client = Client.for(sandbox);
  try {
    for (const n of sandbox.info.nodes) {
      const r = await requestToken(client, n.url, { key, secret });
      out[n.id] = { status: r.status, body: r.body };
    }
  } finally {
    await client.close();
  }
  return out;
}

describe('repairing a cluster', () => {
  let sandbox: SandboxHandle;
  let t: TestEngine;
  beforeEach(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    t = await engineFor(sandbox, { timeouts: { connectMs: 1000, totalMs: 1500 } });
  });
  afterEach(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('walks the seed story: friendship → provisional on one node → approve there → stale elsewhere → sync → every node answers 200', async () => {
    const secret = 'seed-secret-41';
    const { key, node: holder } = await sandbox.friend('RTC', secret);
    await t.engine.trackConsumer({ cluster: 'sb', key, name: 'RTC', secret });

    const before = await t.engine.status({ cluster: 'sb' });
    expect(before.nodes.filter((n) => n.provisional?.includes(key)).map((n) => n.id)).toEqual([holder]);

    const approved = await t.engine.approve({ cluster: 'sb', key });
    expect(approved).toEqual(
      expect.objectContaining({ key, node: holder, verified: true, handoff: null, alreadyApproved: false }),
    );
    const others = sandbox.info.nodes.map((n) => n.id).filter((id) => id !== holder);
    expect(approved.missingOn).toEqual(others);

    let check = await independentCheck(sandbox, key, secret);
    expect(check[holder]!.status).toBe(200);
    for (const id of others) {
      expect(check[id]!.status).toBe(401);
      expect(check[id]!.body).toContain('invalid_expired_token');
    }

    const events: SyncEvent[] = [];
    const result = await t.engine.sync({ cluster: 'sb' }, { onProgress: (e) => events.push(e) });
    expect(result.nodes.map((n) => [n.id, n.refreshed, n.attempts])).toEqual(
      sandbox.info.nodes.map((n) => [n.id, true, 1]),
    );
    expect(result.verified).toEqual({ consistent: true, drift: [] });
    expect(
      events
        .filter((e) => e.type === 'refreshed')
        .map((e) => (e as { node: string }).node)
        .sort(),
    ).toEqual(['node1', 'node2', 'node3']);
    expect(events.at(-1)).toEqual({ type: 'verifying' });

    check = await independentCheck(sandbox, key, secret);
    for (const n of sandbox.info.nodes) expect(check[n.id]!.status, n.id).toBe(200);

    // Running it twice is harmless.
    const again = await t.engine.sync({ cluster: 'sb' });
    expect(again.verified.consistent).toBe(true);
    expect(again.nodes.every((n) => n.refreshed)).toBe(true);
  });

  it('approves on the node given with --node, and refuses with a clear error on a node that does not hold the key', async () => {
    const { key, node: holder } = await sandbox.friend('Pinned', 'pinned-secret');
    const wrong = sandbox.info.nodes.find((n) => n.id !== holder)!.id;
    await expect(t.engine.approve({ cluster: 'sb', key, node: wrong })).rejects.toMatchObject({
      code: 'PROVISIONAL_KEY_NOT_FOUND',
      node: wrong,
    });
    const ok = await t.engine.approve({ cluster: 'sb', key, node: holder });
    expect(ok.node).toBe(holder);
    expect(sandbox.state().repository.consumers.map((c) => c.key)).toContain(key);
  });

  it('answers PROVISIONAL_KEY_NOT_FOUND after the holding node restarted; registering with key and secret then works and sync spreads it', async () => {
    const secret = 'lost-secret-77';
    const { key, node } = await sandbox.friend('Lost', secret);
    await sandbox.restartNode(node);
    const err = await t.engine.approve({ cluster: 'sb', key }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROVISIONAL_KEY_NOT_FOUND' });
    expect((err as Error).message).toMatch(/Register the consumer by hand with its key and secret/);
    expect(err).toMatchObject({ fix: { action: 'register', cluster: 'sb', key } });

    const reg = await t.engine.register({ cluster: 'sb', name: 'Lost', key, secret });
    expect(reg).toEqual(expect.objectContaining({ key, approved: true, verified: true, handoff: null }));
    expect(reg.missingOn.length).toBe(2);
    expect((await t.engine.getCluster({ cluster: 'sb' })).consumers).toEqual([
      expect.objectContaining({ key, hasSecret: true }),
    ]);

    const synced = await t.engine.sync({ cluster: 'sb' });
    expect(synced.verified.consistent).toBe(true);
    const check = await independentCheck(sandbox, key, secret);
    for (const n of sandbox.info.nodes) expect(check[n.id]!.status, n.id).toBe(200);

    // The key is now taken: registering it again is refused.
    await expect(t.engine.register({ cluster: 'sb', name: 'Again', key, secret })).rejects.toMatchObject({
      code: 'KEY_NOT_UNIQUE',
    });
  });

  it('reports a node killed in the middle of sync as failed after its retries while the others refresh, and changes nothing else', async () => {
    const secret = 'kill-secret';
    const { key, node } = await sandbox.friend('Kill', secret);
    await t.engine.approve({ cluster: 'sb', key });
    const victim = sandbox.info.nodes.find((n) => n.id !== node)!.id;
    const repoBefore = JSON.stringify(sandbox.state().repository);
    sandbox.setLatency(victim, 400);
    const events: SyncEvent[] = [];
    const syncing = t.engine.sync({ cluster: 'sb' }, { onProgress: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 150));
    await sandbox.killNode(victim);
    const result = await syncing;
    const dead = result.nodes.find((n) => n.id === victim)!;
    expect(dead).toEqual(expect.objectContaining({ refreshed: false, attempts: 3 }));
    expect(['NODE_UNREACHABLE', 'NODE_TIMEOUT']).toContain(dead.error!.code);
    expect(dead.error!.node).toBe(victim);
    expect(result.nodes.filter((n) => n.id !== victim).every((n) => n.refreshed)).toBe(true);
    expect(result.verified.consistent).toBe(false);
    expect(events.filter((e) => e.type === 'failed' && e.node === victim)).toHaveLength(3);
    expect(JSON.stringify(sandbox.state().repository)).toBe(repoBefore);
  });

  it('finishes sync for the other nodes in their own time and reports a node with 20 s latency as timed out', async () => {
    sandbox.setLatency('node2', 20_000);
    const started = Date.now();
    const refreshedAt: Record<string, number> = {};
    const result = await t.engine.sync(
      { cluster: 'sb' },
      {
        onProgress: (e) => {
          if (e.type === 'refreshed') refreshedAt[e.node] = Date.now() - started;
        },
      },
    );
    // Well before the slow node could answer (20 s), with room for a loaded CI machine.
    expect(refreshedAt.node1).toBeLessThan(5000);
    expect(refreshedAt.node3).toBeLessThan(5000);
    const slow = result.nodes.find((n) => n.id === 'node2')!;
    expect(slow.refreshed).toBe(false);
    expect(slow.error).toEqual(expect.objectContaining({ code: 'NODE_TIMEOUT', node: 'node2' }));
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('leaves exactly one audit line per action, none with a secret in it, and tolerates a torn last line', async () => {
    const secret = 'audit-canary-secret-55';
    const { key } = await sandbox.friend('Audit', secret);
    await t.engine.trackConsumer({ cluster: 'sb', key, secret });
    await t.engine.approve({ cluster: 'sb', key });
    await t.engine.sync({ cluster: 'sb' });
    await t.engine.register({ cluster: 'sb', name: 'Second', secret: 'second-secret-66' });
    await t.engine.trustCertificate({ cluster: 'sb', fingerprint256: 'AB'.repeat(32) });
    await t.engine.forgetCredentials({ cluster: 'sb' });
    const { entries, skipped } = await t.engine.audit({ cluster: 'sb' });
    expect(skipped).toBe(0);
    expect(entries.map((e) => e.action)).toEqual([
      'credentials-stored',
      'approve',
      'sync',
      'register',
      'trust-certificate',
      'credentials-forgotten',
    ]);
    expect(entries.every((e) => e.user && e.time && e.cluster === 'sb')).toBe(true);
    const file = await readFile(t.engine.auditLog.file, 'utf8');
    for (const s of [secret, 'second-secret-66', sandbox.info.admin.password]) expect(file).not.toContain(s);
    expect(await readTree(t.home)).not.toContain(secret);

    // A crash mid-write leaves half a line: reading still works and says so.
    const { appendFile } = await import('node:fs/promises');
    await appendFile(t.engine.auditLog.file, '{"time":"2026-11-22T00:00:00Z","user":"x","clu');
    const torn = await t.engine.audit({ cluster: 'sb' });
    expect(torn.entries).toHaveLength(6);
    expect(torn.skipped).toBe(1);
  });

  it('does not call the cluster consistent when a node could not be verified because its clock is off', async () => {
    const secret = 'skew-secret';
    const { key } = await sandbox.friend('Skew', secret);
    await t.engine.trackConsumer({ cluster: 'sb', key, secret });
    await t.engine.approve({ cluster: 'sb', key });
    sandbox.setClockOffset('node3', 900);
    const r = await t.engine.sync({ cluster: 'sb' });
    expect(r.nodes.every((n) => n.refreshed)).toBe(true);
    expect(r.verified).toEqual({ consistent: false, drift: [] });
    expect(r.notices.join('\n')).toMatch(new RegExp(`Could not verify ${key} on node3 \\(clock-skew`));
  });

  it('refuses to approve or sync without a stored admin login, with the fix (log in) as data', async () => {
    await t.engine.forgetCredentials({ cluster: 'sb' });
    const { key } = await sandbox.friend('NoAdmin', 'x-secret');
    await expect(t.engine.approve({ cluster: 'sb', key })).rejects.toMatchObject({
      code: 'CREDENTIALS_MISSING',
      fix: { action: 'login', cluster: 'sb' },
    });
    await expect(t.engine.sync({ cluster: 'sb' })).rejects.toMatchObject({ code: 'CREDENTIALS_MISSING' });
  });
});
