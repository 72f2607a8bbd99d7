/**
 * Issue 18, defects 10 and 11: a node refused for its certificate is "untrusted certificate", not
 * "down" (card, panel, list health, keys cells), and Trust is offered where it is shown — the map
 * card, the node panel, the balancer — through the fingerprint confirmation, pinning nothing before it.
 */
import { describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import NodeCard from '../../renderer/components/node-card.svelte';
import NodePanel from '../../renderer/components/node-panel.svelte';
import ClusterMap from '../../renderer/components/cluster-map.svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { ClusterSession } from '../../renderer/lib/console.svelte.ts';
import { ClusterList, HEALTH_WORDS, healthOf } from '../../renderer/lib/clusters.svelte.ts';
import { CertificateTrust } from '../../renderer/lib/certificate-trust.svelte.ts';
import { buildRows } from '../../renderer/lib/keys-matrix.svelte.ts';
import { nodeCondition } from '../../renderer/lib/words.ts';
import type { ClusterStatus, NodeStatus } from '../../shared/model.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

const FP = 'AB:'.repeat(31) + 'CD';

/** A node that answered with a certificate the cluster does not trust, as the engine's status reports it. */
function untrustedNode(id: string, fingerprint256 = FP): NodeStatus {
  const details = { fingerprint256, subject: `CN=${id}`, issuer: 'CN=Sandbox CA', validFrom: 'a', validTo: 'b' };
  return {
    id,
    url: `https://127.0.0.1:900${id.slice(-1)}`,
    up: false,
    latencyMs: null,
    clockSkewSeconds: null,
    tls: {
      subject: `CN=${id}`,
      issuer: 'CN=Sandbox CA',
      validFrom: 'a',
      validTo: 'b',
      fingerprint256,
      authorized: false,
    },
    consumers: [{ key: 'k1', state: 'tls-untrusted', problem: 'TLS_UNTRUSTED' }],
    provisional: null,
    approved: null,
    error: { code: 'TLS_UNTRUSTED', message: `${id}: the certificate is not trusted`, node: id, details },
  };
}

function statusOf(nodes: NodeStatus[], extra: Partial<ClusterStatus> = {}): ClusterStatus {
  return { cluster: 'sb', kind: 'sandbox', checkedAt: '2026-01-01T00:00:00Z', nodes, drift: [], notices: [], ...extra };
}

describe('an untrusted certificate is not "down"', () => {
  it('nodeCondition and the cluster health tell untrusted from down, down outweighing it', () => {
    expect(nodeCondition(untrustedNode('node1'))).toBe('untrusted');
    expect(nodeCondition(nodeStatus('node2', 'down', false))).toBe('down');
    expect(nodeCondition(nodeStatus('node2', 'approved'))).toBe('up');
    expect(healthOf(statusOf([untrustedNode('node1'), nodeStatus('node2', 'approved')]))).toBe('untrusted');
    expect(HEALTH_WORDS.untrusted).toBe('untrusted certificate');
    expect(healthOf(statusOf([untrustedNode('node1'), nodeStatus('node2', 'down', false)]))).toBe('down');
  });

  it('the keys matrix shows a listed key on an untrusted node as "untrusted certificate", on a dead one as down', () => {
    const rows = buildRows({
      nodes: ['node1', 'node2', 'node3'],
      statuses: {
        node1: { ...nodeStatus('node1', 'approved'), approved: ['listed'] },
        node2: { ...untrustedNode('node2'), consumers: [] },
        node3: nodeStatus('node3', 'down', false),
      },
      consumers: [],
    });
    expect(rows.find((r) => r.key === 'listed')?.cells).toEqual(['approved', 'tls-untrusted', 'down']);
  });

  it('the card says "untrusted certificate" and offers Trust, which asks before pinning', async () => {
    const pinned: unknown[] = [];
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      trustCertificate: async (arg: unknown) => {
        pinned.push(arg);
        return { cluster: 'sb', pinned: [FP] };
      },
      status: async () => statusOf([nodeStatus('node1', 'approved')]),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    view.nodes = { node1: untrustedNode('node1') };
    const trust = new CertificateTrust(api, view);
    const slot = {
      id: 'node1',
      url: 'https://127.0.0.1:9001',
      status: view.nodes.node1!,
      checking: false,
      missing: [],
      untracked: [],
    };
    render(NodeCard, { slot, view, trust });
    const card = screen.getByRole('group', { name: 'node1' });
    expect(card.textContent).toContain('untrusted certificate');
    expect(card.querySelector('.node-state')?.textContent).toBe('untrusted certificate');
    expect(card.getAttribute('data-up')).toBe('untrusted');
    await fireEvent.click(within(card).getByRole('button', { name: 'Trust certificate of node1…' }));
    expect(trust.asking).toMatchObject({ node: 'node1', from: 'map', certificate: { fingerprint256: FP } });
    expect(pinned).toEqual([]);
    expect(await trust.confirm()).toBe(true);
    expect(pinned).toEqual([{ cluster: 'sb', fingerprint256: FP, node: 'node1' }]);
    expect(trust.asking).toBeNull();
    expect(trust.message).toContain('Trusted the certificate of node1');
    expect(view.runs).toBe(1);
  });

  it('a down node has no Trust; a pinned certificate is not offered again', async () => {
    const view = new ClusterView(
      fakeApi({ getCluster: async () => ({ ...DEFINITION, pinnedFingerprints: [FP] }) }),
      SUMMARY,
    );
    await view.reloadDefinition();
    view.nodes = { node1: untrustedNode('node1'), node2: nodeStatus('node2', 'down', false) };
    const trust = new CertificateTrust(fakeApi(), view);
    expect(trust.certificateOf('node1')).toBeNull();
    expect(trust.certificateOf('node2')).toBeNull();
    trust.ask('node2', 'map');
    expect(trust.asking).toBeNull();
  });

  it('the node panel says "untrusted certificate" and its Trust opens the dialog in the panel', async () => {
    const api = fakeApi({ getCluster: async () => DEFINITION, status: async () => statusOf([]) });
    const session = new ClusterSession(api, { ...SUMMARY, embeddedSandbox: false }, new ClusterList(api));
    await session.view.reloadDefinition();
    session.view.nodes = { node1: untrustedNode('node1') };
    const slot = {
      id: 'node1',
      url: 'https://127.0.0.1:9001',
      status: session.view.nodes.node1!,
      checking: false,
      missing: [],
      untracked: [],
    };
    render(NodePanel, { session, slot });
    const panel = screen.getByRole('complementary', { name: 'Node node1' });
    expect(panel.textContent).toContain('untrusted certificate');
    expect(panel.textContent).not.toMatch(/^\s*down ·/m);
    await fireEvent.click(within(panel).getByRole('button', { name: 'Trust certificate…' }));
    const trust = session.trust;
    expect(trust.asking).toMatchObject({ node: 'node1', from: 'panel' });
    flushSync();
    const dialog = panel.querySelector('dialog.trust-dialog')!;
    expect(dialog.textContent).toContain('Trust the certificate node1 presented?');
    expect(dialog.textContent).toContain(FP);
  });

  it("the map offers Trust for the balancer's certificate, named 'balancer' to the engine", async () => {
    const pinned: unknown[] = [];
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      trustCertificate: async (arg: unknown) => {
        pinned.push(arg);
        return { cluster: 'sb', pinned: [FP] };
      },
      status: async () => statusOf([]),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const lbError = untrustedNode('balancer').error!;
    view.status = statusOf([], {
      balancer: {
        url: SUMMARY.balancerUrl,
        up: false,
        latencyMs: null,
        answeredBy: null,
        cloneId: null,
        error: lbError,
      },
    });
    const trust = new CertificateTrust(api, view);
    render(ClusterMap, { view, trust });
    const strip = screen.getByRole('group', { name: 'balancer' });
    expect(strip.textContent).toContain('presented a certificate this tool does not trust');
    await fireEvent.click(within(strip).getByRole('button', { name: 'Trust certificate of the balancer…' }));
    flushSync();
    expect(document.querySelector('dialog.trust-dialog')?.textContent).toContain(
      'Trust the certificate the balancer presented?',
    );
    await trust.confirm();
    expect(pinned).toEqual([{ cluster: 'sb', fingerprint256: FP, node: 'balancer' }]);
  });
});

describe("Import: the file's pins are reviewed before any is trusted (defect 12)", () => {
  it('shows each pin not trusted yet; Trust pins that one, Drop pins nothing, Done reports both', async () => {
    const { ConsoleState } = await import('../../renderer/lib/console.svelte.ts');
    const { ClusterFiles } = await import('../../renderer/lib/cluster-files.svelte.ts');
    const PinReviewDialog = (await import('../../renderer/components/pin-review-dialog.svelte')).default;
    const FP2 = 'EF:'.repeat(31) + '01';
    const pinned: unknown[] = [];
    const imported = { ...DEFINITION, name: 'imported', adminUser: null, pinnedFingerprints: [] };
    const api = fakeApi({
      importCluster: async () => ({ ...imported, pinsToReview: [FP, FP2] }),
      listClusters: async () => ({
        clusters: [{ ...SUMMARY, name: 'imported', adminUser: null, embeddedSandbox: false }],
        notices: [],
      }),
      getCluster: async () => imported,
      status: async () => statusOf([]),
      sandboxState: async () => {
        throw new Error('no sandbox');
      },
      watchState: async () => ({ clusters: [] }),
      trustCertificate: async (arg: unknown) => {
        pinned.push(arg);
        return { cluster: 'imported', pinned: [FP] };
      },
    });
    const app = new ConsoleState(api);
    const files = new ClusterFiles(app);
    render(PinReviewDialog, { files });
    await files.importText('{}');
    // The header's login comes from the list: no admin login is claimed for an imported cluster.
    expect(app.list.selected?.adminUser).toBeNull();
    flushSync();
    const dialog = screen.getByRole('dialog', { name: 'Review the pinned certificates of imported' });
    expect(dialog.textContent).toContain('None is trusted yet');
    expect(within(dialog).getAllByText('not trusted yet')).toHaveLength(2);
    expect(pinned).toEqual([]);
    await fireEvent.click(within(dialog).getByRole('button', { name: `Trust ${FP}` }));
    await vi.waitFor(() => expect(files.pinReview?.pins[0]?.decision).toBe('trusted'));
    expect(pinned).toEqual([{ cluster: 'imported', fingerprint256: FP }]);
    await fireEvent.click(within(dialog).getByRole('button', { name: `Drop ${FP2}` }));
    expect(files.pinReview?.pins[1]?.decision).toBe('dropped');
    expect(pinned).toHaveLength(1);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    await vi.waitFor(() => expect(files.pinReview).toBeNull());
    expect(files.said).toBe('Reviewed the pins of imported: 1 trusted, 1 not trusted.');
  });
});
