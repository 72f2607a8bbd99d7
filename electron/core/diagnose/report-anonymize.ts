/**
 * `report --anonymize`: what names the customer's site — host names, IP addresses, user names,
 * the repository and database, consumer names, node ids, organisation names in certificates and
 * the cluster's name — replaced by stable placeholders (`host-a`, `ip-1`, `user-1`,
 * `consumer-1`, `node1`, `org-1`, `cluster-1`), the same in report.md and report.json because
 * both are rendered from the one anonymised data. The mapping goes back to the caller, who writes
 * it next to the report (never inside): the customer translates the engineer's answer with it.
 *
 * Written by hand: the values to hide come from this report's own structure (URLs, the definition,
 * the audit), which no general anonymisation library knows.
 */

export interface Anonymized<T> {
  data: T;
  /** placeholder → original. */
  mapping: Record<string, string>;
}

const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
const URL_HOST = /\b(?:https?|wss?):\/\/(?:[^\s/@'"<>]*@)?(\[[0-9a-fA-F:.]+\]|[^\s/:?#'"<>)\]]+)/g;
const ORG = /\b(?:O|OU)=([^,\n/]+)/g;

function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '') || null;
  } catch {
    return null;
  }
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Account names that name no one: kept out of the running-text replacement (see the users above). */
const GENERIC_ACCOUNTS = new Set(['admin', 'administrator', 'root', 'user', 'system', 'clearquest', 'jazz']);

class Placeholders {
  readonly byOriginal = new Map<string, string>();
  set(original: string, placeholder: string): void {
    if (!this.byOriginal.has(original) && original !== placeholder) this.byOriginal.set(original, placeholder);
  }
  private readonly counts = new Map<string, number>();
  add(
    original: string | null | undefined,
    kind: 'host' | 'ip' | 'user' | 'repository' | 'database' | 'consumer' | 'node' | 'org' | 'cluster',
  ): void {
    if (!original || original.length < 2 || this.byOriginal.has(original)) return;
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    const placeholder = kind === 'host' ? `host-${letters(n)}` : kind === 'node' ? `node${n}` : `${kind}-${n}`;
    if (placeholder === original) return;
    this.byOriginal.set(original, placeholder);
  }
}

/** a, b, …, z, aa, ab, … */
function letters(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(97 + ((i - 1) % 26)) + s;
  return s;
}

interface Shape {
  cluster?: {
    name?: string;
    balancerUrl?: string;
    nodes?: { id?: string; url?: string }[];
    repo?: string;
    db?: string;
    adminUser?: string | null;
    consumers?: { name?: string; key?: string }[];
    caBundle?: { subject?: string; issuer?: string }[];
  };
  status?: { nodes?: { id?: string; url?: string; tls?: { subject?: string; issuer?: string } | null }[] } | null;
  diagnoses?: { name?: string; key?: string }[];
  lastSync?: { user?: string } | null;
  auditExcerpt?: { user?: string }[];
}

function walkStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, visit);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) walkStrings(v, visit);
}

function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, f)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapStrings(v, f)]),
    ) as T;
  return value;
}

/** The report's data with every site name replaced; keys (consumer keys are random ids) are kept. */
export function anonymizeReport<T extends object>(data: T): Anonymized<T> {
  const d = data as Shape;
  const p = new Placeholders();
  p.add(d.cluster?.name, 'cluster');
  for (const n of d.cluster?.nodes ?? []) p.add(n.id, 'node');
  for (const n of d.status?.nodes ?? []) p.add(n.id, 'node');
  const urls = [
    d.cluster?.balancerUrl,
    ...(d.cluster?.nodes ?? []).map((n) => n.url),
    ...(d.status?.nodes ?? []).map((n) => n.url),
  ];
  for (const h of urls.map(hostOf)) if (h) p.add(h, isIp(h) ? 'ip' : 'host');
  // Hosts and addresses anywhere in a text (a redirect to a single sign-on server, a proxy).
  walkStrings(data, (s) => {
    for (const m of s.matchAll(URL_HOST)) {
      const h = m[1]!.replace(/^\[|\]$/g, '');
      p.add(h, isIp(h) ? 'ip' : 'host');
    }
    for (const m of s.matchAll(IPV4)) p.add(m[0], 'ip');
    for (const m of s.matchAll(ORG)) p.add(m[1]!.trim(), 'org');
  });
  p.add(d.cluster?.repo, 'repository');
  p.add(d.cluster?.db, 'database');
  // Users: in the fields that hold a user always; in running text only a name that identifies
  // someone (a generic account such as `admin` or `root` also reads as a word in the report's prose).
  const users = new Map<string, string>();
  for (const u of [d.cluster?.adminUser, d.lastSync?.user, ...(d.auditExcerpt ?? []).map((e) => e.user)])
    if (u && !users.has(u)) users.set(u, `user-${users.size + 1}`);
  for (const [u, placeholder] of users) if (!GENERIC_ACCOUNTS.has(u.toLowerCase())) p.set(u, placeholder);
  const keys = new Set([...(d.cluster?.consumers ?? []), ...(d.diagnoses ?? [])].map((c) => c.key));
  for (const c of [...(d.cluster?.consumers ?? []), ...(d.diagnoses ?? [])])
    if (c.name && !keys.has(c.name)) p.add(c.name, 'consumer');

  // Longest first, so `lbcq1.corp.example` goes before `lbcq1`; a name is replaced only as a whole
  // word (node1 not inside node10), and never inside a consumer key.
  const originals = [...p.byOriginal.keys()].sort((a, b) => b.length - a.length);
  const re = originals.length
    ? new RegExp(originals.map((o) => `(?<![A-Za-z0-9_-])${escapeRe(o)}(?![A-Za-z0-9_])`).join('|'), 'g')
    : null;
  const keyRe = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const replace = (s: string) => {
    if (!re) return s;
    // Split around consumer keys (uuids) so no part of one is ever rewritten.
    let out = '';
    let last = 0;
    for (const m of s.matchAll(keyRe)) {
      out += s.slice(last, m.index).replace(re, (o) => p.byOriginal.get(o)!) + m[0];
      last = m.index! + m[0].length;
    }
    return out + s.slice(last).replace(re, (o) => p.byOriginal.get(o)!);
  };
  const anonymized = mapStrings(data, replace) as T & Shape;
  // The user fields, whatever the name (a generic one too).
  const user = (u: string | undefined | null) => (u ? (users.get(u) ?? u) : u);
  if (anonymized.cluster && anonymized.cluster.adminUser)
    anonymized.cluster.adminUser = user(anonymized.cluster.adminUser)!;
  if (anonymized.lastSync?.user) anonymized.lastSync.user = user(anonymized.lastSync.user)!;
  for (const e of anonymized.auditExcerpt ?? []) if (e.user) e.user = user(e.user)!;
  const mapping: Record<string, string> = {};
  for (const [original, placeholder] of [...p.byOriginal, ...users]) mapping[placeholder] = original;
  return { data: { ...anonymized, anonymized: true } as T, mapping };
}
