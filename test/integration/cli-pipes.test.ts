/**
 * Issue 22: a reader that goes away (`oslc-admin … | head -1`, `| true`) ends the output quietly on
 * every command that prints: no stack trace, the command's own exit code; sync and watch, which
 * handle SIGTERM, stop as on SIGTERM (sync records what it did). The bin as a process, its stdout
 * closed before it writes, so every write meets EPIPE.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { BIN, runMain } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3 });
  t = await engineFor(sandbox);
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
  dir = await mkdtemp(join(tmpdir(), 'oslc-pipes-'));
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the bin with its stdout's reading end closed at once; resolves with its exit code and stderr. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const noTrace = (stderr: string) => {
  expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|^\s+at /m);
};

describe('a closed pipe', () => {
  it('ends --help, help and cluster list quietly with their own exit codes', async () => {
    for (const [args, code] of [
      [['--help'], 0],
      [['help'], 0],
      [['cluster', 'list'], 0],
    ] as const) {
      const r = await withClosedStdout([...args, '--home', t.home]);
      noTrace(r.stderr);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
    }
  });

  it('ends every command whose output grows with the cluster (or is long) quietly, with its own exit code', async () => {
    // status, cluster list/show/export, doctor and diagnose print a line per node, key or cluster (a
    // 128-node cluster passes a pipe buffer); man and the fish script are long texts. A closed pipe
    // meets the first write, whatever its size; the exit code is the one a reader would have seen.
    const key = (await sandbox.friend('pipes', 'pipes-secret')).key;
    await t.engine.approve({ cluster: 'sb', key });
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'pipes-secret' });
    const runs = [
      ['status', 'sb'],
      ['status', 'sb', '--json'],
      ['status', 'sb', '--check'],
      ['cluster', 'list'],
      ['cluster', 'list', '--json'],
      ['cluster', 'show', 'sb'],
      ['cluster', 'export', 'sb'],
      ['doctor'],
      ['diagnose', 'sb', '--key', key],
      ['diagnose', 'sb', '--key', key, '--json'],
      ['man'],
      ['completion', 'fish'],
      ['status', '--help'],
    ];
    for (const args of runs) {
      const expected = (await runMain([...args, '--home', t.home], { env })).code;
      const r = await withClosedStdout([...args, '--home', t.home]);
      noTrace(r.stderr);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expected);
    }
  });

  it('ends audit of a log longer than a pipe buffer quietly, text and --json', async () => {
    const entry = (i: number) =>
      JSON.stringify({
        time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        user: 'ops',
        cluster: 'sb',
        node: 'node1',
        action: 'sync',
        key: null,
        outcome: 'ok',
        detail: `entry ${i} ${'x'.repeat(100)}`,
      });
    await writeFile(join(t.home, 'audit.jsonl'), Array.from({ length: 3000 }, (_, i) => entry(i)).join('\n') + '\n');
    for (const json of [false, true]) {
      const r = await withClosedStdout(['audit', 'sb', '--home', t.home, ...(json ? ['--json'] : [])]);
      noTrace(r.stderr);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('stops sync as SIGTERM does: exit 143 and the audit line says interrupted', async () => {
    await rm(join(t.home, 'audit.jsonl'), { force: true });
    sandbox.setLatency('node3', 8_000);
    try {
      const r = await withClosedStdout(['sync', 'sb', '--home', t.home]);
      noTrace(r.stderr);
      expect(r.code, r.stderr).toBe(143);
      const last = JSON.parse((await readFile(join(t.home, 'audit.jsonl'), 'utf8')).trim().split('\n').at(-1)!) as {
        action: string;
        detail: string;
      };
      expect(last.action).toBe('sync');
      expect(last.detail).toMatch(/interrupted/);
    } finally {
      sandbox.setLatency('node3', 0);
    }
  });

  it('stops watch at its first line (a node down), exit 0', async () => {
    await sandbox.killNode('node2');
    try {
      const r = await withClosedStdout(['watch', 'sb', '--interval', '10s', '--home', t.home]);
      noTrace(r.stderr);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await sandbox.restartNode('node2');
    }
  });
});
