/**
 * The sandbox cluster: N provider nodes on loopback, a balancer in front of them, one shared
 * repository on disk and a control server. It fails the way the seeds describe, for real, over HTTP(S).
 *
 * Usage: `const sandbox = await startSandbox({ nodes: 3 }); … await sandbox.close();`
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Balancer } from './balancer.ts';
import { DIALECTS, isDialectName } from './dialects/index.ts';
import { CLEARQUEST_DISCOVERY_VARIANTS, clearquestDialectWith } from './dialects/clearquest.ts';
import { MAX_CLOCK_OFFSET_SECONDS, MAX_LATENCY_MS, startControlServer } from './control.ts';
import { requestKeyThroughBalancer } from './friend.ts';
import type { Listener, TlsMaterial } from './listener.ts';
import { SandboxNode } from './node-server.ts';
import { MAX_SEED, Repository, writeFileAtomic } from './repository.ts';
import type { SandboxHandle, SandboxInfo, SandboxOptions, SandboxState } from './types.ts';

export type { SandboxHandle, SandboxInfo, SandboxNodeState, SandboxOptions, SandboxState } from './types.ts';

export const SANDBOX_REPO = 'cqschema';
export const SANDBOX_DB = 'SAMPL';
export const SANDBOX_ADMIN_USER = 'admin';
export const MAX_NODES = 128;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function checkOptions(opts: SandboxOptions): void {
  const nodes = opts.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new RangeError(`nodes: must be a whole number from 1 to ${MAX_NODES}, got ${String(opts.nodes)}`);
  }
  const latency = opts.latencyMs ?? 0;
  if (!Number.isFinite(latency) || latency < 0 || latency > MAX_LATENCY_MS) {
    throw new RangeError(`latencyMs: must be between 0 and ${MAX_LATENCY_MS}, got ${String(opts.latencyMs)}`);
  }
  if (opts.dialect !== undefined && !isDialectName(opts.dialect)) {
    throw new RangeError(
      `dialect: must be one of ${Object.keys(DIALECTS).join(', ')}, got ${JSON.stringify(opts.dialect)}`,
    );
  }
  if (opts.clearquestDiscovery !== undefined) {
    if (!(CLEARQUEST_DISCOVERY_VARIANTS as readonly unknown[]).includes(opts.clearquestDiscovery)) {
      throw new RangeError(
        `clearquestDiscovery: must be one of ${CLEARQUEST_DISCOVERY_VARIANTS.join(', ')}, got ${JSON.stringify(opts.clearquestDiscovery)}`,
      );
    }
    if (opts.dialect !== 'clearquest') throw new RangeError('clearquestDiscovery: only with dialect "clearquest"');
  }
  if (opts.adminPassword !== undefined && opts.adminPassword === '') {
    throw new RangeError('adminPassword: must not be empty');
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  checkOptions(opts);
  const host = opts.host ?? '127.0.0.1';
  const ownsStateDir = opts.stateDir === undefined;
  const stateDir =
    opts.stateDir === undefined
      ? await fs.mkdtemp(path.join(os.tmpdir(), 'oslc-sandbox-'))
      : path.resolve(opts.stateDir);
  const repository = await Repository.open(stateDir, SANDBOX_REPO, SANDBOX_DB);
  const admin = { user: SANDBOX_ADMIN_USER, password: opts.adminPassword ?? randomBytes(12).toString('base64url') };
  const hopSecret = randomBytes(16).toString('hex');
  // A clearquestDiscovery test variant swaps only the discovery document (dialects/clearquest.ts).
  const dialect =
    opts.clearquestDiscovery !== undefined
      ? clearquestDialectWith(opts.clearquestDiscovery)
      : DIALECTS[opts.dialect ?? 'sandbox'];

  let caPem: string | null = null;
  let caFile: string | null = null;
  let issue: (commonName: string) => Promise<TlsMaterial | null> = () => Promise.resolve(null);
  if (opts.tls) {
    // Certificate generation (and its x509 library) loads only for a TLS sandbox.
    const { createCertificateAuthority } = await import('./tls.ts');
    const ca = await createCertificateAuthority();
    caPem = ca.certPem;
    caFile = path.join(stateDir, 'ca.pem');
    await writeFileAtomic(caFile, caPem);
    const sans = [...new Set([host, '127.0.0.1', 'localhost'])];
    issue = (commonName) => ca.issueServerCertificate(commonName, sans);
  }

  let balancerUrl = '';
  const count = opts.nodes ?? 3;
  const certificates = await Promise.all(Array.from({ length: count }, (_, i) => issue(`node${i + 1}`)));
  const nodes: SandboxNode[] = certificates.map(
    (tls, i) =>
      new SandboxNode({
        id: `node${i + 1}`,
        host,
        repo: SANDBOX_REPO,
        db: SANDBOX_DB,
        admin,
        repository,
        tls,
        hopSecret,
        publicOrigin: () => balancerUrl,
        latencyMs: opts.latencyMs ?? 0,
        dialect,
      }),
  );

  let balancer: Balancer | null = null;
  let control: Listener | null = null;
  const closeAll = async () => {
    await Promise.allSettled([control?.close(), balancer?.close(), ...nodes.map((n) => n.kill())]);
  };

  const nodeById = (id: string): SandboxNode => {
    const node = nodes.find((n) => n.id === id);
    if (!node) throw new RangeError(`unknown node "${id}"; the nodes are ${nodes.map((n) => n.id).join(', ')}`);
    return node;
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    balancer = await Balancer.start({
      host,
      tls: await issue('balancer'),
      caPem,
      sticky: opts.sticky ?? true,
      hopSecret,
      targets: () => nodes.map((n) => ({ id: n.id, url: n.url, up: n.up })),
    });
    balancerUrl = balancer.url;

    const state = (): SandboxState => ({
      balancer: balancerUrl,
      control: control?.url ?? '',
      sticky: balancer?.sticky ?? opts.sticky ?? true,
      dialect: dialect.name,
      tls: opts.tls ?? false,
      repo: SANDBOX_REPO,
      db: SANDBOX_DB,
      nodes: nodes.map((n) => n.snapshot()),
      repository: { consumers: repository.consumers().map(({ key, name, trusted }) => ({ key, name, trusted })) },
    });

    const operations = {
      killNode: async (id: string) => nodeById(id).kill(),
      restartNode: async (id: string) => nodeById(id).restart(),
      setLatency(id: string, ms: number) {
        if (!Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS)
          throw new RangeError(`latency: must be 0..${MAX_LATENCY_MS} ms`);
        nodeById(id).latencyMs = ms;
      },
      setClockOffset(id: string, offsetSeconds: number) {
        if (!Number.isFinite(offsetSeconds) || Math.abs(offsetSeconds) > MAX_CLOCK_OFFSET_SECONDS) {
          throw new RangeError(`clock offset: must be within ±${MAX_CLOCK_OFFSET_SECONDS} s`);
        }
        nodeById(id).clockOffsetSeconds = offsetSeconds;
      },
      setVersion(id: string, version: string) {
        if (!/^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$/.test(version))
          throw new RangeError('version: 1–32 letters, digits, dots or dashes');
        nodeById(id).version = version;
      },
      setSticky(sticky: boolean) {
        if (balancer) balancer.sticky = sticky;
      },
      state,
      nodeState: (id: string) => nodes.find((n) => n.id === id)?.snapshot(),
      nodeIds: () => nodes.map((n) => n.id),
      async seed(count: number) {
        if (!Number.isInteger(count) || count < 1 || count > MAX_SEED)
          throw new RangeError(`count: must be a whole number from 1 to ${MAX_SEED}`);
        // Keys shaped like the ones requestKey makes; secrets from one random buffer, never shown.
        const secrets = randomBytes(count * 18).toString('base64url');
        const base = repository.snapshot().length;
        const added = Array.from({ length: count }, (_, i) => ({
          key: randomUUID(),
          name: `seeded consumer ${base + i + 1}`,
          secret: secrets.slice(i * 24, (i + 1) * 24),
          trusted: false,
        }));
        await repository.putMany(added);
        await Promise.all(nodes.map((n) => n.reloadIfUp()));
        return { added: count, consumers: repository.snapshot().length };
      },
      friend: (name: string, secret: string) =>
        requestKeyThroughBalancer(balancerUrl, caPem, name, secret, dialect.requestKeyPath(SANDBOX_REPO)),
    };
    // The control surface kills nodes and plays consumers: never expose it beyond loopback.
    control = await startControlServer(isLoopback(host) ? host : '127.0.0.1', await issue('control'), operations);

    const info: SandboxInfo = {
      balancer: balancerUrl,
      nodes: nodes.map((n) => ({ id: n.id, url: n.url })),
      control: control.url,
      admin,
      repo: SANDBOX_REPO,
      db: SANDBOX_DB,
      caFile,
      stateDir,
      dialect: dialect.name,
    };

    let closing: Promise<void> | null = null;
    return {
      info,
      ...operations,
      close() {
        closing ??= (async () => {
          await closeAll();
          // A temp dir we made ourselves is ours to remove; a --state-dir is the user's to keep.
          if (ownsStateDir) await fs.rm(stateDir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    if (ownsStateDir) await fs.rm(stateDir, { recursive: true, force: true });
    throw err;
  }
}
