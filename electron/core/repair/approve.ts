/**
 * Approving a provisional key where it lives: the one node whose memory holds it (../shared/seeds,
 * "OSLC provisional key can only be authorized from a single server").
 */
import type { ApproveResult, NodeFailure } from '../../../shared/contract-repair.ts';
import { AppError, ErrorCode, echoed, isAppError, toErrorInfo } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, NodeDefinition, ProbeResult } from '../../../shared/model.ts';
import { nodeIdSchema, parseOrThrow } from '../../../shared/schema.ts';
import { probeAllNodes, probeNode } from '../probe.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials, NodeContext } from '../providers/types.ts';
import { listedOnce } from '../providers/consumer-list.ts';
import type { RepairDeps } from './deps.ts';

export function findNode(def: ClusterDefinition, id: unknown): NodeDefinition {
  const nodeId = parseOrThrow(nodeIdSchema, id, 'node');
  const node = def.nodes.find((n) => n.id === nodeId);
  if (!node)
    throw new AppError(
      ErrorCode.NODE_NOT_FOUND,
      `Cluster ${def.name} has no node "${echoed(nodeId)}" (nodes: ${def.nodes.map((n) => n.id).join(', ')})`,
      { details: { field: 'node' } },
    );
  return node;
}

export async function requireAdmin(deps: RepairDeps, def: ClusterDefinition, what: string): Promise<AdminCredentials> {
  const admin = await deps.adminCredentials(def);
  if (!admin) {
    throw new AppError(
      ErrorCode.CREDENTIALS_MISSING,
      `${what} needs the admin login of ${def.name}, and none is stored or given.`,
      { details: { field: 'credentials' }, fix: { action: 'login', cluster: def.name } },
    );
  }
  return admin;
}

/** A failed node as the results carry it: the cluster's node id, the code, the message. */
export function nodeFailure(node: string, error: ErrorInfo): NodeFailure {
  return { node, code: error.code, message: error.message };
}

/** Probe states that say the node could not be asked (as opposed to an answer about the key). */
const NOT_ASKED = new Set(['down', 'tls-untrusted', 'error']);

function failuresOf(probes: ProbeResult[]): NodeFailure[] {
  return probes.filter((p) => NOT_ASKED.has(p.state) && p.error !== null).map((p) => nodeFailure(p.node, p.error!));
}

/** Failures by node, later lists overriding earlier ones (the most recent word on a node counts), in the cluster's order. */
export function mergeFailures(def: ClusterDefinition, ...lists: NodeFailure[][]): NodeFailure[] {
  const byNode = new Map<string, NodeFailure>();
  for (const list of lists) for (const f of list) byNode.set(f.node, f);
  return def.nodes.map((n) => byNode.get(n.id)).filter((f): f is NodeFailure => f !== undefined);
}

/**
 * Logs in with `admin` on the first node that answers (by its key list where the kind has one, else
 * by the registry refresh, which is a login to the node): the node id that accepted it, or null when
 * the kind has no admin login to try. AUTH_FAILED as soon as a node refuses the login; when no node
 * answers, NODE_UNREACHABLE naming each.
 */
export async function verifyAdminLogin(
  deps: Pick<RepairDeps, 'httpFor'>,
  def: ClusterDefinition,
  admin: AdminCredentials,
): Promise<string | null> {
  const adapter = adapterFor(def.kind);
  const attempt = adapter.listKeys
    ? (ctx: NodeContext) => adapter.listKeys!(ctx, admin).then(() => undefined)
    : adapter.refresh
      ? (ctx: NodeContext) => adapter.refresh!(ctx, admin, () => undefined)
      : null;
  if (!attempt) return null;
  const failures: NodeFailure[] = [];
  const refusedTls: ErrorInfo[] = [];
  for (const node of def.nodes) {
    try {
      await attempt({ cluster: def, node, http: deps.httpFor(def) });
      return node.id;
    } catch (e) {
      const error = toErrorInfo(e);
      if (error.code === ErrorCode.AUTH_FAILED || error.code === ErrorCode.LOGIN_PAGE)
        throw new AppError(
          ErrorCode.AUTH_FAILED,
          `${node.id} refused the login as "${admin.user}" (${error.code}): nothing was stored. Check the user and password.`,
          { node: node.id, details: { field: 'password' } },
        );
      failures.push(nodeFailure(node.id, error));
      if (error.code === ErrorCode.TLS_UNTRUSTED) refusedTls.push(error);
    }
  }
  // Every node answered with a certificate this cluster does not trust: they are not down, and the
  // fix is to trust the certificate (its fingerprint is in the details), not to store the login unchecked.
  if (refusedTls.length === failures.length && refusedTls[0]) {
    const first = refusedTls[0];
    throw new AppError(
      ErrorCode.TLS_UNTRUSTED,
      `The login could not be checked: ${failures.map((f) => f.node).join(', ')} ${failures.length === 1 ? 'presents a certificate' : 'present certificates'} that ${def.name} does not trust (an untrusted certificate, not a node down); nothing was stored. Check the certificate's SHA-256 fingerprint${typeof first.details?.fingerprint256 === 'string' ? ` (${first.details.fingerprint256})` : ''} and trust it, then log in again.`,
      { ...(first.node ? { node: first.node } : {}), details: { ...first.details, unreachable: failures } },
    );
  }
  throw new AppError(
    ErrorCode.NODE_UNREACHABLE,
    `The login could not be checked: no node of ${def.name} answered (${failures.map((f) => `${f.node}: ${f.code}`).join(', ')}); nothing was stored. It can be stored without the check.`,
    { details: { unreachable: failures }, fix: { action: 'login-unchecked', cluster: def.name } },
  );
}

/** Where each node stands for `key`: by list API where the kind has one, else by probing. */
export async function locateKey(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
  secret: string | null,
  admin: AdminCredentials | null,
): Promise<{ provisionalOn: string[]; approvedOn: string[]; unreachable: NodeFailure[] }> {
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
      provisionalOn: lists.filter((l) => l.list && listedOnce(l.list, key) === 'provisional').map((l) => l.node),
      approvedOn: lists.filter((l) => l.list && listedOnce(l.list, key) === 'approved').map((l) => l.node),
      unreachable: lists.filter((l) => l.error).map((l) => nodeFailure(l.node, l.error!)),
    };
  }
  const probes = await probeAllNodes(ctxFor, def.nodes, (ctx) => adapter.discover(ctx), { key, secret });
  return {
    provisionalOn: probes.filter((p) => p.state === 'provisional').map((p) => p.node),
    approvedOn: probes.filter((p) => p.state === 'approved' || p.state === 'bad-secret').map((p) => p.node),
    unreachable: failuresOf(probes),
  };
}

/** The nodes (other than `except`) where a probe says the key is not loaded, and those that could not be asked. */
export async function nodesMissing(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
  secret: string | null,
  except: string,
): Promise<{ missingOn: string[]; unreachable: NodeFailure[] }> {
  const adapter = adapterFor(def.kind);
  const others = def.nodes.filter((n) => n.id !== except);
  const probes = await probeAllNodes(
    (node) => ({ cluster: def, node, http: deps.httpFor(def) }),
    others,
    (ctx) => adapter.discover(ctx),
    { key, secret },
  );
  return { missingOn: probes.filter((p) => p.state === 'unknown').map((p) => p.node), unreachable: failuresOf(probes) };
}

/**
 * When no node holds the key and nodes could not be asked, the key is not known to be gone: a
 * refused admin login (AUTH_FAILED on every node that answered) or no node answering at all is the
 * error, named as such, not "the node restarted".
 */
export function notAskedError(def: ClusterDefinition, unreachable: NodeFailure[]): AppError | null {
  if (unreachable.length === 0) return null;
  const list = unreachable.map((f) => `${f.node} (${f.code})`).join(', ');
  const auth = unreachable.filter((f) => f.code === ErrorCode.AUTH_FAILED);
  if (auth.length > 0)
    return new AppError(
      ErrorCode.AUTH_FAILED,
      `The admin login stored for ${def.name} was refused by ${auth.map((f) => f.node).join(', ')}: the key lists could not be read, so nothing is known about the key there. Store the right password.`,
      {
        node: auth[0]!.node,
        details: { field: 'credentials', unreachable },
        fix: { action: 'login', cluster: def.name },
      },
    );
  if (unreachable.length === def.nodes.length)
    return new AppError(
      ErrorCode.NODE_UNREACHABLE,
      `No node of ${def.name} could be asked: ${list}. Nothing is known about the key until a node answers.`,
      { details: { unreachable } },
    );
  return null;
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
  const { key } = arg;
  const pinned = arg.node !== undefined ? findNode(def, arg.node) : null;
  const adapter = adapterFor(def.kind);
  const admin = adapter.approve ? await requireAdmin(deps, def, 'Approving') : await deps.adminCredentials(def);
  const { secret, unverifiedReason } = await secretToVerify(deps, def, key);
  const a: Approval = {
    deps,
    def,
    key,
    secret,
    unverifiedReason,
    audit: (node, outcome, detail) =>
      deps.auditLog.append({ cluster: def.name, node, action: 'approve', key, outcome, ...(detail ? { detail } : {}) }),
  };

  let holder = pinned;
  let located: NodeFailure[] = [];
  if (!holder) {
    const where = await locateKey(deps, def, key, secret, admin);
    located = where.unreachable;
    const first = where.provisionalOn[0];
    if (!first) return noProvisionalHolder(a, where);
    holder = def.nodes.find((n) => n.id === first)!;
  }
  const ctx = { cluster: def, node: holder, http: deps.httpFor(def) };
  if (!adapter.approve) {
    await a.audit(holder.id, 'handoff');
    return {
      key,
      node: holder.id,
      verified: false,
      probe: null,
      handoff: adapter.approveHandoff(ctx, key),
      missingOn: [],
      alreadyApproved: false,
      unreachable: located,
    };
  }
  const outcome = await adapter.approve(ctx, admin!, key);
  if (outcome === 'not-here') {
    await a.audit(holder.id, 'failed', 'not provisional on this node');
    throw new AppError(
      ErrorCode.PROVISIONAL_KEY_NOT_FOUND,
      `${key} is not a provisional key on ${holder.id}; approve it on the node that holds it (the tool finds it when no node is named).`,
      { node: holder.id, details: { key }, fix: { action: 'approve', cluster: def.name, key } },
    );
  }
  return verifyApproval(a, holder, located);
}

/** An approval under way: the key, the secret that verifies it (if any), and how to audit it. */
interface Approval {
  deps: RepairDeps;
  def: ClusterDefinition;
  key: string;
  secret: string | null;
  unverifiedReason: string | null;
  audit: (node: string | null, outcome: 'ok' | 'failed' | 'handoff', detail?: string) => Promise<unknown>;
}

/**
 * No node holds the key provisionally: approved already (then verified, and where it is missing
 * said), or lost — unless the nodes that could not be asked might hold it.
 */
async function noProvisionalHolder(a: Approval, where: Awaited<ReturnType<typeof locateKey>>): Promise<ApproveResult> {
  const { deps, def, key, secret, unverifiedReason } = a;
  if (where.approvedOn.length) {
    const approvedNode = def.nodes.find((n) => n.id === where.approvedOn[0])!;
    const probe = await verifyOnNode(deps, def, approvedNode, key, secret);
    const after = await nodesMissing(deps, def, key, secret, approvedNode.id);
    return {
      key,
      node: approvedNode.id,
      verified: probe.state === 'approved',
      probe,
      handoff: null,
      missingOn: after.missingOn,
      alreadyApproved: true,
      unreachable: mergeFailures(def, where.unreachable, after.unreachable),
      ...(unverifiedReason && probe.state !== 'approved' ? { unverifiedReason } : {}),
    };
  }
  const notAsked = notAskedError(def, where.unreachable);
  if (notAsked) {
    await a.audit(null, 'failed', `${notAsked.code}: ${where.unreachable.map((f) => f.node).join(',')}`);
    throw notAsked;
  }
  const down = where.unreachable.length
    ? ` Not reachable: ${where.unreachable.map((f) => `${f.node} (${f.code})`).join(', ')} — if the key was created there, approve it when that node is back.`
    : '';
  await a.audit(null, 'failed', 'no node holds the key provisionally');
  throw new AppError(
    ErrorCode.PROVISIONAL_KEY_NOT_FOUND,
    `No node of ${def.name} holds ${key} as a provisional key. The node that created it has probably restarted (provisional keys live only in that node's memory).${down} Register the consumer by hand with its key and secret, then sync.`,
    {
      details: { key, checked: def.nodes.map((n) => n.id), unreachable: where.unreachable },
      fix: { action: 'register', cluster: def.name, key },
    },
  );
}

/** After the approval: a signed probe on the holder, and the nodes that do not have the key yet. */
async function verifyApproval(a: Approval, holder: NodeDefinition, located: NodeFailure[]): Promise<ApproveResult> {
  const { deps, def, key, secret, unverifiedReason } = a;
  const probe = await verifyOnNode(deps, def, holder, key, secret);
  const after = await nodesMissing(deps, def, key, secret, holder.id);
  const unreachable = mergeFailures(def, located, after.unreachable);
  await a.audit(
    holder.id,
    'ok',
    [
      probe.state === 'approved' ? 'verified by probe' : `probe says ${probe.state}`,
      ...(unreachable.length ? [`not checked: ${unreachable.map((f) => `${f.node} (${f.code})`).join(',')}`] : []),
    ].join('; '),
  );
  return {
    key,
    node: holder.id,
    verified: probe.state === 'approved',
    probe,
    handoff: null,
    missingOn: after.missingOn,
    alreadyApproved: false,
    unreachable,
    ...(unverifiedReason && probe.state !== 'approved' ? { unverifiedReason } : {}),
  };
}

/**
 * The consumer's secret, to verify the approval by a signed probe. Approving needs the admin login,
 * not the consumer's secret: a key nobody tracks (a friendship made outside the console) has none,
 * and a keychain that cannot be read only limits what can be verified; neither stops the approval.
 */
async function secretToVerify(
  deps: RepairDeps,
  def: ClusterDefinition,
  key: string,
): Promise<{ secret: string | null; unverifiedReason: string | null }> {
  const tracked = def.consumers.find((c) => c.key === key);
  if (!tracked?.hasSecret)
    return {
      secret: null,
      unverifiedReason: `no secret is known for ${key} (track it with its secret to verify it by a signed request)`,
    };
  try {
    const secret = await deps.consumerSecret(def, key);
    return secret === null
      ? { secret, unverifiedReason: `the secret of ${key} is no longer in the keychain` }
      : { secret, unverifiedReason: null };
  } catch (e) {
    if (isAppError(e) && e.code === ErrorCode.KEYCHAIN_UNAVAILABLE)
      return { secret: null, unverifiedReason: `the secret of ${key} could not be read: no OS keychain is available` };
    throw e;
  }
}
