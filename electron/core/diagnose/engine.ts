/** What diagnose, flow and report need from the engine; the facade (`Engine`) provides all of it. */
import type { AuditEntry } from '../../../shared/contract-repair.ts';
import type { ClusterDefinition, ClusterStatus } from '../../../shared/model.ts';
import type { HttpClient } from '../http/client.ts';
import type { NodeCache } from '../node-cache.ts';
import type { AdminCredentials } from '../providers/types.ts';
import { fromKeychain } from '../keychain.ts';

export interface DiagnoseEngine {
  getCluster(arg: { cluster: string }): Promise<ClusterDefinition>;
  httpFor(cluster: ClusterDefinition): HttpClient;
  adminCredentials(cluster: ClusterDefinition): Promise<AdminCredentials | null>;
  consumerSecret(cluster: ClusterDefinition, key: string): Promise<string | null>;
  status(arg: { cluster: string }): Promise<ClusterStatus>;
  /** Recent discoveries and admin sessions to reuse, where the engine keeps them. */
  readonly nodeCache?: NodeCache | undefined;
  /** The audit log, where the engine keeps one: evidence of earlier approvals and the last sync. */
  audit?(arg: { cluster: string }): Promise<{ entries: AuditEntry[] }>;
}

/**
 * The secret to sign with: the one given, else the tracked key's from the keychain (a keychain that
 * cannot be read adds a notice), else null.
 */
export async function secretFor(
  engine: DiagnoseEngine,
  def: ClusterDefinition,
  key: string,
  given: string | undefined,
  notices: string[],
): Promise<string | null> {
  if (given !== undefined) return given;
  const tracked = def.consumers.find((c) => c.key === key);
  return tracked?.hasSecret
    ? await fromKeychain('the consumer secret', notices, () => engine.consumerSecret(def, key), null)
    : null;
}
