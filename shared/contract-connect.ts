/**
 * Connecting a real cluster the way its admin knows it (issue 24): from one URL (the technote's
 * discovery URL, a JTS rootservices, a Lyo base URL, a node's admin page) and a list of nodes as
 * host, host:port or URLs, worked out into a complete cluster definition; and a connection test of
 * every node, before or after saving, whose every failure names its fix.
 */
import type { ClusterInput } from './schema.ts';
import type { ClusterKind, TlsInfo } from './model.ts';
import type { ErrorInfo } from './errors.ts';

/** What the admin typed: one URL, the nodes, and what the URL cannot say. */
export interface FromUrlInput {
  name: string;
  /** The one URL: discovery, rootservices, a Lyo base URL or a node's admin page. */
  from: string;
  /** `host`, `host:port`, `[v6]:port` or a full URL; they take the balancer's scheme, port and context root unless they say otherwise. */
  nodes: string[];
  /** The balancer, when `from` is not on it (a node's admin page); default: the URL's origin and context root. */
  balancerUrl?: string;
  /** ClearQuest, when neither the URL nor the server says (several repositories or databases). */
  repo?: string;
  db?: string;
  /** PEM CA bundle of the cluster (beside the OS trust store). */
  caPem?: string | null;
}

/** The definition worked out from the URL, not saved, with every normalisation said in words. */
export interface FromUrlResult {
  /** A complete definition, ready for addCluster (or checkCluster's `input`). */
  input: ClusterInput;
  kind: ClusterKind;
  /** `/cqweb`, `/jts`, `` (none)… */
  contextRoot: string;
  /** The OAuth URLs read from the balancer, or null when they could not be read (the reason is in `notes`). */
  oauth: { requestToken: string; authorize: string; accessToken: string; source: string } | null;
  /** One sentence per thing worked out or changed: "kind clearquest: the path has /cqweb", "node lbcq_1 → https://lbcq_1:9443/cqweb". */
  notes: string[];
}

export type CheckVerdict = 'pass' | 'warn' | 'fail' | 'skip';

/** A fix the console can apply to the form (and the CLI prints as an option to type). */
export type ConnectFix =
  | { kind: 'context-root'; node: string; url: string }
  | { kind: 'scheme'; node: string; url: string }
  | { kind: 'trust'; node: string; fingerprint256: string };

/** One test of one node (or the balancer): what it found and, when it failed, what fixes it. */
export interface CheckItem {
  /** `reachable`, `tls`, `product`, `discovery`, `login`, `clock`. */
  check: 'reachable' | 'tls' | 'product' | 'discovery' | 'login' | 'clock';
  verdict: CheckVerdict;
  /** What was found, one sentence. */
  text: string;
  /** What to do about it, one sentence; absent when it passed. */
  fix?: string;
  /** A machine-appliable fix, where there is one. */
  apply?: ConnectFix;
}

export interface NodeCheck {
  /** Node id, or `balancer`. */
  node: string;
  url: string;
  items: CheckItem[];
  tls: TlsInfo | null;
  /** What the node says it is, where it says so (product and version), for comparing nodes. */
  product: string | null;
}

export interface ClusterCheck {
  cluster: string;
  /** True when nothing failed (warnings allowed). */
  ok: boolean;
  nodes: NodeCheck[];
  /** One line per failure, naming the node and what failed: what "Save anyway" names. */
  failures: string[];
}

export interface ConnectContract {
  /** Works out a cluster from one URL and its nodes; probes the server, saves nothing. */
  resolveClusterUrl: { arg: FromUrlInput; result: FromUrlResult; progress: never };
  /**
   * Tests every node: reachable, TLS chain and its trust source, same product and version, discovery,
   * admin login (when a password is given or stored), clock skew. A saved cluster by name, or a
   * definition not saved yet (the Add cluster form's "Test connection"); the password is only used.
   */
  checkCluster: {
    arg: { cluster?: string; input?: ClusterInput; user?: string; password?: string };
    result: ClusterCheck;
    progress: { type: 'node'; node: NodeCheck };
  };
}

export const CONNECT_OPERATIONS = ['resolveClusterUrl', 'checkCluster'] as const;

/** The error a failed resolution carries, as the form shows it beside the field it names. */
export type FromUrlError = ErrorInfo & { details?: { field?: string } };
