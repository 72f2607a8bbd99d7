/**
 * Drift: a key approved on some reachable nodes and not loaded on others. A pure function of the
 * nodes' states, in shared/ so the engine (status, sync's verification) and the console (which
 * applies an operation's proven result to its state at once) compute it the same way.
 */
import type { ClusterKind, ConsumerState, Drift, NodeStatus } from './model.ts';
import { staleFailure, staleFix } from './provider-words.ts';

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A key approved on some reachable nodes and not loaded on others: the balancer's gamble, in the
 * words of `kind` (what the requests fail with; sync, or for Eclipse Lyo a restart: shared/provider-words.ts).
 */
export function computeDrift(nodes: NodeStatus[], kind: ClusterKind = 'sandbox'): Drift[] {
  const up = nodes.filter((n) => n.up);
  const keys = new Set<string>();
  for (const n of up) {
    n.consumers.forEach((c) => keys.add(c.key));
    n.approved?.forEach((k) => keys.add(k));
  }
  // One lookup per node (a key's first probe, its lists as sets): at 10,000 keys × 128 nodes a
  // search of each node's arrays per key took minutes.
  const lookups = new Map(
    up.map((n) => {
      const probed = new Map<string, ConsumerState>();
      for (const c of n.consumers) if (!probed.has(c.key)) probed.set(c.key, c.state);
      return [n, { probed, approved: new Set(n.approved ?? []), provisional: new Set(n.provisional ?? []) }];
    }),
  );
  const stateOn = (
    n: NodeStatus,
    key: string,
  ): ConsumerState | 'listed-approved' | 'listed-provisional' | 'absent' | null => {
    const l = lookups.get(n)!;
    const probed = l.probed.get(key);
    if (probed) return probed;
    if (l.approved.has(key)) return 'listed-approved';
    if (l.provisional.has(key)) return 'listed-provisional';
    return n.approved ? 'absent' : null;
  };
  const drift: Drift[] = [];
  for (const key of [...keys].sort()) {
    const states = up.map((n) => ({ id: n.id, s: stateOn(n, key) }));
    const approvedOn = states
      .filter((x) => x.s === 'approved' || x.s === 'listed-approved' || x.s === 'bad-secret')
      .map((x) => x.id);
    const missingOn = states.filter((x) => x.s === 'unknown' || x.s === 'absent').map((x) => x.id);
    if (approvedOn.length === 0 || missingOn.length === 0) continue;
    const list = missingOn.join(', ');
    drift.push({
      key,
      missingOn,
      message: `Key ${key} is approved on ${approvedOn.join(', ')} but not loaded on ${list}: requests the balancer sends to ${list} will fail with ${staleFailure(kind)}. ${capitalized(staleFix(kind, missingOn.length))}.`,
    });
  }
  return drift;
}
