/**
 * Repair operations (issue "Fixing a cluster"): approve a provisional key on the node that holds it,
 * register a consumer, log in to every node (sync), and read the audit log.
 */
import type { ErrorInfo } from './errors.ts';
import type { BalancerStatus, Drift, ProbeResult } from './model.ts';

/**
 * What the admin must do by hand where the product has no API (ClearQuest, Jazz): which node, the
 * node-pinned admin URL to open, and what to click. The caller re-probes when the admin is done.
 */
export interface Handoff {
  action: 'approve' | 'register';
  node: string;
  /** The admin page on that node itself, not through the balancer. */
  adminUrl: string;
  steps: string[];
  /** For register: the fields to type, without the secret. */
  fields?: { name: string; key: string | null; trusted: boolean };
  /** Where the steps come from (technote or product documentation). */
  source: string;
}

export interface ApproveResult {
  key: string;
  node: string;
  /** True when a probe straight to that node answered `approved` after the change. */
  verified: boolean;
  probe: ProbeResult | null;
  /** Set instead of an approval where the kind has no approval API. */
  handoff: Handoff | null;
  /** Nodes that still do not have the key loaded: run sync. */
  missingOn: string[];
  /** True when no node held the key provisionally because it is approved already (nothing changed). */
  alreadyApproved: boolean;
  /** Nodes that could not be asked (down, hanging, refused, answering nonsense), each with its coded error. */
  unreachable: NodeFailure[];
  /** Set when the approval was done but its audit line could not be written; exit 1. */
  auditError?: ErrorInfo;
  /**
   * Why the approval could not be verified by a signed probe (no secret known for the key, or the
   * keychain could not be read): approving needs only the admin login, so this limits what is proved.
   */
  unverifiedReason?: string;
}

/** A node an operation could not check, by the cluster's own node id, with the coded error. */
export interface NodeFailure {
  node: string;
  code: ErrorInfo['code'];
  message: string;
}

export interface RegisterInput {
  cluster: string;
  name: string;
  /** Chosen by the provider when absent (Lyo/sandbox answer a new key). */
  key?: string;
  secret: string;
  trusted?: boolean;
  /** Default: the first reachable node. */
  node?: string;
}

export interface RegisterResult {
  key: string;
  node: string;
  approved: boolean;
  verified: boolean;
  handoff: Handoff | null;
  /** The other nodes that need a registry refresh (offer sync). */
  missingOn: string[];
  /** Nodes that could not be asked, each with its coded error. */
  unreachable: NodeFailure[];
  /** Set when the registration was done but its audit line could not be written; exit 1. */
  auditError?: ErrorInfo;
}

export type SyncEvent =
  | { type: 'started'; node: string; attempt: number }
  | { type: 'refreshed'; node: string; attempts: number; latencyMs: number }
  | { type: 'failed'; node: string; attempt: number; error: ErrorInfo; willRetry: boolean }
  | { type: 'verifying' };

export interface SyncNodeResult {
  id: string;
  refreshed: boolean;
  attempts: number;
  error: ErrorInfo | null;
}

export interface SyncResult {
  cluster: string;
  nodes: SyncNodeResult[];
  verified: { consistent: boolean; drift: Drift[] };
  notices: string[];
  /** Set when the work was done but its audit line could not be written (also in notices); exit 1. */
  auditError?: ErrorInfo;
  /** Set when the sync was interrupted (Ctrl+C, a cancelled call): `nodes` says what was done; exit 130. */
  interrupted?: boolean;
  /** The balancer, asked beside the nodes (absent where it was not asked). */
  balancer?: BalancerStatus;
}

export const AUDIT_ACTIONS = [
  'approve',
  'register',
  'delete',
  'sync',
  'trust-certificate',
  'credentials-stored',
  'credentials-forgotten',
  /** An automatic sync by the watch's heal, in the CLI or the console (the sync writes its own `sync` line beside it). */
  'heal',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One line of the audit log. Never a secret. */
export interface AuditEntry {
  time: string;
  /** The OS user who ran the tool. */
  user: string;
  cluster: string;
  node: string | null;
  action: AuditAction;
  key: string | null;
  outcome: 'ok' | 'failed' | 'handoff';
  detail?: string;
}

export interface RepairContract {
  /** Approves a provisional key on the node whose memory holds it (found by list API or probing). */
  approve: { arg: { cluster: string; key: string; node?: string }; result: ApproveResult; progress: never };
  /** Registers a consumer on one node and approves it; the other nodes then need a sync. */
  register: { arg: RegisterInput; result: RegisterResult; progress: never };
  /** Removes a consumer from the repository through one node. */
  deleteConsumer: {
    arg: { cluster: string; key: string; node?: string };
    /**
     * `auditError`: the consumer was deleted but its audit line could not be written (exit 1).
     * `untracked`: the key was tracked and no longer is (its secret left the keychain too).
     */
    result: { key: string; node: string; untracked?: boolean; auditError?: ErrorInfo };
    progress: never;
  };
  /** Logs in to every node (refreshes each registry), retries failures, then verifies every key on every node. */
  sync: { arg: { cluster: string }; result: SyncResult; progress: SyncEvent };
  /** Trusts a presented certificate by its SHA-256 fingerprint (pinned in the cluster definition). */
  trustCertificate: {
    arg: { cluster: string; fingerprint256: string; node?: string };
    result: { cluster: string; pinned: string[] };
    progress: never;
  };
  /** The cluster's audit lines, oldest first. */
  audit: { arg: { cluster: string }; result: { entries: AuditEntry[]; skipped: number }; progress: never };
}

export const REPAIR_OPERATIONS = [
  'approve',
  'register',
  'deleteConsumer',
  'sync',
  'trustCertificate',
  'audit',
] as const;
