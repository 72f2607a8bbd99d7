/**
 * Each product dialect (clearquest, jazz, lyo) of the sandbox over HTTPS (`tls: true`: a private CA,
 * written to `<stateDir>/ca.pem`). An engine given that CA as the cluster's `caPem` checks the admin
 * login, sees every node up (and its certificate trusted), reads the tracked key's state through the
 * dialect's own discovery, and takes the key to approved everywhere in the dialect's way. An engine
 * without the CA gets a coded TLS_UNTRUSTED for every node, with the presented certificate, and no throw.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { clusterShapeOf } from '../../electron/server/first-run.ts';
import type { DialectName } from '../../electron/sandbox/dialects/types.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import type { ConsumerState, DiscoverySource } from '../../shared/model.ts';
import { createTempHome, type TempHome } from '../_home.ts';
import { Client, useSandbox } from '../_sandbox.ts';

const CLUSTER = 'tls';

interface Case {
  dialect: Exclude<DialectName, 'sandbox'>;
  source: DiscoverySource;
  /** Acts out the approval hand-off on the holder over HTTPS; null where the adapter approves by API. */
  approveByHand: ((sandbox: SandboxHandle, origin: string, key: string) => Promise<number>) | null;
  canRefresh: boolean;
}

/** ClearQuest: the node's form login, then OAuth Consumer Management → Approved. */
async function clearquestApprove(sandbox: SandboxHandle, origin: string, key: string): Promise<number> {
  const c = Client.for(sandbox);
  try {
    const { user, password } = sandbox.info.admin;
    expect((await c.form(`${origin}/cqweb/admin/login`, { id: user, password })).status).toBe(303);
    const page = await c.request(`${origin}/cqweb/admin/oauth-consumers`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return (await c.form(`${origin}/cqweb/admin/oauth-consumers`, { action: 'approve', key, status: 'Approved', csrf }))
      .status;
  } finally {
    await c.close();
  }
}

/** Jazz: form login, then the approval module's REST call with the CSRF header. */
async function jazzApprove(sandbox: SandboxHandle, origin: string, key: string): Promise<number> {
  const c = Client.for(sandbox);
  try {
    await c.request(`${origin}/jts/authenticated/identity`);
    const { user, password } = sandbox.info.admin;
    expect((await c.form(`${origin}/jts/j_security_check`, { j_username: user, j_password: password })).status).toBe(
      302,
    );
    const module = `${origin}/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth`;
    return (await c.form(module, { key, decision: 'approve' }, { 'x-jazz-csrf-prevent': c.jar.get('JSESSIONID')! }))
      .status;
  } finally {
    await c.close();
  }
}

const CASES: Case[] = [
  { dialect: 'clearquest', source: 'catalog-oauthConfiguration', approveByHand: clearquestApprove, canRefresh: true },
  { dialect: 'jazz', source: 'discovery', approveByHand: jazzApprove, canRefresh: true },
  { dialect: 'lyo', source: 'fixed-paths', approveByHand: null, canRefresh: false },
];

/** An engine over a temp home and an in-memory secret store, the sandbox registered with or without its CA. */
async function engineOn(sandbox: SandboxHandle, home: TempHome, trustCa: boolean): Promise<Engine> {
  const engine = new Engine({ home: home.dir, secrets: new MemorySecretStore() });
  const { kind, root } = clusterShapeOf(sandbox.info.dialect);
  await engine.addCluster({
    name: CLUSTER,
    kind,
    balancerUrl: `${sandbox.info.balancer}${root}`,
    nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: `${n.url}${root}` })),
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    caPem: trustCa ? await readFile(sandbox.info.caFile!, 'utf8') : null,
  });
  return engine;
}

describe.each(CASES)('the $dialect dialect over TLS', (d) => {
  const sandbox = useSandbox({ nodes: 2, dialect: d.dialect, tls: true });
  const homes: TempHome[] = [];
  const engines: Engine[] = [];
  const origin = (id: string) => sandbox().info.nodes.find((n) => n.id === id)!.url;
  const fresh = async (trustCa: boolean): Promise<Engine> => {
    const home = await createTempHome();
    homes.push(home);
    const engine = await engineOn(sandbox(), home, trustCa);
    engines.push(engine);
    return engine;
  };
  let trusted: Engine;

  beforeAll(async () => {
    expect(sandbox().info.nodes.every((n) => n.url.startsWith('https://'))).toBe(true);
    trusted = await fresh(true);
    // Stored unchecked here so each test stands alone (`-t`); the first test checks the login.
    const { user, password } = sandbox().info.admin;
    await trusted.storeCredentials({ cluster: CLUSTER, user, password });
  });
  afterAll(async () => {
    await Promise.allSettled(engines.map((e) => e.close()));
    await Promise.allSettled(homes.map((h) => h.cleanup()));
  });

  it('with the CA: the admin login is checked over HTTPS and stored', async () => {
    const { user, password } = sandbox().info.admin;
    const stored = await trusted.storeCredentials({ cluster: CLUSTER, user, password, verify: true });
    expect(stored).toMatchObject({ cluster: CLUSTER, user, verifiedOn: 'node1' });
  });

  it('with the CA: every node is up and trusted, and status reads the tracked key’s state through to approved', async () => {
    const secret = `tls-secret-${d.dialect}`;
    const { key, node: holder } = await sandbox().friend(`TLS ${d.dialect}`, secret);
    await trusted.trackConsumer({ cluster: CLUSTER, key, name: 'TLS consumer', secret });
    const states = async (): Promise<Record<string, ConsumerState>> => {
      const status = await trusted.status({ cluster: CLUSTER });
      for (const n of status.nodes) {
        expect(n, n.id).toMatchObject({ up: true, error: null, discoverySource: d.source });
        expect(n.tls?.authorized, n.id).toBe(true);
      }
      return Object.fromEntries(status.nodes.map((n) => [n.id, n.consumers.find((c) => c.key === key)!.state]));
    };
    const each = (f: (id: string) => ConsumerState) =>
      Object.fromEntries(sandbox().info.nodes.map((n) => [n.id, f(n.id)]));

    expect(await states()).toEqual(each((id) => (id === holder ? 'provisional' : 'unknown')));

    const approved = await trusted.approve({ cluster: CLUSTER, key });
    expect(approved.node).toBe(holder);
    if (d.approveByHand) {
      expect(new URL(approved.handoff!.adminUrl).origin).toBe(origin(holder));
      expect(await d.approveByHand(sandbox(), origin(holder), key)).toBe(200);
    } else expect(approved.verified).toBe(true);
    expect(await states()).toEqual(each((id) => (id === holder ? 'approved' : 'unknown')));

    // The other node learns the key by the product's refresh (an admin login over HTTPS), or a restart.
    const sync = await trusted.sync({ cluster: CLUSTER });
    if (d.canRefresh) expect(sync.nodes.every((n) => n.refreshed)).toBe(true);
    else for (const n of sandbox().info.nodes) if (n.id !== holder) await sandbox().restartNode(n.id);
    expect(await states()).toEqual(each(() => 'approved'));
  });

  it('without the CA: TLS_UNTRUSTED for every node, coded, with the presented certificate, and no throw', async () => {
    const untrusting = await fresh(false);
    const { user, password } = sandbox().info.admin;
    // Checking the login needs a node to answer: each refuses its certificate (untrusted, not unreachable),
    // and nothing is stored.
    await expect(untrusting.storeCredentials({ cluster: CLUSTER, user, password, verify: true })).rejects.toMatchObject(
      {
        code: 'TLS_UNTRUSTED',
        details: {
          unreachable: sandbox().info.nodes.map((n) => expect.objectContaining({ node: n.id, code: 'TLS_UNTRUSTED' })),
        },
      },
    );
    await untrusting.storeCredentials({ cluster: CLUSTER, user, password });
    const { key } = await sandbox().friend(`untrusted ${d.dialect}`, 'untrusted-secret');
    await untrusting.trackConsumer({ cluster: CLUSTER, key, name: 'untrusted', secret: 'untrusted-secret' });

    const status = await untrusting.status({ cluster: CLUSTER });
    expect(status.nodes.map((n) => n.id)).toEqual(sandbox().info.nodes.map((n) => n.id));
    for (const n of status.nodes) {
      expect(n.up, n.id).toBe(false);
      expect(n.error, n.id).toMatchObject({ code: 'TLS_UNTRUSTED', node: n.id });
      expect(n.consumers, n.id).toEqual([{ key, state: 'tls-untrusted', problem: 'TLS_UNTRUSTED' }]);
      expect(n.tls, n.id).toMatchObject({ authorized: false });
      expect(n.tls?.fingerprint256, n.id).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
  });
});
