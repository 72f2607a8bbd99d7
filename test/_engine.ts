/**
 * An engine over a temp config home and the REAL OS keychain (a Secret Service on the test's D-Bus
 * session: run the suite under scripts/with-keychain.sh, as `npm test` does), pointed at a sandbox.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../electron/core/facade.ts';
import { clusterShapeOf } from '../electron/server/first-run.ts';
import { OsKeychain } from '../electron/core/keychain.ts';
import type { ConsoleWatchOptions } from '../electron/core/console-watch.ts';
import type { SandboxHandle } from '../electron/sandbox/index.ts';
import type { ClusterDefinition } from '../shared/model.ts';

export interface TestEngine {
  engine: Engine;
  home: string;
  service: string;
  cluster: ClusterDefinition;
  close(): Promise<void>;
}

/** A keychain service of its own per test engine, so tests never see each other's (or a user's) entries. */
export function testKeychainService(): string {
  return `oslc-cluster-admin-test-${randomUUID()}`;
}

export async function engineFor(
  sandbox: SandboxHandle,
  opts: {
    name?: string;
    admin?: boolean;
    trustCa?: boolean;
    timeouts?: { connectMs?: number; totalMs?: number };
    watch?: ConsoleWatchOptions;
  } = {},
): Promise<TestEngine> {
  const home = await mkdtemp(join(tmpdir(), 'oslc-home-'));
  const service = testKeychainService();
  const engine = new Engine({ home, secrets: new OsKeychain(service), ...(opts.watch ? { watch: opts.watch } : {}) });
  const name = opts.name ?? 'sb';
  const caPem = sandbox.info.caFile && opts.trustCa !== false ? await readFile(sandbox.info.caFile, 'utf8') : null;
  // A dialect sandbox is registered as the kind whose adapter speaks it, with its context root.
  const { kind, root } = clusterShapeOf(sandbox.info.dialect);
  await engine.addCluster({
    name,
    kind,
    balancerUrl: `${sandbox.info.balancer}${root}`,
    nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: `${n.url}${root}` })),
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    caPem,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  });
  if (opts.admin !== false)
    await engine.storeCredentials({
      cluster: name,
      user: sandbox.info.admin.user,
      password: sandbox.info.admin.password,
    });
  const cluster = await engine.getCluster({ cluster: name });
  return {
    engine,
    home,
    service,
    cluster,
    close: async () => {
      await engine.close();
      const kc = new OsKeychain(service);
      const def = await engine.getCluster({ cluster: name }).catch(() => null);
      if (def) {
        await kc.delete(`cluster/${name}/admin`).catch(() => false);
        for (const c of def.consumers) await kc.delete(`cluster/${name}/consumer/${c.key}`).catch(() => false);
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir`, as text, for greps. */
export async function readTree(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return parts.join('\n');
}
