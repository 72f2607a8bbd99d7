/**
 * The engine's one facade: it implements the contract of shared/contract.ts for every front door
 * (Electron IPC, browser mode, CLI). It owns the config store, the secret store and one HTTP client
 * per cluster; secrets go in and never come out.
 */
import { AppError, ErrorCode, badInput, echoed, isAppError } from '../../shared/errors.ts';
import { BALANCER_ID } from '../../shared/diagnose.ts';
import type { Api, ArgOf, CallOptions, ResultOf } from '../../shared/contract.ts';
import type { ClusterDefinition, ClusterSummary } from '../../shared/model.ts';
import {
  clusterFromInput,
  clusterInputSchema,
  consumerKeySchema,
  nodeIdSchema,
  parseOrThrow,
  plainTextSchema,
} from '../../shared/schema.ts';
import { decodeClusterExport, encodeClusterExport } from './config/cluster-file.ts';
import { z } from 'zod';
import { ConfigStore } from './config/store.ts';
import { checkedCaBundle, HttpClient } from './http/client.ts';
import { NO_KEYCHAIN_NOTICE, accounts, checkKeychain, fromKeychain, storeName } from './keychain.ts';
import { HomeSecretStore } from './secret-overlay.ts';
import type { SecretStore } from './keychain.ts';
import { decideWithListApi, probeNode } from './probe.ts';
import type { ProbeConsumer } from './probe.ts';
import { adapterFor } from './providers/index.ts';
import type { AdminCredentials } from './providers/types.ts';
import {
  balancerStatus,
  NODE_CONCURRENCY,
  nodeStatus,
  prepareNodeStatus,
  statusNotices,
  statusOf,
  withBalancer,
} from './status.ts';
import type { StatusInput } from './status.ts';
import { mapPool } from './pool.ts';
import { discoveryFor, NodeCache, NODE_CACHE_TTL_MS } from './node-cache.ts';
import { AuditLog, withAuditReport } from './audit.ts';
import { approve, findNode, verifyAdminLogin } from './repair/approve.ts';
import type { RepairDeps, StatusRun } from './repair/deps.ts';
import { deleteConsumer, register } from './repair/register.ts';
import { sync } from './repair/sync.ts';
import { fingerprintSchema } from '../../shared/schema.ts';
import { proxyDisplay } from './http/proxy.ts';
import { systemTrust } from './http/system-trust.ts';
import type { EmbeddedSandbox } from './console.ts';
import { adminPage, applyNodeAction, notEmbedded, sandboxView } from './console.ts';
import { ConsoleWatch } from './console-watch.ts';
import * as connect from './connect/ops.ts';
import type { ProxyResolver } from './http/proxy.ts';
import type { ConsoleWatchOptions } from './console-watch.ts';

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
  /** The console's watch loop (interval, jitter); tests shorten it. */
  watch?: ConsoleWatchOptions;
  /** Each node's proxy from elsewhere than HTTPS_PROXY / NO_PROXY: the desktop asks the OS (PAC, WPAD). */
  proxyResolver?: ProxyResolver;
}

const clusterArg = z.object({ cluster: z.string() });
const watchArg = z.object({ cluster: z.string(), on: z.boolean(), heal: z.boolean().optional() });
/** A user or consumer name: no control or bidi character (it is shown in tables and the audit log). */
const userSchema = plainTextSchema(256);
const secretSchema = z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters');

export class Engine implements Api {
  readonly store: ConfigStore;
  readonly auditLog: AuditLog;
  readonly home: string;
  private readonly secrets: SecretStore;
  private readonly clients = new Map<string, { signature: string; client: HttpClient }>();
  private readonly sandboxes = new Map<string, EmbeddedSandbox>();
  private readonly heldInMemory = new Set<string>();
  /** Admin user names given for this process only (`--user` with `--password-stdin`): never stored. */
  private readonly heldUsers = new Map<string, string>();
  /** Per cluster: clone id → node id, learned from the nodes' own answers (attributes the balancer's). */
  private readonly cloneIds = new Map<string, Map<string, string>>();
  private readonly limits: NonNullable<EngineOptions['limits']>;
  /** Discoveries and admin sessions reused for a short while between operations (see node-cache.ts). */
  readonly nodeCache: NodeCache | undefined;
  private watchLoop: ConsoleWatch | null = null;
  private readonly watchOptions: ConsoleWatchOptions;

  /** Where each request's proxy comes from; undefined: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  readonly proxyResolver: ProxyResolver | undefined;

  constructor(opts: EngineOptions) {
    this.proxyResolver = opts.proxyResolver;
    this.watchOptions = opts.watch ?? {};
    this.home = opts.home;
    this.store = new ConfigStore(opts.home);
    this.auditLog = new AuditLog(opts.home);
    // Every entry is named after this config directory (two homes never share a secret): secret-overlay.ts.
    this.secrets =
      opts.secrets instanceof HomeSecretStore ? opts.secrets : new HomeSecretStore(opts.secrets, opts.home);
    this.limits = opts.limits ?? {};
    const ttl = opts.nodeCacheTtlMs ?? NODE_CACHE_TTL_MS;
    this.nodeCache = ttl > 0 ? new NodeCache(ttl) : undefined;
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

  /**
   * Set by a door that can run the embedded sandbox (desktop, browser mode): starts it, registers it
   * and answers its cluster's name. Null in the CLI: `startSandbox` is then NOT_SUPPORTED.
   */
  sandboxStarter: (() => Promise<string>) | null = null;
  private starting: Promise<string> | null = null;

  /** The empty console's "Start the sandbox": the embedded sandbox, started once, as a cluster. */
  async startSandbox(arg: ArgOf<'startSandbox'>): Promise<ResultOf<'startSandbox'>> {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || Object.keys(arg).length > 0)
      throw badInput('arg', 'must be {} (the sandbox takes no options here)');
    const running = [...this.sandboxes.keys()][0];
    if (running !== undefined) return { cluster: running };
    const starter = this.sandboxStarter;
    if (!starter)
      throw new AppError(
        ErrorCode.NOT_SUPPORTED,
        'This door cannot run the embedded sandbox: start it with the console (desktop or browser mode).',
      );
    // Two clicks start one sandbox.
    this.starting ??= starter().finally(() => (this.starting = null));
    return { cluster: await this.starting };
  }

  /** The door that started an embedded sandbox for `cluster` hands it over for the console's controls. */
  attachSandbox(cluster: string, sandbox: EmbeddedSandbox): void {
    this.sandboxes.set(cluster, sandbox);
  }

  detachSandbox(cluster: string): void {
    this.sandboxes.delete(cluster);
  }

  /**
   * Stores a secret in the OS keychain. The embedded sandbox's secrets are throwaway (its admin
   * password is new at every start), so where the keychain is unavailable (a headless host) they are
   * held in this process's memory instead — never on disk — and status says so.
   */
  private async storeSecret(def: ClusterDefinition, account: string, secret: string): Promise<'keychain' | 'memory'> {
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

  /** The sandbox attached as this cluster, when it speaks this cluster's kind (a dialect sandbox is its product's kind). */
  private attachedTo(def: Pick<ClusterDefinition, 'name' | 'kind'>): EmbeddedSandbox | undefined {
    const sandbox = this.sandboxes.get(def.name);
    return sandbox && (sandbox.state().dialect ?? 'sandbox') === def.kind ? sandbox : undefined;
  }

  private embedded(def: ClusterDefinition): EmbeddedSandbox {
    const sandbox = this.attachedTo(def);
    if (!sandbox) throw notEmbedded(def.name);
    return sandbox;
  }

  /** The console's watch loop, made on first use; the door sets its `notify`. */
  get consoleWatch(): ConsoleWatch {
    this.watchLoop ??= new ConsoleWatch(this, this.watchOptions);
    return this.watchLoop;
  }

  /** `abandon`: drop requests still under way rather than wait for them (an interrupted CLI run). */
  async close(opts: { abandon?: boolean } = {}): Promise<void> {
    await this.watchLoop?.close();
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const c of all) this.nodeCache?.clear(c.client);
    await Promise.all(all.map((c) => (opts.abandon ? c.client.destroy() : c.client.close())));
  }

  private async cluster(name: unknown): Promise<ClusterDefinition> {
    const { cluster } = parseOrThrow(clusterArg, { cluster: name }, 'cluster name');
    return this.store.get(cluster);
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

  async listClusters(): Promise<ResultOf<'listClusters'>> {
    const { clusters, notices } = await this.store.load();
    const summaries: ClusterSummary[] = clusters.map((c) => ({
      name: c.name,
      kind: c.kind,
      balancerUrl: c.balancerUrl,
      nodeCount: c.nodes.length,
      consumerCount: c.consumers.length,
      adminUser: c.adminUser,
      embeddedSandbox: this.attachedTo(c) !== undefined,
      ...(this.heldInMemory.has(c.name) ? { secretsInMemory: true } : {}),
    }));
    return { clusters: summaries, notices: notices.map((n) => n.message) };
  }

  async getCluster(arg: ArgOf<'getCluster'>): Promise<ClusterDefinition> {
    return this.cluster(arg?.cluster);
  }

  async addCluster(arg: ArgOf<'addCluster'>): Promise<ClusterDefinition> {
    const def = clusterFromInput(arg);
    // The schema checks each certificate's shape; here each is parsed, before anything is stored.
    checkedCaBundle(def.caPem);
    await this.store.add(def);
    return def;
  }

  /** Issue 24: a cluster worked out from one URL and its nodes; saves nothing (connect/from-url.ts). */
  resolveClusterUrl(arg: ArgOf<'resolveClusterUrl'>): Promise<ResultOf<'resolveClusterUrl'>> {
    return connect.resolveClusterUrl(this, arg);
  }

  /** Issue 24: the connection test of a saved cluster or of a definition (connect/check.ts). */
  checkCluster(arg: ArgOf<'checkCluster'>, opts?: CallOptions<'checkCluster'>): Promise<ResultOf<'checkCluster'>> {
    return connect.checkCluster(this, arg, opts);
  }

  async removeCluster(arg: ArgOf<'removeCluster'>): Promise<ResultOf<'removeCluster'>> {
    const def = await this.cluster(arg?.cluster);
    // Forget secrets first: if the keychain fails, the definition is still there to retry with.
    let forgotten = 0;
    if (def.adminUser && (await this.secrets.delete(accounts.admin(def.name)))) forgotten++;
    for (const c of def.consumers) {
      if (c.hasSecret && (await this.secrets.delete(accounts.consumer(def.name, c.key)))) forgotten++;
    }
    await this.store.remove(def.name);
    this.watchLoop?.forget(def.name);
    void this.clients.get(def.name)?.client.close();
    this.clients.delete(def.name);
    return { removed: def.name, secretsForgotten: forgotten };
  }

  async exportCluster(arg: ArgOf<'exportCluster'>): Promise<ResultOf<'exportCluster'>> {
    const def = await this.cluster(arg?.cluster);
    return { json: await this.store.exportCluster(def.name) };
  }

  async importCluster(arg: ArgOf<'importCluster'>): Promise<ResultOf<'importCluster'>> {
    if (typeof arg?.json !== 'string') throw badInput('json', 'must be the text of an exported cluster');
    if (arg.trustPins !== undefined && typeof arg.trustPins !== 'boolean')
      throw badInput('trustPins', 'must be true or false');
    const opts = arg.rename !== undefined ? { rename: arg.rename } : {};
    // The door's checks, as for a cluster added by hand: duplicate node URLs, repository and
    // database where the kind needs them, a CA bundle whose every certificate parses.
    const def = decodeClusterExport(arg.json, opts);
    parseOrThrow(clusterInputSchema, def, 'cluster');
    checkedCaBundle(def.caPem);
    // Issue 18, defect 12: no admin login is stored here for it (the file names a user, never its
    // password), and a pin is trust: each one is shown for review, not accepted with the file.
    const pinsToReview = arg.trustPins === true ? [] : [...def.pinnedFingerprints];
    const held = encodeClusterExport({
      ...def,
      adminUser: null,
      pinnedFingerprints: arg.trustPins === true ? def.pinnedFingerprints : [],
    });
    const stored = await this.store.importCluster(held);
    return { ...stored, pinsToReview };
  }

  async storeCredentials(arg: ArgOf<'storeCredentials'>): Promise<ResultOf<'storeCredentials'>> {
    const def = await this.cluster(arg?.cluster);
    const user = parseOrThrow(userSchema, arg.user, 'user');
    const password = parseOrThrow(secretSchema, arg.password, 'password');
    const verifiedOn = arg.verify === true ? await verifyAdminLogin(this.repairDeps, def, { user, password }) : null;
    // Nothing is half done: the audit log and clusters.json are written to before the keychain is
    // (a read-only config directory refuses before the stored password is replaced).
    await this.auditLog.ensureWritable();
    await this.store.update(def.name, (c) => ({ ...c, adminUser: user }));
    let storedIn: 'keychain' | 'memory';
    try {
      storedIn = await this.storeSecret(def, accounts.admin(def.name), password);
    } catch (e) {
      await this.store.update(def.name, (c) => ({ ...c, adminUser: def.adminUser ?? null })).catch(() => undefined);
      throw e;
    }
    await this.auditLog.appendOrThrow({
      cluster: def.name,
      node: null,
      action: 'credentials-stored',
      key: null,
      outcome: 'ok',
      detail: `user ${user}${verifiedOn ? `; login verified on ${verifiedOn}` : arg.verify === true ? '; not verifiable for this kind' : ''}`,
    });
    return { cluster: def.name, user, storedIn, verifiedOn };
  }

  async forgetCredentials(arg: ArgOf<'forgetCredentials'>): Promise<ResultOf<'forgetCredentials'>> {
    const def = await this.cluster(arg?.cluster);
    // As in storeCredentials: the config directory refuses before the keychain is touched.
    await this.auditLog.ensureWritable();
    await this.store.update(def.name, (c) => ({ ...c, adminUser: null }));
    const forgotten = await this.secrets.delete(accounts.admin(def.name));
    await this.auditLog.appendOrThrow({
      cluster: def.name,
      node: null,
      action: 'credentials-forgotten',
      key: null,
      outcome: forgotten ? 'ok' : 'failed',
      ...(forgotten ? {} : { detail: 'none stored' }),
    });
    return { forgotten };
  }

  async trackConsumer(arg: ArgOf<'trackConsumer'>): Promise<ClusterDefinition> {
    const def = await this.cluster(arg?.cluster);
    const key = parseOrThrow(consumerKeySchema, arg.key, 'key');
    const name = arg.name === undefined ? key : parseOrThrow(userSchema, arg.name, 'name');
    const secret = arg.secret === undefined ? undefined : parseOrThrow(secretSchema, arg.secret, 'secret');
    if (secret !== undefined) await this.storeSecret(def, accounts.consumer(def.name, key), secret);
    return this.store.update(def.name, (c) => {
      const existing = c.consumers.find((x) => x.key === key);
      const entry = { key, name, hasSecret: secret !== undefined || (existing?.hasSecret ?? false) };
      return {
        ...c,
        consumers: existing ? c.consumers.map((x) => (x.key === key ? entry : x)) : [...c.consumers, entry],
      };
    });
  }

  async untrackConsumer(arg: ArgOf<'untrackConsumer'>): Promise<ClusterDefinition> {
    const def = await this.cluster(arg?.cluster);
    const key = parseOrThrow(consumerKeySchema, arg.key, 'key');
    const entry = def.consumers.find((c) => c.key === key);
    if (!entry)
      throw new AppError(
        ErrorCode.CONSUMER_NOT_TRACKED,
        `Consumer key "${echoed(key)}" is not tracked in cluster ${def.name}`,
        { details: { field: 'key' } },
      );
    if (entry.hasSecret) await this.secrets.delete(accounts.consumer(def.name, key));
    return this.store.update(def.name, (c) => ({ ...c, consumers: c.consumers.filter((x) => x.key !== key) }));
  }

  /** Tracked consumers with their secrets from the keychain (null where none is stored). */
  private async probeConsumers(def: ClusterDefinition): Promise<ProbeConsumer[]> {
    return Promise.all(
      def.consumers.map(async (c) => ({
        key: c.key,
        secret: c.hasSecret ? await this.consumerSecret(def, c.key) : null,
      })),
    );
  }

  async probeNode(arg: ArgOf<'probeNode'>): Promise<ResultOf<'probeNode'>> {
    const def = await this.cluster(arg?.cluster);
    const nodeId = parseOrThrow(nodeIdSchema, arg.node, 'node');
    const key = parseOrThrow(consumerKeySchema, arg.key, 'key');
    const node = def.nodes.find((n) => n.id === nodeId);
    if (!node)
      throw new AppError(
        ErrorCode.NODE_NOT_FOUND,
        `Cluster ${def.name} has no node "${echoed(nodeId)}" (nodes: ${def.nodes.map((n) => n.id).join(', ')})`,
        { details: { field: 'node' } },
      );
    const secret =
      arg.secret !== undefined ? parseOrThrow(secretSchema, arg.secret, 'secret') : await this.consumerSecret(def, key);
    const ctx = { cluster: def, node, http: this.httpFor(def), ...(this.nodeCache ? { cache: this.nodeCache } : {}) };
    const discover = adapterFor(def.kind).discover;
    const earlier = discoveryFor(ctx, discover);
    if (earlier.reused) {
      const result = await earlier.discovery.then(
        (d) => probeNode(ctx, d.endpoints, { key, secret }),
        () => null,
      );
      // Only an OAuth answer shows the earlier discovery still holds; else ask the node again.
      if (result && result.error === null && result.state !== 'error' && result.state !== 'no-secret')
        return decideWithListApi(ctx, result, await this.adminCredentials(def));
      this.nodeCache?.forget(ctx);
    }
    const discovery = await (earlier.reused ? discoveryFor(ctx, discover, false).discovery : earlier.discovery);
    // Where a 200 cannot tell approved from provisional (Lyo), the node's consumer list decides.
    return decideWithListApi(
      ctx,
      await probeNode(ctx, discovery.endpoints, { key, secret }),
      await this.adminCredentials(def),
    );
  }

  /**
   * Everything status needs before it asks any node (the admin login and the consumer secrets from
   * the keychain), then one node at a time as the caller wants it: sync starts each node's check as
   * soon as that node is refreshed.
   */
  async statusRun(
    def: ClusterDefinition,
    onNode?: (node: ResultOf<'status'>['nodes'][number]) => void,
  ): Promise<StatusRun> {
    // One keychain sentence for both reads; where the sandbox's secrets are held in memory, that one says it all.
    const keychainNotes: string[] = [];
    const fallback = def.consumers.map((c) => ({ key: c.key, secret: null }));
    const [admin, consumers] = await Promise.all([
      fromKeychain('the admin login', keychainNotes, () => this.adminCredentials(def), null),
      fromKeychain('the consumer secrets', keychainNotes, () => this.probeConsumers(def), fallback),
    ]);
    const extra = this.heldInMemory.has(def.name) ? [] : keychainNotes;
    const input: StatusInput = {
      cluster: def,
      cloneIds: this.cloneIdsOf(def),
      http: this.httpFor(def),
      consumers,
      admin,
      ...(onNode ? { onNode } : {}),
      ...(this.nodeCache ? { cache: this.nodeCache } : {}),
    };
    const notices = statusNotices(input);
    return {
      prepare: (node) => prepareNodeStatus(input, node),
      node: async (node) => {
        const s = await nodeStatus(input, node);
        input.onNode?.(s);
        return s;
      },
      finish: (nodes) => {
        const result = statusOf(input, nodes, notices);
        result.notices.unshift(...extra);
        if (this.heldInMemory.has(def.name)) {
          result.notices.push(
            `${NO_KEYCHAIN_NOTICE}: the embedded sandbox's secrets are held in memory until the app closes.`,
          );
        }
        return result;
      },
    };
  }

  async status(arg: ArgOf<'status'>, opts: CallOptions<'status'> = {}): Promise<ResultOf<'status'>> {
    const def = await this.cluster(arg?.cluster);
    const onProgress = opts.onProgress;
    const run = await this.statusRun(def, onProgress ? (node) => onProgress({ type: 'node', node }) : undefined);
    // The balancer is asked beside the nodes: a dead or hanging one costs no more than one node.
    const [nodes, balancer] = await Promise.all([
      mapPool(def.nodes, NODE_CONCURRENCY, (node) => run.node(node)),
      balancerStatus(def, this.httpFor(def)),
    ]);
    return withBalancer(run.finish(nodes), balancer, def, this.cloneIdsOf(def));
  }

  private cloneIdsOf(def: ClusterDefinition): Map<string, string> {
    let ids = this.cloneIds.get(def.name);
    if (!ids) this.cloneIds.set(def.name, (ids = new Map()));
    return ids;
  }

  /** The engine as the repair operations see it. */
  private get repairDeps(): RepairDeps {
    return {
      getCluster: (name) => this.cluster(name),
      httpFor: (c) => this.httpFor(c),
      adminCredentials: (c) => this.adminCredentials(c),
      consumerSecret: (c, k) => this.consumerSecret(c, k),
      trackConsumer: (a) => this.trackConsumer(a),
      status: (a, o) => this.status(a, o),
      statusRun: (c) => this.statusRun(c),
      auditLog: this.auditLog,
    };
  }

  async approve(arg: ArgOf<'approve'>): Promise<ResultOf<'approve'>> {
    return withAuditReport(this.repairDeps, (deps) => approve(deps, arg));
  }

  async register(arg: ArgOf<'register'>): Promise<ResultOf<'register'>> {
    return withAuditReport(this.repairDeps, (deps) => register(deps, arg));
  }

  async deleteConsumer(arg: ArgOf<'deleteConsumer'>): Promise<ResultOf<'deleteConsumer'>> {
    const done = await withAuditReport(this.repairDeps, (deps) => deleteConsumer(deps, arg));
    // A deleted key is no consumer to watch: it leaves the tracked set (and its secret the keychain),
    // so no screen goes on calling it "missing: stale registry" everywhere.
    const def = await this.cluster(arg.cluster);
    if (!def.consumers.some((c) => c.key === done.key)) return { ...done, untracked: false };
    try {
      await this.untrackConsumer({ cluster: def.name, key: done.key });
      return { ...done, untracked: true };
    } catch {
      return { ...done, untracked: false };
    }
  }

  async sync(arg: ArgOf<'sync'>, opts: CallOptions<'sync'> = {}): Promise<ResultOf<'sync'>> {
    const def = await this.cluster(arg?.cluster);
    // Asked beside the refresh; it never rejects, and nothing of it is left running when sync returns.
    const balancer = balancerStatus(def, this.httpFor(def));
    let result;
    try {
      result = await sync(this.repairDeps, arg, opts.onProgress, opts.signal);
    } catch (e) {
      await balancer;
      throw e;
    }
    if (result.interrupted) {
      // Ctrl+C: what was done is returned now; the balancer's answer is not waited for.
      void balancer.catch(() => undefined);
      return result;
    }
    return withBalancer(result, await balancer, def, this.cloneIdsOf(def));
  }

  async trustCertificate(arg: ArgOf<'trustCertificate'>): Promise<ResultOf<'trustCertificate'>> {
    const def = await this.cluster(arg?.cluster);
    const fp = parseOrThrow(fingerprintSchema, arg.fingerprint256, 'fingerprint256');
    // The balancer is not a node: the console's Trust on the map's balancer (and Diagnose's fix for it)
    // names it by BALANCER_ID, as the CLI's `trust` without --node pins it (issue 18, defect 11).
    const balancer = arg.node === BALANCER_ID && !def.nodes.some((n) => n.id === BALANCER_ID);
    const node = arg.node === undefined || balancer ? null : findNode(def, arg.node).id;
    await this.auditLog.ensureWritable();
    const next = await this.store.update(def.name, (c) => ({
      ...c,
      pinnedFingerprints: c.pinnedFingerprints.includes(fp) ? c.pinnedFingerprints : [...c.pinnedFingerprints, fp],
    }));
    await this.auditLog.appendOrThrow({
      cluster: def.name,
      node,
      action: 'trust-certificate',
      key: null,
      outcome: 'ok',
      detail: `SHA-256 ${fp}${balancer ? " (the balancer's certificate)" : ''}`,
    });
    return { cluster: def.name, pinned: next.pinnedFingerprints };
  }

  async audit(arg: ArgOf<'audit'>): Promise<ResultOf<'audit'>> {
    const { cluster } = parseOrThrow(clusterArg, { cluster: arg?.cluster }, 'cluster name');
    const result = await this.auditLog.read(cluster);
    if (result.entries.length === 0) await this.cluster(cluster); // unknown and never audited: say so
    return result;
  }

  async diagnose(arg: ArgOf<'diagnose'>, opts: CallOptions<'diagnose'> = {}): Promise<ResultOf<'diagnose'>> {
    // The diagnosis modules (and the report's) load only when first used: the CLI's other commands start faster.
    const { diagnose } = await import('./diagnose/index.ts');
    return diagnose(this, arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
  }

  async flow(arg: ArgOf<'flow'>, opts: CallOptions<'flow'> = {}): Promise<ResultOf<'flow'>> {
    const { flow } = await import('./diagnose/index.ts');
    return flow(this, arg, {
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async report(arg: ArgOf<'report'>, opts: CallOptions<'report'> = {}): Promise<ResultOf<'report'>> {
    const { report } = await import('./diagnose/index.ts');
    return report(this, arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
  }

  async sandboxState(arg: ArgOf<'sandboxState'>): Promise<ResultOf<'sandboxState'>> {
    const def = await this.cluster(arg?.cluster);
    return sandboxView(def.name, this.embedded(def));
  }

  async sandboxFriend(arg: ArgOf<'sandboxFriend'>): Promise<ResultOf<'sandboxFriend'>> {
    const def = await this.cluster(arg?.cluster);
    const sandbox = this.embedded(def);
    const name = parseOrThrow(userSchema, arg.name, 'name');
    const secret = parseOrThrow(secretSchema, arg.secret, 'secret');
    const { key, node } = await sandbox.friend(name, secret);
    await this.trackConsumer({ cluster: def.name, key, name, secret });
    return { key, node, name };
  }

  async sandboxNode(arg: ArgOf<'sandboxNode'>): Promise<ResultOf<'sandboxNode'>> {
    const def = await this.cluster(arg?.cluster);
    const sandbox = this.embedded(def);
    await applyNodeAction(sandbox, def, arg);
    return sandboxView(def.name, sandbox);
  }

  async openAdminPage(arg: ArgOf<'openAdminPage'>): Promise<ResultOf<'openAdminPage'>> {
    const def = await this.cluster(arg?.cluster);
    return adminPage(def, arg.node, arg.url);
  }

  async updateCluster(arg: ArgOf<'updateCluster'>): Promise<ResultOf<'updateCluster'>> {
    const next = clusterFromInput(arg);
    checkedCaBundle(next.caPem);
    return this.store.update(next.name, (current) => ({
      ...next,
      // What the form does not edit: the tracked consumers, the stored login's user, the pins (unless given).
      consumers: current.consumers,
      adminUser: current.adminUser,
      pinnedFingerprints: arg.pinnedFingerprints !== undefined ? next.pinnedFingerprints : current.pinnedFingerprints,
    }));
  }

  async reportPreview(
    arg: ArgOf<'reportPreview'>,
    opts: CallOptions<'reportPreview'> = {},
  ): Promise<ResultOf<'reportPreview'>> {
    const { buildReport } = await import('./diagnose/index.ts');
    const built = await buildReport(this, arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
    return {
      cluster: built.cluster,
      generatedAt: built.generatedAt,
      consumers: built.consumers,
      files: [
        { name: 'report.md', text: built.md },
        { name: 'report.json', text: built.json },
        ...(built.mapping
          ? [
              {
                name: 'report-mapping.json' as const,
                text: `${JSON.stringify({ placeholders: built.mapping }, null, 2)}\n`,
              },
            ]
          : []),
      ],
    };
  }

  async openReport(arg: ArgOf<'openReport'>): Promise<ResultOf<'openReport'>> {
    return (await import('./diagnose/report-open.ts')).openReportText(arg?.text, arg?.source);
  }

  async diffReports(arg: ArgOf<'diffReports'>): Promise<ResultOf<'diffReports'>> {
    return (await import('./diagnose/report-open.ts')).diffReportTexts(arg?.a, arg?.b);
  }

  async settings(): Promise<ResultOf<'settings'>> {
    let problem: string | null = null;
    try {
      await checkKeychain(this.secrets);
    } catch (e) {
      problem = isAppError(e) ? e.message : String(e);
    }
    const env = (...names: string[]) =>
      names.map((n) => process.env[n]).find((v) => v !== undefined && v !== '') ?? null;
    const shown = (v: string | null) => (v === null ? null : proxyDisplay(v));
    return {
      configDir: this.home,
      keychain: { backend: storeName(process.platform), available: problem === null, problem },
      proxy: {
        https: shown(env('https_proxy', 'HTTPS_PROXY')),
        http: shown(env('http_proxy', 'HTTP_PROXY')),
        noProxy: env('no_proxy', 'NO_PROXY'),
        source: this.proxyResolver ? 'system' : 'environment',
      },
      trustStore: systemTrust().source,
      version: await (await import('./diagnose/index.ts')).appVersion(),
      platform: `${process.platform} ${process.arch}, Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
    };
  }
  async watchState(arg: ArgOf<'watchState'>): Promise<ResultOf<'watchState'>> {
    const def = await this.cluster(arg?.cluster);
    return this.consoleWatch.state(def.name);
  }

  async setWatch(arg: ArgOf<'setWatch'>): Promise<ResultOf<'setWatch'>> {
    const { cluster, on, heal } = parseOrThrow(watchArg, arg, 'watch switch');
    const def = await this.cluster(cluster);
    return this.consoleWatch.set(def.name, on, heal ?? true);
  }

  async watchFeed(arg: ArgOf<'watchFeed'>, opts: CallOptions<'watchFeed'> = {}): Promise<ResultOf<'watchFeed'>> {
    const def = await this.cluster(arg?.cluster);
    return this.consoleWatch.feed(def.name, (event) => opts.onProgress?.(event), opts.signal);
  }
}
