/**
 * The OAuth flow tester: the real three-legged OAuth 1.0a dance against one node or through the
 * balancer, as a consumer would do it, step by step, each step saying which node answered.
 *
 *   leg 0  discovery (rootservices / discovery document)
 *   leg 1  request token, `oauth_callback` = a one-shot listener on 127.0.0.1   (RFC 5849 §2.1)
 *   leg 2  the user authorizes in a browser; the front door opens the URL      (RFC 5849 §2.2)
 *   leg 3  access token, signed with the request token secret and verifier    (RFC 5849 §2.3)
 *   leg 4  a signed GET of the protected resource                             (RFC 5849 §3)
 *
 * The protected resource is the service-provider catalog the discovery document advertises
 * (`oslc_cm:cmServiceProviders`, or the qm/rm ones). [G] When none is advertised we assume
 * `{target}/oslc/catalog`, the sandbox's path.
 *
 * Like a consumer it keeps the cookies the provider sets and sends them back, so a sticky balancer
 * keeps its legs on one node. Every answer is named by the cluster's own node id: a leg straight to a
 * node by that node's URL; a leg through the balancer by the clone id its session cookie carries,
 * mapped to the node whose own answer (a discovery of each node first) carried the same clone id. A
 * clone id no node answered with stays named as such, and is never made a cause's node or a fix's. Tokens, token secrets and the verifier never leave this module
 * unredacted; the authorize URL (which carries the request token) goes only to the front door.
 */
import type {
  Cause,
  FlowArg,
  FlowEvent,
  FlowOutcome,
  FlowResult,
  FlowStep,
  FlowTarget,
} from '../../../shared/diagnose.ts';
import { BALANCER_ID, REQUEST_TOKEN_LIFETIME_SECONDS } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { AppError, badInput, echoed, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, NodeDefinition } from '../../../shared/model.ts';
import { consumerKeySchema, parseOrThrow } from '../../../shared/schema.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { discoveryFor } from '../node-cache.ts';
import type { NodeCache } from '../node-cache.ts';
import { mapPool } from '../pool.ts';
import { readProblem } from '../oauth/problem.ts';
import { parseForm, percentEncode, signRequest } from '../oauth/rfc5849.ts';
import type { SignInput } from '../oauth/rfc5849.ts';
import { clockSkewSeconds, stateFromError } from '../probe.ts';
import { joinUrl, mapToNode, readRdfProperty } from '../providers/discovery.ts';
import { adapterFor } from '../providers/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { cloneIdFromCookies } from '../redact.ts';
import { NODE_CONCURRENCY } from '../status.ts';
import { startCallbackListener } from './callback-listener.ts';
import type { CallbackHit, CallbackListener, CallbackOutcome } from './callback-listener.ts';
import {
  balancerNotStickyCause,
  clockSkewCause,
  makeCause,
  nodeDownCause,
  requestTokenExpiredCause,
  tlsCause,
} from './causes.ts';
import { answeredBy, CookieJar } from './cookies.ts';
import { checkSecret, tlsFromError } from './diagnose.ts';
import type { DiagnoseEngine } from './engine.ts';
import { secretFor } from './engine.ts';
import { scrubExchange, scrubText } from './scrub.ts';

export interface FlowInput extends FlowArg {
  /** Opens the authorize URL for the user (desktop: node-pinned window; CLI: prints it). */
  openUrl?: (url: string) => Promise<void> | void;
}

export interface FlowOptions {
  onProgress?: (event: FlowEvent) => void;
  signal?: AbortSignal;
  /** How often a `waiting` event counts down; default 30 s. */
  tickMs?: number;
}

export const MAX_FLOW_TIMEOUT_MS = 60 * 60 * 1000;
const LIFETIME_MS = REQUEST_TOKEN_LIFETIME_SECONDS * 1000;

/** The service-provider catalog the discovery document advertises, on the target; else the assumed path. */
export function protectedResourceUrl(
  discoveryXml: string,
  discoveryUrl: string,
  balancerUrl: string,
  targetUrl: string,
): { url: string; advertised: boolean } {
  for (const prop of ['cmServiceProviders', 'qmServiceProviders', 'rmServiceProviders', 'serviceProviders']) {
    const value = readRdfProperty(discoveryXml, prop);
    if (!value) continue;
    try {
      return { url: mapToNode(new URL(value, discoveryUrl).href, balancerUrl, targetUrl), advertised: true };
    } catch {
      continue;
    }
  }
  return { url: joinUrl(targetUrl, 'oslc/catalog'), advertised: false };
}

function withQuery(url: string, name: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${percentEncode(name)}=${percentEncode(value)}`;
}

const LEG_NAMES: Record<1 | 3 | 4, string> = {
  1: 'Leg 1 (request token)',
  3: 'Leg 3 (access token)',
  4: 'The protected-resource request',
};

/** How an answer carrying a clone id that no node of the cluster answered with is named. */
export function unknownCloneId(cloneId: string): string {
  return `clone id "${cloneId}" (no node of this cluster answered with it)`;
}

/**
 * Clone id → the cluster's node id, learned from each node's own discovery answer (its session
 * cookie); a recent discovery in the engine's cache is reused. A node that cannot be asked is left
 * out (a notice says so): an answer carrying its clone id is then named by the clone id.
 */
export async function learnCloneIds(
  def: ClusterDefinition,
  http: HttpClient,
  discover: ProviderAdapter['discover'],
  cache: NodeCache | undefined,
  notices: string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unasked: string[] = [];
  await mapPool(def.nodes, NODE_CONCURRENCY, async (node) => {
    try {
      const d = await discoveryFor({ cluster: def, node, http, ...(cache ? { cache } : {}) }, discover).discovery;
      const c = cloneIdFromCookies(d.response.setCookies);
      if (c !== null) ids.set(c, node.id);
    } catch (e) {
      unasked.push(`${node.id} (${toErrorInfo(e).code})`);
    }
  });
  if (unasked.length)
    notices.push(
      `Not every node could be asked for the clone id it answers with: ${unasked.sort().join(', ')}. A leg the balancer sends there is named by its clone id.`,
    );
  return ids;
}

export interface LegFailureInput {
  cluster: string;
  key: string;
  leg: 1 | 3 | 4;
  viaBalancer: boolean;
  /** The cluster's node ids: an `answeredBy`/`tokenFrom` not among them is an unknown clone id, named only in words. */
  nodes: readonly string[];
  answeredBy: string | null;
  /** The node that issued the token this leg uses (the request token for leg 3, the access token for 4). */
  tokenFrom: string | null;
  status: number | null;
  problem: string | null;
  productText: string | null;
  error: ErrorInfo | null;
  clockSkewSeconds: number | null;
}

/** What a failed leg means, in words and causes. Pure; exported for the unit tests. */
export function legFailure(f: LegFailureInput): { message: string; causes: Cause[] } {
  if (f.error) return requestFailure(f, f.error);
  const w = legWords(f);
  const { legName, who, what, unlisted, answeredNode } = w;
  switch (f.problem) {
    case 'token_rejected':
    case 'token_used':
    case 'token_revoked':
      return tokenRefused(f, w);
    case 'token_expired':
      return {
        message: `${legName}: ${who} says the request token expired (${what}): more than 10 minutes passed on its clock since the token was issued.`,
        causes: [
          requestTokenExpiredCause(
            f.cluster,
            f.key,
            w.knownOnly([f.answeredBy ?? f.tokenFrom]),
            `${who} refused the request token as expired`,
          ),
        ],
      };
    case 'timestamp_refused':
      return {
        message: `${legName}: ${who} refused our timestamp (${what})${unlisted}.`,
        causes: answeredNode ? [clockSkewCause(f.cluster, answeredNode, f.clockSkewSeconds)] : [],
      };
    case 'consumer_key_unknown':
      return keyUnknown(f, w);
    case 'consumer_key_refused':
    case 'consumer_key_rejected':
      return keyProvisional(f, w);
    case 'signature_invalid':
      return {
        message: `${legName}: ${who} refused the signature (${what}): the secret given here is not the one the provider holds.`,
        causes: [
          makeCause(
            'WRONG_SECRET',
            w.knownOnly([f.answeredBy]),
            `Key ${f.key} is known on ${who}, but the signature made with the given secret fails there: re-enter the secret.`,
            { action: 'reenter-secret', args: { cluster: f.cluster, key: f.key } },
          ),
        ],
      };
    case 'permission_denied':
      return { message: `${legName}: ${who} says access was denied (${what}).`, causes: [] };
    case 'permission_unknown':
      return { message: `${legName}: ${who} has not seen the user authorize the request token (${what}).`, causes: [] };
    default:
      return { message: `${legName}: ${who} answered ${what}.`, causes: [] };
  }
}

/** The words every explanation of a refused leg is made of. */
interface LegWords {
  legName: string;
  /** The node that answered, or how to name it when the answer does not say. */
  who: string;
  /** The answering node when it is one of the cluster's own (only those become a cause's nodes). */
  answeredNode: string | null;
  /** Said after a node name that is not one of the cluster's nodes. */
  unlisted: string;
  token: 'access token' | 'request token';
  /** The problem, with the product's text, or the HTTP status. */
  what: string;
  /** Through the balancer, the node that issued the token when another one answered. */
  movedFrom: string | null;
  known: (id: string | null) => id is string;
  knownOnly: (ids: (string | null)[]) => string[];
}

function legWords(f: LegFailureInput): LegWords {
  const known = (id: string | null): id is string => id !== null && f.nodes.includes(id);
  const answeredNode = known(f.answeredBy) ? f.answeredBy : null;
  return {
    legName: LEG_NAMES[f.leg],
    who: f.answeredBy ?? (f.viaBalancer ? 'the node the balancer chose' : 'the node'),
    answeredNode,
    unlisted: f.answeredBy !== null && !answeredNode ? ' (it is not one of this cluster’s nodes)' : '',
    token: f.leg === 4 ? 'access token' : 'request token',
    what: f.problem
      ? `${f.problem}${f.productText && f.productText !== f.problem ? ` (${f.productText})` : ''}`
      : `HTTP ${f.status ?? '?'}`,
    movedFrom: f.viaBalancer && f.answeredBy && f.tokenFrom && f.answeredBy !== f.tokenFrom ? f.tokenFrom : null,
    known,
    knownOnly: (ids) => ids.filter(known),
  };
}

/** The leg's request got no answer: an untrusted certificate, or a node down. */
function requestFailure(f: LegFailureInput, error: ErrorInfo): { message: string; causes: Cause[] } {
  const legName = LEG_NAMES[f.leg];
  const answeredNode = f.answeredBy !== null && f.nodes.includes(f.answeredBy) ? f.answeredBy : null;
  const state = stateFromError(new AppError(error.code, error.message));
  const node = error.node ?? answeredNode ?? BALANCER_ID;
  if (state === 'tls-untrusted') {
    const tls = tlsFromError(error);
    return {
      message: `${legName} failed: ${error.message}`,
      causes: [tlsCause(f.cluster, node, tls?.fingerprint256 ?? null, tls?.subject ?? null)],
    };
  }
  return {
    message: `${legName} failed: ${error.message}`,
    causes: state === 'down' ? [nodeDownCause([{ id: node, error }])] : [],
  };
}

/** The node does not hold the token: the balancer moved the leg, or the node lost the token. */
function tokenRefused(f: LegFailureInput, w: LegWords): { message: string; causes: Cause[] } {
  const { movedFrom, token, what } = w;
  if (movedFrom) {
    const lead = `${f.leg === 4 ? 'The protected-resource request' : `Leg ${f.leg}`} went to ${f.answeredBy}, which does not hold the ${token} issued by ${movedFrom}`;
    return {
      message: `${lead} (${what}): enable session affinity on the balancer.`,
      causes: [
        balancerNotStickyCause(f.cluster, w.known(movedFrom) ? movedFrom : null, w.knownOnly([f.answeredBy]), lead),
      ],
    };
  }
  if (f.viaBalancer && !f.answeredBy) {
    const lead = `${w.legName} was refused with ${what}: the balancer probably sent it to another node than the one that issued the ${token} (the answer does not name the node)`;
    return {
      message: `${lead}.`,
      causes: [balancerNotStickyCause(f.cluster, w.known(f.tokenFrom) ? f.tokenFrom : null, [], lead)],
    };
  }
  return {
    message: `${w.legName}: ${w.who} refused the ${token} (${what}): it no longer holds it (the node restarted, or the token was used already). Start the flow again.`,
    causes: [],
  };
}

function keyUnknown(f: LegFailureInput, w: LegWords): { message: string; causes: Cause[] } {
  const { answeredNode, movedFrom } = w;
  const causes: Cause[] = [];
  if (answeredNode) {
    causes.push(
      makeCause(
        'REGISTRY_STALE',
        [answeredNode],
        `${answeredNode} does not have key ${f.key} loaded (401 invalid_expired_token). If other nodes have it, refresh ${answeredNode} (sync); diagnose the key to see every node.`,
        { action: 'sync', args: { cluster: f.cluster } },
      ),
    );
  }
  if (movedFrom)
    causes.push(
      balancerNotStickyCause(
        f.cluster,
        w.known(movedFrom) ? movedFrom : null,
        w.knownOnly([f.answeredBy]),
        `Leg ${f.leg} went to ${f.answeredBy}, not to ${movedFrom} which issued the ${w.token}`,
      ),
    );
  return { message: `${w.legName}: ${w.who} does not know key ${f.key} (${w.what})${w.unlisted}.`, causes };
}

function keyProvisional(f: LegFailureInput, w: LegWords): { message: string; causes: Cause[] } {
  const { answeredNode } = w;
  return {
    message: `${w.legName}: ${w.who} holds key ${f.key} as a provisional key (${w.what}): approve it there${w.unlisted}.`,
    causes: answeredNode
      ? [
          makeCause(
            'KEY_PROVISIONAL',
            [answeredNode],
            `Key ${f.key} is provisional on ${answeredNode}: approve it on ${answeredNode} itself.`,
            { action: 'approve', args: { cluster: f.cluster, key: f.key, node: answeredNode } },
          ),
        ]
      : [],
  };
}

interface LegAnswer {
  res: HttpResponse | null;
  error: ErrorInfo | null;
  answeredBy: string | null;
  latencyMs: number;
  startedAt: string;
  skew: number | null;
  headers: Record<string, string>;
}

/** What the flow runs against, checked: bad input throws a coded error before anything is sent. */
interface FlowTargetChecked {
  def: ClusterDefinition;
  key: string;
  secret: string;
  targetNode: NodeDefinition;
  targetIsBalancer: boolean;
  notices: string[];
}

async function checkFlowInput(engine: DiagnoseEngine, input: FlowInput): Promise<FlowTargetChecked> {
  if (typeof input !== 'object' || input === null)
    throw badInput('arg', 'must be an object with cluster, consumerKey and target');
  const key = parseOrThrow(consumerKeySchema, input.consumerKey, 'consumerKey');
  const givenSecret = checkSecret(input.secret);
  const target: FlowTarget = input.target;
  const targetIsBalancer = target === 'balancer';
  if (
    !targetIsBalancer &&
    (typeof target !== 'object' || target === null || typeof target.node !== 'string' || target.node === '')
  ) {
    throw badInput('target', `must be "balancer" or {node: <node id>}`);
  }
  if (
    input.timeoutMs !== undefined &&
    (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1 || input.timeoutMs > MAX_FLOW_TIMEOUT_MS)
  ) {
    throw badInput('timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_FLOW_TIMEOUT_MS}`);
  }
  const def: ClusterDefinition = await engine.getCluster({ cluster: input.cluster });
  let targetNode: NodeDefinition;
  if (targetIsBalancer) targetNode = { id: BALANCER_ID, label: 'balancer', url: def.balancerUrl };
  else {
    const found = def.nodes.find((n) => n.id === target.node);
    if (!found)
      throw new AppError(
        ErrorCode.NODE_NOT_FOUND,
        `Cluster ${def.name} has no node "${echoed(String(target.node))}" (nodes: ${def.nodes.map((n) => n.id).join(', ')})`,
        { details: { field: 'target' } },
      );
    targetNode = found;
  }
  const notices: string[] = [];
  const secret = await secretFor(engine, def, key, givenSecret, notices);
  if (!secret) {
    throw new AppError(ErrorCode.SECRET_MISSING, `No secret for consumer key ${key}: the dance needs it to sign.`, {
      details: { field: 'secret' },
      fix: { action: 'give-secret', cluster: def.name, key },
    });
  }
  return { def, key, secret, targetNode, targetIsBalancer, notices };
}

/**
 * One run of the flow: its requests (with the cookie jar, signed with the key), and the recorder of
 * its steps, causes and facts (who issued the token, when it expires, the resource read) that
 * `finish` turns into the result.
 */
class FlowRun {
  readonly def: ClusterDefinition;
  readonly key: string;
  readonly targetNode: NodeDefinition;
  readonly targetIsBalancer: boolean;
  readonly notices: string[];
  readonly jar = new CookieJar();
  /** Every secret of the run (the consumer's, the tokens, the verifier): scrubbed from what is shown. */
  readonly known: string[];
  readonly steps: FlowStep[] = [];
  readonly causes: Cause[] = [];
  cloneIds = new Map<string, string>();
  issuedBy: string | null = null;
  expiresAtMs: number | null = null;
  resource: FlowResult['resource'] = null;

  constructor(
    private readonly checked: FlowTargetChecked,
    readonly http: HttpClient,
    readonly opts: FlowOptions,
    readonly startedMs: number,
  ) {
    this.def = checked.def;
    this.key = checked.key;
    this.targetNode = checked.targetNode;
    this.targetIsBalancer = checked.targetIsBalancer;
    this.notices = checked.notices;
    this.known = [checked.secret];
  }

  emit(e: FlowEvent): void {
    this.opts.onProgress?.(e);
  }

  /**
   * Which of the cluster's nodes answered: straight to a node, that node (by its URL); through the
   * balancer, the node whose own answer carried the clone id of this answer's session (else the clone id, named so).
   */
  attribute(res: HttpResponse, sentSession: string | null): string | null {
    if (!this.targetIsBalancer) return this.targetNode.id;
    const clone = answeredBy(res.setCookies, sentSession);
    return clone === null ? null : (this.cloneIds.get(clone) ?? unknownCloneId(clone));
  }

  addStep(step: FlowStep): void {
    this.steps.push(step);
    this.emit({ type: 'step', step });
  }

  finish(outcome: FlowOutcome, message: string, failedLeg: number | null): FlowResult {
    return {
      cluster: this.def.name,
      key: this.key,
      target: this.targetIsBalancer ? 'balancer' : { node: this.targetNode.id },
      outcome,
      message,
      failedLeg,
      issuedBy: this.issuedBy,
      expiresAt: this.expiresAtMs === null ? null : new Date(this.expiresAtMs).toISOString(),
      steps: this.steps,
      causes: this.causes,
      resource: this.resource,
      startedAt: new Date(this.startedMs).toISOString(),
      finishedAt: new Date().toISOString(),
      notices: this.notices,
    };
  }

  async send(method: string, url: string, extraHeaders: Record<string, string>, body?: string): Promise<LegAnswer> {
    const cookie = this.jar.header();
    const sentSession = this.jar.sessionNode();
    const headers = { ...extraHeaders, ...(cookie ? { cookie } : {}) };
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    try {
      const res = await this.http.request({
        node: this.targetNode.id,
        method,
        url,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      this.jar.take(res.setCookies);
      return {
        res,
        error: null,
        answeredBy: this.attribute(res, sentSession),
        latencyMs: res.latencyMs,
        startedAt,
        skew: clockSkewSeconds(res, t0),
        headers,
      };
    } catch (e) {
      return {
        res: null,
        error: toErrorInfo(e),
        answeredBy: null,
        latencyMs: Date.now() - t0,
        startedAt,
        skew: null,
        headers,
      };
    }
  }

  signed(s: Omit<SignInput, 'consumerKey' | 'consumerSecret'>) {
    return signRequest({
      consumerKey: this.key,
      consumerSecret: this.checked.secret,
      signatureMethod: 'HMAC-SHA1',
      ...s,
    });
  }

  legStep(
    leg: 1 | 3 | 4,
    name: FlowStep['name'],
    method: string,
    url: string,
    a: LegAnswer,
    ok: boolean,
    problem: string | null,
    message: string,
    body?: string,
  ): FlowStep {
    return {
      leg,
      name,
      url: scrubText(url, this.known),
      answeredBy: a.answeredBy,
      status: a.res?.status ?? null,
      ok,
      latencyMs: a.res ? a.latencyMs : null,
      startedAt: a.startedAt,
      problem,
      message,
      exchange: {
        ...scrubExchange(method, url, a.headers, a.res, a.latencyMs, this.known, body),
        answeredBy: a.answeredBy,
      },
      error: a.error,
    };
  }

  /** What a failed leg means, in words and causes, for this run. */
  failure(leg: 1 | 3 | 4, a: Pick<LegAnswer, 'answeredBy' | 'skew'>, fields: Partial<LegFailureInput>) {
    return legFailure({
      cluster: this.def.name,
      key: this.key,
      leg,
      viaBalancer: this.targetIsBalancer,
      nodes: this.def.nodes.map((n) => n.id),
      answeredBy: a.answeredBy,
      tokenFrom: null,
      status: null,
      problem: null,
      productText: null,
      error: null,
      clockSkewSeconds: a.skew,
      ...fields,
    });
  }

  /** Records a failed leg and returns the result. */
  failLeg(
    leg: 1 | 3 | 4,
    name: FlowStep['name'],
    method: string,
    url: string,
    a: LegAnswer,
    tokenFrom: string | null,
  ): FlowResult {
    const report = a.res ? readProblem(a.res) : null;
    const failure = this.failure(leg, a, {
      tokenFrom,
      status: a.res?.status ?? null,
      problem: report?.problem ?? null,
      productText: report?.productText ?? null,
      error: a.error,
    });
    const problem = report?.problem ?? report?.productText ?? (a.error ? a.error.code : `HTTP ${a.res?.status}`);
    this.addStep(this.legStep(leg, name, method, url, a, false, problem, failure.message));
    this.causes.push(...failure.causes);
    return this.finish('failed', failure.message, leg);
  }
}

type Endpoints = Awaited<ReturnType<ProviderAdapter['discover']>>['endpoints'];
interface Discovered {
  endpoints: Endpoints;
  resourceUrl: { url: string; advertised: boolean };
}

/** Leg 0: discovery, on the target (the clone ids learned beside it are in place when it ends). */
async function discoveryLeg(run: FlowRun, learning: Promise<Map<string, string>>): Promise<Discovered | FlowResult> {
  const { def, targetNode, http, known } = run;
  const discoveryStarted = new Date().toISOString();
  try {
    const discovery = await adapterFor(def.kind)
      .discover({ cluster: def, node: targetNode, http })
      .finally(async () => {
        run.cloneIds = await learning;
      });
    run.jar.take(discovery.response.setCookies);
    const discoveredBy = run.attribute(discovery.response, null);
    const resourceUrl = protectedResourceUrl(
      discovery.response.body,
      discovery.response.url,
      def.balancerUrl,
      targetNode.url,
    );
    if (!resourceUrl.advertised)
      run.notices.push(
        `The discovery document advertises no service-provider catalog; the protected resource is assumed at ${resourceUrl.url}.`,
      );
    run.addStep({
      leg: 0,
      name: 'discovery',
      url: discovery.response.url,
      answeredBy: discoveredBy,
      status: discovery.response.status,
      ok: true,
      latencyMs: discovery.response.latencyMs,
      startedAt: discoveryStarted,
      problem: null,
      message: `Read the OAuth URLs from ${discovery.response.url}.`,
      exchange: {
        ...scrubExchange('GET', discovery.response.url, {}, discovery.response, discovery.response.latencyMs, known),
        answeredBy: discoveredBy,
      },
      error: null,
    });
    return { endpoints: discovery.endpoints, resourceUrl };
  } catch (e) {
    const error = toErrorInfo(e);
    const failure = run.failure(
      1,
      { answeredBy: null, skew: null },
      {
        error: { ...error, node: error.node ?? targetNode.id },
      },
    );
    const message = `Discovery failed: ${error.message}`;
    run.addStep({
      leg: 0,
      name: 'discovery',
      url: targetNode.url,
      answeredBy: null,
      status: null,
      ok: false,
      latencyMs: null,
      startedAt: discoveryStarted,
      problem: error.code,
      message,
      exchange: null,
      error,
    });
    run.causes.push(...failure.causes);
    return run.finish('failed', message, 0);
  }
}

/** A token and its secret, from a leg's form answer; null when the answer carries none. */
function tokenOf(a: LegAnswer): { token: string; secret: string; form: Map<string, string> } | null {
  const form = a.res && a.res.status >= 200 && a.res.status < 300 ? new Map(safeForm(a.res.body)) : null;
  const token = form?.get('oauth_token');
  const secret = form?.get('oauth_token_secret');
  return a.res && form && token && secret ? { token, secret, form } : null;
}

const FORM_POST = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'application/x-www-form-urlencoded, */*',
};

/** Leg 1: the request token. @see RFC 5849 §2.1 */
async function requestTokenLeg(
  run: FlowRun,
  url: string,
  callbackUrl: string,
): Promise<{ token: string; secret: string } | FlowResult> {
  const rt = run.signed({ method: 'POST', url, extraOAuth: { oauth_callback: callbackUrl } });
  const a1 = await run.send('POST', url, { authorization: rt.authorization, ...FORM_POST }, '');
  const got = tokenOf(a1);
  if (!got) return run.failLeg(1, 'request-token', 'POST', url, a1, null);
  run.known.push(got.token, got.secret);
  run.issuedBy = a1.answeredBy;
  run.expiresAtMs = Date.now() - Math.round(a1.latencyMs / 2) + LIFETIME_MS;
  if (got.form.get('oauth_callback_confirmed') !== 'true')
    run.notices.push(
      `${run.issuedBy ?? 'The node'} did not confirm the callback (oauth_callback_confirmed=true is required by RFC 5849 §2.1).`,
    );
  const expiresAt = new Date(run.expiresAtMs).toISOString();
  run.addStep(
    run.legStep(
      1,
      'request-token',
      'POST',
      url,
      a1,
      true,
      null,
      `${run.issuedBy ?? 'The node'} issued a request token; it expires at ${expiresAt} (10 minutes).`,
    ),
  );
  return { token: got.token, secret: got.secret };
}

/** Leg 2: the user authorizes in a browser; the verifier, or the result when none came. @see RFC 5849 §2.2 */
async function authorizeLeg(
  run: FlowRun,
  input: FlowInput,
  listener: CallbackListener,
  authorizeEndpoint: string,
  requestToken: string,
): Promise<string | FlowResult> {
  const expiresAtMs = run.expiresAtMs!;
  const wait: AuthorizeWait = {
    authorizeUrl: withQuery(authorizeEndpoint, 'oauth_token', requestToken),
    pinnedUrl: null,
    expiresAtMs,
    expiresAt: new Date(expiresAtMs).toISOString(),
    waitStarted: 0,
    deadline: 0,
  };
  const issuer = run.def.nodes.find((n) => n.id === run.issuedBy);
  wait.pinnedUrl = !run.targetIsBalancer
    ? wait.authorizeUrl
    : issuer
      ? mapToNode(wait.authorizeUrl, run.def.balancerUrl, issuer.url)
      : null;
  await openAuthorizePage(run, input, wait);
  wait.waitStarted = Date.now();
  wait.deadline =
    input.timeoutMs !== undefined ? Math.min(expiresAtMs, wait.waitStarted + input.timeoutMs) : expiresAtMs;
  const outcome = await waitForCallback(run, listener, wait);
  if (outcome.type !== 'hit') return noCallback(run, wait, outcome.type);
  return callbackArrived(run, wait, outcome.hit.params, requestToken);
}

/** Leg 2's URLs and times, for the steps that wait for the user. */
interface AuthorizeWait {
  authorizeUrl: string;
  /** The authorize page on the node that issued the token (through the balancer), or null if unknown. */
  pinnedUrl: string | null;
  expiresAtMs: number;
  expiresAt: string;
  waitStarted: number;
  deadline: number;
}

/** Tells the UI where to authorize, and opens the page when the door can. */
async function openAuthorizePage(run: FlowRun, input: FlowInput, wait: AuthorizeWait): Promise<void> {
  const { authorizeUrl, pinnedUrl, expiresAt } = wait;
  run.emit({ type: 'authorize', url: authorizeUrl, pinnedUrl, expiresAt, issuedBy: run.issuedBy });
  try {
    await input.openUrl?.(authorizeUrl);
  } catch (e) {
    run.notices.push(
      `The authorize page could not be opened automatically (${toErrorInfo(e).message}); open it by hand.`,
    );
  }
}

/** Waits for the callback, telling the UI the token's time left now and then. */
async function waitForCallback(
  run: FlowRun,
  listener: CallbackListener,
  wait: AuthorizeWait,
): Promise<CallbackOutcome> {
  const { expiresAtMs, expiresAt } = wait;
  const tick = setInterval(
    () => {
      run.emit({ type: 'waiting', secondsLeft: Math.max(0, Math.ceil((expiresAtMs - Date.now()) / 1000)), expiresAt });
    },
    Math.max(1000, run.opts.tickMs ?? 30_000),
  );
  tick.unref();
  return listener.wait(wait.deadline, run.opts.signal).finally(() => clearInterval(tick));
}

/** Records leg 2 as a step. */
function addAuthorizeStep(run: FlowRun, wait: AuthorizeWait, ok: boolean, problem: string | null, message: string) {
  run.addStep({
    leg: 2,
    name: 'authorize',
    url: scrubText(wait.authorizeUrl, run.known),
    answeredBy: null,
    status: null,
    ok,
    latencyMs: Date.now() - wait.waitStarted,
    startedAt: new Date(wait.waitStarted).toISOString(),
    problem,
    message,
    exchange: null,
    error: null,
  });
}

/** No callback: cancelled, the request token expired, or the caller's own time ran out. */
function noCallback(run: FlowRun, wait: AuthorizeWait, why: 'timeout' | 'cancelled'): FlowResult {
  const { issuedBy, known } = run;
  if (why === 'cancelled') {
    const message = 'The flow was cancelled while waiting for the user to authorize.';
    addAuthorizeStep(run, wait, false, null, message);
    return run.finish('cancelled', message, 2);
  }
  if (Date.now() >= wait.expiresAtMs - 1000) {
    const message = `No authorization arrived within the request token's 10 minutes: the token issued by ${issuedBy ?? 'the node'} has expired.`;
    addAuthorizeStep(run, wait, false, 'token_expired', message);
    run.causes.push(
      requestTokenExpiredCause(
        run.def.name,
        run.key,
        issuedBy ? [issuedBy] : [],
        'Nobody authorized the request token in time',
      ),
    );
    return run.finish('expired', message, 2);
  }
  const hint =
    run.targetIsBalancer && wait.pinnedUrl
      ? ` If the authorize page said the token is not known, the balancer sent the browser to another node than ${issuedBy}: open ${scrubText(wait.pinnedUrl, known)} on ${issuedBy} itself, and enable session affinity.`
      : '';
  const message = `No callback arrived within ${Math.round((wait.deadline - wait.waitStarted) / 1000)} s; the request token is still valid until ${wait.expiresAt}.${hint}`;
  addAuthorizeStep(run, wait, false, null, message);
  return run.finish('timeout', message, 2);
}

/** The callback: the verifier for leg 3, or why the flow ends here (another token, or Deny). */
function callbackArrived(
  run: FlowRun,
  wait: AuthorizeWait,
  params: CallbackHit['params'],
  requestToken: string,
): string | FlowResult {
  if (params.oauth_verifier) run.known.push(params.oauth_verifier);
  if (params.oauth_token !== undefined && params.oauth_token !== requestToken) {
    const message = 'The callback carried another request token than the one this flow asked to authorize.';
    addAuthorizeStep(run, wait, false, 'token_rejected', message);
    return run.finish('failed', message, 2);
  }
  if (params.oauth_error === 'oauth_denied' || !params.oauth_verifier) {
    run.emit({ type: 'callback', decision: 'denied' });
    const message = `The user chose Deny: ${run.issuedBy ?? 'the node'} redirected back with ${params.oauth_error ? `oauth_error=${params.oauth_error} and ` : ''}an empty verifier, as it should. That is the user's choice, not a failure of the server.`;
    addAuthorizeStep(run, wait, true, params.oauth_error ?? null, message);
    return run.finish('denied', message, null);
  }
  // Synchronous, before leg 3 leaves: a UI (or a test) sees the callback first.
  run.emit({ type: 'callback', decision: 'allowed' });
  addAuthorizeStep(
    run,
    wait,
    true,
    null,
    `The user allowed access; the callback arrived on 127.0.0.1 with the request token and a verifier (not shown).`,
  );
  return params.oauth_verifier;
}

/** Leg 3: the access token. @see RFC 5849 §2.3 */
async function accessTokenLeg(
  run: FlowRun,
  url: string,
  request: { token: string; secret: string },
  verifier: string,
): Promise<{ token: string; secret: string; from: string | null } | FlowResult> {
  const at = run.signed({
    method: 'POST',
    url,
    token: request.token,
    tokenSecret: request.secret,
    extraOAuth: { oauth_verifier: verifier },
  });
  const a3 = await run.send('POST', url, { authorization: at.authorization, ...FORM_POST }, '');
  const got = tokenOf(a3);
  if (!got) return run.failLeg(3, 'access-token', 'POST', url, a3, run.issuedBy);
  run.known.push(got.token, got.secret);
  const from = a3.answeredBy;
  run.addStep(
    run.legStep(
      3,
      'access-token',
      'POST',
      url,
      a3,
      true,
      null,
      `${from ?? 'The node'} exchanged the request token for an access token.`,
    ),
  );
  return { token: got.token, secret: got.secret, from };
}

/** Leg 4: the protected resource, and the run's result. @see RFC 5849 §3 */
async function resourceLeg(
  run: FlowRun,
  url: string,
  access: { token: string; secret: string; from: string | null },
): Promise<FlowResult> {
  const get = run.signed({ method: 'GET', url, token: access.token, tokenSecret: access.secret });
  const a4 = await run.send('GET', url, {
    authorization: get.authorization,
    accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1',
    'oslc-core-version': '2.0',
  });
  if (!a4.res || a4.res.status < 200 || a4.res.status >= 300)
    return run.failLeg(4, 'resource', 'GET', url, a4, access.from);
  run.resource = {
    url,
    status: a4.res.status,
    answeredBy: a4.answeredBy,
    contentType: a4.res.headers['content-type'] ?? null,
  };
  const path = new URL(url).pathname;
  run.addStep(
    run.legStep(
      4,
      'resource',
      'GET',
      url,
      a4,
      true,
      null,
      `${a4.answeredBy ?? 'The node'} served ${path} (HTTP ${a4.res.status}).`,
    ),
  );
  const where = run.targetIsBalancer ? 'through the balancer' : `on ${run.targetNode.id}`;
  const seconds = ((Date.now() - run.startedMs) / 1000).toFixed(1);
  return run.finish(
    'completed',
    `The OAuth dance completed ${where} in ${seconds} s: request token from ${run.issuedBy ?? 'an unnamed node'}, authorized by the user, access token from ${access.from ?? 'an unnamed node'}, ${path} read from ${a4.answeredBy ?? 'an unnamed node'} (HTTP ${a4.res.status}).`,
    null,
  );
}

function isResult(x: object): x is FlowResult {
  return 'outcome' in x;
}

/** Runs the flow tester. Bad input throws a coded error; everything that happens on the wire is in the result. */
export async function flow(engine: DiagnoseEngine, input: FlowInput, opts: FlowOptions = {}): Promise<FlowResult> {
  const flowStarted = Date.now();
  const checked = await checkFlowInput(engine, input);
  const { def, targetIsBalancer, notices } = checked;
  const http: HttpClient = engine.httpFor(def);
  const run = new FlowRun(checked, http, opts, flowStarted);
  // Through the balancer: clone id → node id, from each node's own answer, asked beside leg 0.
  const learning = targetIsBalancer
    ? learnCloneIds(def, http, adapterFor(def.kind).discover, engine.nodeCache, notices)
    : Promise.resolve(new Map<string, string>());
  const found = await discoveryLeg(run, learning);
  if (isResult(found)) return found;
  const listener = await startCallbackListener();
  try {
    const request = await requestTokenLeg(run, found.endpoints.requestToken, listener.url);
    if (isResult(request)) return request;
    const verifier = await authorizeLeg(run, input, listener, found.endpoints.authorize, request.token);
    if (typeof verifier !== 'string') return verifier;
    const access = await accessTokenLeg(run, found.endpoints.accessToken, request, verifier);
    if (isResult(access)) return access;
    return await resourceLeg(run, found.resourceUrl.url, access);
  } finally {
    await listener.close();
  }
}

/** A form body, or [] when it does not parse. */
function safeForm(body: string): [string, string][] {
  try {
    return parseForm(body.trim()).map(([k, v]) => [k, v]);
  } catch {
    return [];
  }
}
