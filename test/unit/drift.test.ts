import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../shared/model.ts';
import { computeDrift } from '../../electron/core/status.ts';
import { mapPool } from '../../electron/core/pool.ts';

const node = (id: string, consumers: NodeStatus['consumers'], extra: Partial<NodeStatus> = {}): NodeStatus => ({
  id,
  url: `http://127.0.0.1/${id}`,
  up: true,
  latencyMs: 1,
  clockSkewSeconds: 0,
  tls: null,
  consumers,
  provisional: null,
  approved: null,
  error: null,
  ...extra,
});

describe('computeDrift', () => {
  it('names the nodes that lack a key approved elsewhere, with the invalid_expired_token consequence', () => {
    const d = computeDrift([
      node('node1', [{ key: 'k', state: 'approved', problem: null }]),
      node('node2', [{ key: 'k', state: 'unknown', problem: 'consumer_key_unknown' }]),
      node('node3', [{ key: 'k', state: 'unknown', problem: 'consumer_key_unknown' }]),
    ]);
    expect(d).toHaveLength(1);
    expect(d[0]!.missingOn).toEqual(['node2', 'node3']);
    expect(d[0]!.message).toMatch(/balancer sends to node2, node3 will fail with 401 invalid_expired_token/);
  });

  it.each([
    ['clearquest', /fail with 401 invalid_expired_token\. Log in to that node \(sync\)/],
    ['jazz', /fail with 401 CRJZS0033E \(the consumer key is not valid\)\. Log in to that node \(sync\)/],
    ['lyo', /fail with 401 consumer_key_rejected\. Restart that node to load it/],
  ] as const)('says it in the words of %s: what the requests fail with, and sync or restart', (kind, words) => {
    const d = computeDrift(
      [
        node('node1', [{ key: 'k', state: 'approved', problem: null }]),
        node('node2', [{ key: 'k', state: 'unknown', problem: null }]),
      ],
      kind,
    );
    expect(d[0]!.message).toMatch(words);
  });

  it('reports no drift when every node has the key, or when no node has it approved', () => {
    expect(
      computeDrift([
        node('a', [{ key: 'k', state: 'approved', problem: null }]),
        node('b', [{ key: 'k', state: 'approved', problem: null }]),
      ]),
    ).toEqual([]);
    expect(
      computeDrift([
        node('a', [{ key: 'k', state: 'provisional', problem: null }]),
        node('b', [{ key: 'k', state: 'unknown', problem: null }]),
      ]),
    ).toEqual([]);
  });

  it('uses list-API keys for untracked consumers and ignores nodes that are down', () => {
    const d = computeDrift([
      node('a', [], { approved: ['x'], provisional: [] }),
      node('b', [], { approved: [], provisional: [] }),
      node('c', [], { up: false }),
    ]);
    expect(d).toEqual([expect.objectContaining({ key: 'x', missingOn: ['b'] })]);
  });
});

describe('mapPool', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapPool([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

/** The per-node computation computeDrift replaced (issue 27), kept as the reference it must equal. */
function driftPerNode(nodes: NodeStatus[]) {
  const up = nodes.filter((n) => n.up);
  const keys = new Set<string>();
  for (const n of up) {
    n.consumers.forEach((c) => keys.add(c.key));
    n.approved?.forEach((k) => keys.add(k));
  }
  const out: { key: string; missingOn: string[]; approvedOn: string[] }[] = [];
  for (const key of [...keys].sort()) {
    const states = up.map((n) => {
      const probed = n.consumers.find((c) => c.key === key)?.state;
      const s = probed
        ? probed
        : n.approved?.includes(key)
          ? 'listed-approved'
          : n.provisional?.includes(key)
            ? 'listed-provisional'
            : n.approved
              ? 'absent'
              : null;
      return { id: n.id, s };
    });
    const approvedOn = states
      .filter((x) => x.s === 'approved' || x.s === 'listed-approved' || x.s === 'bad-secret')
      .map((x) => x.id);
    const missingOn = states.filter((x) => x.s === 'unknown' || x.s === 'absent').map((x) => x.id);
    if (approvedOn.length && missingOn.length) out.push({ key, missingOn, approvedOn });
  }
  return out;
}

describe('computeDrift on shared and separate lists (issue 27)', () => {
  it('equals the per-node computation on random clusters, whether equal lists are one array or copies', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) as number;
    const states = ['approved', 'unknown', 'bad-secret', 'provisional', 'down'] as const;
    for (let round = 0; round < 200; round++) {
      const keys = Array.from({ length: 1 + rand(8) }, (_, i) => `k${i}`);
      const shared = [keys.filter(() => rand(3) > 0), keys.filter(() => rand(2) > 0)];
      const nodes = Array.from({ length: 1 + rand(6) }, (_, i) => {
        const pick = rand(4);
        const approved = pick === 3 ? null : pick < 2 ? shared[pick]! : keys.filter(() => rand(2) > 0);
        return node(
          `node${i + 1}`,
          keys.filter(() => rand(4) === 0).map((key) => ({ key, state: states[rand(states.length)]!, problem: null })),
          {
            up: rand(8) > 0,
            approved: approved && (rand(2) ? approved : [...approved]),
            provisional: approved && keys.filter(() => rand(5) === 0),
          },
        );
      });
      const got = computeDrift(nodes).map((d) => ({ key: d.key, missingOn: d.missingOn, message: d.message }));
      const want = driftPerNode(nodes);
      expect(
        got.map(({ key, missingOn }) => ({ key, missingOn })),
        `round ${round}`,
      ).toEqual(want.map(({ key, missingOn }) => ({ key, missingOn })));
      for (const [i, d] of got.entries())
        expect(d.message).toContain(`is approved on ${want[i]!.approvedOn.join(', ')} but`);
    }
  });

  it('finds drift among 50,000 listed keys × 64 nodes sharing one list, and one node without a key', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `key-${i}`);
    const nodes = Array.from({ length: 64 }, (_, i) => node(`node${i + 1}`, [], { approved: keys, provisional: [] }));
    expect(computeDrift(nodes)).toEqual([]);
    nodes[5] = { ...nodes[5]!, approved: keys.filter((k) => k !== 'key-123') };
    const d = computeDrift(nodes);
    expect(d.map((x) => [x.key, x.missingOn])).toEqual([['key-123', ['node6']]]);
  });
});
