/**
 * One provider node: its own port, its own memory, its own clock and latency. It can be killed
 * (connections refused) and restarted on the same port with fresh memory and a registry reloaded
 * from the repository, as a real application-server restart would.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dialect } from './dialects/types.ts';
import { delay, HttpError, methodNotAllowed, parseCookies, sendError } from './http-util.ts';
import { Listener, type TlsMaterial } from './listener.ts';
import { NodeRequest, type AdminAccount, type NodeView, type Route } from './node-context.ts';
import { NodeMemory, type Session } from './node-memory.ts';
import { OAuthRejection } from './oauth-checks.ts';
import type { Repository } from './repository.ts';
import type { SandboxNodeState } from './types.ts';

/**
 * The balancer proves it set `X-Forwarded-Proto` with this header (a per-sandbox secret), so a client
 * cannot make a node believe a plain-HTTP request arrived over TLS.
 */
export const HOP_HEADER = 'x-sandbox-hop';

/** The version every sandbox node names unless told otherwise. */
export const SANDBOX_VERSION = '10.0.6';

const PRODUCT_NAMES: Record<string, string> = {
  clearquest: 'ClearQuest Web',
  jazz: 'Jazz Team Server',
  lyo: 'Eclipse Lyo OAuth',
  sandbox: 'OSLC sandbox',
};

export interface NodeOptions {
  id: string;
  host: string;
  repo: string;
  db: string;
  admin: AdminAccount;
  repository: Repository;
  tls: TlsMaterial | null;
  hopSecret: string;
  publicOrigin: () => string;
  latencyMs: number;
  /** The product surface this node shows (paths, texts, admin pages). */
  dialect: Dialect;
}

/** Everything that exists only while the node is up. */
interface NodeLife {
  listener: Listener;
  memory: NodeMemory;
  /** Aborted on kill: pending latency delays end at once instead of holding the shutdown. */
  abort: AbortController;
}

export class SandboxNode implements NodeView {
  latencyMs: number;
  clockOffsetSeconds = 0;
  /** Named in every answer's `Server` header; the control server changes it to play a mixed-version cluster. */
  version = SANDBOX_VERSION;
  private life: NodeLife | null = null;
  private port = 0;
  private baseUrl: string | null = null;
  /** start/kill/restart run one at a time, so a restart never races a kill. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: NodeOptions) {
    this.latencyMs = opts.latencyMs;
  }

  get id(): string {
    return this.opts.id;
  }
  get repo(): string {
    return this.opts.repo;
  }
  get db(): string {
    return this.opts.db;
  }
  get admin(): AdminAccount {
    return this.opts.admin;
  }
  get repository(): Repository {
    return this.opts.repository;
  }
  publicOrigin(): string {
    return this.opts.publicOrigin();
  }
  get dialect(): Dialect {
    return this.opts.dialect;
  }
  async reloadRegistry(memory: NodeMemory): Promise<number> {
    const consumers = await this.opts.repository.reload();
    memory.loadRegistry(consumers);
    return consumers.length;
  }

  /** Reloads the registry from the repository if the node is up (what a refresh does); false when down. */
  async reloadIfUp(): Promise<boolean> {
    const life = this.life;
    if (!life) return false;
    await this.reloadRegistry(life.memory);
    return true;
  }

  /** The node's own origin; stable across kill and restart. */
  get url(): string {
    if (this.baseUrl === null) throw new Error(`${this.id} has never been started`);
    return this.baseUrl;
  }

  get up(): boolean {
    return this.life !== null;
  }

  /** The node's clock: real time shifted by its offset. Used for every time check and the Date header. */
  now(): number {
    return Date.now() + this.clockOffsetSeconds * 1000;
  }

  /** Starts listening (the first time on a free port, afterwards on the same one) with fresh memory. */
  start(): Promise<void> {
    return this.serialise(async () => {
      if (this.life) return;
      const memory = new NodeMemory();
      memory.loadRegistry(await this.opts.repository.reload());
      const abort = new AbortController();
      const holder: { life: NodeLife | null } = { life: null };
      let listener: Listener;
      try {
        listener = await Listener.listen(this.opts.host, this.port, this.opts.tls, (req, res) => {
          if (holder.life) void this.handle(holder.life, req, res);
          else res.destroy();
        });
      } catch (e) {
        const where = this.port === 0 ? `${this.opts.host}` : `${this.opts.host}:${this.port}`;
        throw new Error(`${this.id} cannot listen on ${where}: ${(e as Error).message}`, { cause: e });
      }
      holder.life = { listener, memory, abort };
      this.life = holder.life;
      this.port = listener.port;
      this.baseUrl = listener.url;
    });
  }

  /** Closes the listener and destroys its sockets; the node's memory is gone. */
  kill(): Promise<void> {
    return this.serialise(async () => {
      const life = this.life;
      if (!life) return;
      this.life = null;
      life.abort.abort();
      await life.listener.close();
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** What the control server shows; no secrets. */
  snapshot(): SandboxNodeState {
    const memory = this.life?.memory;
    return {
      id: this.id,
      url: this.url,
      up: this.up,
      latencyMs: this.latencyMs,
      clockOffsetSeconds: this.clockOffsetSeconds,
      version: this.version,
      registry: memory ? [...memory.registry.keys()] : [],
      provisional: memory ? [...memory.provisional.keys()] : [],
    };
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(op, op);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private async handle(life: NodeLife, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await delay(this.latencyMs, life.abort.signal);
    } catch {
      res.destroy(); // killed while waiting: the client sees the connection drop, as with a real crash
      return;
    }
    let ctx: NodeRequest | null = null;
    try {
      const nowMs = this.now();
      // Our own Date, on the node's clock, so a client can compute the skew from it.
      res.setHeader('Date', new Date(nowMs).toUTCString());
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Server', `${PRODUCT_NAMES[this.opts.dialect.name] ?? 'OSLC'}/${this.version} (sandbox)`);
      const session = this.sessionFor(life.memory, req, res);
      const { url, secure } = this.addressedUrl(req, life.listener.secure);
      ctx = new NodeRequest(req, res, this, life.memory, session, nowMs, url, secure);
      await this.dispatch(ctx);
    } catch (err) {
      try {
        if (err instanceof OAuthRejection && ctx) this.opts.dialect.sendProblem(ctx, err);
        else sendError(res, err);
      } catch {
        res.destroy(); // even the error answer failed: drop this connection, keep the node serving
      }
    }
  }

  private async dispatch(ctx: NodeRequest): Promise<void> {
    const path = ctx.path;
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    for (const route of this.opts.dialect.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[method as keyof Route['methods']];
      if (!handler) throw methodNotAllowed(ctx.method, path, Object.keys(route.methods));
      await handler(ctx, match.slice(1));
      return;
    }
    throw new HttpError(404, `no such path on ${this.id}: ${path}`);
  }

  /**
   * The request's session on this node, or a new one with a WebSphere-style cookie
   * `JSESSIONID=0000<id>:<cloneId>` whose clone id tells a client which node answered.
   */
  private sessionFor(memory: NodeMemory, req: IncomingMessage, res: ServerResponse): Session {
    for (const value of parseCookies(req.headers.cookie).get('JSESSIONID') ?? []) {
      const existing = memory.sessions.get(value);
      if (existing) {
        memory.sessions.set(value, existing); // most recently used last, for the bounded map
        return existing;
      }
    }
    const id = `0000${randomBytes(17).toString('base64url')}:${this.id}`;
    const session: Session = { id, admin: false };
    memory.sessions.set(id, session);
    res.setHeader('Set-Cookie', `JSESSIONID=${id}; Path=/; HttpOnly${this.opts.tls ? '; Secure' : ''}`);
    return session;
  }

  /**
   * The URL the client addressed, which is what it signed: the scheme (X-Forwarded-Proto when our
   * balancer set it, else ours), the Host header as received (the balancer keeps it), path and query.
   * @see RFC 5849 §3.4.1.2 (the base string URI comes from the request as the client made it)
   */
  private addressedUrl(req: IncomingMessage, ownSecure: boolean): { url: URL; secure: boolean } {
    let secure = ownSecure;
    const forwarded = req.headers['x-forwarded-proto'];
    if (req.headers[HOP_HEADER] === this.opts.hopSecret && (forwarded === 'http' || forwarded === 'https')) {
      secure = forwarded === 'https';
    }
    const host = req.headers.host ?? new URL(this.url).host;
    const target = req.url ?? '/';
    const pathAndQuery = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/]*/i, '') || '/' : target;
    try {
      const url = new URL(
        `${secure ? 'https' : 'http'}://${host}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`,
      );
      return { url, secure };
    } catch {
      throw new HttpError(400, `cannot form a URL from Host "${host}" and request target "${target}"`);
    }
  }
}
