/**
 * Two support reports compared (`report diff A B`, the console's "Compare with…"): which nodes,
 * keys, states, causes and settings changed — the before/after of a fix, or two customers'
 * clusters. Pure: both reports were opened (checked, masked) by the engine first.
 */
import type { ReportFile } from './report-format.ts';

export interface FactChange {
  field: string;
  before: string;
  after: string;
}

export interface NodeChange {
  id: string;
  change: 'added' | 'removed' | 'changed';
  facts: FactChange[];
}

export interface KeyChange {
  key: string;
  node: string;
  /** `absent` when the node did not hold the key; `unknown` when the node could not be read. */
  before: string;
  after: string;
}

export interface CauseChange {
  key: string;
  /** `CODE (node1, node3)`, as the diagnosis named them. */
  added: string[];
  removed: string[];
}

export interface ReportDiff {
  a: { source: string; cluster: string; generatedAt: string };
  b: { source: string; cluster: string; generatedAt: string };
  sameCluster: boolean;
  settings: FactChange[];
  nodes: NodeChange[];
  keys: KeyChange[];
  causes: CauseChange[];
  /** True when nothing above changed. */
  same: boolean;
}

type Node = NonNullable<ReportFile['status']>['nodes'][number];

function nodeFacts(n: Node): Record<string, string> {
  return {
    url: n.url,
    up: n.up ? 'up' : 'down',
    clockSkew: n.clockSkewSeconds === null ? '-' : `${n.clockSkewSeconds} s`,
    problem: n.error ? n.error.code : '-',
    certificate: n.tls ? `${n.tls.authorized ? 'trusted' : 'not trusted by chain'} ${n.tls.fingerprint256}` : '-',
    provisionalKeys: n.provisional === null ? 'unknown' : String(n.provisional.length),
    approvedKeys: n.approved === null ? 'unknown' : String(n.approved.length),
  };
}

/** Each key's state on one node, from the tracked states and the node's own lists. */
function keyStates(n: Node): Map<string, string> {
  const out = new Map<string, string>();
  if (!n.up) return out;
  for (const k of n.approved ?? []) out.set(k, 'approved');
  for (const k of n.provisional ?? []) out.set(k, 'provisional');
  for (const c of n.consumers) out.set(c.key, c.state);
  return out;
}

function changes(before: Record<string, string>, after: Record<string, string>): FactChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((f) => (before[f] ?? '-') !== (after[f] ?? '-'))
    .map((field) => ({ field, before: before[field] ?? '-', after: after[field] ?? '-' }));
}

function settingsOf(r: ReportFile): Record<string, string> {
  const c = r.cluster;
  return {
    kind: c.kind,
    balancer: c.balancerUrl,
    repository: c.repo ?? '-',
    database: c.db ?? '-',
    adminUser: c.adminUser ?? '-',
    nodes: c.nodes.map((n) => `${n.id}=${n.url}`).join(', '),
    trackedConsumers: c.consumers.map((k) => k.key).join(', ') || '-',
    pinnedCertificates: c.pinnedFingerprints.join(', ') || '-',
    caBundle: c.caBundle.map((x) => x.fingerprint256).join(', ') || '-',
    timeouts: `connect ${c.timeouts.connectMs} ms, total ${c.timeouts.totalMs} ms`,
    appVersion: r.app.version,
  };
}

const causeText = (c: { code: string; nodes: string[] }) =>
  c.nodes.length ? `${c.code} (${c.nodes.join(', ')})` : c.code;

export function diffReports(
  a: { report: ReportFile; source: string },
  b: { report: ReportFile; source: string },
): ReportDiff {
  const ra = a.report;
  const rb = b.report;
  const settings = changes(settingsOf(ra), settingsOf(rb));

  const na = new Map((ra.status?.nodes ?? []).map((n) => [n.id, n]));
  const nb = new Map((rb.status?.nodes ?? []).map((n) => [n.id, n]));
  const ids = [...new Set([...na.keys(), ...nb.keys()])];
  const nodes: NodeChange[] = [];
  const keys: KeyChange[] = [];
  for (const id of ids) {
    const x = na.get(id);
    const y = nb.get(id);
    if (!x) nodes.push({ id, change: 'added', facts: changes({}, nodeFacts(y!)) });
    else if (!y) nodes.push({ id, change: 'removed', facts: changes(nodeFacts(x), {}) });
    else {
      const facts = changes(nodeFacts(x), nodeFacts(y));
      if (facts.length) nodes.push({ id, change: 'changed', facts });
    }
    const ka = x ? keyStates(x) : new Map<string, string>();
    const kb = y ? keyStates(y) : new Map<string, string>();
    for (const key of [...new Set([...ka.keys(), ...kb.keys()])].sort()) {
      const before = ka.get(key) ?? (x && !x.up ? 'unknown' : 'absent');
      const after = kb.get(key) ?? (y && !y.up ? 'unknown' : 'absent');
      if (before !== after) keys.push({ key, node: id, before, after });
    }
  }

  const causesOf = (r: ReportFile) =>
    new Map(r.diagnoses.map((d) => [d.key, (d.diagnosis?.causes ?? []).map(causeText)] as const));
  const ca = causesOf(ra);
  const cb = causesOf(rb);
  const causes: CauseChange[] = [];
  for (const key of [...new Set([...ca.keys(), ...cb.keys()])]) {
    const before = ca.get(key) ?? [];
    const after = cb.get(key) ?? [];
    const added = after.filter((c) => !before.includes(c));
    const removed = before.filter((c) => !after.includes(c));
    if (added.length || removed.length) causes.push({ key, added, removed });
  }

  return {
    a: { source: a.source, cluster: ra.cluster.name, generatedAt: ra.generatedAt },
    b: { source: b.source, cluster: rb.cluster.name, generatedAt: rb.generatedAt },
    sameCluster: ra.cluster.name === rb.cluster.name && ra.cluster.balancerUrl === rb.cluster.balancerUrl,
    settings,
    nodes,
    keys,
    causes,
    same: !settings.length && !nodes.length && !keys.length && !causes.length,
  };
}
