/**
 * `oslc-admin watch` and `status --check` as a user runs them: the bin as a process (the watch until
 * SIGTERM, its metrics endpoint scraped over HTTP and parsed strictly), and in-process runs for the
 * many bad-option cases. The real sandbox, the real keychain.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { BIN, runMain } from '../_cli.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { HomeSecretStore } from '../../electron/core/secret-overlay.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';
import { approveOn } from '../_sandbox.ts';
import { parsePromText, sampleValue } from './_watch-prom.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3 });
  t = await engineFor(sandbox);
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
  dir = await mkdtemp(join(tmpdir(), 'oslc-watch-cli-'));
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: () => string;
  /** Resolves with the next stdout line that fits. */
  line(pred: (l: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the stderr text once it matches. */
  err(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

function spawnWatch(args: string[], extraEnv: Record<string, string> = {}, home = t.home): Running {
  const child = spawn(BIN, ['watch', '--home', home, ...args], {
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let partial = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    stdout.push(...lines);
    listeners.forEach((l) => l());
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    listeners.forEach((l) => l());
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = <T>(probe: () => T | null, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v !== null) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${what} not seen in ${timeoutMs} ms; stdout ${stdout.join('\n')} stderr ${stderr}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    child,
    stdout,
    stderr: () => stderr,
    line: (pred, timeoutMs = 30_000) => {
      const from = stdout.length;
      return waitFor(() => stdout.slice(from).find(pred) ?? null, timeoutMs, 'line');
    },
    err: (re, timeoutMs = 30_000) => waitFor(() => re.exec(stderr), timeoutMs, `stderr ${re}`),
    exit,
  };
}

describe('oslc-admin watch (the process)', () => {
  it('prints one JSON line per change, serves metrics that parse strictly, heals once, and stops on SIGTERM with exit 0', async () => {
    const w = spawnWatch(['sb', '--interval', '1s', '--json', '--heal', '--metrics', '127.0.0.1:0']);
    try {
      const ready = await w.err(/metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
      const url = ready[1]!;
      // Wait for a first check to land in the metrics, then make a friendship.
      const scrape = async () => {
        const res = await fetch(url);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        return parsePromText(await res.text());
      };
      for (let i = 0; i < 50; i++) {
        if (sampleValue(await scrape(), 'oslc_admin_check_success', { cluster: 'sb' }) === 1) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(w.stdout).toEqual([]);
      const { key, node } = await sandbox.friend('RTC-cli', 'cli-secret');
      const line = await w.line((l) => l.includes('provisional-key'));
      expect(JSON.parse(line)).toEqual({
        schemaVersion: 1,
        cluster: 'sb',
        time: expect.any(String),
        type: 'provisional-key',
        node,
        key,
      });
      expect(w.stdout).toHaveLength(1);
      const m = await scrape();
      expect(sampleValue(m, 'oslc_admin_provisional_key', { cluster: 'sb', node, key })).toBe(1);
      expect(m.get('oslc_admin_node_up')?.type).toBe('gauge');
      expect(m.get('oslc_admin_heals_total')?.type).toBe('counter');
      expect(m.get('oslc_admin_process_resident_memory_bytes')?.samples[0]?.value).toBeGreaterThan(0);

      expect((await approveOn(sandbox, node, key)).status).toBe(204);
      const heal = JSON.parse(await w.line((l) => l.includes('"type":"heal"'))) as { outcome: string };
      expect(heal.outcome).toBe('consistent');
      await w.line((l) => l.includes('key-reloaded'));
      expect(w.stdout.filter((l) => l.includes('"type":"heal"'))).toHaveLength(1);
      expect(sampleValue(await scrape(), 'oslc_admin_heals_total', { cluster: 'sb', outcome: 'consistent' })).toBe(1);
      expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    } finally {
      w.child.kill('SIGTERM');
    }
    expect(await w.exit).toBe(0);
    expect(w.stderr()).toContain('watch stopped');
    expect(w.stderr()).not.toContain(sandbox.info.admin.password);
  });

  it('prints human lines, one per change, and reads the admin password once from a root-only --password-file', async () => {
    const file = join(dir, 'pw');
    await writeFile(file, `${sandbox.info.admin.password}\n`, { mode: 0o600 });
    // A keychain service with nothing in it: only the file can give the password.
    const w = spawnWatch(['sb', '--interval', '1s', '--heal', '--password-file', file], {
      OSLC_ADMIN_KEYCHAIN_SERVICE: `${t.service}-empty`,
    });
    try {
      await w.err(/watching sb every 1s ±10% \(heal on\)/);
      await sandbox.killNode('node3');
      const down = await w.line((l) => l.includes('node-down'));
      expect(down).toMatch(/^\d{4}-\d\d-\d\dT\S+Z sb node-down: node3 is down/);
      await sandbox.restartNode('node3');
      expect(await w.line((l) => l.includes('node-up'))).toContain('sb node-up: node3 is up again');
      // Only the file's password can have made the heal's sync (a login on every node) work.
      const { key, node } = await sandbox.friend('RTC-file', 'file-secret');
      expect((await approveOn(sandbox, node, key)).status).toBe(204);
      expect(await w.line((l) => l.includes(' heal: '))).toMatch(
        /sb heal: heal \(automatic sync\): consistent; refreshed node/,
      );
      expect(w.stdout.join('\n')).not.toMatch(/AUTH_FAILED|check-failed/);
    } finally {
      w.child.kill('SIGINT');
    }
    expect(await w.exit).toBe(0);
  });
});

describe('oslc-admin watch reloads on SIGHUP', () => {
  it('picks up clusters added and removed, goes on from what it saw, and keeps running when a reload fails', async () => {
    const t2 = await engineFor(sandbox);
    const file = join(dir, 'pw-reload');
    await writeFile(file, `${sandbox.info.admin.password}\n`, { mode: 0o600 });
    // A cluster with a node that cannot be reached (the discard port): one node-down line each.
    const withDeadNode = (name: string) =>
      t2.engine.addCluster({
        name,
        kind: t2.cluster.kind,
        balancerUrl: t2.cluster.balancerUrl,
        nodes: [...t2.cluster.nodes.map((n) => ({ id: n.id, url: n.url })), { id: 'gone', url: 'http://127.0.0.1:9/' }],
        repo: t2.cluster.repo,
        db: t2.cluster.db,
      });
    await withDeadNode('first');
    const w = spawnWatch(
      ['--all', '--interval', '1s', '--json', '--metrics', '127.0.0.1:0', '--password-file', `sb=${file}`],
      { OSLC_ADMIN_KEYCHAIN_SERVICE: t2.service },
      t2.home,
    );
    const downOn = (cluster: string) => (l: string) =>
      l.includes('"node-down"') && l.includes(`"cluster":"${cluster}"`);
    try {
      const url = (await w.err(/watching sb, first every 1s .*metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!;
      await w.line(downOn('first'));

      await withDeadNode('second');
      w.child.kill('SIGHUP');
      await w.err(/watch: reloaded: watching sb, first, second; added second\n/);
      expect(JSON.parse(await w.line(downOn('second')))).toMatchObject({ node: 'gone' });
      // Two more checks of `first` after the reload: its dead node was known, so it is not announced again.
      const lastCheck = async (cluster: string) =>
        sampleValue(parsePromText(await (await fetch(url)).text()), 'oslc_admin_last_check_timestamp_seconds', {
          cluster,
        });
      /** Resolves once `n` more checks of `cluster` have ended (the last-check time moved on n times). */
      const checksEnded = async (cluster: string, n: number) => {
        const times = new Set([await lastCheck(cluster)]);
        for (let i = 0; i < 150 && times.size < n + 1; i++) {
          await new Promise((r) => setTimeout(r, 100));
          times.add(await lastCheck(cluster));
        }
        expect(times.size, `${n} checks of ${cluster}`).toBeGreaterThanOrEqual(n + 1);
      };
      await checksEnded('first', 2);
      expect(w.stdout.filter(downOn('first'))).toHaveLength(1);

      await t2.engine.removeCluster({ cluster: 'second' });
      w.child.kill('SIGHUP');
      await w.err(/watch: reloaded: watching sb, first; no longer watching second\n/);
      expect(await fetch(url).then((r) => r.text())).not.toContain('cluster="second"');

      // A password file others may read is refused at a reload too, and the watch goes on as it was.
      await chmod(file, 0o644);
      w.child.kill('SIGHUP');
      await w.err(
        /watch: reload failed, still watching sb, first as before: --password-file .*group or others may access it/,
      );
      await checksEnded('sb', 1);
    } finally {
      w.child.kill('SIGTERM');
      await t2.close();
    }
    expect(await w.exit).toBe(0);
    expect(w.stderr()).not.toContain(sandbox.info.admin.password);
  }, 90_000);
});

describe('oslc-admin watch reads its secrets once, before it opens any socket', () => {
  it('heals with the admin password read at start, after it is gone from the keychain', async () => {
    const w = spawnWatch(['sb', '--interval', '1s', '--heal', '--json']);
    // The engine's own view of the keychain (entries named per config home).
    const keychain = new HomeSecretStore(new OsKeychain(t.service), t.home);
    try {
      await w.err(/watching sb/);
      expect(await keychain.delete(`cluster/sb/admin`)).toBe(true);
      const { key, node } = await sandbox.friend('RTC-once', 'once-secret');
      expect((await approveOn(sandbox, node, key)).status).toBe(204);
      const heal = JSON.parse(await w.line((l) => l.includes('"type":"heal"'))) as { outcome: string };
      expect(heal.outcome).toBe('consistent');
    } finally {
      w.child.kill('SIGTERM');
      await t.engine.storeCredentials({
        cluster: 'sb',
        user: sandbox.info.admin.user,
        password: sandbox.info.admin.password,
      });
    }
    expect(await w.exit).toBe(0);
  });
});

describe('oslc-admin watch: every option checked (exit 2 naming it)', () => {
  const bad = async (args: string[], re: RegExp) => {
    const r = await runMain(['watch', '--home', t.home, ...args], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('interval, thresholds, clusters, metrics address', async () => {
    await bad(['sb', '--interval', '0s'], /--interval: 0s is out of range \(1s to 24h\)/);
    await bad(['sb', '--interval', '25h'], /--interval: 25h is out of range/);
    await bad(['sb', '--interval', 'ten'], /--interval: "ten" is not a duration/);
    await bad(['sb', '--interval', '10x'], /--interval: "10x" is not a duration/);
    await bad(['sb', '--skew-threshold', '10m'], /--skew-threshold: 10m is out of range \(1s to 5m\)/);
    await bad(['sb', '--cert-warn-days', 'soon'], /--cert-warn-days: "soon" is not a whole number/);
    await bad([], /missing argument <cluster> \(or --all\)/);
    await bad(['sb', '--all'], /--all: give either cluster names or --all/);
    await bad(['nope'], /nope/);
    await bad(['sb', '--frequency', '1s'], /frequency/);
    await bad(['sb', '--metrics', 'localhost'], /--metrics: "localhost" is not HOST:PORT/);
    await bad(['sb', '--metrics', '127.0.0.1:99999'], /--metrics: .*port must be a number from 0 to 65535/);
    await bad(['sb', '--metrics', 'example.org:9464'], /--metrics: .*must be an IP address or localhost/);
    await bad(['sb', '--metrics-allow-remote'], /--metrics-allow-remote: only with --metrics/);
  });

  it('refuses a non-loopback metrics address unless --metrics-allow-remote is given', async () => {
    await bad(
      ['sb', '--metrics', '0.0.0.0:9464'],
      /--metrics: 0\.0\.0\.0 is not a loopback address.*--metrics-allow-remote/,
    );
    await bad(['sb', '--metrics', '[::]:9464'], /--metrics: :: is not a loopback address/);
    // Asked for: the loopback rule lets it through, and the address itself is then tried (192.0.2.1,
    // TEST-NET-1, is not this host's: nothing listens beyond loopback during the test).
    await bad(
      ['sb', '--metrics', '192.0.2.1:9464', '--metrics-allow-remote'],
      /--metrics: 192\.0\.2\.1 is not an address of this host/,
    );
  });

  it('refuses a password file others may read, a missing one, an empty or oversized one, naming it', async () => {
    const file = join(dir, 'open-pw');
    await writeFile(file, 'pw\n');
    await chmod(file, 0o644);
    await bad(
      ['sb', '--password-file', file],
      /--password-file .*open-pw: group or others may access it \(mode 644\).*chmod 600/,
    );
    await chmod(file, 0o640);
    await bad(['sb', '--password-file', file], /mode 640/);
    await bad(['sb', '--password-file', join(dir, 'absent')], /--password-file .*absent: no such file/);
    const empty = join(dir, 'empty-pw');
    await writeFile(empty, '\n', { mode: 0o600 });
    await bad(['sb', '--password-file', empty], /empty-pw: empty/);
    const big = join(dir, 'big-pw');
    await writeFile(big, 'x'.repeat(5000), { mode: 0o600 });
    await bad(['sb', '--password-file', big], /big-pw: larger than 4096 bytes/);
    const two = join(dir, 'two-pw');
    await writeFile(two, 'a\nb\n', { mode: 0o600 });
    await bad(['sb', '--password-file', two], /two-pw: more than one line/);
    await bad(['sb', '--password-file', dir], /not a regular file/);
  });
});

describe('oslc-admin status --check (monitoring-plugin exit codes)', () => {
  const check = (args: string[] = []) => runMain(['status', 'sb', '--check', '--home', t.home, ...args], { env });

  it('OK, WARNING for a provisional key, CRITICAL for a down node or drift, UNKNOWN when it cannot tell', async () => {
    let r = await check();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^OSLC OK - sb: 3\/3 nodes up, \d+ tracked keys? consistent \| nodes_up=3;;;0;3 nodes_down=0;;0;0;3 /,
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/max_clock_skew=\d+s;60;300;0 max_latency=\d+\.\d{3}s;;;0\n$/);

    const { key, node } = await sandbox.friend('RTC-check', 'check-secret');
    r = await check();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`OSLC WARNING - sb: provisional ${key} on ${node}`);
    expect(r.stdout).toContain('provisional_keys=1;0;;0');

    expect((await approveOn(sandbox, node, key)).status).toBe(204);
    r = await check();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^OSLC CRITICAL - sb: ${key} stale on `));
    await t.engine.sync({ cluster: 'sb' });

    await sandbox.killNode('node1');
    try {
      r = await check();
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/^OSLC CRITICAL - sb: node1 down \(\w+\) \| nodes_up=2;;;0;3 nodes_down=1;;0;0;3/);
    } finally {
      await sandbox.restartNode('node1');
    }
    expect((await check()).code).toBe(0);

    r = await check(['--skew-warn', '500', '--skew-crit', '100']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - --skew-warn: 500 is above --skew-crit 100\n$/);
    r = await runMain(['status', 'nope', '--check', '--home', t.home], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - CLUSTER_NOT_FOUND: /);
    r = await check(['--bogus']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - .*bogus/);
  });

  it('without --check, status keeps its own exit codes', async () => {
    const r = await runMain(['status', 'nope', '--home', t.home], { env });
    expect(r.code).toBe(2);
  });
});
