/**
 * Approving a provisional key where it lives: the one node whose memory holds it (../shared/seeds,
 * "OSLC provisional key can only be authorized from a single server").
 */
import type { ApproveResult } from '../../../shared/contract-repair.ts';
import { AppError, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, NodeDefinition, ProbeResult } from '../../../shared/model.ts';
import { consumerKeySchema, nodeIdSchema, parseOrThrow } from '../../../shared/schema.ts';
import { probeAllNodes, probeNode } from '../probe.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials, NodeContext } from '../providers/types.ts';
import type { RepairDeps } from './deps.ts';

export function findNode(def: ClusterDefinition, id: unknown): NodeDefinition {
  const nodeId = parseOrThrow(nodeIdSchema, id, 'node');
  const node = def.nodes.find((n) => n.id === nodeId);
  if (!node)
    throw new AppError(
      ErrorCode.NODE_NOT_FOUND,
      `Cluster ${def.name} has no node "${nodeId}" (nodes: ${def.nodes.map((n) => n.id).join(', ')})`,
      { details: { field: 'node' } },
    );
  return node;
}

export async function requireAdmin(deps: RepairDeps, def: ClusterDefinition, what: string): Promise<AdminCredentials> {
  const admin = await deps.adminCredentials(def);
  if (!admin) {
    throw new AppError(
      ErrorCode.CREDENTIALS_MISSING,
      `${what} needs the admin login of ${def.name}: run \`oslc-admin login ${def.name} --user <admin>\` (or pass --password-stdin)`,
      { details: { field: 'credentials' } },
    );
  }
  return admin;
}

/** Where each node stands for `key`: by list API where the kind has one, else by probing. */
export async function locateKey(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
  secret: string | null,
  admin: AdminCredentials | null,
) {
  const adapter = adapterFor(def.kind);
  const ctxFor = (node: NodeDefinition): NodeContext => ({ cluster: def, node, http: deps.httpFor(def) });
  if (adapter.listKeys && admin) {
    const listKeys = adapter.listKeys;
    const lists = await Promise.all(
      def.nodes.map(async (node) => {
        try {
          return { node: node.id, list: await listKeys(ctxFor(node), admin), error: null };
        } catch (e) {
          return { node: node.id, list: null, error: toErrorInfo(e) };
        }
      }),
    );
    return {
      provisionalOn: lists.filter((l) => l.list?.some((c) => c.key === key && c.provisional)).map((l) => l.node),
      approvedOn: lists.filter((l) => l.list?.some((c) => c.key === key && !c.provisional)).map((l) => l.node),
      unreachable: lists.filter((l) => l.error).map((l) => `${l.node} (${l.error!.code})`),
    };
  }
  const probes = await probeAllNodes(ctxFor, def.nodes, (ctx) => adapter.discover(ctx), { key, secret });
  return {
    provisionalOn: probes.filter((p) => p.state === 'provisional').map((p) => p.node),
    approvedOn: probes.filter((p) => p.state === 'approved' || p.state === 'bad-secret').map((p) => p.node),
    unreachable: probes
      .filter((p) => p.state === 'down' || p.state === 'tls-untrusted')
      .map((p) => `${p.node} (${p.error?.code ?? p.state})`),
  };
}

/** The nodes (other than `except`) where a probe says the key is not loaded. */
export async function nodesMissing(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
  secret: string | null,
  except: string,
): Promise<string[]> {
  const adapter = adapterFor(def.kind);
  const others = def.nodes.filter((n) => n.id !== except);
  const probes = await probeAllNodes(
    (node) => ({ cluster: def, node, http: deps.httpFor(def) }),
    others,
    (ctx) => adapter.discover(ctx),
    { key, secret },
  );
  return probes.filter((p) => p.state === 'unknown').map((p) => p.node);
}

export async function verifyOnNode(
  deps: RepairDeps,
  def: ClusterDefinition,
  node: NodeDefinition,
  key: string,
  secret: string | null,
): Promise<ProbeResult> {
  const ctx = { cluster: def, node, http: deps.httpFor(def) };
  const { endpoints } = await adapterFor(def.kind).discover(ctx);
  return probeNode(ctx, endpoints, { key, secret });
}

export async function approve(
  deps: RepairDeps,
  arg: { cluster: string; key: string; node?: string },
): Promise<ApproveResult> {
  const def = await deps.getCluster(arg?.cluster);
  const key = parseOrThrow(consumerKeySchema, arg.key, 'key');
  const pinned = arg.node !== undefined ? findNode(def, arg.node) : null;
  const adapter = adapterFor(def.kind);
  const admin = adapter.approve ? await requireAdmin(deps, def, 'Approving') : await deps.adminCredentials(def);
  const secret = await deps.consumerSecret(def, key);
  const audit = (node: string | null, outcome: 'ok' | 'failed' | 'handoff', detail?: string) =>
    deps.auditLog.append({ cluster: def.name, node, action: 'approve', key, outcome, ...(detail ? { detail } : {}) });

  let holder = pinned;
  if (!holder) {
    const where = await locateKey(deps, def, key, secret, admin);
    const first = where.provisionalOn[0];
    if (!first) {
      if (where.approvedOn.length) {
        const approvedNode = def.nodes.find((n) => n.id === where.approvedOn[0])!;
        const probe = await verifyOnNode(deps, def, approvedNode, key, secret);
        const missingOn = await nodesMissing(deps, def, key, secret, approvedNode.id);
        return {
          key,
          node: approvedNode.id,
          verified: probe.state === 'approved',
          probe,
          handoff: null,
          missingOn,
          alreadyApproved: true,
        };
      }
      const down = where.unreachable.length
        ? ` Not reachable: ${where.unreachable.join(', ')} — if the key was created there, approve it when that node is back.`
        : '';
      await audit(null, 'failed', 'no node holds the key provisionally');
      throw new AppError(
        ErrorCode.PROVISIONAL_KEY_NOT_FOUND,
        `No node of ${def.name} holds ${key} as a provisional key. The node that created it has probably restarted (provisional keys live only in that node's memory).${down} Fix: register the consumer by hand with its key and secret (oslc-admin register ${def.name} --name N --key ${key} --secret-stdin), then sync.`,
        { details: { key, checked: def.nodes.map((n) => n.id), unreachable: where.unreachable } },
      );
    }
    holder = def.nodes.find((n) => n.id === first)!;
  }
  const ctx = { cluster: def, node: holder, http: deps.httpFor(def) };
  if (!adapter.approve) {
    await audit(holder.id, 'handoff');
    return {
      key,
      node: holder.id,
      verified: false,
      probe: null,
      handoff: adapter.approveHandoff(ctx, key),
      missingOn: [],
      alreadyApproved: false,
    };
  }
  const outcome = await adapter.approve(ctx, admin!, key);
  if (outcome === 'not-here') {
    await audit(holder.id, 'failed', 'not provisional on this node');
    throw new AppError(
      ErrorCode.PROVISIONAL_KEY_NOT_FOUND,
      `${key} is not a provisional key on ${holder.id}; approve it on the node that holds it (leave out --node to let the tool find it).`,
      { node: holder.id, details: { key } },
    );
  }
  const probe = await verifyOnNode(deps, def, holder, key, secret);
  const missingOn = await nodesMissing(deps, def, key, secret, holder.id);
  await audit(holder.id, 'ok', probe.state === 'approved' ? 'verified by probe' : `probe says ${probe.state}`);
  return {
    key,
    node: holder.id,
    verified: probe.state === 'approved',
    probe,
    handoff: null,
    missingOn,
    alreadyApproved: false,
  };
}
