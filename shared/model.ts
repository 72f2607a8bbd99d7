/** The domain model shared by the engine, the front doors and the renderer. Pure data, no secrets. */
import type { ErrorInfo } from './errors.ts';

/**
 * The longest secret (admin password, consumer secret) any door takes, in characters. Here, not in
 * schema.ts, so that the CLI's start-up path can read it without loading the validator.
 */
export const MAX_SECRET_CHARS = 4096;

export const CLUSTER_KINDS = ['sandbox', 'clearquest', 'jazz', 'lyo'] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];

export interface NodeDefinition {
  /** Stable short id, e.g. `node1` or `lbcq_2`; used in every result that is about this node. */
  id: string;
  label: string;
  /** The node's own base URL, bypassing the balancer, e.g. `https://lbcq_3:12443/cqweb`. */
  url: string;
}

export interface TrackedConsumer {
  key: string;
  name: string;
  /** True when a secret for this key is stored in the keychain (the secret itself never is here). */
  hasSecret: boolean;
}

export interface Timeouts {
  /** TCP + TLS connect, per request. */
  connectMs: number;
  /** Whole request, headers and body, per request. */
  totalMs: number;
}

export interface ClusterDefinition {
  name: string;
  kind: ClusterKind;
  balancerUrl: string;
  nodes: NodeDefinition[];
  /** ClearQuest schema repository (`cqschema`), for `clearquest` and `sandbox`. */
  repo: string | null;
  /** ClearQuest user database (`SAMPL`), for `clearquest` and `sandbox`. */
  db: string | null;
  /** PEM CA bundle trusted for this cluster, beside the OS trust store (electron/core/http/system-trust.ts). */
  caPem: string | null;
  /** SHA-256 fingerprints (upper-case hex with colons) of certificates trusted explicitly. */
  pinnedFingerprints: string[];
  timeouts: Timeouts;
  maxResponseBytes: number;
  /** The admin user name; the password is in the OS keychain. */
  adminUser: string | null;
  consumers: TrackedConsumer[];
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, totalMs: 15_000 };
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A consumer key's state on one node, as a signed request-token call straight to that node tells it.
 * `no-secret`: no secret is known for the key, so only a list API could tell.
 */
export const CONSUMER_STATES = [
  'approved',
  'provisional',
  'unknown',
  'bad-secret',
  'clock-skew',
  'down',
  'tls-untrusted',
  'no-secret',
  'error',
] as const;
export type ConsumerState = (typeof CONSUMER_STATES)[number];

export interface TlsInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256, upper-case hex with colons, as shown by browsers. */
  fingerprint256: string;
  /** Whether the chain verified against the cluster's CA (false + pinned = trusted by pin). */
  authorized: boolean;
  /**
   * Which of the three trust sources let it through: the OS trust store, the cluster's own CA
   * bundle, or a pinned fingerprint; absent when it was refused (or for an older record).
   */
  trustedBy?: TrustSource;
  /** With `trustedBy: 'system'`: which store that was ("the system CA bundle /etc/ssl/certs/…"). */
  trustStore?: string;
}

/** Who trusted a node's certificate. */
export type TrustSource = 'system' | 'cluster-ca' | 'pin';

/** A certificate's trust source in words, for the CLI and the console alike. */
export function trustSourceWords(tls: Pick<TlsInfo, 'trustedBy' | 'trustStore'>): string | null {
  switch (tls.trustedBy) {
    case 'system':
      return `trusted by the OS trust store${tls.trustStore ? ` (${tls.trustStore})` : ''}`;
    case 'cluster-ca':
      return "trusted by the cluster's CA bundle";
    case 'pin':
      return 'trusted by its pinned SHA-256 fingerprint';
    default:
      return null;
  }
}

/** One request/response of evidence, with secrets, signatures and tokens redacted. */
export interface Exchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  latencyMs: number;
  /** Which node answered, read from the session cookie's clone id, when it says so. */
  answeredBy: string | null;
}

export interface ProbeResult {
  node: string;
  key: string;
  state: ConsumerState;
  /** `oauth_problem` or the ClearQuest/Jazz text that decided the state. */
  problem: string | null;
  latencyMs: number | null;
  clockSkewSeconds: number | null;
  evidence: Exchange | null;
  error: ErrorInfo | null;
  /**
   * What decided the state, where the request-token answer alone cannot: on a provider whose
   * request-token call accepts provisional keys (Eclipse Lyo), a 200 shows only that the key exists;
   * the node's consumer list then decides (`consumer-list`), or nothing could (`request-token-only`,
   * the problem says so). Absent where the request-token answer is conclusive.
   */
  decidedBy?: 'consumer-list' | 'request-token-only';
}

export interface NodeStatus {
  id: string;
  url: string;
  up: boolean;
  latencyMs: number | null;
  /** Node clock minus ours, from its `Date` header (1 s resolution). */
  clockSkewSeconds: number | null;
  tls: TlsInfo | null;
  consumers: { key: string; state: ConsumerState; problem: string | null }[];
  /** This node's own provisional keys, where the kind has a list API; else null. */
  provisional: string[] | null;
  approved: string[] | null;
  error: ErrorInfo | null;
  /**
   * Where this node's OAuth URLs were read (see {@link DISCOVERY_SOURCES}), where the kind says so;
   * absent when the node could not be discovered or its kind has one way only.
   */
  discoverySource?: DiscoverySource;
}

/**
 * Where a node's OAuth URLs came from, in the order ClearQuest discovery tries them (issue 11):
 * `discovery`: the discovery document's `jfs:oauth*Url`; `catalog-oauthConfiguration`: an
 * `oslc:oauthConfiguration` in the discovery document (an OSLC catalog) or the catalog it points to;
 * `fixed-paths`: the product's documented paths, advertised by nothing the node served.
 */
export const DISCOVERY_SOURCES = ['discovery', 'catalog-oauthConfiguration', 'fixed-paths'] as const;
export type DiscoverySource = (typeof DISCOVERY_SOURCES)[number];

/** A discovery source in words, for the CLI and the console (one source for both). */
export function discoverySourceWords(source: DiscoverySource): string {
  switch (source) {
    case 'discovery':
      return "read from the discovery document's jfs:oauth*Url";
    case 'catalog-oauthConfiguration':
      return "read from the catalog's oslc:oauthConfiguration (the discovery document has no jfs:oauth*Url)";
    case 'fixed-paths':
      return "the product's documented fixed paths (nothing the node served advertised them)";
  }
}

export interface Drift {
  key: string;
  missingOn: string[];
  message: string;
}

export interface ClusterStatus {
  cluster: string;
  kind: ClusterKind;
  checkedAt: string;
  nodes: NodeStatus[];
  drift: Drift[];
  /** What could not be looked at and why (e.g. no admin login stored, so no list API). */
  notices: string[];
  /** The balancer itself, asked once beside the nodes (absent where it was not asked). */
  balancer?: BalancerStatus;
}

/** Whether the balancer answered the provider's discovery, and which of the cluster's nodes served it. */
export interface BalancerStatus {
  url: string;
  up: boolean;
  latencyMs: number | null;
  /**
   * The cluster's node that served the answer: the node whose own answer carried the same clone id
   * (JSESSIONID …:cloneId). Null when no node's own answer did: never guessed from the clone id's name.
   */
  answeredBy: string | null;
  /** The clone id the balancer's answer carried, as sent (null: none). */
  cloneId: string | null;
  error: ErrorInfo | null;
}

export interface ClusterSummary {
  name: string;
  kind: ClusterKind;
  balancerUrl: string;
  nodeCount: number;
  consumerCount: number;
  /** The admin user whose password is stored in the OS keychain, or null. */
  adminUser: string | null;
  /** True when this process runs the cluster as its embedded sandbox (the console shows its controls). */
  embeddedSandbox: boolean;
  /**
   * True when the admin login is held in this process's memory, not the OS keychain (only the embedded
   * sandbox's throwaway login, where no keychain is available); absent or false: the OS keychain.
   */
  secretsInMemory?: boolean;
}
