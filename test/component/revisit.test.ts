/**
 * Issue 18, defect 1: a view must keep working when the admin leaves it and comes back (and after a
 * cluster switch). Every tab is mounted, left, mounted again, and its main control used each time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { flushSync, tick } from 'svelte';
import App from '../../renderer/app.svelte';
import type { AuditEntry } from '../../shared/contract-repair.ts';
import type { ClusterStatus, ClusterSummary } from '../../shared/model.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

const OTHER: ClusterSummary = { ...SUMMARY, name: 'other', embeddedSandbox: false };

function statusOf(cluster: string): ClusterStatus {
  return {
    cluster,
    kind: 'sandbox',
    checkedAt: new Date().toISOString(),
    nodes: [nodeStatus('node1', 'approved'), nodeStatus('node2', 'approved'), nodeStatus('node3', 'approved')],
    drift: [],
    notices: [],
  };
}

const ENTRIES: AuditEntry[] = [
  {
    time: '2026-12-01T10:00:00Z',
    user: 'a',
    cluster: 'sb',
    node: 'node1',
    action: 'approve',
    key: 'k1',
    outcome: 'ok',
  },
  { time: '2026-12-01T10:01:00Z', user: 'a', cluster: 'sb', node: null, action: 'sync', key: null, outcome: 'failed' },
];

function api() {
  return fakeApi({
    listClusters: async () => ({ clusters: [SUMMARY, OTHER], notices: [] }),
    getCluster: async (arg: { cluster: string }) => ({ ...DEFINITION, name: arg.cluster }),
    status: async (arg: { cluster: string }) => statusOf(arg.cluster),
    watchState: async (arg: { cluster: string }) => ({
      cluster: arg.cluster,
      on: false,
      intervalSeconds: 15,
      heal: true,
      checks: 0,
      lastCheckAt: null,
      recent: [],
    }),
    sandboxState: async () => ({ sticky: true, nodes: [] }),
    audit: async () => ({ entries: ENTRIES, skipped: 0 }),
  });
}

const warnings: unknown[][] = [];
afterEach(() => {
  vi.restoreAllMocks();
  warnings.length = 0;
});

async function openTab(name: string): Promise<HTMLElement> {
  await fireEvent.click(screen.getByRole('tab', { name }));
  await tick();
  return screen.getByRole('tabpanel');
}

/** Uses each view's main control and checks that it answers. */
async function useEveryView(): Promise<void> {
  // Diagnose: typing a key enables the button.
  let panel = await openTab('Diagnose');
  const key = within(panel).getByLabelText('Consumer key') as HTMLInputElement;
  await fireEvent.input(key, { target: { value: 'k1' } });
  flushSync();
  expect(
    within(panel)
      .getByRole('button', { name: /^Diagnose/ })
      .hasAttribute('disabled'),
  ).toBe(false);
  await fireEvent.input(key, { target: { value: '' } });

  await openTab('Map');

  // Flow: choosing a key and a target enables Start.
  panel = await openTab('Flow');
  const start = within(panel).getByRole('button', { name: 'Start the flow' });
  const flowKey = within(panel).getByLabelText(/Consumer key/) as HTMLInputElement | HTMLSelectElement;
  await fireEvent.input(flowKey, { target: { value: 'k1' } });
  await fireEvent.change(flowKey, { target: { value: 'k1' } });
  flushSync();
  expect(start.hasAttribute('disabled')).toBe(false);

  await openTab('Map');

  // Keys: the filter filters.
  panel = await openTab('Keys');
  const filter = within(panel).getByRole('searchbox') as HTMLInputElement;
  await fireEvent.input(filter, { target: { value: 'no-such-key' } });
  flushSync();
  await waitFor(() => expect(within(panel).getByText(/No key matches|0 of 1|no key/i)).toBeTruthy());
  await fireEvent.input(filter, { target: { value: '' } });

  // Audit: a filter filters.
  panel = await openTab('Audit');
  await waitFor(() => expect(within(panel).getAllByRole('row').length).toBe(3));
  const action = within(panel).getByLabelText('Action') as HTMLSelectElement;
  await fireEvent.change(action, { target: { value: 'sync' } });
  flushSync();
  await waitFor(() => expect(within(panel).getAllByRole('row').length).toBe(2));
  await fireEvent.change(action, { target: { value: action.options[0]!.value } });

  await openTab('Map');
}

describe('every view keeps working on a second and third visit', () => {
  it('Diagnose, Flow, Keys and Audit answer their main control after leaving and coming back, and after a cluster switch', async () => {
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
    render(App, { api: api() });
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Map' })).toBeTruthy());
    await useEveryView();
    await useEveryView();
    await fireEvent.click(screen.getByRole('button', { name: /other/ }));
    await waitFor(() => expect(screen.getByRole('heading', { name: /other/ })).toBeTruthy());
    await useEveryView();
    await fireEvent.click(screen.getByRole('button', { name: /^sb|Sandbox|sb/ }));
    await waitFor(() => expect(screen.getByRole('heading', { name: /sb/ })).toBeTruthy());
    await useEveryView();
    expect(warnings.filter((w) => String(w[0]).includes('derived_inert'))).toEqual([]);
  }, 60_000);
});

describe('the empty console', () => {
  it('offers Add cluster… and Start the sandbox, and opens the sandbox it starts', async () => {
    let started = false;
    const a = fakeApi({
      listClusters: async () => ({ clusters: started ? [SUMMARY] : [], notices: [] }),
      startSandbox: async () => {
        started = true;
        return { cluster: 'sb' };
      },
      getCluster: async () => DEFINITION,
      status: async () => statusOf('sb'),
      watchState: async () => ({
        cluster: 'sb',
        on: false,
        intervalSeconds: 15,
        heal: true,
        checks: 0,
        lastCheckAt: null,
        recent: [],
      }),
      sandboxState: async () => ({ sticky: true, nodes: [] }),
    });
    render(App, { api: a });
    const add = await screen.findByRole('button', { name: 'Add cluster…', hidden: false });
    expect(add).toBeTruthy();
    expect(screen.queryByText(/oslc-admin/)).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Start the sandbox' }));
    await waitFor(() => expect(screen.getByRole('heading', { level: 1, name: 'sb' })).toBeTruthy());
    expect(a.startSandbox).toHaveBeenCalledWith({});
  });
});
