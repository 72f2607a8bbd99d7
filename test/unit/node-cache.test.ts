import { describe, expect, it } from 'vitest';
import { NodeCache, discoveryFor } from '../../electron/core/node-cache.ts';
import type { Discovery, NodeContext } from '../../electron/core/providers/types.ts';
import { cluster, http } from './_one-node-cluster.ts';
import { HttpClient } from '../../electron/core/http/client.ts';

const admin = { user: 'admin', password: 'pw' };
const discovery = {
  endpoints: { requestToken: 'http://n1.example/rt', authorize: 'a', accessToken: 'b', requestConsumerKey: null },
} as unknown as Discovery;

function ctx(cache: NodeCache, over: Partial<NodeContext> = {}): NodeContext {
  return { cluster, node: cluster.nodes[0]!, http, cache, ...over };
}

describe('the node cache', () => {
  it('reuses a discovery until it expires, then asks again', async () => {
    let now = 0;
    const cache = new NodeCache(1000, () => now);
    let asked = 0;
    const discover = async () => {
      asked++;
      return discovery;
    };
    expect(discoveryFor(ctx(cache), discover).reused).toBe(false);
    const second = discoveryFor(ctx(cache), discover);
    expect(second.reused).toBe(true);
    expect(await second.discovery).toBe(discovery);
    now = 1001;
    expect(discoveryFor(ctx(cache), discover).reused).toBe(false);
    expect(asked).toBe(2);
  });

  it("drops a node's discovery and sessions when a discovery fails, and keys sessions by login", async () => {
    const cache = new NodeCache();
    cache.rememberSession(ctx(cache), admin, Promise.resolve('session'));
    expect(cache.session(ctx(cache), admin)).not.toBeNull();
    expect(cache.session(ctx(cache), { ...admin, password: 'other' })).toBeNull();
    const failing = cache.rememberDiscovery(ctx(cache), Promise.reject(new Error('down')));
    await failing.catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(cache.discovery(ctx(cache))).toBeNull();
    expect(cache.session(ctx(cache), admin)).toBeNull();
  });

  it('keeps nothing across another node URL, another cluster kind or another HTTP client', () => {
    const cache = new NodeCache();
    cache.rememberDiscovery(ctx(cache), Promise.resolve(discovery));
    expect(cache.discovery(ctx(cache, { node: { ...cluster.nodes[0]!, url: 'http://n1.example:8080' } }))).toBeNull();
    expect(cache.discovery(ctx(cache, { cluster: { ...cluster, kind: 'jazz' } }))).toBeNull();
    const other = new HttpClient({ connectTimeoutMs: 1000, totalTimeoutMs: 1000, maxResponseBytes: 1024 });
    expect(cache.discovery(ctx(cache, { http: other }))).toBeNull();
    expect(cache.discovery(ctx(cache))).not.toBeNull();
  });
});
