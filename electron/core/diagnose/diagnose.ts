/**
 * Diagnose one consumer key down to the node and the cause: every node probed directly (bounded
 * pool; a dead or slow node never holds up the others), the balancer probed several times (enough to
 * reach every node when it is round-robin, then again with a session cookie to test its affinity),
 * the nodes' own key lists read where the kind has a list API and an admin login is stored, and a
 * pasted error text parsed. The rules that turn these facts into causes are in ./causes.ts.
 */
import { balancerFailureWords } from '../../../shared/failure-words.ts';
import { untrustedCertificate as tlsFromError } from '../status.ts';
import { fromKeychain } from '../keychain.ts';
import type {
  BalancerDiagnosis,
  BalancerProbe,
  DiagnoseArg,
  DiagnoseEvent,
  DiagnosedNode,
  Diagnosis,
  NodeKeyState,
  ParsedErrorText,
} from '../../../shared/diagnose.ts';
import { BALANCER_ID } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { badInput, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, Exchange, NodeDefinition } from '../../../shared/model.ts';
import { consumerKeySchema, MAX_SECRET_CHARS, parseOrThrow } from '../../../shared/schema.ts';
import type { HttpClient } from '../http/client.ts';
import { freshDiscovery, reuseOrRedo } from '../node-cache.ts';
import type { NodeCache } from '../node-cache.ts';
import { mapPool } from '../pool.ts';
import { clockSkewSeconds, stateFromError } from '../probe.ts';
import { listedOnce } from '../providers/consumer-list.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials, Discovery, NodeContext, ProviderAdapter } from '../providers/types.ts';
import { NODE_CONCURRENCY } from '../status.ts';
import type { BalancerFacts, NodeFacts } from './causes.ts';
import { decideCauses, describeSkew, listNodes } from './causes.ts';
import { CookieJar } from './cookies.ts';
import type { DiagnoseEngine } from './engine.ts';
import { secretFor } from './engine.ts';
import { MAX_ERROR_TEXT_CHARS, nodesMentioned, parseErrorText } from './error-text.ts';
import { probeKey } from './probe-key.ts';
import type { KeyProbe } from './probe-key.ts';

export interface DiagnoseOptions {
  onProgress?: (event: DiagnoseEvent) => void;
  /** Probes through the balancer without a cookie; default twice the node count (2…64). */
  balancerRounds?: number;
  /** Probes through the balancer with the first answer's session cookie; default 3. */
  stickinessProbes?: number;
}

/** The secret and the error text, checked; BAD_INPUT naming the field otherwise. */
export function checkSecret(secret: unknown, field = 'secret'): string | undefined {
  if (secret === undefined || secret === null) return undefined;
  if (typeof secret !== 'string' || secret === '') throw badInput(field, 'must be a non-empty string');
  if (secret.length > MAX_SECRET_CHARS) throw badInput(field, `must be at most ${MAX_SECRET_CHARS} characters`);
  return secret;
}

export function checkErrorText(text: unknown): string | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') throw badInput('errorText', 'must be text');
  return text;
}

interface Env {
  def: ClusterDefinition;
  adapter: ProviderAdapter;
  http: HttpClient;
  cache: NodeCache | undefined;
  key: string;
  secret: string | null;
  admin: AdminCredentials | null;
  /** Clone id → the cluster's node id, learned from each node's own answers (its JSESSIONID cookie). */
  cloneIds?: Map<string, string>;
}

/**
 * The balancer's answers attributed to the cluster's own nodes: a clone id is the node whose own
 * answer carried it, never a node guessed by name; one no node answered with stays named as a clone id.
 */
function attributeBalancer(
  b: { diagnosis: BalancerDiagnosis; facts: BalancerFacts },
  cloneIds: Map<string, string>,
): { diagnosis: BalancerDiagnosis; facts: BalancerFacts } {
  const as = (c: string): string => cloneIds.get(c) ?? `clone id "${c}" (no node of this cluster answered with it)`;
  const probes = b.diagnosis.probes.map((p) => ({ ...p, answeredBy: p.answeredBy === null ? null : as(p.answeredBy) }));
  const ev = b.facts.stickyEvidence;
  return {
    diagnosis: {
      ...b.diagnosis,
      probes,
      reached: b.diagnosis.reached.map(as),
      summary: b.diagnosis.reachable ? describeProbes(probes) : b.diagnosis.summary,
    },
    facts: { ...b.facts, stickyEvidence: ev ? { cookieOf: as(ev.cookieOf), wentTo: ev.wentTo.map(as) } : null },
  };
}

function unreachableState(e: unknown): NodeKeyState {
  const s = stateFromError(e);
  return s === 'down' || s === 'tls-untrusted' ? s : 'error';
}

function contextOf(env: Env, node: NodeDefinition): NodeContext {
  return { cluster: env.def, node, http: env.http, ...(env.cache ? { cache: env.cache } : {}) };
}

/** A probe answer that shows an earlier discovery of the node (or the balancer) still holds. */
function fitsDiscovery(p: KeyProbe): boolean {
  return p.response !== null && p.state !== 'error' && p.state !== 'down' && p.state !== 'tls-untrusted';
}

/** What a list API says of the key on one node. */
async function listedOn(env: Env, node: NodeDefinition, notes: string[]): Promise<DiagnosedNode['listed']> {
  if (!env.adapter.listKeys || !env.admin) return null;
  try {
    const list = await env.adapter.listKeys(contextOf(env, node), env.admin);
    return listedOnce(list, env.key) ?? 'absent';
  } catch (e) {
    notes.push(`The key list could not be read: ${toErrorInfo(e).message}`);
    return null;
  }
}

/**
 * Discovery, the probe (again with the node's own time when its clock is off), and the key list. A
 * recent discovery is reused when the probe's answer shows it still holds (its `Date`, TLS and
 * latency then come from that answer); otherwise the node is diagnosed afresh.
 */
async function diagnoseNode(env: Env, node: NodeDefinition): Promise<DiagnosedNode> {
  const ctx = contextOf(env, node);
  return reuseOrRedo(
    ctx,
    (earlier) => diagnoseNodeOn(env, node, earlier, null),
    () => diagnoseNodeAfresh(env, ctx),
  );
}

/** The node diagnosed on a new discovery (kept for next time), or found unreachable. */
async function diagnoseNodeAfresh(env: Env, ctx: NodeContext): Promise<DiagnosedNode> {
  const { node } = ctx;
  const sentAt = Date.now();
  let discovery: Discovery;
  try {
    discovery = await freshDiscovery(ctx, env.adapter.discover);
  } catch (e) {
    const error = toErrorInfo(e);
    return {
      id: node.id,
      url: node.url,
      state: unreachableState(e),
      up: false,
      latencyMs: null,
      clockSkewSeconds: null,
      tls: tlsFromError(error),
      listed: null,
      problem: null,
      error,
      notes: [],
      evidence: [],
    };
  }
  return (await diagnoseNodeOn(env, node, discovery, sentAt))!;
}

/**
 * The node diagnosed on `discovery`: a new one sent at `sentAt`, or (`sentAt` null) an earlier one,
 * then null when the probe's answer (or a missing key list) shows it may no longer hold.
 */
async function diagnoseNodeOn(
  env: Env,
  node: NodeDefinition,
  discovery: Discovery,
  sentAt: number | null,
): Promise<DiagnosedNode | null> {
  const notes: string[] = [];
  const reused = sentAt === null;
  const endpoints = discovery.endpoints;
  let skew = reused ? null : clockSkewSeconds(discovery.response, sentAt);
  let tls = discovery.response.tls;
  let latencyMs = discovery.response.latencyMs;

  const probeInput = {
    http: env.http,
    who: node.id,
    requestTokenUrl: endpoints.requestToken,
    key: env.key,
    secret: env.secret,
  };
  const [first, listed] = await Promise.all([probeKey(probeInput), listedOn(env, node, notes)]);
  if (first.answeredBy !== null) env.cloneIds?.set(first.answeredBy, node.id);
  if (reused) {
    if (!fitsDiscovery(first) || (env.adapter.listKeys && env.admin && listed === null)) return null;
    skew = first.clockSkewSeconds;
    tls = first.response!.tls;
    latencyMs = first.latencyMs!;
  }
  let probe: KeyProbe = first;
  const evidence = [first.exchange];
  skew ??= first.clockSkewSeconds;
  if (first.state === 'clock-skew') {
    const offset = first.clockSkewSeconds ?? skew;
    if (offset !== null && Math.abs(offset) > 0) {
      // Sign with the node's own time to see the key's state past its clock.
      const again = await probeKey({ ...probeInput, timestampOffsetSeconds: offset });
      evidence.push(again.exchange);
      if (again.state !== 'clock-skew' && again.state !== 'error' && again.state !== 'down') {
        notes.push(
          `Refused our timestamp (timestamp_refused); re-sent with the node's own time (${describeSkew(offset)}): the key is ${again.state} there.`,
        );
        probe = again;
      }
    }
  }

  let state = probe.state;
  if (listed === 'provisional' && (state === 'missing' || state === 'clock-skew' || state === 'error'))
    state = 'provisional';
  else if (listed === 'approved' && (state === 'clock-skew' || state === 'error')) state = 'loaded';
  else if (listed === 'absent' && (state === 'clock-skew' || state === 'error')) state = 'missing';
  if (listed === 'approved' && state === 'missing')
    notes.push('The key list says approved, but the probe says the key is not loaded.');
  if (listed) notes.push(`The node's key list says: ${listed}.`);

  let error = probe.error;
  if (!error && state === 'error') {
    error = {
      code: ErrorCode.UNEXPECTED_RESPONSE,
      message: `${node.id} answered the signed request-token call with ${probe.problem ?? 'an unexpected answer'}`,
      node: node.id,
    };
  }
  return {
    id: node.id,
    url: node.url,
    state,
    up: probe.state !== 'down',
    latencyMs,
    clockSkewSeconds: skew,
    tls,
    listed,
    problem: probe.problem,
    error,
    notes,
    evidence,
  };
}

function describeProbes(probes: BalancerProbe[]): string {
  const groups = new Map<string, { n: number; nodes: Set<string> }>();
  for (const p of probes) {
    const label =
      p.state === 'approved' || p.state === 'loaded'
        ? 'accepted the key'
        : p.status === null
          ? `got no answer (${p.state})`
          : `failed with ${p.problem ?? `HTTP ${p.status}`}`;
    const g = groups.get(label) ?? { n: 0, nodes: new Set<string>() };
    g.n++;
    g.nodes.add(p.answeredBy ?? 'an unnamed node');
    groups.set(label, g);
  }
  const parts = [...groups].map(([label, g]) => `${g.n} ${label} from ${listNodes([...g.nodes])}`);
  return `${probes.length} request${probes.length === 1 ? '' : 's'} through the balancer: ${parts.join('; ')}.`;
}

type BalancerResult = { diagnosis: BalancerDiagnosis; facts: BalancerFacts };

/** The balancer could not be asked (or refused every probe's connection): what it says. */
function unreachableBalancer(url: string, error: ErrorInfo, state: NodeKeyState): BalancerResult {
  const tls = tlsFromError(error);
  return {
    diagnosis: {
      url,
      reachable: false,
      probes: [],
      reached: [],
      sticky: null,
      summary: `The balancer ${balancerFailureWords(error).words}: ${error.message}`,
      error,
      tls,
      evidence: [],
    },
    facts: {
      reachable: false,
      state: state === 'down' || state === 'tls-untrusted' ? state : 'error',
      error,
      fingerprint256: tls?.fingerprint256 ?? null,
      subject: tls?.subject ?? null,
      sticky: null,
      stickyEvidence: null,
    },
  };
}

/** The probes through the balancer in order, and the exchanges kept as evidence (the first, and up to two failures). */
class BalancerRecorder {
  readonly probes: BalancerProbe[] = [];
  readonly evidence: Exchange[] = [];

  record(p: KeyProbe, withCookie: boolean): void {
    this.probes.push({
      n: this.probes.length + 1,
      withCookie,
      answeredBy: p.answeredBy,
      status: p.status,
      state: p.state,
      problem: p.problem,
      latencyMs: p.latencyMs,
    });
    const failing = p.state !== 'approved' && p.state !== 'loaded';
    if (this.probes.length === 1 || (failing && this.evidence.length < 2)) this.evidence.push(p.exchange);
  }

  reached(): string[] {
    return [...new Set(this.probes.map((p) => p.answeredBy).filter((n): n is string => n !== null))];
  }
}

/**
 * Round-robin probes without cookies (which nodes the balancer reaches, and what each answers), then
 * probes carrying the first answer's cookies: a sticky balancer keeps them all on that node.
 */
async function diagnoseBalancer(env: Env, rounds: number, stickinessProbes: number): Promise<BalancerResult> {
  const url = env.def.balancerUrl;
  const ctx = contextOf(env, { id: BALANCER_ID, label: 'balancer', url });
  const on = (d: Discovery, reused: boolean) => diagnoseBalancerOn(env, d, reused, rounds, stickinessProbes);
  return reuseOrRedo(
    ctx,
    (earlier) => on(earlier, true),
    async () => {
      let discovery: Discovery;
      try {
        discovery = await freshDiscovery(ctx, env.adapter.discover);
      } catch (e) {
        return unreachableBalancer(url, toErrorInfo(e), unreachableState(e));
      }
      return (await on(discovery, false))!;
    },
  );
}

/** The balancer's probes on `discovery`; null when it was `reused` and the first answer shows it may no longer hold. */
async function diagnoseBalancerOn(
  env: Env,
  discovery: Discovery,
  reused: boolean,
  rounds: number,
  stickinessProbes: number,
): Promise<BalancerResult | null> {
  const url = env.def.balancerUrl;
  const probeInput = {
    http: env.http,
    who: BALANCER_ID,
    requestTokenUrl: discovery.endpoints.requestToken,
    key: env.key,
    secret: env.secret,
  };
  // The first probe alone tells whether the balancer answers at all; the other rounds then go out at
  // once (a round-robin balancer spreads simultaneous requests over its nodes just as it does
  // successive ones) and are recorded in order.
  const firstJar = new CookieJar();
  const first = await probeKey({ ...probeInput, jar: firstJar });
  if (reused && !fitsDiscovery(first)) return null;
  if (first.error && (first.state === 'down' || first.state === 'tls-untrusted')) {
    return unreachableBalancer(url, first.error, first.state);
  }
  const tls = reused ? first.response!.tls : discovery.response.tls;
  const recorder = new BalancerRecorder();
  let cookieJar: CookieJar | null = null;
  const jars = [firstJar, ...Array.from({ length: rounds - 1 }, () => new CookieJar())];
  const rest = await Promise.all(jars.slice(1).map((jar) => probeKey({ ...probeInput, jar })));
  for (const [i, p] of [first, ...rest].entries()) {
    recorder.record(p, false);
    if (!cookieJar && jars[i]!.sessionNode()) cookieJar = jars[i]!;
  }
  const reached = recorder.reached();
  const { sticky, stickyEvidence } = await stickiness(probeInput, cookieJar, stickinessProbes, recorder);
  const diagnosis: BalancerDiagnosis = {
    url,
    reachable: true,
    probes: recorder.probes,
    reached,
    sticky,
    summary: describeProbes(recorder.probes),
    error: null,
    tls,
    evidence: recorder.evidence,
  };
  return {
    diagnosis,
    facts: { reachable: true, state: 'ok', error: null, fingerprint256: null, subject: null, sticky, stickyEvidence },
  };
}

/** Probes carrying the cookies of the first answer that set a session: do they all stay on its node? */
async function stickiness(
  probeInput: Parameters<typeof probeKey>[0],
  cookieJar: CookieJar | null,
  count: number,
  recorder: BalancerRecorder,
): Promise<Pick<BalancerFacts, 'sticky' | 'stickyEvidence'>> {
  const cookieOf = cookieJar?.sessionNode() ?? null;
  if (!cookieJar || !cookieOf) return { sticky: null, stickyEvidence: null };
  const jar = cookieJar;
  // Each carries its own copy of the same cookies, so they may as well go out together.
  const sticking = await Promise.all(
    Array.from({ length: count }, () => probeKey({ ...probeInput, jar: jar.clone() })),
  );
  const wentTo: (string | null)[] = [];
  for (const p of sticking) {
    recorder.record(p, true);
    wentTo.push(p.answeredBy);
  }
  const others = [...new Set(wentTo.filter((n): n is string => n !== null && n !== cookieOf))];
  let sticky: boolean | null = null;
  if (others.length) sticky = false;
  else if (wentTo.every((n) => n === cookieOf)) sticky = true;
  return { sticky, stickyEvidence: { cookieOf, wentTo: others } };
}

/** Reasons to believe a friendship was made with this key (see ./causes.ts for the rule). */
async function friendshipEvidence(
  engine: DiagnoseEngine,
  def: ClusterDefinition,
  key: string,
  parsed: ParsedErrorText | null,
  notices: string[],
): Promise<string[]> {
  const out: string[] = [];
  const tracked = def.consumers.find((c) => c.key === key);
  if (tracked)
    out.push(`the key is tracked in cluster ${def.name}${tracked.name !== key ? ` as "${tracked.name}"` : ''}`);
  if (parsed?.mentionsFriendship) out.push('the pasted error speaks of a friendship or a provisional key');
  if (typeof engine.audit === 'function') {
    try {
      const { entries } = await engine.audit({ cluster: def.name });
      const mine = entries.filter((e) => e.key === key);
      const last = mine[mine.length - 1];
      if (last) out.push(`the audit log records ${last.action} of this key (${last.outcome}) on ${last.time}`);
    } catch (e) {
      notices.push(`The audit log could not be read: ${toErrorInfo(e).message}`);
    }
  }
  return out;
}

function factsOf(n: DiagnosedNode): NodeFacts {
  return {
    id: n.id,
    state: n.state,
    clockSkewSeconds: n.clockSkewSeconds,
    error: n.error,
    fingerprint256: n.tls && !n.tls.authorized ? n.tls.fingerprint256 : null,
    subject: n.tls?.subject ?? null,
  };
}

/** Diagnoses one consumer key on one cluster. See the module comment. */
export async function diagnose(
  engine: DiagnoseEngine,
  arg: DiagnoseArg,
  opts: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const started = Date.now();
  if (typeof arg !== 'object' || arg === null) throw badInput('arg', 'must be an object with cluster and consumerKey');
  const key = parseOrThrow(consumerKeySchema, arg.consumerKey, 'consumerKey');
  const givenSecret = checkSecret(arg.secret);
  let errorText = checkErrorText(arg.errorText);
  const def = await engine.getCluster({ cluster: arg.cluster });
  const notices: string[] = [];
  if (errorText !== undefined && errorText.length > MAX_ERROR_TEXT_CHARS) {
    notices.push(`The pasted error text was cut to its first ${MAX_ERROR_TEXT_CHARS} characters.`);
    errorText = errorText.slice(0, MAX_ERROR_TEXT_CHARS);
  }

  const secret = await secretFor(engine, def, key, givenSecret, notices);
  const admin = await fromKeychain('the admin login', notices, () => engine.adminCredentials(def), null);
  const adapter = adapterFor(def.kind);
  const env: Env = {
    def,
    adapter,
    http: engine.httpFor(def),
    cache: engine.nodeCache,
    key,
    secret,
    admin,
    cloneIds: new Map(),
  };

  const parsed =
    errorText !== undefined && errorText.trim() !== '' ? parseErrorText(errorText, secret ? [secret] : []) : null;
  if (parsed && errorText !== undefined) parsed.mentionedNodes = nodesMentioned(errorText, def.nodes);

  const emit = (e: DiagnoseEvent) => opts.onProgress?.(e);
  const rounds = Math.min(64, Math.max(2, opts.balancerRounds ?? 2 * def.nodes.length));
  const [nodes, balancerAsAnswered, evidence] = await Promise.all([
    mapPool(def.nodes, NODE_CONCURRENCY, async (node) => {
      const n = await diagnoseNode(env, node);
      emit({ type: 'node', node: n });
      return n;
    }),
    diagnoseBalancer(env, rounds, Math.max(1, opts.stickinessProbes ?? 3)),
    friendshipEvidence(engine, def, key, parsed, notices),
  ]);
  // Told once the nodes are in: only then is each clone id attributed to the node that answered with it.
  const balancer = attributeBalancer(balancerAsAnswered, env.cloneIds!);
  emit({ type: 'balancer', balancer: balancer.diagnosis });

  notices.push(...unseenNotices(env, nodes, balancer.diagnosis, rounds));
  if (parsed?.mentionedNodes.length) notices.push(`The pasted error names ${listNodes(parsed.mentionedNodes)}.`);

  const decided = decideCauses({
    cluster: def.name,
    kind: def.kind,
    key,
    nodes: nodes.map(factsOf),
    balancer: balancer.facts,
    secretChecked: secret !== null,
    friendshipEvidence: evidence,
    errorText: parsed,
  });
  return {
    cluster: def.name,
    key,
    checkedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    secretChecked: secret !== null,
    causes: decided.causes,
    nodes,
    balancer: balancer.diagnosis,
    errorText: parsed,
    notices: [...notices, ...decided.notices],
  };
}

/** What the diagnosis could not see: no secret, no key lists, no clone ids, nodes the balancer never chose. */
function unseenNotices(env: Env, nodes: DiagnosedNode[], balancer: BalancerDiagnosis, rounds: number): string[] {
  const { def, key, secret, admin, adapter } = env;
  const notices: string[] = [];
  if (!secret) {
    notices.push(
      `No consumer secret was given or stored for ${key}: the probes (signed with a dummy secret) tell on which nodes the key is loaded, provisional or missing, but not whether the consumer's secret is right. Give the consumer's secret to check for WRONG_SECRET too.`,
    );
  }
  if (adapter.listKeys && !admin)
    notices.push(
      `No admin login is stored for ${def.name}: the nodes' own key lists were not read (probing still tells each node's state).`,
    );
  if (!adapter.listKeys) notices.push(`${def.kind} has no API to list a node's keys: each node was probed.`);
  if (balancer.reachable && balancer.sticky === null) {
    notices.push(
      'Whether the balancer keeps a session on one node could not be told: its answers carry no clone id in a JSESSIONID cookie. Run the flow tester through the balancer to see.',
    );
  }
  const up = nodes.filter((n) => n.up).map((n) => n.id);
  const unreached = up.filter((id) => !balancer.reached.includes(id));
  if (balancer.reachable && balancer.reached.length && unreached.length) {
    notices.push(
      `The balancer did not send any of ${rounds} requests to ${listNodes(unreached)}: it may route by client address, or ${unreached.length === 1 ? 'that node is' : 'those nodes are'} out of its pool.`,
    );
  }
  return notices;
}

/** Exit-code helper for front doors: true when the only cause is HEALTHY. */
export function isHealthy(d: { causes: { code: string }[] }): boolean {
  return d.causes.length === 1 && d.causes[0]!.code === 'HEALTHY';
}

export { tlsFromError, fromKeychain };
