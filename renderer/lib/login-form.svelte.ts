/**
 * The "Log in" dialog and "Forget": the admin user and password go to api.storeCredentials, the
 * engine puts the password in the OS keychain, and this form forgets it as soon as it is sent.
 */
import type { Api } from '../../shared/contract.ts';
import { Task } from './task.svelte.ts';

export class LoginForm {
  open = $state(false);
  user = $state('');
  password = $state('');
  /** Try the password on one node before storing it (off: store it unchecked, e.g. while every node is down). */
  verify = $state(true);
  /** The node that accepted the last stored login, when it was verified. */
  verifiedOn = $state<string | null>(null);
  readonly task = new Task();
  readonly canSubmit = $derived(this.user.trim() !== '' && this.password !== '' && !this.task.running);
  private readonly api: Api;
  private readonly cluster: string;
  private readonly changed: () => void | Promise<void>;

  /** `changed` runs after a login is stored or forgotten (reload the list, re-run status). */
  constructor(api: Api, cluster: string, changed: () => void | Promise<void>, user: string | null = null) {
    this.api = api;
    this.cluster = cluster;
    this.changed = changed;
    this.user = user ?? '';
  }

  show(): void {
    this.password = '';
    this.task.clearError();
    this.open = true;
  }

  async submit(): Promise<boolean> {
    if (!this.canSubmit) return false;
    const password = this.password;
    this.password = '';
    const stored = await this.task.run(() =>
      this.api.storeCredentials({ cluster: this.cluster, user: this.user.trim(), password, verify: this.verify }),
    );
    if (!stored) return false;
    this.verifiedOn = stored.verifiedOn ?? null;
    this.open = false;
    await this.changed();
    return true;
  }

  async forget(): Promise<boolean> {
    const done = await this.task.run(() => this.api.forgetCredentials({ cluster: this.cluster }));
    if (!done) return false;
    await this.changed();
    return true;
  }
}
