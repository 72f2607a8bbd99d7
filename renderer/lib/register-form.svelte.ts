/**
 * "Register consumer": name, key (optional: the provider chooses one), the secret typed twice (Register
 * stays disabled while they differ, and a mismatch is refused here before anything is sent), trusted, and the node it goes to. Then the
 * result: approved and verified on that node, and the offer to sync when the other nodes do not have
 * it yet; for ClearQuest and Jazz, the hand-off with the fields to type on that node's admin page.
 */
import type { Api } from '../../shared/contract.ts';
import type { RegisterResult } from '../../shared/contract-repair.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ConsumerState } from '../../shared/model.ts';
import { registersByHand } from '../../shared/provider-words.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export const SECRETS_DIFFER: ErrorInfo = {
  code: 'BAD_INPUT',
  message: 'The two secrets are not the same: type the secret again in both fields. Nothing was sent.',
  details: { field: 'secretAgain' },
};

export class RegisterForm {
  open = $state(false);
  name = $state('');
  key = $state('');
  secret = $state('');
  secretAgain = $state('');
  trusted = $state(false);
  /** The node it goes to; the first node of the cluster unless the admin picks another. */
  node = $state('');
  /** A refusal before sending (the secrets differ). */
  refused = $state<ErrorInfo | null>(null);
  result = $state<RegisterResult | null>(null);
  /** Set once the admin said the hand-off is done and the re-probe ran. */
  reprobed = $state(false);
  /** The key's state on the hand-off's node after the last status, to tell whether the hand-off worked. */
  readonly stateNow: ConsumerState | null = $derived.by(() => {
    const r = this.result;
    return r?.handoff && r.key ? this.view.stateOf(r.handoff.node, r.key) : null;
  });
  readonly task = new Task();
  readonly adminPage = new Task();
  /** True once both secret fields are typed and differ (shown while typing, refused on submit). */
  readonly secretsDiffer = $derived(this.secretAgain !== '' && this.secret !== this.secretAgain);
  /** Register stays disabled until both secrets are typed and the same (issue 18, defect 8). */
  readonly canSubmit = $derived(
    this.name.trim() !== '' &&
      this.secret !== '' &&
      this.secretAgain === this.secret &&
      (!this.keyRequired || this.key.trim() !== '') &&
      !this.task.running,
  );
  private readonly api: Api;
  private readonly view: ClusterView;

  constructor(api: Api, view: ClusterView) {
    this.api = api;
    this.view = view;
  }

  /** ClearQuest registers by hand on the node's form, which asks for the key: then it is chosen here. */
  get keyRequired(): boolean {
    return registersByHand(this.view.summary.kind);
  }

  /** The cluster's node ids, in definition order. */
  get nodes(): string[] {
    return this.view.definition?.nodes.map((n) => n.id) ?? [];
  }

  show(): void {
    this.name = '';
    this.key = '';
    this.secret = '';
    this.secretAgain = '';
    this.trusted = false;
    this.node = this.nodes[0] ?? '';
    this.refused = null;
    this.result = null;
    this.reprobed = false;
    this.task.clearError();
    this.adminPage.clearError();
    this.open = true;
  }

  close(): void {
    this.open = false;
    this.secret = '';
    this.secretAgain = '';
  }

  /** Registers on the chosen node; refuses, without a call, when the two secrets differ. */
  async submit(): Promise<RegisterResult | null> {
    this.refused = null;
    if (this.secret !== this.secretAgain) {
      this.refused = SECRETS_DIFFER;
      return null;
    }
    if (!this.canSubmit) return null;
    const secret = this.secret;
    const key = this.key.trim();
    const result = await this.task.run(() =>
      this.api.register({
        cluster: this.view.name,
        name: this.name.trim(),
        ...(key ? { key } : {}),
        secret,
        trusted: this.trusted,
        ...(this.node ? { node: this.node } : {}),
      }),
    );
    if (!result) return null;
    // The secret is in the OS keychain now (the engine tracks the key); the form forgets it.
    this.secret = '';
    this.secretAgain = '';
    this.result = result;
    const reloaded = await this.view.reloadDefinition();
    this.view.applyRegister(result);
    if (reloaded) await this.view.refresh();
    return result;
  }

  /** The admin did the hand-off (its steps end in "come back here and re-probe"): status, then say. */
  async done(): Promise<void> {
    await this.view.refresh();
    this.reprobed = true;
  }

  /** Hand-off: opens the chosen node's own admin page (a node-pinned window, or a tab). */
  async openAdminPage(): Promise<void> {
    const handoff = this.result?.handoff;
    if (!handoff) return;
    await this.adminPage.run(() =>
      this.api.openAdminPage({ cluster: this.view.name, node: handoff.node, url: handoff.adminUrl }),
    );
  }
}
