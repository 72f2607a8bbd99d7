/**
 * `npm run bench:watch`: one `oslc-admin watch` process over 20 clusters × 16 nodes at 100 ms per
 * request, checking every 10 s, for 10 minutes; its CPU and RSS sampled from /proc over the run and
 * reported as JSON (stdout, and bench-results/watch-soak-<time>.json). Not part of `npm test`.
 *
 * Environment (all optional): WATCH_SOAK_SECONDS (600), WATCH_SOAK_CLUSTERS (20), WATCH_SOAK_NODES
 * (16), WATCH_SOAK_LATENCY_MS (100), WATCH_SOAK_INTERVAL (10s), WATCH_SOAK_CONSUMERS (2 tracked keys
 * per cluster), WATCH_SOAK_SAMPLE_SECONDS (5). Run under scripts/with-keychain.sh (the script does):
 * the consumer secrets are in a throwaway keychain service; the admin password reaches the watch
 * through --password-file, as on a server.
 *
 * The sandboxes run in a second process (this file with --serve-sandboxes), so the figures are the
 * watch's alone. Both processes are stopped by process group, never by name.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain, accounts } from '../../electron/core/keychain.ts';
import type { SandboxHandle, SandboxInfo } from '../../electron/sandbox/index.ts';
import { BIN, cliRunsBundle } from './processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const num = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) {
    process.stderr.write(`${name}: "${v}" is not a whole number\n`);
    process.exit(2);
  }
  return Number(v);
};

const CONFIG = {
  seconds: num('WATCH_SOAK_SECONDS', 600),
  clusters: num('WATCH_SOAK_CLUSTERS', 20),
  nodes: num('WATCH_SOAK_NODES', 16),
  latencyMs: num('WATCH_SOAK_LATENCY_MS', 100),
  interval: process.env.WATCH_SOAK_INTERVAL || '10s',
  consumers: num('WATCH_SOAK_CONSUMERS', 2),
  sampleSeconds: num('WATCH_SOAK_SAMPLE_SECONDS', 5),
};

/**
 * --serve-sandboxes N NODES LATENCY, the admin password on stdin (never on a command line): the
 * sandboxes, one JSON line of their infos, until SIGTERM.
 */
async function serveSandboxes(argv: string[]): Promise<void> {
  const [count, nodes, latency] = argv;
  let password = '';
  for await (const chunk of process.stdin) password += String(chunk);
  const { startSandbox } = await import('../../electron/sandbox/index.ts');
  const handles: SandboxHandle[] = [];
  for (let i = 0; i < Number(count); i++)
    handles.push(await startSandbox({ nodes: Number(nodes), latencyMs: Number(latency), adminPassword: password }));
  process.stdout.write(`${JSON.stringify(handles.map((h) => h.info))}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // Closing 300+ listeners with connections the watch kept alive: bounded, then out regardless.
  setTimeout(() => process.exit(0), 5_000).unref();
  await Promise.all(handles.map((h) => h.close()));
  process.exit(0);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* gone */
  }
}

const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.exitCode === null && killGroup(c, 'SIGKILL')));
// Stopped from outside (Ctrl+C, a CI timeout): the children's groups go with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (process.argv[2] === '--serve-sandboxes') return;
    process.stderr.write(`watch soak: ${signal}, stopping\n`);
    process.exit(130);
  });

function spawnGroup(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  return child;
}

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} on ${stream} in ${timeoutMs} ms: ${text}`)), timeoutMs);
    child[stream]!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = re.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
  });
}

async function stop(child: ChildProcess): Promise<number> {
  const t0 = Date.now();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGTERM');
    const killer = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  children.delete(child);
  return Date.now() - t0;
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in seconds, and its RSS in MiB, from /proc. */
function sample(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds, rssMiB: Math.round((kb / 1024) * 10) / 10 };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : null;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const started = new Date();
  // The CLI bundle, when stale, is rebuilt first: the figures are those of what ships.
  execFileSync(process.execPath, ['scripts/build.mjs', 'cli', '--if-stale', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const password = randomBytes(12).toString('base64url');
  process.stderr.write(
    `watch soak: ${CONFIG.clusters} clusters × ${CONFIG.nodes} nodes, ${CONFIG.latencyMs} ms, every ${CONFIG.interval}, ${CONFIG.seconds} s\n`,
  );
  const sandboxes = spawnGroup([
    'bin/run-ts.mjs',
    'test/bench/watch-soak.ts',
    '--serve-sandboxes',
    String(CONFIG.clusters),
    String(CONFIG.nodes),
    String(CONFIG.latencyMs),
  ]);
  sandboxes.stdin!.end(password);
  const home = await mkdtemp(join(tmpdir(), 'oslc-watch-soak-'));
  const service = `oslc-cluster-admin-bench-${randomBytes(6).toString('hex')}`;
  const keychain = new OsKeychain(service);
  const engine = new Engine({ home, secrets: keychain });
  let watch: ChildProcess | null = null;
  try {
    const infos = JSON.parse(await waitFor(sandboxes, 'stdout', /^(.*)\n/, 300_000)) as SandboxInfo[];
    // Each cluster: defined, its admin login, and consumers approved and loaded on every node. The
    // config writes one at a time (they take the config file's lock), the network work in parallel.
    const t0 = Date.now();
    process.stderr.write(`sandboxes listening; setting up ${infos.length} clusters\n`);
    const names = infos.map((_, i) => `c${String(i + 1).padStart(2, '0')}`);
    for (const [i, info] of infos.entries()) {
      await engine.addCluster({
        name: names[i]!,
        kind: 'sandbox',
        balancerUrl: info.balancer,
        nodes: info.nodes.map((n) => ({ id: n.id, url: n.url })),
        repo: info.repo,
        db: info.db,
      });
      await engine.storeCredentials({ cluster: names[i]!, user: info.admin.user, password });
    }
    const friends = await Promise.all(
      infos.map((info, i) =>
        Promise.all(
          Array.from({ length: CONFIG.consumers }, async (_, k) => {
            const secret = `secret-${names[i]}-${k}`;
            const res = await fetch(`${info.control}/consumer/friend`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: `consumer-${k}`, secret }),
            });
            return { key: ((await res.json()) as { key: string }).key, secret };
          }),
        ),
      ),
    );
    for (const [i, keys] of friends.entries())
      for (const { key, secret } of keys) await engine.trackConsumer({ cluster: names[i]!, key, secret });
    // One cluster at a time: with all 20 at once the setup engine stalled now and then (a busy main
    // thread, ~1,000 sockets open) — the setup is not what is measured.
    for (const [i, name] of names.entries()) {
      const t1 = Date.now();
      for (const { key } of friends[i]!) await engine.approve({ cluster: name, key });
      const synced = await engine.sync({ cluster: name });
      if (!synced.verified.consistent) throw new Error(`${name}: not consistent after setup`);
      process.stderr.write(`  ${name} ready in ${Date.now() - t1} ms\n`);
    }
    process.stderr.write(`set up in ${Date.now() - t0} ms; starting the watch\n`);
    const setupMs = Date.now() - t0;
    // The admin password as on a server: an owner-only file, not the keychain.
    for (const info of await engine.listClusters().then((r) => r.clusters))
      await keychain.delete(accounts.admin(info.name));
    process.stderr.write('admin passwords removed from the keychain\n');
    const pwFile = join(home, 'admin-password');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });

    const bundle = cliRunsBundle();
    watch = spawnGroup(
      [BIN, 'watch', '--all', '--interval', CONFIG.interval, '--json', '--metrics', '127.0.0.1:0'].concat([
        '--password-file',
        pwFile,
        '--home',
        home,
      ]),
      { OSLC_ADMIN_KEYCHAIN_SERVICE: service },
    );
    watch.stdin!.end();
    let changeLines = 0;
    const changeTypes: Record<string, number> = {};
    let partial = '';
    watch.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        changeLines++;
        const type = (JSON.parse(l) as { type: string }).type;
        changeTypes[type] = (changeTypes[type] ?? 0) + 1;
      }
    });
    const url = await waitFor(watch, 'stderr', /metrics at (\S+);/, 120_000);
    process.stderr.write(`watch ${watch.pid} serving ${url}; sampling\n`);
    const pid = watch.pid!;
    const samples: { t: number; cpuSeconds: number; rssMiB: number }[] = [];
    const tStart = Date.now();
    samples.push({ t: 0, ...sample(pid) });
    while (Date.now() - tStart < CONFIG.seconds * 1000) {
      await new Promise((r) => setTimeout(r, CONFIG.sampleSeconds * 1000));
      if (watch.exitCode !== null) throw new Error(`watch exited with ${watch.exitCode}`);
      samples.push({ t: (Date.now() - tStart) / 1000, ...sample(pid) });
      if (samples.length % 6 === 1) process.stderr.write(`  ${Math.round((Date.now() - tStart) / 1000)} s\n`);
    }
    const scrape = await (await fetch(url)).text();
    const perCluster = (metric: string) =>
      [...scrape.matchAll(new RegExp(`^${metric}\\{cluster="[^"]+"\\} (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
    const durations = perCluster('oslc_admin_check_duration_seconds');
    const success = perCluster('oslc_admin_check_success');
    const upNodes = [...scrape.matchAll(/^oslc_admin_node_up\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
    const stopMs = await stop(watch);
    watch = null;

    const cpuWindows = samples
      .slice(1)
      .map((s, i) => (100 * (s.cpuSeconds - samples[i]!.cpuSeconds)) / (s.t - samples[i]!.t));
    // After the first minute (start-up, first checks and the JIT warming up) the steady state.
    const steady = samples.filter((s) => s.t >= Math.min(60, CONFIG.seconds / 2));
    const first = steady[0]!;
    const last = samples.at(-1)!;
    const rss = samples.map((s) => s.rssMiB);
    const result = {
      name: `watch-soak-${started.toISOString().replace(/[:.]/g, '-')}`,
      machine: { node: process.versions.node, cpus: cpus().length, loadAverage: loadavg().map((x) => round(x, 2)) },
      config: { ...CONFIG, cliRunsBundle: bundle },
      setupMs,
      cpu: {
        meanPercentWholeRun: round((100 * (last.cpuSeconds - samples[0]!.cpuSeconds)) / last.t),
        meanPercentSteady: round((100 * (last.cpuSeconds - first.cpuSeconds)) / Math.max(1, last.t - first.t)),
        p95PercentPerWindow: round(percentile(cpuWindows, 95) ?? 0),
        maxPercentPerWindow: round(Math.max(...cpuWindows)),
        cpuSecondsTotal: round(last.cpuSeconds, 2),
        windowSeconds: CONFIG.sampleSeconds,
      },
      rssMiB: {
        atStart: rss[0],
        afterWarmUp: first.rssMiB,
        atEnd: last.rssMiB,
        max: Math.max(...rss),
        growthAfterWarmUp: round(last.rssMiB - first.rssMiB),
      },
      checks: {
        clustersReporting: durations.length,
        allSucceeded: success.length === CONFIG.clusters && success.every((v) => v === 1),
        nodesUp: `${upNodes.filter((v) => v === 1).length}/${upNodes.length}`,
        lastDurationSeconds: {
          median: percentile(durations, 50),
          max: durations.length ? Math.max(...durations) : null,
        },
      },
      changeLines,
      changeTypes,
      stopMs,
      samples: samples.map((s) => ({ t: round(s.t), cpuSeconds: round(s.cpuSeconds, 2), rssMiB: s.rssMiB })),
    };
    const out = join(ROOT, 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    const { samples: _omit, ...summary } = result;
    void _omit;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    if (watch) await stop(watch);
    await stop(sandboxes);
    await engine.close();
    const { clusters } = await engine.listClusters().catch(() => ({ clusters: [] }));
    for (const c of clusters) await engine.removeCluster({ cluster: c.name }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve-sandboxes') await serveSandboxes(process.argv.slice(3));
else await main();
