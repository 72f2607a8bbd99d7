// `status --check`'s verdict (electron/cli/check.ts) on hand-made statuses: every rule, the one
// line, the performance data.
import { describe, expect, it } from 'vitest';
import { checkResult, CHECK_EXIT } from '../../electron/cli/check.ts';
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
      'OSLC OK - prod: 2/2 nodes up, 1 tracked key consistent | nodes_up=2;;2:;0;2 drift_keys=0;;0;0 provisional_keys=0;0;;0 max_clock_skew=3s;60;300;0 max_latency=0.040s;;;0',
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
    expect(down.line).toMatch(/^OSLC CRITICAL - prod: n2 down \(NODE_UNREACHABLE\) \| nodes_up=1;;2:;0;2/);
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
