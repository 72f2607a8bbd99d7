/**
 * Issue 22: `oslc-admin doctor` (one line per check, exit by the worst) against the real sandbox and
 * keychain — healthy, with the keychain unavailable, with a read-only config directory, with a
 * killed node — and the options every command takes before its name (`--home`, `--verbose`,
 * `--quiet`), with status's progress per node on stderr: on a terminal or with --verbose only.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { BIN, runBin, runMain } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3 });
  t = await engineFor(sandbox);
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});

const lines = (s: string) => s.trim().split('\n');

describe('oslc-admin doctor', () => {
  it('healthy: one OK line per check (keychain, config directory, clusters, each node), exit 0', async () => {
    const r = await runMain(['doctor', '--home', t.home], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^OK {3}keychain: reachable and unlocked/);
    expect(out[1]).toMatch(/^OK {3}config directory: .* is readable and writable$/);
    expect(out[2]).toBe('OK   clusters: 1 defined');
    for (const n of sandbox.info.nodes)
      expect(r.stdout).toMatch(
        new RegExp(`^OK {3}sb/${n.id}: reachable \\(\\d+ ms\\), no TLS \\(http\\), clock [+-]\\d+ s$`, 'm'),
      );
    expect(out.at(-1)).toBe('All checks passed.');
    expect(r.stderr).toBe('');
  });

  it('--json: one document with schemaVersion, each check with its level and subject, exit by the worst', async () => {
    const r = await runMain(['doctor', '--json', '--home', t.home], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      worst: string;
      checks: { level: string; subject: string; text: string }[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.worst).toBe('ok');
    expect(doc.checks.map((c) => c.subject)).toEqual([
      'keychain',
      'config directory',
      'clusters',
      ...sandbox.info.nodes.map((n) => `sb/${n.id}`),
    ]);
    expect(doc.checks.every((c) => c.level === 'ok')).toBe(true);
    expect(doc.checks[2]?.text).toBe('1 defined');
    // A process of its own: the keychain's D-Bus address is read once per process.
    const blind = await runBin(['doctor', '--json', '--home', t.home], {
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(blind.code).toBe(2);
    const failed = JSON.parse(blind.stdout) as { worst: string; checks: { level: string; subject: string }[] };
    expect(failed.worst).toBe('fail');
    expect(failed.checks[0]).toMatchObject({ level: 'fail', subject: 'keychain' });
  });

  it('a killed node is a FAIL line naming it, exit 2; --quiet prints only that line; --verbose says what it does on stderr', async () => {
    await sandbox.killNode('node2');
    try {
      const r = await runMain(['doctor', '--home', t.home], { env });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/^FAIL sb\/node2: not reachable — NODE_\w+: /m);
      expect(r.stdout).toMatch(/^OK {3}sb\/node1: reachable/m);
      expect(lines(r.stdout).at(-1)).toBe('Failures above.');
      const quiet = await runMain(['doctor', '--quiet', '--home', t.home], { env });
      expect(quiet.code).toBe(2);
      expect(lines(quiet.stdout)).toHaveLength(1);
      expect(quiet.stdout).toMatch(/^FAIL sb\/node2/);
      const verbose = await runMain(['--verbose', 'doctor', '--home', t.home], { env });
      expect(verbose.stderr).toContain('… asking every node of sb (3 nodes)');
      expect(verbose.stderr).toMatch(/… sb\/node1 answered/);
    } finally {
      await sandbox.restartNode('node2');
    }
  });

  it('the keychain unavailable is a FAIL line with the reason; the other checks still run', async () => {
    const r = await runBin(['doctor', '--home', t.home], {
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(lines(r.stdout)[0]).toMatch(/^FAIL keychain: KEYCHAIN_UNAVAILABLE: The OS keychain is not available/);
    expect(r.stdout).toMatch(/^OK {3}sb\/node3: reachable/m);
  });

  it('a read-only config directory is a FAIL line naming it', async () => {
    // Root ignores mode bits, so the directory is made immutable (chattr +i), as harden-a-exit-codes does.
    const immutable = spawnSync('chattr', ['+i', t.home]);
    if (immutable.status !== 0) {
      console.warn(`chattr +i refused (${immutable.stderr.toString().trim()}): the read-only case cannot be made here`);
      return;
    }
    try {
      const r = await runMain(['doctor', '--home', t.home], { env });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(new RegExp(`^FAIL config directory: ${t.home} cannot be used: EPERM`, 'm'));
      expect(r.stdout).toMatch(/^OK {3}sb\/node1: reachable/m);
    } finally {
      execFileSync('chattr', ['-i', t.home]);
    }
  });

  it('bad input is exit 3 (2 is a failed check)', async () => {
    const r = await runMain(['doctor', '--bogus', '--home', t.home], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: Unknown option '--bogus'/);
  });
});

describe('options before the command, and progress per node', () => {
  it('--home before the command works as after it', async () => {
    const before = await runMain(['--home', t.home, 'cluster', 'list'], { env });
    const after = await runMain(['cluster', 'list', '--home', t.home], { env });
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    expect(before.stdout).toContain('sb');
    expect((await runMain([`--home=${t.home}`, 'cluster', 'show', 'sb'], { env })).code).toBe(0);
  });

  it('status shows each node on stderr as it answers on a terminal and with --verbose, never on a pipe, with --json or --quiet', async () => {
    const piped = await runMain(['status', 'sb', '--home', t.home], { env });
    expect(piped.stderr).toBe('');
    const verbose = await runMain(['status', 'sb', '--verbose', '--home', t.home], { env });
    expect(verbose.stderr).toMatch(/^ {2}node\d answered in \d+ ms \(1\/3\)$/m);
    expect(verbose.stderr).toMatch(/^ {2}node\d answered in \d+ ms \(3\/3\)$/m);
    expect(verbose.stdout).toMatch(/^Cluster sb \(sandbox\), checked /);
    // With --json, --verbose says what is done (cli-every-command.test.ts) but no progress table lines.
    const json = await runMain(['status', 'sb', '--verbose', '--json', '--home', t.home], { env });
    expect(json.stderr).not.toMatch(/answered in/);
    // --quiet after --verbose: the later one counts, and --quiet prints no progress.
    const quiet = await runMain(['status', 'sb', '--verbose', '--quiet', '--home', t.home], { env });
    expect(quiet.stderr).toBe('');
    // A real terminal: `script` gives the process a pseudo-terminal for stdout and stderr.
    // Spawned without blocking: the sandbox answers from this process.
    const tty = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', `${BIN} status sb --home ${t.home}`, '/dev/null'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve({ stdout }));
    });
    expect(tty.stdout).toMatch(/ {2}node\d answered in \d+ ms \(3\/3\)/);
    expect(tty.stdout).toContain('NODE  ');
  });

  it('--json: every document carries schemaVersion first, and an error is one JSON line on stderr with the same exit code', async () => {
    const ok = await runMain(['status', 'sb', '--json', '--home', t.home], { env });
    expect(ok.stdout.startsWith('{"schemaVersion":1,"cluster":"sb"')).toBe(true);
    const list = JSON.parse((await runMain(['cluster', 'list', '--json', '--home', t.home], { env })).stdout) as {
      schemaVersion: number;
    };
    expect(list.schemaVersion).toBe(1);
    const missing = await runMain(['status', 'nope', '--json', '--home', t.home], { env });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(lines(missing.stderr)).toHaveLength(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ schemaVersion: 1, error: { code: 'CLUSTER_NOT_FOUND' } });
    const bad = await runMain(['sync', 'sb', '--json', '--bogus', '--home', t.home], { env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({
      error: { code: 'BAD_INPUT', message: expect.stringContaining("Unknown option '--bogus'") },
    });
    // Without --json the same error stays a line of text.
    expect((await runMain(['status', 'nope', '--home', t.home], { env })).stderr).toMatch(
      /^error \[CLUSTER_NOT_FOUND\]/,
    );
  });
});
