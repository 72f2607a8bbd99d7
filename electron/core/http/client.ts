/**
 * The engine's one way onto the network: an undici client per cluster with the cluster's CA bundle
 * and pinned certificates, connect and total timeouts, a response size cap enforced while the body
 * streams, keep-alive per origin, and the proxy from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (or an
 * injected resolver: the desktop asks the OS); loopback is always direct.
 * HTTP statuses are answers, not errors; every network, TLS, size or timeout failure is a coded
 * {@link AppError} that names the node.
 *
 * Trust rules (see tls-trust.ts): a certificate is trusted when its chain verifies against the
 * OS trust store (system-trust.ts) or the cluster's CA bundle and it is valid for the
 * host name, exactly as with full verification; or when its SHA-256 fingerprint is pinned, whatever
 * its chain, host name or dates, because pinning is the admin's explicit "trust this certificate".
 * Pins only add trust: a certificate whose chain verifies is not refused for missing from the pins.
 * Anything else is TLS_UNTRUSTED with the presented certificate in `details` (a wrong host name
 * too, with `reason: 'hostname-mismatch'`). An untrusted chain with pins that do not match is
 * TLS_UNTRUSTED as well, so the UI can offer to trust the new certificate.
 */
import { X509Certificate } from 'node:crypto';
import type { Dispatcher, buildConnector as BuildConnector } from 'undici';
import { Agent, buildConnector, ProxyAgent, Pool } from './undici-parts.ts';
import { AppError, badInput, ErrorCode } from '../../../shared/errors.ts';
import type { TlsInfo } from '../../../shared/model.ts';
import { requestActivity } from '../activity.ts';
import type { RequestActivity } from '../activity.ts';
import { Limiter } from '../pool.ts';
import { networkFailure, responseTooLarge } from './failures.ts';
import { envProxyResolver, isLoopbackUrl } from './proxy.ts';
import type { ProxyChoice, ProxyResolver } from './proxy.ts';
import { watchConnection } from './served-by.ts';
import type { ServedBy } from './served-by.ts';
import { deferredVerificationTlsOptions, verifyingConnector } from './tls-trust.ts';
import type { TrustPolicy } from './tls-trust.ts';
import { systemTrust } from './system-trust.ts';
import { WarmConnections } from './warm-connections.ts';
import type { SystemTrust } from './system-trust.ts';

export { expectActionDone, expectData } from './expect-data.ts';
export type { ExpectedData } from './expect-data.ts';
export { certificateFingerprint } from './tls-trust.ts';

export interface HttpClientOptions {
  /** The cluster's own PEM CA bundle, trusted beside the system store (and the pins). */
  caPem?: string | null;
  /** The OS trust store (system-trust.ts); tests inject one. Default: this process's, read once. */
  systemTrust?: SystemTrust;
  /** SHA-256 fingerprints ("AB:CD:…") of certificates trusted even when their chain does not verify. */
  pinnedFingerprints?: string[];
  /** TCP + TLS handshake, per connection. */
  connectTimeoutMs: number;
  /** Whole request, body included; {@link HttpRequest.timeoutMs} overrides it per request. */
  totalTimeoutMs: number;
  /** Body size cap; {@link HttpRequest.maxResponseBytes} overrides it per request. */
  maxResponseBytes: number;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read, at each request. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Each URL's proxy from elsewhere than the environment (the desktop: the OS settings or PAC file
   * through Electron's session). Loopback never asks it: it is always direct.
   */
  proxyResolver?: ProxyResolver;
  /**
   * Requests in flight at once over the whole client (default {@link DEFAULT_MAX_REQUESTS_IN_FLIGHT});
   * more wait their turn, and their timeout starts when they are sent.
   */
  maxRequestsInFlight?: number;
  /**
   * Requests in flight (and so connections) per origin, i.e. per node (default
   * {@link DEFAULT_MAX_CONNECTIONS_PER_ORIGIN}). A request waits for its origin's slot before it takes
   * a global one, so a slow node holds at most this many of the global slots.
   */
  maxConnectionsPerOrigin?: number;
  /**
   * Tests only: send every request through this dispatcher (an undici `MockAgent`) instead of the
   * client's own Agent. No proxy applies then.
   */
  dispatcher?: Dispatcher;
}

export interface HttpRequest {
  /** Node id (or "balancer") that every error names. */
  node: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /**
   * Called once the status and headers are in: a function returned here is given the body's chunks
   * as they arrive, and the body is not kept (the response's `body` is then empty); null keeps it as
   * usual. For a large answer read into less than itself (a node's consumer list: only its keys).
   * The function must not throw.
   */
  bodyReader?: (head: { status: number; headers: Record<string, string> }) => ((chunk: Buffer) => void) | null;
}

export interface HttpResponse {
  status: number;
  /** The reason phrase the server sent (may be empty); always set by {@link HttpClient}. */
  statusText?: string;
  /** Lower-case names; repeated headers joined with ", " (Set-Cookie is in {@link setCookies}). */
  headers: Record<string, string>;
  setCookies: string[];
  /** UTF-8. */
  body: string;
  /** From sending the request to the last byte of the body. */
  latencyMs: number;
  url: string;
  /** The request method, so a check of the response can say which request it was about; always set by {@link HttpClient}. */
  method?: string;
  /** Peer certificate of the connection that served this response; null for http:// (and mocks). */
  tls: TlsInfo | null;
}

/** Enough for a 128-node cluster with several keys per node in one wave. */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 1024;
/** Enough for every tracked key of a node, or a whole round of balancer probes, at once. */
export const DEFAULT_MAX_CONNECTIONS_PER_ORIGIN = 64;

/**
 * The most connections {@link HttpClient.preconnect} opens at once, whatever it is asked: they are
 * opened before the keychain is read, which refuses past 1000 open files (MAX_OPEN_FILES_FOR_KEYCHAIN).
 */
export const MAX_PRECONNECT = 256;

/**
 * Connections {@link HttpClient.preconnect} opens per origin: as asked, within the origin's limit,
 * and at most {@link MAX_PRECONNECT} in all (opened before the keychain is read, more would bring the
 * process near the descriptor number the Secret Service client cannot wait on: keychain.ts).
 */
export function preconnectCount(origins: number, perOrigin: number, perOriginLimit: number): number {
  if (origins <= 0) return 0;
  return Math.max(0, Math.min(perOrigin, perOriginLimit, Math.floor(MAX_PRECONNECT / origins)));
}

function positiveNumber(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw badInput(
      field,
      `must be a positive number of ${field.endsWith('Bytes') ? 'bytes' : 'milliseconds'}, got ${value}`,
    );
  return value;
}

function slotCount(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw badInput(field, `must be a whole number of at least 1, got ${value}`);
  }
  return value;
}

/** The cluster's CA bundle must hold at least one certificate, and only parsable ones. */
export function checkedCaBundle(caPem: string | null | undefined): string | null {
  if (caPem === null || caPem === undefined) return null;
  const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw badInput('caPem', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw badInput('caPem', `certificate ${i + 1} of the bundle cannot be read`);
    }
  }
  return caPem;
}

function parseRequestUrl(req: HttpRequest): URL {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new AppError(ErrorCode.BAD_INPUT, `${req.node}: "${req.url.slice(0, 200)}" is not a valid URL`, {
      node: req.node,
      details: { field: 'url' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `${req.node}: only http:// and https:// URLs can be requested, not ${url.protocol}`,
      { node: req.node, details: { field: 'url' } },
    );
  }
  if (url.username || url.password) {
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `${req.node}: credentials in the URL are not accepted; the keychain holds them`,
      { node: req.node, details: { field: 'url' } },
    );
  }
  return url;
}

type IncomingHeaders = Record<string, string | string[] | undefined>;

/** A response as it arrived: status line, raw headers, body chunks. */
interface Answer {
  status: number;
  statusText: string;
  raw: IncomingHeaders;
  chunks: Buffer[];
}

/** One request under way: what it asks, its limits, and what the dispatch learns about it. */
interface Exchange {
  req: HttpRequest;
  url: URL;
  method: string;
  timeoutMs: number;
  maxBytes: number;
  /** The TLS details of the connection that served it. */
  servedBy: ServedBy;
  /** Set when the total timeout ended it. */
  timedOut: boolean;
}

/**
 * Sends one request and collects its answer, within the total timeout and the response cap.
 * undici's dispatch with a handler of our own, not `request()`: no stream, async iterator or
 * AbortSignal per response, which is most of a request's cost when a cluster is asked at once.
 */
function dispatchOnce(dispatcher: Dispatcher, x: Exchange): Promise<Answer> {
  const { req, url, method, timeoutMs, maxBytes } = x;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Answer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let failure: unknown = null;
    const fail = (e: unknown) => {
      failure ??= e;
      if (controller && !controller.aborted) controller.abort(e as Error);
      else reject(e);
    };
    timer = setTimeout(() => {
      x.timedOut = true;
      fail(new Error(`total timeout of ${timeoutMs} ms`));
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let head: Omit<Answer, 'chunks'> | null = null;
    let reader: ((chunk: Buffer) => void) | null = null;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (failure !== null) c.abort(failure as Error);
        else watchConnection(x.servedBy);
      },
      onResponseStart(_c, statusCode, headers, statusMessage) {
        const raw = headers as IncomingHeaders;
        const declared = declaredLength(raw);
        if (declared !== null && declared > maxBytes) {
          fail(responseTooLarge(req.node, method, url, maxBytes, declared));
          return;
        }
        head = { status: statusCode, statusText: statusMessage ?? '', raw };
        if (req.bodyReader) reader = req.bodyReader({ status: statusCode, headers: flattenHeaders(raw).headers });
      },
      onResponseData(_c, chunk) {
        size += chunk.length;
        // Aborting destroys the socket: the rest of a too-large body is never read.
        if (size > maxBytes) fail(responseTooLarge(req.node, method, url, maxBytes, null));
        else if (reader) reader(chunk);
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (head) resolve({ ...head, chunks });
        else reject(new Error('the response ended before its headers'));
      },
      onResponseError(_c, error) {
        reject(failure ?? error);
      },
    };
    const path = url.search ? `${url.pathname}${url.search}` : url.pathname;
    const options: Dispatcher.DispatchOptions = {
      origin: url.origin,
      path,
      method: method as Dispatcher.HttpMethod,
      headers: req.headers ?? {},
      body: req.body ?? null,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (e) {
      reject(e);
    }
  }).finally(() => clearTimeout(timer));
}

function flattenHeaders(raw: IncomingHeaders): { headers: Record<string, string>; setCookies: string[] } {
  const headers: Record<string, string> = {};
  let setCookies: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = Array.isArray(value) ? value : [value];
    if (key === 'set-cookie') setCookies = [...setCookies, ...values];
    else headers[key] = headers[key] === undefined ? values.join(', ') : [headers[key], ...values].join(', ');
  }
  return { headers, setCookies };
}

function declaredLength(raw: IncomingHeaders): number | null {
  const value = raw['content-length'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim())) return null;
  return Number(text.trim());
}

/**
 * A connector that makes its TLS half (the trust roots' secure context, about 40–100 ms) on the first
 * https:// connection, and connects plain http:// with a connector that has no TLS options at all.
 */
function lazyTlsConnector(
  makeTls: () => BuildConnector.connector,
  makePlain: () => BuildConnector.connector,
): BuildConnector.connector {
  let tlsConnector: BuildConnector.connector | null = null;
  let plainConnector: BuildConnector.connector | null = null;
  return (options, callback) => {
    if (options.protocol === 'https:') {
      tlsConnector ??= makeTls();
      return tlsConnector(options, callback);
    }
    plainConnector ??= makePlain();
    return plainConnector(options, callback);
  };
}

/**
 * One per cluster: one undici Agent (a keep-alive pool per origin, i.e. per node and the balancer)
 * and, for each proxy that applies, one ProxyAgent. Both verify TLS through the same connector.
 */
export class HttpClient {
  readonly #connectTimeoutMs: number;
  readonly #totalTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #resolveProxy: ProxyResolver;
  readonly #policy: TrustPolicy;
  readonly #direct: Dispatcher;
  /** Connections opened ahead of their requests (null with an injected dispatcher). */
  readonly #warm: WarmConnections | null;
  readonly #injected: boolean;
  readonly #proxies = new Map<string, Dispatcher>();
  readonly #inFlight: Limiter;
  readonly #perOriginLimit: number;
  readonly #perOrigin = new Map<string, Limiter>();
  #closed = false;

  constructor(opts: HttpClientOptions) {
    this.#connectTimeoutMs = positiveNumber(opts.connectTimeoutMs, 'connectTimeoutMs');
    this.#totalTimeoutMs = positiveNumber(opts.totalTimeoutMs, 'totalTimeoutMs');
    this.#maxResponseBytes = positiveNumber(opts.maxResponseBytes, 'maxResponseBytes');
    this.#resolveProxy = opts.proxyResolver ?? envProxyResolver(opts.env ?? process.env);
    // The system store is read (and its roots made into a secure context) on the first https://
    // connection only: a plain-HTTP cluster never pays for it, nor does a process that sends nothing.
    let system = opts.systemTrust;
    this.#policy = {
      caPem: checkedCaBundle(opts.caPem),
      get system() {
        system ??= systemTrust();
        return system;
      },
      pinnedFingerprints: opts.pinnedFingerprints ?? [],
    };
    this.#injected = opts.dispatcher !== undefined;
    const inFlight = opts.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT;
    this.#inFlight = new Limiter(slotCount(inFlight, 'maxRequestsInFlight'));
    const perOrigin = opts.maxConnectionsPerOrigin ?? DEFAULT_MAX_CONNECTIONS_PER_ORIGIN;
    this.#perOriginLimit = slotCount(perOrigin, 'maxConnectionsPerOrigin');
    this.#warm = opts.dispatcher
      ? null
      : new WarmConnections(
          lazyTlsConnector(
            () =>
              verifyingConnector(
                buildConnector(deferredVerificationTlsOptions(this.#policy, this.#connectTimeoutMs)),
                this.#policy,
              ),
            () => buildConnector({ timeout: this.#connectTimeoutMs }),
          ),
        );
    this.#direct =
      opts.dispatcher ?? new Agent({ connections: this.#perOriginLimit, connect: this.#warm!.connector() });
  }

  /**
   * Opens `perOrigin` connections to each of these URLs' origins now, for requests about to follow
   * (warm-connections.ts): where no proxy applies, and never more than the origin's limit.
   */
  preconnect(urls: readonly string[], perOrigin = 1): void {
    const warm = this.#warm;
    if (!warm || this.#closed || urls.length === 0) return;
    const count = preconnectCount(urls.length, perOrigin, this.#perOriginLimit);
    if (count <= 0) return;
    for (const u of urls) {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        continue; // the request itself will say what is wrong with it
      }
      if (isLoopbackUrl(url)) warm.open(url, count);
      else
        void this.#resolveProxyQuietly(url).then((proxy) => {
          if (proxy === null && !this.#closed) warm.open(url, count);
        });
    }
  }

  async #resolveProxyQuietly(url: URL): Promise<ProxyChoice | null | 'unknown'> {
    try {
      return await this.#resolveProxy(url);
    } catch {
      return 'unknown';
    }
  }

  /** The ProxyAgent for one proxy URL, made on first use. Its tunnels get the same TLS check. */
  #viaProxy(proxy: ProxyChoice): Dispatcher {
    const existing = this.#proxies.get(proxy.url);
    if (existing) return existing;
    // undici's SOCKS agent makes its own TLS connections, which would skip the trust check.
    if (!/^https?:\/\//i.test(proxy.url)) {
      throw badInput(proxy.variable, `${proxy.display} is not supported: only http:// and https:// proxies are`);
    }
    let agent: InstanceType<typeof ProxyAgent>;
    try {
      agent = new ProxyAgent({
        uri: proxy.url,
        proxyTls: { timeout: this.#connectTimeoutMs },
        requestTls: deferredVerificationTlsOptions(this.#policy, this.#connectTimeoutMs),
        // Plain http:// requests go to the proxy in absolute form, as curl does; https:// is tunnelled.
        proxyTunnel: false,
        factory: (origin: string | URL, options: object) => {
          const { connect } = options as { connect?: unknown };
          const wrapped =
            typeof connect === 'function'
              ? { connect: verifyingConnector(connect as BuildConnector.connector, this.#policy) }
              : {};
          return new Pool(origin, { ...options, ...wrapped });
        },
      });
    } catch (e) {
      throw badInput(
        proxy.variable,
        `${proxy.display} is not a usable proxy URL (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    this.#proxies.set(proxy.url, agent);
    return agent;
  }

  /** The resolver's choice; a resolver that fails is a NODE_UNREACHABLE naming the node, not a crash. */
  async #proxyOf(node: string, url: URL): Promise<ProxyChoice | null> {
    try {
      return await this.#resolveProxy(url);
    } catch (e) {
      throw new AppError(
        ErrorCode.NODE_UNREACHABLE,
        `${node}: the proxy for ${url.origin} could not be worked out (${e instanceof Error ? e.message : String(e)})`,
        { node, details: { reason: 'proxy-resolution' } },
      );
    }
  }

  /** Waits for a slot of the request's origin, then for a global one; resolves with the release. */
  async #slot(origin: string): Promise<() => void> {
    let limiter = this.#perOrigin.get(origin);
    if (!limiter) {
      limiter = new Limiter(this.#perOriginLimit);
      this.#perOrigin.set(origin, limiter);
    }
    const own = limiter;
    const releaseOrigin = await own.acquire();
    const releaseGlobal = await this.#inFlight.acquire();
    return () => {
      releaseGlobal();
      releaseOrigin();
      if (own.idle && this.#perOrigin.get(origin) === own) this.#perOrigin.delete(origin);
    };
  }

  /** Sends one request. Resolves for every HTTP status; rejects with a coded AppError otherwise. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = parseRequestUrl(req);
    const release = await this.#slot(url.origin);
    const started = requestActivity.hasSubscribers ? performance.now() : 0;
    try {
      const res = await this.#send(req, url);
      if (started) this.#tell(req, url, started, { status: res.status });
      return res;
    } catch (e) {
      if (started) this.#tell(req, url, started, { error: e instanceof AppError ? e.code : 'INTERNAL' });
      throw e;
    } finally {
      release();
    }
  }

  /** For `--verbose` (see activity.ts): the node, the request without its query, the answer. */
  #tell(req: HttpRequest, url: URL, started: number, outcome: { status?: number; error?: string }): void {
    const event: RequestActivity = {
      node: req.node,
      method: req.method.toUpperCase(),
      url: `${url.origin}${url.pathname}`,
      ...outcome,
      ms: Math.round(performance.now() - started),
    };
    requestActivity.publish(event);
  }

  async #send(req: HttpRequest, url: URL): Promise<HttpResponse> {
    const method = req.method.toUpperCase();
    if (!/^[A-Z]{1,20}$/.test(method))
      throw new AppError(ErrorCode.BAD_INPUT, `${req.node}: "${req.method.slice(0, 40)}" is not an HTTP method`, {
        node: req.node,
        details: { field: 'method' },
      });
    const timeoutMs = positiveNumber(req.timeoutMs ?? this.#totalTimeoutMs, 'timeoutMs');
    const maxBytes = positiveNumber(req.maxResponseBytes ?? this.#maxResponseBytes, 'maxResponseBytes');
    if (this.#closed)
      throw new AppError(
        ErrorCode.INTERNAL,
        `The HTTP client is closed; ${method} ${url.pathname} to ${req.node} was not sent`,
        { node: req.node },
      );
    const proxy = this.#injected || isLoopbackUrl(url) ? null : await this.#proxyOf(req.node, url);
    const dispatcher = proxy ? this.#viaProxy(proxy) : this.#direct;
    const exchange: Exchange = { req, url, method, timeoutMs, maxBytes, servedBy: { tls: null }, timedOut: false };
    const started = performance.now();
    try {
      const answer = await dispatchOnce(dispatcher, exchange);
      const latencyMs = Math.round(performance.now() - started);
      // undici frees the connection a tick after the body ends; a caller that sends its next request
      // at once would otherwise find it busy and open a second connection to the same node.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const { headers, setCookies } = flattenHeaders(answer.raw);
      return {
        status: answer.status,
        statusText: answer.statusText,
        headers,
        setCookies,
        body: Buffer.concat(answer.chunks).toString('utf8'),
        latencyMs,
        url: url.href,
        method,
        tls: exchange.servedBy.tls,
      };
    } catch (e) {
      throw networkFailure(e, {
        node: req.node,
        method,
        url,
        proxy,
        connectTimeoutMs: this.#connectTimeoutMs,
        totalTimeoutMs: timeoutMs,
        timedOut: exchange.timedOut,
      });
    }
  }

  /** Closes every connection, letting requests under way finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all(this.#release().map((d) => d.close()));
  }

  /**
   * Closes every connection now: requests under way fail instead of being waited for (after Ctrl+C,
   * when what was done is already printed and recorded, a slow node must not hold the exit).
   */
  async destroy(): Promise<void> {
    await Promise.all(this.#release().map((d) => d.destroy().catch(() => undefined)));
  }

  /** Marks the client closed and hands over the dispatchers it owns (an injected one is the caller's). */
  #release(): Dispatcher[] {
    this.#closed = true;
    this.#warm?.close();
    const dispatchers = [...this.#proxies.values(), ...(this.#injected ? [] : [this.#direct])];
    this.#proxies.clear();
    return dispatchers;
  }
}
