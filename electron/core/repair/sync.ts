/**
 * One click: log in to every node. Each node's registry is refreshed straight on the node, all in
 * parallel with a bounded pool; failures are retried with backoff (at most twice); one dead or
 * hanging node never blocks the rest. Then every node is verified as soon as its own registry is
 * reloaded: where the kind lists a node's keys, by that list (one request a node, its admin session
 * started beside the refresh, or kept from the process before: admin-sessions.ts), else by probing
 * each tracked key; so the whole sync costs about two round trips however many nodes there are.
 */
import type { SyncEvent, SyncNodeResult, SyncResult } from '../../../shared/contract-repair.ts';
import { AppError, ErrorCode, isAppError, toErrorInfo } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus, NodeDefinition, NodeStatus } from '../../../shared/model.ts';
import { mapPool } from '../pool.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials } from '../providers/types.ts';
import { NODE_CONCURRENCY } from '../status.ts';
import { requireAdmin } from './approve.ts';
import type { RepairDeps, StatusRun } from './deps.ts';
import { auditFailure } from '../audit.ts';

/** Probe answers that tell whether a key is loaded on a node (bad-secret: loaded, the secret is wrong). */
const LOADED_OR_MISSING = new Set<string>(['approved', 'bad-secret', 'unknown']);

export const SYNC_MAX_ATTEMPTS = 3;
export const SYNC_BACKOFF_MS = 250;
/** Why a node that is not up could not be verified, by its coded error ("unreachable" only when it is that). */
function whyNotVerified(n: NodeStatus): string {
  if (!n.error) return `${n.id} (not answering)`;
  const words: Record<string, string> = {
    [ErrorCode.NODE_UNREACHABLE]: 'unreachable',
    [ErrorCode.NODE_TIMEOUT]: 'no answer in time',
    [ErrorCode.LOGIN_PAGE]: 'it answered with a login page where data was expected',
    [ErrorCode.TLS_UNTRUSTED]: 'its certificate is not trusted',
    [ErrorCode.RESPONSE_TOO_LARGE]: 'its answer was larger than the limit',
    [ErrorCode.AUTH_FAILED]: 'the admin login was refused',
  };
  return `${n.id} (${n.error.code}: ${words[n.error.code] ?? 'see status'})`;
}

/** Retrying cannot fix these: the answer would be the same. */
const NOT_RETRIED = new Set<string>([
  // The same node sends the same oversized answer again; the cap is the cluster's maxResponseBytes.
  ErrorCode.RESPONSE_TOO_LARGE,
  ErrorCode.AUTH_FAILED,
  ErrorCode.LOGIN_PAGE,
  ErrorCode.BAD_INPUT,
  ErrorCode.TLS_UNTRUSTED,
  ErrorCode.NOT_SUPPORTED,
]);

async function refreshNode(
  deps: RepairDeps,
  def: ClusterDefinition,
  node: NodeDefinition,
  admin: AdminCredentials,
  emit: (e: SyncEvent) => void,
  onReloaded: (attempt: number) => void,
  signal: AbortSignal | undefined,
): Promise<SyncNodeResult> {
  const refresh = adapterFor(def.kind).refresh!;
  for (let attempt = 1; ; attempt++) {
    emit({ type: 'started', node: node.id, attempt });
    const t0 = Date.now();
    try {
      await refresh({ cluster: def, node, http: deps.httpFor(def) }, admin, () => onReloaded(attempt));
      emit({ type: 'refreshed', node: node.id, attempts: attempt, latencyMs: Date.now() - t0 });
      return { id: node.id, refreshed: true, attempts: attempt, error: null };
    } catch (e) {
      // Interrupted: the failure is the closing client's, and nothing is tried again.
      if (signal?.aborted) return interruptedNode(node, 'while it was being refreshed', attempt);
      const error = toErrorInfo(e);
      const willRetry = attempt < SYNC_MAX_ATTEMPTS && !(isAppError(e) && NOT_RETRIED.has(e.code));
      emit({ type: 'failed', node: node.id, attempt, error, willRetry });
      if (!willRetry) return { id: node.id, refreshed: false, attempts: attempt, error };
      await new Promise((r) => setTimeout(r, SYNC_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Refreshes one node and checks it. The check started when the last attempt's reload was answered
 * stands when that attempt succeeded; otherwise (a failed node, a clean-up that failed) it is made
 * again after the final outcome, as if the check had waited for every attempt.
 */
async function refreshAndCheck(
  deps: RepairDeps,
  def: ClusterDefinition,
  node: NodeDefinition,
  admin: AdminCredentials,
  emit: (e: SyncEvent) => void,
  run: StatusRun,
  superseded: Promise<unknown>[],
  signal: AbortSignal | undefined,
): Promise<{ refreshed: SyncNodeResult; check: Promise<NodeStatus> }> {
  run.prepare(node);
  let early: { attempt: number; check: Promise<NodeStatus> } | null = null;
  const refreshed = await refreshNode(
    deps,
    def,
    node,
    admin,
    emit,
    (attempt) => {
      if (early) superseded.push(early.check);
      early = { attempt, check: run.node(node) };
    },
    signal,
  );
  const started = early as { attempt: number; check: Promise<NodeStatus> } | null;
  if (started && refreshed.refreshed && started.attempt === refreshed.attempts) {
    return { refreshed, check: started.check };
  }
  if (started) superseded.push(started.check);
  // Interrupted: no new check is started (the sync returns without waiting for one).
  if (signal?.aborted) return { refreshed, check: new Promise<NodeStatus>(() => undefined) };
  return { refreshed, check: run.node(node) };
}

/** A status run usable before it is ready: each node's preparation and check start once it is. */
function whenReady(running: Promise<StatusRun>): StatusRun {
  return {
    prepare: (node) =>
      void running.then(
        (r) => r.prepare(node),
        () => undefined,
      ),
    node: (node) => running.then((r) => r.node(node)),
    finish: () => {
      throw new Error('finish the status run itself, once it is ready');
    },
  };
}

const INTERRUPTED = Symbol('interrupted');

/** A promise that settles with INTERRUPTED when `signal` aborts (never, without one); dispose() drops the listener. */
function untilAborted(signal: AbortSignal | undefined): {
  promise: Promise<typeof INTERRUPTED>;
  dispose: () => void;
} {
  if (!signal) return { promise: new Promise(() => undefined), dispose: () => undefined };
  let onAbort = () => undefined as void;
  const promise = new Promise<typeof INTERRUPTED>((resolve) => {
    onAbort = () => resolve(INTERRUPTED);
    if (signal.aborted) resolve(INTERRUPTED);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

function interruptedNode(node: NodeDefinition, when: string, attempts = 1): SyncNodeResult {
  return {
    id: node.id,
    refreshed: false,
    attempts,
    error: {
      code: ErrorCode.INTERRUPTED,
      message: `${node.id}: the sync was interrupted ${when}; whether its registry reloaded is not known`,
      node: node.id,
    },
  };
}

function notStarted(node: NodeDefinition): SyncNodeResult {
  return {
    id: node.id,
    refreshed: false,
    attempts: 0,
    error: {
      code: ErrorCode.INTERRUPTED,
      message: `${node.id}: not refreshed, the sync was interrupted first`,
      node: node.id,
    },
  };
}

/**
 * The result of an interrupted sync, and its audit line: which nodes were refreshed, which were
 * being refreshed, which were never started. Written before returning, so Ctrl+C leaves a trace.
 */
async function interruptedResult(
  deps: RepairDeps,
  def: ClusterDefinition,
  nodes: SyncNodeResult[],
  duringVerification: boolean,
): Promise<SyncResult> {
  const ids = (f: (n: SyncNodeResult) => boolean) => nodes.filter(f).map((n) => n.id);
  const refreshed = ids((n) => n.refreshed);
  const inFlight = ids((n) => !n.refreshed && n.error?.code === ErrorCode.INTERRUPTED && n.attempts > 0);
  const notStartedIds = ids((n) => !n.refreshed && n.attempts === 0);
  const failed = nodes.filter((n) => !n.refreshed && n.error?.code !== ErrorCode.INTERRUPTED);
  const detail = [
    `interrupted${duringVerification ? ' during the verification' : ''}`,
    `refreshed: ${refreshed.join(',') || 'none'}`,
    ...(failed.length ? [`failed: ${failed.map((n) => `${n.id} (${n.error?.code})`).join(',')}`] : []),
    ...(inFlight.length ? [`interrupted: ${inFlight.join(',')}`] : []),
    ...(notStartedIds.length ? [`not started: ${notStartedIds.join(',')}`] : []),
  ].join('; ');
  const notices = [
    `Interrupted: refreshed on ${refreshed.join(', ') || 'no node'}${inFlight.length ? `; interrupted on ${inFlight.join(', ')}` : ''}${notStartedIds.length ? `; not started on ${notStartedIds.join(', ')}` : ''}${duringVerification ? '; the verification did not finish' : ''}. Run sync again to finish.`,
  ];
  const auditError = await auditSync(
    deps,
    { cluster: def.name, node: null, action: 'sync', key: null, outcome: 'failed', detail },
    notices,
  );
  return {
    cluster: def.name,
    nodes,
    verified: { consistent: false, drift: [] },
    notices,
    interrupted: true,
    ...(auditError ? { auditError } : {}),
  };
}

export async function sync(
  deps: RepairDeps,
  arg: { cluster: string },
  onProgress?: (e: SyncEvent) => void,
  signal?: AbortSignal,
): Promise<SyncResult> {
  const def = await deps.getCluster(arg?.cluster);
  const adapter = adapterFor(def.kind);
  // After Ctrl+C the result says what happened to each node: no more progress lines.
  const emit = (e: SyncEvent) => {
    if (!signal?.aborted) onProgress?.(e);
  };
  const notices: string[] = [];
  let nodes: SyncNodeResult[];
  let status: ClusterStatus;
  if (!adapter.refresh) {
    const error = new AppError(
      ErrorCode.NOT_SUPPORTED,
      adapter.refreshUnsupported ?? `${def.kind} cannot refresh a node's registry`,
    ).toJSON();
    nodes = def.nodes.map((n) => ({ id: n.id, refreshed: false, attempts: 0, error }));
    notices.push(error.message);
    emit({ type: 'verifying' });
    status = await deps.status({ cluster: def.name });
  } else {
    const done = await refreshEveryNode(deps, def, emit, signal);
    if ('interrupted' in done) return done.interrupted;
    ({ nodes, status } = done);
  }
  const { down, unverified } = verificationNotices(status, notices);
  notices.push(...status.notices);
  const consistent = status.drift.length === 0 && down.length === 0 && unverified.length === 0;
  const failed = nodes.filter((n) => !n.refreshed);
  // The nodes were refreshed whatever happens to the audit line: a failure to write it is reported
  // beside the result (auditError and a notice), never thrown over the work already done.
  const auditError = await auditSync(
    deps,
    {
      cluster: def.name,
      node: null,
      action: 'sync',
      key: null,
      outcome: failed.length === 0 && consistent ? 'ok' : 'failed',
      detail: [
        `refreshed: ${
          nodes
            .filter((n) => n.refreshed)
            .map((n) => n.id)
            .join(',') || 'none'
        }`,
        ...(failed.length ? [`failed: ${failed.map((n) => `${n.id} (${n.error?.code})`).join(',')}`] : []),
        consistent
          ? 'all nodes consistent'
          : `drift: ${status.drift.map((d) => `${d.key} missing on ${d.missingOn.join(',')}`).join('; ') || 'unverified nodes'}`,
      ].join('; '),
    },
    notices,
  );
  return {
    cluster: def.name,
    nodes,
    verified: { consistent, drift: status.drift },
    notices,
    ...(auditError ? { auditError } : {}),
  };
}

/**
 * Refreshes every node and checks each as soon as it is refreshed; the checks make the status.
 * Interrupted (Ctrl+C, Cancel): the result that says what happened to each node.
 */
async function refreshEveryNode(
  deps: RepairDeps,
  def: ClusterDefinition,
  emit: (e: SyncEvent) => void,
  signal: AbortSignal | undefined,
): Promise<{ nodes: SyncNodeResult[]; status: ClusterStatus } | { interrupted: SyncResult }> {
  // The refresh needs only the admin login: the status run (the consumer secrets) is read beside it.
  // The verification asks each node's own key list where the kind has one (status.ts, nodeRegistryStatus).
  // Each node's connection for the refresh opens while the keychain is read (warm-connections.ts).
  // The second, for what follows the refresh at once beside the list (a ClearQuest session's end),
  // opens once the refreshes are out: opened here too, 64 more sockets held the refreshes up (~15 ms
  // of a fresh sync), and the refresh's round trip leaves time enough to open it.
  const urls = def.nodes.map((n) => n.url);
  deps.httpFor(def).preconnect(urls, 1);
  const running = deps.statusRun(def, { listDecides: true });
  running.catch(() => undefined);
  const admin = await requireAdmin(deps, def, 'Logging in to every node');
  const run = whenReady(running);
  const checks: Promise<NodeStatus>[] = [];
  const superseded: Promise<unknown>[] = [];
  const started: boolean[] = [];
  const finished: (SyncNodeResult | undefined)[] = [];
  const stop = untilAborted(signal);
  const pool = mapPool(def.nodes, NODE_CONCURRENCY, async (node, i) => {
    if (signal?.aborted) return notStarted(node);
    started[i] = true;
    const result = await refreshAndCheck(deps, def, node, admin, emit, run, superseded, signal);
    checks[i] = result.check;
    finished[i] = result.refreshed;
    return result.refreshed;
  });
  setImmediate(() => deps.httpFor(def).preconnect(urls, 2)).unref();
  const refreshed = await Promise.race([pool, stop.promise]);
  const verified =
    refreshed === INTERRUPTED
      ? INTERRUPTED
      : (emit({ type: 'verifying' }), await Promise.race([Promise.all(checks), stop.promise]));
  stop.dispose();
  if (refreshed === INTERRUPTED || verified === INTERRUPTED) {
    // What is still in flight ends when the caller closes the engine's HTTP client (or at its timeout).
    for (const p of [pool, ...checks, ...superseded]) void Promise.resolve(p).catch(() => undefined);
    const results = def.nodes.map(
      (n, i) => finished[i] ?? (started[i] ? interruptedNode(n, 'while it was being refreshed') : notStarted(n)),
    );
    return {
      interrupted: await interruptedResult(deps, def, results, verified === INTERRUPTED && refreshed !== INTERRUPTED),
    };
  }
  const status = (await running).finish(verified);
  // Nothing of this sync may still be talking to a node when it returns.
  await Promise.allSettled(superseded);
  return { nodes: refreshed, status };
}

/** What the verification could not confirm, said in notices; the nodes down and the keys unverified. */
function verificationNotices(status: ClusterStatus, notices: string[]): { down: string[]; unverified: string[] } {
  const down = status.nodes.filter((n) => !n.up).map((n) => n.id);
  // Say why each node could not be verified: a login page or a refused certificate is not "unreachable".
  if (down.length)
    notices.push(
      `Not verified on ${status.nodes
        .filter((n) => !n.up)
        .map(whyNotVerified)
        .join(', ')}.`,
    );
  // A probe that could not tell whether the key is loaded (clock skew, an error…) leaves that node unverified.
  const unverified = status.nodes
    .filter((n) => n.up)
    .flatMap((n) =>
      n.consumers
        .filter((c) => !LOADED_OR_MISSING.has(c.state))
        .map((c) => `${c.key} on ${n.id} (${c.state}${c.problem ? `: ${c.problem}` : ''})`),
    );
  if (unverified.length) notices.push(`Could not verify ${unverified.join(', ')}; run diagnose for the cause.`);
  for (const key of new Set(status.nodes.flatMap((n) => n.consumers.map((c) => c.key)))) {
    const up = status.nodes.filter((n) => n.up);
    if (up.length && up.every((n) => n.consumers.find((c) => c.key === key)?.state === 'unknown'))
      notices.push(`${key} is not loaded on any node: register it (it may have been a provisional key that was lost).`);
  }
  return { down, unverified };
}

/**
 * Appends sync's audit line. The nodes were refreshed whatever happens to it: a failure to write it
 * is answered (and said in a notice), never thrown over the work already done.
 */
async function auditSync(
  deps: RepairDeps,
  entry: Parameters<RepairDeps['auditLog']['append']>[0],
  notices: string[],
): Promise<ErrorInfo | undefined> {
  try {
    await deps.auditLog.append(entry);
    return undefined;
  } catch (e) {
    const auditError = auditFailure(deps.auditLog.file, e);
    notices.push(auditError.message);
    return auditError;
  }
}
