/**
 * The default sandbox looks like a correctly configured production cluster (issue 11, "And the
 * default"): its balancer is sticky, so after approve + sync `diagnose` says HEALTHY and exits 0; a
 * balancer without affinity (`POST /balancer {"sticky": false}`, `--no-sticky`) is still found and
 * reported as its own cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runBin, runMain, spawnSandbox } from '../_cli.ts';
import { engineFor, type TestEngine } from '../_engine.ts';
import { Client, useSandbox } from '../_sandbox.ts';

const env = (t: TestEngine) => ({ OSLC_ADMIN_HOME: t.home, OSLC_ADMIN_KEYCHAIN_SERVICE: t.service });

describe('the default sandbox after approve + sync', () => {
  const sandbox = useSandbox({ nodes: 3 });
  let t: TestEngine;
  let key = '';
  beforeAll(async () => {
    t = await engineFor(sandbox());
    const friend = await sandbox().friend('RTC', 'rtc-secret');
    key = friend.key;
    await t.engine.trackConsumer({ cluster: t.cluster.name, key, name: 'RTC', secret: 'rtc-secret' });
    const approved = await t.engine.approve({ cluster: t.cluster.name, key });
    expect(approved.verified).toBe(true);
    const sync = await t.engine.sync({ cluster: t.cluster.name });
    expect(sync.verified.consistent).toBe(true);
  });
  afterAll(() => t?.close());

  it('has a sticky balancer by default', () => {
    expect(sandbox().state().sticky).toBe(true);
  });

  it('diagnoses HEALTHY and exits 0', async () => {
    const run = await runMain(['diagnose', t.cluster.name, '--key', key], { env: env(t) });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('HEALTHY');
    expect(run.stdout).not.toContain('BALANCER_NOT_STICKY');
    expect(run.code).toBe(0);
  });

  it('reports a balancer turned non-sticky through the control endpoint as its own cause', async () => {
    const control = new Client();
    try {
      const bad = await control.json(`${sandbox().info.control}/balancer`, { sticky: 'no' });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('field \\"sticky\\" is required: true or false');
      const off = await control.json(`${sandbox().info.control}/balancer`, { sticky: false });
      expect(off.status).toBe(200);
      expect(JSON.parse(off.body)).toEqual({ sticky: false });
      expect(sandbox().state().sticky).toBe(false);

      const d = await t.engine.diagnose({ cluster: t.cluster.name, consumerKey: key });
      expect(d.causes.map((c) => c.code)).toEqual(['BALANCER_NOT_STICKY']);
      expect(d.nodes.every((n) => n.state === 'approved')).toBe(true);
      const run = await runMain(['diagnose', t.cluster.name, '--key', key], { env: env(t) });
      expect(run.stdout).toContain('BALANCER_NOT_STICKY');
      expect(run.code).not.toBe(0);
    } finally {
      await control.json(`${sandbox().info.control}/balancer`, { sticky: true });
      await control.close();
    }
    expect(sandbox().state().sticky).toBe(true);
  });
});

describe('oslc-admin sandbox flags', () => {
  it('--no-sticky starts a balancer without affinity; --dialect picks the surface', async () => {
    const { child, out } = await spawnSandbox(['--no-sticky', '--dialect', 'jazz', '--nodes', '1']);
    try {
      const info = JSON.parse(out) as SandboxHandle['info'];
      expect(info.dialect).toBe('jazz');
      const c = new Client();
      const state = JSON.parse((await c.request(`${info.control}/state`)).body) as { sticky: boolean; dialect: string };
      expect(state).toMatchObject({ sticky: false, dialect: 'jazz' });
      expect((await c.request(`${info.nodes[0]!.url}/jts/rootservices`)).status).toBe(200);
      await c.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('refuses a bad --dialect and contradictory affinity flags with exit 2, naming the option', async () => {
    const bad = await runBin(['sandbox', '--dialect', 'websphere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dialect: "websphere" is not one of sandbox, clearquest, jazz, lyo/);
    const both = await runBin(['sandbox', '--sticky', '--no-sticky']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--sticky and --no-sticky contradict each other/);
  });
});
