/**
 * The watch loop over one engine: every cluster on its own jittered timer, all in parallel; each
 * check is one `status` (the engine reuses discoveries and admin sessions between checks), compared
 * with the previous one; with `heal`, a cluster whose drift a registry refresh can fix gets one
 * `sync`, with backoff when that did not help. Plain Node: no Electron, no CLI.
 */
import { toErrorInfo } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ResultOf } from '../../../shared/contract.ts';
import type { ClusterDefinition, ClusterStatus } from '../../../shared/model.ts';
import type { SyncResult } from '../../../shared/contract-repair.ts';
import type { AuditLog } from '../audit.ts';
import { adapterFor } from '../providers/index.ts';
import { computeChanges, DEFAULT_THRESHOLDS, lastKnown } from './changes.ts';
import type { ChangeThresholds, WatchChange } from './changes.ts';
import { HealPolicy } from './heal-policy.ts';

/** What the watch needs of the engine (the facade `Engine` has all of it). */
export interface WatchEngine {
  getCluster(arg: { cluster: string }): Promise<ClusterDefinition>;
  status(arg: { cluster: string }, opts?: { signal?: AbortSignal }): Promise<ClusterStatus>;
  sync(arg: { cluster: string }): Promise<ResultOf<'sync'>>;
  adminCredentials(def: ClusterDefinition): Promise<{ user: string } | null>;
  readonly auditLog: Pick<AuditLog, 'append'>;
}

export const MIN_INTERVAL_MS = 1_000;
export const MAX_INTERVAL_MS = 24 * 3_600_000;

export interface HealReport {
  outcome: 'consistent' | 'still-drifted' | 'failed';
  refreshed: string[];
  /** Epoch ms at which each refreshed node's registry was reloaded. */
  refreshedAt: number;
  detail: string;
  failures: number;
}

/** One check of one cluster, as `onCheck` receives it (the desktop updates its map from `status`). */
export interface WatchCheck {
  cluster: string;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  /** Null when the status could not be taken (`error` says why). */
  status: ClusterStatus | null;
  error: ErrorInfo | null;
  changes: WatchChange[];
  /** Set when this check ran a heal. */
  heal: HealReport | null;
  /** True when drift was seen and a heal was due but the backoff held it back. */
  healDeferred: boolean;
}

export interface WatcherOptions {
  clusters: string[];
  /** Between the end of one check of a cluster and the start of its next, before jitter. Default 60 s. */
  intervalMs?: number;
  /** Each wait is the interval × (1 ± jitter), uniformly; default 0.1. */
  jitter?: number;
  /** Run `sync` for drift a refresh can fix. Provisional keys are never approved, only reported. */
  heal?: boolean;
  thresholds?: Partial<ChangeThresholds>;
  onChange?: (change: WatchChange) => void;
  onCheck?: (check: WatchCheck) => void;
  /** Where a listener's exception goes (default: ignored); a listener never stops the loop. */
  onListenerError?: (error: unknown) => void;
  /**
   * The first check of each cluster starts at a random moment within this many ms (default: 10 % of
   * the interval, at most 2 s), so clusters started together do not check in lock-step. 0: at once.
   */
  firstCheckSpreadMs?: number;
  /** For tests: the random source of the jitter. */
  random?: () => number;
  /**
   * What a previous watcher last saw of each cluster (its `records`): after a reload the changes
   * are counted from there, so a node that was already down is not announced again.
   */
  previous?: ReadonlyMap<string, ClusterStatus>;
  /** The heal backoff of each cluster from a previous watcher (its `policies`): a reload does not reset it. */
  previousPolicies?: ReadonlyMap<string, HealPolicy>;
}

interface ClusterLoop {
  name: string;
  timer: ReturnType<typeof setTimeout> | null;
  record: ClusterStatus | null;
  failing: boolean;
  policy: HealPolicy;
  running: Promise<void> | null;
  /** Removed by setClusters: finish quietly, schedule nothing. */
  retired: boolean;
}

/**
 * Watches clusters through one engine.
 *
 * ```ts
 * const watcher = new Watcher(engine, {
 *   clusters: ['prod'], intervalMs: 60_000, heal: true,
 *   onChange: (c) => notify(c),          // node-down, key-stale, provisional-key, heal, …
 *   onCheck: (check) => map.update(check.status),
 * });
 * watcher.start();
 * watcher.setClusters(['prod', 'test']); // starts new loops, stops removed ones
 * await watcher.stop();                  // no timer left; in-flight checks abandoned, heals finished
 * ```
 *
 * Each cluster's first check starts at once (staggered by up to 10 % of the interval, at most 2 s,
 * unless `firstCheckSpreadMs` says otherwise);
 * the next starts an interval (± jitter) after the previous one ended, so checks of one cluster
 * never overlap and one slow cluster never delays another. `stop()` aborts checks in flight: their
 * results are dropped and no event is emitted after it (the HTTP requests themselves end with the
 * engine's timeouts, or at once when the engine is closed). A heal in flight is awaited so its
 * audit line is written.
 *
 * Heals: a check whose status shows drift (a key approved somewhere and not loaded elsewhere), on a
 * kind that can refresh a node's registry, with an admin login, runs the engine's `sync` — at most
 * once per check, and after a heal that did not help only after 1, 3, 7… checks (see HealPolicy).
 * Every heal appends an audit line with action `heal` (beside the `sync` line the sync writes).
 */
export class Watcher {
  private readonly loops = new Map<string, ClusterLoop>();
  private readonly heals = new Set<Promise<unknown>>();
  private abort = new AbortController();
  private started = false;
  private readonly intervalMs: number;
  private readonly jitter: number;
  private readonly thresholds: ChangeThresholds;
  private readonly random: () => number;
  private clusters: string[];

  constructor(
    private readonly engine: WatchEngine,
    private readonly opts: WatcherOptions,
  ) {
    const interval = opts.intervalMs ?? 60_000;
    if (!Number.isFinite(interval) || interval < MIN_INTERVAL_MS || interval > MAX_INTERVAL_MS)
      throw new RangeError(`intervalMs: must be from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}, got ${interval}`);
    const jitter = opts.jitter ?? 0.1;
    if (!Number.isFinite(jitter) || jitter < 0 || jitter > 0.5)
      throw new RangeError(`jitter: must be from 0 to 0.5, got ${jitter}`);
    this.intervalMs = interval;
    this.jitter = jitter;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
    this.random = opts.random ?? Math.random;
    this.clusters = [...new Set(opts.clusters)];
  }

  get running(): boolean {
    return this.started;
  }

  /** The clusters watched now. */
  get watched(): string[] {
    return [...this.loops.keys()];
  }

  /** The heal backoff of each watched cluster (for `previousPolicies` of the watcher that replaces this one). */
  get policies(): Map<string, HealPolicy> {
    return new Map([...this.loops].map(([name, loop]) => [name, loop.policy]));
  }

  /** The last status seen of each watched cluster (for `previous` of the watcher that replaces this one). */
  get records(): Map<string, ClusterStatus> {
    const out = new Map<string, ClusterStatus>();
    for (const [name, loop] of this.loops) if (loop.record) out.set(name, loop.record);
    return out;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.abort = new AbortController();
    for (const name of this.clusters) this.add(name);
  }

  /** Replaces the watched set: new clusters start at once, removed ones stop (their in-flight check is dropped). */
  setClusters(clusters: string[]): void {
    this.clusters = [...new Set(clusters)];
    if (!this.started) return;
    const wanted = new Set(this.clusters);
    for (const [name, loop] of this.loops)
      if (!wanted.has(name)) {
        loop.retired = true;
        if (loop.timer) clearTimeout(loop.timer);
        this.loops.delete(name);
      }
    for (const name of this.clusters) if (!this.loops.has(name)) this.add(name);
  }

  /** Stops every loop: no timer is left when it resolves; in-flight checks are abandoned, heals awaited. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.abort.abort();
    for (const loop of this.loops.values()) {
      loop.retired = true;
      if (loop.timer) clearTimeout(loop.timer);
      loop.timer = null;
    }
    this.loops.clear();
    await Promise.allSettled([...this.heals]);
  }

  private add(name: string): void {
    const loop: ClusterLoop = {
      name,
      timer: null,
      record: this.opts.previous?.get(name) ?? null,
      failing: false,
      policy: this.opts.previousPolicies?.get(name) ?? new HealPolicy(),
      running: null,
      retired: false,
    };
    this.loops.set(name, loop);
    const spread = this.opts.firstCheckSpreadMs ?? Math.min(this.intervalMs * 0.1, 2_000);
    this.schedule(loop, spread > 0 ? this.random() * spread : 0);
  }

  private nextDelay(): number {
    return this.intervalMs * (1 + this.jitter * (2 * this.random() - 1));
  }

  private schedule(loop: ClusterLoop, delay: number): void {
    if (loop.retired || !this.started) return;
    loop.timer = setTimeout(() => {
      loop.timer = null;
      loop.running = this.check(loop).finally(() => {
        loop.running = null;
        this.schedule(loop, this.nextDelay());
      });
    }, delay);
  }

  private emit<T>(fn: ((v: T) => void) | undefined, v: T): void {
    if (!fn) return;
    try {
      fn(v);
    } catch (e) {
      this.opts.onListenerError?.(e);
    }
  }

  /** Resolves with `work`'s value, or with null as soon as the watch is stopped. */
  private abortable<T>(work: Promise<T>): Promise<T | null> {
    const signal = this.abort.signal;
    if (signal.aborted) {
      work.catch(() => undefined);
      return Promise.resolve(null);
    }
    return new Promise<T | null>((resolve, reject) => {
      const onAbort = () => resolve(null);
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private live(loop: ClusterLoop): boolean {
    return this.started && !loop.retired;
  }

  private async check(loop: ClusterLoop): Promise<void> {
    const startedAt = Date.now();
    let status: ClusterStatus | null;
    let error: ErrorInfo | null = null;
    try {
      status = await this.abortable(this.engine.status({ cluster: loop.name }, { signal: this.abort.signal }));
      if (status === null) return;
    } catch (e) {
      status = null;
      error = toErrorInfo(e);
    }
    if (!this.live(loop)) return;
    const changes: WatchChange[] = [];
    const time = new Date().toISOString();
    if (!status) {
      if (!loop.failing) changes.push({ cluster: loop.name, time, type: 'check-failed', error: error! });
      loop.failing = true;
    } else {
      if (loop.failing) changes.push({ cluster: loop.name, time, type: 'check-ok' });
      loop.failing = false;
      changes.push(...computeChanges(loop.record, status, this.thresholds));
      loop.record = lastKnown(loop.record, status);
    }
    let heal: HealReport | null = null;
    let healDeferred = false;
    if (status && this.opts.heal) {
      const fixable = status.drift.length > 0 && (await this.canRefresh(loop.name));
      if (!this.live(loop)) return;
      if (fixable) {
        if (loop.policy.onCheck(true)) heal = await this.heal(loop, status);
        else healDeferred = true;
      } else loop.policy.onCheck(false);
      if (heal)
        changes.push({
          cluster: loop.name,
          time: new Date().toISOString(),
          type: 'heal',
          outcome: heal.outcome,
          refreshed: heal.refreshed,
          detail: heal.detail,
          failures: heal.failures,
        });
    }
    if (!this.live(loop)) return;
    // After a heal the status taken before it is stale: whoever draws a map from this check (the
    // console) must see what the heal did, in the same check that reports it, not at the next one.
    if (heal && status) {
      try {
        const after = await this.abortable(this.engine.status({ cluster: loop.name }, { signal: this.abort.signal }));
        // Only what this check reports changes; the record stays, so the next check still says what
        // the heal reloaded (key-reloaded), as the CLI's watch always did.
        if (after) status = after;
      } catch {
        // The check's own status stands; the next check tells.
      }
      if (!this.live(loop)) return;
    }
    for (const c of changes) this.emit(this.opts.onChange, c);
    this.emit(this.opts.onCheck, {
      cluster: loop.name,
      startedAt,
      durationMs: Date.now() - startedAt,
      status,
      error,
      changes,
      heal,
      healDeferred,
    });
  }

  /** A refresh can fix drift only where the kind has one and an admin login is known. */
  private async canRefresh(cluster: string): Promise<boolean> {
    try {
      const def = await this.engine.getCluster({ cluster });
      return adapterFor(def.kind).refresh !== null && (await this.engine.adminCredentials(def)) !== null;
    } catch {
      return false;
    }
  }

  private async heal(loop: ClusterLoop, status: ClusterStatus): Promise<HealReport> {
    const drift = status.drift.map((d) => `${d.key} missing on ${d.missingOn.join(',')}`).join('; ');
    const work = (async (): Promise<HealReport> => {
      let result: SyncResult | null = null;
      let failure: string | null = null;
      try {
        result = await this.engine.sync({ cluster: loop.name });
      } catch (e) {
        const info = toErrorInfo(e);
        failure = `${info.code}: ${info.message}`;
      }
      const refreshedAt = Date.now();
      const refreshed = result ? result.nodes.filter((n) => n.refreshed).map((n) => n.id) : [];
      const notRefreshed = result ? result.nodes.filter((n) => !n.refreshed) : [];
      // Judged by the nodes that were stale: a node down at the same time fails its refresh, but
      // that is the node-down change's business, not a failed heal.
      const staleNodes = new Set(status.drift.flatMap((d) => d.missingOn));
      const failedStale = notRefreshed.filter((n) => staleNodes.has(n.id));
      const others = notRefreshed.filter((n) => !staleNodes.has(n.id));
      const list = (ns: typeof notRefreshed) => ns.map((n) => `${n.id} (${n.error?.code ?? 'unknown'})`).join(', ');
      let outcome: HealReport['outcome'];
      let detail: string;
      if (failure !== null || !result) {
        outcome = 'failed';
        detail = failure ?? 'sync failed';
      } else if (failedStale.length > 0) {
        outcome = 'failed';
        detail = `not refreshed: ${list(failedStale)}`;
      } else if (result.verified.drift.length === 0) {
        outcome = 'consistent';
        detail = others.length ? `drift fixed; not refreshed (not stale): ${list(others)}` : 'all nodes consistent';
      } else {
        outcome = 'still-drifted';
        detail = result.verified.drift.map((d) => `${d.key} missing on ${d.missingOn.join(',')}`).join('; ');
      }
      loop.policy.healed(outcome);
      await this.engine.auditLog
        .append({
          cluster: loop.name,
          node: null,
          action: 'heal',
          key: null,
          outcome: outcome === 'consistent' ? 'ok' : 'failed',
          detail: `heal (automatic sync) for drift: ${drift}; ${outcome}: ${detail}; heals in a row that did not help: ${loop.policy.failures}`,
        })
        .catch(() => undefined);
      return { outcome, refreshed, refreshedAt, detail, failures: loop.policy.failures };
    })();
    this.heals.add(work);
    try {
      return await work;
    } finally {
      this.heals.delete(work);
    }
  }
}
