/**
 * What every engine operation (electron/core/ops/) works with: the config store, the secrets, one
 * HTTP client per cluster, the audit log and the caches kept between operations. One context per
 * engine; the facade (facade.ts) is this context plus the table of operations.
 */
import * as z from 'zod';
import { AppError, ErrorCode, isAppError } from '../../shared/errors.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { parseOrThrow } from '../../shared/schema.ts';
import { AuditLog } from './audit.ts';
import { ConfigStore } from './config/store.ts';
import type { EmbeddedSandbox } from './console.ts';
import { notEmbedded } from './console.ts';
import type { ConsoleWatch, ConsoleWatchOptions } from './console-watch.ts';
import { HttpClient } from './http/client.ts';
import type { ProxyResolver } from './http/proxy.ts';
import { accounts, getSecrets } from './keychain.ts';
import type { SecretStore } from './keychain.ts';
import { DiscoveryStore, DISCOVERY_CACHE_TTL_MS } from './discovery-cache.ts';
import { NodeCache, NODE_CACHE_TTL_MS } from './node-cache.ts';
import { AdminSessionStore } from './admin-sessions.ts';
import type { AdminCredentials } from './providers/types.ts';
import { HomeSecretStore } from './secret-overlay.ts';
import { DEFAULT_PROBES_PER_NODE } from './status.ts';

export interface EngineOptions {
  /** The config directory (already resolved). */
  home: string;
  /** The OS keychain in production; a layered or memory store for one-shot secrets and tests. */
  secrets: SecretStore;
  /**
   * Bounds on the HTTP client of every cluster: requests in flight over the whole cluster (default
   * 1024) and per node (default 64). Lower them for a fragile proxy or balancer.
   */
  limits?: { maxRequestsInFlight?: number; maxConnectionsPerOrigin?: number };
  /** How long a node's discovery and admin session are reused; 0: never. Default 30 s. */
  nodeCacheTtlMs?: number;
  /**
   * How long a node's discovery is reused by later processes (discovery-cache.ts, in the config
   * directory); 0: never, and no admin session is kept for them either (admin-sessions.ts, in the
   * keychain). Default 10 minutes; off whenever `nodeCacheTtlMs` is 0.
   */
  discoveryCacheTtlMs?: number;
  /** The console's watch loop (interval, jitter); tests shorten it. */
  watch?: ConsoleWatchOptions;
  /** Each node's proxy from elsewhere than HTTPS_PROXY / NO_PROXY: the desktop asks the OS (PAC, WPAD). */
  proxyResolver?: ProxyResolver;
  /**
   * Probes in flight at once on one node (status.ts): every tracked key at once by default, for an
   * engine that keeps its connections; the CLI, whose process ends after the command, gives
   * ONE_SHOT_PROBES_PER_NODE.
   */
  probesPerNode?: number;
}

const clusterArg = z.object({ cluster: z.string() });

export class EngineContext {
  readonly store: ConfigStore;
  readonly auditLog: AuditLog;
  readonly home: string;
  /** Every entry is named after this config directory (two homes never share a secret): secret-overlay.ts. */
  readonly secrets: SecretStore;
  readonly clients = new Map<string, { signature: string; client: HttpClient }>();
  readonly sandboxes = new Map<string, EmbeddedSandbox>();
  /** Clusters whose (embedded sandbox's) secrets are held in this process's memory, not the keychain. */
  readonly heldInMemory = new Set<string>();
  /** Admin user names given for this process only (`--user` with `--password-stdin`): never stored. */
  readonly heldUsers = new Map<string, string>();
  /** Per cluster: clone id → node id, learned from the nodes' own answers (attributes the balancer's). */
  readonly cloneIds = new Map<string, Map<string, string>>();
  private readonly limits: NonNullable<EngineOptions['limits']>;
  /** Discoveries and admin sessions reused for a short while between operations (see node-cache.ts). */
  readonly nodeCache: NodeCache | undefined;
  /** The console's watch loop, made on first use (ops/watch.ts). */
  watchLoop: ConsoleWatch | null = null;
  readonly watchOptions: ConsoleWatchOptions;
  /** Where each request's proxy comes from; undefined: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  readonly proxyResolver: ProxyResolver | undefined;
  /** Probes in flight at once on one node (see EngineOptions.probesPerNode). */
  readonly probesPerNode: number;
  /**
   * Set by a door that can run the embedded sandbox (desktop, browser mode): starts it, registers it
   * and answers its cluster's name. Null in the CLI: `startSandbox` is then NOT_SUPPORTED.
   */
  sandboxStarter: (() => Promise<string>) | null = null;
  /** A sandbox start under way: two clicks start one sandbox. */
  starting: Promise<string> | null = null;

  constructor(opts: EngineOptions) {
    this.proxyResolver = opts.proxyResolver;
    this.probesPerNode = opts.probesPerNode ?? DEFAULT_PROBES_PER_NODE;
    this.watchOptions = opts.watch ?? {};
    this.home = opts.home;
    this.store = new ConfigStore(opts.home);
    this.auditLog = new AuditLog(opts.home);
    this.secrets =
      opts.secrets instanceof HomeSecretStore ? opts.secrets : new HomeSecretStore(opts.secrets, opts.home);
    this.limits = opts.limits ?? {};
    const ttl = opts.nodeCacheTtlMs ?? NODE_CACHE_TTL_MS;
    const kept = opts.discoveryCacheTtlMs ?? DISCOVERY_CACHE_TTL_MS;
    const secrets = this.secrets;
    this.nodeCache =
      ttl > 0
        ? new NodeCache(
            ttl,
            Date.now,
            kept > 0 ? new DiscoveryStore(opts.home, kept) : undefined,
            kept > 0 ? (cluster) => new AdminSessionStore(secrets, cluster) : undefined,
          )
        : undefined;
  }

  /** One HTTP client (one undici Agent) per cluster, rebuilt when its TLS or limits change. */
  httpFor(cluster: ClusterDefinition): HttpClient {
    const signature = JSON.stringify([
      cluster.caPem,
      cluster.pinnedFingerprints,
      cluster.timeouts,
      cluster.maxResponseBytes,
    ]);
    const cached = this.clients.get(cluster.name);
    if (cached?.signature === signature) return cached.client;
    if (cached) void cached.client.close();
    const client = new HttpClient({
      caPem: cluster.caPem,
      pinnedFingerprints: cluster.pinnedFingerprints,
      connectTimeoutMs: cluster.timeouts.connectMs,
      totalTimeoutMs: cluster.timeouts.totalMs,
      maxResponseBytes: cluster.maxResponseBytes,
      ...this.limits,
      ...(this.proxyResolver ? { proxyResolver: this.proxyResolver } : {}),
    });
    this.clients.set(cluster.name, { signature, client });
    return client;
  }

  /** Closes and forgets a cluster's HTTP client (the cluster was removed). */
  dropClient(name: string): void {
    void this.clients.get(name)?.client.close();
    this.clients.delete(name);
  }

  /** The door that started an embedded sandbox for `cluster` hands it over for the console's controls. */
  attachSandbox(cluster: string, sandbox: EmbeddedSandbox): void {
    this.sandboxes.set(cluster, sandbox);
  }

  detachSandbox(cluster: string): void {
    this.sandboxes.delete(cluster);
  }

  /** The sandbox attached as this cluster, when it speaks this cluster's kind (a dialect sandbox is its product's kind). */
  attachedTo(def: Pick<ClusterDefinition, 'name' | 'kind'>): EmbeddedSandbox | undefined {
    const sandbox = this.sandboxes.get(def.name);
    return sandbox && (sandbox.state().dialect ?? 'sandbox') === def.kind ? sandbox : undefined;
  }

  embedded(def: ClusterDefinition): EmbeddedSandbox {
    const sandbox = this.attachedTo(def);
    if (!sandbox) throw notEmbedded(def.name);
    return sandbox;
  }

  /**
   * Stores a secret in the OS keychain. The embedded sandbox's secrets are throwaway (its admin
   * password is new at every start), so where the keychain is unavailable (a headless host) they are
   * held in this process's memory instead — never on disk — and status says so.
   */
  async storeSecret(def: ClusterDefinition, account: string, secret: string): Promise<'keychain' | 'memory'> {
    try {
      await this.secrets.set(account, secret);
      return 'keychain';
    } catch (e) {
      const hold = (this.secrets as Partial<{ hold(account: string, secret: string): void }>).hold;
      const unavailable = isAppError(e) && e.code === ErrorCode.KEYCHAIN_UNAVAILABLE;
      if (!unavailable || !hold || !this.sandboxes.has(def.name)) throw e;
      hold.call(this.secrets, account, secret);
      this.heldInMemory.add(def.name);
      return 'memory';
    }
  }

  /**
   * `abandon`: drop requests still under way rather than wait for them (an interrupted CLI run).
   * `processExits`: the process ends right after (the CLI's bin): what must reach the disk is written,
   * and the connections are left to the exit, which ends them all at once for free.
   */
  async close(opts: { abandon?: boolean; processExits?: boolean } = {}): Promise<void> {
    await this.watchLoop?.close();
    await this.nodeCache?.flushPersisted();
    if (opts.processExits) return;
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const c of all) this.nodeCache?.clear(c.client);
    await Promise.all(all.map((c) => (opts.abandon ? c.client.destroy() : c.client.close())));
  }

  /** A stored cluster by name; a name that is not a string is BAD_INPUT, an unknown one CLUSTER_NOT_FOUND. */
  async cluster(name: unknown): Promise<ClusterDefinition> {
    return this.store.get(clusterName(name));
  }

  /** The admin login, or null when none is stored (or the keychain cannot be read: then `notice`). */
  async adminCredentials(cluster: ClusterDefinition): Promise<AdminCredentials | null> {
    const user = this.heldUsers.get(cluster.name) ?? cluster.adminUser;
    if (!user) return null;
    const password = await this.secrets.get(accounts.admin(cluster.name));
    return password === null ? null : { user, password };
  }

  /**
   * The admin user for this process only, with a password held the same way (`--user U
   * --password-stdin`): how the CLI works without a keychain, where `login` cannot store anything.
   */
  holdAdminUser(cluster: string, user: string): void {
    this.heldUsers.set(cluster, user);
  }

  async consumerSecret(cluster: ClusterDefinition, key: string): Promise<string | null> {
    return this.secrets.get(accounts.consumer(cluster.name, key));
  }

  /** Several consumers' secrets at once (one keychain search where it can: keychain.ts getMany), by key. */
  async consumerSecrets(cluster: ClusterDefinition, keys: readonly string[]): Promise<Map<string, string | null>> {
    const got = await getSecrets(
      this.secrets,
      keys.map((k) => accounts.consumer(cluster.name, k)),
    );
    return new Map(keys.map((k) => [k, got.get(accounts.consumer(cluster.name, k)) ?? null]));
  }

  /** Clone id → node id for this cluster, learned as status runs. */
  cloneIdsOf(def: ClusterDefinition): Map<string, string> {
    let ids = this.cloneIds.get(def.name);
    if (!ids) this.cloneIds.set(def.name, (ids = new Map()));
    return ids;
  }
}

/** A cluster name argument, checked: a string, else BAD_INPUT naming it. */
export function clusterName(name: unknown): string {
  return parseOrThrow(clusterArg, { cluster: name }, 'cluster name').cluster;
}

/** NOT_SUPPORTED: this door cannot run the embedded sandbox. */
export function noSandboxStarter(): AppError {
  return new AppError(
    ErrorCode.NOT_SUPPORTED,
    'This door cannot run the embedded sandbox: start it with the console (desktop or browser mode).',
  );
}
