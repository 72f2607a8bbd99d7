/**
 * Reading what a provider says when OAuth fails: the `WWW-Authenticate` challenge, the OAuth Problem
 * Reporting extension (`oauth_problem=…`), and the texts ClearQuest and Jazz print instead.
 */
import type { ConsumerState } from '../../../shared/model.ts';

/** OAuth Problem Reporting extension values we act on (oauth.pbworks.com ProblemReporting). */
export const OAUTH_PROBLEMS = [
  'version_rejected',
  'parameter_absent',
  'parameter_rejected',
  'timestamp_refused',
  'nonce_used',
  'signature_method_rejected',
  'signature_invalid',
  'consumer_key_unknown',
  'consumer_key_rejected',
  'consumer_key_refused',
  'token_used',
  'token_expired',
  'token_revoked',
  'token_rejected',
  'additional_authorization_required',
  'permission_unknown',
  'permission_denied',
  'user_refused',
] as const;
export type OAuthProblem = (typeof OAUTH_PROBLEMS)[number];

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` value into challenges. Tolerates what servers really send: several
 * challenges in one header, lower-case schemes, unquoted values, escaped quotes, stray spaces and
 * commas, and params with no scheme before them (taken as OAuth).
 * @see RFC 5849 §3.5.1 (OAuth parameters as auth-params); RFC 7235 §4.1 (the header's grammar)
 */
export function parseWwwAuthenticate(header: string | undefined | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let current: Challenge | null = null;
  let i = 0;
  const n = header.length;
  const skip = (chars: RegExp) => {
    while (i < n && chars.test(header[i]!)) i++;
  };
  while (i < n) {
    skip(/[\s,]/);
    const start = i;
    while (i < n && !/[\s,=]/.test(header[i]!)) i++;
    const token = header.slice(start, i);
    if (!token) {
      i++; // a stray '=' or similar: step over it
      continue;
    }
    skip(/\s/);
    if (header[i] === '=') {
      i++;
      skip(/\s/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i++];
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < n && !/[\s,]/.test(header[i]!)) i++;
        value = header.slice(vs, i);
      }
      if (!current) {
        current = { scheme: 'OAuth', params: {} };
        out.push(current);
      }
      // Defined, not assigned: a parameter a node names `__proto__` is kept as data, never a prototype.
      Object.defineProperty(current.params, token.toLowerCase(), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      current = { scheme: token, params: {} };
      out.push(current);
    }
  }
  return out;
}

/** What a provider's answer says about an OAuth failure. */
export interface ProblemReport {
  /** The OAuth Problem Reporting value, when the server used the vocabulary. */
  problem: OAuthProblem | null;
  /** A ClearQuest/Jazz text found in the answer (e.g. `invalid_expired_token`). */
  productText: string | null;
  /** `oauth_acceptable_timestamps=a-b` when the server said it. */
  acceptableTimestamps: { from: number; to: number } | null;
  /** `oauth_problem_advice`, when given. */
  advice: string | null;
}

/**
 * Product texts that stand for a problem. Matched case-insensitively anywhere in the body.
 * ClearQuest: `401: invalid_expired_token` (swg21643365) when the key is not loaded on the node;
 * `403 token_not_authorized` before 8.0.1.1 (swg21579391).
 * [G] Jazz: the phrases below are what Jazz servers are commonly reported to answer; not documented.
 */
const PRODUCT_TEXTS: { re: RegExp; text: string; problem: OAuthProblem }[] = [
  { re: /invalid[_ ]expired[_ ]token/i, text: 'invalid_expired_token', problem: 'consumer_key_unknown' },
  // [D] Jazz: "CRJZS0033E The consumer key is not valid and the consumer may not be registered."
  // (jazz.net library article 1242).
  { re: /CRJZS0033E/, text: 'CRJZS0033E', problem: 'consumer_key_unknown' },
  // [D] DOORS: invalid_consumer_key (IBM technote swg21580704).
  { re: /invalid[_ ]consumer[_ ]key/i, text: 'invalid_consumer_key', problem: 'consumer_key_unknown' },
  { re: /token[_ ]not[_ ]authori[sz]ed/i, text: 'token_not_authorized', problem: 'permission_denied' },
  {
    re: /consumer key (?:is )?(?:not )?(?:found|unknown|not registered)/i,
    text: 'consumer key unknown',
    problem: 'consumer_key_unknown',
  }, // [G] Jazz wording
  {
    re: /(?:consumer|key) (?:is )?(?:still )?provisional|not (?:yet )?approved/i,
    text: 'consumer key provisional',
    problem: 'consumer_key_refused',
  }, // [G] Jazz wording
  { re: /invalid signature|signature (?:is )?invalid/i, text: 'invalid signature', problem: 'signature_invalid' },
  {
    re: /timestamp (?:is )?(?:out of range|refused|too old|expired)/i,
    text: 'timestamp refused',
    problem: 'timestamp_refused',
  },
];

function asProblem(value: string | undefined | null): OAuthProblem | null {
  if (!value) return null;
  const v = value.trim().toLowerCase().replace(/\s+/g, '_');
  return (OAUTH_PROBLEMS as readonly string[]).includes(v) ? (v as OAuthProblem) : null;
}

function formValue(body: string, name: string): string | null {
  const m = new RegExp(`(?:^|[&?\\s])${name}=([^&\\s"<]*)`, 'i').exec(body);
  if (!m) return null;
  try {
    return decodeURIComponent((m[1] ?? '').replace(/\+/g, ' '));
  } catch {
    return m[1] ?? null;
  }
}

/** Reads the problem from the `WWW-Authenticate` header first, then the body (form, JSON or text). */
export function readProblem(res: { headers: Record<string, string>; body: string }): ProblemReport {
  const challenge = parseWwwAuthenticate(res.headers['www-authenticate']).find((c) => c.params.oauth_problem);
  const body = res.body.slice(0, 64 * 1024);
  let problem = asProblem(challenge?.params.oauth_problem) ?? asProblem(formValue(body, 'oauth_problem'));
  if (!problem) {
    const json = /"oauth_problem"\s*:\s*"([^"]+)"/.exec(body);
    problem = asProblem(json?.[1]);
  }
  const product = PRODUCT_TEXTS.find((t) => t.re.test(body) || t.re.test(res.headers['www-authenticate'] ?? ''));
  problem ??= product?.problem ?? null;
  const ts = challenge?.params.oauth_acceptable_timestamps ?? formValue(body, 'oauth_acceptable_timestamps');
  const tm = ts ? /^(\d+)-(\d+)$/.exec(ts) : null;
  return {
    problem,
    productText: product?.text ?? null,
    acceptableTimestamps: tm ? { from: Number(tm[1]), to: Number(tm[2]) } : null,
    advice: challenge?.params.oauth_problem_advice ?? formValue(body, 'oauth_problem_advice'),
  };
}

/**
 * The consumer's state on the node, from a request-token answer.
 * 200 with a token: approved; unknown key or `invalid_expired_token`: not loaded there; refused:
 * provisional; bad signature: wrong secret; timestamp refused: clock skew.
 */
export function stateFromAnswer(status: number, report: ProblemReport, body: string): ConsumerState {
  if (status >= 200 && status < 300 && /oauth_token=/.test(body)) return 'approved';
  switch (report.problem) {
    // [D] Eclipse Lyo answers an unknown key with consumer_key_rejected (OAuthRequest.java), and it
    // never refuses a provisional key at requestToken [I]: so "rejected" means "not known here".
    case 'consumer_key_rejected':
    case 'consumer_key_unknown':
      return 'unknown';
    case 'consumer_key_refused':
      return 'provisional';
    case 'signature_invalid':
      return 'bad-secret';
    case 'timestamp_refused':
      return 'clock-skew';
    default:
      return 'error';
  }
}
