/**
 * A wrong admin password, from the CLI against the real sandbox and keychain: `login` tries it on
 * one node before storing it (--no-verify stores it unchecked), and `approve` with a wrong stored
 * password says AUTH_FAILED, never that the key is gone and must be registered again. Also
 * `register` with all but one node faulty names the nodes it could not ask, and node text reaching
 * report.md is escaped.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';
import { testKeychainService } from '../_engine.ts';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { HOSTILE, startFaultServer } from '../_faults.ts';
import type { FaultServer } from '../_faults.ts';
import { expectNoRawControls, expectNoStack } from './_faults-table.ts';

let sandbox: SandboxHandle;
let home: TempHome;
let service: string;
const servers: FaultServer[] = [];

const cli = (args: string[], stdin?: string) =>
  runMain([...args, '--home', home.dir], {
    env: { OSLC_ADMIN_KEYCHAIN_SERVICE: service },
    ...(stdin !== undefined ? { stdin } : {}),
  });

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 8 });
  home = await createTempHome('oslc-faults-auth-');
  service = testKeychainService();
  // Seven of eight nodes faulty: behind fault servers that hang, reset, answer a login page, 500…
  const modes = ['hang', 'reset', 'login-page', 'hostile-text', 'control-header', 'big-length', 'drip'] as const;
  const nodes = [{ id: 'node1', url: sandbox.info.nodes[0]!.url }];
  for (const [i, mode] of modes.entries()) {
    const s = await startFaultServer(mode, { target: sandbox.info.nodes[i + 1]!.url });
    servers.push(s);
    nodes.push({ id: `node${i + 2}`, url: s.url });
  }
  const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
  await engine.addCluster({
    name: 'a',
    kind: 'sandbox',
    balancerUrl: sandbox.info.balancer,
    nodes: [
      { id: 'node1', url: sandbox.info.nodes[0]!.url },
      ...sandbox.info.nodes.slice(1).map((n) => ({ id: n.id, url: n.url })),
    ],
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    timeouts: { connectMs: 300, totalMs: 1000 },
  });
  await engine.addCluster({
    name: 'seven',
    kind: 'sandbox',
    balancerUrl: sandbox.info.balancer,
    nodes,
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    timeouts: { connectMs: 300, totalMs: 1000 },
  });
  await engine.close();
}, 60_000);

afterAll(async () => {
  const kc = new OsKeychain(service);
  for (const name of ['a', 'seven']) {
    const engine = new Engine({ home: home.dir, secrets: kc });
    await engine.removeCluster({ cluster: name }).catch(() => undefined);
    await engine.close();
  }
  await Promise.all(servers.map((s) => s.close()));
  await sandbox?.close();
  await home?.cleanup();
});

describe('a wrong admin password', () => {
  it('login refuses to store a password no node accepts (AUTH_FAILED, exit 1, nothing on disk)', async () => {
    const before = await home.snapshot();
    const r = await cli(['login', 'a', '--user', 'admin', '--password-stdin'], 'wrong-password');
    expectNoStack(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[AUTH_FAILED\] node1: node1 refused the login as "admin"/);
    expect(r.stderr).toMatch(/nothing was stored/);
    expect(await home.snapshot()).toEqual(before);
    const show = JSON.parse((await cli(['cluster', 'show', 'a', '--json'])).stdout) as { adminUser: string | null };
    expect(show.adminUser).toBeNull();
  });

  it('login stores a password a node accepts, saying which node verified it', async () => {
    const r = await cli(['login', 'a', '--user', 'admin', '--password-stdin'], sandbox.info.admin.password);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(verified: node1 accepted it\)/);
  });

  it('login --no-verify stores it unchecked', async () => {
    const r = await cli(['login', 'a', '--user', 'admin', '--password-stdin', '--no-verify'], 'wrong-password');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not verified: --no-verify/);
  });

  it('approve with the wrong stored password says AUTH_FAILED, not that the key is gone', async () => {
    const { key } = await sandbox.friend('auth-test', 's3cret-auth');
    const r = await cli(['approve', 'a', '--key', key]);
    expectNoStack(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[AUTH_FAILED\]/);
    expect(r.stderr).toMatch(/oslc-admin login a --user/);
    expect(r.stderr).not.toMatch(/PROVISIONAL_KEY_NOT_FOUND|restarted|register the consumer/);
  });
});

describe("the balancer's answer attributed to the cluster's own node", () => {
  it('by the clone id each node answered with, never by a node id that merely equals it', async () => {
    // Ids that collide with the sandbox's clone ids but name other nodes: node1 is sandbox node2, …
    const engine = new Engine({ home: home.dir, secrets: new OsKeychain(service) });
    const real = sandbox.info.nodes;
    await engine.addCluster({
      name: 'rotated',
      kind: 'sandbox',
      balancerUrl: sandbox.info.balancer,
      nodes: real.map((_, i) => ({ id: `node${i + 1}`, url: real[(i + 1) % real.length]!.url })),
      repo: sandbox.info.repo,
      db: sandbox.info.db,
    });
    await engine.close();
    try {
      const r = await cli(['status', 'rotated', '--json']);
      const s = JSON.parse(r.stdout) as { balancer: { cloneId: string | null; answeredBy: string | null } };
      expect(s.balancer.cloneId).toMatch(/^node\d+$/);
      // The cluster node whose URL is the sandbox node that the clone id names.
      const i = real.findIndex((n) => n.id === s.balancer.cloneId);
      const expected = `node${((i - 1 + real.length) % real.length) + 1}`;
      expect(s.balancer.answeredBy).toBe(expected);
      expect(s.balancer.answeredBy).not.toBe(s.balancer.cloneId);
      // A probe straight to node1 (sandbox node2) is attributed by its URL to node1, not to "node2".
      const p = await cli(['probe', 'rotated', '--node', 'node1', '--key', 'some-key', '--json']);
      const probe = JSON.parse(p.stdout) as { evidence: { answeredBy: string | null } | null };
      expect(probe.evidence?.answeredBy).toBe('node1');
    } finally {
      await cli(['cluster', 'remove', 'rotated']);
    }
  });
});

describe('seven of eight nodes faulty', () => {
  it('register names every node it could not ask, by id with its code', async () => {
    const login = await cli(['login', 'seven', '--user', 'admin', '--password-stdin'], sandbox.info.admin.password);
    expect(login.code, login.stderr).toBe(0);
    const r = await cli(
      ['register', 'seven', '--name', 'seven-test', '--secret-stdin', '--node', 'node1', '--json'],
      's3cret-7',
    );
    expectNoStack(r);
    expectNoRawControls(r);
    const j = JSON.parse(r.stdout) as { verified: boolean; unreachable: { node: string; code: string }[] };
    expect(j.verified).toBe(true);
    expect(j.unreachable.map((u) => u.node)).toEqual(['node2', 'node3', 'node4', 'node5', 'node6', 'node7', 'node8']);
    expect(j.unreachable.map((u) => u.code)).toEqual([
      'NODE_TIMEOUT',
      'NODE_UNREACHABLE',
      'LOGIN_PAGE',
      'UNEXPECTED_STATUS',
      'UNEXPECTED_RESPONSE',
      'RESPONSE_TOO_LARGE',
      'NODE_TIMEOUT',
    ]);
    expect(r.code).toBe(0);
    const text = await cli(
      ['register', 'seven', '--name', 'seven-text', '--secret-stdin', '--node', 'node1'],
      's3cret-8',
    );
    expect(text.stdout).toMatch(/Not checked — 7 node\(s\) could not be asked:/);
    for (const id of ['node2', 'node3', 'node4', 'node5', 'node6', 'node7', 'node8'])
      expect(text.stdout).toContain(`  ${id}: `);
  }, 30_000);

  it('report.md shows node text escaped (no raw control, no live Markdown from a node)', async () => {
    const out = await createTempHome('oslc-faults-report-');
    try {
      const r = await cli(['report', 'seven', '--out', out.path('r')]);
      expectNoStack(r);
      const md = await readFile(out.path('r', 'report.md'), 'utf8');
      // eslint-disable-next-line no-control-regex -- looking for control characters is the point
      expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(md).toContain('\\\\u202eError');
      expect(HOSTILE).toContain('\u202e');
    } finally {
      await out.cleanup();
    }
  }, 30_000);
});
