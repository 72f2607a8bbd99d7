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
import type { ClusterDefinition, Exchange, NodeDefinition, TlsInfo } from '../../../shared/model.ts';
import { consumerKeySchema, MAX_SECRET_CHARS, parseOrThrow } from '../../../shared/schema.ts';
import type { HttpClient } from '../http/client.ts';
import { discoveryFor } from '../node-cache.ts';
import type { NodeCache } from '../node-cache.ts';
import { mapPool } from '../pool.ts';
import { clockSkewSeconds, stateFromError } from '../probe.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials, Discovery, NodeContext, OAuthEndpoints, ProviderAdapter } from '../providers/types.ts';
import { NODE_CONCURRENCY } from '../status.ts';
import type { BalancerFacts, NodeFacts } from './causes.ts';
import { decideCauses, describeSkew, listNodes } from './causes.ts';
import { CookieJar } from './cookies.ts';
import type { DiagnoseEngine } from './engine.ts';
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
    const entry = list.find((c) => c.key === env.key);
    return entry ? (entry.provisional ? 'provisional' : 'approved') : 'absent';
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
async function diagnoseNode(env: Env, node: NodeDefinition, reuse = true): Promise<DiagnosedNode> {
  const notes: string[] = [];
  const sentAt = Date.now();
  const ctx = contextOf(env, node);
  const found = discoveryFor(ctx, env.adapter.discover, reuse);
  let discovery: Discovery;
  try {
    discovery = await found.discovery;
  } catch (e) {
    if (found.reused) return diagnoseNode(env, node, false);
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
      notes,
      evidence: [],
    };
  }
  const endpoints = discovery.endpoints;
  let skew = clockSkewSeconds(discovery.response, sentAt);
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
  if (found.reused) {
    if (!fitsDiscovery(first) || (env.adapter.listKeys && env.admin && listed === null)) {
      env.cache?.forget(ctx);
      return diagnoseNode(env, node, false);
    }
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

/**
 * Round-robin probes without cookies (which nodes the balancer reaches, and what each answers), then
 * probes carrying the first answer's cookies: a sticky balancer keeps them all on that node.
 */
async function diagnoseBalancer(
  env: Env,
  rounds: number,
  stickinessProbes: number,
  reuse = true,
): Promise<{ diagnosis: BalancerDiagnosis; facts: BalancerFacts }> {
  const url = env.def.balancerUrl;
  const unreachable = (error: ErrorInfo, state: NodeKeyState) => {
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
        state: state === 'down' || state === 'tls-untrusted' ? state : ('error' as const),
        error,
        fingerprint256: tls?.fingerprint256 ?? null,
        subject: tls?.subject ?? null,
        sticky: null,
        stickyEvidence: null,
      },
    };
  };
  const ctx = contextOf(env, { id: BALANCER_ID, label: 'balancer', url });
  const found = discoveryFor(ctx, env.adapter.discover, reuse);
  let endpoints: OAuthEndpoints;
  let tls: TlsInfo | null;
  try {
    const discovery = await found.discovery;
    endpoints = discovery.endpoints;
    tls = discovery.response.tls;
  } catch (e) {
    if (found.reused) return diagnoseBalancer(env, rounds, stickinessProbes, false);
    return unreachable(toErrorInfo(e), unreachableState(e));
  }
  const probeInput = {
    http: env.http,
    who: BALANCER_ID,
    requestTokenUrl: endpoints.requestToken,
    key: env.key,
    secret: env.secret,
  };
  const probes: BalancerProbe[] = [];
  const evidence: Exchange[] = [];
  let cookieJar: CookieJar | null = null;
  const record = (p: KeyProbe, withCookie: boolean) => {
    probes.push({
      n: probes.length + 1,
      withCookie,
      answeredBy: p.answeredBy,
      status: p.status,
      state: p.state,
      problem: p.problem,
      latencyMs: p.latencyMs,
    });
    const failing = p.state !== 'approved' && p.state !== 'loaded';
    if (probes.length === 1 || (failing && evidence.length < 2)) evidence.push(p.exchange);
  };
  // The first probe alone tells whether the balancer answers at all; the other rounds then go out at
  // once (a round-robin balancer spreads simultaneous requests over its nodes just as it does
  // successive ones) and are recorded in order.
  const firstJar = new CookieJar();
  const first = await probeKey({ ...probeInput, jar: firstJar });
  if (found.reused && !fitsDiscovery(first)) {
    env.cache?.forget(ctx);
    return diagnoseBalancer(env, rounds, stickinessProbes, false);
  }
  if (first.error && (first.state === 'down' || first.state === 'tls-untrusted')) {
    return unreachable(first.error, first.state);
  }
  if (found.reused) tls = first.response!.tls;
  const jars = [firstJar, ...Array.from({ length: rounds - 1 }, () => new CookieJar())];
  const rest = await Promise.all(jars.slice(1).map((jar) => probeKey({ ...probeInput, jar })));
  for (const [i, p] of [first, ...rest].entries()) {
    record(p, false);
    if (!cookieJar && jars[i]!.sessionNode()) cookieJar = jars[i]!;
  }
  const reached = [...new Set(probes.map((p) => p.answeredBy).filter((n): n is string => n !== null))];

  let sticky: boolean | null = null;
  let stickyEvidence: BalancerFacts['stickyEvidence'] = null;
  const cookieOf = cookieJar?.sessionNode() ?? null;
  if (cookieJar && cookieOf) {
    const wentTo: (string | null)[] = [];
    const jar = cookieJar;
    // Each carries its own copy of the same cookies, so they may as well go out together.
    const sticking = await Promise.all(
      Array.from({ length: stickinessProbes }, () => probeKey({ ...probeInput, jar: jar.clone() })),
    );
    for (const p of sticking) {
      record(p, true);
      wentTo.push(p.answeredBy);
    }
    const others = [...new Set(wentTo.filter((n): n is string => n !== null && n !== cookieOf))];
    if (others.length) sticky = false;
    else if (wentTo.every((n) => n === cookieOf)) sticky = true;
    stickyEvidence = { cookieOf, wentTo: others };
  }
  const diagnosis: BalancerDiagnosis = {
    url,
    reachable: true,
    probes,
    reached,
    sticky,
    summary: describeProbes(probes),
    error: null,
    tls,
    evidence,
  };
  return {
    diagnosis,
    facts: { reachable: true, state: 'ok', error: null, fingerprint256: null, subject: null, sticky, stickyEvidence },
  };
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

  const tracked = def.consumers.find((c) => c.key === key);
  const secret =
    givenSecret ??
    (tracked?.hasSecret
      ? await fromKeychain('the consumer secret', notices, () => engine.consumerSecret(def, key), null)
      : null);
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
  if (balancer.diagnosis.reachable && balancer.diagnosis.sticky === null) {
    notices.push(
      'Whether the balancer keeps a session on one node could not be told: its answers carry no clone id in a JSESSIONID cookie. Run the flow tester through the balancer to see.',
    );
  }
  const up = nodes.filter((n) => n.up).map((n) => n.id);
  const unreached = up.filter((id) => !balancer.diagnosis.reached.includes(id));
  if (balancer.diagnosis.reachable && balancer.diagnosis.reached.length && unreached.length) {
    notices.push(
      `The balancer did not send any of ${rounds} requests to ${listNodes(unreached)}: it may route by client address, or ${unreached.length === 1 ? 'that node is' : 'those nodes are'} out of its pool.`,
    );
  }
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

/** Exit-code helper for front doors: true when the only cause is HEALTHY. */
export function isHealthy(d: { causes: { code: string }[] }): boolean {
  return d.causes.length === 1 && d.causes[0]!.code === 'HEALTHY';
}

export { tlsFromError, fromKeychain };
