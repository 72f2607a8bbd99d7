/** Components render the state in words: a node card's chips and stale sentence, the sync panel's rows. */
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import NodeCard from '../../renderer/components/node-card.svelte';
import NodePanel from '../../renderer/components/node-panel.svelte';
import ClusterHeader from '../../renderer/components/cluster-header.svelte';
import SyncPanel from '../../renderer/components/sync-panel.svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { ClusterSession } from '../../renderer/lib/console.svelte.ts';
import { ClusterList } from '../../renderer/lib/clusters.svelte.ts';
import { SyncRun } from '../../renderer/lib/sync-run.svelte.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

describe('NodeCard', () => {
  it('is a group named by the node id, shows the state as a word and the stale sentence', async () => {
    const view = new ClusterView(fakeApi({ getCluster: async () => DEFINITION }), SUMMARY);
    await view.reloadDefinition();
    const slot = {
      id: 'node2',
      url: 'http://127.0.0.1:9002',
      status: nodeStatus('node2', 'unknown'),
      checking: false,
      missing: [{ key: 'k1', missingOn: ['node2'], message: '' }],
      untracked: [],
    };
    render(NodeCard, { slot, view });
    const card = screen.getByRole('group', { name: 'node2' });
    expect(within(card).getByLabelText('k1 on node2: missing')).toBeTruthy();
    expect(card.textContent).toContain('requests the balancer sends here will fail with 401 invalid_expired_token');
    expect(card.textContent).toContain('up');
  });

  it('says down with the coded error of an unreachable node, and no stale sentence without drift', async () => {
    const view = new ClusterView(fakeApi({ getCluster: async () => DEFINITION }), SUMMARY);
    await view.reloadDefinition();
    const slot = {
      id: 'node3',
      url: 'http://127.0.0.1:9003',
      status: nodeStatus('node3', 'down', false),
      checking: false,
      missing: [],
      untracked: [],
    };
    render(NodeCard, { slot, view });
    const card = screen.getByRole('group', { name: 'node3' });
    expect(card.textContent).toContain('down');
    expect(card.textContent).toContain('NODE_UNREACHABLE');
    expect(card.textContent).not.toContain('invalid_expired_token');
  });
});

describe('NodePanel', () => {
  it('says in words where the node’s OAuth URLs were read, and nothing when status does not say', async () => {
    const api = fakeApi({ getCluster: async () => DEFINITION });
    const session = new ClusterSession(api, { ...SUMMARY, embeddedSandbox: false }, new ClusterList(api));
    await session.view.reloadDefinition();
    const slot = (discoverySource?: 'catalog-oauthConfiguration') => ({
      id: 'node1',
      url: 'http://127.0.0.1:9001',
      status: { ...nodeStatus('node1', 'approved'), ...(discoverySource ? { discoverySource } : {}) },
      checking: false,
      missing: [],
      untracked: [],
    });
    const first = render(NodePanel, { session, slot: slot('catalog-oauthConfiguration') });
    expect(screen.getByRole('complementary', { name: 'Node node1' }).textContent).toContain(
      "OAuth URLs: read from the catalog's oslc:oauthConfiguration (the discovery document has no jfs:oauth*Url)",
    );
    first.unmount();
    render(NodePanel, { session, slot: slot() });
    expect(screen.getByRole('complementary', { name: 'Node node1' }).textContent).not.toContain('OAuth URLs');
  });
});

describe('SyncPanel', () => {
  it('lists each node with its state word, time and error, and offers "Retry failed nodes" after a failure', async () => {
    const api = fakeApi({ getCluster: async () => DEFINITION });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const sync = new SyncRun(api, view);
    sync.rows = [
      { node: 'node1', state: 'refreshed', attempt: 1, latencyMs: 12, error: null },
      {
        node: 'node2',
        state: 'failed',
        attempt: 3,
        latencyMs: null,
        error: { code: 'NODE_TIMEOUT', message: 'no answer', node: 'node2' },
      },
    ];
    sync.phase = 'done';
    render(SyncPanel, { sync });
    expect(screen.getByRole('row', { name: 'node1: refreshed' }).textContent).toContain('12 ms');
    expect(screen.getByRole('row', { name: 'node2: failed' }).textContent).toContain('NODE_TIMEOUT');
    expect(screen.getByRole('button', { name: 'Retry failed nodes' })).toBeTruthy();
  });
});

describe('ClusterHeader', () => {
  it('says where the admin login is: the OS keychain, or memory where there is none', async () => {
    const api = fakeApi({ getCluster: async () => DEFINITION });
    const summary = { ...SUMMARY, adminUser: 'admin', embeddedSandbox: true };
    const inKeychain = render(ClusterHeader, {
      session: new ClusterSession(api, summary, new ClusterList(api)),
      summary,
    });
    expect(inKeychain.container.textContent).toMatch(/admin login admin\s+stored in the OS keychain/);
    inKeychain.unmount();
    const held = { ...summary, secretsInMemory: true };
    const inMemory = render(ClusterHeader, {
      session: new ClusterSession(api, held, new ClusterList(api)),
      summary: held,
    });
    expect(inMemory.container.textContent).toMatch(/admin login admin\s+held in memory/);
    expect(inMemory.container.textContent).not.toMatch(/admin login admin\s+stored/);
  });
});
