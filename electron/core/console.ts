/**
 * The console's own operations (shared/contract-console.ts): the embedded sandbox's controls and the
 * check behind a node-pinned admin page. The door that starts a sandbox attaches it here; the engine
 * never starts one itself.
 */
import * as z from 'zod';
import type { AdminPageResult, SandboxNodeArg, SandboxView } from '../../shared/contract-console.ts';
import { SANDBOX_NODE_ACTIONS } from '../../shared/contract-console.ts';
import { AppError, ErrorCode, badInput } from '../../shared/errors.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { nodeIdSchema, parseOrThrow } from '../../shared/schema.ts';
import { findNode } from './repair/approve.ts';
import { adapterFor } from './providers/index.ts';

/** What the engine needs of an embedded sandbox: the shape of `SandboxHandle`, minus its lifecycle. */
export interface EmbeddedSandbox {
  killNode(id: string): Promise<void>;
  restartNode(id: string): Promise<void>;
  setLatency(id: string, ms: number): void;
  setClockOffset(id: string, offsetSeconds: number): void;
  state(): {
    balancer: string;
    sticky: boolean;
    tls: boolean;
    /** The surface it speaks (`sandbox`, `clearquest`, `jazz`, `lyo`): the cluster kind it is registered as. */
    dialect?: string;
    nodes: SandboxView['nodes'];
    repository: SandboxView['repository'];
  };
  friend(name: string, secret: string): Promise<{ key: string; node: string }>;
  /** The sandbox's throwaway admin login (a new random password at every start), as `SandboxHandle.info` has it. */
  info?: { admin: { user: string; password: string } };
}

const MAX_LATENCY_MS = 600_000;
const MAX_CLOCK_OFFSET_SECONDS = 10 * 365 * 86_400;

const nodeArgSchema = z.object({
  cluster: z.string(),
  node: nodeIdSchema,
  action: z.enum(SANDBOX_NODE_ACTIONS, { message: `must be one of ${SANDBOX_NODE_ACTIONS.join(', ')}` }),
  value: z.number().finite('must be a finite number').optional(),
});

export function sandboxView(cluster: string, sandbox: EmbeddedSandbox): SandboxView {
  const s = sandbox.state();
  return {
    cluster,
    balancer: s.balancer,
    sticky: s.sticky,
    tls: s.tls,
    nodes: s.nodes.map((n) => ({ ...n, registry: [...n.registry], provisional: [...n.provisional] })),
    repository: { consumers: s.repository.consumers.map((c) => ({ ...c })) },
    ...(sandbox.info ? { adminLogin: { user: sandbox.info.admin.user, password: sandbox.info.admin.password } } : {}),
  };
}

/** Applies one node action, with the limits the control server has, each error naming the field. */
export async function applyNodeAction(
  sandbox: EmbeddedSandbox,
  def: ClusterDefinition,
  raw: SandboxNodeArg,
): Promise<void> {
  const arg = parseOrThrow(nodeArgSchema, raw, 'sandbox node action');
  findNode(def, arg.node);
  const need = (min: number, max: number, unit: string): number => {
    if (arg.value === undefined) throw badInput('value', `${arg.action} needs a value in ${unit}`);
    if (arg.value < min || arg.value > max) throw badInput('value', `must be between ${min} and ${max} ${unit}`);
    return arg.value;
  };
  switch (arg.action) {
    case 'kill':
      return sandbox.killNode(arg.node);
    case 'restart':
      return sandbox.restartNode(arg.node);
    case 'latency':
      return sandbox.setLatency(arg.node, need(0, MAX_LATENCY_MS, 'ms'));
    case 'clock':
      return sandbox.setClockOffset(arg.node, need(-MAX_CLOCK_OFFSET_SECONDS, MAX_CLOCK_OFFSET_SECONDS, 's'));
  }
}

/**
 * An admin page's URL. Unlike a node's URL it may carry a query or a fragment: Jazz's approval link is
 * `{oauthApprovalModuleUrl}?key=<key>` [D], its Consumers page `admin#action=…configureOAuth` [D].
 */
const adminPageUrlSchema = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL with a host and no user or password in it');

/** The node's own admin page, or `url` once it is checked to be on that node's origin. */
export function adminPage(def: ClusterDefinition, nodeId: unknown, url: unknown): AdminPageResult {
  const node = findNode(def, parseOrThrow(nodeIdSchema, nodeId, 'node'));
  const origin = new URL(node.url).origin;
  let target: string;
  if (url === undefined) {
    const ctx = { cluster: def, node, http: null as never };
    target = adapterFor(def.kind).approveHandoff(ctx, '').adminUrl;
  } else {
    target = parseOrThrow(adminPageUrlSchema, url, 'url');
    if (new URL(target).origin !== origin) {
      throw badInput(
        'url',
        `${target} is not on node ${node.id} (${origin}); a node-pinned window opens only that node's pages`,
      );
    }
  }
  return { cluster: def.name, node: node.id, url: target, title: `${node.id} — ${node.url}`, opened: 'none' };
}

export function notEmbedded(cluster: string): AppError {
  return new AppError(
    ErrorCode.NOT_SUPPORTED,
    `Cluster ${cluster} is not an embedded sandbox of this app: its controls exist only for the sandbox the app started`,
  );
}
