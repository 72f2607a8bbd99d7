/**
 * Probing: a signed request-token call with a consumer's key and secret, straight to one node. The
 * answer tells the key's state *on that node* (../shared/DESIGN.md, "Probing").
 */
import { toErrorInfo, isAppError, ErrorCode } from '../../shared/errors.ts';
import type { ConsumerState, Exchange, ProbeResult } from '../../shared/model.ts';
import type { HttpResponse } from './http/client.ts';
import { readProblem, stateFromAnswer } from './oauth/problem.ts';
import { signRequest } from './oauth/rfc5849.ts';
import { adapterFor } from './providers/index.ts';
import type { AdminCredentials, KeyList, NodeContext, OAuthEndpoints } from './providers/types.ts';
import { listedAs } from './providers/consumer-list.ts';
import { cloneIdFromCookies, redactExchange } from './redact.ts';

export interface ProbeConsumer {
  key: string;
  /** Null when no secret is known: the probe then tells only whether the key is loaded. */
  secret: string | null;
}

/** Node clock minus ours in whole seconds, from the `Date` header, judged at the request's midpoint. */
export function clockSkewSeconds(res: HttpResponse | null, sentAtMs: number): number | null {
  const date = res?.headers.date;
  if (!res || !date) return null;
  const nodeMs = Date.parse(date);
  if (Number.isNaN(nodeMs)) return null;
  // `Date` is truncated to the second, so the node's clock lies in [nodeMs, nodeMs + 1000): use the middle.
  return Math.round((nodeMs + 500 - (sentAtMs + res.latencyMs / 2)) / 1000);
}

export function exchangeOf(
  method: string,
  url: string,
  headers: Record<string, string>,
  res: HttpResponse | null,
  latencyMs: number,
  secrets: string[],
  body?: string,
): Exchange {
  return redactExchange(
    {
      request: { method, url, headers, ...(body !== undefined ? { body } : {}) },
      response: res && { status: res.status, headers: res.headers, body: res.body },
      latencyMs,
      answeredBy: res ? cloneIdFromCookies(res.setCookies) : null,
    },
    secrets,
  );
}

/**
 * A request sent to the node's own URL was answered by that node: attributed by URL to the cluster's
 * node id, not to the clone id its cookie carries (which may name it differently).
 */
function answeredByUrl(ctx: NodeContext, exchange: Exchange): Exchange {
  const origin = (u: string) => {
    try {
      return new URL(u).origin;
    } catch {
      return null;
    }
  };
  const same = origin(exchange.request.url) !== null && origin(exchange.request.url) === origin(ctx.node.url);
  return same && exchange.response ? { ...exchange, answeredBy: ctx.node.id } : exchange;
}

/** The consumer state that a network failure means. */
export function stateFromError(e: unknown): ConsumerState {
  if (isAppError(e)) {
    if (e.code === ErrorCode.TLS_UNTRUSTED) return 'tls-untrusted';
    if (e.code === ErrorCode.NODE_UNREACHABLE || e.code === ErrorCode.NODE_TIMEOUT) return 'down';
  }
  return 'error';
}

/**
 * Probes one consumer on one node. Without a secret a dummy one is used: `signature_invalid` then
 * means the key *is* loaded on the node (reported `approved`, problem says the secret was not checked).
 * @see RFC 5849 §2.1 (temporary credentials)
 */
export async function probeNode(
  ctx: NodeContext,
  endpoints: OAuthEndpoints,
  consumer: ProbeConsumer,
): Promise<ProbeResult> {
  return (await probeNodeAnswer(ctx, endpoints, consumer)).result;
}

/** {@link probeNode}, with the node's raw answer (null when none came): its `Date`, TLS and timing. */
export async function probeNodeAnswer(
  ctx: NodeContext,
  endpoints: OAuthEndpoints,
  consumer: ProbeConsumer,
  opts: { evidence?: boolean } = {},
): Promise<{ result: ProbeResult; response: HttpResponse | null }> {
  // Redacting the exchange is most of a probe's own work: a caller that shows only states skips it.
  const keepEvidence = opts.evidence ?? true;
  const node = ctx.node.id;
  const secret = consumer.secret ?? '';
  const signed = signRequest({
    method: 'POST',
    url: endpoints.requestToken,
    consumerKey: consumer.key,
    consumerSecret: secret,
    extraOAuth: { oauth_callback: 'oob' },
    // PLAINTEXT would send the secret itself; HMAC-SHA1 is required by every provider we support.
    signatureMethod: 'HMAC-SHA1',
  });
  const headers = {
    authorization: signed.authorization,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/x-www-form-urlencoded, */*',
  };
  const secrets = consumer.secret ? [consumer.secret] : [];
  const sentAt = Date.now();
  try {
    const res = await ctx.http.request({ node, method: 'POST', url: endpoints.requestToken, headers, body: '' });
    const report = readProblem(res);
    let state = stateFromAnswer(res.status, report, res.body);
    let problem = report.problem ?? report.productText ?? (state === 'approved' ? null : `HTTP ${res.status}`);
    if (consumer.secret === null) {
      if (state === 'bad-secret') {
        state = 'approved';
        problem = 'no secret stored: the key is loaded on this node; the secret was not checked';
      } else if (state === 'error') state = 'no-secret';
    }
    const undecided = state === 'approved' && !adapterFor(ctx.cluster.kind).requestTokenRefusesProvisional;
    const result: ProbeResult = {
      node,
      key: consumer.key,
      state,
      problem: undecided
        ? UNDECIDED
        : report.productText && report.problem
          ? `${report.problem} (${report.productText})`
          : problem,
      ...(undecided ? { decidedBy: 'request-token-only' as const } : {}),
      latencyMs: res.latencyMs,
      clockSkewSeconds: clockSkewSeconds(res, sentAt),
      evidence: keepEvidence
        ? answeredByUrl(ctx, exchangeOf('POST', endpoints.requestToken, headers, res, res.latencyMs, secrets))
        : null,
      error: null,
    };
    return { result, response: res };
  } catch (e) {
    const result: ProbeResult = {
      node,
      key: consumer.key,
      state: stateFromError(e),
      problem: null,
      latencyMs: null,
      clockSkewSeconds: null,
      evidence: keepEvidence
        ? exchangeOf('POST', endpoints.requestToken, headers, null, Date.now() - sentAt, secrets)
        : null,
      error: toErrorInfo(e),
    };
    return { result, response: null };
  }
}

/** What a 200 from a request-token call that does not refuse provisional keys (Lyo [I]) leaves open. */
export const UNDECIDED =
  'the request-token call accepts provisional keys on this provider: it shows only that the key exists here; the consumer list decides whether it is approved';

/**
 * Settles a probe the request-token answer could not ({@link UNDECIDED}) with the node's own consumer
 * list: provisional there → `provisional`; approved there → `approved`. Any other probe is returned as is.
 */
export function decideWithList(result: ProbeResult, list: KeyList | null): ProbeResult {
  if (result.decidedBy !== 'request-token-only' || !list) return result;
  // A set per list, made once and shared (not a search of 50,000 keys per probe).
  const listed = listedAs(list, result.key);
  if (!listed) return result;
  return listed === 'provisional'
    ? {
        ...result,
        state: 'provisional',
        problem: 'provisional on this node, as its consumer list says (the request-token call accepted it)',
        decidedBy: 'consumer-list',
      }
    : { ...result, problem: null, decidedBy: 'consumer-list' };
}

/** {@link decideWithList}, asking the node's list API when the probe needs it and a login is known. */
export async function decideWithListApi(
  ctx: NodeContext,
  result: ProbeResult,
  admin: AdminCredentials | null,
): Promise<ProbeResult> {
  const listKeys = adapterFor(ctx.cluster.kind).listKeys;
  if (result.decidedBy !== 'request-token-only' || !listKeys || !admin) return result;
  try {
    return decideWithList(result, await listKeys(ctx, admin));
  } catch {
    return result; // the list failed: the probe still says what it could not tell
  }
}

/** Probes one consumer on every node of the cluster, in parallel; a node that cannot be discovered is `down`. */
export async function probeAllNodes(
  ctxFor: (node: NodeContext['node']) => NodeContext,
  nodes: NodeContext['node'][],
  discover: (ctx: NodeContext) => Promise<{ endpoints: OAuthEndpoints }>,
  consumer: ProbeConsumer,
): Promise<ProbeResult[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const ctx = ctxFor(node);
      try {
        const { endpoints } = await discover(ctx);
        return await probeNode(ctx, endpoints, consumer);
      } catch (e) {
        return {
          node: node.id,
          key: consumer.key,
          state: stateFromError(e),
          problem: null,
          latencyMs: null,
          clockSkewSeconds: null,
          evidence: null,
          error: toErrorInfo(e),
        };
      }
    }),
  );
}
