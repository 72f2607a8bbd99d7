/**
 * The ClearQuest adapter's discovery fallback chain (electron/core/providers/index.ts, discoverClearQuest)
 * against the clearquest dialect of the sandbox: `jfs:oauth*Url` in the discovery document, then an
 * `oslc:oauthConfiguration` (in the discovery document, or in the catalog it links to), then the documented
 * fixed paths `/cqweb/oauth-*\/{repo}`. The dialect serves `inline` by default (what the engine sees today);
 * the other shapes are the sandbox's `clearquestDiscovery` TEST VARIANTS ([G]: shapes a client must cope
 * with, not claims about the real product). For each: what the node serves, where the adapter read the
 * URLs (`endpoints.source`, `NodeStatus.discoverySource`), and that status still probes the tracked key
 * through those URLs: provisional on the node holding it, unknown elsewhere, approved everywhere after
 * the hand-off is acted out and sync refreshes the nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { adapterFor } from '../../electron/core/providers/index.ts';
import type { ClearQuestDiscoveryVariant } from '../../electron/sandbox/dialects/clearquest.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { discoverySourceWords, type ConsumerState, type DiscoverySource } from '../../shared/model.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { createTempHome, type TempHome } from '../_home.ts';
import { Client, useSandbox } from '../_sandbox.ts';

const CLUSTER = 'cq';
const REPO = 'cqschema';

interface Case {
  /** The sandbox option; undefined = the dialect as served today (no option given). */
  variant: ClearQuestDiscoveryVariant | undefined;
  title: string;
  source: DiscoverySource;
  /** What the raw discovery document must (and must not) carry, so the variant is what it claims. */
  served: { has: RegExp[]; lacks: RegExp[] };
  /** Whether discovery finds the consumer-key URL (only where it is advertised beside the OAuth URLs). */
  consumerKeyUrl: boolean;
}

const OAUTH_CONFIGURATION = /<oslc:oauthConfiguration>/;
const JFS_OAUTH_URL = /<jfs:oauth(RequestToken|UserAuthorization|AccessToken)Url\b/;
const ANY_JFS = /<jfs:/;
const CATALOG_LINK = /<oslc:serviceProviderCatalog\b/;

const CASES: Case[] = [
  {
    variant: undefined,
    title: 'as served today (no option)',
    source: 'catalog-oauthConfiguration',
    served: { has: [OAUTH_CONFIGURATION, /<jfs:oauthRequestConsumerKeyUrl\b/], lacks: [JFS_OAUTH_URL, CATALOG_LINK] },
    consumerKeyUrl: true,
  },
  {
    variant: 'jfs',
    title: 'jfs:oauth*Url in the discovery document',
    source: 'discovery',
    served: { has: [JFS_OAUTH_URL], lacks: [OAUTH_CONFIGURATION, CATALOG_LINK] },
    consumerKeyUrl: true,
  },
  {
    variant: 'linked-catalog',
    title: 'oslc:oauthConfiguration only in the linked catalog',
    source: 'catalog-oauthConfiguration',
    served: { has: [CATALOG_LINK], lacks: [OAUTH_CONFIGURATION, ANY_JFS] },
    consumerKeyUrl: false,
  },
  {
    variant: 'linked-protected',
    title: 'a linked catalog that answers 401',
    source: 'fixed-paths',
    served: { has: [CATALOG_LINK], lacks: [OAUTH_CONFIGURATION, ANY_JFS] },
    consumerKeyUrl: false,
  },
  {
    variant: 'bare',
    title: 'no oslc:oauthConfiguration, no jfs:oauth*Url, no link',
    source: 'fixed-paths',
    served: { has: [], lacks: [OAUTH_CONFIGURATION, ANY_JFS, CATALOG_LINK] },
    consumerKeyUrl: false,
  },
];

/** An engine over a temp home and an in-memory secret store, with the sandbox registered as `cq`. */
async function engineOn(
  sandbox: SandboxHandle,
  home: TempHome,
): Promise<{ engine: Engine; cluster: ClusterDefinition }> {
  const engine = new Engine({ home: home.dir, secrets: new MemorySecretStore() });
  await engine.addCluster({
    name: CLUSTER,
    kind: 'clearquest',
    balancerUrl: `${sandbox.info.balancer}/cqweb`,
    nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: `${n.url}/cqweb` })),
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    caPem: null,
  });
  await engine.storeCredentials({
    cluster: CLUSTER,
    user: sandbox.info.admin.user,
    password: sandbox.info.admin.password,
  });
  return { engine, cluster: await engine.getCluster({ cluster: CLUSTER }) };
}

/** ClearQuest's OAuth Consumer Management on one node: log in, then set the provisional key to Approved. */
async function approveOnNode(sandbox: SandboxHandle, origin: string, key: string): Promise<number> {
  const c = Client.for(sandbox);
  try {
    const login = await c.form(`${origin}/cqweb/admin/login`, {
      id: sandbox.info.admin.user,
      password: sandbox.info.admin.password,
    });
    expect(login.status).toBe(303);
    const page = await c.request(`${origin}/cqweb/admin/oauth-consumers`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const res = await c.form(`${origin}/cqweb/admin/oauth-consumers`, {
      action: 'approve',
      key,
      status: 'Approved',
      csrf,
    });
    return res.status;
  } finally {
    await c.close();
  }
}

describe.each(CASES)('ClearQuest discovery, $title', (d) => {
  const sandbox = useSandbox({
    nodes: 2,
    dialect: 'clearquest',
    ...(d.variant ? { clearquestDiscovery: d.variant } : {}),
  });
  let home: TempHome;
  let engine: Engine;
  let cluster: ClusterDefinition;
  const origin = (id: string) => sandbox().info.nodes.find((n) => n.id === id)!.url;
  const states = async (key: string): Promise<Record<string, ConsumerState>> => {
    const status = await engine.status({ cluster: CLUSTER });
    return Object.fromEntries(status.nodes.map((n) => [n.id, n.consumers.find((c) => c.key === key)!.state]));
  };

  beforeAll(async () => {
    home = await createTempHome();
    ({ engine, cluster } = await engineOn(sandbox(), home));
  });
  afterAll(async () => {
    await engine?.close();
    await home?.cleanup();
  });

  it('serves the discovery document the variant describes', async () => {
    const c = Client.for(sandbox());
    try {
      for (const n of sandbox().info.nodes) {
        const doc = await c.request(`${n.url}/cqweb/oslc/repo/${REPO}/discovery`);
        expect(doc.status).toBe(200);
        expect(doc.body).toContain('<oslc:ServiceProviderCatalog');
        for (const re of d.served.has) expect(doc.body).toMatch(re);
        for (const re of d.served.lacks) expect(doc.body).not.toMatch(re);
      }
      // The linked catalog exists in its own variant only; the protected link really is protected.
      const catalog = await c.request(`${origin('node1')}/cqweb/oslc/repo/${REPO}/catalog`);
      expect(catalog.status).toBe(d.variant === 'linked-catalog' ? 200 : 404);
      if (d.variant === 'linked-catalog') expect(catalog.body).toMatch(OAUTH_CONFIGURATION);
      if (d.variant === 'linked-protected') {
        const linked = /<oslc:serviceProviderCatalog rdf:resource="([^"]+)"/.exec(
          (await c.request(`${origin('node1')}/cqweb/oslc/repo/${REPO}/discovery`)).body,
        )![1]!;
        const onNode = `${origin('node1')}${new URL(linked).pathname}`;
        expect((await c.request(onNode)).status).toBe(401);
      }
    } finally {
      await c.close();
    }
  });

  it(`discovers the CQ OAuth URLs on each node, from ${d.source}`, async () => {
    const adapter = adapterFor('clearquest');
    for (const node of cluster.nodes) {
      const { endpoints } = await adapter.discover({ cluster, node, http: engine.httpFor(cluster) });
      const raw = new URL(node.url).origin;
      expect(endpoints).toEqual({
        requestToken: `${raw}/cqweb/oauth-request-token/${REPO}`,
        authorize: `${raw}/cqweb/oauth-authorization/${REPO}`,
        accessToken: `${raw}/cqweb/oauth-access-token/${REPO}`,
        requestConsumerKey: d.consumerKeyUrl ? `${raw}/cqweb/oauth-request-consumer/${REPO}` : null,
        source: d.source,
      });
    }
  });

  it('status names the source on every node and probes the tracked key through those URLs', async () => {
    const secret = `secret-${d.variant ?? 'default'}`;
    const { key, node: holder } = await sandbox().friend(`RTC (${d.variant ?? 'default'})`, secret);
    await engine.trackConsumer({ cluster: CLUSTER, key, name: 'RTC', secret });

    const before = await engine.status({ cluster: CLUSTER });
    expect(before.nodes.map((n) => [n.id, n.up, n.error, n.discoverySource])).toEqual(
      cluster.nodes.map((n) => [n.id, true, null, d.source]),
    );
    expect(discoverySourceWords(before.nodes[0]!.discoverySource!)).toBe(discoverySourceWords(d.source));
    const first = Object.fromEntries(before.nodes.map((n) => [n.id, n.consumers.find((c) => c.key === key)!.state]));
    expect(first).toEqual(
      Object.fromEntries(cluster.nodes.map((n) => [n.id, n.id === holder ? 'provisional' : 'unknown'])),
    );

    // No approve API: the hand-off names the holder's admin page; acted out there, then sync refreshes.
    const approved = await engine.approve({ cluster: CLUSTER, key });
    expect(approved.node).toBe(holder);
    expect(new URL(approved.handoff!.adminUrl).origin).toBe(origin(holder));
    expect(await approveOnNode(sandbox(), origin(holder), key)).toBe(200);
    const sync = await engine.sync({ cluster: CLUSTER });
    expect(sync.nodes.every((n) => n.refreshed)).toBe(true);

    expect(await states(key)).toEqual(Object.fromEntries(cluster.nodes.map((n) => [n.id, 'approved'])));
    const after = await engine.status({ cluster: CLUSTER });
    expect(after.nodes.map((n) => n.discoverySource)).toEqual(cluster.nodes.map(() => d.source));

    // A wrong secret is read as such through the same URLs.
    const wrong = await engine.probeNode({ cluster: CLUSTER, node: holder, key, secret: 'wrong' });
    expect(wrong.state).toBe('bad-secret');
  });
});

describe('the clearquestDiscovery option', () => {
  it('is refused for another dialect and for an unknown variant, before anything listens', async () => {
    const { startSandbox } = await import('../../electron/sandbox/index.ts');
    await expect(startSandbox({ nodes: 1, dialect: 'jazz', clearquestDiscovery: 'bare' })).rejects.toThrow(
      /only with dialect "clearquest"/,
    );
    await expect(
      startSandbox({ nodes: 1, dialect: 'clearquest', clearquestDiscovery: 'nope' as ClearQuestDiscoveryVariant }),
    ).rejects.toThrow(/must be one of inline, jfs, linked-catalog, linked-protected, bare/);
  });
});
