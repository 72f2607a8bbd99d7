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
