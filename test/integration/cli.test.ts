/**
 * The `oslc-admin` CLI as a user runs it: the npm bin link, real processes, the real keychain (a
 * Secret Service on the test's D-Bus session), and the sandbox over real sockets.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runBin, runMain, spawnSandbox } from '../_cli.ts';
import type { CliRun } from '../_cli.ts';
import { readTree } from '../_engine.ts';

function portRefuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** Runs a command to its end: its exit code and what it printed. */
function runCommand(command: string, args: string[], cwd?: string): Promise<CliRun> {
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(command, args, { ...(cwd ? { cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('oslc-admin, the installed binary', () => {
  it('prints its help through `npx oslc-admin` with no build step', async () => {
    const r = await runCommand(
      'npx',
      ['--no-install', 'oslc-admin', '--help'],
      new URL('../..', import.meta.url).pathname,
    );
    expect(r.code).toBe(0);
    for (const cmd of [
      'sandbox',
      'cluster add',
      'login',
      'consumer track',
      'status',
      'approve',
      'register',
      'sync',
      'audit',
    ])
      expect(r.stdout).toContain(cmd);
  });

  it('still runs through a bin link npm made before the entry was renamed to .cjs', async () => {
    // npm's exec cache keeps the links it made (~/.npm/_npx/<dir>/node_modules/.bin): a checkout that
    // ran `npx oslc-admin` before the rename has one to bin/oslc-admin.mjs, which must still start the CLI.
    const dir = await mkdtemp(join(tmpdir(), 'oslc-stale-bin-'));
    try {
      const link = join(dir, 'oslc-admin');
      await symlink(new URL('../../bin/oslc-admin.mjs', import.meta.url).pathname, link);
      const run = (args: string[]) => runCommand(link, args);
      const help = await run(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: oslc-admin <command>');
      const unknown = await run(['frobnicate']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown command "frobnicate"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers exit 2 naming the command for an unknown command', async () => {
    const r = await runBin(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('runs the sandbox with --json: exactly one line once everything listens, and closes every socket on SIGTERM', async () => {
    const state = await mkdtemp(join(tmpdir(), 'oslc-sb-'));
    const { child, out: line } = await spawnSandbox(['--nodes', '2', '--state-dir', state]);
    const info = JSON.parse(line.trim()) as {
      balancer: string;
      control: string;
      nodes: { id: string; url: string }[];
      admin: { user: string; password: string };
      repo: string;
      db: string;
      caFile: null;
      stateDir: string;
    };
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(info).toEqual({
      schemaVersion: 1,
      balancer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      nodes: [
        { id: 'node1', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
        { id: 'node2', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
      ],
      control: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      admin: { user: 'admin', password: expect.any(String) },
      repo: 'cqschema',
      db: 'SAMPL',
      caFile: null,
      stateDir: state,
      dialect: 'sandbox',
    });
    expect(await portRefuses(info.balancer)).toBe(false);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const url of [info.balancer, info.control, ...info.nodes.map((n) => n.url)])
      expect(await portRefuses(url), url).toBe(true);
    await rm(state, { recursive: true, force: true });
  });
});

describe('sandbox --register', () => {
  it('adds the running sandbox as a cluster with its login, keeps its repository beside the config, and re-points the cluster on the next start', async () => {
    const home = await mkdtemp(join(tmpdir(), 'oslc-reg-home-'));
    const env = { OSLC_ADMIN_HOME: home, OSLC_ADMIN_KEYCHAIN_SERVICE: `oslc-cluster-admin-test-${randomUUID()}` };
    const start = async () => {
      const { child, out } = await spawnSandbox(['--nodes', '2', '--register', 'demo'], env);
      return { child, info: JSON.parse(out) as { balancer: string; stateDir: string } };
    };
    const stop = (child: ReturnType<typeof spawn>) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    try {
      const first = await start();
      expect(first.info.stateDir).toBe(join(home, 'sandbox', 'demo'));
      const status = await runBin(['status', 'demo', '--json'], { env });
      expect(status.code, status.stderr).toBe(0);
      expect(
        (JSON.parse(status.stdout) as { nodes: { approved: string[] | null }[] }).nodes.every((n) =>
          Array.isArray(n.approved),
        ),
      ).toBe(true);
      await stop(first.child);

      const second = await start();
      const def = JSON.parse((await runBin(['cluster', 'show', 'demo', '--json'], { env })).stdout) as {
        balancerUrl: string;
      };
      expect(def.balancerUrl).toBe(second.info.balancer);
      await stop(second.child);
      await runBin(['cluster', 'remove', 'demo'], { env });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('the seed story through the CLI', () => {
  let sandbox: SandboxHandle;
  let home: string;
  let env: Record<string, string>;
  const outputs: CliRun[] = [];
  const cli = async (args: string[], stdin?: string) => {
    const r = await runBin(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    home = await mkdtemp(join(tmpdir(), 'oslc-cli-home-'));
    env = { OSLC_ADMIN_HOME: home, OSLC_ADMIN_KEYCHAIN_SERVICE: `oslc-cluster-admin-test-${randomUUID()}` };
  });
  afterAll(async () => {
    await runBin(['cluster', 'remove', 'sb'], { env });
    await sandbox?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('adds the cluster, stores the login and the consumer secret, finds the key on its node, approves it there, syncs, and audits', async () => {
    const secret = `canary-cli-secret-${randomUUID()}`;
    const { key, node: holder } = await sandbox.friend('RTC', secret);
    const nodeArgs = sandbox.info.nodes.flatMap((n) => ['--node', n.url]);

    expect(
      (
        await cli([
          'cluster',
          'add',
          'sb',
          '--kind',
          'sandbox',
          '--balancer',
          sandbox.info.balancer,
          ...nodeArgs,
          '--repo',
          'cqschema',
          '--db',
          'SAMPL',
        ])
      ).code,
    ).toBe(0);
    const login = await cli(['login', 'sb', '--user', 'admin', '--password-stdin'], `${sandbox.info.admin.password}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect((await cli(['consumer', 'track', 'sb', '--key', key, '--name', 'RTC', '--secret-stdin'], secret)).code).toBe(
      0,
    );

    const before = await cli(['status', 'sb', '--json']);
    expect(before.code).toBe(1); // the key is provisional: a problem
    const s1 = JSON.parse(before.stdout) as {
      nodes: { id: string; provisional: string[]; consumers: { key: string; state: string }[] }[];
      drift: unknown[];
    };
    expect(s1.nodes.find((n) => n.id === holder)!.provisional).toEqual([key]);
    expect(s1.nodes.map((n) => n.consumers[0]!.state)).toEqual(
      sandbox.info.nodes.map((n) => (n.id === holder ? 'provisional' : 'unknown')),
    );

    const approve = await cli(['approve', 'sb', '--key', key, '--json']);
    expect(approve.code, approve.stderr).toBe(0);
    expect(JSON.parse(approve.stdout)).toEqual(expect.objectContaining({ key, node: holder, verified: true }));

    const stale = await cli(['status', 'sb']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('invalid_expired_token');

    const sync = await cli(['sync', 'sb', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const s2 = JSON.parse(sync.stdout) as {
      nodes: { id: string; refreshed: boolean; attempts: number; error: null }[];
      verified: { consistent: boolean; drift: unknown[] };
    };
    expect(s2.nodes).toEqual(sandbox.info.nodes.map((n) => ({ id: n.id, refreshed: true, attempts: 1, error: null })));
    expect(s2.verified).toEqual({ consistent: true, drift: [] });
    expect(sync.stderr).toMatch(/node1: refreshed/);

    const after = await cli(['status', 'sb']);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('No drift');

    const audit = await cli(['audit', 'sb', '--json']);
    expect((JSON.parse(audit.stdout) as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual([
      'credentials-stored',
      'approve',
      'sync',
    ]);

    // No secret in anything the CLI printed or wrote.
    const printed = outputs.map((o) => o.stdout + o.stderr).join('\n');
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain(sandbox.info.admin.password);
    const onDisk = await readTree(home);
    expect(onDisk).not.toContain(secret);
    expect(onDisk).not.toContain(sandbox.info.admin.password);
  });
});

describe('bad input on every command', () => {
  let home: string;
  let env: Record<string, string>;
  let configBefore: string;
  const cfg = () => readFile(join(home, 'clusters.json'), 'utf8');

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oslc-bad-home-'));
    env = { OSLC_ADMIN_HOME: home, OSLC_ADMIN_KEYCHAIN_SERVICE: `oslc-cluster-admin-test-${randomUUID()}` };
    const r = await runMain(
      [
        'cluster',
        'add',
        'good',
        '--kind',
        'sandbox',
        '--balancer',
        'http://127.0.0.1:9',
        '--node',
        'http://127.0.0.1:10',
        '--repo',
        'cqschema',
        '--db',
        'SAMPL',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    configBefore = await cfg();
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const long = 'x'.repeat(10 * 1024);
  const cases: [string, string[], RegExp, string?][] = [
    [
      'a bad balancer URL',
      ['cluster', 'add', 'c1', '--kind', 'sandbox', '--balancer', 'not a url', '--node', 'http://h:1'],
      /--balancer: must be an http/,
    ],
    [
      'an ftp node URL',
      ['cluster', 'add', 'c1', '--kind', 'sandbox', '--balancer', 'http://h', '--node', 'ftp://h/x'],
      /--node #1: must be an http/,
    ],
    [
      'an unknown kind',
      ['cluster', 'add', 'c1', '--kind', 'websphere', '--balancer', 'http://h', '--node', 'http://h:1'],
      /kind/,
    ],
    ['no --kind', ['cluster', 'add', 'c1', '--balancer', 'http://h', '--node', 'http://h:1'], /--kind is required/],
    ['no node', ['cluster', 'add', 'c1', '--kind', 'sandbox', '--balancer', 'http://h'], /at least one node/],
    [
      'a 10 KB name',
      ['cluster', 'add', long, '--kind', 'sandbox', '--balancer', 'http://h', '--node', 'http://h:1'],
      /<name>: must be at most 64/,
    ],
    [
      'a name with invalid UTF-8',
      ['cluster', 'add', 'a\uFFFDb', '--kind', 'sandbox', '--balancer', 'http://h', '--node', 'http://h:1'],
      /name/,
    ],
    [
      'a name that exists',
      [
        'cluster',
        'add',
        'good',
        '--kind',
        'sandbox',
        '--balancer',
        'http://h',
        '--node',
        'http://h:1',
        '--repo',
        'r',
        '--db',
        'd',
      ],
      /exists|taken/i,
    ],
    [
      'a clearquest cluster without --repo/--db',
      [
        'cluster',
        'add',
        'cq',
        '--kind',
        'clearquest',
        '--balancer',
        'https://lbcq/cqweb',
        '--node',
        'https://lbcq_1:9443/cqweb',
      ],
      /--repo: a clearquest cluster needs its repository and database names/,
    ],
    ['an unknown option', ['cluster', 'list', '--colour'], /--colour/],
    ['show of an unknown cluster', ['cluster', 'show', 'nope'], /nope/],
    ['remove of an unknown cluster', ['cluster', 'remove', 'nope'], /nope/],
    ['import of a missing file', ['cluster', 'import', '/nonexistent/file.json'], /<file>: cannot read/],
    ['login with no --user', ['login', 'good', '--password-stdin'], /--user is required/],
    ['login to an unknown cluster', ['login', 'nope', '--user', 'u', '--password-stdin'], /nope/, 'pw'],
    [
      'login with an empty password on stdin',
      ['login', 'good', '--user', 'u', '--password-stdin'],
      /nothing was read from stdin/,
      '',
    ],
    ['tracking an empty key', ['consumer', 'track', 'good', '--key', ''], /key: must not be empty/],
    ['tracking a 10 KB key', ['consumer', 'track', 'good', '--key', long], /key: must be at most 256/],
    ['untracking a key that is not tracked', ['consumer', 'untrack', 'good', '--key', 'k'], /not tracked/],
    ['status of an unknown cluster', ['status', 'nope'], /nope/],
    ['probe of an unknown node', ['probe', 'good', '--node', 'node9', '--key', 'k'], /node9/],
    ['approve without --key', ['approve', 'good'], /--key is required/],
    ['register without --secret-stdin', ['register', 'good', '--name', 'n'], /--secret-stdin is required/],
    ['sync of an unknown cluster', ['sync', 'nope'], /nope/],
    [
      'trust with a short fingerprint',
      ['trust', 'good', '--fingerprint', 'AB:CD'],
      /fingerprint256: must be a SHA-256/,
    ],
    ['audit of an unknown cluster', ['audit', 'nope'], /nope/],
    ['sandbox with --nodes abc', ['sandbox', '--nodes', 'abc'], /--nodes: "abc" is not a whole number/],
    ['sandbox with --nodes 0', ['sandbox', '--nodes', '0'], /--nodes: 0 is out of range/],
  ];
  for (const [what, args, message, stdin] of cases) {
    it(`answers exit 2 with a message naming the argument for ${what}, and leaves the config byte for byte`, async () => {
      const r = await runMain(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(await cfg()).toBe(configBefore);
    });
  }

  it('refuses to import a non-UTF-8 file or one with bad fields, naming the problem, and leaves the config byte for byte', async () => {
    const bad = join(home, 'bad.json');
    await writeFile(bad, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    let r = await runMain(['cluster', 'import', bad], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/UTF-8/);
    await writeFile(
      bad,
      JSON.stringify({
        format: 'oslc-cluster-admin/cluster',
        version: 1,
        cluster: { name: 'x', kind: 'sandbox', balancerUrl: 'nope', nodes: [] },
      }),
    );
    r = await runMain(['cluster', 'import', bad], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/balancerUrl|nodes/);
    expect(await cfg()).toBe(configBefore);
  });
});
