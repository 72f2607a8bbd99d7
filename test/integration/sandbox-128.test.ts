/**
 * The sandbox at its new limit: 128 nodes, in code and from the CLI, and the engine working all of
 * them in one status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NODES, startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import type { SandboxInfo } from '../../electron/sandbox/index.ts';
import { runMain, spawnSandbox } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

describe('a 128-node sandbox', () => {
  let sandbox: SandboxHandle;
  let t: TestEngine;
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 128 });
    t = await engineFor(sandbox);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('runs 128 nodes, each on its own port, and the engine sees every one of them up with the same keys', async () => {
    expect(MAX_NODES).toBe(128);
    const ports = new Set(sandbox.info.nodes.map((n) => new URL(n.url).port));
    expect(ports.size).toBe(128);
    const { key } = await sandbox.friend('Wide', 'wide-secret');
    await t.engine.trackConsumer({ cluster: 'sb', key, secret: 'wide-secret' });
    const approved = await t.engine.approve({ cluster: 'sb', key });
    expect(approved.missingOn).toHaveLength(127);
    const synced = await t.engine.sync({ cluster: 'sb' });
    expect(synced.nodes.every((n) => n.refreshed)).toBe(true);
    expect(synced.verified).toEqual({ consistent: true, drift: [] });
    const s = await t.engine.status({ cluster: 'sb' });
    expect(s.nodes.map((n) => n.id)).toEqual(sandbox.info.nodes.map((n) => n.id));
    expect(s.nodes.every((n) => n.up && n.approved?.includes(key) && n.consumers[0]?.state === 'approved')).toBe(true);
  });
});

describe('the sandbox command at 128 nodes', () => {
  it('starts 128 nodes with --nodes 128 and stops on SIGTERM', async () => {
    const { child, out } = await spawnSandbox(['--nodes', '128']);
    try {
      const info = JSON.parse(out.split('\n')[0]!) as SandboxInfo;
      expect(info.nodes.map((n) => n.id)).toEqual(Array.from({ length: 128 }, (_, i) => `node${i + 1}`));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses --nodes 129, naming the range', async () => {
    const r = await runMain(['sandbox', '--nodes', '129']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--nodes: 129 is out of range (1–128)');
  });
});
