/**
 * One open cluster: its definition, the last status and the map, filled in node by node from the
 * status progress events. Status runs when the cluster opens and after every action (`refresh`).
 */
import type { Api } from '../../shared/contract.ts';
import type {
  ClusterDefinition,
  ClusterStatus,
  ClusterSummary,
  ConsumerState,
  Drift,
  NodeStatus,
} from '../../shared/model.ts';
import type { Health } from './clusters.svelte.ts';
import { healthOf } from './clusters.svelte.ts';
import { Task } from './task.svelte.ts';

/** One card of the map: what the definition says, and what the last probe of that node said. */
export interface NodeSlot {
  id: string;
  url: string;
  status: NodeStatus | null;
  /** True while a status run has not heard back from this node yet. */
  checking: boolean;
  /** Approved keys that this node has not loaded: requests sent here fail with invalid_expired_token. */
  missing: Drift[];
}

export class ClusterView {
  readonly summary: ClusterSummary;
  definition = $state<ClusterDefinition | null>(null);
  /** The last complete status (drift and notices come with it). */
  status = $state<ClusterStatus | null>(null);
  /** The latest status of each node, including those of a run still in progress. */
  nodes = $state<Record<string, NodeStatus>>({});
  pending = $state<Record<string, boolean>>({});
  /** Completed status runs; tests and the e2e page object wait on it (`data-status-runs`). */
  runs = $state(0);
  openNodeId = $state<string | null>(null);
  readonly statusTask = new Task();
  readonly loadTask = new Task();

  readonly slots: NodeSlot[] = $derived.by(() => {
    const defined = this.definition?.nodes ?? [];
    const drift = this.status?.drift ?? [];
    return defined.map((n) => ({
      id: n.id,
      url: n.url,
      status: this.nodes[n.id] ?? null,
      checking: this.pending[n.id] ?? false,
      missing: drift.filter((d) => d.missingOn.includes(n.id)),
    }));
  });
  readonly openNode = $derived(this.slots.find((s) => s.id === this.openNodeId) ?? null);
  readonly answered = $derived(this.slots.filter((s) => !s.checking).length);
  readonly health: Health = $derived(
    this.statusTask.running
      ? 'checking'
      : this.status
        ? healthOf(this.status)
        : this.statusTask.error
          ? 'failed'
          : 'unchecked',
  );

  private readonly api: Api;
  private readonly onStatus: (status: ClusterStatus) => void;

  constructor(api: Api, summary: ClusterSummary, onStatus: (status: ClusterStatus) => void = () => {}) {
    this.api = api;
    this.summary = summary;
    this.onStatus = onStatus;
  }

  get name(): string {
    return this.summary.name;
  }

  /** A key's state on one node after the last status; null when that node did not say. */
  stateOf(node: string, key: string): ConsumerState | null {
    return this.nodes[node]?.consumers.find((c) => c.key === key)?.state ?? null;
  }

  /** The tracked consumer's name for a key, or the key itself. */
  consumerName(key: string): string {
    return this.definition?.consumers.find((c) => c.key === key)?.name ?? key;
  }

  /** Opening the cluster: its definition, then status. */
  async open(): Promise<void> {
    if (await this.reloadDefinition()) await this.refresh();
  }

  async reloadDefinition(): Promise<boolean> {
    const def = await this.loadTask.run(() => this.api.getCluster({ cluster: this.name }));
    if (def) this.definition = def;
    return def !== undefined;
  }

  /**
   * Runs status; every node is marked checking at once (synchronously, so whoever waits for the
   * run sees it started) and filled in as its progress event arrives. A new run supersedes an old one.
   */
  refresh(): Promise<void> {
    const ids = this.definition?.nodes.map((n) => n.id) ?? [];
    this.pending = Object.fromEntries(ids.map((id) => [id, true]));
    const run = this.statusTask.run(async (signal) => {
      const status = await this.api.status(
        { cluster: this.name },
        {
          signal,
          onProgress: (event) => {
            if (signal.aborted) return;
            this.nodes[event.node.id] = event.node;
            this.pending[event.node.id] = false;
          },
        },
      );
      if (signal.aborted) return;
      this.status = status;
      for (const n of status.nodes) this.nodes[n.id] = n;
      this.pending = {};
      this.runs++;
      this.onStatus(status);
    });
    return run.then(() => {
      if (this.statusTask.error) this.pending = {};
    });
  }

  /**
   * A status taken elsewhere (the watch loop's check): shown on the map as a run of our own would be,
   * unless a run of our own is in progress (its answer is newer).
   */
  applyStatus(status: ClusterStatus): void {
    if (this.statusTask.running || status.cluster !== this.name) return;
    this.status = status;
    for (const n of status.nodes) this.nodes[n.id] = n;
    this.runs++;
    this.onStatus(status);
  }

  /** Cancels a status run that waits on slow nodes; what arrived so far stays on the map. */
  cancelStatus(): void {
    this.statusTask.cancel();
    this.pending = {};
  }

  openPanel(id: string): void {
    this.openNodeId = id;
  }

  closePanel(): void {
    this.openNodeId = null;
  }
}
