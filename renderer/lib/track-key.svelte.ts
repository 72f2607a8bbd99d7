/**
 * "Track…" on a provisional key a node lists that no consumer here tracks (a friendship made by a
 * consumer outside the console): give it a name and, optionally, its secret, so every screen follows
 * it and a signed probe can verify it. The secret goes one way, into the engine and the keychain.
 */
import type { Api } from '../../shared/contract.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export class TrackKey {
  key = $state<string | null>(null);
  name = $state('');
  secret = $state('');
  readonly task = new Task();

  constructor(
    private readonly api: Api,
    private readonly view: ClusterView,
  ) {}

  ask(key: string): void {
    this.key = key;
    this.name = '';
    this.secret = '';
    this.task.clearError();
  }

  cancel(): void {
    this.key = null;
    this.secret = '';
  }

  async save(): Promise<boolean> {
    const key = this.key;
    if (!key) return false;
    const name = this.name.trim();
    const secret = this.secret;
    const done = await this.task.run(() =>
      this.api.trackConsumer({
        cluster: this.view.name,
        key,
        ...(name ? { name } : {}),
        ...(secret ? { secret } : {}),
      }),
    );
    this.secret = '';
    if (!done) return false;
    this.key = null;
    await this.view.reloadDefinition();
    await this.view.refresh();
    return true;
  }
}
