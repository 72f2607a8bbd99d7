/**
 * The console's parts for issue 12 and 14: the watch switch (on/off, the feed keeping the map in
 * step, changes shown newest first), the approval naming nodes it could not ask, the balancer's own
 * state on the map, and the login dialog's "check the password first".
 */
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ApproveResult from '../../renderer/components/approve-result.svelte';
import ClusterMap from '../../renderer/components/cluster-map.svelte';
import WatchSwitchView from '../../renderer/components/watch-switch.svelte';
import { ApproveFlow } from '../../renderer/lib/approve-flow.svelte.ts';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { LoginForm } from '../../renderer/lib/login-form.svelte.ts';
import { SyncRun } from '../../renderer/lib/sync-run.svelte.ts';
import { WatchSwitch } from '../../renderer/lib/watch-switch.svelte.ts';
import type { CallOptions } from '../../shared/contract.ts';
import type { WatchView } from '../../shared/contract-watch.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

const off: WatchView = {
  cluster: 'sb',
  on: false,
  intervalSeconds: 15,
  heal: true,
  checks: 0,
  lastCheckAt: null,
  recent: [],
};
const status = (over: Partial<ClusterStatus> = {}): ClusterStatus => ({
  cluster: 'sb',
  kind: 'sandbox',
  checkedAt: '2026-12-01T10:00:00.000Z',
  nodes: [nodeStatus('node1', 'approved'), nodeStatus('node2', 'down', false), nodeStatus('node3', 'approved')],
  drift: [],
  notices: [],
  ...over,
});

describe('WatchSwitch', () => {
  it('is off by default; on, it listens to the feed: checks update the map, changes are listed newest first', async () => {
    let emit: ((e: unknown) => void) | null = null;
    let feedSignal: AbortSignal | undefined;
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      watchState: async () => off,
      setWatch: async (arg: { on: boolean }) => ({ ...off, on: arg.on }),
      watchFeed: (_arg: unknown, opts: CallOptions<'watchFeed'>) =>
        new Promise((resolve) => {
          emit = opts.onProgress as (e: unknown) => void;
          feedSignal = opts.signal;
          opts.signal?.addEventListener('abort', () => resolve(off));
        }),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const watch = new WatchSwitch(api, view);
    await watch.load();
    render(WatchSwitchView, { watch });
    const toggle = screen.getByRole('switch', { name: 'Watch this cluster' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(api.watchFeed).not.toHaveBeenCalled();

    await fireEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(api.setWatch).toHaveBeenCalledWith({ cluster: 'sb', on: true });
    await waitFor(() => expect(emit).not.toBeNull());
    expect(screen.getByText(/every 15 s, refreshing nodes that drift/)).toBeTruthy();

    emit!({ type: 'check', cluster: 'sb', status: status(), at: '2026-12-01T10:00:01.000Z' });
    expect(view.runs).toBe(1);
    expect(view.nodes.node2?.up).toBe(false);
    const change = (type: string, text: string, severity: string) => ({
      type: 'change',
      change: { time: '2026-12-01T10:00:01.000Z', cluster: 'sb', type, node: 'node2', severity, text },
    });
    emit!(change('node-down', 'node2 is down (NODE_UNREACHABLE: refused)', 'critical'));
    emit!(change('node-up', 'node2 is up again', 'info'));
    await waitFor(() => expect(screen.getByText(/2 changes seen by the watch/)).toBeTruthy());
    const items = screen.getAllByRole('listitem').map((li) => li.textContent ?? '');
    expect(items[0]).toContain('node2 is up again');
    expect(items[1]).toMatch(/problem.*node2 is down/);

    await fireEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('false'));
    expect(feedSignal?.aborted).toBe(true);
  });

  it('a status run of its own wins over a watch check that arrives meanwhile', async () => {
    let finish: ((s: ClusterStatus) => void) | null = null;
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: () => new Promise<ClusterStatus>((r) => (finish = r)),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const run = view.refresh();
    view.applyStatus(status());
    expect(view.runs).toBe(0);
    finish!(
      status({
        nodes: [nodeStatus('node1', 'approved'), nodeStatus('node2', 'approved'), nodeStatus('node3', 'approved')],
      }),
    );
    await run;
    expect(view.nodes.node2?.up).toBe(true);
    view.applyStatus(status({ cluster: 'other' }));
    expect(view.nodes.node2?.up).toBe(true);
  });
});

describe('what the console says of nodes it could not ask', () => {
  it('an approval lists the unreachable nodes by id with their codes', async () => {
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      // The status after the approval agrees with it: node3 still lacks the key.
      status: async () =>
        status({
          nodes: [nodeStatus('node1', 'approved'), nodeStatus('node2', 'down', false), nodeStatus('node3', 'unknown')],
          drift: [{ key: 'k1', missingOn: ['node3'], message: 'k1 is missing on node3' }],
        }),
      approve: async () => ({
        key: 'k1',
        node: 'node1',
        verified: true,
        probe: null,
        handoff: null,
        missingOn: ['node3'],
        alreadyApproved: false,
        unreachable: [{ node: 'node2', code: 'NODE_TIMEOUT', message: 'node2 did not answer within 5 s' }],
      }),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const flow = new ApproveFlow(api, view);
    render(ApproveResult, { flow, sync: new SyncRun(api, view), view });
    await flow.approve('k1', 'node1');
    const region = await screen.findByRole('region', { name: 'Approval' });
    await waitFor(() => expect(region.textContent).toContain('Could not ask this node'));
    expect(region.textContent).toMatch(/node2\s*NODE_TIMEOUT\s*node2 did not answer within 5 s/);
    expect(region.textContent).toContain('Still missing on node3');
  });

  it('the map says when the balancer itself does not answer, and who served it when it does', async () => {
    const dead = status({
      balancer: {
        url: 'http://127.0.0.1:9000',
        up: false,
        latencyMs: null,
        answeredBy: null,
        cloneId: null,
        error: { code: 'NODE_TIMEOUT', message: 'the balancer did not answer within 5 s' },
      },
    });
    let next = dead;
    const api = fakeApi({ getCluster: async () => DEFINITION, status: async () => next });
    const view = new ClusterView(api, SUMMARY);
    await view.open();
    render(ClusterMap, { view });
    const box = screen.getByRole('group', { name: 'balancer' });
    expect(box.textContent).toMatch(/did not answer — NODE_TIMEOUT: the balancer did not answer within 5 s/);
    next = status({
      balancer: { ...dead.balancer!, up: true, latencyMs: 4, answeredBy: 'node3', cloneId: 'c3', error: null },
    });
    await view.refresh();
    await waitFor(() => expect(box.textContent).toContain('answers (served by node3), 4 ms'));
    next = status({
      balancer: { ...dead.balancer!, error: { code: 'LOGIN_PAGE', message: 'an HTML sign-on page with HTTP 200' } },
    });
    await view.refresh();
    await waitFor(() => expect(box.textContent).toContain('answered with a login page instead of the provider'));
    expect(box.textContent).not.toContain('did not answer');
  });
});

describe('LoginForm', () => {
  it('asks the engine to check the password on a node first, unless unticked', async () => {
    const storeCredentials = vi.fn(async (arg: { verify?: boolean }) => ({
      cluster: 'sb',
      user: 'admin',
      storedIn: 'keychain' as const,
      verifiedOn: arg.verify ? 'node2' : null,
    }));
    const form = new LoginForm(fakeApi({ storeCredentials }), 'sb', () => undefined, 'admin');
    form.password = 'pw';
    expect(await form.submit()).toBe(true);
    expect(storeCredentials).toHaveBeenLastCalledWith({ cluster: 'sb', user: 'admin', password: 'pw', verify: true });
    expect(form.verifiedOn).toBe('node2');
    form.verify = false;
    form.password = 'pw';
    await form.submit();
    expect(storeCredentials).toHaveBeenLastCalledWith({ cluster: 'sb', user: 'admin', password: 'pw', verify: false });
    expect(form.verifiedOn).toBeNull();
  });
});
