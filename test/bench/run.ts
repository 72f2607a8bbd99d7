/**
 * `npm run bench`: speed and memory figures of the engine against the sandbox over real loopback
 * sockets, printed as one JSON document. Nothing here asserts; the figures go into closing notes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { signRequest } from '../../electron/core/oauth/rfc5849.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

async function timeRuns(runs: number, f: () => Promise<unknown>): Promise<{ p50Ms: number; p95Ms: number; runs: number }> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    xs.push(performance.now() - t0);
  }
  return { p50Ms: percentile(xs, 50), p95Ms: percentile(xs, 95), runs };
}

async function clusterBench(nodes: number, consumers: number) {
  const sandbox = await startSandbox({ nodes });
  const home = await mkdtemp(join(tmpdir(), 'oslc-bench-'));
  // The keychain is not what is measured here: secrets are held in memory for the run.
  const engine = new Engine({ home, secrets: new MemorySecretStore() });
  try {
    await engine.addCluster({ name: 'b', kind: 'sandbox', balancerUrl: sandbox.info.balancer, nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })), repo: 'cqschema', db: 'SAMPL' });
    await engine.storeCredentials({ cluster: 'b', user: 'admin', password: sandbox.info.admin.password });
    for (let i = 0; i < consumers; i++) {
      const secret = `bench-secret-${i}`;
      const { key } = await sandbox.friend(`c${i}`, secret);
      await engine.trackConsumer({ cluster: 'b', key, secret });
      await engine.approve({ cluster: 'b', key });
    }
    const status = await timeRuns(10, () => engine.status({ cluster: 'b' }));
    const sync = await timeRuns(5, () => engine.sync({ cluster: 'b' }));
    return { nodes, trackedConsumers: consumers, status, sync };
  } finally {
    await engine.close();
    await sandbox.close();
    await rm(home, { recursive: true, force: true });
  }
}

function signerBench() {
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    signRequest({ method: 'POST', url: 'https://lbcq_1:9443/cqweb/oauth/request_token?x=1', consumerKey: 'k', consumerSecret: 's', extraOAuth: { oauth_callback: 'oob' }, nonce: String(i), timestamp: 1 });
  }
  const ms = performance.now() - t0;
  return { signaturesPerSecond: Math.round((n / ms) * 1000) };
}

const before = process.memoryUsage().rss;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  signer: signerBench(),
  clusters: [await clusterBench(3, 5), await clusterBench(8, 10)],
  rssMiB: { start: Math.round(before / 2 ** 20), end: Math.round(process.memoryUsage().rss / 2 ** 20) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
