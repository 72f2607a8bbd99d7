/**
 * The embedded sandbox for the console's doors (desktop and browser mode) and for
 * `oslc-admin sandbox --register`: start it, register it as a cluster with its admin login in the
 * OS keychain, and hand it to the engine so the console can show its controls. Plain Node.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badInput, isAppError } from '../../shared/errors.ts';
import { clusterFromInput } from '../../shared/schema.ts';
import type { ClusterDefinition, ClusterKind } from '../../shared/model.ts';
import type { Engine } from '../core/facade.ts';
import { startSandbox } from '../sandbox/index.ts';
import type { SandboxHandle, SandboxInfo, SandboxOptions } from '../sandbox/index.ts';

/** The cluster name the first run gives the embedded sandbox. */
export const FIRST_RUN_CLUSTER = 'sandbox';

/**
 * How a sandbox speaking `dialect` is registered: the provider kind whose adapter speaks it, and the
 * context root its node URLs carry (ClearQuest's `/cqweb`, Jazz's `/jts`), as a real cluster's would.
 */
export function clusterShapeOf(dialect: SandboxInfo['dialect'] | undefined): { kind: ClusterKind; root: string } {
  switch (dialect) {
    case 'clearquest':
      return { kind: 'clearquest', root: '/cqweb' };
    case 'jazz':
      return { kind: 'jazz', root: '/jts' };
    case 'lyo':
      return { kind: 'lyo', root: '' };
    default:
      return { kind: 'sandbox', root: '' };
  }
}

/**
 * The existing cluster `name` a sandbox registering as `kind` would update (or undefined); BAD_INPUT
 * when it is a cluster of another kind. `sandbox --register` asks this before the sandbox starts,
 * so a refused name leaves nothing behind (no state directory, no sockets opened).
 */
export async function assertRegistrable(
  engine: Engine,
  name: string,
  kind: ClusterKind,
): Promise<ClusterDefinition | undefined> {
  const { clusters } = await engine.store.load();
  const existing = clusters.find((c) => c.name === name);
  if (existing && existing.kind !== kind) {
    throw badInput('--register', `cluster "${name}" exists and is a ${existing.kind} cluster; choose another name`);
  }
  return existing;
}

/**
 * Adds the running sandbox as cluster `name` (or points an existing sandbox cluster at its new ports)
 * and stores its admin login. Returns what happened, in words; the login failing is not fatal.
 */
export async function registerSandbox(engine: Engine, name: string, info: SandboxInfo): Promise<string[]> {
  const caPem = info.caFile ? await readFile(info.caFile, 'utf8') : null;
  const { kind, root } = clusterShapeOf(info.dialect);
  const def = clusterFromInput({
    name,
    kind,
    balancerUrl: `${info.balancer}${root}`,
    nodes: info.nodes.map((n) => ({ id: n.id, url: `${n.url}${root}` })),
    repo: info.repo,
    db: info.db,
    caPem,
  });
  const existing = await assertRegistrable(engine, name, kind);
  if (existing) {
    await engine.store.update(name, (c) => ({
      ...c,
      balancerUrl: def.balancerUrl,
      nodes: def.nodes,
      repo: def.repo,
      db: def.db,
      caPem,
    }));
  } else await engine.addCluster({ ...def });
  const notes = [`registered as cluster "${name}"`];
  try {
    const { storedIn } = await engine.storeCredentials({
      cluster: name,
      user: info.admin.user,
      password: info.admin.password,
    });
    notes.push(
      storedIn === 'keychain'
        ? 'admin login stored in the OS keychain'
        : 'no OS keychain here: admin login held in memory',
    );
  } catch (e) {
    notes.push(`admin login NOT stored: ${isAppError(e) ? e.message : String(e)}`);
  }
  return notes;
}

export interface EmbeddedSandboxRun {
  info: SandboxInfo;
  cluster: string;
  notes: string[];
  close(): Promise<void>;
}

/** Starts a sandbox, registers it as `cluster` and attaches it to the engine. Its repository lives beside the config. */
export async function startEmbeddedSandbox(
  engine: Engine,
  home: string,
  opts: { cluster?: string } & Omit<SandboxOptions, 'stateDir'> = {},
): Promise<EmbeddedSandboxRun> {
  const { cluster = FIRST_RUN_CLUSTER, ...sandboxOpts } = opts;
  // Approved keys (and the consumers tracked for them) survive the next start.
  const sandbox: SandboxHandle = await startSandbox({ ...sandboxOpts, stateDir: join(home, 'sandbox', cluster) });
  // Attached before it is registered, so its throwaway login may be held in memory where no keychain is.
  engine.attachSandbox(cluster, sandbox);
  let notes: string[];
  try {
    notes = await registerSandbox(engine, cluster, sandbox.info);
  } catch (e) {
    engine.detachSandbox(cluster);
    await sandbox.close();
    throw e;
  }
  return {
    info: sandbox.info,
    cluster,
    notes,
    async close() {
      engine.detachSandbox(cluster);
      await sandbox.close();
    },
  };
}

/**
 * The first run: with no cluster configured — or when the only thing configured is the sandbox an
 * earlier first run registered — start the embedded sandbox so a new user sees the whole story at
 * once. `force` starts it whatever is configured (`serve --sandbox`, `npm run serve`).
 */
export async function ensureFirstRunSandbox(
  engine: Engine,
  home: string,
  opts: { force?: boolean; sandbox?: Omit<SandboxOptions, 'stateDir'> } = {},
): Promise<EmbeddedSandboxRun | null> {
  const { clusters } = await engine.store.load();
  const earlier = clusters.find((c) => c.name === FIRST_RUN_CLUSTER);
  const { kind } = clusterShapeOf(opts.sandbox?.dialect);
  const onlyEarlierSandbox = clusters.length === 1 && earlier?.kind === kind;
  if (!opts.force && clusters.length > 0 && !onlyEarlierSandbox) return null;
  if (earlier && earlier.kind !== kind) return null;
  return startEmbeddedSandbox(engine, home, opts.sandbox ?? {});
}
