/** Registering a consumer by hand (the seed's remedy when a provisional key was lost), and deleting one. */
import type { RegisterInput, RegisterResult } from '../../../shared/contract-repair.ts';
import { AppError, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, NodeDefinition } from '../../../shared/model.ts';
import { adapterFor } from '../providers/index.ts';
import type {
  AdminCredentials,
  NewConsumer,
  NodeContext,
  OAuthEndpoints,
  ProviderAdapter,
} from '../providers/types.ts';
import {
  findNode,
  locateKey,
  mergeFailures,
  nodeFailure,
  nodesMissing,
  requireAdmin,
  verifyOnNode,
} from './approve.ts';
import type { NodeFailure } from '../../../shared/contract-repair.ts';
import type { RepairDeps } from './deps.ts';

/** The chosen node, or the first that answers discovery. */
async function pickNode(
  deps: RepairDeps,
  def: ClusterDefinition,
  nodeId: string | undefined,
): Promise<{ node: NodeDefinition; endpoints: OAuthEndpoints; skipped: NodeFailure[] }> {
  const adapter = adapterFor(def.kind);
  const candidates = nodeId !== undefined ? [findNode(def, nodeId)] : def.nodes;
  const failures: NodeFailure[] = [];
  for (const node of candidates) {
    try {
      const { endpoints } = await adapter.discover({ cluster: def, node, http: deps.httpFor(def) });
      return { node, endpoints, skipped: failures };
    } catch (e) {
      if (nodeId !== undefined) throw e;
      failures.push(nodeFailure(node.id, toErrorInfo(e)));
    }
  }
  throw new AppError(
    ErrorCode.NODE_UNREACHABLE,
    `No node of ${def.name} is reachable (${failures.map((f) => `${f.node}: ${f.code}`).join(', ')})`,
    { details: { unreachable: failures } },
  );
}

export async function register(deps: RepairDeps, input: RegisterInput): Promise<RegisterResult> {
  const def = await deps.getCluster(input?.cluster);
  const adapter = adapterFor(def.kind);
  if (!adapter.register && input.key === undefined)
    // By hand, the admin types the key on the node's own form: it is chosen here, so that it is
    // tracked (and its secret kept in the keychain) when the hand-off is done.
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `key: ${def.kind} registers a consumer by hand on the node's own page, which asks for the key; give it here (the same one you will type there) so it can be tracked`,
      { details: { field: 'key' } },
    );
  const admin = adapter.approve ? await requireAdmin(deps, def, 'Registering') : await deps.adminCredentials(def);
  const consumer: NewConsumer = {
    name: input.name,
    key: input.key ?? null,
    secret: input.secret,
    trusted: input.trusted ?? false,
  };
  const located = consumer.key ? await requireUniqueKey(deps, def, consumer.key, admin) : [];
  const { node, endpoints, skipped } = await pickNode(deps, def, input.node);
  const r: Registration = {
    deps,
    def,
    node,
    consumer,
    ctx: { cluster: def, node, http: deps.httpFor(def) },
    before: mergeFailures(def, located, skipped),
    audit: (key, outcome, detail) =>
      deps.auditLog.append({
        cluster: def.name,
        node: node.id,
        action: 'register',
        key,
        outcome,
        ...(detail ? { detail } : {}),
      }),
  };
  if (!adapter.register) return registerByHand(r);
  let key: string;
  try {
    key = await adapter.register(r.ctx, consumer, endpoints);
  } catch (e) {
    await r.audit(consumer.key, 'failed', toErrorInfo(e).code);
    throw e;
  }
  // Track it now, so the secret is in the keychain before anything else can fail.
  await deps.trackConsumer({ cluster: def.name, key, name: consumer.name, secret: consumer.secret });
  if (!adapter.approve) {
    await r.audit(key, 'handoff', 'registered; approval is a hand-off');
    return handoffResult(r, key, adapter.approveHandoff(r.ctx, key));
  }
  return approveRegistered(r, key, await adapter.approve(r.ctx, admin!, key));
}

/** A registration under way: the node it happens on, the new consumer, and how to audit it. */
interface Registration {
  deps: RepairDeps;
  def: ClusterDefinition;
  node: NodeDefinition;
  consumer: NewConsumer;
  ctx: NodeContext;
  /** The nodes that could not be asked before the registration. */
  before: NodeFailure[];
  audit: (key: string | null, outcome: 'ok' | 'failed' | 'handoff', detail?: string) => Promise<unknown>;
}

/** The key must be unique in the cluster: tracked here, or known to any node. The nodes not asked. */
async function requireUniqueKey(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
  admin: AdminCredentials | null,
): Promise<NodeFailure[]> {
  const clash = def.consumers.some((c) => c.key === key);
  const where = clash ? null : await locateKey(deps, def, key, null, admin);
  if (clash || (where && (where.approvedOn.length || where.provisionalOn.length))) {
    const on = where ? [...where.approvedOn, ...where.provisionalOn].join(', ') : 'this cluster (tracked)';
    throw new AppError(
      ErrorCode.KEY_NOT_UNIQUE,
      `Consumer key "${key}" exists already in ${def.name} (${on}); choose another key, or approve/sync the existing one`,
      { details: { field: 'key' } },
    );
  }
  return where?.unreachable ?? [];
}

function handoffResult(r: Registration, key: string, handoff: RegisterResult['handoff']): RegisterResult {
  return {
    key,
    node: r.node.id,
    approved: false,
    verified: false,
    handoff,
    missingOn: [],
    unreachable: r.before,
  };
}

/** A product registered on its own page: the admin does it by hand; the key is tracked already. */
async function registerByHand(r: Registration): Promise<RegisterResult> {
  const { deps, def, consumer } = r;
  await r.audit(consumer.key, 'handoff');
  if (consumer.key)
    await deps.trackConsumer({ cluster: def.name, key: consumer.key, name: consumer.name, secret: consumer.secret });
  return handoffResult(r, consumer.key ?? '', adapterFor(def.kind).registerHandoff(r.ctx, consumer));
}

/** After the node approved the new key: verified there, and which nodes still miss it. */
async function approveRegistered(
  r: Registration,
  key: string,
  outcome: Awaited<ReturnType<NonNullable<ProviderAdapter['approve']>>>,
): Promise<RegisterResult> {
  const { deps, def, node, consumer } = r;
  if (outcome === 'not-here') {
    await r.audit(key, 'failed', 'the new key was not provisional on the node that created it');
    throw new AppError(
      ErrorCode.UNEXPECTED_RESPONSE,
      `${node.id} created ${key} but then did not hold it as provisional`,
      { node: node.id },
    );
  }
  const probe = await verifyOnNode(deps, def, node, key, consumer.secret);
  const after = await nodesMissing(deps, def, key, consumer.secret, node.id);
  const unreachable = mergeFailures(def, r.before, after.unreachable);
  await r.audit(
    key,
    'ok',
    [
      probe.state === 'approved' ? 'approved and verified' : `approved; probe says ${probe.state}`,
      ...(unreachable.length ? [`not checked: ${unreachable.map((f) => `${f.node} (${f.code})`).join(',')}`] : []),
    ].join('; '),
  );
  return {
    key,
    node: node.id,
    approved: true,
    verified: probe.state === 'approved',
    handoff: null,
    missingOn: after.missingOn,
    unreachable,
  };
}

export async function deleteConsumer(
  deps: RepairDeps,
  arg: { cluster: string; key: string; node?: string },
): Promise<{ key: string; node: string }> {
  const def = await deps.getCluster(arg?.cluster);
  const { key } = arg;
  const adapter = adapterFor(def.kind);
  if (!adapter.remove)
    throw new AppError(
      ErrorCode.NOT_SUPPORTED,
      `${def.kind} has no API to delete a consumer: use the product's OAuth consumer administration page`,
    );
  const admin = await requireAdmin(deps, def, 'Deleting a consumer');
  const { node } = await pickNode(deps, def, arg.node);
  const outcome = await adapter.remove({ cluster: def, node, http: deps.httpFor(def) }, admin, key);
  await deps.auditLog.append({
    cluster: def.name,
    node: node.id,
    action: 'delete',
    key,
    outcome: outcome === 'removed' ? 'ok' : 'failed',
    ...(outcome === 'removed' ? {} : { detail: 'not found' }),
  });
  if (outcome === 'not-found')
    throw new AppError(ErrorCode.BAD_INPUT, `${node.id} does not know consumer ${key}`, {
      node: node.id,
      details: { field: 'key' },
    });
  return { key, node: node.id };
}
