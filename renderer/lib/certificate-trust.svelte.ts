/**
 * Trust a node's (or the balancer's) certificate where the console shows it untrusted: the map card,
 * the balancer strip and the node panel. One per open cluster, kept outside the views; the Trust
 * certificate dialog (fingerprint confirmation) opens where it was asked from, and nothing is pinned
 * until the admin confirms. The pin goes through the same engine path as the CLI's `trust`.
 */
import type { Api } from '../../shared/contract.ts';
import { BALANCER_ID } from '../../shared/diagnose.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import type { PresentedCertificate } from './keys-matrix.svelte.ts';
import { untrustedCertificate } from './keys-matrix.svelte.ts';
import { Task } from './task.svelte.ts';

/** Where the Trust action was taken, so its dialog opens there (one dialog, never two). */
export type TrustPlace = 'map' | 'panel';

/** `node1`, or "the balancer". */
export function certificateOwner(node: string): string {
  return node === BALANCER_ID ? 'the balancer' : node;
}

export class CertificateTrust {
  /** The node (or {@link BALANCER_ID}) whose certificate the admin is asked to confirm, and from where. */
  asking = $state<{ node: string; from: TrustPlace; certificate: PresentedCertificate } | null>(null);
  /** Set after a pin succeeded, for the live line next to where it was asked. */
  message = $state<string | null>(null);
  messageFrom = $state<TrustPlace | null>(null);
  readonly task = new Task();
  private readonly api: Api;
  private readonly view: ClusterView;

  constructor(api: Api, view: ClusterView) {
    this.api = api;
    this.view = view;
  }

  /** The untrusted certificate `node` (or the balancer) presented at the last status; null when there is none. */
  certificateOf(node: string): PresentedCertificate | null {
    const pinned = this.view.definition?.pinnedFingerprints ?? [];
    if (node === BALANCER_ID) return untrustedCertificate(null, pinned, this.view.status?.balancer?.error);
    return untrustedCertificate(this.view.nodes[node] ?? null, pinned);
  }

  /** Opens the confirmation for `node`'s certificate; does nothing when it presented none to trust. */
  ask(node: string, from: TrustPlace): void {
    const certificate = this.certificateOf(node);
    if (!certificate) return;
    this.task.clearError();
    this.message = null;
    this.messageFrom = null;
    this.asking = { node, from, certificate };
  }

  cancel(): void {
    this.asking = null;
    this.task.clearError();
  }

  /** The admin confirmed the fingerprint shown: pin it, then status again. A failure stays in the dialog. */
  async confirm(): Promise<boolean> {
    const asking = this.asking;
    if (!asking) return false;
    const { node, certificate, from } = asking;
    const done = await this.task.run(() =>
      this.api.trustCertificate({ cluster: this.view.name, fingerprint256: certificate.fingerprint256, node }),
    );
    if (!done) return false;
    this.asking = null;
    this.messageFrom = from;
    this.message = `Trusted the certificate of ${certificateOwner(node)} (SHA-256 ${certificate.fingerprint256}).`;
    await this.view.reloadDefinition();
    await this.view.refresh();
    return true;
  }
}
