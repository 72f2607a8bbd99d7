/**
 * The console's "Watch this cluster" switch through the engine (the same calls both doors make),
 * against a real sandbox: the feed streams each check and change, the door's notifier hears what
 * matters, heal runs a sync once and audits it, switching off stops the checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchChangeView, WatchEvent } from '../../shared/contract-watch.ts';
import { engineFor, type TestEngine } from '../_engine.ts';
import { useSandbox } from '../_sandbox.ts';

const sandbox = useSandbox({ nodes: 3 });

async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('console watch', () => {
  let te: TestEngine | null = null;
  afterEach(async () => {
    await te?.close();
    te = null;
  });

  it('streams checks and changes naming the node, notifies, heals once, and stops when switched off', async () => {
    const sb = sandbox();
    te = await engineFor(sb, { watch: { intervalMs: 1_000, jitter: 0 } });
    const { engine } = te;
    const notified: WatchChangeView[] = [];
    engine.consoleWatch.notify = (c) => notified.push(c);
    const events: WatchEvent[] = [];
    const listening = new AbortController();
    const feed = engine.watchFeed({ cluster: 'sb' }, { signal: listening.signal, onProgress: (e) => events.push(e) });
    const changes = () => events.flatMap((e) => (e.type === 'change' ? [e.change] : []));
    const checks = () => events.filter((e) => e.type === 'check').length;

    await until('the first state', () => events[0]);
    expect(events[0]).toMatchObject({ type: 'state', view: { cluster: 'sb', on: false } });
    expect((await engine.watchState({ cluster: 'sb' })).on).toBe(false);

    const friend = await sb.friend('RTC', 'watch-secret-1');
    await engine.trackConsumer({ cluster: 'sb', key: friend.key, secret: 'watch-secret-1' });
    const on = await engine.setWatch({ cluster: 'sb', on: true, heal: false });
    expect(on).toMatchObject({ on: true, heal: false, intervalSeconds: 1 });

    await until('a check', () => checks() > 0).catch(() => {
      throw new Error(JSON.stringify(events));
    });
    const appeared = await until('the provisional key', () => changes().find((c) => c.type === 'provisional-key'));
    expect(appeared.node).toBe(friend.node);
    expect(appeared.text).toContain(friend.key);
    expect(appeared.text).toContain(friend.node);
    expect(notified.map((n) => n.type)).toContain('provisional-key');
    const check = events.find((e) => e.type === 'check');
    expect(check?.type === 'check' && check.status?.nodes.map((n) => n.id)).toEqual(['node1', 'node2', 'node3']);

    // A killed node is down at the next check, and up again after its restart.
    const victim = friend.node === 'node3' ? 'node2' : 'node3';
    await sb.killNode(victim);
    const down = await until('node down', () => changes().find((c) => c.type === 'node-down'));
    expect(down).toMatchObject({ node: victim, severity: 'critical' });
    await sb.restartNode(victim);
    await until('node up', () => changes().find((c) => c.type === 'node-up' && c.node === victim));

    // Approved on its node: the others have not loaded it — reported, not healed (heal is off).
    await engine.approve({ cluster: 'sb', key: friend.key, node: friend.node });
    const stale = await until('stale key', () => changes().filter((c) => c.type === 'key-stale'));
    expect(stale.every((c) => c.node !== friend.node && c.severity === 'critical')).toBe(true);
    expect((await engine.audit({ cluster: 'sb' })).entries.some((e) => e.action === 'heal')).toBe(false);

    // Switched on again with heal: the first check heals, the next one is consistent.
    await engine.setWatch({ cluster: 'sb', on: true, heal: true });
    const healed = await until('heal', () => changes().find((c) => c.type === 'heal'));
    expect(healed.text).toMatch(/^heal \(automatic sync\): consistent; refreshed node1, node2, node3/);
    await until('reloaded', () => changes().some((c) => c.type === 'key-reloaded') || null);
    const heals = (await engine.audit({ cluster: 'sb' })).entries.filter((e) => e.action === 'heal');
    expect(heals).toHaveLength(1);

    const view = await engine.watchState({ cluster: 'sb' });
    expect(view.checks).toBeGreaterThan(0);
    expect(view.recent.map((c) => c.type)).toContain('heal');

    await engine.setWatch({ cluster: 'sb', on: false });
    const seen = checks();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(checks()).toBe(seen);

    listening.abort();
    expect(await feed).toMatchObject({ cluster: 'sb', on: false });
  });

  it('refuses a cluster that does not exist and a switch that is not true or false', async () => {
    te = await engineFor(sandbox());
    await expect(te.engine.setWatch({ cluster: 'nope', on: true })).rejects.toMatchObject({
      code: 'CLUSTER_NOT_FOUND',
    });
    await expect(te.engine.setWatch({ cluster: 'sb', on: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(te.engine.watchState({ cluster: 'nope' })).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' });
  });
});
