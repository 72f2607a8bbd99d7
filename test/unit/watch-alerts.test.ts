// docs/oslc-admin-alerts.yml parses as a Prometheus rule file and names only metrics the watch
// exports; the metric names and the listen-address rules of electron/core/watch/metrics.ts.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  KEY_SERIES_CAP,
  WatchMetrics,
  isLoopback,
  parseListenAddress,
  serveMetrics,
} from '../../electron/core/watch/metrics.ts';
import type { ClusterStatus } from '../../shared/model.ts';

// js-yaml is in node_modules through electron-builder (not a dependency of ours): the test only reads.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('docs/oslc-admin-alerts.yml', () => {
  it('is a rule file whose every rule is well formed and names only exported metrics', async () => {
    const text = await readFile(new URL('../../docs/oslc-admin-alerts.yml', import.meta.url), 'utf8');
    const doc = yaml.load(text) as { groups: { name: string; rules: Rule[] }[] };
    expect(Object.keys(doc)).toEqual(['groups']);
    expect(doc.groups.length).toBeGreaterThan(0);
    const exported = new Set(new WatchMetrics().registry.getMetricsAsArray().map((m) => m.name));
    const names = new Set<string>();
    for (const g of doc.groups) {
      expect(typeof g.name).toBe('string');
      for (const r of g.rules) {
        expect(Object.keys(r).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k))).toBe(true);
        expect(r.alert).toMatch(/^Oslc[A-Za-z]+$/);
        expect(names.has(r.alert!)).toBe(false);
        names.add(r.alert!);
        expect(typeof r.expr).toBe('string');
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smhd]$/);
        expect(['critical', 'warning']).toContain(r.labels?.severity);
        expect(r.annotations?.summary).toBeTruthy();
        // Balanced brackets and quotes, and every oslc_admin_* name exported.
        let depth = 0;
        for (const c of r.expr.replace(/"[^"]*"/g, '""')) {
          if ('([{'.includes(c)) depth++;
          if (')]}'.includes(c)) depth--;
          expect(depth).toBeGreaterThanOrEqual(0);
        }
        expect(depth).toBe(0);
        expect((r.expr.match(/"/g) ?? []).length % 2).toBe(0);
        for (const m of r.expr.match(/\boslc_admin_[a-z_]+/g) ?? []) expect(exported, `${r.alert}: ${m}`).toContain(m);
        // Template variables that exist on the series the rule selects.
        for (const v of JSON.stringify(r.annotations).matchAll(/\$labels\.(\w+)/g))
          expect(['cluster', 'node', 'key', 'outcome', 'instance']).toContain(v[1]);
      }
    }
    for (const wanted of ['OslcNodeDown', 'OslcStaleConsumerKey', 'OslcProvisionalKeyWaiting', 'OslcHealNotHelping'])
      expect(names).toContain(wanted);
  });
});

describe('metrics names and listen address', () => {
  it('exports every metric the docs list', async () => {
    const doc = await readFile(new URL('../../docs/monitoring.md', import.meta.url), 'utf8');
    const exported = new WatchMetrics().registry.getMetricsAsArray().map((m) => m.name);
    for (const name of exported) expect(doc).toContain(`\`${name}\``);
    expect(exported.length).toBeGreaterThanOrEqual(13);
  });

  it('parses HOST:PORT, [v6]:PORT and a bare port; refuses names and bad ports', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(() => parseListenAddress('example.org:80')).toThrow(/IP address or localhost/);
    expect(() => parseListenAddress('::1:80')).toThrow(/brackets/);
    expect(() => parseListenAddress('127.0.0.1:65536')).toThrow(/0 to 65535/);
    expect(() => parseListenAddress('127.0.0.1:')).toThrow(/0 to 65535/);
    expect(isLoopback('127.3.4.5')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });

  it('serveMetrics refuses a non-loopback address before listening', async () => {
    await expect(serveMetrics(new WatchMetrics(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /not a loopback address.*allow a remote address to listen on 0\.0\.0\.0 on purpose/,
    );
  });
});

describe('build info and the cap on per-key series (issue 22)', () => {
  it('says which version serves the metrics, and keeps at most KEY_SERIES_CAP key series per cluster, counting the rest', async () => {
    const { parsePromText, sampleValue } = await import('../integration/_watch-prom.ts');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const m = new WatchMetrics();
    let fams = parsePromText(await m.text());
    expect(sampleValue(fams, 'oslc_admin_build_info', { version: pkg.version, node_version: process.version })).toBe(1);
    const keys = Array.from({ length: KEY_SERIES_CAP + 50 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const status: ClusterStatus = {
      cluster: 'prod',
      kind: 'sandbox',
      checkedAt: new Date().toISOString(),
      nodes: [
        {
          id: 'n1',
          url: 'http://127.0.0.1:1',
          up: true,
          latencyMs: 1,
          clockSkewSeconds: 0,
          tls: null,
          consumers: [],
          provisional: keys,
          approved: [],
          error: null,
        },
      ],
      drift: [],
      notices: [],
    };
    const check = {
      cluster: 'prod',
      startedAt: Date.now(),
      durationMs: 5,
      status,
      error: null,
      changes: [],
      heal: null,
      healDeferred: false,
    };
    m.observe(check);
    fams = parsePromText(await m.text());
    expect(fams.get('oslc_admin_provisional_key')?.samples).toHaveLength(KEY_SERIES_CAP);
    expect(sampleValue(fams, 'oslc_admin_provisional_key', { cluster: 'prod', node: 'n1', key: 'k000' })).toBe(1);
    expect(
      sampleValue(fams, 'oslc_admin_provisional_key', { cluster: 'prod', node: 'n1', key: `k${KEY_SERIES_CAP}` }),
    ).toBeUndefined();
    expect(
      sampleValue(fams, 'oslc_admin_key_series_dropped', { cluster: 'prod', metric: 'oslc_admin_provisional_key' }),
    ).toBe(50);
    expect(sampleValue(fams, 'oslc_admin_node_consumers', { cluster: 'prod', node: 'n1', state: 'provisional' })).toBe(
      KEY_SERIES_CAP + 50,
    );
    // Back under the cap: nothing dropped.
    m.observe({ ...check, status: { ...status, nodes: [{ ...status.nodes[0]!, provisional: keys.slice(0, 3) }] } });
    fams = parsePromText(await m.text());
    expect(fams.get('oslc_admin_provisional_key')?.samples).toHaveLength(3);
    expect(
      sampleValue(fams, 'oslc_admin_key_series_dropped', { cluster: 'prod', metric: 'oslc_admin_provisional_key' }),
    ).toBe(0);
  });
});

describe("the tests' Prometheus text parser (test/integration/_watch-prom.ts) is strict", () => {
  it('reads what prom-client writes, and refuses what the format does not allow', async () => {
    const { parsePromText, sampleValue } = await import('../integration/_watch-prom.ts');
    const m = new WatchMetrics();
    const fams = parsePromText(await m.text());
    expect(fams.get('oslc_admin_node_up')?.type).toBe('gauge');
    const ok = '# HELP a_b x\n# TYPE a_b gauge\na_b{c="d\\"e\\\\f\\ng"} 1.5e3\na_b 2 1700000000000\n';
    expect(sampleValue(parsePromText(ok), 'a_b', { c: 'd"e\\f\ng' })).toBe(1500);
    for (const bad of [
      'a_b 1', // no final newline
      '1ab 1\n', // bad name
      'a{1x="v"} 1\n', // bad label name
      'a{x=v} 1\n', // unquoted value
      'a{x="\\q"} 1\n', // bad escape
      'a{x="v",x="w"} 1\n', // label twice
      'a one\n', // not a float
      'a 1 2 3\n', // too many fields
      '# TYPE a gauge\n# TYPE a gauge\na 1\n', // TYPE twice
      '# TYPE a nonsense\na 1\n', // bad type
      'a 1\n# TYPE a gauge\n', // TYPE after samples
      'a 1\nb 1\na 2\n', // samples not together
      'a{x="1"} 1\na{x="1"} 2\n', // duplicate series
    ])
      expect(() => parsePromText(bad), JSON.stringify(bad)).toThrow();
  });
});
