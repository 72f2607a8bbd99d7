/**
 * What changed between two consecutive status results of one cluster. Pure: no clock but the one
 * passed in, no I/O, so every rule is unit-tested on hand-made statuses.
 *
 * The first check of a cluster is compared with a healthy baseline (every node up, nothing stale,
 * nothing provisional, clocks in step, certificates far from expiry): what is already wrong when the
 * watch starts is reported once, then only what changes.
 */
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ClusterKind, ClusterStatus, NodeStatus } from '../../../shared/model.ts';

export interface ChangeThresholds {
  /** A certificate that expires within this many days is reported (default 14). */
  certificateWarnDays: number;
  /** |node clock − ours| at or above this is reported (default 60 s; OAuth nodes refuse beyond ±300 s). */
  clockSkewSeconds: number;
}

export const DEFAULT_THRESHOLDS: ChangeThresholds = { certificateWarnDays: 14, clockSkewSeconds: 60 };

interface Base {
  cluster: string;
  /** ISO time of the check that saw the change. */
  time: string;
}

export type WatchChange = Base &
  (
    | { type: 'node-down'; node: string; error: ErrorInfo | null }
    | { type: 'node-up'; node: string }
    /** A key approved elsewhere is not loaded in this node's registry: the balancer's 401 gamble. */
    | { type: 'key-stale'; node: string; key: string; kind: ClusterKind }
    /** A key that was stale on this node is loaded there now. */
    | { type: 'key-reloaded'; node: string; key: string }
    /** A provisional key in this node's memory: approve it there (never done automatically). */
    | { type: 'provisional-key'; node: string; key: string }
    /** The provisional key is no longer in this node's memory (approved, or lost with a restart). */
    | { type: 'provisional-gone'; node: string; key: string }
    | { type: 'certificate-changed'; node: string; from: string; to: string; validTo: string }
    | { type: 'certificate-expiring'; node: string; fingerprint256: string; validTo: string; daysLeft: number }
    | { type: 'clock-skew'; node: string; skewSeconds: number; thresholdSeconds: number }
    | { type: 'clock-ok'; node: string; skewSeconds: number; thresholdSeconds: number }
    /** The status itself could not be taken (the cluster was removed, the keychain failed…). */
    | { type: 'check-failed'; error: ErrorInfo }
    | { type: 'check-ok' }
    | {
        type: 'heal';
        outcome: 'consistent' | 'still-drifted' | 'failed';
        /** The nodes the sync refreshed. */
        refreshed: string[];
        /** Why a failed heal failed (a coded error, or the nodes that could not be refreshed). */
        detail: string;
        /** Consecutive heals that did not help; the next heal waits 2^n − 1 checks. */
        failures: number;
      }
  );

export type WatchChangeType = WatchChange['type'];

const DAY_MS = 86_400_000;

/** Every key that is provisional on this node, from its own list and from the probes. */
export function provisionalKeys(n: NodeStatus): string[] {
  return [
    ...new Set([...(n.provisional ?? []), ...n.consumers.filter((c) => c.state === 'provisional').map((c) => c.key)]),
  ].sort();
}

/** Node id → keys stale there, from the drift. */
export function staleKeys(s: ClusterStatus): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const d of s.drift)
    for (const node of d.missingOn) {
      let set = out.get(node);
      if (!set) out.set(node, (set = new Set()));
      set.add(d.key);
    }
  return out;
}

export function daysLeft(validTo: string, now: number): number | null {
  const t = Date.parse(validTo);
  return Number.isFinite(t) ? Math.floor((t - now) / DAY_MS) : null;
}

function expiring(n: NodeStatus, now: number, t: ChangeThresholds): number | null {
  if (!n.tls) return null;
  const left = daysLeft(n.tls.validTo, now);
  return left !== null && left < t.certificateWarnDays ? left : null;
}

function skewed(n: NodeStatus | undefined, t: ChangeThresholds): boolean {
  return n?.clockSkewSeconds !== null && n?.clockSkewSeconds !== undefined
    ? Math.abs(n.clockSkewSeconds) >= t.clockSkewSeconds
    : false;
}

/**
 * The changes from `prev` (null: the first check) to `next`. A node that is down says nothing of its
 * keys, certificate or clock: those are compared again once it is back up.
 */
export function computeChanges(
  prev: ClusterStatus | null,
  next: ClusterStatus,
  thresholds: ChangeThresholds = DEFAULT_THRESHOLDS,
  now: number = Date.parse(next.checkedAt),
): WatchChange[] {
  const base = { cluster: next.cluster, time: next.checkedAt };
  const changes: WatchChange[] = [];
  const before = new Map((prev?.nodes ?? []).map((n) => [n.id, n]));
  const staleBefore = prev ? staleKeys(prev) : new Map<string, Set<string>>();
  const staleNow = staleKeys(next);
  for (const n of next.nodes) {
    const p = before.get(n.id);
    const wasUp = p ? p.up : true;
    if (!n.up) {
      if (wasUp) changes.push({ ...base, type: 'node-down', node: n.id, error: n.error });
      continue;
    }
    if (!wasUp) changes.push({ ...base, type: 'node-up', node: n.id });
    // `prev` holds what a node showed when it was last up (see lastKnown): compare with that.
    const pUp = p;

    const sb = staleBefore.get(n.id) ?? new Set<string>();
    const sn = staleNow.get(n.id) ?? new Set<string>();
    for (const key of [...sn].sort())
      if (!sb.has(key)) changes.push({ ...base, type: 'key-stale', node: n.id, key, kind: next.kind });
    for (const key of [...sb].sort())
      if (!sn.has(key)) changes.push({ ...base, type: 'key-reloaded', node: n.id, key });

    const pb = new Set(pUp ? provisionalKeys(pUp) : []);
    const pn = provisionalKeys(n);
    for (const key of pn) if (!pb.has(key)) changes.push({ ...base, type: 'provisional-key', node: n.id, key });
    if (pUp) {
      const pnSet = new Set(pn);
      for (const key of [...pb].sort())
        if (!pnSet.has(key)) changes.push({ ...base, type: 'provisional-gone', node: n.id, key });
    }

    const fromFp = pUp?.tls?.fingerprint256;
    const toFp = n.tls?.fingerprint256;
    const certChanged = fromFp !== undefined && toFp !== undefined && fromFp !== toFp;
    if (certChanged)
      changes.push({
        ...base,
        type: 'certificate-changed',
        node: n.id,
        from: fromFp,
        to: toFp,
        validTo: n.tls!.validTo,
      });
    const left = expiring(n, now, thresholds);
    const leftBefore = pUp ? expiring(pUp, now, thresholds) : null;
    if (left !== null && (leftBefore === null || certChanged))
      changes.push({
        ...base,
        type: 'certificate-expiring',
        node: n.id,
        fingerprint256: n.tls!.fingerprint256,
        validTo: n.tls!.validTo,
        daysLeft: left,
      });

    if (n.clockSkewSeconds !== null) {
      const was = skewed(pUp, thresholds);
      const is = skewed(n, thresholds);
      const shape = { node: n.id, skewSeconds: n.clockSkewSeconds, thresholdSeconds: thresholds.clockSkewSeconds };
      if (is && !was) changes.push({ ...base, type: 'clock-skew', ...shape });
      if (!is && was) changes.push({ ...base, type: 'clock-ok', ...shape });
    }
  }
  return changes;
}

/**
 * Carries what a node showed when it was last up into a down node's slot, so that after
 * down → up the keys, certificate and clock are compared with their last known values (a node
 * restart that lost a provisional key then says so; an unchanged stale key is not reported twice).
 */
export function lastKnown(prev: ClusterStatus | null, next: ClusterStatus): ClusterStatus {
  if (!prev) return next;
  const before = new Map(prev.nodes.map((n) => [n.id, n]));
  const stalePrev = staleKeys(prev);
  const nodes = next.nodes.map((n) => {
    const p = before.get(n.id);
    return !n.up && p?.up ? { ...p, up: false, error: n.error } : n;
  });
  // A down node's stale keys stay stale in the record until it is seen again.
  const drift = next.drift.map((d) => ({ ...d, missingOn: [...d.missingOn] }));
  for (const n of next.nodes) {
    if (n.up) continue;
    for (const key of stalePrev.get(n.id) ?? []) {
      const d = drift.find((x) => x.key === key);
      if (d) {
        if (!d.missingOn.includes(n.id)) d.missingOn.push(n.id);
      } else drift.push({ key, missingOn: [n.id], message: '' });
    }
  }
  return { ...next, nodes, drift };
}
