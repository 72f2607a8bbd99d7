/**
 * The cluster map's pure functions (renderer/lib/map-model.ts): each node's facts and headline, the
 * order worst first, the layout from 2 to 128 nodes, and the summary line with its one action.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterStatus, NodeStatus } from '../../shared/model.ts';
import { computeDrift } from '../../shared/drift.ts';
import { headlineOf, mapLayout, mapSummary, nodeFacts, TILES_UP_TO, worstFirst } from '../../renderer/lib/map-model.ts';
import type { SlotLike } from '../../renderer/lib/map-model.ts';

const node = (id: string, consumers: NodeStatus['consumers'] = [], extra: Partial<NodeStatus> = {}): NodeStatus => ({
  id,
  url: `http://127.0.0.1/${id}`,
  up: true,
  latencyMs: 7,
  clockSkewSeconds: 0,
  tls: null,
  consumers,
  provisional: null,
  approved: null,
  error: null,
  ...extra,
});
const ok = (key: string) => ({ key, state: 'approved' as const, problem: null });
const missing = (key: string) => ({ key, state: 'unknown' as const, problem: 'consumer_key_unknown' });

const slot = (status: NodeStatus | null, over: Partial<SlotLike> = {}): SlotLike => ({
  id: status?.id ?? 'nodeX',
  status,
  checking: false,
  missing: [],
  untracked: [],
  ...over,
});
const NAMES = new Map([
  ['k-rtc', 'RTC'],
  ['k-dng', 'DOORS Next'],
  ['k-etm', 'ETM'],
]);

function status(nodes: NodeStatus[], extra: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    cluster: 'c',
    kind: 'clearquest',
    checkedAt: new Date(1_000_000).toISOString(),
    nodes,
    drift: computeDrift(nodes, 'clearquest'),
    notices: [],
    balancer: { url: 'http://lb', up: true, latencyMs: 3, answeredBy: 'node1', cloneId: 'c1', error: null },
    ...extra,
  };
}

describe('nodeFacts', () => {
  it('a stale node: glyph and word, the product failure, counts per state worst first, the worst key by name', () => {
    const s = node('node2', [ok('k-rtc'), missing('k-etm'), missing('k-dng')]);
    const f = nodeFacts(slot(s, { missing: [{ key: 'k-etm' }, { key: 'k-dng' }] }), 'clearquest', NAMES);
    expect(f.headline).toBe('stale');
    expect([f.glyph, f.word, f.tone]).toEqual(['▲', 'stale', 'bad']);
    expect(f.counts.map((c) => `${c.count} ${c.word}`)).toEqual(['2 missing', '1 approved']);
    // "DOORS Next" sorts before "ETM": the worst key by name.
    expect(f.worstKey).toEqual({ key: 'k-dng', name: 'DOORS Next', word: 'missing' });
    expect(f.sentence).toBe(
      'node2: stale; requests the balancer sends here will fail with 401 invalid_expired_token; 7 ms; clock 0 s; ' +
        '2 missing · 1 approved; worst key: DOORS Next missing',
    );
  });

  it('a down node and an untrusted one are told apart; a checking node says so', () => {
    const down = node('node3', [], { up: false, latencyMs: null, error: { code: 'NODE_UNREACHABLE', message: 'x' } });
    const tls = node('node4', [], { up: false, error: { code: 'TLS_UNTRUSTED', message: 'y' } });
    expect(nodeFacts(slot(down), 'clearquest', NAMES).sentence).toBe('node3: down; NODE_UNREACHABLE; keys unknown');
    expect(nodeFacts(slot(tls), 'clearquest', NAMES).word).toBe('untrusted certificate');
    expect(nodeFacts(slot(null, { id: 'n', checking: true }), 'clearquest', NAMES).word).toBe('checking');
  });

  it('the last node the balancer sent to, and a running sync, are facts of the node', () => {
    const f = nodeFacts(slot(node('node1', [ok('k-rtc')])), 'clearquest', NAMES, 'started', 'node1');
    expect(f.lastSentHere).toBe(true);
    expect(f.sync).toEqual({ glyph: '↻', word: 'syncing' });
    expect(f.sentence).toBe('node1: up; 7 ms; clock 0 s; 1 approved; the balancer sent its last request here; syncing');
    expect(nodeFacts(slot(node('node1')), 'clearquest', NAMES, 'refreshed').sync).toBeNull();
  });

  it('summarises 50,000 keys in counts and one worst key, never listing them', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => (i % 1000 === 7 ? missing(`k${i}`) : ok(`k${i}`)));
    const f = nodeFacts(slot(node('node1', many), { missing: [{ key: 'k7' }] }), 'jazz', new Map());
    expect(f.keys).toBe('50 missing · 49,950 approved');
    // By name as a person reads it: k7 before k1007.
    expect(f.worstKey?.name).toBe('k7');
    expect(f.sentence).toContain('will fail with 401 CRJZS0033E');
    expect(f.sentence.length).toBeLessThan(300);
  });

  it('headlines in the order of status --check: down, stale, clock skew, provisional, drifting clock, up', () => {
    expect(headlineOf(slot(node('a', [ok('k')], { clockSkewSeconds: 400 })))).toBe('clock-skew');
    expect(headlineOf(slot(node('a', [ok('k')], { clockSkewSeconds: 90 })))).toBe('clock-drift');
    expect(headlineOf(slot(node('a', [], { provisional: ['p'] })))).toBe('provisional');
    expect(headlineOf(slot(node('a', [{ key: 'k', state: 'bad-secret', problem: null }])))).toBe('bad-secret');
    const order = worstFirst(
      [
        slot(node('n1')),
        slot(node('n2', [], { provisional: ['p'] })),
        slot(node('n3', [missing('k')]), { missing: [{ key: 'k' }] }),
        slot(node('n4', [], { up: false })),
        slot(node('n5')),
      ].map((s) => nodeFacts(s, 'clearquest', NAMES)),
    );
    expect(order.map((f) => f.id)).toEqual(['n4', 'n3', 'n2', 'n1', 'n5']);
  });
});

it("a mark's short word is part of its word: the list says what the mark says", async () => {
  const { HEADLINES } = await import('../../renderer/lib/map-model.ts');
  for (const h of Object.values(HEADLINES)) expect(h.word).toContain(h.short);
});

describe('mapLayout', () => {
  const within = (l: ReturnType<typeof mapLayout>) => {
    for (const b of l.nodes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(l.width);
    }
  };

  it('cards at a few nodes, tiles at dozens, marks at 128; detail shrinks as nodes grow', () => {
    const w = 1180; // the map's width in a 1440 px window
    const three = mapLayout(3, w, 2);
    const sixteen = mapLayout(16, w, 2);
    const many = mapLayout(128, w, 2);
    expect([three.mode, sixteen.mode, many.mode]).toEqual(['cards', 'tiles', 'marks']);
    expect(mapLayout(TILES_UP_TO + 1, w, 2).mode).toBe('marks');
    expect(three.nodes[0]!.w).toBeGreaterThan(sixteen.nodes[0]!.w);
    expect(sixteen.nodes[0]!.w).toBeGreaterThan(many.nodes[0]!.w);
    for (const l of [three, sixteen, many, mapLayout(2, w, 0), mapLayout(64, w, 9)]) within(l);
  });

  it('128 nodes fit one 1440×900 screen: the picture is under 620 px tall', () => {
    const l = mapLayout(128, 1180, 3);
    expect(l.nodes).toHaveLength(128);
    expect(l.height).toBeLessThan(620);
    // No two marks overlap.
    const seen = new Set(l.nodes.map((b) => `${b.x},${b.y}`));
    expect(seen.size).toBe(128);
  });

  it('every node hangs from a bus, and the buses from the balancer', () => {
    const l = mapLayout(20, 900, 1);
    expect(l.buses).toHaveLength(l.rows);
    l.nodes.forEach((b, i) => {
      const bus = l.buses[Math.floor(i / l.cols)]!;
      expect(b.y).toBeGreaterThan(bus.y);
      expect(b.x + b.w / 2).toBeGreaterThanOrEqual(bus.x1);
      expect(b.x + b.w / 2).toBeLessThanOrEqual(bus.x2);
    });
    expect(l.trunk.y1).toBe(l.buses[0]!.y);
    expect(l.trunk.y2).toBe(l.buses.at(-1)!.y);
    expect(l.buses[0]!.y).toBeGreaterThan(l.balancer.y + l.balancer.h);
  });

  it('no node, no wire', () => {
    const l = mapLayout(0, 800, 0);
    expect([l.nodes.length, l.buses.length, l.rows]).toEqual([0, 0, 0]);
  });
});

describe('mapSummary', () => {
  const now = 1_000_000 + 12_000;

  it('all consistent, with how long ago it was checked, and no button', () => {
    const s = mapSummary(status([node('node1', [ok('k-rtc')]), node('node2', [ok('k-rtc')])]), 'clearquest', now);
    expect(s).toEqual({
      health: 'consistent',
      headline: 'all 2 nodes consistent, checked 12 s ago',
      detail: '',
      action: null,
    });
  });

  it('stale nodes: the product failure and Sync all nodes; on Lyo a restart and no sync', () => {
    const nodes = [node('node1', [ok('k')]), node('node2', [missing('k')]), node('node3', [missing('k')])];
    const s = mapSummary(status(nodes), 'clearquest', now)!;
    expect(s.headline).toBe('node2, node3 will fail with 401 invalid_expired_token');
    expect(s.action).toEqual({ do: 'sync', label: 'Sync all nodes' });
    const lyo = mapSummary({ ...status(nodes), kind: 'lyo', drift: computeDrift(nodes, 'lyo') }, 'lyo', now)!;
    expect(lyo.headline).toBe('node2, node3 will fail with 401 consumer_key_rejected until they are restarted');
    expect(lyo.action).toBeNull();
  });

  it('a provisional key on one node only: Approve on that node, with its key', () => {
    const s = mapSummary(
      status([node('node1'), node('node2', [], { provisional: ['pk'] }), node('node3')]),
      'clearquest',
      now,
    )!;
    expect(s.headline).toBe('a provisional key waits on node2 only');
    expect(s.action).toEqual({ do: 'approve', label: 'Approve on node2', node: 'node2', key: 'pk' });
  });

  it('a node down, a clock off, an untrusted certificate, the balancer down', () => {
    const down = node('node2', [], { up: false, error: { code: 'NODE_UNREACHABLE', message: 'x' } });
    expect(mapSummary(status([node('node1'), down]), 'clearquest', now)).toMatchObject({
      health: 'down',
      headline: 'node2 is down',
      action: { do: 'recheck', label: 'Check again' },
    });
    expect(mapSummary(status([node('node1', [], { clockSkewSeconds: -400 })]), 'clearquest', now)).toMatchObject({
      health: 'drift',
      headline: 'the clock of node1 is off by 5 minutes or more',
      action: { do: 'recheck' },
    });
    const tls = node('node1', [], { up: false, error: { code: 'TLS_UNTRUSTED', message: 'x' } });
    expect(mapSummary(status([tls]), 'clearquest', now)?.action).toEqual({
      do: 'trust',
      label: 'Trust certificate of node1…',
      node: 'node1',
    });
    const lbDown = status([node('node1')], {
      balancer: { url: 'u', up: false, latencyMs: null, answeredBy: null, cloneId: null, error: null },
    });
    expect(mapSummary(lbDown, 'clearquest', now)).toMatchObject({
      health: 'balancer',
      headline: 'the balancer did not answer: consumers reach no node through it',
      detail: 'the nodes themselves: all 1 node consistent',
      action: { do: 'recheck' },
    });
  });

  it('says more than the headline only when the health sentence has more', () => {
    const down = node('node2', [], { up: false });
    const s = mapSummary(status([node('node1', [], { provisional: ['p'] }), down]), 'clearquest', now)!;
    expect(s.headline).toBe('node2 is down');
    expect(s.detail).toBe('a provisional key waits on node1');
  });
});
