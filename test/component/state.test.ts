/** The renderer's state classes against a stand-in Api: status fills the map node by node, sync rows, tasks. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { SyncRun } from '../../renderer/lib/sync-run.svelte.ts';
import { Task, SLOW_AFTER_MS } from '../../renderer/lib/task.svelte.ts';
import { ApiError } from '../../renderer/lib/client.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import { DEFINITION, SUMMARY, fakeApi, nodeStatus } from './_fake-api.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('ClusterView', () => {
  it('marks every node checking, fills each one as its progress event arrives, then takes the drift', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const nodes = [nodeStatus('node1', 'approved'), nodeStatus('node2', 'unknown'), nodeStatus('node3', 'unknown')];
    const status: ClusterStatus = {
      cluster: 'sb',
      kind: 'sandbox',
      checkedAt: new Date().toISOString(),
      nodes,
      drift: [{ key: 'k1', missingOn: ['node2', 'node3'], message: 'k1 is missing on node2, node3' }],
      notices: [],
    };
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: async (_arg: unknown, opts: { onProgress: (e: unknown) => void }) => {
        opts.onProgress({ type: 'node', node: nodes[0] });
        await gate;
        opts.onProgress({ type: 'node', node: nodes[1] });
        opts.onProgress({ type: 'node', node: nodes[2] });
        return status;
      },
    });
    const seen: ClusterStatus[] = [];
    const view = new ClusterView(api, SUMMARY, (s) => seen.push(s));
    await view.reloadDefinition();
    const done = view.refresh();
    await vi.waitFor(() => expect(view.slots[0]!.status?.id).toBe('node1'));
    expect(view.slots.map((s) => s.checking)).toEqual([false, true, true]);
    expect(view.answered).toBe(1);
    expect(view.health).toBe('checking');
    release();
    await done;
    flushSync();
    expect(view.runs).toBe(1);
    expect(view.slots.map((s) => s.missing.length)).toEqual([0, 1, 1]);
    expect(view.health).toBe('drift');
    expect(seen).toHaveLength(1);
    expect(view.consumerName('k1')).toBe('RTC');
  });

  it('keeps the coded error of a failed status and stops showing nodes as checking', async () => {
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: async () => {
        throw new ApiError({ code: 'CLUSTER_NOT_FOUND', message: 'No cluster sb' });
      },
    });
    const view = new ClusterView(api, SUMMARY);
    await view.open();
    expect(view.statusTask.error).toEqual({ code: 'CLUSTER_NOT_FOUND', message: 'No cluster sb' });
    expect(view.slots.every((s) => !s.checking)).toBe(true);
    expect(view.health).toBe('failed');
  });
});

describe('SyncRun', () => {
  function syncWith(events: unknown[], result: unknown) {
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      status: async () => ({ cluster: 'sb', kind: 'sandbox', checkedAt: '', nodes: [], drift: [], notices: [] }),
      sync: async (_arg: unknown, opts: { onProgress: (e: unknown) => void }) => {
        for (const e of events) opts.onProgress(e);
        return result;
      },
    });
    const view = new ClusterView(api, SUMMARY);
    return { view, sync: new SyncRun(api, view) };
  }

  it('shows each node started, retrying, refreshed with its time, or failed with its coded error', async () => {
    const error = { code: 'NODE_UNREACHABLE', message: 'node3 is unreachable', node: 'node3' };
    const { view, sync } = syncWith(
      [
        { type: 'started', node: 'node1', attempt: 1 },
        { type: 'refreshed', node: 'node1', attempts: 1, latencyMs: 12 },
        { type: 'failed', node: 'node2', attempt: 1, error, willRetry: true },
        { type: 'refreshed', node: 'node2', attempts: 2, latencyMs: 30 },
        { type: 'failed', node: 'node3', attempt: 3, error, willRetry: false },
        { type: 'verifying' },
      ],
      {
        cluster: 'sb',
        nodes: [
          { id: 'node1', refreshed: true, attempts: 1, error: null },
          { id: 'node2', refreshed: true, attempts: 2, error: null },
          { id: 'node3', refreshed: false, attempts: 3, error },
        ],
        verified: { consistent: true, drift: [] },
        notices: ['Not verified on node3: unreachable.'],
      },
    );
    await view.reloadDefinition();
    await sync.start();
    expect(sync.rows.map((r) => [r.node, r.state, r.attempt, r.latencyMs])).toEqual([
      ['node1', 'refreshed', 1, 12],
      ['node2', 'refreshed', 2, 30],
      ['node3', 'failed', 3, null],
    ]);
    expect(sync.rows[2]!.error?.code).toBe('NODE_UNREACHABLE');
    expect(sync.failedNodes).toEqual(['node3']);
    expect(sync.consistent).toBe(false);
    expect(sync.phase).toBe('done');
  });

  it('marks a retry while it runs', () => {
    const { sync } = syncWith([], null);
    sync.apply({ type: 'started', node: 'node1', attempt: 1 });
    sync.apply({
      type: 'failed',
      node: 'node1',
      attempt: 1,
      error: { code: 'NODE_TIMEOUT', message: 't' },
      willRetry: true,
    });
    expect(sync.rows[0]!.state).toBe('retrying');
    sync.apply({ type: 'started', node: 'node1', attempt: 2 });
    expect(sync.rows[0]).toMatchObject({ state: 'retrying', attempt: 2 });
  });
});

describe('Task', () => {
  it('says slow only after half a second, and forgets it when done', async () => {
    vi.useFakeTimers();
    const task = new Task();
    let finish!: (v: number) => void;
    const run = task.run(() => new Promise<number>((r) => (finish = r)));
    expect(task.running).toBe(true);
    vi.advanceTimersByTime(SLOW_AFTER_MS - 1);
    expect(task.slow).toBe(false);
    vi.advanceTimersByTime(1);
    expect(task.slow).toBe(true);
    finish(7);
    expect(await run).toBe(7);
    expect(task.running).toBe(false);
    expect(task.slow).toBe(false);
  });

  it('aborts the call on cancel and reports no error for it', async () => {
    const task = new Task();
    let signal!: AbortSignal;
    const run = task.run(
      (s) =>
        new Promise((_r, reject) => {
          signal = s;
          s.addEventListener('abort', () => reject(new DOMException('Cancelled', 'AbortError')));
        }),
    );
    task.cancel();
    expect(await run).toBeUndefined();
    expect(signal.aborted).toBe(true);
    expect(task.cancelled).toBe(true);
    expect(task.error).toBeNull();
  });
});
