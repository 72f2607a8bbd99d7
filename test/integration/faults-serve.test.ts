/**
 * The fault suite through browser mode: a real `oslc-admin serve` process, its door POST /api/<op>,
 * over a sandbox where node1 is healthy and each other node is one fault. status, sync, approve and
 * diagnose must answer a result (not an error, not a hang) that names every faulty node by its id
 * with a coded error, with no stack trace in any answer or in the server's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import type { ApproveResult, SyncResult } from '../../shared/contract-repair.ts';
import { testKeychainService } from '../_engine.ts';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { deadPort, startFaultServer } from '../_faults.ts';
import type { FaultMode, FaultServer } from '../_faults.ts';
import { rawRequest, signIn, startServe } from '../_serve.ts';
import type { ServeProcess } from '../_serve.ts';

/** node id → the fault and the code the operations must name it with. */
const FAULTS: { mode: FaultMode | 'killed'; code: RegExp; tls?: boolean }[] = [
  { mode: 'killed', code: /NODE_UNREACHABLE/ },
  { mode: 'hang', code: /NODE_TIMEOUT/ },
  { mode: 'login-page', code: /LOGIN_PAGE/ },
  { mode: 'big-chunked', code: /RESPONSE_TOO_LARGE/ },
  { mode: 'pass', tls: true, code: /TLS_UNTRUSTED/ },
  { mode: 'hostile-text', code: /UNEXPECTED_STATUS/ },
  { mode: 'control-header', code: /UNEXPECTED_RESPONSE/ },
];

let sandbox: SandboxHandle;
let home: TempHome;
let service: string;
let serve: ServeProcess;
let session: Record<string, string> = {};
let key = '';
const servers: FaultServer[] = [];

async function call<T>(
  op: string,
  arg: unknown,
): Promise<{ result?: T; error?: { code: string; message: string }; raw: string; ms: number }> {
  const t0 = Date.now();
  const r = await rawRequest(`${serve.origin}/api/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...session, origin: serve.origin },
    body: JSON.stringify(arg),
  });
  const lines = r.body
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { result?: T; error?: { code: string; message: string } });
  const last = lines.at(-1) ?? {};
  return { ...last, raw: r.body, ms: Date.now() - t0 };
}

function expectClean(raw: string): void {
  expect(raw).not.toMatch(/\n\s+at .+:\d+:\d+|\\n\s+at .+:\d+:\d+|Internal error/);
}

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: FAULTS.length + 1 });
  const friend = await sandbox.friend('serve-faults', 's3cret-serve');
  key = friend.key;
  const others = sandbox.info.nodes.filter((n) => n.id !== friend.node);
  const nodes = [{ id: 'node1', url: sandbox.info.nodes.find((n) => n.id === friend.node)!.url }];
  for (const [i, f] of FAULTS.entries()) {
    const target = others[i]!;
    let url = target.url;
    if (f.mode === 'killed') await sandbox.killNode(target.id);
    else {
      const s = await startFaultServer(f.mode, { target: target.url, ...(f.tls ? { tlsCommonName: 'nobody' } : {}) });
      servers.push(s);
      url = s.url;
    }
    nodes.push({ id: `node${i + 2}`, url });
  }
  home = await createTempHome('oslc-faults-serve-');
  service = testKeychainService();
  const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
  for (const [name, balancerUrl] of [
    ['f', sandbox.info.balancer],
    ['deadlb', `http://127.0.0.1:${await deadPort()}`],
  ] as const) {
    await engine.addCluster({
      name,
      kind: 'sandbox',
      balancerUrl,
      nodes: name === 'f' ? nodes : nodes.slice(0, 1),
      repo: sandbox.info.repo,
      db: sandbox.info.db,
      timeouts: { connectMs: 300, totalMs: 1000 },
    });
    await engine.storeCredentials({
      cluster: name,
      user: sandbox.info.admin.user,
      password: sandbox.info.admin.password,
    });
  }
  await engine.trackConsumer({ cluster: 'f', key, name: 'serve-faults', secret: 's3cret-serve' });
  await engine.close();
  serve = await startServe(['--home', home.dir], { OSLC_ADMIN_KEYCHAIN_SERVICE: service });
  session = (await signIn(serve)).headers;
}, 90_000);

afterAll(async () => {
  await serve?.stop();
  const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
  for (const c of ['f', 'deadlb']) await engine.removeCluster({ cluster: c }).catch(() => undefined);
  await engine.close();
  await Promise.all(servers.map((s) => s.close()));
  await sandbox?.close();
  await home?.cleanup();
});

describe('faults through browser mode', () => {
  it('status names every faulty node with its code and leaves the config as it was', async () => {
    const before = await home.snapshot();
    const r = await call<ClusterStatus>('status', { cluster: 'f' });
    expectClean(r.raw);
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeLessThan(6000);
    const nodes = r.result!.nodes;
    expect(nodes[0]).toMatchObject({ id: 'node1', up: true });
    FAULTS.forEach((f, i) => expect(nodes[i + 1]!.error?.code, `node${i + 2} (${f.mode})`).toMatch(f.code));
    expect(r.result!.balancer).toMatchObject({ up: true });
    expect(await home.snapshot()).toEqual(before);
  });

  it('approve approves on node1 and lists each node it could not ask', async () => {
    const r = await call<ApproveResult>('approve', { cluster: 'f', key });
    expectClean(r.raw);
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ node: 'node1', verified: true });
    const byNode = new Map(r.result!.unreachable.map((u) => [u.node, u.code]));
    FAULTS.forEach((f, i) => expect(byNode.get(`node${i + 2}`), `node${i + 2} (${f.mode})`).toMatch(f.code));
  }, 30_000);

  it('sync refreshes node1 and names the nodes it could not refresh', async () => {
    const r = await call<SyncResult>('sync', { cluster: 'f' });
    expectClean(r.raw);
    expect(r.error).toBeUndefined();
    const nodes = r.result!.nodes;
    expect(nodes[0]).toMatchObject({ id: 'node1', refreshed: true });
    FAULTS.forEach((f, i) => {
      expect(nodes[i + 1]).toMatchObject({ id: `node${i + 2}`, refreshed: false });
      expect(nodes[i + 1]!.error?.code, `node${i + 2} (${f.mode})`).toMatch(f.code);
    });
  }, 30_000);

  it('diagnose answers and names the faulty nodes; nothing on disk changes', async () => {
    const before = await home.snapshot();
    const r = await call<{ nodes: { id: string; error: { code: string } | null; state: string }[] }>('diagnose', {
      cluster: 'f',
      consumerKey: key,
    });
    expectClean(r.raw);
    expect(r.error).toBeUndefined();
    const ids = r.result!.nodes.map((n) => n.id);
    expect(ids).toEqual(['node1', ...FAULTS.map((_, i) => `node${i + 2}`)]);
    expect(await home.snapshot()).toEqual(before);
  }, 30_000);

  it('a dead balancer is named by status and sync', async () => {
    const s = await call<ClusterStatus>('status', { cluster: 'deadlb' });
    expect(s.result!.balancer).toMatchObject({ up: false, error: { code: 'NODE_UNREACHABLE' } });
    expect(s.result!.notices[0]).toMatch(/^The balancer http:\/\/127\.0\.0\.1:\d+ did not answer: NODE_UNREACHABLE/);
    const y = await call<SyncResult>('sync', { cluster: 'deadlb' });
    expect(y.result!.balancer).toMatchObject({ up: false });
    expect(serve.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 30_000);
});
