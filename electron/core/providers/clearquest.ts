/** The ClearQuest adapter, and its registry refresh and hand-offs that the sandbox copies. Uncertain facts are marked [G] (../shared/PROVIDERS.md). */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { expectActionDone, expectData } from '../http/client.ts';
import { joinUrl, mapEndpoints, readOAuthConfiguration, readRdfProperty, tryReadOAuthEndpoints } from './discovery.ts';
import type {
  AdminCredentials,
  Discovery,
  NewConsumer,
  NodeContext,
  OAuthEndpoints,
  ProviderAdapter,
} from './types.ts';

/**
 * ClearQuest-style registry refresh ([D] technote swg21644559): `refreshRepoConfig` with Basic auth
 * on the node itself, then `DELETE …/oslc/session` so the session does not linger.
 */
export async function refreshRepoConfig(
  ctx: NodeContext,
  admin: AdminCredentials,
  cqBase: string,
  onReloaded?: () => void,
): Promise<void> {
  const { repo, db } = ctx.cluster;
  if (!repo || !db)
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `Cluster ${ctx.cluster.name} has no repository and database names, which ClearQuest needs to refresh a node`,
      { details: { field: 'repo' }, fix: { action: 'edit-cluster', cluster: ctx.cluster.name, field: 'repo' } },
    );
  const basic = `Basic ${Buffer.from(`${admin.user}:${admin.password}`, 'utf8').toString('base64')}`;
  const res = await ctx.http.request({
    node: ctx.node.id,
    method: 'GET',
    url: joinUrl(cqBase, `oslc/repo/${encodeURIComponent(repo)}/db/${encodeURIComponent(db)}/refreshRepoConfig`),
    headers: { authorization: basic, 'oslc-core-version': '2.0', accept: '*/*' },
  });
  if (res.status === 401 || res.status === 403) {
    throw new AppError(
      ErrorCode.AUTH_FAILED,
      `${ctx.node.id}: the admin login "${admin.user}" was refused (HTTP ${res.status}) when refreshing the registry`,
      { node: ctx.node.id, details: { status: res.status } },
    );
  }
  expectActionDone(res, ctx.node.id, [200, 204]);
  onReloaded?.();
  const cookie = res.setCookies.map((c) => c.split(';')[0]).join('; ');
  const end = await ctx.http.request({
    node: ctx.node.id,
    method: 'DELETE',
    url: joinUrl(cqBase, 'oslc/session'),
    headers: { 'oslc-core-version': '2.0', ...(cookie ? { cookie } : {}), authorization: basic },
  });
  // Ending the session is hygiene: a node that refreshed but cannot end the session still refreshed.
  void end;
}

/** The ClearQuest Site Administration dialog ([D] swg21643365); it has no URL of its own [G]. */
export const cqApproveHandoff = (ctx: NodeContext, key: string) => ({
  action: 'approve' as const,
  node: ctx.node.id,
  adminUrl: ctx.node.url,
  steps: [
    `Open ${ctx.node.url} — this node itself, not the balancer — and log in with a super-user account.`,
    'Click Site Administration → OAuth Consumer Management.',
    `In the Provisional Keys section find ${key} and choose Approved in the drop-down at the right of its row.`,
    'Come back here and re-probe: the key should be approved on this node; then run sync for the other nodes.',
  ],
  source: 'IBM technote swg21643365 / "OSLC provisional key can only be authorized from a single server"',
});

export const cqRegisterHandoff = (ctx: NodeContext, input: NewConsumer) => ({
  action: 'register' as const,
  node: ctx.node.id,
  adminUrl: ctx.node.url,
  steps: [
    `Open ${ctx.node.url} and log in with a super-user account.`,
    'Click Site Administration → OAuth Consumer Management, section Register Consumer.',
    `Enter Consumer Name "${input.name}", Consumer Key ${input.key ? `"${input.key}"` : '(the consumer’s key)'}, the Consumer Secret twice${input.trusted ? ', tick Trusted' : ''}, and click Register.`,
    'Come back here and re-probe, then run sync so every node loads it.',
  ],
  fields: { name: input.name, key: input.key, trusted: input.trusted },
  source: 'IBM ClearQuest documentation t_clm_int_consumer_key_reg; technote swg21643365',
});

/**
 * ClearQuest discovery, in the order PROVIDERS.md ("Dialects") asks: the discovery document's
 * `jfs:oauth*Url` [G that CQ puts them there]; then `oslc:oauthConfiguration` in the discovery document
 * or in the catalog it points to ([D] the OSLC 2.0 shape; [G] that CQ publishes it); then the paths the
 * Lyo assessment suite configures for CQ, `{node}/oauth-request-token/{repo}` … ([D] cq-setupv2.properties).
 * `source` says which one was used.
 */
async function discoverClearQuest(ctx: NodeContext): Promise<Discovery> {
  const repo = ctx.cluster.repo ?? '';
  const url = joinUrl(ctx.node.url, `oslc/repo/${encodeURIComponent(repo)}/discovery`);
  const accept = { accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1', 'oslc-core-version': '2.0' };
  const response = await ctx.http.request({ node: ctx.node.id, method: 'GET', url, headers: accept });
  expectData(response, ctx.node.id, 'xml');
  const map = (e: OAuthEndpoints): Discovery => ({
    endpoints: mapEndpoints(e, ctx.cluster.balancerUrl, ctx.node.url),
    response,
  });
  const advertised =
    tryReadOAuthEndpoints(response.body, url, ctx.node.id) ?? readOAuthConfiguration(response.body, url);
  if (advertised) return map(advertised);
  const catalogUrl =
    readRdfProperty(response.body, 'serviceProviderCatalog') ?? readRdfProperty(response.body, 'cmServiceProviders');
  if (catalogUrl) {
    try {
      const target = mapEndpoints(
        { requestToken: new URL(catalogUrl, url).href, authorize: url, accessToken: url, requestConsumerKey: null },
        ctx.cluster.balancerUrl,
        ctx.node.url,
      ).requestToken;
      const catalog = await ctx.http.request({ node: ctx.node.id, method: 'GET', url: target, headers: accept });
      const fromCatalog = catalog.status === 200 ? readOAuthConfiguration(catalog.body, target) : null;
      if (fromCatalog) return map(fromCatalog);
    } catch {
      // A catalog that cannot be read (401, down) leaves the documented paths.
    }
  }
  const r = encodeURIComponent(repo);
  return {
    endpoints: {
      requestToken: joinUrl(ctx.node.url, `oauth-request-token/${r}`),
      authorize: joinUrl(ctx.node.url, `oauth-authorization/${r}`),
      accessToken: joinUrl(ctx.node.url, `oauth-access-token/${r}`),
      requestConsumerKey: null,
      source: 'fixed-paths',
    },
    response,
  };
}

/**
 * ClearQuest Web: `GET {node}/oslc/repo/{repo}/discovery` ([D] swg21579391; node URL ends in /cqweb).
 * [G] The discovery document's format is not public: we read `jfs:oauth*Url`-style properties from it.
 * No list, approve or register API ([D] web UI only): keys are probed, approval is a hand-off.
 */
export const clearquest: ProviderAdapter = {
  kind: 'clearquest',
  discover: discoverClearQuest,
  listKeys: null,
  prepareListing: null,
  approve: null,
  approveHandoff: cqApproveHandoff,
  register: null,
  registerHandoff: cqRegisterHandoff,
  remove: null,
  // [D] swg21644559 documents the refresh; [G] that it reloads the OAuth consumer registry too (the
  // seed swg21643365 says logging in to each node does).
  refresh: (ctx, admin, onReloaded) => refreshRepoConfig(ctx, admin, ctx.node.url, onReloaded),
  refreshUnsupported: null,
  // [G] what CQ answers a provisional key is not public; the sandbox dialect refuses it.
  requestTokenRefusesProvisional: true,
};
