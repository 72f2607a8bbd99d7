/**
 * The watch's Prometheus metrics (prom-client, on a Registry of its own: nothing global, no default
 * process metrics unless asked) and the loopback HTTP endpoint that serves them in the text format.
 * Label values are cluster names, node ids and consumer keys: never a secret.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterStatus } from '../../../shared/model.ts';
import { provisionalKeys, staleKeys } from './changes.ts';
import type { WatchCheck } from './watcher.ts';
import { APP_VERSION } from '../version.ts';

type Labels = Record<string, string>;

/** A gauge whose label sets are replaced per cluster at each check: a node or key that is gone is dropped. */
class ClusterGauge {
  readonly gauge: Gauge;
  private readonly seen = new Map<string, Labels[]>();

  constructor(registry: Registry, name: string, help: string, labelNames: string[]) {
    this.gauge = new Gauge({ name, help, labelNames, registers: [registry] });
  }

  replace(cluster: string, values: { labels: Labels; value: number }[]): void {
    for (const labels of this.seen.get(cluster) ?? []) this.gauge.remove(labels);
    for (const v of values) this.gauge.set(v.labels, v.value);
    this.seen.set(
      cluster,
      values.map((v) => v.labels),
    );
  }

  /** Sets one series without dropping the cluster's others. */
  set(cluster: string, labels: Labels, value: number): void {
    const list = this.seen.get(cluster) ?? [];
    if (!list.some((l) => JSON.stringify(l) === JSON.stringify(labels))) list.push(labels);
    this.seen.set(cluster, list);
    this.gauge.set(labels, value);
  }

  drop(cluster: string): void {
    for (const labels of this.seen.get(cluster) ?? []) this.gauge.remove(labels);
    this.seen.delete(cluster);
  }
}

export const METRIC_PREFIX = 'oslc_admin_';

/**
 * The most series a per-key metric (`provisional_key`, `stale_key`) keeps per cluster: a key is a
 * label value, and a flood of provisional keys (a consumer script gone wrong) must not grow the
 * scrape without bound. Past it, the keys first in sort order are kept, the rest are counted in
 * `key_series_dropped`; `node_consumers` still counts every key, without the key label.
 */
export const KEY_SERIES_CAP = 100;

/** The first {@link KEY_SERIES_CAP} series by key, and how many were left out. */
function capped(values: { labels: Labels; value: number }[]): { kept: typeof values; dropped: number } {
  if (values.length <= KEY_SERIES_CAP) return { kept: values, dropped: 0 };
  const sorted = [...values].sort((a, b) =>
    a.labels.key! < b.labels.key! ? -1 : a.labels.key! > b.labels.key! ? 1 : 0,
  );
  return { kept: sorted.slice(0, KEY_SERIES_CAP), dropped: values.length - KEY_SERIES_CAP };
}

export class WatchMetrics {
  readonly registry = new Registry();
  private readonly up: ClusterGauge;
  private readonly latency: ClusterGauge;
  private readonly skew: ClusterGauge;
  private readonly consumers: ClusterGauge;
  private readonly provisional: ClusterGauge;
  private readonly stale: ClusterGauge;
  private readonly certExpiry: ClusterGauge;
  private readonly lastRefresh: ClusterGauge;
  private readonly drift: ClusterGauge;
  private readonly checkOk: ClusterGauge;
  private readonly lastCheck: ClusterGauge;
  private readonly checkDuration: ClusterGauge;
  private readonly heals: Counter;
  private readonly keySeriesDropped: ClusterGauge;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const r = this.registry;
    const p = METRIC_PREFIX;
    const node = ['cluster', 'node'];
    this.up = new ClusterGauge(r, `${p}node_up`, 'Whether the node answered its last check (1) or not (0).', node);
    this.latency = new ClusterGauge(r, `${p}node_latency_seconds`, "The node's response time at its last check.", node);
    this.skew = new ClusterGauge(
      r,
      `${p}node_clock_skew_seconds`,
      "The node's clock minus the watching host's, from its Date header (1 s resolution).",
      node,
    );
    this.consumers = new ClusterGauge(
      r,
      `${p}node_consumers`,
      'Consumer keys on the node by state: approved (loaded), missing (approved elsewhere, not loaded here), provisional (waiting for approval in this node’s memory).',
      [...node, 'state'],
    );
    this.provisional = new ClusterGauge(
      r,
      `${p}provisional_key`,
      "A provisional consumer key waiting in this node's memory (1): approve it on this node.",
      [...node, 'key'],
    );
    this.stale = new ClusterGauge(
      r,
      `${p}stale_key`,
      "A key approved elsewhere that is not loaded in this node's registry (1): requests there fail with 401.",
      [...node, 'key'],
    );
    this.certExpiry = new ClusterGauge(
      r,
      `${p}node_certificate_expiry_timestamp_seconds`,
      "When the node's TLS certificate expires (Unix time).",
      node,
    );
    this.lastRefresh = new ClusterGauge(
      r,
      `${p}node_last_refresh_timestamp_seconds`,
      "When this watch last refreshed the node's registry successfully (Unix time).",
      node,
    );
    this.drift = new ClusterGauge(
      r,
      `${p}cluster_drift_keys`,
      'Keys approved on some nodes and not loaded on others.',
      ['cluster'],
    );
    this.checkOk = new ClusterGauge(r, `${p}check_success`, 'Whether the last status check could be taken.', [
      'cluster',
    ]);
    this.lastCheck = new ClusterGauge(r, `${p}last_check_timestamp_seconds`, 'When the last check ended (Unix time).', [
      'cluster',
    ]);
    this.checkDuration = new ClusterGauge(r, `${p}check_duration_seconds`, 'How long the last check took.', [
      'cluster',
    ]);
    this.heals = new Counter({
      name: `${p}heals_total`,
      help: "Automatic syncs run by the watch's heal, by outcome (consistent, still-drifted, failed).",
      labelNames: ['cluster', 'outcome'],
      registers: [r],
    });
    this.keySeriesDropped = new ClusterGauge(
      r,
      `${p}key_series_dropped`,
      `Per-key series left out of a per-key metric of this cluster past its cap of ${KEY_SERIES_CAP} (node_consumers still counts them).`,
      ['cluster', 'metric'],
    );
    new Gauge({
      name: `${p}build_info`,
      help: 'Always 1; the labels say which versions of OSLC Cluster Admin and Node.js serve these metrics.',
      labelNames: ['version', 'node_version'],
      registers: [r],
    }).set({ version: APP_VERSION, node_version: process.version }, 1);
    if (opts.processMetrics) collectDefaultMetrics({ register: r, prefix: p });
  }

  /** Updates every series of the check's cluster. */
  observe(check: WatchCheck): void {
    const c = check.cluster;
    this.checkOk.replace(c, [{ labels: { cluster: c }, value: check.status ? 1 : 0 }]);
    this.lastCheck.replace(c, [{ labels: { cluster: c }, value: (check.startedAt + check.durationMs) / 1000 }]);
    this.checkDuration.replace(c, [{ labels: { cluster: c }, value: check.durationMs / 1000 }]);
    if (check.status) this.observeStatus(check.status);
    if (check.heal) {
      this.heals.inc({ cluster: c, outcome: check.heal.outcome });
      for (const n of check.heal.refreshed)
        this.lastRefresh.set(c, { cluster: c, node: n }, check.heal.refreshedAt / 1000);
    }
  }

  private observeStatus(s: ClusterStatus): void {
    const c = s.cluster;
    const stale = staleKeys(s);
    const per = <T>(f: (n: ClusterStatus['nodes'][number]) => T | null) =>
      s.nodes.flatMap((n) => {
        const v = f(n);
        return v === null ? [] : [{ n, v }];
      });
    this.up.replace(
      c,
      s.nodes.map((n) => ({ labels: { cluster: c, node: n.id }, value: n.up ? 1 : 0 })),
    );
    this.latency.replace(
      c,
      per((n) => (n.up ? n.latencyMs : null)).map(({ n, v }) => ({
        labels: { cluster: c, node: n.id },
        value: v / 1000,
      })),
    );
    this.skew.replace(
      c,
      per((n) => (n.up ? n.clockSkewSeconds : null)).map(({ n, v }) => ({
        labels: { cluster: c, node: n.id },
        value: v,
      })),
    );
    this.certExpiry.replace(
      c,
      per((n) => {
        const t = n.tls ? Date.parse(n.tls.validTo) : NaN;
        return Number.isFinite(t) ? t / 1000 : null;
      }).map(({ n, v }) => ({ labels: { cluster: c, node: n.id }, value: v })),
    );
    this.consumers.replace(
      c,
      s.nodes
        .filter((n) => n.up)
        .flatMap((n) => {
          const approved = new Set([
            ...(n.approved ?? []),
            ...n.consumers.filter((x) => x.state === 'approved').map((x) => x.key),
          ]);
          const labels = (state: string) => ({ cluster: c, node: n.id, state });
          return [
            { labels: labels('approved'), value: approved.size },
            { labels: labels('missing'), value: stale.get(n.id)?.size ?? 0 },
            { labels: labels('provisional'), value: provisionalKeys(n).length },
          ];
        }),
    );
    const provisional = capped(
      s.nodes
        .filter((n) => n.up)
        .flatMap((n) => provisionalKeys(n).map((key) => ({ labels: { cluster: c, node: n.id, key }, value: 1 }))),
    );
    const staleSeries = capped(
      [...stale].flatMap(([node, keys]) => [...keys].map((key) => ({ labels: { cluster: c, node, key }, value: 1 }))),
    );
    this.provisional.replace(c, provisional.kept);
    this.stale.replace(c, staleSeries.kept);
    this.keySeriesDropped.replace(c, [
      { labels: { cluster: c, metric: `${METRIC_PREFIX}provisional_key` }, value: provisional.dropped },
      { labels: { cluster: c, metric: `${METRIC_PREFIX}stale_key` }, value: staleSeries.dropped },
    ]);
    this.drift.replace(c, [{ labels: { cluster: c }, value: s.drift.length }]);
  }

  /** Drops every series of a cluster that is no longer watched. */
  forget(cluster: string): void {
    for (const g of [
      this.up,
      this.latency,
      this.skew,
      this.consumers,
      this.provisional,
      this.stale,
      this.certExpiry,
      this.lastRefresh,
      this.drift,
      this.checkOk,
      this.lastCheck,
      this.checkDuration,
      this.keySeriesDropped,
    ])
      g.drop(cluster);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** `HOST:PORT` or `[IPv6]:PORT`, a bare `PORT` meaning 127.0.0.1. Throws a RangeError naming what is wrong. */
export function parseListenAddress(value: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(value)) {
    host = '127.0.0.1';
    portText = value;
  } else {
    const i = value.lastIndexOf(':');
    if (i <= 0) throw new RangeError(`"${value}" is not HOST:PORT (e.g. 127.0.0.1:9464)`);
    host = value.slice(0, i);
    portText = value.slice(i + 1);
    if (host.includes(':')) throw new RangeError(`"${value}": write an IPv6 address in brackets, e.g. [::1]:9464`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    throw new RangeError(`"${value}": the port must be a number from 0 to 65535`);
  if (host !== 'localhost' && isIP(host) === 0)
    throw new RangeError(`"${value}": the host must be an IP address or localhost, got "${host}"`);
  return { host, port: Number(portText) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface MetricsServer {
  /** E.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (anything else: 404; a method other than GET/HEAD: 405). Refuses a
 * non-loopback address unless `allowRemote`: the metrics name clusters, nodes and keys.
 */
export async function serveMetrics(
  metrics: WatchMetrics,
  address: { host: string; port: number },
  opts: { allowRemote?: boolean } = {},
): Promise<MetricsServer> {
  if (!isLoopback(address.host) && !opts.allowRemote)
    throw new RangeError(
      `${address.host} is not a loopback address: the metrics name your clusters, nodes and consumer keys. Bind 127.0.0.1 (and scrape through a proxy or tunnel), or allow a remote address to listen on ${address.host} on purpose`,
    );
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => res.writeHead(500).end(),
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const hostText = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    url: `http://${hostText}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
