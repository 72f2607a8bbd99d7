/**
 * The desktop's "Watch this cluster" switch (issue "Keep clusters consistent without anyone
 * watching"): the same loop as `oslc-admin watch`, run by the engine in the main process (or by the
 * browser-mode server), reporting each change and each check so the map updates live. Off by default;
 * the switch lasts as long as the process does.
 */
import type { ClusterStatus } from './model.ts';

/** How much a change matters: `critical` is what makes a consumer fail now (a node down, a stale key). */
export type WatchSeverity = 'info' | 'warning' | 'critical';

/** One change the watch saw, as one line of text the CLI prints the same way. */
export interface WatchChangeView {
  /** ISO time of the check that saw it. */
  time: string;
  cluster: string;
  /** The change's kind, as `oslc-admin watch --json` names it (`node-down`, `key-stale`, `heal`…). */
  type: string;
  /** The cluster's own node id, when the change is about one node. */
  node: string | null;
  severity: WatchSeverity;
  /** A sentence naming the node and key, e.g. "node2 is down: connection refused". */
  text: string;
}

/** A cluster's watch as the console shows it. */
export interface WatchView {
  cluster: string;
  on: boolean;
  intervalSeconds: number;
  /** True when the watch runs `sync` for drift a refresh can fix (the console's switch turns it on too). */
  heal: boolean;
  /** Checks run since the switch was turned on. */
  checks: number;
  lastCheckAt: string | null;
  /** The most recent changes, newest last (at most {@link WATCH_RECENT_CHANGES}). */
  recent: WatchChangeView[];
}

/** Whether a change is worth an OS notification: a warning or worse, and every heal. */
export function notifies(change: Pick<WatchChangeView, 'severity' | 'type'>): boolean {
  return change.severity !== 'info' || change.type === 'heal';
}

/** Longest body a notification shows in full on the common platforms; the rest is in the console. */
const MAX_NOTIFICATION_BODY = 240;

/** A change as an OS notification, in the same words on the desktop and in browser mode. */
export function notificationOf(change: WatchChangeView): { title: string; body: string; urgent: boolean } {
  const urgent = change.severity === 'critical';
  const body =
    change.text.length > MAX_NOTIFICATION_BODY ? `${change.text.slice(0, MAX_NOTIFICATION_BODY - 1)}…` : change.text;
  return { title: `${change.cluster}: ${urgent ? 'needs attention' : 'changed'}`, body, urgent };
}

export const WATCH_RECENT_CHANGES = 50;
/** The console's interval: short enough to see the map move, long enough not to load the nodes. */
export const CONSOLE_WATCH_INTERVAL_SECONDS = 15;

/** What a watch feed streams while the console listens. */
export type WatchEvent =
  | { type: 'check'; cluster: string; status: ClusterStatus | null; at: string }
  | { type: 'change'; change: WatchChangeView }
  | { type: 'state'; view: WatchView };

export interface WatchContract {
  /** The cluster's watch (off when never switched on). */
  watchState: { arg: { cluster: string }; result: WatchView; progress: never };
  /**
   * Switches the watch of one cluster on or off. On: a check runs at once, then every interval;
   * `heal` (default true) runs `sync` when a refresh can fix the drift, never approves a key.
   */
  setWatch: { arg: { cluster: string; on: boolean; heal?: boolean }; result: WatchView; progress: never };
  /**
   * Streams the watch's events for one cluster until the caller aborts the call (it then answers
   * the watch's state). The watch itself runs whether or not a feed listens.
   */
  watchFeed: { arg: { cluster: string }; result: WatchView; progress: WatchEvent };
}

export const WATCH_OPERATIONS = ['watchState', 'setWatch', 'watchFeed'] as const;
