/**
 * The processes the bench starts: the sandbox (`oslc-admin sandbox --json`) and browser mode, each in
 * its own process group so it is stopped by group, never by name; and whole-process CLI timings.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SandboxInfo, SandboxState } from '../../electron/sandbox/index.ts';

export const ROOT = new URL('../../', import.meta.url);
export const BIN = new URL('bin/oslc-admin.cjs', ROOT).pathname;

/**
 * The environment of every CLI process the bench starts: this one's, as an admin's workstation has
 * it. This machine exports NODE_EXTRA_CA_CERTS (the whole system bundle, ~140 certificates) to every
 * process, and an admin's does not; Node reads and parses that file before any script runs, which
 * is ~45 ms of every start here (`node -e 0`: ~108 ms with it, ~64 without). So it is left out of
 * the measured processes, unless `machineEnv` asks for this machine's environment as it is
 * (wholeProcess.machineEnv times the sync that way too, beside the main runs). `extra` wins over both.
 */
export function measuredEnv(extra: Record<string, string> = {}, machineEnv = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!machineEnv) delete env['NODE_EXTRA_CA_CERTS'];
  return { ...env, ...extra };
}

/** The variable {@link measuredEnv} leaves out, when this machine sets it. */
export const MACHINE_EXTRA_CA_CERTS = process.env['NODE_EXTRA_CA_CERTS'] || null;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid && child.exitCode === null) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

export interface Started {
  child: ChildProcess;
  /** The first line the process printed. */
  line: string;
  /** From spawn to that line. */
  ms: number;
  stop(): Promise<void>;
}

/** Spawns `node bin/oslc-admin.cjs …args` and waits for its first line on stdout. */
export async function startCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    env: measuredEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args[0]} printed nothing in ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const nl = stdout.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(stdout.slice(0, nl));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args[0]} exited with ${code}: ${stderr}`));
      });
    });
    const ms = performance.now() - t0;
    return {
      child,
      line,
      ms,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          killGroup(child, 'SIGTERM');
          const killer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        }
        running.delete(child);
      },
    };
  } catch (e) {
    killGroup(child, 'SIGKILL');
    await exited;
    running.delete(child);
    throw e;
  }
}

export interface SandboxProcess extends Started {
  info: SandboxInfo;
  /** Sets the latency of every node through the control server. */
  setLatency(ms: number): Promise<void>;
  /** A friendship through the balancer: the new provisional key and the node that holds it. */
  friend(name: string, secret: string): Promise<{ key: string; node: string }>;
  /** `count` approved consumers more in the repository, loaded by every node (POST /repository/seed). */
  seed(count: number): Promise<{ added: number; consumers: number }>;
  /** GET /state: the repository's keys and each node's. */
  state(): Promise<SandboxState>;
}

async function control(info: SandboxInfo, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${info.control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

export async function startSandboxProcess(
  nodes: number,
  extra: string[] = [],
  /** Node flags for the sandbox's process (a profile of it: `--cpu-prof`). */
  nodeArgs: string[] = [],
): Promise<SandboxProcess> {
  const started = await startCli(['sandbox', '--json', '--nodes', String(nodes), ...extra], {}, 60_000, nodeArgs);
  const info = JSON.parse(started.line) as SandboxInfo;
  return {
    ...started,
    info,
    async setLatency(ms) {
      await Promise.all(info.nodes.map((n) => control(info, `/nodes/${n.id}/latency`, { ms })));
    },
    async friend(name, secret) {
      return (await control(info, '/consumer/friend', { name, secret })) as { key: string; node: string };
    },
    async seed(count) {
      return (await control(info, '/repository/seed', { count })) as { added: number; consumers: number };
    },
    async state() {
      const res = await fetch(`${info.control}/state`);
      if (!res.ok) throw new Error(`control /state: ${res.status}`);
      return (await res.json()) as SandboxState;
    },
  };
}

/** Preloaded (`--import`) into a measured CLI process: it writes its peak RSS on exit. */
const MAX_RSS_PRELOAD = new URL('test/bench/max-rss.mjs', ROOT).href;

export interface MeasuredRun {
  ms: number;
  code: number;
  /** The process's peak resident set size (`process.resourceUsage().maxRSS`), in KiB; null if not written. */
  maxRssKiB: number | null;
  /** Bytes the process wrote to stdout (into `stdoutFile`). */
  stdoutBytes: number;
  stderr: string;
}

/**
 * Runs `node bin/oslc-admin.cjs …args` to its exit as {@link timeCli} does, its stdout going straight
 * to `stdoutFile` (not through this process, which would spend the shared CPU reading it), with the
 * peak RSS taken in the process itself.
 */
export function measureCli(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; stdoutFile: string; nodeArgs?: string[] },
): Promise<MeasuredRun> {
  const rssFile = join(tmpdir(), `oslc-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const out = openSync(opts.stdoutFile, 'w');
  return new Promise<MeasuredRun>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', MAX_RSS_PRELOAD, BIN, ...args], {
      env: measuredEnv({ ...opts.env, OSLC_BENCH_MAX_RSS_FILE: rssFile }),
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', out, 'pipe'],
    });
    if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let maxRssKiB: number | null = null;
      try {
        maxRssKiB = Number(readFileSync(rssFile, 'utf8')) || null;
      } catch {
        /* the process died before its exit handler */
      }
      rmSync(rssFile, { force: true });
      resolve({ ms, code: code ?? -1, maxRssKiB, stdoutBytes: statSync(opts.stdoutFile).size, stderr });
    });
  }).finally(() => closeSync(out));
}

/** Runs `node bin/oslc-admin.cjs …args` to its exit; the whole process's wall time. */
export function timeCli(
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
  /** The installers' executable (build/cli-sea.mjs) instead of `node bin/oslc-admin.cjs`. */
  exe?: string,
  /** This machine's environment as it is (see {@link measuredEnv}). */
  machineEnv = false,
): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(exe ?? process.execPath, exe ? args : [BIN, ...args], {
      env: measuredEnv(env, machineEnv),
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1, stdout, stderr }));
  });
}

/** Any executable run to its end (the packaged CLI): wall time from spawn to close, and its exit code. */
export function timeExecutable(exe: string, args: string[]): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(exe, args, { env: measuredEnv(), stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1 }));
  });
}

/** `node -e 0`: what any Node process costs to start on this machine. */
export function timeNodeAlone(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { env: measuredEnv(), stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

/** The same check bin/oslc-admin.cjs makes: whether it will run the bundle or the sources. */
export function cliRunsBundle(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(new URL('dist/cli/inputs.json', ROOT), 'utf8')) as {
      builtAtMs: number;
      inputs: string[];
    };
    return manifest.inputs.every((f) => statSync(new URL(f, ROOT)).mtimeMs <= manifest.builtAtMs);
  } catch {
    return false;
  }
}

/** Resident set size of a process, from /proc (Linux), in MiB; null elsewhere. */
export function rssMiB(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
