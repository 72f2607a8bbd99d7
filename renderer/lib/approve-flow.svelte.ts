/**
 * Approving a provisional key on the node whose memory holds it. Where the product has an API the
 * engine approves it there; for ClearQuest and Jazz it answers a hand-off instead: the admin opens
 * that node's own admin page (a node-pinned window on the desktop, a tab in browser mode), follows
 * the steps, and the console re-probes when they say done or the pinned window closes.
 */
import type { Api } from '../../shared/contract.ts';
import type { ApproveResult } from '../../shared/contract-repair.ts';
import type { ClusterKind, ConsumerState } from '../../shared/model.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export class ApproveFlow {
  result = $state<ApproveResult | null>(null);
  /** The key being approved (set as soon as Approve is clicked). */
  key = $state<string | null>(null);
  node = $state<string | null>(null);
  /** Set once the admin said done (or closed the pinned window) and the re-probe ran. */
  reprobed = $state(false);
  readonly task = new Task();
  readonly adminPage = new Task();
  readonly handoff = $derived(this.result?.handoff ?? null);
  /** The key's state on its node after the last status, to tell whether the hand-off worked. */
  readonly stateNow: ConsumerState | null = $derived.by(() => {
    if (!this.key || !this.node) return null;
    return this.view.stateOf(this.node, this.key);
  });
  private readonly api: Api;
  private readonly view: ClusterView;

  constructor(api: Api, view: ClusterView) {
    this.api = api;
    this.view = view;
  }

  /** The cluster's product: what the nodes still missing the key need (sync, or a restart). */
  get kind(): ClusterKind {
    return this.view.summary.kind;
  }

  /** Approves `key` on `node`, the node that holds it; status re-runs afterwards. */
  async approve(key: string, node: string): Promise<ApproveResult | undefined> {
    this.key = key;
    this.node = node;
    this.result = null;
    this.reprobed = false;
    const result = await this.task.run(() => this.api.approve({ cluster: this.view.name, key, node }));
    if (result) {
      this.result = result;
      // Every screen shows what the approval proved at once; the status below only confirms it.
      this.view.applyApprove(result);
    }
    await this.view.refresh();
    return result;
  }

  /** Opens the hand-off's admin page pinned to its node; a pinned window that closes means done. */
  async openAdminPage(): Promise<void> {
    const handoff = this.handoff;
    if (!handoff) return;
    const page = await this.adminPage.run(() =>
      this.api.openAdminPage({ cluster: this.view.name, node: handoff.node, url: handoff.adminUrl }),
    );
    if (page?.opened === 'pinned-window') await this.done();
  }

  /** The admin says the hand-off is done: re-probe. */
  async done(): Promise<void> {
    await this.view.refresh();
    this.reprobed = true;
  }

  reset(): void {
    this.result = null;
    this.key = null;
    this.node = null;
    this.reprobed = false;
    this.task.clearError();
    this.adminPage.clearError();
  }
}
