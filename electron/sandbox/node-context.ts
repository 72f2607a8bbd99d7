/**
 * What an endpoint of a node sees of one request: the node, its memory at this moment, the session,
 * the node's clock, the URL as the client signed it, and helpers that answer in the node's voice.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formEncode, parseForm, type Param } from '../core/oauth/rfc5849.ts';
import { HttpError, isFormBody, readBody, send } from './http-util.ts';
import type { NodeMemory, Session } from './node-memory.ts';
import { verifySignedRequest } from './oauth-checks.ts';
import type { OAuthRejection, SignedEndpoint, VerifiedRequest } from './oauth-checks.ts';
import type { Repository } from './repository.ts';
import type { Dialect } from './dialects/types.ts';

export interface AdminAccount {
  user: string;
  password: string;
}

/** The parts of a node an endpoint may use. */
export interface NodeView {
  readonly id: string;
  /** The node's own origin (its realm in `WWW-Authenticate`). */
  readonly url: string;
  /** The balancer's origin: what a node behind a balancer advertises. */
  publicOrigin(): string;
  readonly repo: string;
  readonly db: string;
  readonly admin: AdminAccount;
  readonly repository: Repository;
  readonly dialect: Dialect;
  /** Replaces this node's registry with the repository's consumers ("log in to the node"). */
  reloadRegistry(memory: NodeMemory): Promise<number>;
}

export class NodeRequest {
  private bodyPromise: Promise<Buffer> | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly node: NodeView,
    readonly memory: NodeMemory,
    readonly session: Session,
    /** The node's clock (real time + its offset) when the request arrived. */
    readonly nowMs: number,
    /** The URL the client addressed: forwarded scheme or ours, the Host header, path and query. */
    readonly signedUrl: URL,
    /** Whether the client's own hop was TLS. */
    readonly secure: boolean,
  ) {}

  get method(): string {
    return (this.req.method ?? 'GET').toUpperCase();
  }

  get path(): string {
    return this.signedUrl.pathname;
  }

  get query(): URLSearchParams {
    return this.signedUrl.searchParams;
  }

  /** The body, read once, at most 1 MB (413 beyond). */
  body(): Promise<Buffer> {
    this.bodyPromise ??= readBody(this.req);
    return this.bodyPromise;
  }

  /** Form parameters of an `application/x-www-form-urlencoded` body; [] for any other body. */
  async formParams(): Promise<Param[]> {
    if (!isFormBody(this.req)) {
      await this.body(); // still bounded, and still read so the connection stays usable
      return [];
    }
    const text = (await this.body()).toString('utf8');
    try {
      return parseForm(text);
    } catch {
      throw new HttpError(400, 'malformed form body: invalid percent-encoding');
    }
  }

  /** One form field (the last one wins, as servlet containers do for getParameter on repeats). */
  async formField(name: string): Promise<string | undefined> {
    const params = await this.formParams();
    return params.filter(([k]) => k === name).pop()?.[1];
  }

  /** Runs the RFC 5849 checks for this request against this node's memory and clock. */
  async verifySigned(endpoint: SignedEndpoint): Promise<VerifiedRequest> {
    const formParams = this.method === 'GET' || this.method === 'HEAD' ? [] : await this.formParams();
    return verifySignedRequest(
      {
        method: this.method,
        url: this.signedUrl,
        secure: this.secure,
        authorization: this.req.headers.authorization,
        formParams,
      },
      endpoint,
      this.memory,
      this.nowMs,
      { acceptProvisional: this.node.dialect.acceptsProvisionalAtRequestToken },
    );
  }

  /**
   * 401 (or 400) with `WWW-Authenticate: OAuth realm="<node origin>", oauth_problem="…"` and the
   * Problem Reporting form body.
   */
  sendOAuthProblem(rejection: OAuthRejection): void {
    send(this.res, rejection.status, rejection.formBody(), 'application/x-www-form-urlencoded', {
      'WWW-Authenticate': `OAuth realm="${this.node.url}", oauth_problem="${rejection.problem}"`,
    });
  }

  sendForm(status: number, params: Param[]): void {
    send(this.res, status, formEncode(params), 'application/x-www-form-urlencoded');
  }

  redirect(location: string): void {
    send(this.res, 302, `Redirecting to ${location}\n`, 'text/plain; charset=utf-8', { Location: location });
  }

  noContent(): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(204);
    this.res.end();
  }
}

/** Constant-time comparison of the admin account with what a client sent. */
export function isAdmin(account: AdminAccount, user: string | undefined, password: string | undefined): boolean {
  if (user === undefined || password === undefined) return false;
  const same = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  // Both comparisons always run, so timing does not tell which one failed.
  const userOk = same(user, account.user);
  const passwordOk = same(password, account.password);
  return userOk && passwordOk;
}

export type RouteHandler = (ctx: NodeRequest, params: string[]) => Promise<void> | void;

export interface Route {
  /** Matched against the decoded-free pathname; capture groups become `params` (still encoded). */
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST' | 'DELETE', RouteHandler>>;
}

/** Decodes one path segment; a malformed one is a 400, not a crash. */
export function decodeSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in ${what}: ${segment}`);
  }
}
