/**
 * The fault suite from the CLI (in-process `main`, real sockets, real keychain): a 14-node sandbox
 * where n1 is healthy and holds the provisional key, and every other node is one fault (a fault
 * server of test/_faults.ts in front of a real node, a killed node, a node whose clock is an hour
 * off). status, sync, approve and diagnose each run once over all the faults at once: each must
 * finish within the configured timeouts, name every faulty node by its id with a coded error, exit as
 * documented, print no stack trace and no raw control character, and change on disk only what it
 * should (the audit line of a repair; nothing for status and diagnose).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';
import type { CliRun } from '../_cli.ts';
import { testKeychainService } from '../_engine.ts';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { deadPort, startFaultServer } from '../_faults.ts';
import type { FaultMode, FaultServer } from '../_faults.ts';
import { FAULTS, expectNoRawControls, expectNoStack, faultRow } from './_faults-table.ts';

let sandbox: SandboxHandle;
let home: TempHome;
let service: string;
const servers: FaultServer[] = [];
let key = '';
let holder = '';
/** cluster node id → fault. */
const faultOf = new Map<string, (typeof FAULTS)[number]>();
/** cluster node id → the sandbox node behind it. */
const sandboxIdOf = new Map<string, string>();

const TIMEOUTS = { connectMs: 400, totalMs: 1500 };

async function cli(args: string[], stdin?: string): Promise<CliRun & { ms: number }> {
  const t0 = Date.now();
  const r = await runMain([...args, '--home', home.dir], {
    env: { OSLC_ADMIN_KEYCHAIN_SERVICE: service },
    ...(stdin !== undefined ? { stdin } : {}),
  });
  return { ...r, ms: Date.now() - t0 };
}

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: FAULTS.length + 1 });
  const friend = await sandbox.friend('fault-suite', 's3cret-fault');
  key = friend.key;
  holder = friend.node;
  const others = sandbox.info.nodes.filter((n) => n.id !== holder);
  const nodes: { id: string; url: string }[] = [
    { id: 'n1', url: sandbox.info.nodes.find((n) => n.id === holder)!.url },
  ];
  for (const [i, fault] of FAULTS.entries()) {
    const target = others[i]!;
    // Ids of the cluster's own, unlike the sandbox's clone ids: results must name these.
    const id = `n${i + 2}`;
    faultOf.set(id, fault);
    sandboxIdOf.set(id, target.id);
    let url = target.url;
    if (fault.server) {
      const s = await startFaultServer(fault.server as FaultMode, {
        target: target.url,
        ...(fault.tls ? { tlsCommonName: `evil\u001b[2J${id}` } : {}),
      });
      servers.push(s);
      url = s.url;
    }
    if (fault.kill) await sandbox.killNode(target.id);
    if (fault.clockOffsetSeconds) sandbox.setClockOffset(target.id, fault.clockOffsetSeconds);
    nodes.push({ id, url });
  }
  home = await createTempHome('oslc-faults-');
  service = testKeychainService();
  const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
  await engine.addCluster({
    name: 'f',
    kind: 'sandbox',
    balancerUrl: sandbox.info.balancer,
    nodes,
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    timeouts: TIMEOUTS,
  });
  await engine.storeCredentials({ cluster: 'f', user: sandbox.info.admin.user, password: sandbox.info.admin.password });
  await engine.trackConsumer({ cluster: 'f', key, name: 'fault-suite', secret: 's3cret-fault' });
  await engine.close();
}, 60_000);

afterAll(async () => {
  const kc = new OsKeychain(service);
  await kc.delete('cluster/f/admin').catch(() => false);
  await kc.delete(`cluster/f/consumer/${key}`).catch(() => false);
  await Promise.all(servers.map((s) => s.close()));
  await sandbox?.close();
  await home?.cleanup();
});

describe('faults from the CLI, all at once', () => {
  it('status: healthy n1 reported, every faulty node named with its code, exit 1, nothing on disk changed', async () => {
    const before = await home.snapshot();
    const r = await cli(['status', 'f']);
    expect(r.code).toBe(1);
    expectNoStack(r);
    expectNoRawControls(r);
    expect(r.ms).toBeLessThan(TIMEOUTS.totalMs * 4);
    expect(faultRow(r.stdout, 'n1')).toMatch(/ yes /);
    for (const [id, fault] of faultOf) {
      if (!fault.status) continue;
      expect(faultRow(r.stdout, id), `${id} (${fault.name})`).toMatch(fault.status);
    }
    expect(await home.snapshot()).toEqual(before);
    const json = await cli(['status', 'f', '--json']);
    const s = JSON.parse(json.stdout) as { nodes: { id: string; up: boolean; error: { code: string } | null }[] };
    expect(s.nodes.map((n) => n.id)).toEqual(['n1', ...faultOf.keys()]);
  });

  it('sync: refreshes n1, names each node that failed, exit 1, one audit line', async () => {
    const r = await cli(['sync', 'f']);
    expect(r.code).toBe(1);
    expectNoStack(r);
    expectNoRawControls(r);
    // Three attempts with backoff on a hanging node: 3 × total + 0.75 s, plus the verification.
    expect(r.ms).toBeLessThan(TIMEOUTS.totalMs * 6 + 2000);
    expect(faultRow(r.stdout, 'n1')).toMatch(/n1\s+yes/);
    for (const [id, fault] of faultOf) {
      if (!fault.sync) continue;
      expect(faultRow(r.stdout, id), `${id} (${fault.name})`).toMatch(fault.sync);
    }
    const audit = await cli(['audit', 'f', '--json']);
    const entries = (JSON.parse(audit.stdout) as { entries: { action: string }[] }).entries;
    expect(entries.filter((e) => e.action === 'sync')).toHaveLength(1);
  }, 30_000);

  it('approve with all but one node faulty: approves on n1 and names every node it could not reach', async () => {
    const r = await cli(['approve', 'f', '--key', key]);
    expectNoStack(r);
    expectNoRawControls(r);
    expect(r.stdout).toMatch(/Approved .* on n1/);
    for (const [id, fault] of faultOf) {
      if (!fault.unreachable) continue;
      expect(r.stdout + r.stderr, `${id} (${fault.name})`).toContain(id);
    }
    // The documented rule: approved and verified on its node → 0 even though nodes could not be
    // asked (they are named), so `approve … && sync …` goes on to sync.
    expect(r.code).toBe(0);
    const json = await cli(['approve', 'f', '--key', key, '--json']);
    const j = JSON.parse(json.stdout) as { unreachable: { node: string; code: string }[] };
    expect(j.unreachable.map((u) => u.node).sort()).toEqual(
      [...faultOf]
        .filter(([, f]) => f.unreachable)
        .map(([id]) => id)
        .sort(),
    );
    for (const u of j.unreachable) expect(u.code).toMatch(/^[A-Z_]+$/);
  }, 30_000);

  it('diagnose: finishes, names faulty nodes, no stack, nothing on disk changed', async () => {
    const before = await home.snapshot();
    const r = await cli(['diagnose', 'f', '--key', key]);
    expectNoStack(r);
    expectNoRawControls(r);
    expect([0, 1]).toContain(r.code);
    expect(r.stdout + r.stderr).toContain('n2');
    expect(await home.snapshot()).toEqual(before);
    // The balancer's answers are attributed to the cluster's own nodes (by the clone id each node's
    // own answer carried), never by the clone id's name: no sandbox id such as "node5" may appear.
    const json = await cli(['diagnose', 'f', '--key', key, '--json']);
    const d = JSON.parse(json.stdout) as {
      balancer: { reached: string[]; probes: { answeredBy: string | null }[] };
      causes: { nodes: string[] }[];
    };
    const ours = new Set(['n1', ...faultOf.keys()]);
    const named = [
      ...d.balancer.reached,
      ...d.balancer.probes.map((p) => p.answeredBy).filter((n): n is string => n !== null),
      ...d.causes.flatMap((c) => c.nodes),
    ];
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(ours.has(n) || n.startsWith('clone id "'), n).toBe(true);
  }, 30_000);

  it('a node killed in the middle of sync: the others finish, the killed node is named, exit 1', async () => {
    // The node whose clock is an hour off answers straight (no fault server): slow it, then kill it mid-sync.
    const id = [...faultOf].find(([, f]) => f.clockOffsetSeconds)![0];
    const real = sandboxIdOf.get(id)!;
    sandbox.setLatency(real, 400);
    const running = cli(['sync', 'f']);
    await new Promise((r) => setTimeout(r, 150));
    await sandbox.killNode(real);
    const r = await running;
    expectNoStack(r);
    expect(r.code).toBe(1);
    expect(faultRow(r.stdout, 'n1')).toMatch(/n1\s+yes/);
    expect(faultRow(r.stdout, id)).toMatch(/NO .*(NODE_UNREACHABLE|NODE_TIMEOUT)/);
    await sandbox.restartNode(real);
  }, 30_000);

  it('a dead balancer and a hanging balancer are named by status and sync', async () => {
    const hanging = await startFaultServer('hang');
    servers.push(hanging);
    for (const balancer of [`http://127.0.0.1:${await deadPort()}`, hanging.url]) {
      const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
      const def = await engine.getCluster({ cluster: 'f' });
      await engine.updateCluster({ ...def, balancerUrl: balancer, nodes: def.nodes.slice(0, 1) });
      await engine.close();
      const s = await cli(['status', 'f']);
      expectNoStack(s);
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(/balancer .*(NODE_UNREACHABLE|NODE_TIMEOUT)/i);
      const y = await cli(['sync', 'f']);
      expectNoStack(y);
      expect(y.code).toBe(1);
      expect(y.stdout).toMatch(/balancer .*(NODE_UNREACHABLE|NODE_TIMEOUT)/i);
    }
  }, 30_000);
});
