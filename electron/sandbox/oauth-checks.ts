/**
 * The checks a node makes on a signed OAuth 1.0a request, in the order a real provider makes them,
 * with answers in the OAuth Problem Reporting vocabulary. Pure: the node's memory and clock are
 * passed in; the signature itself is checked by the project's RFC 5849 core.
 *
 * Order: parameters → signature method → timestamp → consumer key (unknown, then provisional) →
 * signature → nonce → token state → permission.
 */
import {
  parseAuthorizationHeader,
  percentEncode,
  queryParams,
  verifySignature,
  type Param,
} from '../core/oauth/rfc5849.ts';
import { REQUEST_TOKEN_LIFETIME_MS } from './node-memory.ts';
import type { AccessToken, Consumer, NodeMemory, RequestToken } from './node-memory.ts';

/** Timestamps further than this from the node's clock are refused (ClearQuest: ±300 s). */
export const TIMESTAMP_WINDOW_SECONDS = 300;

/** The ClearQuest text for a consumer key the node has not loaded (seed swg21643365). */
export const INVALID_EXPIRED_TOKEN_ADVICE = '401: invalid_expired_token';

export type OAuthProblem =
  | 'parameter_absent'
  | 'parameter_rejected'
  | 'version_rejected'
  | 'signature_method_rejected'
  | 'timestamp_refused'
  | 'consumer_key_unknown'
  | 'consumer_key_refused'
  | 'consumer_key_rejected'
  | 'signature_invalid'
  | 'nonce_used'
  | 'token_rejected'
  | 'token_expired'
  | 'permission_unknown'
  | 'permission_denied';

/**
 * A refused request. Status 400 for malformed requests, 401 for everything about credentials.
 * @see RFC 5849 §3.2 (which status for which failure)
 */
export class OAuthRejection extends Error {
  readonly status: 400 | 401;

  constructor(
    readonly problem: OAuthProblem,
    /** Extra Problem Reporting parameters, e.g. `oauth_parameters_absent`, `oauth_problem_advice`. */
    readonly extra: Param[] = [],
  ) {
    super(`oauth_problem=${problem}`);
    this.name = 'OAuthRejection';
    this.status = BAD_REQUEST_PROBLEMS.has(problem) ? 400 : 401;
  }

  /** The form body: `oauth_problem=<problem>` first, then the extra parameters. */
  formBody(): string {
    return [['oauth_problem', this.problem] as const, ...this.extra]
      .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
      .join('&');
  }
}

const BAD_REQUEST_PROBLEMS = new Set<OAuthProblem>([
  'parameter_absent',
  'parameter_rejected',
  'version_rejected',
  'signature_method_rejected',
]);

/** The three kinds of signed endpoint, each needing its own extra parameters. */
export type SignedEndpoint = 'requestToken' | 'accessToken' | 'protectedResource';

const REQUIRED: Record<SignedEndpoint, readonly string[]> = {
  requestToken: ['oauth_callback'], // §2.1
  accessToken: ['oauth_token', 'oauth_verifier'], // §2.3
  protectedResource: ['oauth_token'], // §3.1
};

export interface SignedRequestInput {
  method: string;
  /** The URL the client signed: scheme and Host as the client addressed them, plus path and query. */
  url: URL;
  /** True when the client's hop was TLS (PLAINTEXT is allowed only then). */
  secure: boolean;
  authorization: string | undefined;
  /** Form body parameters when the body is `application/x-www-form-urlencoded`, else []. */
  formParams: Param[];
}

export interface VerifiedRequest {
  consumer: Consumer;
  /** The protocol parameters, `oauth_signature` included. */
  oauth: Map<string, string>;
  requestToken: RequestToken | null;
  accessToken: AccessToken | null;
}

/**
 * Runs every check for one signed request against one node's memory at the node's time `nowMs`.
 * Throws {@link OAuthRejection}. Records the nonce only once the signature is known to be good, so a
 * forged request cannot burn a real client's nonce.
 */
export function verifySignedRequest(
  input: SignedRequestInput,
  endpoint: SignedEndpoint,
  memory: NodeMemory,
  nowMs: number,
  /** Lyo issues request tokens to provisional consumers too ([I] PROVIDERS.md, "Dialects"). */
  policy: { acceptProvisional?: boolean } = {},
): VerifiedRequest {
  const { oauth, signatureParams } = collectParameters(input);

  // §3.1: these are always required; timestamp and nonce MAY be omitted only with PLAINTEXT.
  const method = oauth.get('oauth_signature_method');
  const required = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature'];
  if (method !== 'PLAINTEXT') required.push('oauth_timestamp', 'oauth_nonce');
  const absent = [...required, ...REQUIRED[endpoint]].filter((name) => !oauth.has(name));
  if (absent.length > 0) {
    throw new OAuthRejection('parameter_absent', [['oauth_parameters_absent', absent.join('&')]]);
  }
  const version = oauth.get('oauth_version');
  if (version !== undefined && version !== '1.0') {
    throw new OAuthRejection('version_rejected', [['oauth_acceptable_versions', '1.0-1.0']]);
  }

  if (method !== 'HMAC-SHA1' && method !== 'PLAINTEXT') {
    throw new OAuthRejection('signature_method_rejected', [['oauth_problem_advice', 'use HMAC-SHA1']]);
  }

  // §3.3: the timestamp must be close to the server's clock (the node's own clock, offset included).
  const timestamp = oauth.get('oauth_timestamp');
  if (timestamp !== undefined) {
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    const nowSeconds = Math.floor(nowMs / 1000);
    if (!Number.isFinite(seconds) || Math.abs(seconds - nowSeconds) > TIMESTAMP_WINDOW_SECONDS) {
      throw new OAuthRejection('timestamp_refused', [
        [
          'oauth_acceptable_timestamps',
          `${nowSeconds - TIMESTAMP_WINDOW_SECONDS}-${nowSeconds + TIMESTAMP_WINDOW_SECONDS}`,
        ],
      ]);
    }
  }

  const consumerKey = oauth.get('oauth_consumer_key') ?? '';
  const provisional = memory.provisional.get(consumerKey);
  const consumer =
    memory.registry.get(consumerKey) ??
    (policy.acceptProvisional && endpoint === 'requestToken' ? provisional : undefined);
  if (!consumer) {
    if (provisional) {
      throw new OAuthRejection('consumer_key_refused', [
        ['oauth_problem_advice', 'the consumer key is provisional on this node: approve it here'],
      ]);
    }
    // A key this node has not loaded: ClearQuest says "401: invalid_expired_token" (seed swg21643365).
    throw new OAuthRejection('consumer_key_unknown', [['oauth_problem_advice', INVALID_EXPIRED_TOKEN_ADVICE]]);
  }

  // The token's secret is part of the signing key (§3.4.2), so a token this node never issued cannot
  // even be checked: refuse it here rather than report a misleading signature_invalid.
  const tokenValue = oauth.get('oauth_token');
  let requestToken: RequestToken | null = null;
  let accessToken: AccessToken | null = null;
  if (endpoint === 'accessToken') {
    requestToken = memory.requestTokens.get(tokenValue ?? '') ?? null;
    if (!requestToken || requestToken.consumerKey !== consumerKey) {
      throw new OAuthRejection('token_rejected', [['oauth_problem_advice', 'request token unknown on this node']]);
    }
  } else if (endpoint === 'protectedResource') {
    accessToken = memory.accessTokens.get(tokenValue ?? '') ?? null;
    if (!accessToken || accessToken.consumerKey !== consumerKey) {
      throw new OAuthRejection('token_rejected', [['oauth_problem_advice', 'access token unknown on this node']]);
    }
  }
  const tokenSecret = requestToken?.secret ?? accessToken?.secret ?? '';

  // §3.4.4: PLAINTEXT sends the secrets themselves, so only over TLS.
  if (method === 'PLAINTEXT' && !input.secure) {
    throw new OAuthRejection('signature_method_rejected', [
      ['oauth_problem_advice', 'PLAINTEXT is accepted over HTTPS only'],
    ]);
  }
  // §3.2: recompute the signature with this node's copy of the consumer secret.
  const valid = verifySignature({
    method: input.method,
    url: input.url,
    params: signatureParams,
    signature: oauth.get('oauth_signature') ?? '',
    signatureMethod: method,
    consumerSecret: consumer.secret,
    tokenSecret,
  });
  if (!valid) throw new OAuthRejection('signature_invalid');

  // §3.3: a nonce may not be used twice with the same timestamp, client and token.
  if (timestamp !== undefined) {
    const fresh = memory.nonces.remember(
      consumerKey,
      tokenValue ?? '',
      timestamp,
      oauth.get('oauth_nonce') ?? '',
      (Number(timestamp) + TIMESTAMP_WINDOW_SECONDS) * 1000,
      nowMs,
    );
    if (!fresh) throw new OAuthRejection('nonce_used');
  }

  if (requestToken) checkRequestTokenForExchange(requestToken, oauth.get('oauth_verifier') ?? '', nowMs);
  return { consumer, oauth, requestToken, accessToken };
}

/** @see RFC 5849 §2.3 — a request token is exchanged once, before it expires, with its verifier. */
function checkRequestTokenForExchange(token: RequestToken, verifier: string, nowMs: number): void {
  if (token.state === 'used') {
    throw new OAuthRejection('token_rejected', [['oauth_problem_advice', 'request token was already exchanged']]);
  }
  if (isRequestTokenExpired(token, nowMs)) throw new OAuthRejection('token_expired');
  if (token.state === 'pending') {
    throw new OAuthRejection('permission_unknown', [
      ['oauth_problem_advice', 'the user has not authorized the request token yet'],
    ]);
  }
  if (token.state === 'denied') throw new OAuthRejection('permission_denied');
  if (token.verifier !== verifier) {
    throw new OAuthRejection('token_rejected', [['oauth_problem_advice', 'oauth_verifier does not match']]);
  }
}

export function isRequestTokenExpired(token: RequestToken, nowMs: number): boolean {
  return nowMs > token.issuedAtMs + REQUEST_TOKEN_LIFETIME_MS;
}

/**
 * Gathers the protocol parameters from the Authorization header, the query and a form body, and
 * the parameters that enter the signature base string. A protocol parameter given twice is refused.
 * @see RFC 5849 §3.5 (where parameters may be sent) and §3.4.1.3.1 (which ones are signed)
 */
function collectParameters(input: SignedRequestInput): { oauth: Map<string, string>; signatureParams: Param[] } {
  let header: Map<string, string> | null;
  let query: Param[];
  try {
    header = parseAuthorizationHeader(input.authorization);
    query = queryParams(input.url);
  } catch {
    throw new OAuthRejection('parameter_rejected', [
      ['oauth_problem_advice', 'malformed percent-encoding in the request'],
    ]);
  }
  const oauth = new Map<string, string>();
  const duplicated: string[] = [];
  const take = (name: string, value: string) => {
    if (!name.startsWith('oauth_')) return;
    if (oauth.has(name)) duplicated.push(name);
    oauth.set(name, value);
  };
  for (const [name, value] of header ?? []) take(name, value);
  for (const [name, value] of query) take(name, value);
  for (const [name, value] of input.formParams) take(name, value);
  if (duplicated.length > 0) {
    throw new OAuthRejection('parameter_rejected', [['oauth_parameters_rejected', duplicated.join('&')]]);
  }
  const signatureParams: Param[] = [...query, ...(header ?? []), ...input.formParams].filter(
    ([name]) => name !== 'oauth_signature',
  );
  return { oauth, signatureParams };
}
