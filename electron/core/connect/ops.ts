/**
 * The connect operations as the facade runs them (issue 24): resolveClusterUrl and checkCluster,
 * each on an HTTP client of its own (the cluster's CA bundle and pins, the OS trust store, the
 * engine's proxy resolver) closed when done, so a definition that is not saved leaves nothing behind.
 */
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import { badInput } from '../../../shared/errors.ts';
import type { ClusterDefinition } from '../../../shared/model.ts';
import { clusterFromInput } from '../../../shared/schema.ts';
import { HttpClient } from '../http/client.ts';
import type { ProxyResolver } from '../http/proxy.ts';
import type { AdminCredentials } from '../providers/types.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUTS } from '../../../shared/model.ts';
import { checkConnection } from './check.ts';
import { resolveFromUrl } from './from-url.ts';

/** What the connect operations need of the engine. */
export interface ConnectEngine {
  readonly proxyResolver: ProxyResolver | undefined;
  getCluster(arg: { cluster: string }): Promise<ClusterDefinition>;
  adminCredentials(def: ClusterDefinition): Promise<AdminCredentials | null>;
}

async function withHttp<T>(
  engine: ConnectEngine,
  def: Pick<ClusterDefinition, 'caPem' | 'pinnedFingerprints' | 'timeouts' | 'maxResponseBytes'>,
  fn: (http: HttpClient) => Promise<T>,
): Promise<T> {
  const http = new HttpClient({
    caPem: def.caPem,
    pinnedFingerprints: def.pinnedFingerprints,
    connectTimeoutMs: def.timeouts.connectMs,
    totalTimeoutMs: def.timeouts.totalMs,
    maxResponseBytes: def.maxResponseBytes,
    ...(engine.proxyResolver ? { proxyResolver: engine.proxyResolver } : {}),
  });
  try {
    return await fn(http);
  } finally {
    await http.destroy();
  }
}

export function resolveClusterUrl(
  engine: ConnectEngine,
  arg: ArgOf<'resolveClusterUrl'>,
): Promise<ResultOf<'resolveClusterUrl'>> {
  const caPem = arg && typeof arg === 'object' && typeof arg.caPem === 'string' ? arg.caPem : null;
  const shape = {
    caPem,
    pinnedFingerprints: [],
    timeouts: DEFAULT_TIMEOUTS,
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  };
  return withHttp(engine, shape, (http) => resolveFromUrl(arg, http));
}

export async function checkCluster(
  engine: ConnectEngine,
  arg: ArgOf<'checkCluster'>,
  opts: CallOptions<'checkCluster'> = {},
): Promise<ResultOf<'checkCluster'>> {
  if (arg === null || typeof arg !== 'object') throw badInput('arg', 'must be an object');
  const hasName = typeof arg.cluster === 'string';
  if (hasName === (arg.input !== undefined))
    throw badInput('cluster', 'give either a saved cluster name or a definition (input), one of them');
  const def = hasName ? await engine.getCluster({ cluster: arg.cluster! }) : clusterFromInput(arg.input);
  if ((arg.user === undefined) !== (arg.password === undefined))
    throw badInput('password', 'give the user and the password together');
  let admin: AdminCredentials | null = null;
  if (typeof arg.user === 'string' && typeof arg.password === 'string') {
    if (!arg.user || !arg.password) throw badInput(arg.user ? 'password' : 'user', 'must not be empty');
    admin = { user: arg.user, password: arg.password };
  } else if (hasName) admin = await engine.adminCredentials(def).catch(() => null);
  const onProgress = opts.onProgress;
  return withHttp(engine, def, (http) =>
    checkConnection(
      def,
      { http, admin },
      onProgress ? (node) => onProgress({ type: 'node', node }) : undefined,
      opts.signal,
    ),
  );
}
