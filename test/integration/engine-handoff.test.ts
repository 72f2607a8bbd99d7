/**
 * Kinds without an approval API hand the admin a precise job. The sandbox also speaks ClearQuest's
 * discovery and refreshRepoConfig paths below /cqweb, and Jazz's rootservices and requestKey, so the
 * clearquest and jazz adapters run here over real sockets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { approveOn } from '../_sandbox.ts';
import { testKeychainService } from '../_engine.ts';

describe('hand-offs for clearquest and jazz clusters', () => {
  let sandbox: SandboxHandle;
  let home: string;
  let engine: Engine;

  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 3 });
    home = await mkdtemp(join(tmpdir(), 'oslc-handoff-'));
    engine = new Engine({ home, secrets: new OsKeychain(testKeychainService()) });
    await engine.addCluster({
      name: 'cq',
      kind: 'clearquest',
      balancerUrl: `${sandbox.info.balancer}/cqweb`,
      nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: `${n.url}/cqweb` })),
      repo: 'cqschema',
      db: 'SAMPL',
    });
    await engine.storeCredentials({ cluster: 'cq', user: 'admin', password: sandbox.info.admin.password });
    await engine.addCluster({
      name: 'jazz',
      kind: 'jazz',
      balancerUrl: sandbox.info.balancer,
      nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })),
    });
  });
  afterAll(async () => {
    await engine.removeCluster({ cluster: 'cq' }).catch(() => undefined);
    await engine.removeCluster({ cluster: 'jazz' }).catch(() => undefined);
    await engine.close();
    await sandbox.close();
    await rm(home, { recursive: true, force: true });
  });

  it('finds the ClearQuest node holding a provisional key by probing, hands off the approval there, and a re-probe sees it once done', async () => {
    const secret = 'cq-secret-1';
    const { key, node: holder } = await sandbox.friend('RTC', secret);
    await engine.trackConsumer({ cluster: 'cq', key, secret });
    const r = await engine.approve({ cluster: 'cq', key });
    expect(r.node).toBe(holder);
    expect(r.verified).toBe(false);
    expect(r.handoff).toEqual(
      expect.objectContaining({
        action: 'approve',
        node: holder,
        adminUrl: `${sandbox.info.nodes.find((n) => n.id === holder)!.url}/cqweb`,
        steps: expect.arrayContaining([
          expect.stringContaining('Site Administration → OAuth Consumer Management'),
          expect.stringContaining(key),
        ]),
      }),
    );
    // The admin does what the hand-off says, on that node…
    expect((await approveOn(sandbox, holder, key)).status).toBe(204);
    // …and the re-probe confirms it.
    expect((await engine.probeNode({ cluster: 'cq', node: holder, key })).state).toBe('approved');
    const audit = await engine.audit({ cluster: 'cq' });
    expect(audit.entries.at(-1)).toEqual(
      expect.objectContaining({ action: 'approve', node: holder, outcome: 'handoff' }),
    );

    // ClearQuest's refreshRepoConfig spreads it (technote swg21644559).
    const s = await engine.sync({ cluster: 'cq' });
    expect(s.nodes.every((n) => n.refreshed)).toBe(true);
    expect(s.verified.consistent).toBe(true);
    expect(s.notices.join(' ')).toContain('no API to list');
  });

  it('hands off a ClearQuest registration with the fields to type and no secret', async () => {
    const r = await engine.register({
      cluster: 'cq',
      name: 'Manual',
      key: 'manual-key-1',
      secret: 'manual-secret-1',
      trusted: true,
    });
    expect(r.approved).toBe(false);
    expect(r.handoff).toEqual(
      expect.objectContaining({ action: 'register', fields: { name: 'Manual', key: 'manual-key-1', trusted: true } }),
    );
    expect(JSON.stringify(r)).not.toContain('manual-secret-1');
    // Tracked with its secret in the keychain, so the re-probe can check it once the admin registered it.
    expect((await engine.getCluster({ cluster: 'cq' })).consumers.find((c) => c.key === 'manual-key-1')).toEqual(
      expect.objectContaining({ hasSecret: true }),
    );
  });

  it('registers on Jazz through oauthRequestConsumerKeyUrl and hands off the approval on the Consumers (Inbound) page', async () => {
    const r = await engine.register({ cluster: 'jazz', name: 'From Jazz', secret: 'jazz-secret-1', node: 'node2' });
    expect(r.key).toMatch(/.+/);
    expect(r.node).toBe('node2');
    expect(r.handoff).toEqual(
      expect.objectContaining({
        action: 'approve',
        node: 'node2',
        // [D] the approval link {oauthApprovalModuleUrl}?key=<key> (Eclipse Lyo RootServicesHelper.java).
        adminUrl: `${sandbox.info.nodes[1]!.url}/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth?key=${encodeURIComponent(r.key)}`,
      }),
    );
    expect(sandbox.state().nodes[1]!.provisional).toContain(r.key);
  });
});

describe('an Eclipse Lyo cluster', () => {
  it('approves through the Lyo API on the holding node, and sync explains that Lyo reloads only on restart, leaving the drift', async () => {
    const sandbox = await startSandbox({ nodes: 2 });
    const home = await mkdtemp(join(tmpdir(), 'oslc-lyo-'));
    const engine = new Engine({ home, secrets: new OsKeychain(testKeychainService()) });
    try {
      await engine.addCluster({
        name: 'lyo',
        kind: 'lyo',
        balancerUrl: sandbox.info.balancer,
        nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })),
      });
      await engine.storeCredentials({ cluster: 'lyo', user: 'admin', password: sandbox.info.admin.password });
      const { key, node } = await sandbox.friend('Lyo consumer', 'lyo-secret');
      await engine.trackConsumer({ cluster: 'lyo', key, secret: 'lyo-secret' });
      const a = await engine.approve({ cluster: 'lyo', key });
      expect(a).toEqual(expect.objectContaining({ node, verified: true }));
      const s = await engine.sync({ cluster: 'lyo' });
      for (const n of s.nodes) {
        expect(n).toEqual(expect.objectContaining({ refreshed: false, attempts: 0 }));
        expect(n.error).toEqual(
          expect.objectContaining({ code: 'NOT_SUPPORTED', message: expect.stringContaining('restart') }),
        );
      }
      expect(s.verified.consistent).toBe(false);
      expect(s.verified.drift).toEqual([
        expect.objectContaining({ key, missingOn: sandbox.info.nodes.map((n) => n.id).filter((id) => id !== node) }),
      ]);
      await engine.removeCluster({ cluster: 'lyo' });
    } finally {
      await engine.close();
      await sandbox.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('the approve command on a hand-off', () => {
  it('prints the node, the admin URL, the steps and the re-probe command when it cannot ask on a terminal', async () => {
    const { runMain } = await import('../_cli.ts');
    const sandbox = await startSandbox({ nodes: 2 });
    const home = await mkdtemp(join(tmpdir(), 'oslc-handoff-cli-'));
    const env = { OSLC_ADMIN_HOME: home, OSLC_ADMIN_KEYCHAIN_SERVICE: testKeychainService() };
    try {
      const nodes = sandbox.info.nodes.flatMap((n) => ['--node', `${n.url}/cqweb`]);
      expect(
        (
          await runMain(
            [
              'cluster',
              'add',
              'cq',
              '--kind',
              'clearquest',
              '--balancer',
              `${sandbox.info.balancer}/cqweb`,
              ...nodes,
              '--repo',
              'cqschema',
              '--db',
              'SAMPL',
            ],
            { env },
          )
        ).code,
      ).toBe(0);
      const { key, node } = await sandbox.friend('RTC', 'cli-handoff-secret');
      expect(
        (
          await runMain(['consumer', 'track', 'cq', '--key', key, '--secret-stdin'], {
            env,
            stdin: 'cli-handoff-secret',
          })
        ).code,
      ).toBe(0);
      const r = await runMain(['approve', 'cq', '--key', key], { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`Hand-off: approve on ${node} by hand`);
      expect(r.stdout).toContain('Site Administration → OAuth Consumer Management');
      expect(r.stdout).toContain(`Then re-probe: oslc-admin probe cq --node ${node} --key ${key}`);
      await runMain(['cluster', 'remove', 'cq'], { env });
    } finally {
      await sandbox.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
