/**
 * The Watcher over the real engine and the real sandbox (real sockets, the real keychain): what an
 * admin sees change, what the heal does and what the metrics say, one check per second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Watcher } from '../../electron/core/watch/index.ts';
import type { WatchCheck } from '../../electron/core/watch/index.ts';
import { WatchMetrics } from '../../electron/core/watch/metrics.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';
import { approveOn } from '../_sandbox.ts';
import { parsePromText, sampleValue } from './_watch-prom.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Every check of one watcher, and a way to wait for the next one that fits. */
class Checks {
  readonly all: WatchCheck[] = [];
  private waiters: { pred: (c: WatchCheck) => boolean; resolve: (c: WatchCheck) => void }[] = [];

  push = (c: WatchCheck): void => {
    this.all.push(c);
    this.waiters = this.waiters.filter((w) => (w.pred(c) ? (w.resolve(c), false) : true));
  };

  /** The next check from now on that satisfies `pred` (default: any). */
  next(pred: (c: WatchCheck) => boolean = () => true, timeoutMs = 20_000): Promise<WatchCheck> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no fitting check in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }
}

async function setup(
  opts: { heal?: boolean; nodes?: number } = {},
): Promise<{ sandbox: SandboxHandle; t: TestEngine; checks: Checks; metrics: WatchMetrics; watcher: Watcher }> {
  const sandbox = await startSandbox({ nodes: opts.nodes ?? 3 });
  cleanups.push(() => sandbox.close());
  const t = await engineFor(sandbox);
  cleanups.push(() => t.close());
  const checks = new Checks();
  const metrics = new WatchMetrics();
  const watcher = new Watcher(t.engine, {
    clusters: ['sb'],
    intervalMs: 1000,
    heal: opts.heal ?? false,
    onCheck: (c) => {
      metrics.observe(c);
      checks.push(c);
    },
  });
  cleanups.push(() => watcher.stop());
  return { sandbox, t, checks, metrics, watcher };
}

const types = (c: WatchCheck) => c.changes.map((x) => `${x.type}${'node' in x ? `:${x.node}` : ''}`);

describe('watch over the sandbox', () => {
  it('a friendship appears → one change naming the node and a metric naming it; approve → the other nodes are stale → one heal → consistent', async () => {
    const { sandbox, t, checks, metrics, watcher } = await setup({ heal: true });
    watcher.start();
    const first = await checks.next();
    expect(first.error).toBeNull();
    expect(first.changes).toEqual([]);

    const { key, node } = await sandbox.friend('RTC', 'rtc-secret');
    const seen = await checks.next((c) => c.changes.length > 0);
    expect(seen.changes).toEqual([{ cluster: 'sb', time: expect.any(String), type: 'provisional-key', node, key }]);
    const text = parsePromText(await metrics.text());
    expect(sampleValue(text, 'oslc_admin_provisional_key', { cluster: 'sb', node, key })).toBe(1);
    expect(sampleValue(text, 'oslc_admin_node_consumers', { cluster: 'sb', node, state: 'provisional' })).toBe(1);
    const others = sandbox.info.nodes.map((n) => n.id).filter((id) => id !== node);
    for (const id of others)
      expect(sampleValue(text, 'oslc_admin_node_consumers', { cluster: 'sb', node: id, state: 'provisional' })).toBe(0);

    // An admin approves it by hand on its node: the repository has it, the other registries do not.
    expect((await approveOn(sandbox, node, key)).status).toBe(204);
    const stale = await checks.next((c) => c.changes.some((x) => x.type === 'key-stale'));
    expect(
      types(stale)
        .filter((x) => x.startsWith('key-stale'))
        .sort(),
    ).toEqual(others.map((id) => `key-stale:${id}`));
    expect(types(stale)).toContain(`provisional-gone:${node}`);
    // The same check healed: one sync, the cluster consistent again.
    expect(stale.heal).toMatchObject({ outcome: 'consistent', failures: 0 });
    expect(stale.heal!.refreshed.sort()).toEqual(sandbox.info.nodes.map((n) => n.id).sort());
    expect(stale.changes.at(-1)).toMatchObject({ type: 'heal', outcome: 'consistent' });

    const after = await checks.next();
    expect(after.status!.drift).toEqual([]);
    expect(types(after).sort()).toEqual(others.map((id) => `key-reloaded:${id}`).sort());
    expect(after.heal).toBeNull();
    const quiet = await checks.next();
    expect(quiet.changes).toEqual([]);
    await watcher.stop();

    const audit = (await t.engine.audit({ cluster: 'sb' })).entries;
    expect(audit.filter((e) => e.action === 'heal')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'sync')).toHaveLength(1);
    expect(audit.find((e) => e.action === 'heal')).toMatchObject({ outcome: 'ok', node: null });
    expect(audit.find((e) => e.action === 'heal')!.detail).toMatch(/^heal \(automatic sync\) for drift: /);
    const m = parsePromText(await metrics.text());
    expect(sampleValue(m, 'oslc_admin_heals_total', { cluster: 'sb', outcome: 'consistent' })).toBe(1);
    for (const id of others) {
      expect(sampleValue(m, 'oslc_admin_node_consumers', { cluster: 'sb', node: id, state: 'approved' })).toBe(1);
      expect(sampleValue(m, 'oslc_admin_node_consumers', { cluster: 'sb', node: id, state: 'missing' })).toBe(0);
      expect(sampleValue(m, 'oslc_admin_node_last_refresh_timestamp_seconds', { cluster: 'sb', node: id })).toBeCloseTo(
        Date.now() / 1000,
        -2,
      );
    }
    expect(sampleValue(m, 'oslc_admin_provisional_key', { cluster: 'sb', node, key })).toBeUndefined();
  });

  it('without --heal, stale nodes are reported and nothing syncs', async () => {
    const { sandbox, t, checks, watcher } = await setup();
    watcher.start();
    await checks.next();
    const { key, node } = await sandbox.friend('RTC', 'rtc-secret');
    expect((await approveOn(sandbox, node, key)).status).toBe(204);
    const stale = await checks.next((c) => c.changes.some((x) => x.type === 'key-stale'));
    expect(stale.heal).toBeNull();
    await checks.next();
    await watcher.stop();
    expect((await t.engine.audit({ cluster: 'sb' })).entries.filter((e) => e.action === 'sync')).toEqual([]);
  });

  it('a killed node → down; restarted → up; the metric follows', async () => {
    const { sandbox, checks, metrics, watcher } = await setup();
    watcher.start();
    await checks.next();
    await sandbox.killNode('node2');
    const down = await checks.next((c) => c.changes.length > 0);
    expect(down.changes).toMatchObject([{ type: 'node-down', node: 'node2' }]);
    expect((down.changes[0] as { error: { code: string } | null }).error?.code).toBeTruthy();
    expect(
      sampleValue(parsePromText(await metrics.text()), 'oslc_admin_node_up', { cluster: 'sb', node: 'node2' }),
    ).toBe(0);
    expect((await checks.next()).changes).toEqual([]);
    await sandbox.restartNode('node2');
    const up = await checks.next((c) => c.changes.length > 0);
    expect(types(up)).toEqual(['node-up:node2']);
    const m = parsePromText(await metrics.text());
    expect(sampleValue(m, 'oslc_admin_node_up', { cluster: 'sb', node: 'node2' })).toBe(1);
    expect(sampleValue(m, 'oslc_admin_node_latency_seconds', { cluster: 'sb', node: 'node2' })).toBeGreaterThanOrEqual(
      0,
    );
  });

  it('a clock shifted past the threshold is reported once, and again when it is back', async () => {
    const { sandbox, checks, watcher } = await setup({ nodes: 2 });
    watcher.start();
    await checks.next();
    sandbox.setClockOffset('node1', 120);
    const skew = await checks.next((c) => c.changes.length > 0);
    expect(skew.changes).toMatchObject([{ type: 'clock-skew', node: 'node1', thresholdSeconds: 60 }]);
    expect(Math.abs((skew.changes[0] as { skewSeconds: number }).skewSeconds - 120)).toBeLessThanOrEqual(2);
    sandbox.setClockOffset('node1', 0);
    const ok = await checks.next((c) => c.changes.length > 0);
    expect(types(ok)).toEqual(['clock-ok:node1']);
  });

  it('a TLS node whose certificate nears the threshold is reported once, and its expiry is a metric', async () => {
    const sandbox = await startSandbox({ nodes: 2, tls: true });
    cleanups.push(() => sandbox.close());
    const t = await engineFor(sandbox);
    cleanups.push(() => t.close());
    const checks = new Checks();
    const metrics = new WatchMetrics();
    // Any real certificate expires within 100 years: every node is "near expiry" by this threshold.
    const watcher = new Watcher(t.engine, {
      clusters: ['sb'],
      intervalMs: 1000,
      thresholds: { certificateWarnDays: 36_500 },
      onCheck: (c) => {
        metrics.observe(c);
        checks.push(c);
      },
    });
    cleanups.push(() => watcher.stop());
    watcher.start();
    const first = await checks.next();
    expect(first.changes.map((c) => c.type)).toEqual(['certificate-expiring', 'certificate-expiring']);
    const tls = first.status!.nodes[0]!.tls!;
    expect(first.changes[0]).toMatchObject({ node: 'node1', fingerprint256: tls.fingerprint256, validTo: tls.validTo });
    expect((await checks.next()).changes).toEqual([]);
    const m = parsePromText(await metrics.text());
    expect(
      sampleValue(m, 'oslc_admin_node_certificate_expiry_timestamp_seconds', { cluster: 'sb', node: 'node1' }),
    ).toBe(Date.parse(tls.validTo) / 1000);
  });

  it('a heal that keeps failing (the refresh is refused: wrong admin password) backs off 1, 3… checks', async () => {
    const sandbox = await startSandbox({ nodes: 3 });
    cleanups.push(() => sandbox.close());
    // A consumer approved on one node only: the other two are stale, and its probes show it.
    const { key, node } = await sandbox.friend('RTC', 'rtc-secret');
    expect((await approveOn(sandbox, node, key)).status).toBe(204);
    const t = await engineFor(sandbox, { admin: false });
    cleanups.push(() => t.close());
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'rtc-secret' });
    await t.engine.storeCredentials({ cluster: 'sb', user: sandbox.info.admin.user, password: 'not-the-password' });
    const checks = new Checks();
    const watcher = new Watcher(t.engine, { clusters: ['sb'], intervalMs: 1000, heal: true, onCheck: checks.push });
    cleanups.push(() => watcher.stop());
    watcher.start();
    for (let i = 0; i < 7; i++) await checks.next();
    await watcher.stop();
    const seven = checks.all.slice(0, 7);
    expect(seven.every((c) => c.status!.drift.length === 1)).toBe(true);
    expect(seven.map((c) => (c.heal ? 'H' : c.healDeferred ? '.' : '?')).join('')).toBe('H.H...H');
    expect(seven[0]!.heal).toMatchObject({ outcome: 'failed', failures: 1 });
    expect(seven[0]!.heal!.detail).toContain('AUTH_FAILED');
    expect(seven[6]!.heal).toMatchObject({ outcome: 'failed', failures: 3 });
    const heals = (await t.engine.audit({ cluster: 'sb' })).entries.filter((e) => e.action === 'heal');
    expect(heals).toHaveLength(3);
    expect(heals.every((e) => e.outcome === 'failed')).toBe(true);
    // Never approved by the watch: the key is still missing on the other nodes, nothing else changed.
    expect(sandbox.state().repository.consumers.map((c) => c.key)).toEqual([key]);
  });
});
