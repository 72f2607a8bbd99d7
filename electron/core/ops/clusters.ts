/** Operations on cluster definitions: list, get, add, update, remove, export, import. */
import * as connect from '../connect/ops.ts';
import type { ConnectEngine } from '../connect/ops.ts';
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import type { ClusterDefinition, ClusterSummary } from '../../../shared/model.ts';
import { clusterFromInput, clusterInputSchema, parseOrThrow } from '../../../shared/schema.ts';
import { decodeClusterExport, encodeClusterExport } from '../config/cluster-file.ts';
import type { EngineContext } from '../context.ts';
import { checkedCaBundle } from '../http/client.ts';
import { accounts } from '../keychain.ts';
import { forgetKeptSessions } from './credentials.ts';

export async function listClusters(ctx: EngineContext): Promise<ResultOf<'listClusters'>> {
  const { clusters, notices } = await ctx.store.load();
  const summaries: ClusterSummary[] = clusters.map((c) => ({
    name: c.name,
    kind: c.kind,
    balancerUrl: c.balancerUrl,
    nodeCount: c.nodes.length,
    consumerCount: c.consumers.length,
    adminUser: c.adminUser,
    embeddedSandbox: ctx.attachedTo(c) !== undefined,
    ...(ctx.heldInMemory.has(c.name) ? { secretsInMemory: true } : {}),
  }));
  return { clusters: summaries, notices: notices.map((n) => n.message) };
}

export async function getCluster(ctx: EngineContext, arg: ArgOf<'getCluster'>): Promise<ClusterDefinition> {
  return ctx.cluster(arg?.cluster);
}

export async function addCluster(ctx: EngineContext, arg: ArgOf<'addCluster'>): Promise<ClusterDefinition> {
  const def = clusterFromInput(arg);
  // The schema checks each certificate's shape; here each is parsed, before anything is stored.
  checkedCaBundle(def.caPem);
  await ctx.store.add(def);
  return def;
}

export async function updateCluster(
  ctx: EngineContext,
  arg: ArgOf<'updateCluster'>,
): Promise<ResultOf<'updateCluster'>> {
  const next = clusterFromInput(arg);
  checkedCaBundle(next.caPem);
  return ctx.store.update(next.name, (current) => ({
    ...next,
    // What the form does not edit: the tracked consumers, the stored login's user, the pins (unless given).
    consumers: current.consumers,
    adminUser: current.adminUser,
    pinnedFingerprints: arg.pinnedFingerprints !== undefined ? next.pinnedFingerprints : current.pinnedFingerprints,
  }));
}

export async function removeCluster(
  ctx: EngineContext,
  arg: ArgOf<'removeCluster'>,
): Promise<ResultOf<'removeCluster'>> {
  const def = await ctx.cluster(arg?.cluster);
  // Forget secrets first: if the keychain fails, the definition is still there to retry with.
  let forgotten = 0;
  if (def.adminUser && (await ctx.secrets.delete(accounts.admin(def.name)))) forgotten++;
  for (const c of def.consumers) {
    if (c.hasSecret && (await ctx.secrets.delete(accounts.consumer(def.name, c.key)))) forgotten++;
  }
  await forgetKeptSessions(ctx, def.name);
  await ctx.store.remove(def.name);
  ctx.watchLoop?.forget(def.name);
  ctx.dropClient(def.name);
  return { removed: def.name, secretsForgotten: forgotten };
}

export async function exportCluster(
  ctx: EngineContext,
  arg: ArgOf<'exportCluster'>,
): Promise<ResultOf<'exportCluster'>> {
  const def = await ctx.cluster(arg?.cluster);
  return { json: await ctx.store.exportCluster(def.name) };
}

export async function importCluster(
  ctx: EngineContext,
  arg: ArgOf<'importCluster'>,
): Promise<ResultOf<'importCluster'>> {
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
  const stored = await ctx.store.importCluster(held);
  return { ...stored, pinsToReview };
}

/** What the connect operations (issue 24) need of the engine, from its context. */
function connectEngine(ctx: EngineContext): ConnectEngine {
  return {
    proxyResolver: ctx.proxyResolver,
    getCluster: (arg) => getCluster(ctx, arg),
    adminCredentials: (def) => ctx.adminCredentials(def),
  };
}

/** A cluster worked out from one URL and its nodes; saves nothing (connect/from-url.ts). */
export function resolveClusterUrl(
  ctx: EngineContext,
  arg: ArgOf<'resolveClusterUrl'>,
): Promise<ResultOf<'resolveClusterUrl'>> {
  return connect.resolveClusterUrl(connectEngine(ctx), arg);
}

/** The connection test of a saved cluster or of a definition (connect/check.ts). */
export function checkCluster(
  ctx: EngineContext,
  arg: ArgOf<'checkCluster'>,
  opts: CallOptions<'checkCluster'> = {},
): Promise<ResultOf<'checkCluster'>> {
  return connect.checkCluster(connectEngine(ctx), arg, opts);
}
