/**
 * The clusters sidebar: every cluster with its kind and health, which one is open, and the admin
 * login (stored in the OS keychain by the engine; the password never comes back).
 */
import type { Api } from '../../shared/contract.ts';
import type { ClusterStatus, ClusterSummary } from '../../shared/model.ts';
import { Task } from './task.svelte.ts';
import { nodeCondition } from './words.ts';

/** A cluster's health dot: every key on every node / a key missing somewhere / a node down. */
export type Health = 'consistent' | 'drift' | 'down' | 'untrusted' | 'failed' | 'checking' | 'unchecked';

export const HEALTH_WORDS: Record<Health, string> = {
  consistent: 'all consistent',
  drift: 'drift: a key is missing on some node',
  down: 'a node is down',
  untrusted: "a node's certificate is not trusted",
  failed: 'status failed',
  checking: 'checking',
  unchecked: 'not checked yet',
};

/**
 * A node down outweighs drift: it is the first thing an admin must know. A node refused for its
 * certificate answered: it is "untrusted", not down (issue 18, defect 10), unless another is down.
 */
export function healthOf(status: ClusterStatus): Health {
  const notUp = status.nodes.filter((n) => !n.up);
  if (notUp.some((n) => nodeCondition(n) === 'down')) return 'down';
  if (notUp.length > 0) return 'untrusted';
  if (status.drift.length > 0) return 'drift';
  return 'consistent';
}

export class ClusterList {
  clusters = $state<ClusterSummary[]>([]);
  /** Notices from loading the config (e.g. a corrupt file moved aside). */
  notices = $state<string[]>([]);
  selectedName = $state<string | null>(null);
  health = $state<Record<string, Health>>({});
  readonly loading = new Task();
  readonly selected = $derived(this.clusters.find((c) => c.name === this.selectedName) ?? null);
  private readonly api: Api;

  constructor(api: Api) {
    this.api = api;
  }

  /** Loads the list; opens the embedded sandbox (or the first cluster) when none is open yet. */
  async load(): Promise<void> {
    const listed = await this.loading.run(() => this.api.listClusters({}));
    if (!listed) return;
    this.clusters = listed.clusters;
    this.notices = listed.notices;
    if (!this.selected) {
      const first = listed.clusters.find((c) => c.embeddedSandbox) ?? listed.clusters[0];
      this.selectedName = first?.name ?? null;
    }
  }

  select(name: string): void {
    this.selectedName = name;
  }

  healthOf(name: string): Health {
    return this.health[name] ?? 'unchecked';
  }

  setHealth(name: string, health: Health): void {
    this.health[name] = health;
  }

  /** Fills the other clusters' dots, one cluster at a time so a slow one does not crowd the open one. */
  async checkOthers(): Promise<void> {
    for (const c of this.clusters) {
      if (c.name === this.selectedName || this.healthOf(c.name) !== 'unchecked') continue;
      this.setHealth(c.name, 'checking');
      try {
        this.setHealth(c.name, healthOf(await this.api.status({ cluster: c.name })));
      } catch {
        this.setHealth(c.name, 'failed');
      }
    }
  }

  /** Replaces one summary after a change (login stored or forgotten). */
  async reload(): Promise<void> {
    const listed = await this.api.listClusters({});
    this.clusters = listed.clusters;
    this.notices = listed.notices;
  }
}
