/**
 * One open cluster: its definition, the last status and the map, filled in node by node from the
 * status progress events. Status runs when the cluster opens and after every action (`refresh`).
 */
import type { Api } from '../../shared/contract.ts';
import type { ApproveResult, RegisterResult, SyncResult } from '../../shared/contract-repair.ts';
import { computeDrift } from '../../shared/drift.ts';
import { healthOfStatus } from '../../shared/health.ts';
import type { HealthVerdict } from '../../shared/health.ts';
import type {
  ClusterDefinition,
  ClusterStatus,
  ClusterSummary,
  ConsumerState,
  Drift,
  NodeStatus,
} from '../../shared/model.ts';
import type { Health } from './clusters.svelte.ts';
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
  /** Provisional keys this node lists that no consumer here tracks (a friendship made elsewhere). */
  untracked: string[];
}

/** A registration the admin does by hand on one node's own page (ClearQuest): waiting for them. */
export interface PendingHandoff {
  key: string;
  node: string;
  action: 'register' | 'approve';
}

/* eslint-disable svelte/prefer-svelte-reactivity -- the Sets and Maps here are scratch lookups inside one call, never state */
export class ClusterView {
  readonly summary: ClusterSummary;
  /*
   * The definition, the status and each node's answer are raw state: replaced whole, never changed in
   * place (a node's answer is a new object; `patch` copies what it changes). Deep proxies cost a
   * proxy and a signal per consumer of every node: at 128 nodes × 10,000 keys the map took minutes.
   */
  definition = $state.raw<ClusterDefinition | null>(null);
  /** The last complete status (drift and notices come with it). */
  status = $state.raw<ClusterStatus | null>(null);
  /** The latest status of each node, including those of a run still in progress. */
  nodes = $state.raw<Record<string, NodeStatus>>({});
  checking = $state<Record<string, boolean>>({});
  /** Completed status runs; tests and the e2e page object wait on it (`data-status-runs`). */
  runs = $state(0);
  openNodeId = $state<string | null>(null);
  /** Keys waiting for a by-hand step on one node (key → hand-off), until a status shows them there. */
  pending = $state<Record<string, PendingHandoff>>({});
  /**
   * Keys deleted from the repository in this window (key → the node it went through): other nodes
   * keep them in memory until a refresh, which is no "missing" drift. Settled once no node lists them.
   */
  deleted = $state<Record<string, string>>({});
  /** The last status as every screen shows it: the drift of deleted keys left out. */
  readonly shown: ClusterStatus | null = $derived.by(() => {
    const s = this.status;
    const deleted = this.deleted;
    if (!s || Object.keys(deleted).length === 0) return s;
    return { ...s, drift: s.drift.filter((d) => !(d.key in deleted)) };
  });
  readonly statusTask = new Task();
  readonly loadTask = new Task();

  readonly slots: NodeSlot[] = $derived.by(() => {
    const defined = this.definition?.nodes ?? [];
    const drift = this.shown?.drift ?? [];
    const tracked = new Set(this.definition?.consumers.map((c) => c.key) ?? []);
    return defined.map((n) => {
      const status = this.nodes[n.id] ?? null;
      return {
        id: n.id,
        url: n.url,
        status,
        checking: this.checking[n.id] ?? false,
        missing: drift.filter((d) => d.missingOn.includes(n.id)),
        untracked: status?.up ? (status.provisional ?? []).filter((k) => !tracked.has(k)) : [],
      };
    });
  });
  readonly openNode = $derived(this.slots.find((s) => s.id === this.openNodeId) ?? null);
  readonly answered = $derived(this.slots.filter((s) => !s.checking).length);
  /** The health word, from the last status (shown while the next one runs: it only confirms). */
  /** The verdict of shared/health.ts on the shown status, taken once per status (every screen reads it). */
  readonly verdict: HealthVerdict | null = $derived(this.shown ? healthOfStatus(this.shown) : null);
  readonly health: Health = $derived(
    this.verdict
      ? this.verdict.health
      : this.statusTask.running
        ? 'checking'
        : this.statusTask.error
          ? 'failed'
          : 'unchecked',
  );
  /** Why, in one sentence naming the nodes; the same sentence the cluster list shows. */
  readonly healthSentence: string = $derived(
    this.verdict ? this.verdict.sentence : this.statusTask.running ? 'checking every node…' : '',
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
    this.checking = Object.fromEntries(ids.map((id) => [id, true]));
    const run = this.statusTask.run(async (signal) => {
      const status = await this.api.status(
        { cluster: this.name },
        {
          signal,
          onProgress: (event) => {
            if (signal.aborted) return;
            this.nodes = { ...this.nodes, [event.node.id]: event.node };
            this.checking[event.node.id] = false;
          },
        },
      );
      if (signal.aborted) return;
      this.status = status;
      this.nodes = { ...this.nodes, ...byId(status.nodes) };
      this.checking = {};
      this.settlePending();
      this.runs++;
      this.onStatus(this.shown ?? status);
    });
    return run.then(() => {
      if (this.statusTask.error) this.checking = {};
    });
  }

  /**
   * A status taken elsewhere (the watch loop's check): shown on the map as a run of our own would be,
   * unless a run of our own is in progress (its answer is newer).
   */
  applyStatus(status: ClusterStatus): void {
    if (this.statusTask.running || status.cluster !== this.name) return;
    this.status = status;
    this.nodes = { ...this.nodes, ...byId(status.nodes) };
    this.settlePending();
    this.runs++;
    this.onStatus(this.shown ?? status);
  }

  /** Cancels a status run that waits on slow nodes; what arrived so far stays on the map. */
  cancelStatus(): void {
    this.statusTask.cancel();
    this.checking = {};
  }

  /**
   * What an approval proved, applied at once: the key approved on its node and on every node that
   * was found to have it, missing where the result says. Every screen agrees the moment the result
   * arrives; the status that follows only confirms.
   */
  applyApprove(r: ApproveResult): void {
    if (r.handoff) {
      this.pending = { ...this.pending, [r.key]: { key: r.key, node: r.handoff.node, action: 'approve' } };
      return;
    }
    const missing = new Set(r.missingOn ?? []);
    const unasked = new Set((r.unreachable ?? []).map((u) => u.node));
    this.patch((n) => {
      if (!n.up || unasked.has(n.id)) return;
      if (missing.has(n.id)) setKey(n, r.key, 'unknown');
      else if (n.id === r.node || r.verified || r.alreadyApproved) setKey(n, r.key, 'approved');
    });
  }

  /** What a registration proved; a hand-off (ClearQuest's form) waits for the admin, not red "missing". */
  applyRegister(r: RegisterResult): void {
    if (r.handoff) {
      this.pending = { ...this.pending, [r.key]: { key: r.key, node: r.handoff.node, action: 'register' } };
      return;
    }
    if (!r.approved) return;
    const missing = new Set(r.missingOn ?? []);
    const unasked = new Set((r.unreachable ?? []).map((u) => u.node));
    this.patch((n) => {
      if (!n.up || unasked.has(n.id)) return;
      setKey(n, r.key, missing.has(n.id) ? 'unknown' : 'approved');
    });
  }

  /** What a sync verified: every refreshed node holds the keys the verification did not find missing there. */
  applySync(r: SyncResult): void {
    const refreshed = new Set(r.nodes.filter((n) => n.refreshed).map((n) => n.id));
    const stillMissing = new Map(r.verified.drift.map((d) => [d.key, new Set(d.missingOn)]));
    const was = this.status?.drift ?? [];
    this.patch((n) => {
      if (!n.up) return;
      for (const d of was) {
        if (!d.missingOn.includes(n.id)) continue;
        if (stillMissing.get(d.key)?.has(n.id)) continue;
        if (refreshed.has(n.id) || r.verified.consistent) setKey(n, d.key, 'approved');
      }
      for (const d of r.verified.drift) if (d.missingOn.includes(n.id)) setKey(n, d.key, 'unknown');
    });
  }

  /** A consumer deleted from the repository through one node: that node no longer lists it, and it is no longer tracked. */
  applyDelete(key: string, node: string): void {
    const { [key]: _gone, ...rest } = this.pending;
    void _gone;
    this.pending = rest;
    this.deleted = { ...this.deleted, [key]: node };
    this.patch((n) => {
      n.consumers = n.consumers.filter((c) => c.key !== key);
      if (n.id === node) {
        if (n.approved) n.approved = n.approved.filter((k) => k !== key);
        if (n.provisional) n.provisional = n.provisional.filter((k) => k !== key);
      }
    });
  }

  /** The admin gave up a hand-off (closed its dialog without doing it). */
  dropPending(key: string): void {
    const { [key]: _gone, ...rest } = this.pending;
    void _gone;
    this.pending = rest;
  }

  /** Changes every node's state with `change`, then recomputes the drift with the engine's own function. */
  private patch(change: (n: NodeStatus) => void): void {
    // Raw state: each node's answer is copied, changed, and the whole record replaced.
    const next: Record<string, NodeStatus> = {};
    for (const [id, n] of Object.entries(this.nodes)) {
      const copy: NodeStatus = {
        ...n,
        consumers: n.consumers.map((c) => ({ ...c })),
        approved: n.approved ? [...n.approved] : null,
        provisional: n.provisional ? [...n.provisional] : null,
      };
      change(copy);
      next[id] = copy;
    }
    this.nodes = next;
    if (!this.status) return;
    const nodes = this.status.nodes.map((n) => this.nodes[n.id] ?? n);
    this.status = { ...this.status, nodes, drift: computeDrift(nodes, this.summary.kind) };
    this.onStatus(this.shown ?? this.status);
  }

  /** A hand-off is settled once a status shows its key approved (or provisional, for a registration) on its node. */
  private settlePending(): void {
    const left = Object.values(this.pending).filter((p) => {
      const state = this.stateOf(p.node, p.key);
      const listed = this.nodes[p.node]?.approved?.includes(p.key) ?? false;
      return !(state === 'approved' || listed || (p.action === 'register' && state === 'provisional'));
    });
    this.pending = Object.fromEntries(left.map((p) => [p.key, p]));
    const listed = (key: string) =>
      Object.values(this.nodes).some((n) => n.approved?.includes(key) || n.provisional?.includes(key));
    this.deleted = Object.fromEntries(Object.entries(this.deleted).filter(([key]) => listed(key)));
  }

  openPanel(id: string): void {
    this.openNodeId = id;
  }

  closePanel(): void {
    this.openNodeId = null;
  }
}

function byId(nodes: readonly NodeStatus[]): Record<string, NodeStatus> {
  return Object.fromEntries(nodes.map((n) => [n.id, n]));
}

/** Sets one key's state on one node, in its probe answer and its lists alike. */
function setKey(n: NodeStatus, key: string, state: 'approved' | 'unknown'): void {
  const probed = n.consumers.find((c) => c.key === key);
  if (probed) {
    probed.state = state;
    probed.problem = null;
  }
  if (state === 'approved') {
    if (n.provisional) n.provisional = n.provisional.filter((k) => k !== key);
    if (n.approved && !n.approved.includes(key)) n.approved = [...n.approved, key];
  } else if (n.approved) n.approved = n.approved.filter((k) => k !== key);
}
