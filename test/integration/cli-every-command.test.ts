/**
 * Issue 22: `--verbose` and `--quiet` on every command of the one command list, against the real
 * sandbox and keychain. Each command runs three times — as it is, with --quiet, with --verbose — and:
 * --quiet keeps the exit code, prints nothing on stdout unless stdout is the result the command's
 * help names (--json, the check line, a script…), and nothing on stderr but errors; --verbose keeps
 * the exit code, says on stderr which command runs on which config directory, each request to a
 * node with its answer (for commands that ask nodes), each keychain call, and the exit code. The
 * table of runs is held to the command list, so a new command fails here until it is added.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_LIST, commandsNamed, quietKeepsStdout } from '../../electron/cli/commands.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { BIN, runMain } from '../_cli.ts';
import type { CliRun } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let env: Record<string, string>;
let dir: string;
let exported: string;
const TRACKED = 'verbosity-key';

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3 });
  t = await engineFor(sandbox);
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
  dir = await mkdtemp(join(tmpdir(), 'oslc-verbosity-'));
  exported = join(dir, 'exported.json');
  const e = await runMain(['cluster', 'export', 'sb', '--out', exported, '--home', t.home], { env });
  expect(e.code, e.stderr).toBe(0);
  // A key the cluster knows and tracks with its secret, for probe, diagnose and flow.
  const friend = await sandbox.friend('verbosity', 's3cret');
  await t.engine.approve({ cluster: 'sb', key: friend.key });
  const track = await runMain(['consumer', 'track', 'sb', '--key', friend.key, '--secret-stdin', '--home', t.home], {
    env,
    stdin: 's3cret',
  });
  expect(track.code, track.stderr).toBe(0);
  keys.tracked = friend.key;
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const keys = { tracked: TRACKED };

/** One command line per run (0: as it is, 1: --quiet, 2: --verbose), with what it reads on stdin. */
interface Scenario {
  args: (run: number) => Promise<string[]> | string[];
  stdin?: string;
  /** It asks the cluster's nodes (all, or this many): --verbose shows a request line per node. */
  nodes?: true | 1;
  /** What --quiet leaves on stdout besides a kept result (flow: the URL to authorize). */
  quietStdout?: RegExp;
}

const admin = () => sandbox.info.admin;
const fresh = async () => (await sandbox.friend(`f${Math.random().toString(36).slice(2, 8)}`, 'pw')).key;
/** A key in the repository (a provisional one lives only in its node's memory). */
const approved = async () => {
  const key = await fresh();
  await t.engine.approve({ cluster: 'sb', key });
  return key;
};

/** Every entry of the command list (and status's --check form) with a command line that runs it. */
/** A report written by an earlier build (test/fixtures/reports). */
const REPORT_FIXTURE = new URL('../fixtures/reports/v1-healthy/report.json', import.meta.url).pathname;

const scenarios: Record<string, Scenario> = {
  'cluster add': {
    args: (r) => [
      'cluster',
      'add',
      `c${r}`,
      '--kind',
      'sandbox',
      '--balancer',
      sandbox.info.balancer,
      '--node',
      sandbox.info.nodes[0]!.url,
      '--repo',
      sandbox.info.repo,
      '--db',
      sandbox.info.db,
    ],
  },
  'cluster list': { args: () => ['cluster', 'list'] },
  'cluster check': { args: () => ['cluster', 'check', 'sb'], nodes: true },
  'cluster show': { args: () => ['cluster', 'show', 'sb'] },
  'cluster export': { args: () => ['cluster', 'export', 'sb'] },
  'cluster import': { args: (r) => ['cluster', 'import', exported, '--rename', `imp${r}`, '--trust-pins'] },
  'cluster remove': { args: (r) => ['cluster', 'remove', `c${r}`] },
  login: {
    args: () => ['login', 'sb', '--user', admin().user, '--password-stdin'],
    nodes: 1,
  },
  logout: { args: (r) => ['logout', `imp${r}`] },
  'consumer track': {
    args: (r) => ['consumer', 'track', 'sb', '--key', `k${r}`, '--name', 'n', '--secret-stdin'],
    stdin: 'x',
  },
  'consumer untrack': { args: (r) => ['consumer', 'untrack', 'sb', '--key', `k${r}`] },
  'consumer delete': {
    args: async () => ['consumer', 'delete', 'sb', '--key', await approved(), '--node', 'node1'],
    nodes: 1,
  },
  status: { args: () => ['status', 'sb'], nodes: true },
  'status --check': { args: () => ['status', 'sb', '--check'], nodes: true },
  probe: {
    args: () => ['probe', 'sb', '--node', 'node1', '--key', keys.tracked, '--secret-stdin'],
    stdin: 's3cret',
    nodes: 1,
  },
  approve: { args: async () => ['approve', 'sb', '--key', await fresh()], nodes: true },
  register: { args: (r) => ['register', 'sb', '--name', `reg${r}`, '--secret-stdin'], stdin: 'regsecret', nodes: true },
  sync: { args: () => ['sync', 'sb'], nodes: true },
  trust: { args: () => ['trust', 'sb', '--fingerprint', 'AB'.repeat(32).replace(/(..)(?!$)/g, '$1:')] },
  audit: { args: () => ['audit', 'sb'] },
  diagnose: { args: () => ['diagnose', 'sb', '--key', keys.tracked], nodes: true },
  flow: {
    args: () => ['flow', 'sb', '--key', keys.tracked, '--node', 'node1', '--timeout-seconds', '1'],
    nodes: 1,
    quietStdout: /^(\s*|Open this URL in a browser and authorize .*|\s+http:\/\/\S+)$/,
  },
  report: { args: (r) => ['report', 'sb', '--out', join(dir, `report${r}`)], nodes: true },
  'report show': { args: () => ['report', 'show', REPORT_FIXTURE] },
  'report diff': { args: () => ['report', 'diff', REPORT_FIXTURE, REPORT_FIXTURE] },
  doctor: { args: () => ['doctor'], nodes: true },
  help: { args: () => ['help', 'status'] },
  completion: { args: () => ['completion', 'bash'] },
  man: { args: () => ['man'] },
};

/** Long-running commands: spawned, then stopped with SIGTERM. */
const LONG_RUNNING = ['sandbox', 'serve', 'watch'];

const paths = [...new Set(COMMAND_LIST.map((c) => c.path.join(' ')))];

/** An error as the CLI prints it: `error…`, its cause and fix lines, or a JSON error line. */
const errorLine = /^((internal )?error\b| {2}(cause|fix): |\{"schemaVersion":\d+,"error")/;

function expectQuiet(name: string, args: string[], plain: CliRun, quiet: CliRun, s: Scenario): void {
  const what = `${name} --quiet: ${quiet.stdout}${quiet.stderr}`;
  expect(quiet.code, what).toBe(plain.code);
  for (const line of quiet.stderr.split('\n').filter(Boolean)) expect(line, what).toMatch(errorLine);
  const entries = commandsNamed(args.filter((a) => !a.startsWith('-')));
  if (quietKeepsStdout(entries, args)) {
    // The result itself (a document, the check line, a script): what the command prints without --quiet.
    if (name !== 'doctor') expect(quiet.stdout, what).not.toBe('');
    else expect(quiet.stdout, what).not.toMatch(/^OK /m);
  } else if (s.quietStdout) {
    for (const line of quiet.stdout.split('\n')) expect(line, what).toMatch(s.quietStdout);
  } else expect(quiet.stdout, what).toBe('');
}

function expectVerbose(name: string, path: string, plain: CliRun, verbose: CliRun, s: Scenario): void {
  const what = `${name} --verbose: ${verbose.stderr}\nplain: ${plain.stdout}${plain.stderr}`;
  expect(verbose.code, what).toBe(plain.code);
  if (path === 'help') {
    // `help` prints the help and does nothing else: nothing to say.
    expect(verbose.stdout).toBe(plain.stdout);
    return;
  }
  const lines = verbose.stderr.split('\n').filter((l) => l.startsWith('… '));
  expect(lines[0], what).toBe(`… oslc-admin ${path}: config directory ${t.home}`);
  expect(lines.at(-1), what).toMatch(new RegExp(`^… exit ${verbose.code} after \\d+(\\.\\d)? m?s$`));
  if (s.nodes) {
    // Per node: the request, its URL without a query, the answer and the time.
    for (const n of sandbox.info.nodes.slice(0, s.nodes === 1 ? 1 : undefined))
      expect(verbose.stderr, `${what}\n${n.id}`).toMatch(
        new RegExp(`^… ${n.id}: (GET|POST|PUT|DELETE) ${n.url}/\\S* → HTTP \\d{3} \\(\\d+ ms\\)$`, 'm'),
      );
    expect(verbose.stderr).not.toMatch(/\?\S*oauth_/);
  }
  if (name === 'status')
    // The keychain call: the account it read, found or not, never the secret.
    expect(verbose.stderr, what).toMatch(/^… keychain: read "home\/[\w-]+\/cluster\/sb\/admin" → found \(\d+ ms\)$/m);
  expect(verbose.stderr, 'no secret on stderr').not.toMatch(/s3cret|regsecret|sandbox-admin-password/);
}

describe('--quiet and --verbose on every command of the list', () => {
  it('the runs below cover every command of the list', () => {
    expect([...Object.keys(scenarios).filter((k) => k !== 'status --check'), ...LONG_RUNNING].sort()).toEqual(
      [...paths].sort(),
    );
  });

  for (const [name, s] of Object.entries(scenarios))
    it(`${name}`, { timeout: 120_000 }, async () => {
      const path = name === 'status --check' ? 'status' : name;
      const stdin = name === 'login' ? admin().password : s.stdin;
      const run = async (r: number, extra: string[]) => {
        const args = [...(await s.args(r)), ...extra];
        return {
          args,
          result: await runMain([...args, '--home', t.home], { env, ...(stdin !== undefined ? { stdin } : {}) }),
        };
      };
      const plain = await run(0, []);
      if (!['cluster export', 'help', 'completion', 'man'].includes(name))
        expect(`${plain.result.stdout}${plain.result.stderr}`, `${name} prints something without --quiet`).not.toBe('');
      const quiet = await run(1, ['--quiet']);
      expectQuiet(name, quiet.args, plain.result, quiet.result, s);
      const verbose = await run(2, ['--verbose']);
      expectVerbose(name, path, plain.result, verbose.result, s);
      // Before the command's name too, as --home.
      const leading = await runMain(['--quiet', ...(await s.args(3)), '--home', t.home], {
        env,
        ...(stdin !== undefined ? { stdin } : {}),
      });
      expect(leading.code).toBe(quiet.result.code);
      expect(leading.stdout === '').toBe(quiet.result.stdout === '');
    });
});

describe('--json on every command of the list: schemaVersion first, errors as JSON on stderr', () => {
  /** `{"schemaVersion":1,` opens every document, a line each. */
  const documents = (text: string) => text.split('\n').filter(Boolean);
  for (const [name, s] of Object.entries(scenarios).filter(([n]) => n !== 'status --check'))
    it(`${name} --json`, { timeout: 120_000 }, async () => {
      const stdin = name === 'login' ? admin().password : s.stdin;
      const args = [...(await s.args(4)), '--json'];
      const takesJson = commandsNamed(args.filter((a) => !a.startsWith('-'))).some((e) =>
        e.options.some((o) => o.name === 'json'),
      );
      const r = await runMain([...args, '--home', t.home], { env, ...(stdin !== undefined ? { stdin } : {}) });
      const what = `${args.join(' ')}: ${r.stdout}${r.stderr}`;
      if (takesJson) {
        expect(documents(r.stdout).length, what).toBeGreaterThan(0);
        for (const line of documents(r.stdout)) {
          expect(line.startsWith('{"schemaVersion":1,'), what).toBe(true);
          JSON.parse(line);
        }
      } else if (name === 'help') {
        // `help` prints the help whatever follows it, as `--help` does.
        expect(r.stdout).toBe((await runMain(['help', 'status'])).stdout);
        return;
      } else {
        // A command without --json says so, as a JSON error (the caller asked for JSON): exit 2, or
        // 3 for doctor, which counts as a monitoring plugin.
        expect(r.code, what).toBe(name === 'doctor' ? 3 : 2);
        expect(r.stdout, what).toBe('');
      }
      // Every error line on stderr is JSON too.
      for (const line of r.stderr.split('\n').filter((l) => /^(\{|(internal )?error)/.test(l))) {
        expect(JSON.parse(line), what).toMatchObject({ schemaVersion: 1, error: { code: expect.any(String) } });
      }
      // An error: the cluster does not exist (or a bad value where there is no cluster).
      const failing = args.includes('sb')
        ? args.map((a) => (a === 'sb' ? 'nosuch' : a))
        : [...args, '--timeout-seconds', 'bogus!'];
      const e = await runMain([...failing, '--home', t.home], { env, ...(stdin !== undefined ? { stdin } : {}) });
      expect(e.code, `${failing.join(' ')}: ${e.stderr}`).not.toBe(0);
      expect(e.stdout).toBe('');
      const errorLines = documents(e.stderr);
      expect(errorLines, failing.join(' ')).toHaveLength(1);
      expect(JSON.parse(errorLines[0]!), failing.join(' ')).toMatchObject({
        schemaVersion: 1,
        error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) },
      });
      expect(errorLines[0]!.startsWith('{"schemaVersion":1,')).toBe(true);
    });

  it('sandbox, serve and watch: a bad value is a JSON error line too', async () => {
    for (const args of [
      ['sandbox', '--nodes', 'bogus!', '--json'],
      ['serve', '--port', 'bogus!', '--json'],
      ['watch', 'nosuch', '--json'],
    ]) {
      const r = await runMain([...args, '--home', t.home], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr), args.join(' ')).toMatchObject({
        schemaVersion: 1,
        error: { code: expect.any(String) },
      });
    }
  });
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Ready = { stream: 'stdout' | 'stderr'; match: RegExp } | { poll: () => Promise<boolean> };

/**
 * Spawns the bin and resolves `stop` once it is ready: when what it printed matches, or (with
 * --quiet, which prints nothing) when `poll` sees it running from outside; then SIGTERM.
 */
function spawnUntil(args: string[], ready: Ready, home = t.home) {
  const child = spawn(BIN, [...args, '--home', home], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let printed: () => void = () => undefined;
  for (const stream of ['stdout', 'stderr'] as const)
    child[stream].on('data', (d: Buffer) => {
      out[stream] += d.toString();
      printed();
    });
  const started = new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    if ('poll' in ready) {
      const again = async () => {
        if (await ready.poll().catch(() => false)) resolve();
        else if (Date.now() > deadline) reject(new Error(`not ready: ${out.stderr}`));
        else setTimeout(() => void again(), 200);
      };
      void again();
    } else {
      const timer = setTimeout(() => reject(new Error(`not ready: ${out.stderr}`)), 60_000);
      printed = () => {
        if (ready.match.test(out[ready.stream])) {
          clearTimeout(timer);
          resolve();
        }
      };
    }
  });
  return {
    out,
    stop: async () => {
      try {
        await started;
      } catch (e) {
        child.kill('SIGKILL');
        throw e;
      }
      // A moment for anything it would print once running (watch: the node down).
      if ('poll' in ready) await new Promise((resolve) => setTimeout(resolve, 1_500));
      child.kill('SIGTERM');
      return done;
    },
  };
}

describe('--quiet and --verbose on the commands that run until stopped', () => {
  it(
    'sandbox: --quiet prints nothing, --quiet --json its line, --verbose says what it does',
    { timeout: 120_000 },
    async () => {
      const home = await mkdtemp(join(dir, 'sandbox-home-'));
      // --register writes the cluster once the sandbox listens: that is how a quiet run is seen running.
      const quiet = spawnUntil(
        ['sandbox', '--nodes', '1', '--register', 'quiet', '--quiet'],
        { poll: async () => (await readFile(join(home, 'clusters.json'), 'utf8')).includes('"quiet"') },
        home,
      );
      expect(await quiet.stop()).toBe(0);
      expect(quiet.out).toEqual({ stdout: '', stderr: '' });
      const json = spawnUntil(['sandbox', '--nodes', '1', '--quiet', '--json'], { stream: 'stdout', match: /\n/ });
      expect(await json.stop()).toBe(0);
      expect(json.out.stdout.startsWith('{"schemaVersion":1,"balancer":')).toBe(true);
      expect(json.out.stderr).toBe('');
      const verbose = spawnUntil(['sandbox', '--nodes', '1', '--verbose'], { stream: 'stdout', match: /Ctrl\+C/ });
      expect(await verbose.stop()).toBe(0);
      expect(verbose.out.stderr).toMatch(/^… oslc-admin sandbox: config directory /);
      expect(verbose.out.stderr).toMatch(/^… exit 0 after /m);
    },
  );

  it(
    'serve: --quiet prints nothing, --quiet --json its line, --verbose says what it does',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const quiet = spawnUntil(['serve', '--port', String(port), '--quiet'], {
        poll: async () => (await fetch(`http://127.0.0.1:${port}/`)).status > 0,
      });
      expect(await quiet.stop()).toBe(0);
      expect(quiet.out).toEqual({ stdout: '', stderr: '' });
      const json = spawnUntil(['serve', '--quiet', '--json'], { stream: 'stdout', match: /\n/ });
      expect(await json.stop()).toBe(0);
      expect(json.out.stdout.startsWith('{"schemaVersion":1,"url":"http://127.0.0.1:')).toBe(true);
      expect(json.out.stderr).toBe('');
      const verbose = spawnUntil(['serve', '--verbose'], { stream: 'stdout', match: /127\.0\.0\.1/ });
      expect(await verbose.stop()).toBe(0);
      expect(verbose.out.stderr).toMatch(/^… oslc-admin serve: config directory /);
      expect(verbose.out.stderr).toMatch(/^… exit 0 after /m);
    },
  );

  it(
    'watch: --quiet prints nothing (not even a node down), --json its lines, --verbose each request',
    { timeout: 120_000 },
    async () => {
      await sandbox.killNode('node2');
      try {
        const port = await freePort();
        // Its metrics show the first check done: a quiet watch is seen running that way.
        const quiet = spawnUntil(['watch', 'sb', '--interval', '10s', '--metrics', `127.0.0.1:${port}`, '--quiet'], {
          poll: async () =>
            /oslc_admin_node_up\{[^}]*node="node2"[^}]*\} 0/.test(
              await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
            ),
        });
        expect(await quiet.stop()).toBe(0);
        expect(quiet.out).toEqual({ stdout: '', stderr: '' });
        const json = spawnUntil(['watch', 'sb', '--interval', '10s', '--quiet', '--json'], {
          stream: 'stdout',
          match: /node2/,
        });
        expect(await json.stop()).toBe(0);
        for (const line of json.out.stdout.split('\n').filter(Boolean))
          expect(line.startsWith('{"schemaVersion":1,"cluster":"sb"'), line).toBe(true);
        expect(json.out.stderr).toBe('');
      } finally {
        await sandbox.restartNode('node2');
      }
      const verbose = spawnUntil(['watch', 'sb', '--interval', '10s', '--verbose'], {
        stream: 'stderr',
        match: /^… node3: GET .*\n/m,
      });
      expect(await verbose.stop()).toBe(0);
      expect(verbose.out.stderr).toMatch(/^… oslc-admin watch: config directory /);
      expect(verbose.out.stderr).toMatch(/^… node1: GET http:\/\/127\.0\.0\.1:\d+\/\S* → HTTP 200 \(\d+ ms\)$/m);
      expect(verbose.out.stderr).toMatch(/^… exit 0 after /m);
    },
  );
});
