/** What the repair operations need from the engine (the facade provides it). */
import type { ClusterDefinition, ClusterStatus, NodeDefinition, NodeStatus } from '../../../shared/model.ts';
import type { AuditLog } from '../audit.ts';
import type { HttpClient } from '../http/client.ts';
import type { AdminCredentials } from '../providers/types.ts';
import type { CallOptions, ResultOf } from '../../../shared/contract.ts';

export interface RepairDeps {
  getCluster(name: unknown): Promise<ClusterDefinition>;
  httpFor(cluster: ClusterDefinition): HttpClient;
  adminCredentials(cluster: ClusterDefinition): Promise<AdminCredentials | null>;
  consumerSecret(cluster: ClusterDefinition, key: string): Promise<string | null>;
  trackConsumer(arg: { cluster: string; key: string; name?: string; secret?: string }): Promise<ClusterDefinition>;
  status(arg: { cluster: string }, opts?: CallOptions<'status'>): Promise<ResultOf<'status'>>;
  /**
   * The same status, node by node, for a caller that checks each node as soon as it is ready; with
   * `listDecides`, a node's own key list decides which keys it holds where the kind has one (sync).
   */
  statusRun(cluster: ClusterDefinition, opts?: { listDecides?: boolean }): Promise<StatusRun>;
  auditLog: AuditLog;
}

/** One status, taken node by node: `finish` with every node's result gives what `status` would. */
export interface StatusRun {
  /** Starts what `node` will need (discovery, an admin session) in the background. */
  prepare(node: NodeDefinition): void;
  node(node: NodeDefinition): Promise<NodeStatus>;
  finish(nodes: NodeStatus[]): ClusterStatus;
}
