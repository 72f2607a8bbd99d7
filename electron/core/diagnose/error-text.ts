/**
 * Reading an error a consumer's admin pasted from a log or a browser: `401: invalid_expired_token`,
 * `oauth_problem=timestamp_refused`, `403 token_not_authorized`, a Java stack trace, a callback URL…
 * Any case, any separator (`_`, space, `-`), any text around it. The result pre-selects the likely
 * causes; the text itself is kept only as a redacted excerpt. Pure: no I/O.
 */
import type { CauseCode, ErrorSignal, ParsedErrorText } from '../../../shared/diagnose.ts';
import { REDACTED, redactText } from '../redact.ts';

/** Longer pastes are cut here before parsing: an error worth reading is near the top. */
export const MAX_ERROR_TEXT_CHARS = 256 * 1024;
const EXCERPT_CHARS = 2000;

/** `timestamp_refused` → a pattern that also matches `timestamp refused`, `TIMESTAMP-REFUSED`. */
function words(name: string): string {
  return name.split('_').join('[\\s_-]?');
}

interface Rule {
  /** What is recorded when the rule matches: an OAuth problem, a product text, or only a signal. */
  problem?: string;
  product?: string;
  re: RegExp;
  signal: ErrorSignal;
  causes: CauseCode[];
  explain: string;
}

const problemRule = (problem: string, signal: ErrorSignal, causes: CauseCode[], explain: string): Rule => ({
  problem,
  re: new RegExp(`(?<![a-z])${words(problem)}(?![a-z])`, 'i'),
  signal,
  causes,
  explain,
});

const KEY_NOT_LOADED: CauseCode[] = ['REGISTRY_STALE', 'PROVISIONAL_KEY_LOST', 'KEY_UNKNOWN'];
const TOKEN_GONE: CauseCode[] = ['BALANCER_NOT_STICKY', 'REQUEST_TOKEN_EXPIRED'];

/** In order of how telling they are; the first matches decide the order of the likely causes. */
const RULES: Rule[] = [
  // [D] Jazz: "CRJZS0033E The consumer key is not valid and the consumer may not be registered."
  // (jazz.net library article 1242): the node that answered does not have the key.
  {
    product: 'CRJZS0033E',
    re: /CRJZS0033E/i,
    signal: 'key-not-loaded',
    causes: ['KEY_UNKNOWN', 'REGISTRY_STALE', 'PROVISIONAL_KEY_LOST'],
    explain:
      'CRJZS0033E: the Jazz server that answered does not know this consumer key: it was never registered there, is not approved yet, or that server has not reloaded its consumers since it was approved (log in to it).',
  },
  // [D] DOORS: invalid_consumer_key (IBM technote swg21580704).
  {
    product: 'invalid_consumer_key',
    re: /invalid[\s_-]*consumer[\s_-]*key/i,
    signal: 'key-not-loaded',
    causes: KEY_NOT_LOADED,
    explain:
      'invalid_consumer_key: the server (DOORS, technote swg21580704) does not accept this consumer key: it is not registered there, or that node has not loaded it.',
  },
  // [D] Jazz: CRJZS0360I with 401 means the user must authorize (log in), not that the key is bad.
  {
    product: 'CRJZS0360I',
    re: /CRJZS0360I/i,
    signal: 'user-login-required',
    causes: [],
    explain:
      'CRJZS0360I: the Jazz server asks for user authorization (a login). That is not a consumer-key problem: the key may well be fine.',
  },
  // [D] ClearQuest/RTC: clock skew is HTTP 400 with oauth_problem="timestamp_refused" and
  // oauth_acceptable_timestamps (IBM Rational Team Concert 7.0.1 docs, ClearQuest bridge limitations).
  {
    problem: 'timestamp_refused',
    re: /oauth[\s_-]?acceptable[\s_-]?timestamps/i,
    signal: 'timestamp',
    causes: ['CLOCK_SKEW'],
    explain:
      'oauth_acceptable_timestamps: the node (ClearQuest answers this with HTTP 400) says which timestamps it would accept: the clocks differ by more than 300 s.',
  },
  // [D] ClearQuest: "401: invalid_expired_token" (technote swg21643365); also what Lyo's adapter
  // credentials filter turns token_rejected into (AbstractAdapterCredentialsFilter.java).
  {
    product: 'invalid_expired_token',
    re: /invalid[\s_-]*expired[\s_-]*token/i,
    signal: 'key-not-loaded',
    causes: KEY_NOT_LOADED,
    explain:
      'invalid_expired_token: the node that answered does not have the consumer key loaded (ClearQuest, technote swg21643365). Usually its registry is stale (approved on another node, not yet refreshed here); or the key was lost or never registered.',
  },
  // [D] ClearQuest before 8.0.1.1 behind a balancer: "403 token_not_authorized" (technote swg21579391).
  {
    product: 'token_not_authorized',
    re: /token[\s_-]*not[\s_-]*authori[sz]ed/i,
    signal: 'not-authorized-through-balancer',
    causes: ['BALANCER_NOT_STICKY', 'KEY_PROVISIONAL'],
    explain:
      '403 token_not_authorized: ClearQuest before 8.0.1.1 answers this through a load balancer (technote swg21579391): upgrade, or point the consumer at one node. On later versions: the legs of the OAuth dance went to different nodes, or the key is not approved.',
  },
  problemRule(
    'consumer_key_unknown',
    'key-not-loaded',
    KEY_NOT_LOADED,
    'consumer_key_unknown: the node that answered does not know the consumer key.',
  ),
  problemRule(
    'consumer_key_refused',
    'key-provisional',
    ['KEY_PROVISIONAL'],
    'consumer_key_refused: the key is known but not approved (still provisional) on the node that answered.',
  ),
  // [D] Eclipse Lyo rejects an unknown key with consumer_key_rejected (OAuthRequest.java), not
  // consumer_key_unknown; it does not refuse a provisional key at requestToken [I].
  problemRule(
    'consumer_key_rejected',
    'key-not-loaded',
    KEY_NOT_LOADED,
    'consumer_key_rejected: Eclipse Lyo’s word for a consumer key the node that answered does not know: not loaded there (Lyo reloads only on restart), lost, or never registered.',
  ),
  problemRule(
    'signature_invalid',
    'signature',
    ['WRONG_SECRET'],
    'signature_invalid: the key is known, but the signature does not verify: the consumer and the provider hold different secrets.',
  ),
  // [D] OAuth Problem Reporting; ClearQuest answers it with HTTP 400 (RTC 7.0.1 docs).
  problemRule(
    'timestamp_refused',
    'timestamp',
    ['CLOCK_SKEW'],
    'timestamp_refused: the clocks of the consumer and the node differ by more than 300 s.',
  ),
  problemRule(
    'token_expired',
    'token-expired',
    ['REQUEST_TOKEN_EXPIRED'],
    'token_expired: the request token was used more than 10 minutes after it was issued.',
  ),
  problemRule(
    'token_rejected',
    'token-unknown',
    TOKEN_GONE,
    'token_rejected: the node does not hold that token: it was issued by another node (balancer without session affinity), the node restarted, or it was used already.',
  ),
  problemRule(
    'token_used',
    'token-unknown',
    ['REQUEST_TOKEN_EXPIRED'],
    'token_used: the token was already exchanged; the consumer must start the OAuth dance again.',
  ),
  problemRule(
    'token_revoked',
    'token-unknown',
    ['REQUEST_TOKEN_EXPIRED'],
    'token_revoked: the token was revoked; the consumer must start the OAuth dance again.',
  ),
  problemRule(
    'permission_unknown',
    'permission-unknown',
    ['BALANCER_NOT_STICKY'],
    'permission_unknown: the node never saw the user authorize the token: the authorize page was answered by another node, or the user did not finish.',
  ),
  problemRule(
    'nonce_used',
    'nonce',
    [],
    'nonce_used: the consumer sent a nonce again within 300 s (a retried request); not a provider fault.',
  ),
  problemRule(
    'permission_denied',
    'user-denied',
    [],
    'permission_denied: access was refused (the user chose Deny, or the user may not grant access).',
  ),
  problemRule('user_refused', 'user-denied', [], 'user_refused: the user chose not to grant access.'),
  problemRule(
    'parameter_absent',
    'malformed-request',
    [],
    'parameter_absent: the consumer left out a required OAuth parameter.',
  ),
  problemRule(
    'parameter_rejected',
    'malformed-request',
    [],
    'parameter_rejected: the consumer sent an OAuth parameter the node does not accept.',
  ),
  problemRule(
    'signature_method_rejected',
    'malformed-request',
    [],
    'signature_method_rejected: the consumer uses a signature method the node does not accept (use HMAC-SHA1).',
  ),
  problemRule('version_rejected', 'malformed-request', [], 'version_rejected: the consumer does not speak OAuth 1.0.'),
  {
    re: /oauth[\s_-]?error\s*=\s*["']?oauth[\s_-]?denied|(?<![a-z])oauth[\s_-]?denied(?![a-z])/i,
    product: 'oauth_denied',
    signal: 'user-denied',
    causes: [],
    explain:
      'oauth_error=oauth_denied: the user chose Deny on the authorize page. That is a choice, not a failure of the server.',
  },
  {
    re: /(?<!invalid[\s_-]*)(?:(?:request[\s_-]+)?token\s+(?:has\s+|is\s+)?expired|expired\s+(?:request\s+)?token)/i,
    signal: 'token-expired',
    causes: ['REQUEST_TOKEN_EXPIRED'],
    explain: 'The request token expired: more than 10 minutes between the request token and the authorization.',
  },
  {
    re: /token\s+(?:is\s+)?(?:not\s+known|unknown|not\s+found|was\s+not\s+found)|issued\s+by\s+another\s+node|(?:was\s+)?already\s+(?:been\s+)?(?:verified|exchanged)/i,
    signal: 'token-unknown',
    causes: TOKEN_GONE,
    explain:
      'The token is not known to the node that answered: another node issued it (no session affinity), the node restarted, or it was used already.',
  },
  {
    re: /(?:key|consumer)\s+(?:is\s+)?(?:still\s+)?provisional|provisional\s+(?:consumer\s+)?key|not\s+(?:yet\s+)?approved/i,
    signal: 'key-provisional',
    causes: ['KEY_PROVISIONAL', 'PROVISIONAL_KEY_LOST'],
    explain:
      'A provisional key: it lives in the memory of one node until it is approved there, and a restart of that node loses it.',
  },
  {
    re: /consumer\s+key\s+(?:is\s+)?(?:not\s+(?:found|known|registered)|unknown)/i,
    signal: 'key-not-loaded',
    causes: KEY_NOT_LOADED,
    explain: 'The consumer key is not known to the node that answered.',
  },
  {
    re: /invalid\s+signature|signature\s+(?:is\s+)?(?:invalid|does\s+not\s+(?:match|verify))/i,
    signal: 'signature',
    causes: ['WRONG_SECRET'],
    explain: 'The signature does not verify: the consumer and the provider hold different secrets.',
  },
  {
    re: /timestamp\s+(?:is\s+)?(?:out\s+of\s+range|too\s+(?:old|new)|expired|invalid)|clock\s+skew/i,
    signal: 'timestamp',
    causes: ['CLOCK_SKEW'],
    explain: 'The timestamp was refused: the clocks differ by more than 300 s.',
  },
  {
    re: /PKIX\s+path\s+(?:building|validation)\s+failed|unable\s+to\s+find\s+valid\s+certification\s+path|SSLHandshakeException|certificate\s+verify\s+failed|self[\s_-]?signed\s+certificate|unable\s+to\s+(?:get\s+local\s+issuer|verify\s+the\s+first)\s+certificate|ERR_CERT_[A-Z_]+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|certificate\s+(?:is\s+)?not\s+trusted|untrusted\s+(?:server\s+)?certificate|certificate_unknown/i,
    signal: 'tls',
    causes: ['TLS_UNTRUSTED'],
    explain:
      'A TLS certificate was not trusted: the consumer (or this tool) does not trust the CA that signed the node’s certificate.',
  },
  {
    re: /connection\s+refused|ECONNREFUSED|ConnectException|no\s+route\s+to\s+host|EHOSTUNREACH|UnknownHostException|ENOTFOUND|connection\s+reset|ECONNRESET/i,
    signal: 'unreachable',
    causes: ['NODE_DOWN'],
    explain: 'A connection failed: the server (a node or the balancer) is down or unreachable.',
  },
  {
    re: /(?:read|connect(?:ion)?)\s+timed?\s*out|ETIMEDOUT|SocketTimeoutException|timed\s+out/i,
    signal: 'timeout',
    causes: ['NODE_DOWN'],
    explain: 'A request timed out: a node is down, hanging or very slow.',
  },
  {
    re: /bad\s+gateway|service\s+(?:temporarily\s+)?unavailable|gateway\s+time-?\s*out|(?<![\d.])50[234](?![\d.])/i,
    signal: 'gateway',
    causes: ['NODE_DOWN'],
    explain: 'The balancer could not get an answer from a node (502/503/504).',
  },
  {
    re: /friend(?:ship)?|project\s+relationship|provisional|grant(?:ed)?\s+access|consumer\s+key\s+(?:was\s+)?(?:created|requested|issued)|request[\s_-]?key|oauth[\s_-]request[\s_-]consumer/i,
    signal: 'friendship',
    causes: [],
    explain:
      'The text speaks of a friendship (a consumer key was requested): if no node knows the key now, the provisional key was lost.',
  },
];

/** The HTTP status the text reports, when it says one (`HTTP/1.1 401`, `status 403`, `401:`, `(401)`). */
function httpStatusOf(text: string): number | null {
  const patterns = [
    /\bHTTP\/\d(?:\.\d)?\s+([1-5]\d\d)\b/i,
    /\b(?:status(?:\s*code)?|error(?:\s*code)?|response(?:\s*code)?|code)["']?\s*[:=]?\s*["']?([45]\d\d)\b/i,
    /(?:^|[\s([{"'=>])([45]\d\d)(?=\s*[:)\]}\s,."'<]|\s*$)/m,
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m?.[1]) {
      const n = Number(m[1]);
      if (n >= 400 && n <= 599) return n;
    }
  }
  return null;
}

const EXTRA_SECRETS: [RegExp, (...m: string[]) => string][] = [
  // Authorization headers: Basic/Bearer entirely; OAuth headers are handled by redactText's params.
  [
    /\b(authorization\s*[:=]\s*["']?)(basic|bearer)\s+[A-Za-z0-9+/=._~-]+/gi,
    (_m, a, scheme) => `${a}${scheme} ${REDACTED}`,
  ],
  // `password: x`, `secret = "x"`, `token_secret: x` — the colon and quoted forms redactText leaves alone.
  [
    /\b(password|passwd|pwd|passphrase|secret|(?:oauth[\s_-]?)?token[\s_-]?secret|consumer[\s_-]?secret|client[\s_-]?secret)(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;<>"']+)/gi,
    (_m, name, sep) => `${name}${sep}${REDACTED}`,
  ],
  // Tokens and verifiers are credentials too.
  [
    /\b(oauth_token|oauth_verifier|access_token|request_token)(="|"\s*:\s*"|\s*=\s*|\s*:\s*)([^&"\s,<>;]+)/gi,
    (_m, name, sep) => `${name}${sep}${REDACTED}`,
  ],
  // Session cookies (WebSphere, Jazz form login: LtpaToken2, JAZZ_AUTH_TOKEN): keep the clone id
  // (it names the node), drop the session.
  [
    /\b(JSESSIONID|LtpaToken2?|JAZZ_AUTH_TOKEN|JazzFormAuth|SMSESSION)=([^;,\s:]*)(:[^;,\s]+)?/gi,
    (_m, name, _v, clone) => `${name}=${REDACTED}${clone ?? ''}`,
  ],
];

/**
 * Redacts a pasted text: everything {@link redactText} does (signatures, secrets, passwords in
 * forms, JSON and OAuth headers), plus Basic/Bearer credentials, `password: x` forms, tokens,
 * verifiers and session cookies, and every known secret wherever it stands.
 */
export function redactPastedText(text: string, knownSecrets: readonly string[] = []): string {
  let out = redactText(text, knownSecrets);
  for (const [re, replace] of EXTRA_SECRETS)
    out = out.replace(re, replace as (substring: string, ...args: string[]) => string);
  return out;
}

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Parses a pasted error text. Never throws; an empty text yields no signals. */
export function parseErrorText(input: string, knownSecrets: readonly string[] = []): ParsedErrorText {
  const text = String(input ?? '').slice(0, MAX_ERROR_TEXT_CHARS);
  const hits = RULES.filter((r) => r.re.test(text));
  const httpStatus = httpStatusOf(text);
  const signals = uniq(hits.map((h) => h.signal));
  const likely = hits.flatMap((h) => h.causes);
  const explanation = hits.map((h) => h.explain);
  const specific = hits.some(
    (h) => h.causes.length > 0 || h.signal === 'user-denied' || h.signal === 'user-login-required',
  );
  if (httpStatus === 401 && !specific) {
    signals.push('unauthorized');
    likely.push('REGISTRY_STALE', 'KEY_UNKNOWN', 'WRONG_SECRET', 'CLOCK_SKEW');
    explanation.push(
      'A bare 401 says only that the OAuth check failed on the node that answered; the diagnosis tells which check.',
    );
  }
  const userDenied = signals.includes('user-denied');
  const mentionsFriendship = signals.includes('friendship');
  let likelyCauses = uniq(likely);
  // A friendship mentioned with "key not loaded": a lost provisional key is the better first guess.
  if (mentionsFriendship && likelyCauses.includes('PROVISIONAL_KEY_LOST') && !signals.includes('key-provisional')) {
    likelyCauses = ['PROVISIONAL_KEY_LOST', ...likelyCauses.filter((c) => c !== 'PROVISIONAL_KEY_LOST')];
  }
  const redacted = redactPastedText(text, knownSecrets).trim();
  return {
    excerpt: redacted.length > EXCERPT_CHARS ? `${redacted.slice(0, EXCERPT_CHARS)}…` : redacted,
    httpStatus,
    oauthProblems: uniq(hits.filter((h) => h.problem).map((h) => h.problem!)),
    productTexts: uniq(hits.filter((h) => h.product).map((h) => h.product!)),
    signals: uniq(signals),
    likelyCauses,
    userDenied,
    mentionsFriendship,
    mentionedNodes: [],
    explanation: uniq(explanation),
  };
}

/**
 * The nodes a text names, by their id as a word or by their host and port (`lbcq_2:9443`,
 * `https://127.0.0.1:4431`). An id like `node1` does not match inside `node10`.
 */
export function nodesMentioned(text: string, nodes: readonly { id: string; url: string }[]): string[] {
  const lower = text.toLowerCase();
  return nodes
    .filter((n) => {
      const id = n.id.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`(?<![a-z0-9_-])${id}(?![a-z0-9_-])`).test(lower)) return true;
      try {
        const u = new URL(n.url);
        const host = u.host.toLowerCase();
        return u.port !== '' && lower.includes(host);
      } catch {
        return false;
      }
    })
    .map((n) => n.id);
}
