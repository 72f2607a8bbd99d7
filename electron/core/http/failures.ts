/**
 * Turns whatever undici, Node's net/tls or our own trust check threw into one coded {@link AppError}
 * that names the node, in its `node` field and in its message.
 */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import type { ProxyChoice } from './proxy.ts';
import { TlsTrustError } from './tls-trust.ts';

/** What the client knew about the request when it failed. */
export interface FailureContext {
  node: string;
  method: string;
  url: URL;
  proxy: ProxyChoice | null;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  /** Our own total-timeout timer fired. */
  timedOut: boolean;
}

/** `node2 (https://127.0.0.1:4431)`: who, and where we tried to reach it. */
export function whoAndWhere(node: string, url: URL): string {
  return `${node} (${url.origin})`;
}

/** `GET /path`, without the query (it may carry tokens). */
export function requestLine(method: string, url: URL): string {
  return `${method.toUpperCase()} ${url.pathname}`;
}

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'the connection closed before the answer was complete',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  EAI_NONAME: 'host name not found',
  EHOSTUNREACH: 'no route to host',
  EHOSTDOWN: 'host is down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network is down',
  EADDRNOTAVAIL: 'address not available',
};

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const MALFORMED_CODES = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_VERSION',
  'HPE_INVALID_STATUS',
  'HPE_INVALID_HEADER_TOKEN',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
]);

/** Every error in a chain: the error, its `cause`s, and the members of an AggregateError (happy eyeballs). */
function chainOf(e: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [e];
  while (queue.length > 0 && out.length < 20) {
    const next = queue.shift();
    if (next === undefined || next === null || out.includes(next)) continue;
    out.push(next);
    if (next instanceof AggregateError) queue.push(...(next.errors as unknown[]));
    if (next instanceof Error && next.cause !== undefined) queue.push(next.cause);
  }
  return out;
}

function codeOf(e: unknown): string | null {
  if (typeof e !== 'object' || e === null) return null;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isTlsHandshakeFailure(code: string | null, message: string): boolean {
  return (
    (code !== null && (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) ||
    /SSL routines|handshake/i.test(message)
  );
}

/** The coded error for a failed request. Already-coded errors pass through unchanged. */
export function networkFailure(e: unknown, ctx: FailureContext): AppError {
  if (e instanceof AppError) return e;
  const errors = chainOf(e);
  const f: Failure = {
    e,
    ctx,
    who: whoAndWhere(ctx.node, ctx.url),
    line: requestLine(ctx.method, ctx.url),
    via: ctx.proxy ? ` through the proxy ${ctx.proxy.display} (${ctx.proxy.variable})` : '',
    base: { node: ctx.node, cause: e },
    errors,
    codes: errors.map(codeOf),
  };
  // In this order: the first that recognises the failure names it.
  return trustFailure(f) ?? parserFailure(f) ?? clientFailure(f) ?? proxyFailure(f) ?? unreachable(f);
}

/** A failed request, with the words every classification uses. */
interface Failure {
  e: unknown;
  ctx: FailureContext;
  /** The node and its host. */
  who: string;
  /** The method and path. */
  line: string;
  /** " through the proxy …", or empty. */
  via: string;
  base: { node: string; cause: unknown };
  /** The error and its causes. */
  errors: unknown[];
  codes: (string | null)[];
}

function trustFailure({ errors, who, base }: Failure): AppError | null {
  const trust = errors.find((x): x is TlsTrustError => x instanceof TlsTrustError);
  if (!trust) return null;
  const cert = trust.certificate;
  const fingerprint = cert ? ` (SHA-256 ${cert.fingerprint256})` : '';
  return new AppError(
    ErrorCode.TLS_UNTRUSTED,
    `${who} presented a certificate that is not trusted: ${trust.explanation}${fingerprint}`,
    {
      ...base,
      details: {
        fingerprint256: cert?.fingerprint256 ?? null,
        subject: cert?.subject ?? null,
        issuer: cert?.issuer ?? null,
        validFrom: cert?.validFrom ?? null,
        validTo: cert?.validTo ?? null,
        reason: trust.reason,
        verifyError: trust.verifyError,
        hostname: trust.hostname,
      },
    },
  );
}

/**
 * llhttp's verdict on the bytes the node sent comes first: a control byte in a header is a malformed
 * answer (not a timeout, a reset or a body-length mismatch, which undici may report beside it).
 */
function parserFailure({ errors, who, line, base }: Failure): AppError | null {
  const parser = errors.find(
    (x) => x instanceof Error && (x.name === 'HTTPParserError' || (codeOf(x) ?? '').startsWith('HPE_')),
  );
  if (!parser) return null;
  const what = messageOf(parser).replace(/^Response does not match the HTTP\/1\.1 protocol \((.*)\)$/s, '$1');
  const where = /header/i.test(what) ? 'a header of the answer is malformed' : 'the answer is not valid HTTP/1.1';
  return new AppError(
    ErrorCode.UNEXPECTED_RESPONSE,
    `${who} sent a malformed HTTP answer to ${line}: ${where} (${what})`,
    {
      ...base,
      details: { parser: what, ...(codeOf(parser) ? { cause: codeOf(parser) } : {}) },
    },
  );
}

/** What undici itself refused or gave up on: a request it cannot send, a timeout, a closed client. */
function clientFailure({ e, ctx, codes, who, line, via, base }: Failure): AppError | null {
  if (codes.includes('UND_ERR_INVALID_ARG')) {
    return new AppError(ErrorCode.BAD_INPUT, `${ctx.node}: the request ${line} cannot be sent: ${messageOf(e)}`, {
      ...base,
      details: { field: 'request' },
    });
  }
  if (ctx.timedOut || codes.some((c) => c !== null && TIMEOUT_CODES.has(c))) {
    return new AppError(
      ErrorCode.NODE_TIMEOUT,
      `${who} did not answer within ${ctx.totalTimeoutMs} ms (${line})${via}`,
      {
        ...base,
        details: { timeoutMs: ctx.totalTimeoutMs, phase: 'total' },
      },
    );
  }
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT')) {
    return new AppError(
      ErrorCode.NODE_TIMEOUT,
      `${who} did not accept a connection within ${ctx.connectTimeoutMs} ms${via}`,
      {
        ...base,
        details: { timeoutMs: ctx.connectTimeoutMs, phase: 'connect' },
      },
    );
  }
  if (codes.includes('UND_ERR_DESTROYED') || codes.includes('UND_ERR_CLOSED')) {
    return new AppError(ErrorCode.INTERNAL, `The HTTP client was closed while ${line} to ${who} was under way`, base);
  }
  return null;
}

/** The proxy refused the tunnel. */
function proxyFailure({ ctx, errors, who, base }: Failure): AppError | null {
  const proxyStatus = errors
    .map((x) => /Proxy response \((\d+)\)|\((407)\)/.exec(messageOf(x)))
    .find((m) => m !== null);
  if (!ctx.proxy || !proxyStatus) return null;
  const status = proxyStatus[1] ?? proxyStatus[2];
  return new AppError(
    ErrorCode.NODE_UNREACHABLE,
    `${who} is unreachable: the proxy ${ctx.proxy.display} (${ctx.proxy.variable}) answered ${status} to the tunnel request`,
    {
      ...base,
      details: { proxy: ctx.proxy.display, proxyStatus: Number(status) },
    },
  );
}

/** The node cannot be reached: a known socket error, a malformed answer, a TLS handshake, or else. */
function unreachable({ e, errors, codes, who, line, via, base }: Failure): AppError {
  const known = codes.find((c): c is string => c !== null && c in WORDS);
  if (known) {
    return new AppError(ErrorCode.NODE_UNREACHABLE, `${who} is unreachable${via}: ${WORDS[known]}`, {
      ...base,
      details: { cause: known },
    });
  }
  if (codes.some((c) => c !== null && MALFORMED_CODES.has(c))) {
    return new AppError(
      ErrorCode.UNEXPECTED_RESPONSE,
      `${who} sent a malformed HTTP answer to ${line}: ${messageOf(e)}`,
      base,
    );
  }
  const handshake = errors.find((x) => isTlsHandshakeFailure(codeOf(x), messageOf(x)));
  if (handshake !== undefined) {
    return new AppError(
      ErrorCode.NODE_UNREACHABLE,
      `${who} is unreachable${via}: the TLS handshake failed (${messageOf(handshake)})`,
      {
        ...base,
        details: { cause: codeOf(handshake) ?? 'TLS_HANDSHAKE' },
      },
    );
  }
  const code = codes.find((c) => c !== null) ?? null;
  return new AppError(ErrorCode.NODE_UNREACHABLE, `${who} is unreachable${via}: ${messageOf(e)}`, {
    ...base,
    details: { cause: code },
  });
}

/** `1048576` → `1 MiB`, `1500` → `1500 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** RESPONSE_TOO_LARGE for a body (declared or streamed) above the cap. */
export function responseTooLarge(
  node: string,
  method: string,
  url: URL,
  limitBytes: number,
  declaredBytes: number | null,
): AppError {
  const what = declaredBytes !== null ? `announced ${declaredBytes} bytes` : `sent more than ${limitBytes} bytes`;
  return new AppError(
    ErrorCode.RESPONSE_TOO_LARGE,
    `${whoAndWhere(node, url)} ${what} in answer to ${requestLine(method, url)}; the limit is ${formatBytes(limitBytes)}`,
    {
      node,
      details: { limitBytes, declaredBytes },
    },
  );
}
