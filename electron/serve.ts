/**
 * Browser mode: the console (dist/renderer) and the contract over HTTP on 127.0.0.1 only, for
 * headless hosts and the end-to-end tests. Plain Node, no `electron` import.
 *
 * - `POST /api/<operation>` with the argument as JSON; the answer streams NDJSON lines
 *   (shared/door.ts `StreamLine`): progress while the call runs, then the result or the coded error.
 *   Closing the request (the renderer's AbortSignal) aborts the call.
 * - A per-launch random token in the printed URL is exchanged at first load for an HttpOnly,
 *   SameSite=Strict session cookie (a different random value), then the browser is redirected to `/`
 *   so the token leaves the address bar. Nothing is served without the cookie.
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
import type { Api, OperationName } from '../shared/contract.ts';
import { isOperation } from '../shared/contract.ts';
import { API_PREFIX, NDJSON, SESSION_COOKIE } from '../shared/door.ts';
import type { StreamLine } from '../shared/door.ts';
import { ErrorCode, toErrorInfo } from '../shared/errors.ts';
import { SECURITY_HEADERS } from './csp.ts';
import { CONTENT_TYPES } from './content-types.ts';

/** Operation arguments are small (a CA bundle is the largest): anything bigger is refused, unread. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export interface ServeOptions {
  api: Api;
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export interface ConsoleServer {
  /** The URL to open, with the launch token. Print it; never log it elsewhere. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function plain(c: Context, status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 421, text: string): Response {
  return c.text(`${text}\n`, status);
}

export async function startConsoleServer(opts: ServeOptions): Promise<ConsoleServer> {
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The console is not built: ${join(rendererDir, 'index.html')} is missing. Run \`npm run build\`.`);
  }
  const token = randomBytes(32).toString('base64url');
  const session = randomBytes(32).toString('base64url');
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

  // The launch token, once per browser: exchanged for the session cookie, then gone from the URL.
  app.use('*', async (c, next) => {
    if (sameSecret(getCookie(c, SESSION_COOKIE), session)) return next();
    const offered = new URL(c.req.url).searchParams.get('token') ?? undefined;
    if (c.req.method === 'GET' && c.req.path === '/' && sameSecret(offered, token)) {
      c.header('set-cookie', `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`);
      return c.redirect('/', 303);
    }
    return plain(c, 401, 'Not signed in: open the URL that `oslc-admin serve` printed (it carries a one-time token).');
  });

  // A body without Content-Length (chunked) is counted while it streams in, and refused at the
  // limit; one with it is checked against the declared length below, before anything is read.
  const countChunked = bodyLimit({
    maxSize: MAX_REQUEST_BYTES,
    onError: (c) => plain(c, 413, `The request is larger than ${MAX_REQUEST_BYTES} bytes.`),
  });
  const limitBody: MiddlewareHandler = (c, next) =>
    c.req.header('content-length') !== undefined && c.req.header('transfer-encoding') === undefined
      ? next()
      : countChunked(c, next);
  app.post(`${API_PREFIX}:op`, limitBody, async (c) => {
    const op = c.req.param('op');
    if (!isOperation(op)) return plain(c, 404, `No such operation: ${op.slice(0, 64)}`);
    // Only a JSON body: a form post (the one kind a foreign page can send without CORS) never gets here.
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      return plain(c, 415, 'Operations take a JSON body (content-type: application/json).');
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_REQUEST_BYTES) return plain(c, 413, `The request is larger than ${MAX_REQUEST_BYTES} bytes.`);
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > MAX_REQUEST_BYTES)
      return plain(c, 413, `The request is larger than ${MAX_REQUEST_BYTES} bytes.`);
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
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
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
