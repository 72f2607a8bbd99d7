/**
 * Issue 18, defect 15: on a product that cannot refresh a running node (Eclipse Lyo), "Verify all
 * nodes" is not a failure. A node with every key loaded reads "verified" (no NOT_SUPPORTED on its
 * row), one that lacks a key "restart needed", one that could not be asked "not verified"; the
 * panel says "Done: every key verified on every node" when nothing is missing.
 */
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import SyncPanel from '../../renderer/components/sync-panel.svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { SyncRun, verifyOutcome } from '../../renderer/lib/sync-run.svelte.ts';
import type { SyncResult } from '../../shared/contract-repair.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

const NOT_SUPPORTED: ErrorInfo = {
  code: 'NOT_SUPPORTED',
  message: "Eclipse Lyo's consumer store is loaded once when the server starts: a running node cannot be refreshed.",
};

function lyoResult(drift: SyncResult['verified']['drift']): SyncResult {
  return {
    cluster: 'sb',
    nodes: ['node1', 'node2', 'node3'].map((id) => ({ id, refreshed: false, attempts: 0, error: NOT_SUPPORTED })),
    verified: { consistent: drift.length === 0, drift },
    notices: [NOT_SUPPORTED.message],
  };
}

describe('verifyOutcome', () => {
  it('verified where every key is loaded, restart where one is missing, unverified where the node was not asked', () => {
    const drift = [{ key: 'k1', missingOn: ['node2'], message: '' }];
    expect(verifyOutcome('node1', drift, nodeStatus('node1', 'approved'))).toBe('verified');
    expect(verifyOutcome('node2', drift, nodeStatus('node2', 'unknown'))).toBe('restart');
    expect(verifyOutcome('node3', drift, nodeStatus('node3', 'down', false))).toBe('unverified');
  });
});

describe('SyncPanel on Lyo ("Verify all nodes")', () => {
  async function panelWith(result: SyncResult, down: string[] = []) {
    const api = fakeApi({
      getCluster: async () => ({ ...DEFINITION, kind: 'lyo' }),
      sync: async () => result,
      status: async () => ({
        cluster: 'sb',
        kind: 'lyo',
        checkedAt: '',
        nodes: ['node1', 'node2', 'node3'].map((id) => nodeStatus(id, 'approved', !down.includes(id))),
        drift: result.verified.drift,
        notices: [],
      }),
    });
    const view = new ClusterView(api, { ...SUMMARY, kind: 'lyo' });
    await view.reloadDefinition();
    const sync = new SyncRun(api, view);
    await sync.start();
    render(SyncPanel, { sync });
    return sync;
  }

  it('healthy nodes read "verified", with no NOT_SUPPORTED on their rows, and the run is done without problems', async () => {
    const sync = await panelWith(lyoResult([]));
    expect(sync.consistent).toBe(true);
    const panel = screen.getByRole('region', { name: 'Sync' });
    for (const id of ['node1', 'node2', 'node3']) {
      const row = panel.querySelector(`tr[data-node="${id}"]`)!;
      expect(row.querySelector('.row-state')?.textContent).toBe('verified');
      expect(row.textContent).not.toContain('NOT_SUPPORTED');
      expect(row.textContent).not.toContain('cannot refresh');
    }
    expect(panel.textContent).toContain('Done: every key verified on every node.');
    expect(panel.textContent).not.toMatch(/\[[DGI]\]/);
    expect(screen.queryByRole('button', { name: 'Retry failed nodes' })).toBeNull();
  });

  it('a node that lacks a key reads "restart needed"; a node down reads "not verified" with its state', async () => {
    const sync = await panelWith(lyoResult([{ key: 'k1', missingOn: ['node2'], message: 'k1 missing on node2' }]), [
      'node3',
    ]);
    expect(sync.consistent).toBe(false);
    const panel = screen.getByRole('region', { name: 'Sync' });
    const state = (id: string) => panel.querySelector(`tr[data-node="${id}"] .row-state`)?.textContent;
    expect(state('node1')).toBe('verified');
    expect(state('node2')).toBe('restart needed');
    expect(panel.querySelector('tr[data-node="node2"]')?.textContent).toContain('restart this node to load it');
    expect(state('node3')).toBe('not verified');
    expect(panel.querySelector('tr[data-node="node3"]')?.textContent).toContain('down — NODE_UNREACHABLE');
    expect(panel.textContent).toContain('Done, with problems');
  });
});
