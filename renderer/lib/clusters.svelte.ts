/**
 * The clusters sidebar: every cluster with its kind and health, which one is open, and the admin
 * login (stored in the OS keychain by the engine; the password never comes back).
 */
import type { Api } from '../../shared/contract.ts';
import type { ClusterStatus, ClusterSummary } from '../../shared/model.ts';
import type { StatusHealth } from '../../shared/health.ts';
import { healthOfStatus } from '../../shared/health.ts';
import { Task } from './task.svelte.ts';

/**
 * A cluster's health dot and word: one function of its last status (shared/health.ts, the severity
 * order of `status --check`), or where no status is known, why not.
 */
export type Health = StatusHealth | 'failed' | 'checking' | 'unchecked';

export const HEALTH_WORDS: Record<Health, string> = {
  consistent: 'all consistent',
  provisional: 'a provisional key waits',
  warning: 'needs a look',
  drift: 'stale: a key is missing on some node',
  untrusted: 'untrusted certificate',
  balancer: 'the balancer does not answer',
  down: 'a node is down',
  failed: 'status failed',
  checking: 'checking',
  unchecked: 'not checked yet',
};

/** The health of one status; worst first, as `status --check` orders it. */
export function healthOf(status: ClusterStatus): Health {
  return healthOfStatus(status).health;
}

export class ClusterList {
  clusters = $state<ClusterSummary[]>([]);
  /** Notices from loading the config (e.g. a corrupt file moved aside). */
  notices = $state<string[]>([]);
  selectedName = $state<string | null>(null);
  health = $state<Record<string, Health>>({});
  /** Why each cluster has its health, in one sentence naming the nodes (the dot's title). */
  sentences = $state<Record<string, string>>({});
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

  setHealth(name: string, health: Health, sentence?: string): void {
    this.health[name] = health;
    if (sentence !== undefined) this.sentences[name] = sentence;
    else delete this.sentences[name];
  }

  /** Records a status of a cluster: its health and the sentence that says why. */
  setStatus(name: string, status: ClusterStatus): void {
    const verdict = healthOfStatus(status);
    this.setHealth(name, verdict.health, verdict.sentence);
  }

  /** Fills the other clusters' dots, one cluster at a time so a slow one does not crowd the open one. */
  async checkOthers(): Promise<void> {
    for (const c of this.clusters) {
      if (c.name === this.selectedName || this.healthOf(c.name) !== 'unchecked') continue;
      this.setHealth(c.name, 'checking');
      try {
        this.setStatus(c.name, await this.api.status({ cluster: c.name }));
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
