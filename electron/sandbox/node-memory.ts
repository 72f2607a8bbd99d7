/**
 * What one node keeps in its own memory and loses on restart: the provisional keys it created, its
 * registry (a copy of the repository, refreshed only on start and on refresh/login), its tokens, its
 * nonces and its HTTP sessions. Nothing here is shared between nodes; that is the point of the
 * sandbox (seeds swg21643365 and "provisional key ... single server").
 */
import type { StoredConsumer } from './repository.ts';

export type Consumer = StoredConsumer;

/** Request tokens expire 10 minutes after issue (IBM Connections Cloud, "Step 3: Obtain authorization"). */
export const REQUEST_TOKEN_LIFETIME_MS = 600_000;

export interface RequestToken {
  token: string;
  secret: string;
  consumerKey: string;
  /** `oauth_callback` as sent (§2.1), possibly `oob`. */
  callback: string;
  /** On the node's clock. */
  issuedAtMs: number;
  /** pending → authorized | denied → used (exchanged for an access token). */
  state: 'pending' | 'authorized' | 'denied' | 'used';
  verifier: string | null;
}

export interface AccessToken {
  token: string;
  secret: string;
  consumerKey: string;
  user: string;
}

export interface Session {
  /** The whole JSESSIONID value, `0000<id>:<cloneId>`; also the Lyo CSRF value. */
  id: string;
  admin: boolean;
  /** The page a form login was asked for on (Jazz: after j_security_check the admin lands there again). */
  returnTo?: string;
}

/**
 * A map that forgets its oldest entries beyond `capacity`, like Eclipse Lyo's per-JVM LRU token caches
 * (500 request tokens, 5000 access tokens), so a long-running sandbox cannot grow without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.capacity) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return this;
  }
}

/**
 * Nonces seen within the timestamp window. @see RFC 5849 §3.3 — a nonce is unique per timestamp,
 * client credentials and token; it only has to be remembered while its timestamp is still acceptable.
 */
export class NonceStore {
  private readonly seen = new Map<string, number>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly capacity = 100_000) {}

  /** Records the nonce; false when it was already used. `expiresAtMs` and `nowMs` are on the node clock. */
  remember(
    consumerKey: string,
    token: string,
    timestamp: string,
    nonce: string,
    expiresAtMs: number,
    nowMs: number,
  ): boolean {
    this.prune(nowMs);
    const id = JSON.stringify([consumerKey, token, timestamp, nonce]);
    if (this.seen.has(id)) return false;
    this.seen.set(id, expiresAtMs);
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    // A full sweep at most once a second: cheap, and an expired entry only ever refuses a stale request.
    if (Math.abs(nowMs - this.lastPruneMs) < 1000) return;
    this.lastPruneMs = nowMs;
    for (const [id, expires] of this.seen) if (expires < nowMs) this.seen.delete(id);
  }
}

/** A map that counts its changes, so what is derived from it (a serialized list) can be cached. */
export class CountingMap<K, V> extends Map<K, V> {
  /** Bumped by every set, delete and clear. */
  changes = 0;

  override set(key: K, value: V): this {
    this.changes++;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.changes++;
    return super.delete(key);
  }

  override clear(): void {
    this.changes++;
    super.clear();
  }
}

export class NodeMemory {
  /** Approved consumers as this node last loaded them from the repository. Their objects are frozen, shared with the repository. */
  readonly registry = new CountingMap<string, Readonly<Consumer>>();
  /** Consumers created by `requestKey` on this node and not yet approved. */
  readonly provisional = new CountingMap<string, Consumer>();
  /**
   * The repository snapshot the registry was loaded from, while the registry still equals it (the
   * change count tells): nodes that loaded the same snapshot share what is derived from it.
   */
  #loaded: { from: readonly Readonly<Consumer>[]; changes: number } | null = null;
  readonly requestTokens = new BoundedMap<string, RequestToken>(500);
  readonly accessTokens = new BoundedMap<string, AccessToken>(5000);
  readonly sessions = new BoundedMap<string, Session>(10_000);
  readonly nonces = new NonceStore();

  /** Replaces the registry with the repository's consumers ("log in to the node"); frozen, so not copied. */
  loadRegistry(consumers: readonly Readonly<Consumer>[]): void {
    // Loaded from this same snapshot and unchanged since: it already holds exactly these (a refresh of
    // an unchanged 50,000-key repository on 64 nodes would otherwise rebuild 64 registries).
    if (consumers.length > 0 && this.registrySource === consumers) return;
    this.registry.clear();
    for (const c of consumers) this.registry.set(c.key, Object.isFrozen(c) ? c : Object.freeze({ ...c }));
    // Only a frozen snapshot (the repository's) can be shared: an array a caller may change cannot.
    this.#loaded = Object.isFrozen(consumers) ? { from: consumers, changes: this.registry.changes } : null;
  }

  /** The snapshot the registry was loaded from, when nothing changed it since; else null. */
  get registrySource(): readonly Readonly<Consumer>[] | null {
    return this.#loaded && this.#loaded.changes === this.registry.changes ? this.#loaded.from : null;
  }
}
