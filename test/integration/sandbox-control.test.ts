// The control server and the in-process handle: state, kill/restart, latency, clock, friendship.
import { fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxState } from '../../electron/sandbox/index.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPOSITORY_FILE } from '../../electron/sandbox/repository.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { approvedConsumer, Client, nodeUrl, useSandbox, withSandbox } from '../_sandbox.ts';

interface Listed {
  provisional: { key: string; name: string; provisional: boolean; trusted: boolean }[];
  approved: { key: string; name: string; provisional: boolean; trusted: boolean }[];
}

/** An admin session on one node (Lyo's API): its consumer list, and approval of a key it holds. */
async function adminOn(sandbox: SandboxHandle, node: string) {
  const c = Client.for(sandbox);
  const url = nodeUrl(sandbox, node);
  const page = await c.request(`${url}/oauth/admin`);
  const csrf = /csrfPrevent\s*[:=]\s*["']([^"']+)["']/.exec(page.body)?.[1] ?? '';
  const login = await c.form(
    `${url}/oauth/adminLogin`,
    { id: sandbox.info.admin.user, password: sandbox.info.admin.password },
    { 'x-csrf-prevent': csrf },
  );
  expect(login.status).toBe(204);
  return {
    async list(): Promise<Listed> {
      const res = await c.request(`${url}/oauth/consumers`, { headers: { 'x-csrf-prevent': csrf } });
      expect(res.status).toBe(200);
      const parsed = JSON.parse(res.body) as Listed;
      // What JSON.stringify of the same lists gives: the cached serialization is the same document.
      expect(res.body).toBe(`${JSON.stringify(parsed)}\n`);
      return parsed;
    },
    async approve(key: string): Promise<number> {
      const res = await c.form(
        `${url}/oauth/consumers/${encodeURIComponent(key)}`,
        { provisional: 'false' },
        {
          'x-csrf-prevent': csrf,
        },
      );
      return res.status;
    },
    close: () => c.close(),
  };
}

/** One node's GET /oauth/consumers through an admin session of its own. */
async function listConsumers(sandbox: SandboxHandle, node: string): Promise<Listed> {
  const a = await adminOn(sandbox, node);
  try {
    return await a.list();
  } finally {
    await a.close();
  }
}

describe('the control server', () => {
  const sandbox = useSandbox({ nodes: 3, adminPassword: 'control-test-password' });
  const client = new Client();
  afterAll(() => client.close());
  const control = () => sandbox().info.control;
  const state = async () => JSON.parse((await client.request(`${control()}/state`)).body) as SandboxState;

  it('reports every node and the repository in GET /state, the same as the handle, without any secret', async () => {
    const consumer = await approvedConsumer(sandbox(), 'State test', 'state-test-secret');
    const res = await client.request(`${control()}/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = JSON.parse(res.body) as SandboxState;
    expect(body).toEqual(sandbox().state());
    expect(body.nodes.map((n) => n.id)).toEqual(['node1', 'node2', 'node3']);
    expect(body.nodes[0]).toEqual({
      id: 'node1',
      url: nodeUrl(sandbox(), 'node1'),
      up: true,
      latencyMs: 0,
      clockOffsetSeconds: 0,
      version: '10.0.6',
      registry: [consumer.key],
      provisional: [],
    });
    expect(body.repository.consumers).toEqual([{ key: consumer.key, name: 'State test', trusted: true }]);
    expect(res.body).not.toContain('state-test-secret');
    expect(res.body).not.toContain('control-test-password');
  });

  it('plays a consumer making a friendship through the balancer with POST /consumer/friend', async () => {
    const res = await client.json(`${control()}/consumer/friend`, { name: 'RTC', secret: 'friend-secret' });
    expect(res.status).toBe(200);
    const { key, node } = JSON.parse(res.body) as { key: string; node: string };
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const holders = (await state()).nodes.filter((n) => n.provisional.includes(key)).map((n) => n.id);
    expect(holders).toEqual([node]);
  });

  it('kills a node so that connections are refused and the balancer routes around it, then restarts it on the same URL', async () => {
    const url = nodeUrl(sandbox(), 'node2');
    const killed = await client.request(`${control()}/nodes/node2/kill`, { method: 'POST' });
    expect(killed.status).toBe(200);
    expect(JSON.parse(killed.body)).toMatchObject({ id: 'node2', up: false, url });
    const refused = await fetch(`${url}/rootservices`).then(
      () => null,
      (e: Error) => (e.cause as NodeJS.ErrnoException | undefined)?.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    const answeredBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await client.request(`${sandbox().info.balancer}/rootservices`, { cookies: false });
      expect(res.status).toBe(200);
      answeredBy.add(res.node ?? '');
    }
    expect([...answeredBy].sort()).toEqual(['node1', 'node3']);

    const restarted = await client.json(`${control()}/nodes/node2/restart`, {});
    expect(restarted.status).toBe(200);
    expect(JSON.parse(restarted.body)).toMatchObject({ id: 'node2', up: true, url });
    expect((await client.request(`${url}/rootservices`)).status).toBe(200);
  });

  it('answers 503 from the balancer when every node is down', async () => {
    for (const n of sandbox().info.nodes) await sandbox().killNode(n.id);
    const res = await client.request(`${sandbox().info.balancer}/rootservices`);
    expect(res.status).toBe(503);
    expect(res.body).toContain('no node is up behind the balancer');
    for (const n of sandbox().info.nodes) await sandbox().restartNode(n.id);
    expect((await client.request(`${sandbox().info.balancer}/rootservices`)).status).toBe(200);
  });

  it('delays every answer of a node by its latency', async () => {
    const set = await client.json(`${control()}/nodes/node1/latency`, { ms: 700 });
    expect(JSON.parse(set.body)).toMatchObject({ id: 'node1', latencyMs: 700 });
    const started = Date.now();
    expect((await client.request(`${nodeUrl(sandbox(), 'node1')}/rootservices`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    // Only that node is slow.
    const fastStart = Date.now();
    await client.request(`${nodeUrl(sandbox(), 'node3')}/rootservices`);
    expect(Date.now() - fastStart).toBeLessThan(600);
    await client.json(`${control()}/nodes/node1/latency`, { ms: 0 });
  });

  it('shifts a node’s clock, which its Date header shows', async () => {
    const set = await client.json(`${control()}/nodes/node3/clock`, { offsetSeconds: -7200 });
    expect(JSON.parse(set.body)).toMatchObject({ id: 'node3', clockOffsetSeconds: -7200 });
    const res = await client.request(`${nodeUrl(sandbox(), 'node3')}/rootservices`);
    const skew = (Date.parse(res.headers.get('date') ?? '') - Date.now()) / 1000;
    expect(Math.abs(skew + 7200)).toBeLessThan(5);
    await client.json(`${control()}/nodes/node3/clock`, { offsetSeconds: 0 });
  });

  it('sets the version a node’s Server header names, and refuses a bad one (issue 24)', async () => {
    const set = await client.json(`${control()}/nodes/node2/version`, { version: '10.0.5' });
    expect(JSON.parse(set.body)).toMatchObject({ id: 'node2', version: '10.0.5' });
    const res = await client.request(`${nodeUrl(sandbox(), 'node2')}/rootservices`);
    expect(res.headers.get('server')).toBe('OSLC sandbox/10.0.5 (sandbox)');
    const bad = await client.json(`${control()}/nodes/node2/version`, { version: 'x y<' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'version: 1–32 letters, digits, dots or dashes' });
    await client.json(`${control()}/nodes/node2/version`, { version: '10.0.6' });
  });
});

describe('the sandbox handle', () => {
  it('starts three nodes by default with the documented repository, database and admin user', async () => {
    await withSandbox({}, async (sandbox) => {
      expect(sandbox.info.nodes.map((n) => n.id)).toEqual(['node1', 'node2', 'node3']);
      expect(sandbox.info).toMatchObject({ repo: 'cqschema', db: 'SAMPL', caFile: null, admin: { user: 'admin' } });
      expect(sandbox.info.admin.password.length).toBeGreaterThanOrEqual(12);
      expect(sandbox.info.balancer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new Set([sandbox.info.balancer, sandbox.info.control, ...sandbox.info.nodes.map((n) => n.url)]).size).toBe(
        5,
      );
    });
  });

  it('refuses unknown node ids and out-of-range settings with a clear error', async () => {
    await withSandbox({ nodes: 1 }, async (sandbox) => {
      await expect(sandbox.killNode('node7')).rejects.toThrow('unknown node "node7"; the nodes are node1');
      expect(() => sandbox.setLatency('node1', -5)).toThrow(/latency/);
      expect(() => sandbox.setClockOffset('node1', Number.NaN)).toThrow(/clock offset/);
    });
    await expect(startSandbox({ nodes: 0 })).rejects.toThrow(/nodes: must be a whole number/);
  });

  it('seeds the repository with POST /repository/seed, every running node loading it, never showing a secret (issue 27)', async () => {
    await withSandbox({ nodes: 3, adminPassword: 'seed-test-password' }, async (sandbox) => {
      const c = Client.for(sandbox);
      try {
        await sandbox.killNode('node3');
        const res = await c.json(`${sandbox.info.control}/repository/seed`, { count: 2500 });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({ added: 2500, consumers: 2500 });
        const st = sandbox.state();
        expect(st.repository.consumers).toHaveLength(2500);
        const keys = st.repository.consumers.map((k) => k.key);
        expect(new Set(keys).size).toBe(2500);
        expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
        expect(st.nodes[0]!.registry).toEqual(keys);
        expect(st.nodes[1]!.registry).toEqual(keys);
        // A node that was down loads the repository when it starts, as after a restart.
        expect(st.nodes[2]!.registry).toEqual([]);
        await sandbox.restartNode('node3');
        expect(sandbox.state().nodes[2]!.registry).toEqual(keys);
        // The list API of a node shows them (as the CLI reads them), without a secret.
        const listed = await listConsumers(sandbox, 'node1');
        expect(listed.approved.map((k) => k.key)).toEqual(keys);
        const file = await readFile(join(sandbox.info.stateDir, REPOSITORY_FILE), 'utf8');
        const secrets = (JSON.parse(file) as { consumers: { secret: string }[] }).consumers.map((k) => k.secret);
        expect(new Set(secrets).size).toBe(2500);
        expect(JSON.stringify(listed)).not.toContain(secrets[0]);
        // A second seeding adds to the first.
        const more = await c.json(`${sandbox.info.control}/repository/seed`, { count: 1 });
        expect(JSON.parse(more.body)).toEqual({ added: 1, consumers: 2501 });
      } finally {
        await c.close();
      }
    });
  });

  it('refuses a bad seeding with a clear 4xx', async () => {
    await withSandbox({ nodes: 1 }, async (sandbox) => {
      const c = Client.for(sandbox);
      try {
        const at = `${sandbox.info.control}/repository/seed`;
        for (const [body, why] of [
          [{}, /"count" is required/],
          [{ count: 0 }, /between 1 and 100000/],
          [{ count: 100_001 }, /between 1 and 100000/],
          [{ count: 2.5 }, /whole number/],
          [{ count: '5' }, /must be a number/],
        ] as const) {
          const res = await c.json(at, body);
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect((JSON.parse(res.body) as { error: string }).error).toMatch(why);
        }
        expect((await c.request(at)).status).toBe(405);
        expect(sandbox.state().repository.consumers).toEqual([]);
      } finally {
        await c.close();
      }
    });
  });

  it('serves each node its own list, the cached part changing with the node (issue 27)', async () => {
    await withSandbox({ nodes: 2 }, async (sandbox) => {
      const c = Client.for(sandbox);
      try {
        await sandbox.seed(3);
        const before = await listConsumers(sandbox, 'node1');
        expect(before.approved).toHaveLength(3);
        expect(await listConsumers(sandbox, 'node2')).toEqual(before);
        // A friendship leaves a provisional key on one node: that node's list shows it, the other's not.
        const friend = await sandbox.friend('Pending', 'pending-secret');
        const other = friend.node === 'node1' ? 'node2' : 'node1';
        const pending = await listConsumers(sandbox, friend.node);
        expect(pending.provisional.map((k) => k.key)).toEqual([friend.key]);
        expect(pending.approved).toHaveLength(3);
        expect((await listConsumers(sandbox, other)).provisional).toEqual([]);
        // Approved there: that node's registry changed (its list too), the other's did not.
        const a = await adminOn(sandbox, friend.node);
        try {
          expect(await a.approve(friend.key)).toBe(204);
          const after = await a.list();
          expect(after.provisional).toEqual([]);
          expect(after.approved.map((k) => k.key)).toEqual([...before.approved.map((k) => k.key), friend.key]);
        } finally {
          await a.close();
        }
        expect(await listConsumers(sandbox, other)).toEqual(before);
      } finally {
        await c.close();
      }
    });
  });

  it('closes promptly even while a node is holding a request for 20 s of latency', async () => {
    const sandbox = await startSandbox({ nodes: 2, latencyMs: 0 });
    sandbox.setLatency('node1', 20_000);
    const pending = fetch(`${nodeUrl(sandbox, 'node1')}/rootservices`).then(
      (r) => r.status,
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBe('dropped');
    const refused = await fetch(`${sandbox.info.balancer}/rootservices`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
  });

  it('drops a request that is waiting out latency when its node is killed', async () => {
    await withSandbox({ nodes: 2, latencyMs: 3000 }, async (sandbox) => {
      const pending = fetch(`${nodeUrl(sandbox, 'node2')}/rootservices`).then(
        () => 'answered',
        () => 'dropped',
      );
      await new Promise((r) => setTimeout(r, 100));
      await sandbox.killNode('node2');
      expect(await pending).toBe('dropped');
    });
  });
});
