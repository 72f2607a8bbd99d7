/**
 * The load balancer in front of the nodes: round-robin per request (or sticky by the clone id of the
 * JSESSIONID cookie), skipping nodes that are down, streaming bodies both ways. It keeps the Host
 * header, so a request signed for the balancer URL still verifies on the node (RFC 5849 §3.4.1.2),
 * and adds X-Forwarded-For / X-Forwarded-Proto like a real reverse proxy.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, parseCookies, sendText } from './http-util.ts';
import { Listener, type TlsMaterial } from './listener.ts';
import { HOP_HEADER } from './node-server.ts';

export interface BalancerTarget {
  id: string;
  url: string;
  up: boolean;
}

export interface BalancerOptions {
  host: string;
  tls: TlsMaterial | null;
  /** CA the balancer trusts for its TLS hops to the nodes. */
  caPem: string | null;
  /** Changed at run time by the control server's `POST /balancer`. */
  sticky: boolean;
  hopSecret: string;
  /** The nodes as they are now (asked per request, so a kill or restart is seen at once). */
  targets: () => BalancerTarget[];
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);
const HOP_BY_HOP_RESPONSE = new Set([...HOP_BY_HOP, 'transfer-encoding']);

/** The clone id at the end of a WebSphere session cookie, `0000<id>:<cloneId>`. */
export function cloneIdOf(cookieHeader: string | undefined): string[] {
  return (parseCookies(cookieHeader).get('JSESSIONID') ?? [])
    .map((value) => value.slice(value.lastIndexOf(':') + 1))
    .filter((id) => id !== '');
}

export class Balancer {
  private nextIndex = 0;

  private constructor(
    private readonly opts: BalancerOptions,
    private listener: Listener | null,
  ) {}

  static async start(opts: BalancerOptions): Promise<Balancer> {
    const balancer = new Balancer(opts, null);
    balancer.listener = await Listener.listen(opts.host, 0, opts.tls, (req, res) => balancer.route(req, res));
    return balancer;
  }

  get sticky(): boolean {
    return this.opts.sticky;
  }
  set sticky(value: boolean) {
    this.opts.sticky = value;
  }

  get url(): string {
    if (!this.listener) throw new Error('balancer is not listening');
    return this.listener.url;
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }

  /** Candidate nodes in the order to try: the sticky node first, then round-robin from the next turn. */
  private candidates(req: IncomingMessage): BalancerTarget[] {
    const up = this.opts.targets().filter((t) => t.up);
    if (up.length === 0) return [];
    const start = this.nextIndex % up.length;
    this.nextIndex = (this.nextIndex + 1) % Number.MAX_SAFE_INTEGER;
    const ordered = [...up.slice(start), ...up.slice(0, start)];
    if (this.opts.sticky) {
      const wanted = cloneIdOf(req.headers.cookie).find((id) => up.some((t) => t.id === id));
      const sticky = ordered.find((t) => t.id === wanted);
      if (sticky) return [sticky, ...ordered.filter((t) => t !== sticky)];
    }
    return ordered;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    // Like a real balancer's request-size limit (nginx client_max_body_size): refuse before forwarding.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      tooLarge(res);
      return;
    }
    const candidates = this.candidates(req);
    if (candidates.length === 0) {
      sendText(res, 503, 'no node is up behind the balancer');
      req.resume();
      return;
    }
    this.forward(req, res, candidates, []);
  }

  /**
   * Forwards to the first candidate. The client's body is piped only once the node's TCP connection
   * is open, so a refused connection (a node that just died) is retried on the next node with the
   * body still unread, like a balancer's health check would route around it.
   */
  private forward(req: IncomingMessage, res: ServerResponse, candidates: BalancerTarget[], refused: string[]): void {
    const [target, ...rest] = candidates;
    if (!target) {
      sendText(res, 503, `no node accepted the connection (refused: ${refused.join(', ')})`);
      req.resume();
      return;
    }
    const url = new URL(target.url);
    const secure = url.protocol === 'https:';
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== HOP_HEADER) headers[name] = value;
    }
    const remote = req.socket.remoteAddress ?? 'unknown';
    const priorFor = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = priorFor ? `${String(priorFor)}, ${remote}` : remote;
    headers['x-forwarded-proto'] = this.listener?.secure ? 'https' : 'http';
    headers[HOP_HEADER] = this.opts.hopSecret;

    const options: https.RequestOptions = {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
      ...(secure && this.opts.caPem ? { ca: this.opts.caPem } : {}),
    };
    let piped = false;
    let abandoned = false;
    let response: IncomingMessage | null = null;
    const upstream = secure ? https.request(options) : http.request(options);
    upstream.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => streamBody());
      else streamBody();
    });
    /** Streams the client's body to the node with back-pressure, counting bytes against the limit. */
    const streamBody = () => {
      piped = true;
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.off('data', onData);
          req.off('end', onEnd);
          req.pause();
          abandoned = true;
          upstream.destroy();
          if (!res.headersSent) tooLarge(res);
          else res.destroy();
          return;
        }
        if (!upstream.write(chunk)) {
          req.pause();
          upstream.once('drain', () => req.resume());
        }
      };
      const onEnd = () => upstream.end();
      req.on('data', onData);
      req.on('end', onEnd);
    };
    upstream.on('response', (incoming) => {
      response = incoming;
      const raw: string[] = [];
      for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
        const name = incoming.rawHeaders[i] ?? '';
        if (!HOP_BY_HOP_RESPONSE.has(name.toLowerCase())) raw.push(name, incoming.rawHeaders[i + 1] ?? '');
      }
      res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, raw);
      incoming.pipe(res);
      incoming.on('error', () => res.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (abandoned) return;
      if (!piped && err.code === 'ECONNREFUSED') {
        this.forward(req, res, rest, [...refused, target.id]);
        return;
      }
      // A node that answered early (a 413) and closed while we still sent the body: the answer stands.
      if (response?.complete) return;
      if (!res.headersSent) sendText(res, 502, `${target.id} failed: ${err.code ?? err.message}`);
      else res.destroy();
    });
    // The client left (or the balancer closed): stop talking to the node too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }
}

/** 413 and close: the rest of the body is never read, so the connection cannot be reused. */
function tooLarge(res: ServerResponse): void {
  sendText(res, 413, `request body too large: the limit is ${MAX_BODY_BYTES} bytes`, { Connection: 'close' });
}
