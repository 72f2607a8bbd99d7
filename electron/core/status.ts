/**
 * Cluster status: every node in parallel with a bounded pool; a dead or slow node never holds up the
 * others, because each node's work is its own promise and failures become values.
 */
import { toErrorInfo } from '../../shared/errors.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus, ConsumerState, Drift, NodeDefinition, NodeStatus, TlsInfo } from '../../shared/model.ts';
import type { HttpClient } from './http/client.ts';
import { mapPool } from './pool.ts';
import { clockSkewSeconds, probeNode, stateFromError } from './probe.ts';
import type { ProbeConsumer } from './probe.ts';
import { adapterFor } from './providers/index.ts';
import type { AdminCredentials, ListedConsumer } from './providers/types.ts';

export const NODE_CONCURRENCY = 8;
const PROBES_PER_NODE = 4;

export interface StatusInput {
  cluster: ClusterDefinition;
  http: HttpClient;
  consumers: ProbeConsumer[];
  admin: AdminCredentials | null;
  onNode?: (node: NodeStatus) => void;
}

/** The certificate a node presented when it was refused as untrusted, so the UI can offer to trust it. */
export function untrustedCertificate(error: ErrorInfo | null): TlsInfo | null {
  const d = error?.details;
  if (!d || typeof d.fingerprint256 !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { subject: str(d.subject), issuer: str(d.issuer), validFrom: str(d.validFrom), validTo: str(d.validTo), fingerprint256: d.fingerprint256, authorized: false };
}

export async function nodeStatus(input: StatusInput, node: NodeDefinition): Promise<NodeStatus> {
  const { cluster, http, consumers, admin } = input;
  const adapter = adapterFor(cluster.kind);
  const ctx = { cluster, node, http };
  const sentAt = Date.now();
  // The key list does not depend on discovery: start both at once so a slow node costs one wait, not two.
  const listing: Promise<ListedConsumer[] | Error | null> =
    adapter.listKeys && admin
      ? adapter.listKeys(ctx, admin).then(
          (list): ListedConsumer[] | Error => list,
          (e: unknown): Error => (e instanceof Error ? e : new Error(String(e))),
        )
      : Promise.resolve(null);
  let discovery;
  try {
    discovery = await adapter.discover(ctx);
  } catch (e) {
    void listing;
    const state = stateFromError(e);
    const error = toErrorInfo(e);
    return {
      id: node.id,
      url: node.url,
      up: false,
      latencyMs: null,
      clockSkewSeconds: null,
      tls: untrustedCertificate(error),
      consumers: consumers.map((c) => ({ key: c.key, state, problem: error.code })),
      provisional: null,
      approved: null,
      error,
    };
  }
  const endpoints = discovery.endpoints;
  const [probes, listed] = await Promise.all([mapPool(consumers, PROBES_PER_NODE, (c) => probeNode(ctx, endpoints, c)), listing]);
  const listError = listed instanceof Error ? toErrorInfo(listed) : null;
  const list = Array.isArray(listed) ? listed : null;
  return {
    id: node.id,
    url: node.url,
    up: true,
    latencyMs: discovery.response.latencyMs,
    clockSkewSeconds: clockSkewSeconds(discovery.response, sentAt),
    tls: discovery.response.tls,
    consumers: probes.map((p) => ({ key: p.key, state: p.state, problem: p.problem })),
    provisional: list ? list.filter((c) => c.provisional).map((c) => c.key) : null,
    approved: list ? list.filter((c) => !c.provisional).map((c) => c.key) : null,
    error: listError,
  };
}

/** A key approved on some reachable nodes and not loaded on others: the balancer's gamble. */
export function computeDrift(nodes: NodeStatus[]): Drift[] {
  const up = nodes.filter((n) => n.up);
  const keys = new Set<string>();
  for (const n of up) {
    n.consumers.forEach((c) => keys.add(c.key));
    n.approved?.forEach((k) => keys.add(k));
  }
  const stateOn = (n: NodeStatus, key: string): ConsumerState | 'listed-approved' | 'listed-provisional' | 'absent' | null => {
    const probed = n.consumers.find((c) => c.key === key)?.state;
    if (probed) return probed;
    if (n.approved?.includes(key)) return 'listed-approved';
    if (n.provisional?.includes(key)) return 'listed-provisional';
    return n.approved ? 'absent' : null;
  };
  const drift: Drift[] = [];
  for (const key of [...keys].sort()) {
    const states = up.map((n) => ({ id: n.id, s: stateOn(n, key) }));
    const approvedOn = states.filter((x) => x.s === 'approved' || x.s === 'listed-approved' || x.s === 'bad-secret').map((x) => x.id);
    const missingOn = states.filter((x) => x.s === 'unknown' || x.s === 'absent').map((x) => x.id);
    if (approvedOn.length === 0 || missingOn.length === 0) continue;
    const list = missingOn.join(', ');
    drift.push({
      key,
      missingOn,
      message: `Key ${key} is approved on ${approvedOn.join(', ')} but not loaded on ${list}: requests the balancer sends to ${list} will fail with 401 invalid_expired_token. Log in to ${missingOn.length > 1 ? 'those nodes' : 'that node'} (sync) to reload its registry.`,
    });
  }
  return drift;
}

export async function clusterStatus(input: StatusInput): Promise<ClusterStatus> {
  const notices: string[] = [];
  const adapter = adapterFor(input.cluster.kind);
  if (adapter.listKeys && !input.admin) {
    notices.push(`No admin login is stored for ${input.cluster.name}: the nodes' own key lists were not read. Run \`oslc-admin login ${input.cluster.name} --user U\`.`);
  }
  if (!adapter.listKeys) {
    notices.push(`${input.cluster.kind} has no API to list a node's keys: only tracked consumers were probed.`);
  }
  const missingSecrets = input.consumers.filter((c) => c.secret === null).map((c) => c.key);
  if (missingSecrets.length) {
    notices.push(`No secret stored for ${missingSecrets.join(', ')}: the probe tells whether each key is loaded, not whether its secret is right.`);
  }
  const nodes = await mapPool(input.cluster.nodes, NODE_CONCURRENCY, async (node) => {
    const s = await nodeStatus(input, node);
    input.onNode?.(s);
    return s;
  });
  return {
    cluster: input.cluster.name,
    kind: input.cluster.kind,
    checkedAt: new Date().toISOString(),
    nodes,
    drift: computeDrift(nodes),
    notices,
  };
}
