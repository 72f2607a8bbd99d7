/**
 * What one engine may reuse between operations on the same node for a short while: the node's
 * discovery (its OAuth endpoints do not change under a running server) and an open admin session.
 * Entries are promises, so an operation can start a discovery or a login that a later step (or the
 * next status) picks up while it is still under way. Any failure drops the node's entries, and every
 * caller that used one falls back to the full, uncached path, so a reused entry can only save round
 * trips, never change an answer.
 *
 * Entries hang off the cluster's HttpClient: a client rebuilt for new TLS settings or limits starts
 * with nothing cached.
 */
import { createHash } from 'node:crypto';
import type { AdminSessionStore, KeptSession } from './admin-sessions.ts';
import type { DiscoveryStore, PersistedDiscovery } from './discovery-cache.ts';
import { persistedKey } from './discovery-cache.ts';
import type { HttpClient } from './http/client.ts';
import { cloneIdFromCookies } from './redact.ts';
import type { AdminCredentials, Discovery, NodeContext } from './providers/types.ts';

/** Long enough for a status right after a sync or an approval, short enough that nothing goes stale. */
export const NODE_CACHE_TTL_MS = 30_000;

interface Entry<T> {
  value: Promise<T>;
  expiresAt: number;
}

interface NodeEntries {
  discovery: Entry<Discovery> | null;
  /** By user and password digest: another login is another session. */
  sessions: Map<string, Entry<unknown>>;
}

export class NodeCache {
  readonly #byClient = new WeakMap<HttpClient, Map<string, NodeEntries>>();
  readonly #sessionStores = new Map<string, AdminSessionStore>();

  constructor(
    private readonly ttlMs = NODE_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
    /** Discoveries kept between processes (discovery-cache.ts); absent: this process's only. */
    readonly persisted?: DiscoveryStore,
    /** Each cluster's admin sessions kept between processes (admin-sessions.ts); absent: none kept. */
    private readonly sessionStore?: (cluster: string) => AdminSessionStore,
  ) {}

  #keptSessions(cluster: string): AdminSessionStore | null {
    if (!this.sessionStore) return null;
    let store = this.#sessionStores.get(cluster);
    if (!store) this.#sessionStores.set(cluster, (store = this.sessionStore(cluster)));
    return store;
  }

  /** Reads the persisted discoveries (once) and, given a cluster, its kept admin sessions; never rejects. */
  async loadPersisted(cluster?: string): Promise<void> {
    await Promise.all([this.persisted?.load(), cluster === undefined ? null : this.#keptSessions(cluster)?.load()]);
  }

  /** Writes the persisted discoveries and kept sessions that changed; never rejects. */
  async flushPersisted(): Promise<void> {
    await Promise.all([this.persisted?.flush(), ...[...this.#sessionStores.values()].map((s) => s.flush())]);
  }

  /** The admin session an earlier process kept for this node and login (after {@link loadPersisted}). */
  keptSession(ctx: NodeContext, admin: AdminCredentials): KeptSession | null {
    return this.#keptSessions(ctx.cluster.name)?.get(persistedKey(ctx), admin) ?? null;
  }

  /** Keeps a session this process opened on this node, for the next process. */
  keepSession(ctx: NodeContext, admin: AdminCredentials, session: KeptSession): void {
    this.#keptSessions(ctx.cluster.name)?.put(persistedKey(ctx), admin, session);
  }

  /** Forgets this node's admin sessions, in memory and kept (the node refused one), and nothing else. */
  forgetSessions(ctx: NodeContext): void {
    this.#entries(ctx, false)?.sessions.clear();
    this.#keptSessions(ctx.cluster.name)?.drop(persistedKey(ctx));
  }

  /** Forgets the sessions kept for a cluster (its login was forgotten, or the cluster removed). */
  async forgetKeptSessions(cluster: string): Promise<void> {
    const store = this.#keptSessions(cluster);
    this.#sessionStores.delete(cluster);
    if (store) await store.forgetAll();
  }

  /** Everything that shapes what discovery answers for this node. */
  #nodeKey(ctx: NodeContext): string {
    const c = ctx.cluster;
    return JSON.stringify([c.kind, c.balancerUrl, c.repo, ctx.node.id, ctx.node.url]);
  }

  #entries(ctx: NodeContext, create: boolean): NodeEntries | null {
    let nodes = this.#byClient.get(ctx.http);
    if (!nodes) {
      if (!create) return null;
      nodes = new Map();
      this.#byClient.set(ctx.http, nodes);
    }
    const key = this.#nodeKey(ctx);
    let entries = nodes.get(key) ?? null;
    if (!entries && create) {
      entries = { discovery: null, sessions: new Map() };
      nodes.set(key, entries);
    }
    return entries;
  }

  #fresh<T>(entry: Entry<T> | null | undefined): Promise<T> | null {
    return entry && entry.expiresAt > this.now() ? entry.value : null;
  }

  /**
   * A discovery of this node made (or under way) within the last {@link NODE_CACHE_TTL_MS}; with
   * `persisted`, else one an earlier process kept (its caller must check the node's answers fit it,
   * as for any reused discovery, and cannot read cookies, `Date` or TLS from it).
   */
  discovery(ctx: NodeContext, opts: { persisted?: boolean } = {}): Promise<Discovery> | null {
    const recent = this.#fresh(this.#entries(ctx, false)?.discovery);
    if (recent || !opts.persisted || !this.persisted) return recent;
    const kept = this.persisted.get(ctx);
    return kept ? Promise.resolve(persistedDiscovery(kept)) : null;
  }

  /** Keeps `discovery` for later; a rejection removes it again. Returns `discovery`. */
  rememberDiscovery(ctx: NodeContext, discovery: Promise<Discovery>): Promise<Discovery> {
    const entries = this.#entries(ctx, true)!;
    const entry: Entry<Discovery> = { value: discovery, expiresAt: this.now() + this.ttlMs };
    entries.discovery = entry;
    discovery.then(
      (d) => {
        // Only the cluster's own nodes are kept for later processes (not the balancer diagnose asks).
        const own = ctx.cluster.nodes.some((n) => n.id === ctx.node.id && n.url === ctx.node.url);
        if (own && entries.discovery === entry && !d.persisted)
          this.persisted?.put(ctx, d.endpoints, cloneIdFromCookies(d.response.setCookies));
      },
      () => {
        if (entries.discovery === entry) this.forget(ctx);
      },
    );
    return discovery;
  }

  #sessionKey(admin: AdminCredentials): string {
    return JSON.stringify([admin.user, createHash('sha256').update(admin.password).digest('base64')]);
  }

  /** An admin session on this node for this login, opened (or opening) recently. */
  session<T>(ctx: NodeContext, admin: AdminCredentials): Promise<T> | null {
    return this.#fresh(this.#entries(ctx, false)?.sessions.get(this.#sessionKey(admin))) as Promise<T> | null;
  }

  /** Keeps `session` for later; a rejection drops the node's entries. Returns `session`. */
  rememberSession<T>(ctx: NodeContext, admin: AdminCredentials, session: Promise<T>): Promise<T> {
    const entries = this.#entries(ctx, true)!;
    const key = this.#sessionKey(admin);
    const entry: Entry<unknown> = { value: session, expiresAt: this.now() + this.ttlMs };
    entries.sessions.set(key, entry);
    session.catch(() => {
      if (entries.sessions.get(key) === entry) this.forget(ctx);
    });
    return session;
  }

  /** Drops everything kept for this node: after any failure on it, nothing of it is trusted. */
  forget(ctx: NodeContext): void {
    this.#byClient.get(ctx.http)?.delete(this.#nodeKey(ctx));
    this.persisted?.drop(ctx);
    this.#keptSessions(ctx.cluster.name)?.drop(persistedKey(ctx));
  }

  clear(client: HttpClient): void {
    this.#byClient.delete(client);
  }
}

/**
 * This node's discovery: a recent one from the cache (`reused`), else a new request that is kept for
 * next time. A reused one may be out of date: its user checks the node's later answers and, when
 * they do not fit, forgets it and asks again with `reuse: false`.
 */
export function discoveryFor(
  ctx: NodeContext,
  discover: (ctx: NodeContext) => Promise<Discovery>,
  reuse = true,
  opts: { persisted?: boolean } = {},
): { discovery: Promise<Discovery>; reused: boolean } {
  const cached = reuse ? ctx.cache?.discovery(ctx, opts) : null;
  if (cached) return { discovery: cached, reused: true };
  const fresh = discover(ctx);
  return { discovery: ctx.cache ? ctx.cache.rememberDiscovery(ctx, fresh) : fresh, reused: false };
}

/**
 * The one way to use a cached discovery. `onEarlier` works on a recent discovery of this node and
 * answers null when the node's answer does not fit it; then (and when that discovery failed) the
 * node's entries are forgotten and `afresh` runs, which asks the node again (`freshDiscovery`). With
 * no recent discovery (or `reuse` false), `afresh` runs at once. A reused entry can so only save round
 * trips, never change an answer.
 */
export async function reuseOrRedo<T>(
  ctx: NodeContext,
  onEarlier: (earlier: Discovery) => Promise<T | null>,
  afresh: () => Promise<T>,
  reuse = true,
  opts: { persisted?: boolean } = {},
): Promise<T> {
  const earlier = reuse ? (ctx.cache?.discovery(ctx, opts) ?? null) : null;
  if (earlier) {
    const answer = await earlier.then(onEarlier, () => null);
    if (answer !== null) return answer;
    ctx.cache?.forget(ctx);
  }
  return afresh();
}

/** A new discovery of this node, kept for next time. */
export function freshDiscovery(
  ctx: NodeContext,
  discover: (ctx: NodeContext) => Promise<Discovery>,
): Promise<Discovery> {
  return discoveryFor(ctx, discover, false).discovery;
}

/** A discovery read from the discovery cache: its endpoints, no answer of the node's behind it. */
function persistedDiscovery(kept: PersistedDiscovery): Discovery {
  return {
    endpoints: kept.endpoints,
    response: {
      status: 200,
      headers: {},
      setCookies: [],
      body: '',
      latencyMs: 0,
      url: kept.endpoints.requestToken,
      tls: null,
    },
    persisted: { cloneId: kept.cloneId },
  };
}
