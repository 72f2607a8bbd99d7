/** The discovery cache kept between processes (electron/core/discovery-cache.ts, issue 27). */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DISCOVERY_CACHE_FILE,
  DISCOVERY_CACHE_MAX_BYTES,
  DiscoveryStore,
  persistedKey,
} from '../../electron/core/discovery-cache.ts';
import { NodeCache, discoveryFor, reuseOrRedo } from '../../electron/core/node-cache.ts';
import type { Discovery, NodeContext, OAuthEndpoints } from '../../electron/core/providers/types.ts';
import { cluster, http } from './_one-node-cluster.ts';
import type { ClusterDefinition } from '../../shared/model.ts';

const endpoints: OAuthEndpoints = {
  requestToken: 'http://n1.example/oauth/requestToken',
  authorize: 'http://n1.example/oauth/authorize',
  accessToken: 'http://n1.example/oauth/accessToken',
  requestConsumerKey: null,
  source: 'discovery',
};
const answered: Discovery = {
  endpoints,
  response: {
    status: 200,
    headers: {},
    setCookies: ['JSESSIONID=0000abc:clone7; Path=/'],
    body: '<rdf/>',
    latencyMs: 3,
    url: 'http://n1.example/rootservices',
    tls: null,
  },
};

const ctxOf = (cache?: NodeCache, over: Partial<NodeContext> = {}): NodeContext => ({
  cluster,
  node: cluster.nodes[0]!,
  http,
  ...(cache ? { cache } : {}),
  ...over,
});

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-discovery-cache-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** What a new process sees: a new store over the same config directory. */
async function nextProcess(now = () => Date.now()): Promise<NodeCache> {
  const cache = new NodeCache(30_000, now, new DiscoveryStore(home, 60_000, now));
  await cache.loadPersisted();
  return cache;
}

describe('the discovery cache between processes', () => {
  it("gives a new process a node's endpoints and clone id, with no answer behind them, only where asked for", async () => {
    const first = await nextProcess();
    await discoveryFor(ctxOf(first), async () => answered).discovery;
    await first.flushPersisted();
    const mode = (await stat(join(home, DISCOVERY_CACHE_FILE))).mode & 0o777;
    if (process.platform !== 'win32') expect(mode).toBe(0o600);

    const second = await nextProcess();
    // Diagnose and the flow tester read cookies and TLS from a discovery: they do not get a kept one.
    expect(second.discovery(ctxOf(second))).toBeNull();
    const kept = await second.discovery(ctxOf(second), { persisted: true });
    expect(kept?.endpoints).toEqual(endpoints);
    expect(kept?.persisted).toEqual({ cloneId: 'clone7' });
    expect(kept?.response.setCookies).toEqual([]);
    let asked = 0;
    const d = discoveryFor(
      ctxOf(second),
      async () => {
        asked++;
        return answered;
      },
      true,
      { persisted: true },
    );
    expect(d.reused).toBe(true);
    expect(asked).toBe(0);
  });

  it('holds no secret, no cookie value and no body: endpoint URLs, the clone id and a time', async () => {
    const cache = await nextProcess();
    await discoveryFor(ctxOf(cache), async () => answered).discovery;
    await cache.flushPersisted();
    const text = await readFile(join(home, DISCOVERY_CACHE_FILE), 'utf8');
    expect(text).not.toContain('0000abc');
    expect(text).not.toContain('rdf');
    expect(text).not.toContain('n1.example/rootservices');
    const doc = JSON.parse(text) as { version: number; entries: Record<string, unknown> };
    expect(doc.version).toBe(1);
    expect(Object.values(doc.entries)).toEqual([{ endpoints, cloneId: 'clone7', savedAt: expect.any(Number) }]);
  });

  it('does not keep endpoints that carry user info', async () => {
    const cache = await nextProcess();
    const withUser = {
      ...answered,
      endpoints: { ...endpoints, authorize: 'http://u:secret@n1.example/oauth/authorize' },
    };
    await discoveryFor(ctxOf(cache), async () => withUser).discovery;
    await cache.flushPersisted();
    const text = await readFile(join(home, DISCOVERY_CACHE_FILE), 'utf8').catch(() => '');
    expect(text).not.toContain('secret');
  });

  it('is used for its TTL only, and never from a clock set back', async () => {
    let now = 1_000_000;
    const first = await nextProcess(() => now);
    await discoveryFor(ctxOf(first), async () => answered).discovery;
    await first.flushPersisted();
    now += 59_000;
    expect((await nextProcess(() => now)).discovery(ctxOf(), { persisted: true })).not.toBeNull();
    now += 2_000;
    expect((await nextProcess(() => now)).discovery(ctxOf(), { persisted: true })).toBeNull();
    now = 500_000;
    expect((await nextProcess(() => now)).discovery(ctxOf(), { persisted: true })).toBeNull();
  });

  it('drops a node on any failure, and keeps nothing across another node URL, cluster or trust setting', async () => {
    const first = await nextProcess();
    await discoveryFor(ctxOf(first), async () => answered).discovery;
    await first.flushPersisted();
    const second = await nextProcess();
    const other = (over: Partial<ClusterDefinition>) => ctxOf(second, { cluster: { ...cluster, ...over } });
    expect(
      second.discovery(ctxOf(second, { node: { ...cluster.nodes[0]!, url: 'http://n1.example:81' } }), {
        persisted: true,
      }),
    ).toBeNull();
    expect(second.discovery(other({ name: 'd' }), { persisted: true })).toBeNull();
    expect(second.discovery(other({ caPem: 'x' }), { persisted: true })).toBeNull();
    expect(second.discovery(other({ pinnedFingerprints: ['AA'] }), { persisted: true })).toBeNull();
    expect(persistedKey(ctxOf())).toBe(persistedKey(ctxOf()));

    // The node's answers did not fit the kept endpoints: it is forgotten here and on disk.
    const redone = await reuseOrRedo(
      ctxOf(second),
      async () => null,
      async () => 'afresh',
      true,
      { persisted: true },
    );
    expect(redone).toBe('afresh');
    await second.flushPersisted();
    expect((await nextProcess()).discovery(ctxOf(), { persisted: true })).toBeNull();
  });

  it('does not keep the balancer (not one of the cluster nodes)', async () => {
    const cache = await nextProcess();
    const balancer = ctxOf(cache, { node: { id: 'balancer', label: 'balancer', url: cluster.balancerUrl } });
    await discoveryFor(balancer, async () => answered).discovery;
    await cache.flushPersisted();
    expect(await readdir(home)).not.toContain(DISCOVERY_CACHE_FILE);
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['another version', '{"version":2,"entries":{}}'],
    ['the wrong shape', '[1,2,3]'],
    ['binary', '\u0000\u0001\u0002'],
  ])(
    'ignores a file that is %s, quietly, and moves it aside (never overwrites it) when it next writes',
    async (_, body) => {
      await writeFile(join(home, DISCOVERY_CACHE_FILE), body);
      const cache = await nextProcess();
      expect(cache.discovery(ctxOf(cache), { persisted: true })).toBeNull();
      await discoveryFor(ctxOf(cache), async () => answered).discovery;
      await cache.flushPersisted();
      const names = await readdir(home);
      const aside = names.find((n) => n.startsWith(`${DISCOVERY_CACHE_FILE}.corrupt-`));
      expect(aside).toBeDefined();
      expect(await readFile(join(home, aside!), 'utf8')).toBe(body);
      expect((await nextProcess()).discovery(ctxOf(), { persisted: true })).not.toBeNull();
    },
  );

  it('skips an entry it cannot trust and keeps the others', async () => {
    const good = await nextProcess();
    await discoveryFor(ctxOf(good), async () => answered).discovery;
    await good.flushPersisted();
    const file = join(home, DISCOVERY_CACHE_FILE);
    const doc = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, unknown> };
    doc.entries.bad = {
      endpoints: { ...endpoints, requestToken: 'file:///etc/passwd' },
      cloneId: null,
      savedAt: Date.now(),
    };
    doc.entries.worse = { endpoints: 'x', savedAt: 'now' };
    await writeFile(file, JSON.stringify(doc));
    expect((await nextProcess()).discovery(ctxOf(), { persisted: true })).not.toBeNull();
  });

  it('does not read a file past its size limit, nor a directory in its place, and never throws', async () => {
    await writeFile(join(home, DISCOVERY_CACHE_FILE), ' '.repeat(DISCOVERY_CACHE_MAX_BYTES + 1));
    const big = await nextProcess();
    expect(big.discovery(ctxOf(big), { persisted: true })).toBeNull();
    await rm(join(home, DISCOVERY_CACHE_FILE));
    await mkdir(join(home, DISCOVERY_CACHE_FILE));
    const dir = await nextProcess();
    expect(dir.discovery(ctxOf(dir), { persisted: true })).toBeNull();
    await discoveryFor(ctxOf(dir), async () => answered).discovery;
    await expect(dir.flushPersisted()).resolves.toBeUndefined();
  });

  it('writes nothing when nothing changed, and nothing at all when off', async () => {
    const cache = await nextProcess();
    await cache.flushPersisted();
    expect(await readdir(home)).toEqual([]);
    const off = new NodeCache(30_000);
    await off.loadPersisted();
    await discoveryFor(ctxOf(off), async () => answered).discovery;
    await off.flushPersisted();
    expect(await readdir(home)).toEqual([]);
  });
});
