/**
 * The clusters sidebar's file and removal actions: import a cluster from an exported file (with a
 * new name when the name is taken), export one as `<name>.json` (the engine's export never holds a
 * secret), and remove one after a confirmation that names it; then the list reloads and another
 * cluster opens. An imported file's pinned certificate fingerprints are not trusted on its word: each
 * is shown for review, to trust or drop (issue 18, defect 12).
 */
import type { ClusterDefinition } from '../../shared/model.ts';
import type { ConsoleState } from './console.svelte.ts';
import { downloadText } from './download.ts';
import { Task } from './task.svelte.ts';

/** One pinned fingerprint from an imported file, and what the admin decided. */
export interface PinToReview {
  fingerprint256: string;
  decision: 'pending' | 'trusted' | 'dropped';
}

export class ClusterFiles {
  readonly importTask = new Task();
  readonly exportTask = new Task();
  readonly removeTask = new Task();
  /** The imported document whose name is taken: import it again under `rename`. */
  pendingImport = $state<{ json: string; name: string } | null>(null);
  rename = $state('');
  /** The cluster the remove confirmation names, while it is open. */
  removing = $state<string | null>(null);
  /** What the last action did, for a polite live region. */
  said = $state('');
  /** The imported cluster whose pinned fingerprints wait for review; none is trusted until the admin says so. */
  pinReview = $state<{ cluster: string; pins: PinToReview[] } | null>(null);
  readonly pinTask = new Task();
  private readonly app: ConsoleState;

  constructor(app: ConsoleState) {
    this.app = app;
  }

  /** Reads a picked file's text and imports it. */
  async importFile(file: Blob): Promise<(ClusterDefinition & { pinsToReview: string[] }) | null> {
    return this.importText(await file.text());
  }

  async importText(json: string, rename?: string): Promise<(ClusterDefinition & { pinsToReview: string[] }) | null> {
    this.said = '';
    const arg = rename !== undefined ? { json, rename: rename.trim() } : { json };
    const def = await this.importTask.run(() => this.app.api.importCluster(arg));
    if (!def) {
      const error = this.importTask.error;
      if (error?.code === 'CLUSTER_EXISTS') {
        const name = typeof error.details?.['name'] === 'string' ? error.details['name'] : '';
        this.pendingImport = { json, name };
        this.rename = name ? `${name}-copy` : '';
      }
      return null;
    }
    this.pendingImport = null;
    this.said = `Imported ${def.name}.`;
    this.pinReview =
      def.pinsToReview.length > 0
        ? {
            cluster: def.name,
            pins: def.pinsToReview.map((fingerprint256) => ({ fingerprint256, decision: 'pending' })),
          }
        : null;
    await this.app.list.reload();
    await this.app.select(def.name);
    return def;
  }

  /** Trusts one reviewed fingerprint (pins it through the same engine path as Trust certificate). */
  async trustPin(fingerprint256: string): Promise<boolean> {
    const review = this.pinReview;
    const pin = review?.pins.find((p) => p.fingerprint256 === fingerprint256);
    if (!review || !pin) return false;
    const done = await this.pinTask.run(() =>
      this.app.api.trustCertificate({ cluster: review.cluster, fingerprint256 }),
    );
    if (!done) return false;
    pin.decision = 'trusted';
    return true;
  }

  /** Leaves one reviewed fingerprint out: it is not pinned. */
  dropPin(fingerprint256: string): void {
    const pin = this.pinReview?.pins.find((p) => p.fingerprint256 === fingerprint256);
    if (pin && pin.decision === 'pending') pin.decision = 'dropped';
  }

  /** Ends the review: what was not trusted stays unpinned; the open cluster is checked again with the new pins. */
  async finishReview(): Promise<void> {
    const review = this.pinReview;
    if (!review) return;
    this.pinReview = null;
    this.pinTask.clearError();
    const trusted = review.pins.filter((p) => p.decision === 'trusted').length;
    this.said = `Reviewed the pins of ${review.cluster}: ${trusted} trusted, ${review.pins.length - trusted} not trusted.`;
    const session = this.app.session;
    if (trusted > 0 && session?.view.name === review.cluster) {
      await session.view.reloadDefinition();
      await session.view.refresh();
    }
  }

  /** Imports the pending document under the typed name. */
  async importRenamed(): Promise<(ClusterDefinition & { pinsToReview: string[] }) | null> {
    if (!this.pendingImport) return null;
    return this.importText(this.pendingImport.json, this.rename);
  }

  cancelImport(): void {
    this.pendingImport = null;
    this.importTask.clearError();
  }

  /** Downloads the cluster's export as `<name>.json`. */
  async exportCluster(name: string): Promise<boolean> {
    this.said = '';
    const exported = await this.exportTask.run(() => this.app.api.exportCluster({ cluster: name }));
    if (!exported) return false;
    downloadText(`${name}.json`, exported.json, 'application/json');
    this.said = `Exported ${name} as ${name}.json (no secret is in it).`;
    return true;
  }

  askRemove(name: string): void {
    this.removeTask.clearError();
    this.removing = name;
  }

  cancelRemove(): void {
    this.removing = null;
  }

  /** Removes the confirmed cluster, forgets its secrets, reloads the list and opens another one. */
  async remove(): Promise<boolean> {
    const name = this.removing;
    if (!name) return false;
    const removed = await this.removeTask.run(() => this.app.api.removeCluster({ cluster: name }));
    if (!removed) return false;
    this.removing = null;
    const forgot = removed.secretsForgotten;
    this.said = `Removed ${name}${forgot ? ` and forgot ${forgot} secret${forgot === 1 ? '' : 's'} in the OS keychain` : ''}.`;
    const list = this.app.list;
    if (list.selectedName === name) list.selectedName = null;
    this.app.forget(name);
    await list.load();
    if (this.app.screen.kind === 'cluster-form' && this.app.screen.edit === name) this.app.screen = { kind: 'cluster' };
    if (!this.app.session && list.selectedName) await this.app.select(list.selectedName);
    return true;
  }
}
