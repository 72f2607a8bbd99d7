/**
 * Issue 18 "The console tells one truth": an operation's result updates the one cluster state at once
 * (every screen agrees before the next status), and the health word never says consistent while a
 * key is provisional somewhere or missing on a node.
 */
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import NodePanel from '../../renderer/components/node-panel.svelte';
import NodeCard from '../../renderer/components/node-card.svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { ClusterSession } from '../../renderer/lib/console.svelte.ts';
import { ClusterList } from '../../renderer/lib/clusters.svelte.ts';
import type { ApproveResult, SyncResult } from '../../shared/contract-repair.ts';
import type { ClusterStatus, NodeStatus } from '../../shared/model.ts';
import { computeDrift } from '../../shared/drift.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

function node(
  id: string,
  state: NodeStatus['consumers'][number]['state'],
  lists: Partial<NodeStatus> = {},
): NodeStatus {
  return { ...nodeStatus(id, state), ...lists };
}

function statusOf(nodes: NodeStatus[]): ClusterStatus {
  return {
    cluster: 'sb',
    kind: 'sandbox',
    checkedAt: new Date().toISOString(),
    nodes,
    drift: computeDrift(nodes),
    notices: [],
  };
}

/** A view whose status answers are scripted; the last one repeats. */
async function viewWith(...answers: ClusterStatus[]) {
  let i = 0;
  const api = fakeApi({
    getCluster: async () => DEFINITION,
    status: async () => answers[Math.min(i++, answers.length - 1)],
  });
  const list = new ClusterList(api);
  const view = new ClusterView(api, SUMMARY, (s) => list.setStatus('sb', s));
  await view.open();
  return { api, view, list };
}

describe('the health word', () => {
  it('is not "consistent" while a key is provisional on one node and unknown on the others', async () => {
    const { view, list } = await viewWith(
      statusOf([
        node('node1', 'unknown', { provisional: [], approved: [] }),
        node('node2', 'provisional'),
        node('node3', 'unknown', { provisional: [], approved: [] }),
      ]),
    );
    expect(view.health).toBe('provisional');
    expect(view.healthSentence).toMatch(/a provisional key waits on node2/);
    expect(list.healthOf('sb')).toBe('provisional');
    expect(list.sentences['sb']).toBe(view.healthSentence);
  });

  it('names stale nodes as drift, worse than a provisional key, and an untrusted certificate apart from down', async () => {
    const untrusted: NodeStatus = {
      ...nodeStatus('node3', 'tls-untrusted', false),
      error: { code: 'TLS_UNTRUSTED', message: 'node3 presented an untrusted certificate', node: 'node3' },
    };
    const { view } = await viewWith(
      statusOf([node('node1', 'approved'), node('node2', 'unknown', { approved: [] }), untrusted]),
    );
    expect(view.health).toBe('untrusted');
    expect(view.healthSentence).toMatch(/node3 presents a certificate not trusted; node2 lacks an approved key/);
  });

  it('is not "consistent" while the balancer does not answer, and the list says the same as the header', async () => {
    const { view, list } = await viewWith({
      ...statusOf([node('node1', 'approved'), node('node2', 'approved')]),
      balancer: { url: 'http://lb', up: false, latencyMs: null, answeredBy: null, cloneId: null, error: null },
    });
    expect(view.health).toBe('balancer');
    expect(view.healthSentence).toBe('the balancer did not answer');
    expect(list.healthOf('sb')).toBe('balancer');
    expect(list.sentences['sb']).toBe(view.healthSentence);
  });

  it("with the balancer down, the nodes' own trouble is named after it", async () => {
    const { view } = await viewWith({
      ...statusOf([node('node1', 'approved'), node('node2', 'unknown', { approved: [] })]),
      balancer: { url: 'http://lb', up: false, latencyMs: null, answeredBy: null, cloneId: null, error: null },
    });
    expect(view.healthSentence).toBe('the balancer did not answer; node2 lacks an approved key');
  });
});

describe('results update the state at once', () => {
  it('an approval: the key is approved on its node and missing where the result says, before any status', async () => {
    const before = statusOf([
      node('node1', 'unknown', { provisional: [], approved: [] }),
      node('node2', 'provisional'),
      node('node3', 'unknown', { provisional: [], approved: [] }),
    ]);
    const { view } = await viewWith(before);
    const result: ApproveResult = {
      key: 'k1',
      node: 'node2',
      verified: true,
      probe: null,
      handoff: null,
      missingOn: ['node1', 'node3'],
      alreadyApproved: false,
      unreachable: [],
    };
    view.applyApprove(result);
    flushSync();
    expect(view.stateOf('node2', 'k1')).toBe('approved');
    expect(view.nodes.node2?.provisional).toEqual([]);
    expect(view.slots.map((s) => s.missing.map((d) => d.key))).toEqual([['k1'], [], ['k1']]);
    expect(view.health).toBe('drift');
  });

  it('a sync: every refreshed node holds what the verification found, so no screen says "still missing"', async () => {
    const stale = statusOf([
      node('node1', 'unknown', { approved: [] }),
      node('node2', 'approved'),
      node('node3', 'unknown', { approved: [] }),
    ]);
    const { view } = await viewWith(stale);
    expect(view.health).toBe('drift');
    const result: SyncResult = {
      cluster: 'sb',
      nodes: ['node1', 'node2', 'node3'].map((id) => ({ id, refreshed: true, attempts: 1, error: null })),
      verified: { consistent: true, drift: [] },
      notices: [],
    };
    view.applySync(result);
    flushSync();
    expect(view.slots.every((s) => s.missing.length === 0)).toBe(true);
    expect(['node1', 'node2', 'node3'].map((id) => view.stateOf(id, 'k1'))).toEqual([
      'approved',
      'approved',
      'approved',
    ]);
    expect(view.health).toBe('consistent');
  });

  it('a delete: the key is shown deleted, not "missing: stale registry" on every node', async () => {
    const { view } = await viewWith(statusOf(['node1', 'node2', 'node3'].map((id) => node(id, 'approved'))));
    view.applyDelete('k1', 'node2');
    flushSync();
    expect(view.slots.every((s) => s.missing.length === 0)).toBe(true);
    expect(view.deleted).toEqual({ k1: 'node2' });
    expect(view.nodes.node2?.approved).toEqual([]);
    expect(view.nodes.node1?.consumers).toEqual([]);
  });

  it('a ClearQuest registration hand-off is pending, not red, until a status shows the key on its node', async () => {
    const unknownEverywhere = statusOf(['node1', 'node2', 'node3'].map((id) => node(id, 'unknown', { approved: [] })));
    const registered = statusOf([
      node('node1', 'approved'),
      node('node2', 'unknown', { approved: [] }),
      node('node3', 'unknown', { approved: [] }),
    ]);
    const { view } = await viewWith(unknownEverywhere, unknownEverywhere, registered);
    view.applyRegister({
      key: 'k1',
      node: 'node1',
      approved: false,
      verified: false,
      handoff: { action: 'register', node: 'node1', adminUrl: 'http://127.0.0.1:9001/admin', steps: [], source: 'x' },
      missingOn: [],
      unreachable: [],
    });
    await view.refresh();
    expect(view.pending).toHaveProperty('k1');
    expect(view.health).not.toBe('consistent');
    await view.refresh();
    expect(view.pending).toEqual({});
  });
});

describe('each node panel shows its own approval only', () => {
  it('node3 does not show the result of approving on node2', async () => {
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: async () => statusOf([node('node1', 'unknown'), node('node2', 'provisional'), node('node3', 'unknown')]),
      approve: async () => ({
        key: 'k1',
        node: 'node2',
        verified: true,
        probe: null,
        handoff: null,
        missingOn: ['node1', 'node3'],
        alreadyApproved: false,
        unreachable: [],
      }),
    });
    const session = new ClusterSession(api, SUMMARY, new ClusterList(api));
    await session.view.open();
    await session.approve.approve('k1', 'node2');
    const slot3 = session.view.slots[2]!;
    const three = render(NodePanel, { session, slot: slot3 });
    expect(within(three.container).queryByRole('region', { name: 'Approval' })).toBeNull();
    three.unmount();
    render(NodePanel, { session, slot: session.view.slots[1]! });
    expect(screen.getByRole('region', { name: 'Approval' }).textContent).toContain('Approved k1 on node2');
  });
});

describe('a provisional key nobody tracks', () => {
  it('is a chip on its node card with Approve on that node and Track', async () => {
    const untrackedKey = 'outside-friend';
    const { view, api } = await viewWith(
      statusOf([
        node('node1', 'approved'),
        node('node2', 'approved', { provisional: [untrackedKey] }),
        node('node3', 'approved'),
      ]),
    );
    const session = new ClusterSession(api, SUMMARY, new ClusterList(api));
    render(NodeCard, { slot: view.slots[1]!, view, approve: session.approve });
    expect(screen.getByRole('button', { name: `Approve ${untrackedKey} on node2` })).toBeTruthy();
    expect(screen.getByRole('button', { name: `Track ${untrackedKey}: open node2's panel` })).toBeTruthy();
    expect(view.health).toBe('provisional');
  });
});
