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
  const probedOn = new Map(
    up.map((n) => {
      const probed = new Map<string, ConsumerState>();
      for (const c of n.consumers) if (!probed.has(c.key)) probed.set(c.key, c.state);
      return [n, probed];
    }),
  );
  // Nodes whose lists are the same arrays form one group, whose lists are asked once per key: the
  // engine shares equal lists between nodes (electron/core/providers/consumer-list.ts), so a cluster
  // in step is one group, and 50,000 keys × 64 nodes cost 50,000 lookups, not 3.2 million (with a
  // node's lists as sets: a search of its arrays per key took minutes at 10,000 keys × 128 nodes).
  const sets = new Map<readonly string[], ReadonlySet<string>>();
  const setOf = (keys: readonly string[] | null) => {
    if (keys === null) return null;
    let s = sets.get(keys);
    if (!s) sets.set(keys, (s = new Set(keys)));
    return s;
  };
  const groups: { approved: readonly string[] | null; provisional: readonly string[] | null; members: NodeStatus[] }[] =
    [];
  const groupOf = new Map<NodeStatus, number>();
  for (const n of up) {
    let g = groups.findIndex((x) => x.approved === n.approved && x.provisional === n.provisional);
    if (g < 0) g = groups.push({ approved: n.approved, provisional: n.provisional, members: [] }) - 1;
    groups[g]!.members.push(n);
    groupOf.set(n, g);
  }
  const lookups = groups.map((g) => ({ approved: setOf(g.approved), provisional: setOf(g.provisional) }));
  const listedState = (g: number, key: string): ListedState => {
    const l = lookups[g]!;
    if (l.approved?.has(key)) return 'listed-approved';
    if (l.provisional?.has(key)) return 'listed-provisional';
    return l.approved ? 'absent' : null;
  };
  const drift: Drift[] = [];
  const report = (key: string, stateOn: (n: NodeStatus) => ConsumerState | ListedState) => {
    const states = up.map((n) => ({ id: n.id, s: stateOn(n) }));
    const approvedOn = states
      .filter((x) => x.s === 'approved' || x.s === 'listed-approved' || x.s === 'bad-secret')
      .map((x) => x.id);
    const missingOn = states.filter((x) => x.s === 'unknown' || x.s === 'absent').map((x) => x.id);
    if (approvedOn.length === 0 || missingOn.length === 0) return;
    const list = missingOn.join(', ');
    drift.push({
      key,
      missingOn,
      message: `Key ${key} is approved on ${approvedOn.join(', ')} but not loaded on ${list}: requests the balancer sends to ${list} will fail with ${staleFailure(kind)}. ${capitalized(staleFix(kind, missingOn.length))}.`,
    });
  };
  // A key probed on some node: its probe decides there, the node's lists elsewhere.
  const probed = new Set<string>();
  for (const n of up) for (const c of n.consumers) probed.add(c.key);
  for (const key of probed) report(key, (n) => probedOn.get(n)!.get(key) ?? listedState(groupOf.get(n)!, key));
  // A key only listed: drift when one node lists it approved and another lists it nowhere. With one
  // approved list (by identity) among the nodes that have one, every such node lists the key: none.
  const approvedLists = [...new Set(up.map((n) => n.approved).filter((a) => a !== null))];
  if (approvedLists.length > 1) {
    const approvedSets = approvedLists.map((a) => setOf(a)!);
    const seen = new Set<string>(probed);
    for (const list of approvedLists) {
      for (const key of list) {
        if (seen.has(key)) continue;
        seen.add(key);
        if (approvedSets.every((s) => s.has(key))) continue;
        report(key, (n) => listedState(groupOf.get(n)!, key));
      }
    }
  }
  return drift.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

type ListedState = 'listed-approved' | 'listed-provisional' | 'absent' | null;
