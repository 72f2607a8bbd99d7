/**
 * Small HTTP helpers shared by the sandbox's node servers, balancer and control server: bounded body
 * reading, plain responses, cookies, Basic auth, abortable delays. No framework: every byte the
 * sandbox sends is visible here, which is what a reference server for an admin tool should be.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies above this are refused with 413 before they are read in full. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A clear 4xx/5xx answer thrown from a handler. The message names what is wrong; it is sent as
 * text/plain unless `contentType` says otherwise.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly contentType: string;

  constructor(status: number, message: string, opts: { headers?: Record<string, string>; contentType?: string } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = opts.headers ?? {};
    this.contentType = opts.contentType ?? 'text/plain; charset=utf-8';
  }
}

/**
 * Reads the whole request body, refusing more than `limit` bytes with 413. Stops reading as soon as
 * the limit is known to be exceeded (from Content-Length, or while streaming) so a huge upload costs
 * nothing; the 413 then closes the connection because the rest of the body was never consumed.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, `request body too large: the limit is ${limit} bytes`, { headers: { Connection: 'close' } });
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Sends a complete response unless the socket is already gone (a killed node, a client that left). */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(buf.length) });
  res.end(buf);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, text.endsWith('\n') ? text : `${text}\n`, 'text/plain; charset=utf-8', headers);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, `${JSON.stringify(value)}\n`, 'application/json; charset=utf-8', headers);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, html, 'text/html; charset=utf-8', headers);
}

/** Answers a thrown value: an {@link HttpError} as itself, anything else as a 500 that says so. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) {
    const text = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
    send(res, err.status, text, err.contentType, err.headers);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendText(res, 500, `internal error in the sandbox: ${message}`);
}

/** Parses a JSON object body; anything else is a 400 that says what was wrong. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty: expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `malformed JSON in request body: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function isFormBody(req: IncomingMessage): boolean {
  const type = req.headers['content-type'] ?? '';
  return /^application\/x-www-form-urlencoded\b/i.test(type);
}

/** `Cookie` header → name → values (a name may repeat when cookies for several paths are sent). */
export function parseCookies(header: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!name) continue;
    const list = out.get(name) ?? [];
    list.push(value);
    out.set(name, list);
  }
  return out;
}

/** HTTP Basic credentials (RFC 7617), or null when the header is absent or not Basic. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escapes text for XML character data and attribute values. */
export const escapeXml = escapeHtml;

/**
 * Waits `ms`, or rejects as soon as `signal` aborts, so a node that is killed or a sandbox that closes
 * never waits for the latency it was asked to simulate.
 */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Methods that are not allowed on a path that exists: 405 with the `Allow` header (RFC 9110 §15.5.6). */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, `method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, {
    headers: { Allow: allowed.join(', ') },
  });
}

/** Adds one `Set-Cookie` header beside those already set (a new session cookie, say). */
export function addCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/** 303 See Other to `location` (after a form POST, so a reload does not post again). */
export function seeOther(res: ServerResponse, location: string): void {
  send(res, 303, `See ${location}\n`, 'text/plain; charset=utf-8', { Location: location });
}
