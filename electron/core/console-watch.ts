/**
 * The console's "Watch this cluster" switch: the watch loop of `oslc-admin watch` (watch/watcher.ts),
 * run by the engine in the process behind the door (Electron's main process, or the browser-mode
 * server), with the changes kept as a short history and streamed to whoever listens. The door adds
 * its own way to tell the admin (an OS notification on the desktop) through {@link ConsoleWatch.notify}.
 */
import type { WatchChangeView, WatchEvent, WatchView } from '../../shared/contract-watch.ts';
import { CONSOLE_WATCH_INTERVAL_SECONDS, WATCH_RECENT_CHANGES, notifies } from '../../shared/contract-watch.ts';
import type { WatchSeverity } from '../../shared/contract-watch.ts';
import { describeChange } from './watch/format.ts';
import type { WatchChange } from './watch/changes.ts';
import { Watcher } from './watch/watcher.ts';
import type { WatchCheck, WatchEngine } from './watch/watcher.ts';

interface ClusterWatch {
  on: boolean;
  heal: boolean;
  checks: number;
  lastCheckAt: string | null;
  recent: WatchChangeView[];
}

export interface ConsoleWatchOptions {
  /** Default {@link CONSOLE_WATCH_INTERVAL_SECONDS}; tests use a short one. */
  intervalMs?: number;
  jitter?: number;
}

/** How much a change matters to the admin now (the console colours it; warnings and worse notify). */
export function severityOf(c: WatchChange): WatchSeverity {
  switch (c.type) {
    case 'node-down':
    case 'key-stale':
    case 'check-failed':
      return 'critical';
    case 'provisional-key':
    case 'certificate-changed':
    case 'certificate-expiring':
    case 'clock-skew':
      return 'warning';
    case 'heal':
      return c.outcome === 'consistent' ? 'info' : 'warning';
    default:
      return 'info';
  }
}

export function changeView(change: WatchChange): WatchChangeView {
  return {
    time: change.time,
    cluster: change.cluster,
    type: change.type,
    node: 'node' in change ? change.node : null,
    severity: severityOf(change),
    text: describeChange(change),
  };
}

export class ConsoleWatch {
  /** Called for every change worth telling the admin about now (severity warning or critical, and heals). */
  notify: ((change: WatchChangeView) => void) | null = null;
  private readonly clusters = new Map<string, ClusterWatch>();
  private readonly listeners = new Set<(event: WatchEvent) => void>();
  /** Two loops, because heal is per cluster in the console and one loop heals all it watches or none. */
  private readonly healing: Watcher;
  private readonly observing: Watcher;
  private readonly intervalMs: number;

  constructor(engine: WatchEngine, opts: ConsoleWatchOptions = {}) {
    this.intervalMs = opts.intervalMs ?? CONSOLE_WATCH_INTERVAL_SECONDS * 1000;
    const common = {
      clusters: [],
      intervalMs: this.intervalMs,
      // Switched on by a person who waits for it: the first check runs at once.
      firstCheckSpreadMs: 0,
      ...(opts.jitter !== undefined ? { jitter: opts.jitter } : {}),
      onChange: (c: WatchChange) => this.onChange(c),
      onCheck: (c: WatchCheck) => this.onCheck(c),
    };
    this.healing = new Watcher(engine, { ...common, heal: true });
    this.observing = new Watcher(engine, { ...common, heal: false });
  }

  state(cluster: string): WatchView {
    const w = this.clusters.get(cluster);
    return {
      cluster,
      on: w?.on ?? false,
      intervalSeconds: this.intervalMs / 1000,
      heal: w?.heal ?? true,
      checks: w?.checks ?? 0,
      lastCheckAt: w?.lastCheckAt ?? null,
      recent: [...(w?.recent ?? [])],
    };
  }

  /** Switches one cluster's watch; switching on again starts afresh (its first check reports what is wrong now). */
  set(cluster: string, on: boolean, heal = true): WatchView {
    if (on) this.clusters.set(cluster, { on, heal, checks: 0, lastCheckAt: null, recent: [] });
    else {
      const w = this.clusters.get(cluster);
      if (w) w.on = false;
    }
    this.apply();
    const view = this.state(cluster);
    this.emit({ type: 'state', view });
    return view;
  }

  /** Forgets a cluster that was removed. */
  forget(cluster: string): void {
    if (!this.clusters.delete(cluster)) return;
    this.apply();
  }

  /** Streams this cluster's events until `signal` aborts; then answers its state. */
  feed(cluster: string, onEvent: (event: WatchEvent) => void, signal?: AbortSignal): Promise<WatchView> {
    return new Promise((resolve) => {
      const listener = (event: WatchEvent) => {
        const of =
          event.type === 'change' ? event.change.cluster : event.type === 'check' ? event.cluster : event.view.cluster;
        if (of === cluster) onEvent(event);
      };
      const end = () => {
        this.listeners.delete(listener);
        resolve(this.state(cluster));
      };
      if (signal?.aborted) return end();
      this.listeners.add(listener);
      onEvent({ type: 'state', view: this.state(cluster) });
      signal?.addEventListener('abort', end, { once: true });
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([this.healing.stop(), this.observing.stop()]);
  }

  private apply(): void {
    const on = [...this.clusters].filter(([, w]) => w.on);
    const healing = on.filter(([, w]) => w.heal).map(([n]) => n);
    const observing = on.filter(([, w]) => !w.heal).map(([n]) => n);
    for (const [watcher, names] of [
      [this.healing, healing],
      [this.observing, observing],
    ] as const) {
      watcher.setClusters(names);
      if (names.length > 0) watcher.start();
    }
  }

  private emit(event: WatchEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A listener that fails (a closed door) never stops the watch.
      }
    }
  }

  private onChange(change: WatchChange): void {
    const w = this.clusters.get(change.cluster);
    if (!w?.on) return;
    const view = changeView(change);
    w.recent.push(view);
    if (w.recent.length > WATCH_RECENT_CHANGES) w.recent.splice(0, w.recent.length - WATCH_RECENT_CHANGES);
    this.emit({ type: 'change', change: view });
    if (notifies(view)) {
      try {
        this.notify?.(view);
      } catch {
        // Notifications are best effort.
      }
    }
  }

  private onCheck(check: WatchCheck): void {
    const w = this.clusters.get(check.cluster);
    if (!w?.on) return;
    w.checks++;
    w.lastCheckAt = new Date(check.startedAt + check.durationMs).toISOString();
    this.emit({ type: 'check', cluster: check.cluster, status: check.status, at: w.lastCheckAt });
  }
}
