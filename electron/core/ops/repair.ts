/** Repair operations: approve, register, delete a consumer, sync, trust a certificate, read the audit log. */
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import { BALANCER_ID } from '../../../shared/diagnose.ts';
import { withAuditReport } from '../audit.ts';
import type { EngineContext } from '../context.ts';
import { clusterName } from '../context.ts';
import { approve as approveOn, findNode } from '../repair/approve.ts';
import type { RepairDeps } from '../repair/deps.ts';
import { deleteConsumer as deleteOn, register as registerOn } from '../repair/register.ts';
import { sync as syncOn } from '../repair/sync.ts';
import { balancerStatus, withBalancer } from '../status.ts';
import { trackConsumer, untrackConsumer } from './credentials.ts';
import { status, statusRun } from './status.ts';

/** The context as the repair modules see it: the other operations are called here, never through the facade. */
export function repairDeps(ctx: EngineContext): RepairDeps {
  return {
    getCluster: (name) => ctx.cluster(name),
    httpFor: (c) => ctx.httpFor(c),
    adminCredentials: (c) => ctx.adminCredentials(c),
    consumerSecret: (c, k) => ctx.consumerSecret(c, k),
    trackConsumer: (a) => trackConsumer(ctx, a),
    status: (a, o) => status(ctx, a, o),
    statusRun: (c, opts) => statusRun(ctx, c, undefined, opts),
    auditLog: ctx.auditLog,
  };
}

export async function approve(ctx: EngineContext, arg: ArgOf<'approve'>): Promise<ResultOf<'approve'>> {
  return withAuditReport(repairDeps(ctx), (deps) => approveOn(deps, arg));
}

export async function register(ctx: EngineContext, arg: ArgOf<'register'>): Promise<ResultOf<'register'>> {
  return withAuditReport(repairDeps(ctx), (deps) => registerOn(deps, arg));
}

export async function deleteConsumer(
  ctx: EngineContext,
  arg: ArgOf<'deleteConsumer'>,
): Promise<ResultOf<'deleteConsumer'>> {
  const done = await withAuditReport(repairDeps(ctx), (deps) => deleteOn(deps, arg));
  // A deleted key is no consumer to watch: it leaves the tracked set (and its secret the keychain),
  // so no screen goes on calling it "missing: stale registry" everywhere.
  const def = await ctx.cluster(arg.cluster);
  if (!def.consumers.some((c) => c.key === done.key)) return { ...done, untracked: false };
  try {
    await untrackConsumer(ctx, { cluster: def.name, key: done.key });
    return { ...done, untracked: true };
  } catch {
    return { ...done, untracked: false };
  }
}

export async function sync(
  ctx: EngineContext,
  arg: ArgOf<'sync'>,
  opts: CallOptions<'sync'> = {},
): Promise<ResultOf<'sync'>> {
  const def = await ctx.cluster(arg?.cluster);
  // Asked beside the refresh; it never rejects, and nothing of it is left running when sync returns.
  const balancer = balancerStatus(def, ctx.httpFor(def));
  let result;
  try {
    result = await syncOn(repairDeps(ctx), arg, opts.onProgress, opts.signal);
  } catch (e) {
    await balancer;
    throw e;
  }
  if (result.interrupted) {
    // Ctrl+C: what was done is returned now; the balancer's answer is not waited for.
    void balancer.catch(() => undefined);
    return result;
  }
  return withBalancer(result, await balancer, def, ctx.cloneIdsOf(def));
}

export async function trustCertificate(
  ctx: EngineContext,
  arg: ArgOf<'trustCertificate'>,
): Promise<ResultOf<'trustCertificate'>> {
  const def = await ctx.cluster(arg?.cluster);
  const fp = arg.fingerprint256;
  // The balancer is not a node: the console's Trust on the map's balancer (and Diagnose's fix for it)
  // names it by BALANCER_ID, as the CLI's `trust` without --node pins it (issue 18, defect 11).
  const balancer = arg.node === BALANCER_ID && !def.nodes.some((n) => n.id === BALANCER_ID);
  const node = arg.node === undefined || balancer ? null : findNode(def, arg.node).id;
  await ctx.auditLog.ensureWritable();
  const next = await ctx.store.update(def.name, (c) => ({
    ...c,
    pinnedFingerprints: c.pinnedFingerprints.includes(fp) ? c.pinnedFingerprints : [...c.pinnedFingerprints, fp],
  }));
  await ctx.auditLog.appendOrThrow({
    cluster: def.name,
    node,
    action: 'trust-certificate',
    key: null,
    outcome: 'ok',
    detail: `SHA-256 ${fp}${balancer ? " (the balancer's certificate)" : ''}`,
  });
  return { cluster: def.name, pinned: next.pinnedFingerprints };
}

export async function audit(ctx: EngineContext, arg: ArgOf<'audit'>): Promise<ResultOf<'audit'>> {
  const cluster = clusterName(arg?.cluster);
  const result = await ctx.auditLog.read(cluster);
  if (result.entries.length === 0) await ctx.cluster(cluster); // unknown and never audited: say so
  return result;
}
