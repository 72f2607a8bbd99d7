/**
 * A secret store that answers first from one-shot, in-memory secrets (e.g. `--password-stdin` on a
 * status call) and otherwise from the OS keychain. Writes go to the keychain: storing is explicit.
 */
import type { SecretStore } from './keychain.ts';

export class OverlaySecretStore implements SecretStore {
  private readonly overlay = new Map<string, string>();

  constructor(private readonly base: SecretStore) {}

  /** Holds a secret for this process only; it is never written anywhere. */
  hold(account: string, secret: string): void {
    this.overlay.set(account, secret);
  }

  async get(account: string): Promise<string | null> {
    return this.overlay.get(account) ?? this.base.get(account);
  }

  async set(account: string, secret: string): Promise<void> {
    await this.base.set(account, secret);
  }

  async delete(account: string): Promise<boolean> {
    this.overlay.delete(account);
    return this.base.delete(account);
  }
}
