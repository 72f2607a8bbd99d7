/**
 * The one API contract. Every operation any front door (Electron IPC, browser mode, CLI) can ask of
 * the engine is declared here once: its argument, its result and its progress events. The facade in
 * electron/core implements {@link Api}; IPC channels, the preload bridge and the browser-mode client
 * are derived from {@link OPERATIONS}, so no channel name is typed twice.
 */
import type { ClusterInput } from './schema.ts';
import type { ClusterDefinition, ClusterStatus, ClusterSummary, NodeStatus, ProbeResult } from './model.ts';

import type { RepairContract } from './contract-repair.ts';
import { REPAIR_OPERATIONS } from './contract-repair.ts';
import type { DiagnoseContract } from './contract-diagnose.ts';
import { DIAGNOSE_OPERATIONS } from './contract-diagnose.ts';
import type { ConsoleContract } from './contract-console.ts';
import { CONSOLE_OPERATIONS } from './contract-console.ts';
import type { WatchContract } from './contract-watch.ts';
import { WATCH_OPERATIONS } from './contract-watch.ts';
import type { ConnectContract } from './contract-connect.ts';
import { CONNECT_OPERATIONS } from './contract-connect.ts';

/** Clusters, credentials, consumers and status (issue "The engine"). */
export interface CoreContract {
  /** All clusters, without secrets. Notices report a config file that was moved aside. */
  listClusters: {
    arg: Record<string, never>;
    result: { clusters: ClusterSummary[]; notices: string[] };
    progress: never;
  };
  /** One cluster's definition. */
  getCluster: { arg: { cluster: string }; result: ClusterDefinition; progress: never };
  /** Adds a cluster (validated; name must be new). */
  addCluster: { arg: ClusterInput; result: ClusterDefinition; progress: never };
  /** Removes a cluster and forgets its keychain entries. */
  removeCluster: { arg: { cluster: string }; result: { removed: string; secretsForgotten: number }; progress: never };
  /** The definition as a portable JSON document, never with a secret. */
  exportCluster: { arg: { cluster: string }; result: { json: string }; progress: never };
  /**
   * Adds a cluster from an exported document. No admin login comes with it (the password never left
   * the other machine's keychain), so the imported definition has none. Its pinned certificate
   * fingerprints are not trusted on import: they come back in `pinsToReview` for the admin to trust
   * (trustCertificate) or drop, unless `trustPins` keeps them as they are in the file.
   */
  importCluster: {
    arg: { json: string; rename?: string; trustPins?: boolean };
    result: ClusterDefinition & { pinsToReview: string[] };
    progress: never;
  };
  /**
   * Stores the admin user and password; the password goes to the OS keychain only (an embedded
   * sandbox's throwaway login is held in memory where no keychain is available: `storedIn`).
   */
  storeCredentials: {
    /** `verify`: log in on one node first and store nothing when the login is refused (default false). */
    arg: { cluster: string; user: string; password: string; verify?: boolean };
    /** `verifiedOn`: the node that accepted the login; null when not verified (not asked, or the kind has no way). */
    result: { cluster: string; user: string; storedIn: 'keychain' | 'memory'; verifiedOn?: string | null };
    progress: never;
  };
  /** Removes the stored admin password. */
  forgetCredentials: { arg: { cluster: string }; result: { forgotten: boolean }; progress: never };
  /** Starts tracking a consumer key; its secret, when given, goes to the OS keychain only. */
  trackConsumer: {
    arg: { cluster: string; key: string; name?: string; secret?: string };
    result: ClusterDefinition;
    progress: never;
  };
  /** Stops tracking a consumer key and forgets its secret. */
  untrackConsumer: { arg: { cluster: string; key: string }; result: ClusterDefinition; progress: never };
  /** Probes one consumer on one node, straight to the node. */
  probeNode: {
    arg: { cluster: string; node: string; key: string; secret?: string };
    result: ProbeResult;
    progress: never;
  };
  /** Every node in parallel: reachability, TLS, clock, consumer states, list-API keys, and the drift. */
  status: { arg: { cluster: string }; result: ClusterStatus; progress: { type: 'node'; node: NodeStatus } };
}

/** Every operation: core, repair (approve/register/sync/audit), diagnosis (diagnose/flow/report), console (sandbox, admin page). */
export interface ApiContract
  extends CoreContract, RepairContract, DiagnoseContract, ConsoleContract, WatchContract, ConnectContract {}

export type OperationName = keyof ApiContract;
export type ArgOf<K extends OperationName> = ApiContract[K]['arg'];
export type ResultOf<K extends OperationName> = ApiContract[K]['result'];
export type ProgressOf<K extends OperationName> = ApiContract[K]['progress'];

/** Options every call may take: a progress listener and a cancellation signal. */
export interface CallOptions<K extends OperationName> {
  onProgress?: (event: ProgressOf<K>) => void;
  signal?: AbortSignal;
}

/** What the facade implements and what the renderer's client exposes. */
export type Api = { [K in OperationName]: (arg: ArgOf<K>, opts?: CallOptions<K>) => Promise<ResultOf<K>> };

/** The operation names, as values, for deriving channels and routes. Checked complete by the type below. */
export const OPERATIONS = [
  ...REPAIR_OPERATIONS,
  ...DIAGNOSE_OPERATIONS,
  ...CONSOLE_OPERATIONS,
  ...WATCH_OPERATIONS,
  ...CONNECT_OPERATIONS,
  'listClusters',
  'getCluster',
  'addCluster',
  'removeCluster',
  'exportCluster',
  'importCluster',
  'storeCredentials',
  'forgetCredentials',
  'trackConsumer',
  'untrackConsumer',
  'probeNode',
  'status',
] as const satisfies readonly OperationName[];

/** True for a name of the contract: doors check a channel or route against it before dispatching. */
export function isOperation(name: unknown): name is OperationName {
  return typeof name === 'string' && (OPERATIONS as readonly string[]).includes(name);
}

type Missing = Exclude<OperationName, (typeof OPERATIONS)[number]>;
/** Compile-time check: fails to typecheck when an operation is missing from OPERATIONS. */
export const operationsComplete: [Missing] extends [never] ? true : Missing = true;
