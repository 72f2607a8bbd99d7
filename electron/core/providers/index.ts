/**
 * Provider kinds as presets of capability adapters. Every behaviour that rests on an uncertain fact
 * of ../shared/PROVIDERS.md is marked [G] here and in the README's provider table.
 */
import type { ClusterKind } from '../../../shared/model.ts';
import { expectData } from '../http/client.ts';
import { joinUrl, mapEndpoints, readOAuthEndpoints } from './discovery.ts';
import { LyoAdminSession } from './lyo-admin.ts';
import type { Discovery, NodeContext, ProviderAdapter } from './types.ts';

/** Discovery through a rootservices-style document at `path` below the node's URL. */
async function discoverFrom(ctx: NodeContext, path: string): Promise<Discovery> {
  const url = joinUrl(ctx.node.url, path);
  const response = await ctx.http.request({ node: ctx.node.id, method: 'GET', url, headers: { accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1', 'oslc-core-version': '2.0' } });
  expectData(response, ctx.node.id, 'xml');
  const advertised = readOAuthEndpoints(response.body, url, ctx.node.id);
  return { endpoints: mapEndpoints(advertised, ctx.cluster.balancerUrl, ctx.node.url), response };
}

const listWithLyoApi: ProviderAdapter['listKeys'] = async (ctx, admin) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  return session.listConsumers();
};

/** The embedded sandbox: rootservices for discovery, the Lyo admin API for keys. */
const sandbox: ProviderAdapter = {
  kind: 'sandbox',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: listWithLyoApi,
};

/**
 * Eclipse Lyo OAuth webapp: fixed `/oauth/*` paths below the node's URL ([D] oauth-webapp). Lyo has
 * no rootservices of its own; Lyo Designer adaptors put the paths under `{ctx}/services/`, which the
 * node URL then carries.
 */
const lyo: ProviderAdapter = {
  kind: 'lyo',
  discover: async (ctx) => {
    const url = joinUrl(ctx.node.url, 'oauth/admin');
    const response = await ctx.http.request({ node: ctx.node.id, method: 'GET', url });
    expectData(response, ctx.node.id, 'text');
    const at = (p: string) => joinUrl(ctx.node.url, p);
    return {
      endpoints: { requestToken: at('oauth/requestToken'), authorize: at('oauth/authorize'), accessToken: at('oauth/accessToken'), requestConsumerKey: at('oauth/requestKey') },
      response,
    };
  },
  listKeys: listWithLyoApi,
};

/**
 * ClearQuest Web: `GET {node}/oslc/repo/{repo}/discovery` ([D] swg21579391; node URL ends in /cqweb).
 * [G] The discovery document's format is not public: we read `jfs:oauth*Url`-style properties from it.
 * No list API ([D] web UI only): keys are probed.
 */
const clearquest: ProviderAdapter = {
  kind: 'clearquest',
  discover: (ctx) => discoverFrom(ctx, `oslc/repo/${encodeURIComponent(ctx.cluster.repo ?? '')}/discovery`),
  listKeys: null,
};

/** Jazz Team Server: `GET {node}/rootservices` needs no login ([D]); no list API: keys are probed. */
const jazz: ProviderAdapter = {
  kind: 'jazz',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: null,
};

export const ADAPTERS: Record<ClusterKind, ProviderAdapter> = { sandbox, lyo, clearquest, jazz };

export function adapterFor(kind: ClusterKind): ProviderAdapter {
  return ADAPTERS[kind];
}
