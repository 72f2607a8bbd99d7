/**
 * Scale (issue 27): 50,000 keys in every node's registry, listed by each node's API, 20 of them
 * tracked, × 64 nodes — `status --json` and `sync`, each a new `node bin/oslc-admin.cjs` process, against
 * the same commands on a cluster whose nodes hold 5 keys (all 5 tracked), in the same run. Also each
 * process's peak RSS, the size of the text `status` (summarised, bounded) and whether `--json` holds
 * every key; and, for a product without a list API (ClearQuest), what each tracked key costs at 64 nodes.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecretStore, accounts } from '../../electron/core/keychain.ts';
import type { OsKeychain, SecretStore } from '../../electron/core/keychain.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import { addSandboxCluster, approvedConsumers, benchEngine, median } from './bench.ts';
import { measureCli, startSandboxProcess } from './processes.ts';
import type { MeasuredRun, SandboxProcess } from './processes.ts';

export interface ScaleOptions {
  nodes: number;
  /** Keys in every node's registry in the large cluster. */
  keys: number;
  /** Of those, tracked (with their secrets). */
  tracked: number;
  /** Keys (all tracked) in every node's registry in the small cluster. */
  smallKeys: number;
  latencyMs: number;
  runs: number;
}

interface Series {
  runs: number[];
  medianMs: number;
  exitCodes: number[];
  /** The largest peak RSS of the series' processes, in MB (10^6 bytes). */
  maxRssMB: number | null;
  stdoutBytes: number;
}

export interface ScaleShape {
  keys: number;
  tracked: number;
  status: Series;
  sync: Series;
  /** `status` without --json: bytes and lines of its output, its peak RSS. */
  text: { bytes: number; lines: number; maxRssMB: number | null; exitCode: number };
  /** The last `status --json`: every node there, each with every key listed and every tracked key probed. */
  json: { complete: boolean; nodes: number; approvedPerNode: number[]; probedPerNode: number[] };
}

export interface ScaleResult {
  nodes: number;
  latencyMs: number;
  keychain: boolean;
  small: ScaleShape;
  large: ScaleShape;
  statusRatio: number;
  syncRatio: number;
  /** ClearQuest has no list API: status probes tracked keys × nodes. */
  noListApi: {
    kind: 'clearquest';
    nodes: number;
    fewTracked: number;
    manyTracked: number;
    few: Series;
    many: Series;
    /** (many − few) ÷ (manyTracked − fewTracked): the wall time each more tracked key adds, all nodes. */
    msPerTrackedKey: number;
  };
}

const mb = (kib: number | null) => (kib === null ? null : Math.round((kib * 1024) / 1e5) / 10);

async function series(
  runs: number,
  args: string[],
  opts: { env: Record<string, string>; stdin?: string },
  scratch: string,
  label: string,
): Promise<Series & { last: MeasuredRun; file: string }> {
  const xs: MeasuredRun[] = [];
  const file = join(scratch, `${label}.out`);
  for (let i = 0; i < runs; i++) {
    const r = await measureCli(args, { ...opts, stdoutFile: file });
    if (r.code !== 0) process.stderr.write(`scale: ${label} exited ${r.code}: ${r.stderr.slice(0, 2000)}\n`);
    xs.push(r);
  }
  const rss = xs.map((r) => r.maxRssKiB).filter((x): x is number => x !== null);
  return {
    runs: xs.map((r) => Math.round(r.ms)),
    medianMs: Math.round(median(xs.map((r) => r.ms))),
    exitCodes: xs.map((r) => r.code),
    maxRssMB: rss.length ? mb(Math.max(...rss)) : null,
    stdoutBytes: xs.at(-1)!.stdoutBytes,
    last: xs.at(-1)!,
    file,
  };
}

const strip = <T extends { last: unknown; file: unknown }>(s: T): Omit<T, 'last' | 'file'> => {
  const { last: _last, file: _file, ...rest } = s;
  return rest;
};

/** The admin password from the keychain when there is one, else on stdin, as a script without one gives it. */
function cliAuth(keychain: OsKeychain | null, sandbox: SandboxProcess) {
  return {
    env: keychain ? { OSLC_ADMIN_KEYCHAIN_SERVICE: keychain.service } : ({} as Record<string, string>),
    extra: keychain ? [] : ['--user', sandbox.info.admin.user, '--password-stdin'],
    stdin: keychain ? undefined : `${sandbox.info.admin.password}\n`,
  };
}

async function shape(
  opts: ScaleOptions,
  keys: number,
  tracked: number,
  keychain: OsKeychain | null,
  forget: string[],
  log: (line: string) => void,
): Promise<ScaleShape> {
  const sandbox = await startSandboxProcess(opts.nodes);
  const home = await mkdtemp(join(tmpdir(), 'oslc-bench-scale-'));
  const secrets: SecretStore = keychain ?? new MemorySecretStore();
  const t = await benchEngine(secrets, home);
  const name = `scale${keys}`;
  try {
    await addSandboxCluster(t.engine, name, sandbox.info);
    forget.push(accounts.admin(name));
    // The tracked keys first (each approved where it lives, then one sync at this size), then the rest
    // seeded: the seeding reloads every node, so each holds all `keys`.
    const consumers = await approvedConsumers(t.engine, sandbox, name, tracked);
    forget.push(...consumers.map((c) => accounts.consumer(name, c.key)));
    if (keys > tracked) {
      log(`bench: scale, seeding ${(keys - tracked).toLocaleString('en')} keys`);
      const seeded = await sandbox.seed(keys - tracked);
      if (seeded.consumers !== keys) throw new Error(`scale: the repository holds ${seeded.consumers}, not ${keys}`);
    }
    await t.engine.close();
    await sandbox.setLatency(opts.latencyMs);
    const auth = cliAuth(keychain, sandbox);
    const run = { env: auth.env, ...(auth.stdin !== undefined ? { stdin: auth.stdin } : {}) };
    const at = (cmd: string, ...more: string[]) => [cmd, name, '--home', home, ...more, ...auth.extra];
    // One unmeasured status: the discovery cache a second run of an admin's day starts with.
    await measureCli(at('status', '--json'), { ...run, stdoutFile: join(home, 'warm.out') });
    log(`bench: scale, ${keys.toLocaleString('en')} keys: status --json × ${opts.runs}`);
    const status = await series(opts.runs, at('status', '--json'), run, home, 'status-json');
    log(`bench: scale, ${keys.toLocaleString('en')} keys: sync × ${opts.runs}`);
    const sync = await series(opts.runs, at('sync'), run, home, 'sync');
    const text = await series(1, at('status'), run, home, 'status-text');
    const textBody = await readFile(text.file, 'utf8');
    // Complete: every node, each with every key of its registry and every tracked key probed.
    const doc = JSON.parse(await readFile(status.file, 'utf8')) as ClusterStatus;
    const approvedPerNode = doc.nodes.map((n) => n.approved?.length ?? -1);
    const probedPerNode = doc.nodes.map((n) => n.consumers.length);
    return {
      keys,
      tracked,
      status: strip(status),
      sync: strip(sync),
      text: {
        bytes: Buffer.byteLength(textBody),
        lines: textBody.split('\n').length - 1,
        maxRssMB: text.maxRssMB,
        exitCode: text.exitCodes[0]!,
      },
      json: {
        complete:
          doc.nodes.length === opts.nodes &&
          approvedPerNode.every((n) => n === keys) &&
          probedPerNode.every((n) => n === tracked),
        nodes: doc.nodes.length,
        approvedPerNode: [...new Set(approvedPerNode)],
        probedPerNode: [...new Set(probedPerNode)],
      },
    };
  } finally {
    await t.close(true);
    await sandbox.stop();
  }
}

/** ClearQuest (no list API): status with `few` then `many` tracked keys, each tracked without its secret. */
async function noListApi(opts: ScaleOptions, keychain: OsKeychain | null, forget: string[]) {
  const fewTracked = opts.smallKeys;
  const manyTracked = opts.tracked;
  const sandbox = await startSandboxProcess(opts.nodes, ['--dialect', 'clearquest']);
  const home = await mkdtemp(join(tmpdir(), 'oslc-bench-scale-cq-'));
  const secrets: SecretStore = keychain ?? new MemorySecretStore();
  const t = await benchEngine(secrets, home);
  const name = 'scalecq';
  try {
    const info = sandbox.info;
    await t.engine.addCluster({
      name,
      kind: 'clearquest',
      balancerUrl: `${info.balancer}/cqweb`,
      nodes: info.nodes.map((n) => ({ id: n.id, url: `${n.url}/cqweb` })),
      repo: info.repo,
      db: info.db,
    });
    await t.engine.storeCredentials({ cluster: name, user: info.admin.user, password: info.admin.password });
    forget.push(accounts.admin(name));
    await sandbox.seed(manyTracked);
    const keys = (await sandbox.state()).repository.consumers.map((c) => c.key);
    for (const key of keys.slice(0, fewTracked)) await t.engine.trackConsumer({ cluster: name, key });
    await sandbox.setLatency(opts.latencyMs);
    const auth = cliAuth(keychain, sandbox);
    const run = { env: auth.env, ...(auth.stdin !== undefined ? { stdin: auth.stdin } : {}) };
    const args = ['status', name, '--json', '--home', home, ...auth.extra];
    await t.engine.close();
    await measureCli(args, { ...run, stdoutFile: join(home, 'warm.out') });
    const few = strip(await series(opts.runs, args, run, home, 'cq-few'));
    const again = await benchEngine(secrets, home);
    try {
      for (const key of keys.slice(fewTracked, manyTracked)) await again.engine.trackConsumer({ cluster: name, key });
    } finally {
      await again.close(false);
    }
    const many = strip(await series(opts.runs, args, run, home, 'cq-many'));
    return {
      kind: 'clearquest' as const,
      nodes: opts.nodes,
      fewTracked,
      manyTracked,
      few,
      many,
      msPerTrackedKey: Math.round(((many.medianMs - few.medianMs) / (manyTracked - fewTracked)) * 10) / 10,
    };
  } finally {
    await t.close(true);
    await sandbox.stop();
  }
}

export async function scaleBench(
  opts: ScaleOptions,
  keychain: OsKeychain | null,
  forget: string[],
  log: (line: string) => void,
): Promise<ScaleResult> {
  log(`bench: scale, ${opts.nodes} nodes × ${opts.smallKeys} keys`);
  const small = await shape(opts, opts.smallKeys, opts.smallKeys, keychain, forget, log);
  log(`bench: scale, ${opts.nodes} nodes × ${opts.keys.toLocaleString('en')} keys (${opts.tracked} tracked)`);
  const large = await shape(opts, opts.keys, opts.tracked, keychain, forget, log);
  log(`bench: scale, ClearQuest (no list API), ${opts.nodes} nodes`);
  const cq = await noListApi(opts, keychain, forget);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return {
    nodes: opts.nodes,
    latencyMs: opts.latencyMs,
    keychain: keychain !== null,
    small,
    large,
    statusRatio: ratio(large.status.medianMs, small.status.medianMs),
    syncRatio: ratio(large.sync.medianMs, small.sync.medianMs),
    noListApi: cq,
  };
}
