/**
 * Browser mode: the console (dist/renderer) and the contract over HTTP on 127.0.0.1 only, for
 * headless hosts and the end-to-end tests. Plain Node, no `electron` import.
 *
 * - `POST /api/<operation>` with the argument as JSON; the answer streams NDJSON lines
 *   (shared/door.ts `StreamLine`): progress while the call runs, then the result or the coded error.
 *   Closing the request (the renderer's AbortSignal) aborts the call.
 * - Sign-in: the printed URL carries a random one-time token. Its first use creates a session and
 *   redirects to `/`; a second use is refused (410) with a page that says how to get a new link
 *   ({@link ConsoleServer.newLink}: `serve` prints one on Enter or SIGUSR1).
 * - A session is two halves and every operation needs both: an HttpOnly, SameSite=Strict cookie
 *   named after the session, and `<id>.<secret>` in the `x-oslc-session` header. Why both: browsers
 *   do not separate cookies by port, so every other server on 127.0.0.1 that this browser visits (a
 *   sandbox node's admin page included) receives our cookies; a cookie alone therefore must not be
 *   a credential. The header's secret reaches the page once, in the sign-in redirect's fragment
 *   (never sent to any server), and lives in that tab's sessionStorage, which is per origin and so
 *   per port: no other local server sees it. The cookie keeps the page itself behind the sign-in.
 *   Each sign-in has its own cookie name, so two consoles (or two sign-ins) in one browser never
 *   overwrite each other.
 * - A foreign `Host` (DNS rebinding) or `Origin` (CSRF) is refused on every request. hono's csrf()
 *   only looks at form-like content types, so the checks are ours (../shared/DEPENDENCIES.md).
 * - The desktop window's CSP and security headers on every response; no HSTS on http://127.0.0.1.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import type { Api, OperationName } from '../../shared/contract.ts';
import { isOperation } from '../../shared/contract.ts';
import { API_PREFIX, NDJSON, SESSION_COOKIE_PREFIX, SESSION_FRAGMENT, SESSION_HEADER } from '../../shared/door.ts';
import type { StreamLine } from '../../shared/door.ts';
import { ErrorCode, echoed, toErrorInfo } from '../../shared/errors.ts';
import { SECURITY_HEADERS } from './csp.ts';
import { CONTENT_TYPES } from './content-types.ts';
import { MAX_REPORT_BYTES } from '../../shared/report-format.ts';

/** Operation arguments are small (a CA bundle is the largest): anything bigger is refused, unread. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** The exceptions: a report someone sent (one, or two to compare) is read whole, up to its own limit. */
const REQUEST_LIMITS: Partial<Record<string, number>> = {
  openReport: MAX_REPORT_BYTES + 64 * 1024,
  diffReports: 2 * MAX_REPORT_BYTES + 64 * 1024,
};
/** How large operation `op`'s request may be. */
export function requestLimit(op: string): number {
  return REQUEST_LIMITS[op] ?? MAX_REQUEST_BYTES;
}

/** `application/json`, optionally with `charset=utf-8` (RFC 8259 §8.1: JSON is UTF-8); nothing else. */
const JSON_MEDIA_TYPE = /^\s*application\/json\s*(;\s*charset\s*=\s*(utf-8|"utf-8")\s*)?$/i;

const USED_LINK = [
  'This sign-in link was already used (or a newer one replaced it): each link signs in once.',
  '',
  'For a new link, press Enter in the terminal where `oslc-admin serve` runs (or send that process',
  'SIGUSR1: kill -USR1 <its pid>), or stop it and start it again.',
].join('\n');

export interface ServeOptions {
  api: Api;
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export interface ConsoleServer {
  /** The URL to open, with the first one-time sign-in token. Print it; never log it elsewhere. */
  url: string;
  port: number;
  /** A fresh one-time sign-in URL; links minted before it and not yet used stop working. */
  newLink(): string;
  close(): Promise<void>;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function plain(c: Context, status: 400 | 401 | 403 | 404 | 405 | 410 | 413 | 415 | 421, text: string): Response {
  return c.text(`${text}\n`, status);
}

export async function startConsoleServer(opts: ServeOptions): Promise<ConsoleServer> {
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The console is not built: ${join(rendererDir, 'index.html')} is missing. Run \`npm run build\`.`);
  }
  /** Sign-in tokens: `true` while unused. A used or replaced one stays, to be refused by name. */
  const links = new Map<string, boolean>();
  const mintLink = (): string => {
    for (const t of links.keys()) links.set(t, false);
    const t = randomBytes(32).toString('base64url');
    links.set(t, true);
    return t;
  };
  const token = mintLink();
  /** Session id → its cookie value and its header secret. */
  const sessions = new Map<string, { cookie: string; secret: string }>();
  const sessionOfCookies = (c: Context): boolean => {
    const cookies = getCookie(c);
    for (const [name, value] of Object.entries(cookies)) {
      if (!name.startsWith(SESSION_COOKIE_PREFIX)) continue;
      const s = sessions.get(name.slice(SESSION_COOKIE_PREFIX.length));
      if (s && sameSecret(value, s.cookie)) return true;
    }
    return false;
  };
  /** Both halves: the header names the session and carries its secret; the cookie of that session. */
  const sessionOfCall = (c: Context): boolean => {
    const header = c.req.header(SESSION_HEADER) ?? '';
    const dot = header.indexOf('.');
    const s = dot > 0 ? sessions.get(header.slice(0, dot)) : undefined;
    if (!s || !sameSecret(header.slice(dot + 1), s.secret)) return false;
    return sameSecret(getCookie(c, `${SESSION_COOKIE_PREFIX}${header.slice(0, dot)}`), s.cookie);
  };
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const app = new Hono();

  // Every answer, refusals included, carries the console's CSP and security headers.
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    c.res.headers.set('cache-control', 'no-store');
  });

  app.use('*', async (c, next) => {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    const host = c.req.header('host');
    if (!host || !allowedHosts().includes(host.toLowerCase())) {
      return plain(c, 421, 'Refused: this console answers only to http://127.0.0.1 on its own port.');
    }
    // CSRF: a browser always names the page that sent a cross-origin request.
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigins().includes(origin.toLowerCase())) {
      return plain(c, 403, 'Refused: cross-origin request.');
    }
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return plain(c, 403, 'Refused: cross-site request.');
    }
    await next();
  });

  // The sign-in token, once: exchanged for a new session, then gone from the URL (RFC 6265 §8.5:
  // cookies do not isolate by port, hence the second half in the fragment, see the top comment).
  app.use('*', async (c, next) => {
    const offered = new URL(c.req.url).searchParams.get('token');
    if (offered !== null && c.req.method === 'GET' && c.req.path === '/') {
      const unused = [...links].find(([t]) => sameSecret(offered, t));
      if (unused?.[1] === true) {
        links.set(unused[0], false);
        const id = randomBytes(9).toString('base64url');
        const s = { cookie: randomBytes(32).toString('base64url'), secret: randomBytes(32).toString('base64url') };
        sessions.set(id, s);
        c.header('set-cookie', `${SESSION_COOKIE_PREFIX}${id}=${s.cookie}; Path=/; HttpOnly; SameSite=Strict`);
        return c.redirect(`/#${SESSION_FRAGMENT}=${id}.${s.secret}`, 303);
      }
      if (unused) return plain(c, 410, USED_LINK);
    }
    if (c.req.path.startsWith(API_PREFIX) ? sessionOfCall(c) : sessionOfCookies(c)) return next();
    return plain(
      c,
      401,
      c.req.path.startsWith(API_PREFIX) && sessionOfCookies(c)
        ? 'Not signed in in this tab: each sign-in link opens one tab. Open a fresh link from `oslc-admin serve` (press Enter in its terminal).'
        : 'Not signed in: open the URL that `oslc-admin serve` printed (it carries a one-time token).',
    );
  });

  // A body without Content-Length (chunked) is counted while it streams in, and refused at the
  // limit; one with it is checked against the declared length below, before anything is read.
  const tooLarge = (c: Context, limit: number) => plain(c, 413, `The request is larger than ${limit} bytes.`);
  const countChunked = new Map(
    [...new Set([MAX_REQUEST_BYTES, ...Object.values(REQUEST_LIMITS)])].map((limit) => [
      limit!,
      bodyLimit({ maxSize: limit!, onError: (c) => tooLarge(c, limit!) }),
    ]),
  );
  const limitBody: MiddlewareHandler = (c, next) =>
    c.req.header('content-length') !== undefined && c.req.header('transfer-encoding') === undefined
      ? next()
      : countChunked.get(requestLimit(c.req.param('op') ?? ''))!(c, next);
  app.post(`${API_PREFIX}:op`, limitBody, async (c) => {
    const op = c.req.param('op');
    if (!isOperation(op)) return plain(c, 404, `No such operation: ${echoed(op)}`);
    // Only a JSON body: a form post (the one kind a foreign page can send without CORS) never gets here.
    if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
      return plain(c, 415, 'Operations take a JSON body (content-type: application/json, optionally; charset=utf-8).');
    }
    const limit = requestLimit(op);
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit) return tooLarge(c, limit);
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > limit) return tooLarge(c, limit);
    let arg: unknown;
    try {
      arg = raw.byteLength === 0 ? {} : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      return streamOf(c, [
        { error: { code: ErrorCode.BAD_INPUT, message: `${op}: the request body is not valid JSON` } },
      ]);
    }
    return callAndStream(c, opts.api, op, arg);
  });
  app.all(`${API_PREFIX}*`, (c) => plain(c, 405, 'Operations are called with POST.'));

  app.get('*', async (c) => {
    const file = await staticFile(rendererDir, c.req.path);
    if (!file) return plain(c, 404, 'Not found.');
    return c.body(file.body, 200, { 'content-type': file.type });
  });
  app.all('*', (c) => plain(c, 405, 'Method not allowed.'));

  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: opts.port ?? 0 }, () => resolveServer(s));
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  const urlOf = (t: string) => `http://127.0.0.1:${port}/?token=${t}`;
  return {
    url: urlOf(token),
    port,
    newLink: () => urlOf(mintLink()),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** A file below the renderer's folder, or null; `/` is index.html. Nothing outside the folder. */
async function staticFile(
  dir: string,
  urlPath: string,
): Promise<{ body: Uint8Array<ArrayBuffer>; type: string } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const full = normalize(join(dir, rel));
  if (!full.startsWith(dir + sep)) return null;
  const type = CONTENT_TYPES[extname(full)];
  if (!type) return null;
  try {
    const buf = await readFile(full);
    return { body: new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength), type };
  } catch {
    return null;
  }
}

function streamOf(c: Context, lines: StreamLine[]): Response {
  return c.body(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 200, { 'content-type': NDJSON });
}

/** Runs one operation; progress lines stream while it runs, then one result or error line. */
function callAndStream(c: Context, api: Api, op: OperationName, arg: unknown): Response {
  const controller = new AbortController();
  const requestSignal = c.req.raw.signal;
  const encoder = new TextEncoder();
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      const send = (line: StreamLine) => {
        if (open) stream.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      };
      const onAbort = () => controller.abort(new Error('The console closed the request'));
      requestSignal.addEventListener('abort', onAbort, { once: true });
      const call = api[op] as (a: unknown, o: object) => Promise<unknown>;
      Promise.resolve()
        .then(() =>
          call.call(api, arg, {
            onProgress: (event: unknown) => send({ progress: event } as StreamLine),
            signal: controller.signal,
          }),
        )
        .then(
          (result) => send({ result } as StreamLine),
          (e: unknown) => send({ error: toErrorInfo(e) }),
        )
        .finally(() => {
          requestSignal.removeEventListener('abort', onAbort);
          if (open) {
            open = false;
            stream.close();
          }
        });
    },
    cancel() {
      open = false;
      controller.abort(new Error('The console closed the request'));
    },
  });
  return c.body(body, 200, { 'content-type': NDJSON });
}
