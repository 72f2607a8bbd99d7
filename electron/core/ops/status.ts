/** Operations that ask the nodes: one probe, and the status of every node with the drift. */
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import type { ClusterDefinition } from '../../../shared/model.ts';
import type { EngineContext } from '../context.ts';
import { NO_KEYCHAIN_NOTICE, fromKeychain } from '../keychain.ts';
import { freshDiscovery, reuseOrRedo } from '../node-cache.ts';
import { mapPool } from '../pool.ts';
import { decideWithListApi, probeNode as probeWith } from '../probe.ts';
import type { ProbeConsumer } from '../probe.ts';
import { adapterFor } from '../providers/index.ts';
import type { OAuthEndpoints } from '../providers/types.ts';
import { findNode } from '../repair/approve.ts';
import type { StatusRun } from '../repair/deps.ts';
import {
  balancerStatus,
  NODE_CONCURRENCY,
  nodeStatus,
  prepareNodeStatus,
  startListings,
  statusNotices,
  statusOf,
  withBalancer,
} from '../status.ts';
import type { StatusInput } from '../status.ts';

/** Tracked consumers with their secrets from the keychain (null where none is stored), read together. */
async function probeConsumers(ctx: EngineContext, def: ClusterDefinition): Promise<ProbeConsumer[]> {
  const stored = def.consumers.filter((c) => c.hasSecret).map((c) => c.key);
  const secrets = stored.length ? await ctx.consumerSecrets(def, stored) : new Map<string, string | null>();
  return def.consumers.map((c) => ({ key: c.key, secret: secrets.get(c.key) ?? null }));
}

export async function probeNode(ctx: EngineContext, arg: ArgOf<'probeNode'>): Promise<ResultOf<'probeNode'>> {
  const def = await ctx.cluster(arg?.cluster);
  const node = findNode(def, arg.node);
  const { key } = arg;
  const secret = arg.secret ?? (await ctx.consumerSecret(def, key));
  const nodeCtx = { cluster: def, node, http: ctx.httpFor(def), ...(ctx.nodeCache ? { cache: ctx.nodeCache } : {}) };
  const discover = adapterFor(def.kind).discover;
  const probe = (endpoints: OAuthEndpoints) => probeWith(nodeCtx, endpoints, { key, secret });
  const result = await reuseOrRedo(
    nodeCtx,
    // Only an OAuth answer shows an earlier discovery still holds; else the node is asked again.
    async (d) => {
      const r = await probe(d.endpoints);
      return r.error === null && r.state !== 'error' && r.state !== 'no-secret' ? r : null;
    },
    async () => probe((await freshDiscovery(nodeCtx, discover)).endpoints),
  );
  // Where a 200 cannot tell approved from provisional (Lyo), the node's consumer list decides.
  return decideWithListApi(nodeCtx, result, await ctx.adminCredentials(def));
}

/**
 * Everything status needs before it asks any node (the admin login and the consumer secrets from
 * the keychain), then one node at a time as the caller wants it: sync starts each node's check as
 * soon as that node is refreshed.
 */
export async function statusRun(
  ctx: EngineContext,
  def: ClusterDefinition,
  onNode?: (node: ResultOf<'status'>['nodes'][number]) => void,
  opts: { listDecides?: boolean } = {},
): Promise<StatusRun> {
  // One keychain sentence for both reads; where the sandbox's secrets are held in memory, that one says it all.
  const keychainNotes: string[] = [];
  const fallback = def.consumers.map((c) => ({ key: c.key, secret: null }));
  // Status asks each node for its list and probes its tracked keys (up to ctx.probesPerNode at once):
  // those connections open while the keychain is read (warm-connections.ts). Sync opens its own (repair/sync.ts).
  if (!opts.listDecides)
    ctx.httpFor(def).preconnect(
      def.nodes.map((n) => n.url),
      Math.min(def.consumers.length, ctx.probesPerNode) + 1,
    );
  // The admin login first, alone: the Secret Service answers one read at a time (seven at once took
  // as long as seven in turn, ~8 ms each here), and a sync's refresh waits for this one only.
  const admin = await fromKeychain('the admin login', keychainNotes, () => ctx.adminCredentials(def), null);
  // What waits for the admin login only (sync sending every node its refresh) goes first: the kept
  // sessions' keychain read below holds this thread ~6 ms, and is not wanted before a refresh answers.
  if (opts.listDecides) await new Promise<void>((resolve) => setImmediate(resolve));
  // Sync's verification by the nodes' own lists needs no consumer secret: they are read only if a
  // node's list fails and it must be probed (each read holds the main thread: see keychain.ts).
  const listDecides = opts.listDecides === true && admin !== null && Boolean(adapterFor(def.kind).listKeys);
  let secretsRead: Promise<ProbeConsumer[]> | null = null;
  const secrets = () =>
    (secretsRead ??= fromKeychain('the consumer secrets', keychainNotes, () => probeConsumers(ctx, def), fallback));
  const base: StatusInput = {
    cluster: def,
    cloneIds: ctx.cloneIdsOf(def),
    http: ctx.httpFor(def),
    probesPerNode: ctx.probesPerNode,
    consumers: fallback,
    admin,
    ...(onNode ? { onNode } : {}),
    ...(ctx.nodeCache ? { cache: ctx.nodeCache } : {}),
  };
  // The admin sessions kept by an earlier process, before any node is asked.
  await ctx.nodeCache?.loadPersisted(def.name);
  // Status: the nodes' key lists go out before the consumer secrets are read (status.ts, startListings).
  const listings = listDecides ? undefined : startListings(base);
  const consumers = listDecides ? fallback : await secrets();
  const extra = ctx.heldInMemory.has(def.name) ? [] : keychainNotes;
  const input: StatusInput = {
    ...base,
    consumers,
    ...(listings ? { listings } : {}),
    ...(listDecides ? { listDecides: true, secrets } : {}),
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
      // What this run learned of each node's discovery is kept for the next process.
      void ctx.nodeCache?.flushPersisted();
      const result = statusOf(input, nodes, notices);
      result.notices.unshift(...extra);
      if (ctx.heldInMemory.has(def.name)) {
        result.notices.push(
          `${NO_KEYCHAIN_NOTICE}: the embedded sandbox's secrets are held in memory until the app closes.`,
        );
      }
      return result;
    },
  };
}

export async function status(
  ctx: EngineContext,
  arg: ArgOf<'status'>,
  opts: CallOptions<'status'> = {},
): Promise<ResultOf<'status'>> {
  const def = await ctx.cluster(arg?.cluster);
  const onProgress = opts.onProgress;
  const run = await statusRun(ctx, def, onProgress ? (node) => onProgress({ type: 'node', node }) : undefined);
  // The balancer is asked beside the nodes: a dead or hanging one costs no more than one node.
  const [nodes, balancer] = await Promise.all([
    mapPool(def.nodes, NODE_CONCURRENCY, (node) => run.node(node)),
    balancerStatus(def, ctx.httpFor(def)),
  ]);
  return withBalancer(run.finish(nodes), balancer, def, ctx.cloneIdsOf(def));
}
