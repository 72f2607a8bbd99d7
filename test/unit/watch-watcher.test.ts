// The Watcher's loop over a stand-in engine (one module under test: timers, heal gating, stop).
// The real engine against the sandbox is test/integration/watch-*.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Watcher } from '../../electron/core/watch/index.ts';
import type { WatchCheck, WatchEngine } from '../../electron/core/watch/index.ts';
import type { WatchChange } from '../../electron/core/watch/changes.ts';
import type { ClusterDefinition, ClusterStatus } from '../../shared/model.ts';

function def(name: string): ClusterDefinition {
  return {
    name,
    kind: 'sandbox',
    balancerUrl: 'http://127.0.0.1:1',
    nodes: [],
    repo: 'r',
    db: 'd',
    caPem: null,
    pinnedFingerprints: [],
    timeouts: { connectMs: 1000, totalMs: 1000 },
    maxResponseBytes: 1000,
    adminUser: 'admin',
    consumers: [],
  };
}

function st(cluster: string, drifted: boolean): ClusterStatus {
  return {
    cluster,
    kind: 'sandbox',
    checkedAt: new Date().toISOString(),
    nodes: ['n1', 'n2'].map((id) => ({
      id,
      url: '',
      up: true,
      latencyMs: 1,
      clockSkewSeconds: 0,
      tls: null,
      consumers: [],
      provisional: [],
      approved: ['K'],
      error: null,
    })),
    drift: drifted ? [{ key: 'K', missingOn: ['n2'], message: '' }] : [],
    notices: [],
  };
}

class FakeEngine implements WatchEngine {
  drifted = new Map<string, boolean>();
  syncFixes = false;
  /** A node the sync cannot refresh (down), not one of the stale ones. */
  syncDown: string | null = null;
  syncs: string[] = [];
  statusCalls = 0;
  hang = false;
  audit: { action: string; cluster: string; outcome: string; detail?: string }[] = [];
  readonly auditLog = {
    append: async (e: { action: string; cluster: string; outcome: string; detail?: string }) => {
      this.audit.push(e);
      return { ...e, time: '', user: '', node: null, key: null } as never;
    },
  };
  async getCluster({ cluster }: { cluster: string }) {
    return def(cluster);
  }
  async adminCredentials() {
    return { user: 'admin' };
  }
  status({ cluster }: { cluster: string }): Promise<ClusterStatus> {
    this.statusCalls++;
    if (this.hang) return new Promise(() => undefined);
    if (cluster === 'gone') return Promise.reject(new Error('no such cluster'));
    return Promise.resolve(st(cluster, this.drifted.get(cluster) ?? false));
  }
  async sync({ cluster }: { cluster: string }) {
    this.syncs.push(cluster);
    if (this.syncFixes) this.drifted.set(cluster, false);
    const consistent = !(this.drifted.get(cluster) ?? false);
    return {
      cluster,
      nodes: [
        { id: 'n1', refreshed: true, attempts: 1, error: null },
        { id: 'n2', refreshed: true, attempts: 1, error: null },
        ...(this.syncDown
          ? [
              {
                id: this.syncDown,
                refreshed: false,
                attempts: 3,
                error: { code: 'NODE_UNREACHABLE' as const, message: 'refused' },
              },
            ]
          : []),
      ],
      verified: { consistent, drift: consistent ? [] : st(cluster, true).drift },
      notices: [],
    };
  }
}

describe('Watcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const collect = (engine: FakeEngine, opts: Partial<ConstructorParameters<typeof Watcher>[1]> = {}) => {
    const changes: WatchChange[] = [];
    const checks: WatchCheck[] = [];
    const w = new Watcher(engine, {
      clusters: ['a'],
      intervalMs: 1000,
      jitter: 0,
      random: () => 0,
      onChange: (c) => changes.push(c),
      onCheck: (c) => checks.push(c),
      ...opts,
    });
    return { w, changes, checks };
  };

  it('checks every cluster on its own timer, and stop leaves no timer behind', async () => {
    const e = new FakeEngine();
    const { w, checks } = collect(e, { clusters: ['a', 'b', 'c'] });
    w.start();
    await vi.advanceTimersByTimeAsync(2500);
    expect(checks.filter((c) => c.cluster === 'a')).toHaveLength(3);
    expect(new Set(checks.map((c) => c.cluster))).toEqual(new Set(['a', 'b', 'c']));
    await w.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(checks).toHaveLength(9);
  });

  it('stop abandons a check in flight: it resolves at once and nothing is emitted after', async () => {
    const e = new FakeEngine();
    e.hang = true;
    const { w, checks } = collect(e);
    w.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(e.statusCalls).toBe(1);
    await w.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(checks).toEqual([]);
  });

  it('heals once per drifted check while it helps; the next check is consistent', async () => {
    const e = new FakeEngine();
    e.syncFixes = true;
    const { w, changes, checks } = collect(e, { heal: true });
    w.start();
    await vi.advanceTimersByTimeAsync(10);
    e.drifted.set('a', true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(e.syncs).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1000);
    await w.stop();
    expect(changes.map((c) => c.type)).toEqual(['key-stale', 'heal', 'key-reloaded']);
    // The check that reports the heal carries the status taken after it: a map drawn from it agrees.
    const healed = checks.find((c) => c.heal);
    expect(healed!.status!.drift).toEqual([]);
    expect(changes[1]).toMatchObject({ type: 'heal', outcome: 'consistent', refreshed: ['n1', 'n2'] });
    expect(e.audit).toMatchObject([{ action: 'heal', cluster: 'a', outcome: 'ok' }]);
    expect(e.audit[0]!.detail).toContain('heal (automatic sync) for drift: ');
  });

  it('a node down during the heal is not a failed heal when the stale nodes were refreshed', async () => {
    const e = new FakeEngine();
    e.syncFixes = true;
    e.syncDown = 'n3';
    e.drifted.set('a', true);
    const { w, checks } = collect(e, { heal: true });
    w.start();
    await vi.advanceTimersByTimeAsync(1010);
    await w.stop();
    expect(checks[0]!.heal).toMatchObject({ outcome: 'consistent', failures: 0, refreshed: ['n1', 'n2'] });
    expect(checks[0]!.heal!.detail).toBe('drift fixed; not refreshed (not stale): n3 (NODE_UNREACHABLE)');
    expect(checks[1]!.changes.map((c) => c.type)).toEqual(['key-reloaded']);
  });

  it('a heal that does not help backs off: syncs at checks 0, 2, 6, … and says so', async () => {
    const e = new FakeEngine();
    e.drifted.set('a', true);
    const { w, checks } = collect(e, { heal: true });
    w.start();
    await vi.advanceTimersByTimeAsync(10 + 14 * 1000);
    await w.stop();
    const healedAt = checks.flatMap((c, i) => (c.heal ? [i] : []));
    expect(healedAt).toEqual([0, 2, 6, 14]);
    expect(e.syncs).toHaveLength(4);
    expect(checks[1]!.healDeferred).toBe(true);
    expect(checks[14]!.heal).toMatchObject({ outcome: 'still-drifted', failures: 3 });
    expect(e.audit.every((a) => a.action === 'heal' && a.outcome === 'failed')).toBe(true);
  });

  it('a watcher that replaces another (a reload) goes on from its records and its heal backoff', async () => {
    const e = new FakeEngine();
    e.drifted.set('a', true);
    const first = collect(e, { heal: true });
    first.w.start();
    await vi.advanceTimersByTimeAsync(10 + 2 * 1000); // checks 0, 1, 2: heals at 0 and 2
    const handed = { previous: first.w.records, previousPolicies: first.w.policies };
    await first.w.stop();
    expect(e.syncs).toHaveLength(2);
    const second = collect(e, { heal: true, ...handed });
    second.w.start();
    await vi.advanceTimersByTimeAsync(10 + 2 * 1000); // the first watcher's checks 3, 4, 5: held back
    await second.w.stop();
    expect(e.syncs).toHaveLength(2);
    expect(second.checks.every((c) => c.heal === null && c.healDeferred)).toBe(true);
    // And the drift it already reported is not reported again.
    expect(second.changes.filter((c) => c.type === 'key-stale')).toEqual([]);
  });

  it('without heal, drift is reported and no sync runs', async () => {
    const e = new FakeEngine();
    e.drifted.set('a', true);
    const { w, changes } = collect(e);
    w.start();
    await vi.advanceTimersByTimeAsync(3010);
    await w.stop();
    expect(e.syncs).toEqual([]);
    expect(changes.map((c) => c.type)).toEqual(['key-stale']);
  });

  it('a failing status is one check-failed change, its recovery one check-ok; a throwing listener stops nothing', async () => {
    const e = new FakeEngine();
    const errors: unknown[] = [];
    const { w, checks } = collect(e, {
      clusters: ['gone'],
      onChange: () => {
        throw new Error('listener bug');
      },
      onListenerError: (x) => errors.push(x),
    });
    w.start();
    await vi.advanceTimersByTimeAsync(3010);
    await w.stop();
    expect(checks).toHaveLength(4);
    expect(checks.map((c) => c.changes.map((x) => x.type))).toEqual([['check-failed'], [], [], []]);
    expect(checks[0]!.error?.message).toContain('no such cluster');
    expect(errors).toHaveLength(1);
  });

  it('setClusters starts new loops and stops removed ones', async () => {
    const e = new FakeEngine();
    const { w, checks } = collect(e, { clusters: ['a', 'b'] });
    w.start();
    await vi.advanceTimersByTimeAsync(10);
    w.setClusters(['b', 'c']);
    expect(w.watched.sort()).toEqual(['b', 'c']);
    await vi.advanceTimersByTimeAsync(2000);
    await w.stop();
    const by = (n: string) => checks.filter((c) => c.cluster === n).length;
    expect(by('a')).toBe(1);
    expect(by('b')).toBe(3);
    expect(by('c')).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('firstCheckSpreadMs: 0 starts every first check at once; else within the spread', async () => {
    const e = new FakeEngine();
    const { w, checks } = collect(e, { clusters: ['a', 'b'], firstCheckSpreadMs: 0, random: () => 0.99 });
    w.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toHaveLength(2);
    await w.stop();
    const late = collect(new FakeEngine(), { firstCheckSpreadMs: 500, random: () => 0.99 });
    late.w.start();
    await vi.advanceTimersByTimeAsync(490);
    expect(late.checks).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(late.checks).toHaveLength(1);
    await late.w.stop();
  });

  it('refuses an interval or jitter out of range', () => {
    const e = new FakeEngine();
    expect(() => new Watcher(e, { clusters: [], intervalMs: 10 })).toThrow(/intervalMs/);
    expect(() => new Watcher(e, { clusters: [], intervalMs: 1000, jitter: 2 })).toThrow(/jitter/);
  });

  it('jitters each wait within ± jitter of the interval', async () => {
    const e = new FakeEngine();
    let r = 0;
    const seq = [0, 1, 0, 1, 0, 1];
    const { w, checks } = collect(e, { jitter: 0.2, random: () => seq[r++ % seq.length]! });
    w.start();
    // first check at 0 (random 0), then waits of 1200 (random 1) and 800 (random 0) …
    await vi.advanceTimersByTimeAsync(1199);
    expect(checks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(checks).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(800);
    expect(checks).toHaveLength(3);
    await w.stop();
  });
});
