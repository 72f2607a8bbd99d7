/**
 * "Sync all nodes": log in to every node (refresh each registry), live per-node rows from the sync
 * progress events, then the verification summary. Cancel aborts the call; "Retry failed nodes" runs
 * it again. Status re-runs when it is done.
 */
import type { Api } from '../../shared/contract.ts';
import type { SyncEvent, SyncResult } from '../../shared/contract-repair.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ClusterKind, NodeStatus } from '../../shared/model.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { cannotRefresh } from '../../shared/provider-words.ts';
import { Task } from './task.svelte.ts';

export type SyncRowState = 'waiting' | 'started' | 'retrying' | 'refreshed' | 'failed';

export const SYNC_ROW_WORDS: Record<SyncRowState, string> = {
  waiting: 'waiting',
  started: 'logging in',
  retrying: 'retrying',
  refreshed: 'refreshed',
  failed: 'failed',
};

export interface SyncRow {
  node: string;
  state: SyncRowState;
  attempt: number;
  latencyMs: number | null;
  /** The last failure, also while retrying. */
  error: ErrorInfo | null;
}

/**
 * How a node of a product that cannot refresh a running node (Lyo: NOT_SUPPORTED) came out of
 * "Verify all nodes" (issue 18, defect 15): not a failure of the run. `verified`: every key is loaded
 * there; `restart`: a key approved elsewhere is not (only a restart loads it); `unverified`: the node
 * could not be asked (its status says why).
 */
export type VerifyOutcome = 'verified' | 'restart' | 'unverified';

export const VERIFY_WORDS: Record<VerifyOutcome, string> = {
  verified: 'verified',
  restart: 'restart needed',
  unverified: 'not verified',
};

export function verifyOutcome(
  node: string,
  drift: readonly { missingOn: readonly string[] }[],
  status: { up: boolean } | null | undefined,
): VerifyOutcome {
  if (status && !status.up) return 'unverified';
  if (drift.some((d) => d.missingOn.includes(node))) return 'restart';
  return 'verified';
}

export type SyncPhase = 'idle' | 'running' | 'verifying' | 'done' | 'cancelled' | 'failed';

export class SyncRun {
  rows = $state<SyncRow[]>([]);
  phase = $state<SyncPhase>('idle');
  result = $state<SyncResult | null>(null);
  readonly task = new Task();
  readonly failedNodes = $derived(this.rows.filter((r) => r.state === 'failed').map((r) => r.node));
  readonly refreshedCount = $derived(this.rows.filter((r) => r.state === 'refreshed').length);
  readonly active = $derived(this.phase === 'running' || this.phase === 'verifying');
  /**
   * Every node refreshed (or, where the product cannot refresh a node, verified instead) and no drift,
   * no unreachable or unverified node.
   */
  readonly consistent = $derived(
    this.result !== null &&
      this.result.verified.consistent &&
      this.result.nodes.every((n) => n.refreshed || cannotRefresh(n)),
  );
  private readonly api: Api;
  private readonly view: ClusterView;

  /** The cluster's product: Lyo cannot refresh a node, so its "sync" only verifies. */
  get kind(): ClusterKind {
    return this.view.summary.kind;
  }

  constructor(api: Api, view: ClusterView) {
    this.api = api;
    this.view = view;
  }

  /** Starts (or, after failures, re-runs) the sync of every node. */
  async start(): Promise<void> {
    if (this.active) return;
    const ids = this.view.definition?.nodes.map((n) => n.id) ?? [];
    this.rows = ids.map((node) => ({ node, state: 'waiting', attempt: 0, latencyMs: null, error: null }));
    this.result = null;
    this.phase = 'running';
    const result = await this.task.run((signal) =>
      this.api.sync({ cluster: this.view.name }, { signal, onProgress: (e) => this.apply(e) }),
    );
    if (!result) {
      this.phase = this.task.cancelled ? 'cancelled' : 'failed';
      this.rows = this.rows.map((r) =>
        r.state === 'started' || r.state === 'retrying' ? { ...r, state: 'waiting' } : r,
      );
    } else {
      this.result = result;
      for (const n of result.nodes) {
        const row = this.row(n.id);
        if (n.refreshed) Object.assign(row, { state: 'refreshed', attempt: n.attempts });
        else Object.assign(row, { state: 'failed', attempt: n.attempts, error: n.error });
      }
      this.phase = 'done';
      this.view.applySync(result);
    }
    await this.view.refresh();
  }

  cancel(): void {
    this.task.cancel();
  }

  /** The node's latest status on the map (the verification's status run, or the one after it). */
  statusOf(node: string): NodeStatus | null {
    return this.view.nodes[node] ?? null;
  }

  /** A node this product cannot refresh, once the run verified it; null before the result or for other rows. */
  outcomeOf(row: SyncRow): VerifyOutcome | null {
    if (!this.result || row.error?.code !== 'NOT_SUPPORTED') return null;
    return verifyOutcome(row.node, this.result.verified.drift, this.view.nodes[row.node]);
  }

  /** Forgets the last run (the panel closes). */
  dismiss(): void {
    if (this.active) return;
    this.phase = 'idle';
    this.rows = [];
    this.result = null;
    this.task.clearError();
  }

  apply(event: SyncEvent): void {
    if (event.type === 'verifying') {
      this.phase = 'verifying';
      return;
    }
    const row = this.row(event.node);
    if (event.type === 'started') {
      row.state = event.attempt > 1 ? 'retrying' : 'started';
      row.attempt = event.attempt;
    } else if (event.type === 'refreshed') {
      row.state = 'refreshed';
      row.attempt = event.attempts;
      row.latencyMs = event.latencyMs;
      row.error = null;
    } else {
      row.state = event.willRetry ? 'retrying' : 'failed';
      row.attempt = event.attempt;
      row.error = event.error;
    }
  }

  private row(node: string): SyncRow {
    let row = this.rows.find((r) => r.node === node);
    if (!row) {
      this.rows.push({ node, state: 'waiting', attempt: 0, latencyMs: null, error: null });
      row = this.rows[this.rows.length - 1]!;
    }
    return row;
  }
}
