/**
 * The Eclipse Lyo OAuth admin API (also served by the sandbox): an admin session with a CSRF value,
 * then the consumer list and approval calls. [D] Lyo `oauth-webapp` ConsumersService / LoginService.
 */
import { AppError, ErrorCode, isAppError } from '../../../shared/errors.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { expectActionDone, expectData } from '../http/client.ts';
import { formEncode } from '../oauth/rfc5849.ts';
import { joinUrl } from './discovery.ts';
import { ConsumerListSyntaxError, SharedListReader, internerFor, readConsumerList } from './consumer-list.ts';
import type { KeyList } from './consumer-list.ts';
import type { AdminCredentials } from './types.ts';
import type { KeptSession } from '../admin-sessions.ts';

/**
 * The most of one node's consumer list this tool reads: 64 MiB, about 500,000 keys (Lyo's list is
 * about 115 bytes a key). Above the cluster's `maxResponseBytes` (default 1 MiB, for answers held
 * whole), because the list is not held whole: only its keys are kept as it streams in. 64 MiB is
 * also the largest `maxResponseBytes` a cluster may set.
 */
export const CONSUMER_LIST_MAX_BYTES = 64 * 1024 * 1024;

/** Keeps the cookies one admin session sets on one node. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  /** A jar holding what a kept session's cookie header says (admin-sessions.ts). */
  static fromHeader(header: string): CookieJar {
    const jar = new CookieJar();
    for (const part of header.split(';')) {
      const m = /^\s*([^=;\s]+)=(.*)$/.exec(part);
      if (m) jar.cookies.set(m[1]!, m[2]!.trim());
    }
    return jar;
  }
  take(res: HttpResponse): void {
    for (const c of res.setCookies) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
      if (m) this.cookies.set(m[1]!, m[2]!);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export class LyoAdminSession {
  private constructor(
    private readonly http: HttpClient,
    private readonly node: string,
    private readonly base: string,
    private readonly jar: CookieJar,
    private readonly csrf: string,
  ) {}

  /** GET the admin page for a session and its CSRF value, then log in with `id`/`password`. */
  static async open(http: HttpClient, node: string, base: string, admin: AdminCredentials): Promise<LyoAdminSession> {
    const jar = new CookieJar();
    const page = await http.request({ node, method: 'GET', url: joinUrl(base, 'oauth/admin') });
    jar.take(page);
    expectData(page, node, 'text');
    const csrf = /csrfPrevent\s*[:=]\s*["']([^"']+)["']/.exec(page.body)?.[1];
    if (!csrf) {
      throw new AppError(
        ErrorCode.UNEXPECTED_RESPONSE,
        `${node}: the OAuth admin page does not carry a CSRF value (lyoOAuthConfig.csrfPrevent)`,
        { node },
      );
    }
    const login = await http.request({
      node,
      method: 'POST',
      url: joinUrl(base, 'oauth/adminLogin'),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), 'x-csrf-prevent': csrf },
      body: formEncode([
        ['id', admin.user],
        ['password', admin.password],
      ]),
    });
    jar.take(login);
    if (login.status === 401 || login.status === 409 || login.status === 403) {
      // [D] Lyo answers 409 "Incorrect username or password." (LoginService) or "not an administrator".
      const said = login.body.trim().slice(0, 120);
      const why =
        login.status === 409
          ? `was refused (HTTP 409${said ? `: ${said}` : ''})`
          : 'was refused (wrong user or password)';
      throw new AppError(ErrorCode.AUTH_FAILED, `${node}: admin login as "${admin.user}" ${why}`, {
        node,
        details: { status: login.status },
      });
    }
    expectActionDone(login, node, [200, 204]);
    return new LyoAdminSession(http, node, base, jar, csrf);
  }

  /** A session an earlier process opened (admin-sessions.ts); the node may have ended it since. */
  static restore(http: HttpClient, node: string, base: string, kept: KeptSession): LyoAdminSession {
    return new LyoAdminSession(http, node, base, CookieJar.fromHeader(kept.cookie), kept.csrf);
  }

  /** What a later process needs to use this session again. */
  kept(): KeptSession {
    return { cookie: this.jar.header(), csrf: this.csrf };
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { cookie: this.jar.header(), 'x-csrf-prevent': this.csrf, ...extra };
  }

  /**
   * `GET /oauth/consumers` — this node's provisional and approved keys (never a secret). The list is
   * read as it arrives, keeping only its keys (consumer-list.ts): 50,000 keys are about 5.7 MB a node.
   * `seen` is given the answer (its `Date`, TLS and latency; its body is not kept).
   */
  async listConsumers(seen?: (res: HttpResponse) => void): Promise<KeyList> {
    const { interner, release } = internerFor(this.http);
    let reader: SharedListReader | null = null;
    try {
      let res: HttpResponse;
      try {
        res = await this.http.request({
          node: this.node,
          method: 'GET',
          url: joinUrl(this.base, 'oauth/consumers'),
          headers: this.headers({ accept: 'application/json' }),
          maxResponseBytes: CONSUMER_LIST_MAX_BYTES,
          bodyReader: ({ status, headers }) => {
            if (status !== 200 || !/json/i.test(headers['content-type'] ?? '')) return null;
            // Read beside the other nodes' lists: equal bytes are compared, not parsed again.
            const r = new SharedListReader(interner, Number(headers['content-length']) || 0);
            reader = r;
            return (chunk) => r.write(chunk);
          },
        });
      } catch (e) {
        if (isAppError(e) && e.code === ErrorCode.RESPONSE_TOO_LARGE) {
          throw new AppError(
            ErrorCode.RESPONSE_TOO_LARGE,
            `${this.node}: its consumer list is larger than ${CONSUMER_LIST_MAX_BYTES / (1024 * 1024)} MiB (about 500,000 keys), the most this tool reads from one node`,
            { node: this.node, details: e.details ?? {} },
          );
        }
        throw e;
      }
      expectData(res, this.node, 'json');
      seen?.(res);
      try {
        const streamed = reader as SharedListReader | null;
        const list = streamed ? await streamed.end() : readConsumerList(res.body, interner);
        return { provisional: interner.share(list.provisional), approved: interner.share(list.approved) };
      } catch (e) {
        const why = e instanceof ConsumerListSyntaxError ? ` (${e.message})` : '';
        throw new AppError(ErrorCode.UNEXPECTED_RESPONSE, `${this.node}: the consumer list is not JSON${why}`, {
          node: this.node,
        });
      }
    } finally {
      // A read that failed half-way leaves nothing to undo: the bytes it gave a shared document were
      // its node's, and count for another node only where that node's are the same.
      release();
    }
  }

  /** `POST /oauth/consumers/{key}` with `provisional=false`. Returns the HTTP status (204, 404 …). */
  async approve(key: string): Promise<HttpResponse> {
    return this.http.request({
      node: this.node,
      method: 'POST',
      url: joinUrl(this.base, `oauth/consumers/${encodeURIComponent(key)}`),
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: formEncode([['provisional', 'false']]),
    });
  }

  /** `DELETE /oauth/consumers/{key}`. */
  async remove(key: string): Promise<HttpResponse> {
    return this.http.request({
      node: this.node,
      method: 'DELETE',
      url: joinUrl(this.base, `oauth/consumers/${encodeURIComponent(key)}`),
      headers: this.headers(),
    });
  }
}
