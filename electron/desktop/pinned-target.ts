/**
 * Which configured node a URL the console wants to open belongs to. The engine decides (its
 * `openAdminPage` check that the URL is on that node's origin); the window layer only opens it.
 */
import type { Api } from '../../shared/contract.ts';
import type { Engine } from '../core/facade.ts';
import { presentedCertificateTrusted, proxyConfigFor } from '../core/pinned-trust.ts';
import type { PinnedTarget, PinnedTrust } from './windows.ts';
import { httpOrigin } from './windows.ts';

type NodeLookup = Pick<Api, 'listClusters' | 'getCluster' | 'openAdminPage'>;

/** The node-pinned window for `url`, or null when `url` is on no configured node. */
export async function pinnedTargetForUrl(engine: NodeLookup, url: string): Promise<PinnedTarget | null> {
  const origin = httpOrigin(url);
  if (!origin) return null;
  const { clusters } = await engine.listClusters({});
  for (const summary of clusters) {
    const def = await engine.getCluster({ cluster: summary.name });
    const node = def.nodes.find((n) => httpOrigin(n.url) === origin);
    if (!node) continue;
    const page = await engine.openAdminPage({ cluster: def.name, node: node.id, url });
    return { cluster: page.cluster, node: page.node, url: page.url, title: page.title };
  }
  return null;
}

/**
 * The engine's trust (the OS store, the cluster's CA bundle or pins, read at each check) and proxy
 * for a pinned window: the system's own (PAC, WPAD, OS) when the engine follows the system, as the
 * desktop's does; else the engine's HTTPS_PROXY / NO_PROXY choice.
 */
export function pinnedTrustFor(
  engine: Pick<Engine, 'store' | 'httpFor'> & Partial<Pick<Engine, 'proxyResolver'>>,
  target: PinnedTarget,
): PinnedTrust {
  return {
    async certificateTrusted(certificatePem) {
      const def = await engine.store.get(target.cluster);
      return presentedCertificateTrusted(def, engine.httpFor(def), target.node, target.url, certificatePem);
    },
    proxy: engine.proxyResolver ? { mode: 'system' } : proxyConfigFor(target.url),
  };
}
