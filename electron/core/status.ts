/**
 * Cluster status: every node in parallel with a bounded pool; a dead or slow node never holds up the
 * others, because each node's work is its own promise and failures become values.
 */
import { ErrorCode, toErrorInfo } from '../../shared/errors.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type {
  BalancerStatus,
  ClusterDefinition,
  ClusterStatus,
  ConsumerState,
  NodeDefinition,
  NodeStatus,
  ProbeResult,
  TlsInfo,
} from '../../shared/model.ts';
import type { HttpClient, HttpResponse } from './http/client.ts';
import { TIMESTAMP_WINDOW_SECONDS } from '../../shared/diagnose.ts';
import { mapPool } from './pool.ts';
import { discoveryFor, freshDiscovery, reuseOrRedo } from './node-cache.ts';
import type { NodeCache } from './node-cache.ts';
import { clockSkewSeconds, decideWithList, probeNodeAnswer, stateFromError } from './probe.ts';
import type { ProbeConsumer } from './probe.ts';
import { listedAs } from './providers/consumer-list.ts';
import { adapterFor } from './providers/index.ts';
import type { AdminCredentials, Discovery, KeyList, NodeContext, OAuthEndpoints } from './providers/types.ts';
import { cloneIdFromCookies } from './redact.ts';
import { balancerFailureWords } from '../../shared/failure-words.ts';
import { computeDrift } from '../../shared/drift.ts';

export { computeDrift };

/**
 * Nodes worked at once: a whole 128-node cluster in one wave. What protects the client (and each
 * node) is the HTTP client's own bound on requests in flight, globally and per origin.
 */
export const NODE_CONCURRENCY = 128;
/**
 * Probes in flight at once on one node, by default: every tracked key in the same round trip. A
 * probe is a POST, which HTTP/1.1 must not pipeline, so each one in flight is a connection of its
 * own; a long-running engine (the console, browser mode, `watch`) keeps them for its next refresh.
 */
export const DEFAULT_PROBES_PER_NODE = 64;
/**
 * The same for a process that ends after one command (the CLI's status, sync, diagnose…): it keeps no
 * connection, so it opens at most 6 a node, as browsers bound theirs per host, and sends the next key
 * on a connection a probe freed. Every tracked key at once had cost a connection per key per node
 * (1,344 for 20 keys × 64 nodes), and the connecting, not the waiting, held the CLI's thread: 20 keys
 * × 64 nodes took 1.68 s instead of 2.00 s (status --json over 50,000 listed keys, `npm run bench --
 * --only scale`), and a node with many tracked keys is asked for six at a time, not all at once.
 */
export const ONE_SHOT_PROBES_PER_NODE = 6;

export interface StatusInput {
  cluster: ClusterDefinition;
  http: HttpClient;
  /** Probes in flight at once on one node ({@link DEFAULT_PROBES_PER_NODE}, {@link ONE_SHOT_PROBES_PER_NODE}). */
  probesPerNode: number;
  consumers: ProbeConsumer[];
  admin: AdminCredentials | null;
  onNode?: (node: NodeStatus) => void;
  /** Recent discoveries and admin sessions to reuse; absent: every node is asked afresh. */
  cache?: NodeCache;
  /** Filled with clone id → node id from each node's own answers, to attribute the balancer's answers. */
  cloneIds?: Map<string, string>;
  /**
   * Sync's verification: the node's own list decides which keys it holds, and no key is probed (see
   * {@link nodeRegistryStatus}). Set (by statusRun) only where the kind lists a node's keys and an
   * admin login is known.
   */
  listDecides?: boolean;
  /**
   * With `listDecides`, `consumers` carry no secret (the list needs none): the consumer secrets are
   * read from the keychain only for a node whose list fails and so must be probed.
   */
  secrets?: () => Promise<ProbeConsumer[]>;
  /**
   * Each node's key list, asked for before the consumer secrets were read (see {@link startListings}):
   * taken once by the node's status, which otherwise asks for it itself.
   */
  listings?: Map<string, Promise<KeyList | Error | null>>;
}

/** Learns a node's clone id from its own answer's session cookie. */
function learnCloneId(input: StatusInput, node: NodeDefinition, setCookies: readonly string[]): void {
  const c = cloneIdFromCookies(setCookies);
  if (c !== null) input.cloneIds?.set(c, node.id);
}

/** Where the node's OAuth URLs were read, when its adapter says (issue 11: "say which one was used"). */
function sourceField(endpoints: OAuthEndpoints): Pick<NodeStatus, 'discoverySource'> {
  return endpoints.source ? { discoverySource: endpoints.source } : {};
}

/** The certificate a node presented when it was refused as untrusted, so the UI can offer to trust it. */
export function untrustedCertificate(error: ErrorInfo | null): TlsInfo | null {
  const d = error?.details;
  if (!d || typeof d.fingerprint256 !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    subject: str(d.subject),
    issuer: str(d.issuer),
    validFrom: str(d.validFrom),
    validTo: str(d.validTo),
    fingerprint256: d.fingerprint256,
    authorized: false,
  };
}

/** Probe answers that fit a discovery made earlier: the node is up and speaks OAuth at those URLs. */
const ANSWERS_FITTING_DISCOVERY = new Set<ConsumerState>([
  'approved',
  'bad-secret',
  'unknown',
  'provisional',
  'clock-skew',
]);

/** A node's status shows each key's state and problem, never the exchange behind it. */
const NO_EVIDENCE = { evidence: false };

function nodeContext(input: StatusInput, node: NodeDefinition): NodeContext {
  return { cluster: input.cluster, node, http: input.http, ...(input.cache ? { cache: input.cache } : {}) };
}

/** The key list, started at once: it does not depend on discovery, so a slow node costs one wait, not two. */
function startListing(
  input: StatusInput,
  ctx: NodeContext,
  seen?: (res: HttpResponse) => void,
): Promise<KeyList | Error | null> {
  const adapter = adapterFor(input.cluster.kind);
  if (!adapter.listKeys || !input.admin) return Promise.resolve(null);
  return adapter.listKeys(ctx, input.admin, seen).then(
    (list): KeyList | Error => list,
    (e: unknown): Error => (e instanceof Error ? e : new Error(String(e))),
  );
}

/** The node's key list as started early ({@link startListings}), taken once; else asked for now. */
function listingFor(input: StatusInput, ctx: NodeContext): Promise<KeyList | Error | null> {
  const early = input.listings?.get(ctx.node.id);
  if (!early) return startListing(input, ctx);
  input.listings!.delete(ctx.node.id);
  return early;
}

/**
 * Asks every node for its key list now, where the kind has a list API and the admin login is known:
 * status calls this before it reads the consumer secrets (one keychain round trip each, ~7 ms of
 * this thread apiece), so the lists (5.7 MB a node at 50,000 keys) arrive while they are read and
 * while the probes are signed and sent (issue 27).
 */
export function startListings(input: StatusInput): Map<string, Promise<KeyList | Error | null>> | undefined {
  if (!input.admin || !adapterFor(input.cluster.kind).listKeys) return undefined;
  return new Map(input.cluster.nodes.map((node) => [node.id, startListing(input, nodeContext(input, node))]));
}

const listOf = (listed: KeyList | Error | null): KeyList | null => (listed instanceof Error ? null : listed);

/**
 * The node's lists as its status carries them: the reader's own arrays, not copies (at 50,000 keys ×
 * 64 nodes, nodes with equal lists share one array; see consumer-list.ts). Read-only from here on.
 */
function listedFields(listed: KeyList | Error | null): Pick<NodeStatus, 'provisional' | 'approved' | 'error'> {
  const list = listOf(listed);
  return {
    provisional: list ? (list.provisional as string[]) : null,
    approved: list ? (list.approved as string[]) : null,
    error: listed instanceof Error ? toErrorInfo(listed) : null,
  };
}

/**
 * A probe the node answered with something that is not an OAuth answer this tool can read (a 401
 * whose WWW-Authenticate is malformed, say): the node is named with a coded error, not only a state.
 */
function unreadableAnswer(node: NodeDefinition, probes: ProbeResult[]): ErrorInfo | null {
  const p = probes.find((x) => x.state === 'error');
  if (!p) return null;
  if (p.error) return p.error;
  return {
    code: ErrorCode.UNEXPECTED_RESPONSE,
    message: `${node.id} answered the signed request-token call for ${p.key} with ${p.problem ?? 'an unexpected answer'}, which is not an OAuth answer (its WWW-Authenticate or body names no oauth_problem)`,
    node: node.id,
  };
}

/**
 * One node's status on a discovery made earlier (cached, or started beside a refresh): the probes
 * themselves show the node up and carry its `Date`, TLS and latency. Null when anything does not fit
 * (a failed request, an answer that is not OAuth's, a failed list): then nothing reused is trusted.
 */
async function nodeStatusOnEarlierDiscovery(
  input: StatusInput,
  ctx: NodeContext,
  earlier: Discovery,
): Promise<NodeStatus | null> {
  const endpoints = earlier.endpoints;
  if (earlier.persisted) {
    if (earlier.persisted.cloneId !== null) input.cloneIds?.set(earlier.persisted.cloneId, ctx.node.id);
  } else learnCloneId(input, ctx.node, earlier.response.setCookies);
  const listing = listingFor(input, ctx);
  const probing = mapPool(input.consumers, input.probesPerNode, (c) => probeNodeAnswer(ctx, endpoints, c, NO_EVIDENCE));
  const [answers, listed] = await Promise.all([probing, listing]);
  if (listed instanceof Error) return null;
  if (!answers.every((a) => a.response !== null && ANSWERS_FITTING_DISCOVERY.has(a.result.state))) return null;
  const first = answers[0]!;
  return {
    id: ctx.node.id,
    url: ctx.node.url,
    up: true,
    latencyMs: first.result.latencyMs,
    clockSkewSeconds: first.result.clockSkewSeconds,
    tls: first.response!.tls,
    consumers: answers
      .map(({ result }) => decideWithList(result, listOf(listed)))
      .map((p) => ({ key: p.key, state: p.state, problem: p.problem })),
    ...listedFields(listed),
    ...sourceField(endpoints),
  };
}

export async function nodeStatus(given: StatusInput, node: NodeDefinition): Promise<NodeStatus> {
  let input = given;
  const ctx = nodeContext(input, node);
  if (input.listDecides) {
    const fromList = await nodeRegistryStatus(input, ctx);
    if (fromList) return fromList;
    // The list failed: the probes say what they can, as status does (and name the node's error),
    // with the consumer secrets, read now.
    if (input.secrets) input = { ...input, consumers: await input.secrets() };
  }
  // Without a probe nothing would show that an earlier discovery still holds: ask the node again.
  return reuseOrRedo(
    ctx,
    (earlier) => nodeStatusOnEarlierDiscovery(input, ctx, earlier),
    () => nodeStatusAfresh(input, ctx),
    input.consumers.length > 0,
    // The probes' answers prove an earlier process's discovery too: it is used (discovery-cache.ts).
    { persisted: true },
  );
}

/**
 * Sync's verification of one node (issue 27): once its registry is reloaded, the node's own key list
 * says which keys it holds, which is the question sync asks, in one request, where probing takes a
 * signed request per tracked key that the node must check too (64 nodes × 5 keys: 320 requests
 * against 64). A listed key is loaded (approved, or provisional); a tracked key the list does not
 * name is not loaded on this node. A node whose clock (its `Date`) is off by more than the OAuth
 * timestamp window refuses every signed request, so its keys stay unverified (`clock-skew`), as its
 * probes would have said. A wrong stored secret is status's and diagnose's to tell. Null when the
 * list could not be read: the node is then probed.
 */
async function nodeRegistryStatus(input: StatusInput, ctx: NodeContext): Promise<NodeStatus | null> {
  const sentAt = Date.now();
  let answer: HttpResponse | null = null;
  const listed = await startListing(input, ctx, (res) => (answer = res));
  const list = listOf(listed);
  if (list === null || answer === null) return null;
  const res: HttpResponse = answer;
  const skew = clockSkewSeconds(res, sentAt);
  const skewed = skew !== null && Math.abs(skew) > TIMESTAMP_WINDOW_SECONDS;
  return {
    id: ctx.node.id,
    url: ctx.node.url,
    up: true,
    latencyMs: res.latencyMs,
    clockSkewSeconds: skew,
    tls: res.tls,
    consumers: input.consumers.map(({ key }) => {
      const held = listedAs(list, key);
      if (skewed)
        return {
          key,
          state: 'clock-skew' as const,
          problem: `the node's clock is ${skew} s off (its Date header): it refuses signed requests (timestamp_refused)`,
        };
      if (held === null) return { key, state: 'unknown' as const, problem: "not in this node's consumer list" };
      return held === 'provisional'
        ? { key, state: 'provisional' as const, problem: 'provisional on this node, as its consumer list says' }
        : { key, state: 'approved' as const, problem: null };
    }),
    ...listedFields(listed),
  };
}

/** One node's status on a new discovery (kept for next time). */
async function nodeStatusAfresh(input: StatusInput, ctx: NodeContext): Promise<NodeStatus> {
  const { node } = ctx;
  const { consumers } = input;
  const sentAt = Date.now();
  const listing = listingFor(input, ctx);
  let discovery;
  try {
    discovery = await freshDiscovery(ctx, adapterFor(input.cluster.kind).discover);
  } catch (e) {
    void listing;
    const state = stateFromError(e);
    const error = toErrorInfo(e);
    return downNode(node, error, {
      tls: untrustedCertificate(error),
      consumers: consumers.map((c) => ({ key: c.key, state, problem: error.code })),
    });
  }
  const endpoints = discovery.endpoints;
  learnCloneId(input, node, discovery.response.setCookies);
  const probing = mapPool(consumers, input.probesPerNode, async (c) => {
    return (await probeNodeAnswer(ctx, endpoints, c, NO_EVIDENCE)).result;
  });
  const [probes, listed] = await Promise.all([probing, listing]);
  if (probes.some((p) => p.error !== null)) input.cache?.forget(ctx);
  const decided = probes.map((p) => decideWithList(p, listOf(listed)));
  const fields = listedFields(listed);
  return {
    id: node.id,
    url: node.url,
    up: true,
    latencyMs: discovery.response.latencyMs,
    clockSkewSeconds: clockSkewSeconds(discovery.response, sentAt),
    tls: discovery.response.tls,
    consumers: decided.map((p) => ({ key: p.key, state: p.state, problem: p.problem })),
    ...fields,
    error: fields.error ?? unreadableAnswer(node, decided),
    ...sourceField(endpoints),
  };
}

/** What status says of the cluster as a whole, before any node is asked. */
export function statusNotices(input: StatusInput): string[] {
  const notices: string[] = [];
  const adapter = adapterFor(input.cluster.kind);
  if (adapter.listKeys && !input.admin) {
    notices.push(
      `No admin login is stored for ${input.cluster.name}: the nodes' own key lists were not read. Log in to read them.`,
    );
  }
  if (!adapter.listKeys) {
    notices.push(`${input.cluster.kind} has no API to list a node's keys: only tracked consumers were probed.`);
  }
  // Where the lists decide, no secret is read (nor needed) unless a list fails.
  const missingSecrets = input.listDecides ? [] : input.consumers.filter((c) => c.secret === null).map((c) => c.key);
  if (missingSecrets.length) {
    notices.push(
      `No secret stored for ${missingSecrets.join(', ')}: the probe tells whether each key is loaded, not whether its secret is right.`,
    );
  }
  return notices;
}

/** Starts what a later {@link nodeStatus} of this node needs (discovery, an admin session) in the background. */
export function prepareNodeStatus(input: StatusInput, node: NodeDefinition): void {
  if (!input.cache) return;
  const ctx = nodeContext(input, node);
  const adapter = adapterFor(input.cluster.kind);
  // Failures are the cache's to forget; the status that follows asks again. Where the list decides,
  // no discovery is needed unless the list fails (then the node is discovered afresh).
  if (input.consumers.length > 0 && !input.listDecides)
    discoveryFor(ctx, adapter.discover, true, { persisted: true }).discovery.catch(() => undefined);
  if (adapter.prepareListing && input.admin) adapter.prepareListing(ctx, input.admin);
}

/** The cluster's status from its nodes' statuses (in the cluster's node order). */
export function statusOf(input: StatusInput, nodes: NodeStatus[], notices: string[]): ClusterStatus {
  return {
    cluster: input.cluster.name,
    kind: input.cluster.kind,
    checkedAt: new Date().toISOString(),
    nodes,
    drift: computeDrift(nodes, input.cluster.kind),
    notices,
  };
}

/**
 * Asks the balancer for the provider's discovery document, as a client would: a dead or hanging
 * balancer fails every client whatever the nodes say, so status and sync say so.
 */
export async function balancerStatus(cluster: ClusterDefinition, http: HttpClient): Promise<BalancerStatus> {
  const ctx: NodeContext = {
    cluster,
    node: { id: 'balancer', label: 'balancer', url: cluster.balancerUrl },
    http,
  };
  try {
    const { response } = await adapterFor(cluster.kind).discover(ctx);
    return {
      url: cluster.balancerUrl,
      up: true,
      latencyMs: response.latencyMs,
      answeredBy: null,
      cloneId: cloneIdFromCookies(response.setCookies),
      error: null,
    };
  } catch (e) {
    const error = toErrorInfo(e);
    // Discovery needs no login: "check the admin credentials" would mislead; say what the page means.
    if (error.code === ErrorCode.LOGIN_PAGE) {
      const signal = typeof error.details?.signal === 'string' ? ` (${error.details.signal})` : '';
      error.message = `the balancer answered with a login page${signal} where the provider's discovery document was expected`;
    }
    return {
      url: cluster.balancerUrl,
      up: false,
      latencyMs: null,
      answeredBy: null,
      cloneId: null,
      error,
    };
  }
}

/** A node that did not answer as the provider: nothing read from it but its error (and what it presented). */
export function downNode(
  node: { id: string; url: string },
  error: ErrorInfo,
  seen: Partial<Pick<NodeStatus, 'tls' | 'consumers'>> = {},
): NodeStatus {
  return {
    id: node.id,
    url: node.url,
    up: false,
    latencyMs: null,
    clockSkewSeconds: null,
    tls: seen.tls ?? null,
    consumers: seen.consumers ?? [],
    provisional: null,
    approved: null,
    error,
  };
}

/** The notice status and sync give when the balancer failed. */
export function balancerNotice(b: BalancerStatus): string | null {
  if (b.up || !b.error) return null;
  return `The balancer ${b.url} ${balancerFailureWords(b.error).words}: ${b.error.code}: ${b.error.message}. Clients that go through it fail, whatever the nodes say.`;
}

/**
 * Adds the balancer's status (and its notice, first) to a cluster status, its answer attributed to
 * the node whose own answer carried the same clone id (`cloneIds`, learned by status), if any.
 */
export function withBalancer<T extends { notices: string[]; balancer?: BalancerStatus }>(
  result: T,
  balancer: BalancerStatus,
  cluster: ClusterDefinition,
  cloneIds: ReadonlyMap<string, string>,
): T {
  const learned = balancer.cloneId === null ? undefined : cloneIds.get(balancer.cloneId);
  const answeredBy = learned !== undefined && cluster.nodes.some((n) => n.id === learned) ? learned : null;
  const b = { ...balancer, answeredBy };
  const notice = balancerNotice(b);
  return { ...result, balancer: b, notices: notice ? [notice, ...result.notices] : result.notices };
}
