/**
 * Two secret-store layers every door uses:
 * - OverlaySecretStore answers first from one-shot, in-memory secrets (e.g. `--password-stdin` on a
 *   status call) and otherwise from the OS keychain. Writes go to the keychain: storing is explicit.
 * - HomeSecretStore names every entry after the config directory it belongs to (see
 *   config/home-id.ts), so two homes with a cluster of the same name never share a secret, and
 *   moves the entries of older versions (named by cluster alone) over on first use.
 */
import { ensureHomeId, readHomeId } from './config/home-id.ts';
import { getSecrets } from './keychain.ts';
import type { SecretStore } from './keychain.ts';

export class OverlaySecretStore implements SecretStore {
  private readonly overlay = new Map<string, string>();

  constructor(private readonly base: SecretStore) {}

  /** Holds a secret for this process only; it is never written anywhere. */
  hold(account: string, secret: string): void {
    this.overlay.set(account, secret);
  }

  /** The secret held for `account` in this process, if any (never the keychain's). */
  held(account: string): string | undefined {
    return this.overlay.get(account);
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

  async getMany(accounts: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const rest = accounts.filter((a) => {
      const held = this.overlay.get(a);
      if (held !== undefined) out.set(a, held);
      return held === undefined;
    });
    if (rest.length) for (const [a, v] of await getSecrets(this.base, rest)) out.set(a, v);
    return new Map(accounts.map((a) => [a, out.get(a) ?? null]));
  }
}

/** The keychain account of `account` (e.g. `cluster/prod/admin`) for the home whose id is `homeId`. */
/** Accounts that only ever existed under a home id (see {@link HomeSecretStore.get}). */
const NO_LEGACY_NAME = /\/admin-sessions$/;

export function homeAccount(homeId: string, account: string): string {
  return `home/${homeId}/${account}`;
}

interface Holding {
  hold?(account: string, secret: string): void;
  held?(account: string): string | undefined;
}

/**
 * The secret store of one config directory. Accounts are given as before (`cluster/<name>/…`) and
 * kept as `home/<home id>/cluster/<name>/…`. Secrets held for one process (`hold`) stay unscoped:
 * they never leave the process, which has one home.
 *
 * Migration of an entry written before homes had ids (`cluster/<name>/…` alone), decided here:
 * such an entry may have been written by ANY home that had a cluster of that name (they shared
 * it; the last to store won), and nothing in it tells which. The first home that reads it — the
 * engine reads a secret only where its definition says one is stored — claims it: the secret is
 * written under the home's own name, then the old entry is deleted, so no second home can take it
 * too. A second home with that cluster name then finds no secret and is told to log in again;
 * it never silently shares the first's. Storing a secret never touches an old entry (it may be
 * another home's, not yet claimed); deleting one removes the old entry only when this home had
 * not claimed one of its own (the old one is then the one this home was using).
 */
export class HomeSecretStore implements SecretStore {
  #id: string | null = null;
  /** One-shot secrets, where the base store cannot hold them itself. */
  readonly #held = new Map<string, string>();

  constructor(
    private readonly base: SecretStore,
    readonly home: string,
  ) {}

  hold(account: string, secret: string): void {
    const b = this.base as Holding;
    if (b.hold) b.hold(account, secret);
    else this.#held.set(account, secret);
  }

  async #knownId(): Promise<string | null> {
    this.#id ??= await readHomeId(this.home);
    return this.#id;
  }

  async #ensuredId(): Promise<string> {
    this.#id ??= await ensureHomeId(this.home);
    return this.#id;
  }

  async get(account: string): Promise<string | null> {
    const held = (this.base as Holding).held?.(account) ?? this.#held.get(account);
    if (held !== undefined) return held;
    const id = await this.#knownId();
    if (id !== null) {
      const own = await this.base.get(homeAccount(id, account));
      if (own !== null) return own;
    }
    return this.#legacy(account);
  }

  /** Several at once under the home's names (the base store's getMany); what is not there, as `get` finds it. */
  async getMany(accounts: readonly string[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    const rest = accounts.filter((a) => {
      const held = (this.base as Holding).held?.(a) ?? this.#held.get(a);
      if (held !== undefined) found.set(a, held);
      return held === undefined;
    });
    const id = rest.length ? await this.#knownId() : null;
    const own =
      id !== null
        ? await getSecrets(
            this.base,
            rest.map((a) => homeAccount(id, a)),
          )
        : new Map();
    const values = await Promise.all(
      rest.map(async (a) => (id !== null ? own.get(homeAccount(id, a)) : null) ?? (await this.#legacy(a))),
    );
    rest.forEach((a, i) => found.set(a, values[i] ?? null));
    return new Map(accounts.map((a) => [a, found.get(a) ?? null]));
  }

  /** An entry of the old naming (cluster name alone), claimed for this home when found; see the class comment. */
  async #legacy(account: string): Promise<string | null> {
    // Accounts named after the home-id scheme (the kept admin sessions) never had a legacy name:
    // asking for one would cost a second keychain round trip each time the entry is missing.
    if (NO_LEGACY_NAME.test(account)) return null;
    const legacy = await this.base.get(account);
    if (legacy === null) return null;
    // Claim it: own copy first, then the old one goes (a failure between leaves both: never none).
    const mine = await this.#ensuredId();
    await this.base.set(homeAccount(mine, account), legacy);
    await this.base.delete(account);
    return legacy;
  }

  async set(account: string, secret: string): Promise<void> {
    await this.base.set(homeAccount(await this.#ensuredId(), account), secret);
  }

  async delete(account: string): Promise<boolean> {
    const id = await this.#knownId();
    this.#held.delete(account);
    const own = id !== null ? await this.base.delete(homeAccount(id, account)) : false;
    if (own) return true;
    return this.base.delete(account);
  }
}
