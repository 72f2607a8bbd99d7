/**
 * OAuth 1.0 (RFC 5849) signing and verification. Protocol core only: no I/O; clock and nonce are
 * passed in so tests and the sandbox can control them. Shared by the engine (signing) and the
 * sandbox (verifying), and checked against an independent library in the tests.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type SignatureMethod = 'HMAC-SHA1' | 'PLAINTEXT';
export type Param = readonly [name: string, value: string];

/** @see RFC 5849 §3.6 — unreserved characters stay, every other UTF-8 octet becomes %XX (upper case). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Inverse of {@link percentEncode}; `+` is a space only in form bodies (handled by the caller). */
export function percentDecode(value: string): string {
  return decodeURIComponent(value);
}

/** @see RFC 5849 §3.4.1.2 — scheme and host lower case, default port dropped, no query or fragment. */
export function baseStringUri(url: URL): string {
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = url.hostname.toLowerCase();
  const defaultPort = (scheme === 'http' && url.port === '80') || (scheme === 'https' && url.port === '443');
  const port = url.port && !defaultPort ? `:${url.port}` : '';
  return `${scheme}://${host}${port}${url.pathname || '/'}`;
}

/** Decodes an `application/x-www-form-urlencoded` string into ordered pairs (§3.4.1.3.1 sources). */
export function parseForm(body: string): Param[] {
  if (!body) return [];
  return body
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [percentDecode(name.replace(/\+/g, ' ')), percentDecode(value.replace(/\+/g, ' '))] as const;
    });
}

/** Encodes pairs as a form body with RFC 5849 §3.6 encoding (a strict subset of form encoding). */
export function formEncode(params: Iterable<Param>): string {
  return [...params].map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

/** @see RFC 5849 §3.4.1.3.1 — the query component, decoded as a form. */
export function queryParams(url: URL): Param[] {
  return parseForm(url.search.replace(/^\?/, ''));
}

/** @see RFC 5849 §3.4.1.3.2 — encode each name and value, sort by name then value, join with `&`. */
export function normalizeParameters(params: Iterable<Param>): string {
  const encoded = [...params].map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

/** @see RFC 5849 §3.4.1.1 — METHOD & encoded base URI & encoded normalized parameters. */
export function signatureBaseString(method: string, url: URL, params: Iterable<Param>): string {
  return [method.toUpperCase(), percentEncode(baseStringUri(url)), percentEncode(normalizeParameters(params))].join(
    '&',
  );
}

/** @see RFC 5849 §3.4.2 (HMAC-SHA1) and §3.4.4 (PLAINTEXT): the key is `consumerSecret&tokenSecret`. */
export function computeSignature(
  signatureMethod: SignatureMethod,
  baseString: string,
  consumerSecret: string,
  tokenSecret = '',
): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  if (signatureMethod === 'PLAINTEXT') return key;
  return createHmac('sha1', key).update(baseString).digest('base64');
}

export interface SignInput {
  method: string;
  url: string | URL;
  consumerKey: string;
  consumerSecret: string;
  token?: string;
  tokenSecret?: string;
  signatureMethod?: SignatureMethod;
  /** `oauth_callback` (§2.1) or `oauth_verifier` (§2.3) and any other protocol parameter. */
  extraOAuth?: Record<string, string>;
  /** Form body parameters, signed only for `application/x-www-form-urlencoded` bodies (§3.4.1.3.1). */
  bodyParams?: Param[];
  /** Seconds since the epoch; injectable so tests can shift the clock. */
  timestamp?: number;
  nonce?: string;
  realm?: string;
  /** `oauth_version` is OPTIONAL (§3.1); RFC 5849 §1.2's examples omit it. Default true. */
  includeVersion?: boolean;
}

export interface Signed {
  /** The protocol parameters including `oauth_signature`, in header order. */
  oauthParams: Record<string, string>;
  baseString: string;
  signature: string;
  /** The `Authorization: OAuth …` header value. @see RFC 5849 §3.5.1 */
  authorization: string;
}

/**
 * Nonces come from random bytes drawn 256 nonces' worth at a time, each byte used once: one call to
 * the OS random source per 256 signed requests, where a status of 64 nodes × 20 keys signs 1,280 at
 * once (issue 27). Each nonce is as random, and as unique, as one drawn alone.
 */
const NONCE_BYTES = 16;
const NONCES_PER_FILL = 256;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;

export function makeNonce(): string {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * NONCES_PER_FILL);
    nonceAt = 0;
  }
  const nonce = noncePool.toString('hex', nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** Signs a request. @see RFC 5849 §3.1 (making requests) */
export function signRequest(input: SignInput): Signed {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const signatureMethod = input.signatureMethod ?? 'HMAC-SHA1';
  const oauthParams: Record<string, string> = {
    oauth_consumer_key: input.consumerKey,
    oauth_signature_method: signatureMethod,
    oauth_timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_nonce: input.nonce ?? makeNonce(),
    ...(input.includeVersion === false ? {} : { oauth_version: '1.0' }),
    ...(input.token !== undefined ? { oauth_token: input.token } : {}),
    ...input.extraOAuth,
  };
  const all: Param[] = [...queryParams(url), ...Object.entries(oauthParams), ...(input.bodyParams ?? [])];
  const baseString = signatureBaseString(input.method, url, all);
  const signature = computeSignature(signatureMethod, baseString, input.consumerSecret, input.tokenSecret);
  oauthParams.oauth_signature = signature;
  return { oauthParams, baseString, signature, authorization: authorizationHeader(oauthParams, input.realm) };
}

/** @see RFC 5849 §3.5.1 — `OAuth realm="…", name="value", …` with §3.6 encoding. */
export function authorizationHeader(oauthParams: Record<string, string>, realm?: string): string {
  const parts = Object.entries(oauthParams).map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`);
  if (realm !== undefined) parts.unshift(`realm="${realm.replace(/"/g, '')}"`);
  return `OAuth ${parts.join(', ')}`;
}

/**
 * Parses an `Authorization: OAuth …` header into its parameters (realm excluded).
 * Returns null when the header is not an OAuth header. Tolerates extra spaces and unquoted values.
 * @see RFC 5849 §3.5.1
 */
export function parseAuthorizationHeader(header: string | undefined): Map<string, string> | null {
  if (!header) return null;
  const m = /^\s*OAuth\s+(.*)$/is.exec(header);
  if (!m) return null;
  const out = new Map<string, string>();
  const re = /([A-Za-z0-9_.~%-]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g;
  for (const part of (m[1] ?? '').matchAll(re)) {
    const name = percentDecode(part[1] ?? '');
    if (name === 'realm') continue;
    out.set(name, percentDecode(part[2] ?? part[3] ?? ''));
  }
  return out;
}

export interface VerifyInput {
  method: string;
  url: URL;
  /** All parameters of the request except `oauth_signature` (§3.4.1.3.1). */
  params: Param[];
  signature: string;
  signatureMethod: string;
  consumerSecret: string;
  tokenSecret?: string;
}

/** Recomputes the signature and compares in constant time. @see RFC 5849 §3.2 */
export function verifySignature(input: VerifyInput): boolean {
  if (input.signatureMethod !== 'HMAC-SHA1' && input.signatureMethod !== 'PLAINTEXT') return false;
  const base = signatureBaseString(input.method, input.url, input.params);
  const expected = computeSignature(input.signatureMethod, base, input.consumerSecret, input.tokenSecret);
  const a = Buffer.from(expected);
  const b = Buffer.from(input.signature);
  return a.length === b.length && timingSafeEqual(a, b);
}
