/**
 * A cluster's health from one status, in one place for every door: the console's health word (the
 * cluster list, the header, the window title) and the order of severity that `status --check` uses
 * (CRITICAL before WARNING before OK). It never says "consistent" while any node lacks a key that is
 * approved elsewhere or holds a provisional one.
 */
import { balancerFailureWords } from './failure-words.ts';
import type { ClusterStatus, NodeStatus } from './model.ts';

/**
 * Worst first: a node that cannot be read, then a key a consumer fails on now, then what needs an
 * admin's look (a provisional key waiting, a clock drifting), then all well.
 */
export type StatusHealth = 'balancer' | 'down' | 'untrusted' | 'drift' | 'provisional' | 'warning' | 'consistent';

/** The monitoring-plugin level of each health (`status --check`: 2 CRITICAL, 1 WARNING, 0 OK). */
export const HEALTH_LEVEL: Record<StatusHealth, 0 | 1 | 2> = {
  balancer: 2,
  down: 2,
  untrusted: 2,
  drift: 2,
  provisional: 1,
  warning: 1,
  consistent: 0,
};

/** Seconds of clock skew that make a node's OAuth requests fail (RFC 5849 servers refuse ±300 s). */
export const SKEW_CRITICAL_SECONDS = 300;
/** Seconds of clock skew worth a look before requests fail. */
export const SKEW_WARNING_SECONDS = 60;

export interface HealthVerdict {
  health: StatusHealth;
  /** One sentence naming the nodes, e.g. "node1, node3 lack an approved key; a provisional key waits on node2". */
  sentence: string;
}

function untrusted(n: NodeStatus): boolean {
  return n.error?.code === 'TLS_UNTRUSTED';
}

/** This node's provisional keys: its list where the kind has one, else what the probes said. */
export function provisionalOn(n: NodeStatus): string[] {
  if (!n.up) return [];
  const probed = n.consumers.filter((c) => c.state === 'provisional').map((c) => c.key);
  return [...new Set([...(n.provisional ?? []), ...probed])];
}

function names(ids: string[], max = 3): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

/**
 * The health of a cluster from one status, and the sentence that says why, worst first. A balancer
 * that does not answer makes the cluster down whatever its nodes say: consumers reach none of them.
 */
export function healthOfStatus(status: ClusterStatus): HealthVerdict {
  const nodes = healthOfNodes(status);
  const balancer = status.balancer;
  if (!balancer || balancer.up) return nodes;
  const text = `the balancer ${balancerFailureWords(balancer.error).words}`;
  return { health: 'balancer', sentence: nodes.health === 'consistent' ? text : `${text}; ${nodes.sentence}` };
}

/** The nodes' own health, the balancer left out (the map says it apart: "the nodes themselves: …"). */
export function healthOfNodes(status: ClusterStatus): HealthVerdict {
  const parts: { health: StatusHealth; text: string }[] = [];
  const untrustedNodes = status.nodes.filter(untrusted).map((n) => n.id);
  const down = status.nodes.filter((n) => !n.up && !untrusted(n)).map((n) => n.id);
  if (down.length) parts.push({ health: 'down', text: `${names(down)} ${down.length === 1 ? 'is' : 'are'} down` });
  if (untrustedNodes.length)
    parts.push({
      health: 'untrusted',
      text: `${names(untrustedNodes)} ${untrustedNodes.length === 1 ? 'presents a certificate' : 'present certificates'} not trusted`,
    });
  const stale = [...new Set(status.drift.flatMap((d) => d.missingOn))];
  const up = status.nodes.filter((n) => n.up);
  const badSecret = up.filter((n) => n.consumers.some((c) => c.state === 'bad-secret')).map((n) => n.id);
  if (stale.length)
    parts.push({ health: 'drift', text: `${names(stale)} ${stale.length === 1 ? 'lacks' : 'lack'} an approved key` });
  if (badSecret.length) parts.push({ health: 'drift', text: `a wrong secret on ${names(badSecret)}` });
  const skewed = up.filter((n) => Math.abs(n.clockSkewSeconds ?? 0) >= SKEW_CRITICAL_SECONDS).map((n) => n.id);
  if (skewed.length) parts.push({ health: 'drift', text: `the clock of ${names(skewed)} is off by 5 minutes or more` });
  const provisional = up.filter((n) => provisionalOn(n).length > 0).map((n) => n.id);
  if (provisional.length)
    parts.push({
      health: 'provisional',
      text: `a provisional key waits on ${names(provisional)}`,
    });
  const drifting = up
    .filter((n) => {
      const s = Math.abs(n.clockSkewSeconds ?? 0);
      return s >= SKEW_WARNING_SECONDS && s < SKEW_CRITICAL_SECONDS;
    })
    .map((n) => n.id);
  if (drifting.length) parts.push({ health: 'warning', text: `the clock of ${names(drifting)} drifts` });
  // Keys loaded on no up node: those the first up node misses, kept while every other misses them too
  // (one pass over each node's probes, no per-key search: 10,000 keys × 128 nodes stays linear).
  let nowhere: string[] = [];
  if (up.length > 0) {
    const seen = new Set<string>();
    let left = new Set<string>();
    for (const c of up[0]!.consumers) {
      if (!seen.has(c.key) && c.state === 'unknown') left.add(c.key);
      seen.add(c.key);
    }
    for (const n of up.slice(1)) {
      if (left.size === 0) break;
      const first = new Map<string, string>();
      for (const c of n.consumers) if (left.has(c.key) && !first.has(c.key)) first.set(c.key, c.state);
      left = new Set([...left].filter((key) => first.get(key) === 'unknown'));
    }
    nowhere = [...left];
  }
  if (nowhere.length)
    parts.push({
      health: 'warning',
      text: `${names(nowhere, 2)} ${nowhere.length === 1 ? 'is' : 'are'} loaded on no node`,
    });
  if (parts.length === 0) {
    const n = status.nodes.length;
    return { health: 'consistent', sentence: `all ${n} node${n === 1 ? '' : 's'} consistent` };
  }
  const order: StatusHealth[] = ['down', 'untrusted', 'drift', 'provisional', 'warning'];
  parts.sort((a, b) => order.indexOf(a.health) - order.indexOf(b.health));
  return { health: parts[0]!.health, sentence: parts.map((p) => p.text).join('; ') };
}
