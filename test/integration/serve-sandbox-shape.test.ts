/** `serve --sandbox --nodes N --tls --sticky`: the embedded sandbox in the shape the trainer asks for. */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../_cli.ts';
import { apiCaller, signIn, startServe } from '../_serve.ts';

describe('serve --sandbox shapes', () => {
  it('runs a 2-node TLS sandbox behind a sticky balancer, registered with its CA so status verifies it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'oslc-shape-'));
    const server = await startServe(['--sandbox', '--nodes', '2', '--tls', '--sticky', '--home', home]);
    try {
      expect(server.sandbox?.nodes).toHaveLength(2);
      expect(server.sandbox?.balancer).toMatch(/^https:\/\/127\.0\.0\.1:/);
      expect(server.sandbox?.caFile).toBeTruthy();
      const session = await signIn(server);
      const call = apiCaller(server, session);
      const state = await call('sandboxState', { cluster: 'sandbox' });
      expect(state.result).toMatchObject({ sticky: true, tls: true });
      // Issue 18, defect 6: the sandbox's throwaway admin login reaches the console (its Sandbox drawer), …
      expect(state.result?.adminLogin).toEqual({ user: 'admin', password: server.sandbox!.admin.password });
      // … and only for the embedded sandbox: another cluster has no sandbox state at all.
      await call('addCluster', {
        name: 'other',
        kind: 'lyo',
        balancerUrl: 'https://127.0.0.1:1',
        nodes: [{ id: 'n1', url: 'https://127.0.0.1:2' }],
      });
      const other = (await call('sandboxState', { cluster: 'other' })) as { error?: { code: string } };
      expect(other.error?.code).toBe('NOT_SUPPORTED');
      const status = await call('status', { cluster: 'sandbox' });
      const nodes = status.result?.nodes as { up: boolean; tls: { authorized: boolean } | null }[];
      expect(nodes.map((n) => [n.up, n.tls?.authorized])).toEqual([
        [true, true],
        [true, true],
      ]);
    } finally {
      await server.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses --tls, --no-sticky, --dialect or --nodes without --sandbox, naming them (exit 2)', async () => {
    for (const args of [['--tls'], ['--no-sticky'], ['--dialect', 'jazz']]) {
      const run = await runBin(['serve', ...args, '--home', tmpdir()]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--nodes, --tls, --no-sticky and --dialect shape the embedded sandbox: add --sandbox/);
    }
  });

  it('refuses an unknown --dialect, naming the option and the choices (exit 2)', async () => {
    const run = await runBin(['serve', '--sandbox', '--dialect', 'websphere', '--home', tmpdir()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--dialect: "websphere" is not one of sandbox, clearquest, jazz, lyo/);
  });

  it('the empty console starts the sandbox: startSandbox registers it once, and the CLI cannot', async () => {
    const home = await mkdtemp(join(tmpdir(), 'oslc-start-'));
    const server = await startServe(['--home', home]);
    try {
      expect(server.sandbox).toBeNull();
      const session = await signIn(server);
      const call = apiCaller(server, session);
      expect((await call('listClusters', {})).result?.clusters).toEqual([]);
      expect((await call('startSandbox', { nodes: 9 })).error?.code).toBe('BAD_INPUT');
      const [a, b] = await Promise.all([call('startSandbox', {}), call('startSandbox', {})]);
      expect(a.result).toEqual({ cluster: 'sandbox' });
      expect(b.result).toEqual({ cluster: 'sandbox' });
      const listed = (await call('listClusters', {})).result?.clusters as { name: string; embeddedSandbox: boolean }[];
      expect(listed).toEqual([expect.objectContaining({ name: 'sandbox', embeddedSandbox: true })]);
      const status = await call('status', { cluster: 'sandbox' });
      expect((status.result?.nodes as { up: boolean }[]).every((n) => n.up)).toBe(true);
    } finally {
      await server.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
