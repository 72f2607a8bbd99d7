// `status --check`'s verdict (electron/cli/check.ts) on hand-made statuses: every rule, the one
// line, the performance data.
import { describe, expect, it } from 'vitest';
import { checkResult, CHECK_EXIT, DEFAULT_CHECK, parseThresholds } from '../../electron/cli/check.ts';
import type { CheckThresholds } from '../../electron/cli/check.ts';
import { alerts, parseRange } from '../../electron/cli/check-range.ts';
import type { ClusterStatus, NodeStatus } from '../../shared/model.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');

function node(id: string, over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    id,
    url: '',
    up: true,
    latencyMs: 12,
    clockSkewSeconds: 0,
    tls: null,
    consumers: [{ key: 'K', state: 'approved', problem: null }],
    provisional: [],
    approved: ['K'],
    error: null,
    ...over,
  };
}

const st = (nodes: NodeStatus[], drift: ClusterStatus['drift'] = []): ClusterStatus => ({
  cluster: 'prod',
  kind: 'sandbox',
  checkedAt: new Date(NOW).toISOString(),
  nodes,
  drift,
  notices: [],
});

const run = (s: ClusterStatus) => checkResult(s, undefined, NOW);
const tls = (validTo: string) => ({
  subject: '',
  issuer: '',
  validFrom: '',
  validTo,
  fingerprint256: 'AA',
  authorized: true,
});

describe('status --check', () => {
  it('OK with perfdata', () => {
    const r = run(st([node('n1'), node('n2', { latencyMs: 40, clockSkewSeconds: -3 })]));
    expect(r.code).toBe(CHECK_EXIT.OK);
    expect(r.line).toBe(
      'OSLC OK - prod: 2/2 nodes up, 1 tracked key consistent | nodes_up=2;;;0;2 nodes_down=0;;0;0;2 stale_nodes=0;;0;0;2 drift_keys=0;;;0 provisional_keys=0;0;;0 max_clock_skew=3s;60;300;0 max_latency=0.040s;;;0',
    );
  });

  it('WARNING: provisional, clock past the warning, certificate near expiry, a failing list, a key loaded nowhere', () => {
    expect(run(st([node('n1', { provisional: ['P'] }), node('n2')])).line).toMatch(
      /^OSLC WARNING - prod: provisional P on n1 \|/,
    );
    expect(run(st([node('n1', { clockSkewSeconds: 90 })])).code).toBe(CHECK_EXIT.WARNING);
    expect(run(st([node('n1', { tls: tls('2026-12-05T00:00:00Z') })])).line).toContain('n1 certificate expires in 4 d');
    expect(run(st([node('n1', { error: { code: 'AUTH_FAILED', message: 'no' } })])).line).toContain('n1 AUTH_FAILED');
    const nowhere = node('n1', { consumers: [{ key: 'K', state: 'unknown', problem: null }], approved: [] });
    expect(run(st([nowhere])).line).toContain('K loaded on no node');
  });

  it('CRITICAL: a node down, a stale key, the OAuth clock window, an expired certificate, a wrong secret', () => {
    const down = run(st([node('n1'), node('n2', { up: false, error: { code: 'NODE_UNREACHABLE', message: 'x' } })]));
    expect(down.code).toBe(CHECK_EXIT.CRITICAL);
    expect(down.line).toMatch(
      /^OSLC CRITICAL - prod: n2 down \(NODE_UNREACHABLE\) \| nodes_up=1;;;0;2 nodes_down=1;;0;0;2 /,
    );
    // A node refused for its certificate answered: named as such, not "down" (issue 18, defect 10).
    const refused = run(st([node('n1'), node('n2', { up: false, error: { code: 'TLS_UNTRUSTED', message: 'x' } })]));
    expect(refused.code).toBe(CHECK_EXIT.CRITICAL);
    expect(refused.line).toMatch(/^OSLC CRITICAL - prod: n2 untrusted certificate \(TLS_UNTRUSTED\) \|/);
    expect(run(st([node('n1'), node('n2')], [{ key: 'K', missingOn: ['n2'], message: '' }])).line).toContain(
      'K stale on n2',
    );
    expect(run(st([node('n1', { clockSkewSeconds: -301 })])).code).toBe(CHECK_EXIT.CRITICAL);
    expect(run(st([node('n1', { tls: tls('2026-11-30T00:00:00Z') })])).line).toContain('n1 certificate expired');
    expect(run(st([node('n1', { consumers: [{ key: 'K', state: 'bad-secret', problem: null }] })])).code).toBe(
      CHECK_EXIT.CRITICAL,
    );
  });

  it('one line whatever a node sent, critical first, at most four problems then a count', () => {
    const nodes = Array.from({ length: 6 }, (_, i) => node(`n${i}`, { provisional: [`P|\n\u001b${i}`] }));
    nodes.push(node('x', { up: false }));
    const r = run(st(nodes));
    expect(r.line.split('\n')).toHaveLength(1);
    expect(r.line.split(' | ')).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- the point
    expect(r.line).not.toMatch(/[\u0000-\u001f]/);
    expect(r.line).toMatch(/^OSLC CRITICAL - prod: x down; provisional P {3}0 on n0; .*; \+3 more \|/);
  });
});

describe('threshold ranges (Monitoring Plugins guidelines)', () => {
  // The guidelines' own examples: the range, then values that alert and values that do not.
  const cases: [string, number[], number[]][] = [
    ['10', [-1, 11, 100], [0, 5, 10]],
    ['10:', [-5, 0, 9.5], [10, 11, 1e9]],
    ['~:10', [11, 1e9], [-1e9, -1, 0, 10]],
    ['10:20', [9, 21, 0], [10, 15, 20]],
    ['@10:20', [10, 15, 20], [9, 21, 0]],
  ];
  for (const [text, alerting, quiet] of cases)
    it(`${text} alerts for ${alerting.join(', ')} and not for ${quiet.join(', ')}`, () => {
      const r = parseRange(text, '-w');
      for (const v of alerting) expect(alerts(r, v), `${text} with ${v}`).toBe(true);
      for (const v of quiet) expect(alerts(r, v), `${text} with ${v}`).toBe(false);
    });

  it('refuses a range it cannot read, naming the option', () => {
    expect(() => parseRange('20:10', '-c down')).toThrow(
      /-c down: "20:10" is not a threshold range \(its start is above its end/,
    );
    expect(() => parseRange('abc', '-w skew')).toThrow(/-w skew: "abc" .*"abc" is not a number/);
    expect(() => parseRange('@', '-w skew')).toThrow(/it is empty/);
    expect(() => parseThresholds(['nodes=1'], '-w')).toThrow(
      /-w: "nodes=1" names no figure; .*down, stale, provisional, skew/,
    );
    expect(() => parseThresholds(['5'], '-c')).toThrow(/names no figure/);
  });
});

describe('status --check with -w/-c per figure', () => {
  const with_ = (w: string[], c: string[]): CheckThresholds => ({
    certWarnDays: 14,
    warning: { ...DEFAULT_CHECK.warning, ...parseThresholds(w, '-w') },
    critical: { ...DEFAULT_CHECK.critical, ...parseThresholds(c, '-c') },
  });
  const three = (downs: number) =>
    st(Array.from({ length: 3 }, (_, i) => node(`n${i}`, i < downs ? { up: false, consumers: [] } : {})));

  it('nodes down: -w down=0 -c down=1 warns at one down and is critical at two', () => {
    const t = with_(['down=0'], ['down=1']);
    expect(checkResult(three(0), t, NOW).code).toBe(CHECK_EXIT.OK);
    const one = checkResult(three(1), t, NOW);
    expect(one.code).toBe(CHECK_EXIT.WARNING);
    expect(one.line).toMatch(/^OSLC WARNING - prod: n0 down \|.* nodes_down=1;0;1;0;3 /);
    expect(checkResult(three(2), t, NOW).code).toBe(CHECK_EXIT.CRITICAL);
  });

  it('stale nodes, provisional keys and clock skew follow their ranges (@ inverts)', () => {
    const stale = st([node('n1'), node('n2')], [{ key: 'K', missingOn: ['n2'], message: '' }]);
    expect(checkResult(stale, with_([], ['stale=1']), NOW).code).toBe(CHECK_EXIT.OK);
    expect(checkResult(stale, with_(['stale=0'], ['stale=1']), NOW).code).toBe(CHECK_EXIT.WARNING);
    const prov = st([node('n1', { provisional: ['P', 'Q'] })]);
    expect(checkResult(prov, with_(['provisional=2'], []), NOW).code).toBe(CHECK_EXIT.OK);
    expect(checkResult(prov, with_(['provisional=1'], ['provisional=~:1']), NOW).code).toBe(CHECK_EXIT.CRITICAL);
    const skewed = st([node('n1', { clockSkewSeconds: -15 })]);
    expect(checkResult(skewed, with_(['skew=10'], ['skew=20']), NOW).line).toMatch(
      /^OSLC WARNING - prod: n1 clock -15 s off \|.* max_clock_skew=15s;10;20;0 /,
    );
    expect(checkResult(skewed, with_(['skew=@10:20'], []), NOW).code).toBe(CHECK_EXIT.WARNING);
    expect(checkResult(skewed, with_(['skew=@0:9'], []), NOW).code).toBe(CHECK_EXIT.OK);
  });
});

describe('status --check that could not read the key lists', () => {
  const unread = (over: Partial<NodeStatus> = {}) => node('n1', { provisional: null, approved: null, ...over });

  it('is UNKNOWN with the reason, never OK: no admin login noted by status', () => {
    const s = st([unread(), unread({ id: 'n2' })]);
    s.notices = [
      "No admin login is stored for prod: the nodes' own key lists were not read. Run `oslc-admin login prod --user U`.",
    ];
    const r = run(s);
    expect(r.code).toBe(CHECK_EXIT.UNKNOWN);
    expect(r.line).toMatch(/^OSLC UNKNOWN - prod: key lists not read on n1,n2: No admin login is stored for prod/);
  });

  it("names the nodes' own error when their list failed", () => {
    const r = run(st([unread({ error: { code: 'AUTH_FAILED', message: 'no' } }), node('n2')]));
    expect(r.code).toBe(CHECK_EXIT.UNKNOWN);
    expect(r.line).toMatch(/^OSLC UNKNOWN - prod: key lists not read on n1: AUTH_FAILED; n1 AUTH_FAILED \|/);
  });

  it('stays CRITICAL when what it did see is critical, and says it was blind too', () => {
    const r = run(st([unread(), node('n2', { up: false })]));
    expect(r.code).toBe(CHECK_EXIT.CRITICAL);
    expect(r.line).toMatch(/^OSLC CRITICAL - prod: n2 down; key lists not read on n1/);
  });

  it('is not blind on a kind without a list API (only tracked keys are probed there)', () => {
    const s = { ...st([unread()]), kind: 'clearquest' as const };
    expect(run(s).code).toBe(CHECK_EXIT.OK);
  });
});
