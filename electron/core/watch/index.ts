/**
 * The watch engine (issue 14), for the CLI's `watch` and the desktop's "Watch this cluster" switch.
 *
 * ```ts
 * import { Watcher } from './core/watch/index.ts';
 * const watcher = new Watcher(engine, {
 *   clusters: ['prod'],          // cluster names as stored in the engine's config
 *   intervalMs: 60_000,          // 1 s … 24 h, jittered ± 10 %
 *   heal: false,                 // true: run sync for drift a refresh fixes (audited as `heal`)
 *   thresholds: { certificateWarnDays: 14, clockSkewSeconds: 60 },
 *   onChange: (change) => …,     // WatchChange: node-down/up, key-stale/reloaded, provisional-key/gone,
 *                                //   certificate-changed/expiring, clock-skew/ok, check-failed/ok, heal
 *   onCheck: (check) => …,       // WatchCheck: the whole ClusterStatus of every check, its changes, its heal
 * });
 * watcher.start();
 * watcher.setClusters(['prod', 'test']);
 * await watcher.stop();          // resolves with no timer left; no event after it
 * ```
 *
 * The Prometheus side (prom-client) is in ./metrics.ts, imported only by what serves metrics.
 */
export { Watcher, MIN_INTERVAL_MS, MAX_INTERVAL_MS } from './watcher.ts';
export type { WatchCheck, WatchEngine, WatcherOptions, HealReport } from './watcher.ts';
export { computeChanges, lastKnown, DEFAULT_THRESHOLDS, provisionalKeys, staleKeys } from './changes.ts';
export type { ChangeThresholds, WatchChange, WatchChangeType } from './changes.ts';
export { HealPolicy } from './heal-policy.ts';
export { formatChange } from './format.ts';
