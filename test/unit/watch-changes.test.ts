import { describe, expect, it } from 'vitest';
import { computeChanges, lastKnown } from '../../electron/core/watch/changes.ts';
import type { WatchChange } from '../../electron/core/watch/changes.ts';
import { formatChange } from '../../electron/core/watch/format.ts';
import { HealPolicy } from '../../electron/core/watch/heal-policy.ts';
import { jsonLine, parseDuration, printable } from '../../electron/cli/watch.ts';
import type { ClusterStatus, NodeStatus, TlsInfo } from '../../shared/model.ts';

const T0 = Date.parse('2026-12-01T00:00:00Z');

function node(id: string, over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    id,
    url: `http://127.0.0.1/${id}`,
    up: true,
    latencyMs: 3,
    clockSkewSeconds: 0,
    tls: null,
    consumers: [],
    provisional: [],
    approved: [],
    error: null,
    ...over,
  };
}

function status(nodes: NodeStatus[], drift: ClusterStatus['drift'] = [], at = T0): ClusterStatus {
  return { cluster: 'c', kind: 'sandbox', checkedAt: new Date(at).toISOString(), nodes, drift, notices: [] };
}

function tls(fp: string, validTo: string): TlsInfo {
  return {
    subject: 'CN=n',
    issuer: 'CN=ca',
    validFrom: '2026-01-01T00:00:00Z',
    validTo,
    fingerprint256: fp,
    authorized: true,
  };
}

const kinds = (cs: WatchChange[]) => cs.map((c) => `${c.type}:${'node' in c ? c.node : ''}:${'key' in c ? c.key : ''}`);
const down = { code: 'NODE_UNREACHABLE' as const, message: 'connection refused' };

describe('computeChanges', () => {
  it('reports nothing for a healthy first check and nothing when nothing changed', () => {
    const s = status([node('n1'), node('n2')]);
    expect(computeChanges(null, s)).toEqual([]);
    expect(computeChanges(s, s)).toEqual([]);
  });

  it('reports what is already wrong at the first check, once', () => {
    const s = status(
      [node('n1', { provisional: ['K1'] }), node('n2', { up: false, error: down })],
      [{ key: 'A', missingOn: ['n1'], message: '' }],
    );
    expect(kinds(computeChanges(null, s))).toEqual(['key-stale:n1:A', 'provisional-key:n1:K1', 'node-down:n2:']);
    const rec = lastKnown(null, s);
    expect(computeChanges(rec, s)).toEqual([]);
  });

  it('a provisional key appearing names its node; approving it elsewhere makes the other nodes stale', () => {
    const a = status([node('n1'), node('n2'), node('n3')]);
    const b = status([node('n1'), node('n2', { provisional: ['K'] }), node('n3')]);
    expect(kinds(computeChanges(a, b))).toEqual(['provisional-key:n2:K']);
    const c = status(
      [node('n1'), node('n2', { approved: ['K'] }), node('n3')],
      [{ key: 'K', missingOn: ['n1', 'n3'], message: '' }],
    );
    expect(kinds(computeChanges(b, c))).toEqual(['key-stale:n1:K', 'provisional-gone:n2:K', 'key-stale:n3:K']);
    const d = status([
      node('n1', { approved: ['K'] }),
      node('n2', { approved: ['K'] }),
      node('n3', { approved: ['K'] }),
    ]);
    expect(kinds(computeChanges(c, d))).toEqual(['key-reloaded:n1:K', 'key-reloaded:n3:K']);
  });

  it('a down node says nothing of its keys until it is back, then only what changed meanwhile', () => {
    const stale = [{ key: 'K', missingOn: ['n2'], message: '' }];
    const a = status([node('n1', { approved: ['K'] }), node('n2')], stale);
    let rec = lastKnown(null, a);
    const b = status([node('n1', { approved: ['K'] }), node('n2', { up: false, error: down, provisional: null })]);
    expect(kinds(computeChanges(rec, b))).toEqual(['node-down:n2:']);
    rec = lastKnown(rec, b);
    const c = status([node('n1', { approved: ['K'] }), node('n2', { up: false, error: down, provisional: null })]);
    expect(computeChanges(rec, c)).toEqual([]);
    rec = lastKnown(rec, c);
    // Restarted: its registry reloaded from the repository, so the key is loaded now.
    const d = status([node('n1', { approved: ['K'] }), node('n2', { approved: ['K'] })]);
    expect(kinds(computeChanges(rec, d))).toEqual(['node-up:n2:', 'key-reloaded:n2:K']);
  });

  it('a node still stale after a restart is not reported stale twice', () => {
    const stale = [{ key: 'K', missingOn: ['n2'], message: '' }];
    let rec = lastKnown(null, status([node('n1'), node('n2')], stale));
    rec = lastKnown(rec, status([node('n1'), node('n2', { up: false })]));
    expect(kinds(computeChanges(rec, status([node('n1'), node('n2')], stale)))).toEqual(['node-up:n2:']);
  });

  it('certificate: changed, and nearing expiry by the threshold, once', () => {
    const soon = new Date(T0 + 5 * 86_400_000 + 3_600_000).toISOString();
    const far = new Date(T0 + 400 * 86_400_000).toISOString();
    const a = status([node('n1', { tls: tls('AA', far) })]);
    expect(computeChanges(null, a)).toEqual([]);
    const b = status([node('n1', { tls: tls('BB', far) })]);
    expect(computeChanges(a, b)).toMatchObject([{ type: 'certificate-changed', node: 'n1', from: 'AA', to: 'BB' }]);
    const c = status([node('n1', { tls: tls('BB', soon) })]);
    expect(computeChanges(b, c)).toMatchObject([{ type: 'certificate-expiring', node: 'n1', daysLeft: 5 }]);
    expect(computeChanges(c, c)).toEqual([]);
    expect(computeChanges(c, c, { certificateWarnDays: 3, clockSkewSeconds: 60 })).toEqual([]);
    expect(computeChanges(a, a, { certificateWarnDays: 500, clockSkewSeconds: 60 })).toEqual([]);
    expect(computeChanges(null, a, { certificateWarnDays: 500, clockSkewSeconds: 60 })).toMatchObject([
      { type: 'certificate-expiring', daysLeft: 400 },
    ]);
  });

  it('clock skew crossing the threshold either way, in either direction', () => {
    const t = { certificateWarnDays: 14, clockSkewSeconds: 60 };
    const a = status([node('n1', { clockSkewSeconds: 59 })]);
    const b = status([node('n1', { clockSkewSeconds: -61 })]);
    const c = status([node('n1', { clockSkewSeconds: 61 })]);
    expect(computeChanges(a, b, t)).toMatchObject([{ type: 'clock-skew', skewSeconds: -61, thresholdSeconds: 60 }]);
    expect(computeChanges(b, c, t)).toEqual([]);
    expect(computeChanges(c, a, t)).toMatchObject([{ type: 'clock-ok', skewSeconds: 59 }]);
  });

  it('every change formats as one line naming cluster and node', () => {
    const s = status([
      node('n1', { provisional: ['K'], clockSkewSeconds: 400 }),
      node('n2', { up: false, error: down }),
    ]);
    const lines = computeChanges(null, s).map(formatChange);
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).not.toContain('\n');
      expect(l).toMatch(/^2026-12-01T00:00:00.000Z c [a-z-]+: .*\bn[12]\b/);
    }
    expect(lines[0]).toContain('approve c --key K --node n1');
  });

  it('a node refused for its certificate is "an untrusted certificate", not "down" (issue 18, defect 10)', () => {
    const refused = {
      code: 'TLS_UNTRUSTED' as const,
      message: 'n2 presented a certificate that is not trusted',
      node: 'n2',
    };
    const [line] = computeChanges(null, status([node('n1'), node('n2', { up: false, error: refused })]))
      .filter((c) => c.type === 'node-down')
      .map(formatChange);
    expect(line).toContain('n2 presents an untrusted certificate (TLS_UNTRUSTED: n2 presented');
    expect(line).not.toContain('is down');
  });
});

describe('HealPolicy', () => {
  it('heals at every drifted check while heals help', () => {
    const p = new HealPolicy();
    expect(p.onCheck(false)).toBe(false);
    expect(p.onCheck(true)).toBe(true);
    p.healed('consistent');
    expect(p.onCheck(false)).toBe(false);
    expect(p.failures).toBe(0);
    expect(p.onCheck(true)).toBe(true);
  });

  it('backs off 1, 3, 7… checks while heals do not help, capped, and resets once consistent', () => {
    const p = new HealPolicy(10);
    const pattern: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const heal = p.onCheck(true);
      pattern.push(heal);
      if (heal) p.healed('still-drifted');
    }
    const healedAt = pattern.flatMap((h, i) => (h ? [i] : []));
    // heal, (judged at the next check: 1 skipped), heal, (3 skipped), heal, (7), heal, (10 = cap)…
    expect(healedAt).toEqual([0, 2, 6, 14, 25, 36]);
    expect(p.failures).toBe(6);
    expect(p.onCheck(false)).toBe(false);
    expect(p.failures).toBe(0);
    expect(p.onCheck(true)).toBe(true);
  });

  it('a refused heal counts at once, and is not counted twice by the next drifted check', () => {
    const p = new HealPolicy();
    expect(p.onCheck(true)).toBe(true);
    p.healed('failed');
    expect(p.failures).toBe(1);
    expect(p.onCheck(true)).toBe(false);
    expect(p.failures).toBe(1);
    expect(p.onCheck(true)).toBe(true);
  });
});

describe('watch output and durations', () => {
  it('no control character from a node reaches the terminal raw, in text or JSON lines', () => {
    const key = 'k\u001b[2J\u009b31m\u2028\u007f';
    expect(printable(`key ${key}`)).toBe('key k\\u001b[2J\\u009b31m\\u2028\\u007f');
    const line = jsonLine({ key });
    // eslint-disable-next-line no-control-regex -- the point
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect((JSON.parse(line) as { key: string }).key).toBe(key);
  });

  it('parses 10s, 1m, 1h, 1500ms and bare seconds, within bounds', () => {
    expect(parseDuration('--interval', '10s', 1000, 86_400_000)).toBe(10_000);
    expect(parseDuration('--interval', '1m', 1000, 86_400_000)).toBe(60_000);
    expect(parseDuration('--interval', '1h', 1000, 86_400_000)).toBe(3_600_000);
    expect(parseDuration('--interval', '1500ms', 1000, 86_400_000)).toBe(1500);
    expect(parseDuration('--interval', '30', 1000, 86_400_000)).toBe(30_000);
    expect(() => parseDuration('--interval', '999ms', 1000, 86_400_000)).toThrow(/--interval: 999ms is out of range/);
    expect(() => parseDuration('--interval', '-1s', 1000, 86_400_000)).toThrow(/not a duration/);
    expect(() => parseDuration('--interval', '1.5s', 1000, 86_400_000)).toThrow(/not a duration/);
  });
});
