/**
 * Diagnosis of `401: invalid_expired_token` and friends down to the node and the cause, the OAuth
 * flow tester and the support report (issue "Diagnose 401: invalid_expired_token…"). Pure data, no
 * secrets: every exchange in here is redacted before it leaves the engine.
 */
import type { ErrorInfo } from './errors.ts';
import type { Exchange, TlsInfo } from './model.ts';

/** The id that stands for the balancer wherever a result names "nodes". */
export const BALANCER_ID = 'balancer';

/** Request tokens live 10 minutes (IBM Connections Cloud, "Step 3: Obtain authorization"). */
export const REQUEST_TOKEN_LIFETIME_SECONDS = 600;

/** A timestamp further than this from a node's clock is refused (`timestamp_refused`). */
export const TIMESTAMP_WINDOW_SECONDS = 300;

/** Every cause, most severe first: a result lists its causes in this order. */
export const CAUSE_CODES = [
  'PROVISIONAL_KEY_LOST',
  'KEY_UNKNOWN',
  'WRONG_SECRET',
  'KEY_PROVISIONAL',
  'REGISTRY_STALE',
  'CLOCK_SKEW',
  'BALANCER_NOT_STICKY',
  'REQUEST_TOKEN_EXPIRED',
  'NODE_DOWN',
  'TLS_UNTRUSTED',
  'HEALTHY',
] as const;
export type CauseCode = (typeof CAUSE_CODES)[number];

/**
 * What the UI or the CLI can run to fix a cause. `fix-clock` and `enable-affinity` are guided steps
 * (this tool cannot change a server's clock or a balancer's configuration); the others are
 * operations of the contract (`sync`, `approve`, `register`, `trustCertificate`, `flow`).
 */
export type Fix =
  | { action: 'sync'; args: { cluster: string } }
  | { action: 'approve'; args: { cluster: string; key: string; node: string } }
  | { action: 'register'; args: { cluster: string; key: string } }
  | { action: 'reenter-secret'; args: { cluster: string; key: string } }
  | { action: 'fix-clock'; args: { cluster: string; node: string; offsetSeconds: number } }
  | { action: 'trust-certificate'; args: { cluster: string; node: string; fingerprint256: string } }
  | { action: 'restart-flow'; args: { cluster: string; key: string } }
  | { action: 'enable-affinity'; args: { cluster: string } };

export interface Cause {
  code: CauseCode;
  /** `error`: the consumer fails; `warning`: it may fail or could not be checked; `ok`: HEALTHY. */
  severity: 'error' | 'warning' | 'ok';
  /** The nodes this is about (node ids; `balancer` for the balancer). */
  nodes: string[];
  /** Plain words, nodes named. */
  message: string;
  fix: Fix | null;
  /** True when a pasted error text points at this cause. */
  likely: boolean;
  /**
   * Nodes that could not be asked (down, untrusted certificate, error) when this cause rests on the
   * others' answers (KEY_UNKNOWN): the key may be on them; absent when every node answered.
   */
  unchecked?: string[];
}

/**
 * The diagnosed key's state on one node. `loaded`: the key is loaded but its secret was not checked
 * (no secret given); `clock-skew`: the node refuses our timestamps and the key's state could not be
 * read past it; `down`, `tls-untrusted`, `error`: the node could not be asked.
 */
export const NODE_KEY_STATES = [
  'approved',
  'loaded',
  'wrong-secret',
  'provisional',
  'missing',
  'clock-skew',
  'down',
  'tls-untrusted',
  'error',
] as const;
export type NodeKeyState = (typeof NODE_KEY_STATES)[number];

export interface DiagnosedNode {
  id: string;
  url: string;
  state: NodeKeyState;
  /** The node answered its discovery document. */
  up: boolean;
  latencyMs: number | null;
  /** Node clock minus ours, from its `Date` header. */
  clockSkewSeconds: number | null;
  /** The certificate the node presented (also when it was refused). */
  tls: TlsInfo | null;
  /** What the node's list API says of the key; null where there is no list API or no admin login. */
  listed: 'provisional' | 'approved' | 'absent' | null;
  /** The `oauth_problem` or product text that decided the state. */
  problem: string | null;
  error: ErrorInfo | null;
  /** Facts in words, e.g. "re-sent with the node's own time to see past its clock". */
  notes: string[];
  /** The redacted requests and answers that decided the state. */
  evidence: Exchange[];
}

export interface BalancerProbe {
  /** 1-based order in which the probes were sent. */
  n: number;
  /** True when the probe carried the session cookie of the first answer (the stickiness check). */
  withCookie: boolean;
  /** From the clone id of the session cookie; null when the answer does not tell. */
  answeredBy: string | null;
  status: number | null;
  state: NodeKeyState;
  problem: string | null;
  latencyMs: number | null;
}

export interface BalancerDiagnosis {
  url: string;
  reachable: boolean;
  probes: BalancerProbe[];
  /** The nodes the balancer sent at least one probe to. */
  reached: string[];
  /** True: it kept every request with our session cookie on one node; null: could not tell. */
  sticky: boolean | null;
  /** One line: what the balanced requests met, e.g. "4 of 6 failed with invalid_expired_token (node2, node3)". */
  summary: string;
  error: ErrorInfo | null;
  tls: TlsInfo | null;
  /** The first probe, and the first failing one, redacted. */
  evidence: Exchange[];
}

/** Kinds of facts recognised in a pasted error text. */
export const ERROR_SIGNALS = [
  'key-not-loaded',
  'key-provisional',
  'signature',
  'timestamp',
  'nonce',
  'token-expired',
  'token-unknown',
  'permission-unknown',
  'user-denied',
  'not-authorized-through-balancer',
  'malformed-request',
  'tls',
  'unreachable',
  'timeout',
  'gateway',
  'friendship',
  'unauthorized',
  /** The user must log in / authorize (Jazz CRJZS0360I): not a consumer-key problem. */
  'user-login-required',
] as const;
export type ErrorSignal = (typeof ERROR_SIGNALS)[number];

/** What a pasted error text says. Only a redacted excerpt of the text is kept. */
export interface ParsedErrorText {
  /** Redacted (secrets, signatures, tokens, passwords, cookies), at most 2000 characters. */
  excerpt: string;
  httpStatus: number | null;
  /** OAuth Problem Reporting values found, normalised (`timestamp_refused`). */
  oauthProblems: string[];
  /** ClearQuest/Jazz texts found (`invalid_expired_token`, `token_not_authorized`). */
  productTexts: string[];
  signals: ErrorSignal[];
  /** The causes the text points at, most telling first. */
  likelyCauses: CauseCode[];
  /** The user chose Deny (`oauth_error=oauth_denied`): a choice, not a server failure. */
  userDenied: boolean;
  /** The text speaks of a friendship, a provisional key or a project relationship. */
  mentionsFriendship: boolean;
  /** Node ids whose host:port or id the text names (filled in by the diagnosis, which knows them). */
  mentionedNodes: string[];
  /** What each recognised piece means, in plain words. */
  explanation: string[];
}

export interface DiagnoseArg {
  cluster: string;
  consumerKey: string;
  /** The consumer's secret; when absent, the one stored in the keychain for a tracked key, if any. */
  secret?: string;
  /** A pasted error from the consumer's log or browser. */
  errorText?: string;
}

export interface Diagnosis {
  cluster: string;
  key: string;
  checkedAt: string;
  durationMs: number;
  /** False when no secret was known: key presence was checked, the secret was not. */
  secretChecked: boolean;
  /** Most severe first. `HEALTHY` alone when every node accepts the key. */
  causes: Cause[];
  nodes: DiagnosedNode[];
  balancer: BalancerDiagnosis | null;
  errorText: ParsedErrorText | null;
  /** What could not be checked and why, and what more input would add. */
  notices: string[];
}

export type DiagnoseEvent = { type: 'node'; node: DiagnosedNode } | { type: 'balancer'; balancer: BalancerDiagnosis };

/** Where the flow tester sends its legs: one node directly, or the balancer as a consumer would. */
export type FlowTarget = { node: string } | 'balancer';

export interface FlowArg {
  cluster: string;
  consumerKey: string;
  /** When absent, the secret stored in the keychain for this tracked key. */
  secret?: string;
  target: FlowTarget;
  /** How long to wait for the callback; default: until the request token expires (10 minutes). */
  timeoutMs?: number;
}

export type FlowStepName = 'discovery' | 'request-token' | 'authorize' | 'access-token' | 'resource';

/** One step of the dance. Leg 0 is discovery, legs 1–3 the OAuth 1.0a legs, 4 the protected resource. */
export interface FlowStep {
  leg: 0 | 1 | 2 | 3 | 4;
  name: FlowStepName;
  /** Redacted (no token in it). */
  url: string;
  /**
   * The cluster's node that answered: straight to a node, that node; through the balancer, the node
   * whose own answer carried the clone id of this answer's session cookie, or `clone id "X" (no node of
   * this cluster answered with it)`. Null when the answer does not tell.
   */
  answeredBy: string | null;
  status: number | null;
  ok: boolean;
  latencyMs: number | null;
  startedAt: string;
  problem: string | null;
  message: string;
  exchange: Exchange | null;
  error: ErrorInfo | null;
}

export type FlowOutcome = 'completed' | 'denied' | 'failed' | 'expired' | 'timeout' | 'cancelled';

export type FlowEvent =
  | { type: 'step'; step: FlowStep }
  /**
   * Open this URL for the user (node-pinned window, browser tab, or printed). `pinnedUrl` is the same
   * page on the node that issued the request token, for when the balancer sends the browser elsewhere.
   */
  | { type: 'authorize'; url: string; pinnedUrl: string | null; expiresAt: string; issuedBy: string | null }
  | { type: 'waiting'; secondsLeft: number; expiresAt: string }
  | { type: 'callback'; decision: 'allowed' | 'denied' };

export interface FlowResult {
  cluster: string;
  key: string;
  target: FlowTarget;
  outcome: FlowOutcome;
  /** One paragraph in plain words: what happened, which leg, which node. */
  message: string;
  /** The leg that failed (see {@link FlowStep.leg}); null when none did. */
  failedLeg: number | null;
  /** The node that issued the request token. */
  issuedBy: string | null;
  /** When the request token expires (ISO time); null before leg 1 succeeded. */
  expiresAt: string | null;
  steps: FlowStep[];
  causes: Cause[];
  resource: { url: string; status: number; answeredBy: string | null; contentType: string | null } | null;
  startedAt: string;
  finishedAt: string;
  notices: string[];
}

export interface ReportArg {
  cluster: string;
  /** A directory; created when missing. Existing report files in it are never overwritten. */
  outDir: string;
  /** A pasted error to include (redacted) and to diagnose against. */
  errorText?: string;
  /**
   * Replace host names, addresses, users, repository/database, consumer and node names by
   * placeholders; the mapping is written beside the report as `report-mapping.json`, never inside.
   */
  anonymize?: boolean;
}

export type ReportEvent = { type: 'status' } | { type: 'diagnosing'; key: string } | { type: 'written'; path: string };

export interface ReportResult {
  cluster: string;
  dir: string;
  /** Absolute paths of `report.md` and `report.json`. */
  files: string[];
  consumers: number;
  generatedAt: string;
}
