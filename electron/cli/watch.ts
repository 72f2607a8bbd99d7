/**
 * `oslc-admin watch <cluster>… [--all] [--interval 60s] [--heal] [--metrics HOST:PORT] [--json]
 * [--password-file FILE]`: the watch loop (electron/core/watch) as a service. One line per change on
 * stdout (text or JSON lines); what it is doing on stderr; runs until SIGINT/SIGTERM.
 */
import { Engine } from '../core/facade.ts';
import { accounts } from '../core/keychain.ts';
import type { SecretStore } from '../core/keychain.ts';
import { mapPool } from '../core/pool.ts';
import { NODE_CACHE_TTL_MS } from '../core/node-cache.ts';
import { Watcher, MAX_INTERVAL_MS, MIN_INTERVAL_MS, formatChange } from '../core/watch/index.ts';
import type { WatchChange } from '../core/watch/index.ts';
import { flag, int, list, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, JSON_SCHEMA_VERSION, UsageError, untilStopSignal, writeError } from './io.ts';
import { readPasswordFile } from './secret-options.ts';
import { ErrorCode, isAppError } from '../../shared/errors.ts';

const USAGE =
  'oslc-admin watch <cluster>… | --all [--interval 60s] [--heal] [--metrics 127.0.0.1:9464 [--metrics-allow-remote]] [--json] [--password-file [CLUSTER=]FILE]… [--cert-warn-days 14] [--skew-threshold 60s]';

export { PASSWORD_FILE_MAX_BYTES, readPasswordFile } from './secret-options.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `10s`, `1m`, `1h`, `1500ms`, or a bare number of seconds; bounded. Throws a UsageError naming `option`. */
export function parseDuration(option: string, value: string, minMs: number, maxMs: number): number {
  const m = /^(\d{1,9})(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new UsageError(`${option}: "${value}" is not a duration (e.g. 30s, 5m, 1h)`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (ms < minMs || ms > maxMs)
    throw new UsageError(`${option}: ${value} is out of range (${showMs(minMs)} to ${showMs(maxMs)})`);
  return ms;
}

function showMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Every secret the watch will use (each cluster's admin login, its tracked consumers' secrets),
 * read once now — before any socket is open — and only from memory afterwards. Not a cache for
 * speed: the OS keychain client (`@napi-rs/keyring` on Linux, over D-Bus) blocks the process for
 * good once it holds more than 1024 file descriptors (it waits in select(), whose sets end at
 * FD_SETSIZE = 1024), and a watch over many clusters keeps that many connections open. Reproduced
 * here: 1,100 open files, then one keychain read, hangs. A consumer tracked after the watch
 * started is probed after a reload (SIGHUP) or a restart (until then status notes that no secret is known for it).
 */
export async function readSecretsOnce(
  ctx: CommandContext,
  clusters: string[],
  fallback?: SecretStore,
): Promise<SecretStore> {
  // Read through an engine of the same home, so its own naming of entries (per config home, see
  // secret-overlay.ts) is honoured; what it reads at the store underneath is recorded.
  const known = new Map<string, string>();
  const oneShot = new Map<string, string>();
  const base = ctx.secrets;
  const recorder: SecretStore & { held(account: string): string | undefined } = {
    held: (account) => {
      const v = base.held(account);
      if (v !== undefined) oneShot.set(account, v);
      return v;
    },
    get: async (account) => {
      let v: string | null;
      try {
        v = await base.get(account);
      } catch (e) {
        // At a reload, a keychain that cannot be read now keeps what was read before.
        const before = fallback ? await fallback.get(account) : null;
        if (before === null) throw e;
        v = before;
      }
      if (v !== null) known.set(account, v);
      return v;
    },
    set: async (account, secret) => {
      await base.set(account, secret);
      known.set(account, secret);
    },
    delete: async (account) => {
      known.delete(account);
      return base.delete(account);
    },
  };
  const reader = new Engine({ home: ctx.home, secrets: recorder });
  let unreadable: string | null = null;
  const note = (e: unknown) => {
    unreadable ??= e instanceof Error ? e.message : String(e);
  };
  try {
    for (const name of clusters) {
      const def = await reader.getCluster({ cluster: name });
      await reader.adminCredentials(def).catch(note);
      await mapPool(
        def.consumers.filter((c) => c.hasSecret),
        8,
        (c) => reader.consumerSecret(def, c.key).catch(note),
      );
    }
  } finally {
    await reader.close();
  }
  if (unreadable !== null)
    ctx.io.stderr.write(
      `watch: some secrets could not be read from the keychain (${unreadable}); the checks go on without them\n`,
    );
  // From now on memory only: the keychain is never called again by this process.
  return Object.assign(
    {
      get: async (account: string) => known.get(account) ?? null,
      set: async (account: string, secret: string) => void known.set(account, secret),
      delete: async (account: string) => known.delete(account),
    },
    { held: (account: string) => oneShot.get(account) },
  );
}

/** Control characters from a node (keys, error texts) never reach the terminal as such. */
export function printable(line: string): string {
  return line.replace(
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls (0x9b is a terminal's CSI) and the
 * line separators raw: escaped here too (they can only stand inside strings, so the JSON is the same).
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The clusters to watch: every defined one with `--all`, else the named ones. At start a name that
 * does not exist is an error; at a reload it is dropped (it was removed meanwhile), and so may all be.
 */
async function watchedClusters(
  ctx: CommandContext,
  names: string[],
  all: boolean,
  when: 'start' | 'reload',
): Promise<string[]> {
  if (all) {
    const defined = (await ctx.engine.listClusters()).clusters.map((c) => c.name);
    if (!defined.length && when === 'start')
      throw new UsageError('--all: no cluster is defined yet (oslc-admin cluster add …)');
    return defined;
  }
  const found: string[] = [];
  for (const name of names) {
    try {
      found.push((await ctx.engine.getCluster({ cluster: name })).name);
    } catch (e) {
      if (when === 'start' || !isAppError(e) || e.code !== ErrorCode.CLUSTER_NOT_FOUND) throw e;
    }
  }
  return [...new Set(found)];
}

/** `--password-file FILE` (every watched cluster) or `CLUSTER=FILE` (that one): read now, held in memory. */
async function holdPasswordFiles(ctx: CommandContext, specs: string[], clusters: string[]): Promise<void> {
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const named = eq > 0 ? spec.slice(0, eq) : null;
    const targets = named !== null && clusters.includes(named) ? [named] : clusters;
    const file = named !== null && clusters.includes(named) ? spec.slice(eq + 1) : spec;
    const password = await readPasswordFile(file);
    for (const name of targets) {
      const def = await ctx.engine.getCluster({ cluster: name });
      if (!def.adminUser)
        throw new UsageError(
          `--password-file: cluster ${name} has no admin user; run \`oslc-admin login ${name} --user U\` once (or name the cluster: --password-file OTHER=FILE)`,
        );
      ctx.secrets.hold(accounts.admin(def.name), password);
    }
  }
}

/**
 * The watch's command line checked as `oslc-admin watch` checks it, before anything starts: a
 * UsageError (exit 2) for anything it would refuse. The systemd unit's ExecStart is held to it
 * (test/integration/packaging-watch-unit.test.ts).
 */
export async function parseWatchArgs(argv: string[]) {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      all: { type: 'boolean' },
      interval: { type: 'string' },
      heal: { type: 'boolean' },
      metrics: { type: 'string' },
      'metrics-allow-remote': { type: 'boolean' },
      json: { type: 'boolean' },
      'password-file': { type: 'string', multiple: true },
      'cert-warn-days': { type: 'string' },
      'skew-threshold': { type: 'string' },
    },
    USAGE,
    { min: 0, max: 1000, names: ['cluster'] },
  );
  const intervalMs = parseDuration('--interval', str(p, 'interval') ?? '60s', MIN_INTERVAL_MS, MAX_INTERVAL_MS);
  const certificateWarnDays = int(p, 'cert-warn-days', 0, 3650) ?? 14;
  const clockSkewSeconds = parseDuration('--skew-threshold', str(p, 'skew-threshold') ?? '60s', 1000, 300_000) / 1000;
  if (flag(p, 'metrics-allow-remote') && str(p, 'metrics') === undefined)
    throw new UsageError('--metrics-allow-remote: only with --metrics HOST:PORT');

  // The metrics module (and prom-client) loads only when asked for.
  const metricsModule = str(p, 'metrics') !== undefined ? await import('../core/watch/metrics.ts') : null;
  let address: { host: string; port: number } | null = null;
  if (metricsModule) {
    try {
      address = metricsModule.parseListenAddress(str(p, 'metrics')!);
    } catch (e) {
      throw new UsageError(`--metrics: ${(e as Error).message}`);
    }
    if (!metricsModule.isLoopback(address.host) && !flag(p, 'metrics-allow-remote'))
      throw new UsageError(
        `--metrics: ${address.host} is not a loopback address, and the metrics name your clusters, nodes and consumer keys; bind 127.0.0.1 (scrape through a tunnel or proxy) or add --metrics-allow-remote to listen on ${address.host} on purpose`,
      );
  }

  // Which clusters: named ones (each must exist), or every one with --all.
  if (flag(p, 'all') && p.positionals.length)
    throw new UsageError('--all: give either cluster names or --all, not both');
  if (!flag(p, 'all') && !p.positionals.length)
    throw new UsageError(`missing argument <cluster> (or --all)\nusage: ${USAGE}`);
  return { p, intervalMs, certificateWarnDays, clockSkewSeconds, metricsModule, address };
}

export async function watchCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const { p, intervalMs, certificateWarnDays, clockSkewSeconds, metricsModule, address } = await parseWatchArgs(argv);
  let clusters = await watchedClusters(ctx, p.positionals, flag(p, 'all'), 'start');
  await holdPasswordFiles(ctx, list(p, 'password-file'), clusters);

  const json = flag(p, 'json');
  // An engine of its own whose node cache outlives one interval, so each check reuses the last one's
  // discoveries and admin sessions (anything reused that no longer fits is dropped and asked again).
  const engineOver = (secrets: SecretStore) =>
    new Engine({
      home: ctx.home,
      secrets,
      nodeCacheTtlMs: Math.min(Math.max(NODE_CACHE_TTL_MS, intervalMs * 1.5), 10 * 60_000),
    });
  let secrets = await readSecretsOnce(ctx, clusters);
  let engine = engineOver(secrets);
  const metrics = metricsModule ? new metricsModule.WatchMetrics({ processMetrics: true }) : null;
  let server: { url: string; close(): Promise<void> } | null = null;
  if (metricsModule && metrics && address) {
    try {
      server = await metricsModule.serveMetrics(metrics, address, { allowRemote: flag(p, 'metrics-allow-remote') });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`--metrics: ${str(p, 'metrics')} is already in use`);
      if (code === 'EADDRNOTAVAIL') throw new UsageError(`--metrics: ${address.host} is not an address of this host`);
      if (code === 'EACCES') throw new UsageError(`--metrics: not allowed to listen on port ${address.port}`);
      throw e;
    }
  }

  // Each --json line is a document of its own: schemaVersion first, as in every --json output.
  const print = (c: WatchChange) =>
    ctx.io.stdout.write(
      `${json ? jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, ...c }) : printable(formatChange(c))}\n`,
    );
  const watcherOver = (e: Engine, names: string[], previous?: Pick<Watcher, 'records' | 'policies'>) =>
    new Watcher(e, {
      clusters: names,
      intervalMs,
      heal: flag(p, 'heal'),
      thresholds: { certificateWarnDays, clockSkewSeconds },
      onChange: print,
      onCheck: (check) => metrics?.observe(check),
      onListenerError: (err) =>
        writeError(ctx.io, json, ErrorCode.INTERNAL, `watch: ${err instanceof Error ? err.message : String(err)}`),
      ...(previous ? { previous: previous.records, previousPolicies: previous.policies } : {}),
    });
  let watcher = watcherOver(engine, clusters);

  // SIGHUP (systemctl reload): clusters, logins, consumers and password files are read again, and
  // the watch goes on from what it last saw. Everything is read before anything is swapped, so a
  // reload that fails (a password file made unreadable) leaves the running watch as it was.
  let reloading: Promise<void> = Promise.resolve();
  const reload = async () => {
    try {
      const next = await watchedClusters(ctx, p.positionals, flag(p, 'all'), 'reload');
      await holdPasswordFiles(ctx, list(p, 'password-file'), next);
      const nextSecrets = await readSecretsOnce(ctx, next, secrets);
      const previous = { records: watcher.records, policies: watcher.policies };
      await watcher.stop();
      await engine.close();
      for (const name of clusters) if (!next.includes(name)) metrics?.forget(name);
      const added = next.filter((n) => !clusters.includes(n));
      const removed = clusters.filter((n) => !next.includes(n));
      [clusters, secrets, engine] = [next, nextSecrets, engineOver(nextSecrets)];
      watcher = watcherOver(engine, clusters, previous);
      watcher.start();
      ctx.io.stderr.write(
        `watch: reloaded: watching ${clusters.join(', ') || 'no cluster'}${added.length ? `; added ${added.join(', ')}` : ''}${removed.length ? `; no longer watching ${removed.join(', ')}` : ''}\n`,
      );
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const code = isAppError(e) ? e.code : e instanceof UsageError ? ErrorCode.BAD_INPUT : ErrorCode.INTERNAL;
      writeError(
        ctx.io,
        json,
        code,
        `watch: reload failed, still watching ${clusters.join(', ')} as before: ${printable(why)}`,
      );
    }
  };
  const onHup = () => {
    reloading = reloading.then(reload);
  };
  const stopped = untilStopSignal();
  process.on('SIGHUP', onHup);
  watcher.start();
  ctx.io.stderr.write(
    `watching ${clusters.join(', ')} every ${showMs(intervalMs)} ±10% (heal ${flag(p, 'heal') ? 'on' : 'off'})${server ? `; metrics at ${server.url}` : ''}; Ctrl+C stops, SIGHUP reloads\n`,
  );
  try {
    await stopped;
  } finally {
    process.off('SIGHUP', onHup);
    await reloading;
    await watcher.stop();
    await server?.close();
    await engine.close();
  }
  ctx.io.stderr.write('watch stopped\n');
  return EXIT.OK;
}
