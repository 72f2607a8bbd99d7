/**
 * Issue 22: `status --check` as Nagios/Icinga run it, the bin as a process against the real sandbox
 * and the real keychain: UNKNOWN (exit 3, the reason in the line) when it cannot read the nodes' key
 * lists, a line within its `-t` deadline whatever hangs, `-w`/`-c` ranges from the command line, and
 * the admin password from a 0600 `--password-file`.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { spawn } from 'node:child_process';
import { BIN, runMain } from '../_cli.ts';
import { runBin } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let blind: TestEngine;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3 });
  t = await engineFor(sandbox);
  // The same cluster with no admin login stored: what a `nagios` user without a keychain session has.
  blind = await engineFor(sandbox, { admin: false });
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
  dir = await mkdtemp(join(tmpdir(), 'oslc-check-cli-'));
});
afterAll(async () => {
  await t?.close();
  await blind?.close();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('status --check that cannot see', () => {
  it('is UNKNOWN, exit 3, with the reason, when the keychain cannot be reached; WARNING for the same cluster with the password given', async () => {
    const { key, node } = await sandbox.friend('RTC-blind', 'blind-secret');
    const noKeychain = { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    const r = await runBin(['status', 'sb', '--check', '--home', t.home], { env: noKeychain });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - sb: the nodes' key lists cannot be read: KEYCHAIN_UNAVAILABLE: /);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);

    // The same check with the password from a 0600 file (no keychain at all) sees the provisional key.
    const pw = join(dir, 'pw');
    await writeFile(pw, `${sandbox.info.admin.password}\n`, { mode: 0o600 });
    await chmod(pw, 0o600);
    const seen = await runBin(['status', 'sb', '--check', '--password-file', pw, '--home', t.home], {
      env: noKeychain,
    });
    expect(seen.code, seen.stdout + seen.stderr).toBe(1);
    expect(seen.stdout).toContain(`OSLC WARNING - sb: provisional ${key} on ${node}`);
    expect(seen.stdout).toContain('provisional_keys=1;0;;0');
    await sandbox.restartNode(node); // the provisional key goes with the node's memory
  });

  it('is UNKNOWN, exit 3, when no admin login is stored, and says how to give one', async () => {
    const r = await runMain(['status', 'sb', '--check', '--home', blind.home], { env });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(
      /^OSLC UNKNOWN - sb: key lists not read on node1,node2,node3: No admin login is stored for sb: .*oslc-admin login sb --user U/,
    );
  });
});

describe('status --check -t', () => {
  it('prints its line within the deadline while a node hangs: the hung node is down (NODE_TIMEOUT), CRITICAL', async () => {
    sandbox.setLatency('node3', 30_000);
    try {
      const started = performance.now();
      const child = spawn(BIN, ['status', 'sb', '--check', '-t', '5', '--home', t.home], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let lineAt = 0;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        lineAt ||= performance.now();
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const seconds = (performance.now() - started) / 1000;
      const lineSeconds = (lineAt - started) / 1000;
      expect(code, stdout + stderr).toBe(2);
      expect(stdout).toMatch(
        /^OSLC CRITICAL - sb: node3 down \(NODE_TIMEOUT\) \| nodes_up=2;;;0;3 nodes_down=1;;0;0;3 /,
      );
      expect(stderr).toBe('');
      // The deadline counts from the process's start, as a monitor times the plugin: the bound is 6 s.
      // The process ends at once after its line (the hung request is dropped, not awaited).
      expect(lineSeconds).toBeLessThan(6);
      expect(seconds - lineSeconds).toBeLessThan(1);
      console.log(
        `check -t 5 with a hung node: line after ${lineSeconds.toFixed(2)} s, exit after ${seconds.toFixed(2)} s`,
      );
    } finally {
      sandbox.setLatency('node3', 0);
    }
  });

  it('refuses a deadline out of range as UNKNOWN naming -t', async () => {
    const r = await runMain(['status', 'sb', '--check', '-t', '0', '--home', t.home], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - --timeout: 0 is out of range/);
  });
});

describe('status --check -w/-c', () => {
  it('applies ranges per figure from the command line, and puts them in the performance data', async () => {
    await sandbox.killNode('node2');
    try {
      let r = await runMain(['status', 'sb', '--check', '-w', 'down=0', '-c', 'down=1', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(/^OSLC WARNING - sb: node2 down \(\w+\) \|.* nodes_down=1;0;1;0;3 /);
      r = await runMain(['status', 'sb', '--check', '-c', 'down=@1:3', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(2);
      r = await runMain(['status', 'sb', '--check', '-c', 'down=5:', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(2); // fewer than 5 down is outside 5:… → critical, as the guidelines define it
      // 10:20 in the guidelines' list: outside start..end alerts (one down is outside 2..3, inside 1..2).
      r = await runMain(['status', 'sb', '--check', '-c', 'down=2:3', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(2);
      r = await runMain(['status', 'sb', '--check', '-c', 'down=1:2', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(0);
      r = await runMain(['status', 'sb', '--check', '-c', 'down=~:1,skew=100', '--home', t.home], { env });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/max_clock_skew=\d+s;60;100;0 /);
    } finally {
      await sandbox.restartNode('node2');
    }
    const r = await runMain(['status', 'sb', '--check', '-w', 'nodes=1', '--home', t.home], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^OSLC UNKNOWN - -w: "nodes=1" names no figure/);
  });
});
