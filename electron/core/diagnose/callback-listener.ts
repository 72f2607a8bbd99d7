/**
 * The OAuth callback of the flow tester: a one-shot HTTP listener on 127.0.0.1, random port, behind
 * an unguessable path. It takes exactly one matching hit (then closes), or gives up at its deadline.
 * Loopback only: it binds 127.0.0.1, refuses non-loopback peers and foreign Host headers (DNS
 * rebinding). It never writes anything anywhere and never echoes the verifier.
 * @see RFC 5849 §2.2 (the redirect to the callback URI with oauth_token and oauth_verifier)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackHit {
  /** The query parameters of the callback (first value of each). Holds the verifier: never log it. */
  params: Record<string, string>;
  receivedAt: number;
}

export type CallbackOutcome = { type: 'hit'; hit: CallbackHit } | { type: 'timeout' } | { type: 'cancelled' };

export interface CallbackListener {
  /** `http://127.0.0.1:<port>/oslc-admin/callback/<random>`. */
  readonly url: string;
  /** Resolves at the first matching hit, at `deadline` (ms since the epoch), or when `signal` aborts. */
  wait(deadline: number, signal?: AbortSignal): Promise<CallbackOutcome>;
  /** Closes the socket; idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::ffff:127.0.0.1', '::1']);

function page(title: string, text: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>\n`;
}

function reply(res: ServerResponse, status: number, title: string, text: string): void {
  const body = page(title, text);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'",
    connection: 'close',
  });
  res.end(body);
}

/**
 * Answers one request to the listener: the callback itself (its parameters, the page the browser
 * shows), or a refusal (another host or address, another path, a second hit). Null when refused.
 */
function acceptCallback(
  req: IncomingMessage,
  res: ServerResponse,
  port: number | undefined,
  path: string,
  done: boolean,
): CallbackHit | null {
  const remote = req.socket.remoteAddress ?? '';
  const host = (req.headers.host ?? '').toLowerCase();
  if (!LOOPBACK.has(remote) || (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)) {
    reply(res, 403, 'Forbidden', 'This listener only answers the OAuth callback on 127.0.0.1.');
    return null;
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    reply(res, 400, 'Bad request', 'The request target is not a URL.');
    return null;
  }
  if (done || req.method !== 'GET' || url.pathname !== path) {
    reply(res, 404, 'Not found', 'Nothing here.');
    return null;
  }
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in params)) params[k] = v;
  const denied = params.oauth_error === 'oauth_denied' || (params.oauth_verifier ?? '') === '';
  reply(
    res,
    200,
    denied ? 'Access denied' : 'Authorization received',
    denied
      ? 'You chose Deny. OSLC Cluster Admin has recorded your choice; you can close this window.'
      : 'OSLC Cluster Admin received the authorization and continues the test. You can close this window.',
  );
  return { params, receivedAt: Date.now() };
}

/** Listens on a free port of 127.0.0.1 only. */
function listenOnLoopback(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Every callback URL starts with this path; the desktop lets an authorize window redirect only there. */
export const FLOW_CALLBACK_PATH = '/oslc-admin/callback/';

/** Starts the listener. It is closed after one hit, at the deadline given to `wait`, or by `close`. */
export async function startCallbackListener(): Promise<CallbackListener> {
  const path = `${FLOW_CALLBACK_PATH}${randomBytes(16).toString('hex')}`;
  let resolveHit: ((hit: CallbackHit) => void) | null = null;
  let pending: CallbackHit | null = null;
  let done = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const hit = acceptCallback(req, res, (server.address() as AddressInfo | null)?.port, path, done);
    if (!hit) return;
    done = true;
    res.on('finish', () => void close());
    if (resolveHit) resolveHit(hit);
    else pending = hit;
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    done = true;
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 200).unref();
    });
    return closing;
  };

  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    wait(deadline: number, signal?: AbortSignal): Promise<CallbackOutcome> {
      return new Promise<CallbackOutcome>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const finish = (outcome: CallbackOutcome) => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolveHit = null;
          if (outcome.type !== 'hit') void close();
          resolve(outcome);
        };
        const onAbort = () => finish({ type: 'cancelled' });
        if (pending) {
          finish({ type: 'hit', hit: pending });
          return;
        }
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        resolveHit = (hit) => finish({ type: 'hit', hit });
        timer = setTimeout(() => finish({ type: 'timeout' }), Math.max(0, deadline - Date.now()));
      });
    },
    close,
  };
}
