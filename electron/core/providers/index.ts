/**
 * Provider kinds as presets of capability adapters. Every behaviour that rests on an uncertain fact
 * of ../shared/PROVIDERS.md is marked [G] here and in the README's provider table.
 */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import type { ClusterKind } from '../../../shared/model.ts';
import { expectData } from '../http/client.ts';
import { joinUrl, mapEndpoints, readOAuthEndpoints } from './discovery.ts';
import { LyoAdminSession } from './lyo-admin.ts';
import type {
  AdminCredentials,
  Discovery,
  NewConsumer,
  NodeContext,
  OAuthEndpoints,
  ProviderAdapter,
} from './types.ts';

/** Discovery through a rootservices-style document at `path` below the node's URL. */
async function discoverFrom(ctx: NodeContext, path: string): Promise<Discovery> {
  const url = joinUrl(ctx.node.url, path);
  const response = await ctx.http.request({
    node: ctx.node.id,
    method: 'GET',
    url,
    headers: { accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1', 'oslc-core-version': '2.0' },
  });
  expectData(response, ctx.node.id, 'xml');
  const advertised = readOAuthEndpoints(response.body, url, ctx.node.id);
  return { endpoints: mapEndpoints(advertised, ctx.cluster.balancerUrl, ctx.node.url), response };
}

const openLyoSession = (ctx: NodeContext, admin: AdminCredentials) =>
  LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);

/** An admin session the cache holds for this node, or a new one that it keeps. */
function lyoSession(ctx: NodeContext, admin: AdminCredentials): Promise<LyoAdminSession> {
  const cache = ctx.cache;
  if (!cache) return openLyoSession(ctx, admin);
  return cache.session<LyoAdminSession>(ctx, admin) ?? cache.rememberSession(ctx, admin, openLyoSession(ctx, admin));
}

const listWithLyoApi: ProviderAdapter['listKeys'] = async (ctx, admin) => {
  const cache = ctx.cache;
  const reused = cache?.session<LyoAdminSession>(ctx, admin);
  if (cache && reused) {
    try {
      return await (await reused).listConsumers();
    } catch {
      // The session may have ended (a restart, a timeout): start over as if nothing were cached.
      cache.forget(ctx);
    }
  }
  const session = await lyoSession(ctx, admin);
  try {
    return await session.listConsumers();
  } catch (e) {
    cache?.forget(ctx);
    throw e;
  }
};

const prepareLyoListing: ProviderAdapter['prepareListing'] = (ctx, admin) => {
  // A failure here only means the listing opens its own session later; the cache forgets it itself.
  lyoSession(ctx, admin).catch(() => undefined);
};

/** `POST /oauth/consumers/{key}` `provisional=false` on this node: 404 means its memory does not hold the key. */
const approveWithLyoApi: ProviderAdapter['approve'] = async (ctx, admin, key) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  const res = await session.approve(key);
  if (res.status === 404) return 'not-here';
  expectData(res, ctx.node.id, 'text', [200, 204]);
  return 'approved';
};

const removeWithLyoApi: ProviderAdapter['remove'] = async (ctx, admin, key) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  const res = await session.remove(key);
  if (res.status === 404) return 'not-found';
  expectData(res, ctx.node.id, 'text', [200, 204]);
  return 'removed';
};

/**
 * Asks a node for a new consumer key ([D] Lyo `POST /oauth/requestKey`, Jazz
 * `oauthRequestConsumerKeyUrl`, JSON `{name, secret, trusted}` → `{key}`). A chosen key is sent as
 * `key`; the sandbox honours it, like ClearQuest's Register Consumer form. [G] Lyo and Jazz ignore it.
 */
async function requestConsumerKey(ctx: NodeContext, url: string, input: NewConsumer): Promise<string> {
  const res = await ctx.http.request({
    node: ctx.node.id,
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      name: input.name,
      secret: input.secret,
      trusted: input.trusted,
      secretType: 'string',
      ...(input.key ? { key: input.key } : {}),
    }),
  });
  if (res.status === 409)
    throw new AppError(ErrorCode.KEY_NOT_UNIQUE, `${ctx.node.id}: consumer key "${input.key}" exists already`, {
      node: ctx.node.id,
      details: { field: 'key' },
    });
  expectData(res, ctx.node.id, 'json', [200, 201]);
  let key: unknown;
  try {
    key = (JSON.parse(res.body) as { key?: unknown }).key;
  } catch {
    key = undefined;
  }
  if (typeof key !== 'string' || !key)
    throw new AppError(ErrorCode.UNEXPECTED_RESPONSE, `${ctx.node.id}: the request-key answer carries no key`, {
      node: ctx.node.id,
    });
  if (input.key && key !== input.key) {
    throw new AppError(
      ErrorCode.NOT_SUPPORTED,
      `${ctx.node.id} chose its own key (${key}) instead of "${input.key}": this provider cannot register a given key by API; register it by hand`,
      { node: ctx.node.id },
    );
  }
  return key;
}

/**
 * ClearQuest-style registry refresh ([D] technote swg21644559): `refreshRepoConfig` with Basic auth
 * on the node itself, then `DELETE …/oslc/session` so the session does not linger.
 */
async function refreshRepoConfig(
  ctx: NodeContext,
  admin: AdminCredentials,
  cqBase: string,
  onReloaded?: () => void,
): Promise<void> {
  const { repo, db } = ctx.cluster;
  if (!repo || !db)
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `Cluster ${ctx.cluster.name} has no repository/database names; set --repo and --db`,
      { details: { field: 'repo' } },
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
  expectData(res, ctx.node.id, 'text', [200, 204]);
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

const lyoApproveSteps = (key: string) => [
  `Open the node's OAuth administration page and log in as an administrator.`,
  `Approve the provisional consumer ${key}.`,
];

/** The ClearQuest Site Administration dialog ([D] swg21643365); it has no URL of its own [G]. */
const cqApproveHandoff = (ctx: NodeContext, key: string) => ({
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

const cqRegisterHandoff = (ctx: NodeContext, input: NewConsumer) => ({
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

/** The embedded sandbox: rootservices for discovery, the Lyo admin API, ClearQuest refresh. */
const sandbox: ProviderAdapter = {
  kind: 'sandbox',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: listWithLyoApi,
  prepareListing: prepareLyoListing,
  approve: approveWithLyoApi,
  approveHandoff: (ctx, key) => ({
    action: 'approve',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, 'oauth/admin'),
    steps: lyoApproveSteps(key),
    source: 'sandbox (Eclipse Lyo admin page)',
  }),
  register: (ctx, input) => requestConsumerKey(ctx, joinUrl(ctx.node.url, 'oauth/requestKey'), input),
  registerHandoff: (ctx, input) => cqRegisterHandoff(ctx, input),
  remove: removeWithLyoApi,
  refresh: (ctx, admin, onReloaded) => refreshRepoConfig(ctx, admin, joinUrl(ctx.node.url, 'cqweb'), onReloaded),
  refreshUnsupported: null,
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
      endpoints: {
        requestToken: at('oauth/requestToken'),
        authorize: at('oauth/authorize'),
        accessToken: at('oauth/accessToken'),
        requestConsumerKey: at('oauth/requestKey'),
      },
      response,
    };
  },
  listKeys: listWithLyoApi,
  prepareListing: prepareLyoListing,
  approve: approveWithLyoApi,
  approveHandoff: (ctx, key) => ({
    action: 'approve',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, 'oauth/admin'),
    steps: lyoApproveSteps(key),
    source: 'Eclipse Lyo oauth-webapp',
  }),
  register: (ctx, input) => requestConsumerKey(ctx, joinUrl(ctx.node.url, 'oauth/requestKey'), input),
  registerHandoff: (ctx, input) => ({
    action: 'register',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, 'oauth/admin'),
    steps: [`Register consumer "${input.name}" on the OAuth administration page.`],
    fields: { name: input.name, key: input.key, trusted: input.trusted },
    source: 'Eclipse Lyo oauth-webapp',
  }),
  remove: removeWithLyoApi,
  refresh: null,
  refreshUnsupported:
    "Eclipse Lyo's consumer store is loaded once when the server starts ([D] oauth-consumer-store): a node picks up a change only when it is restarted. Restart the nodes that lack the key.",
};

/**
 * ClearQuest Web: `GET {node}/oslc/repo/{repo}/discovery` ([D] swg21579391; node URL ends in /cqweb).
 * [G] The discovery document's format is not public: we read `jfs:oauth*Url`-style properties from it.
 * No list, approve or register API ([D] web UI only): keys are probed, approval is a hand-off.
 */
const clearquest: ProviderAdapter = {
  kind: 'clearquest',
  discover: (ctx) => discoverFrom(ctx, `oslc/repo/${encodeURIComponent(ctx.cluster.repo ?? '')}/discovery`),
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
};

const JAZZ_OAUTH_ADMIN = 'admin#action=com.ibm.team.repository.admin.configureOAuth';

/**
 * Jazz Team Server: `GET {node}/rootservices` needs no login ([D]); no list API: keys are probed;
 * approval on the Consumers (Inbound) page is a hand-off ([D] URL; [G] whether it takes a key).
 */
const jazz: ProviderAdapter = {
  kind: 'jazz',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: null,
  prepareListing: null,
  approve: null,
  approveHandoff: (ctx, key) => ({
    action: 'approve',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN),
    steps: [
      `Open ${joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN)} on this node and log in as a JazzAdmin.`,
      `Under Consumers (Inbound), find ${key} and approve it.`,
      'Come back here and re-probe.',
    ],
    source: 'Jazz Team Server admin, Consumers (Inbound)',
  }),
  register: (ctx, input, endpoints: OAuthEndpoints) => {
    if (!endpoints.requestConsumerKey)
      throw new AppError(
        ErrorCode.NOT_SUPPORTED,
        `${ctx.node.id}: rootservices advertises no oauthRequestConsumerKeyUrl`,
        { node: ctx.node.id },
      );
    return requestConsumerKey(ctx, endpoints.requestConsumerKey, input);
  },
  registerHandoff: (ctx, input) => ({
    action: 'register',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN),
    steps: [`Open ${joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN)}, click Register Consumer, and enter the fields below.`],
    fields: { name: input.name, key: input.key, trusted: input.trusted },
    source: 'Jazz Team Server admin, Consumers (Inbound)',
  }),
  remove: null,
  // [G] Jazz has no documented per-node registry refresh; a form login to each node (j_security_check)
  // is what admins do by hand. We log in the same way.
  refresh: async (ctx, admin) => {
    const res = await ctx.http.request({
      node: ctx.node.id,
      method: 'POST',
      url: joinUrl(ctx.node.url, 'j_security_check'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `j_username=${encodeURIComponent(admin.user)}&j_password=${encodeURIComponent(admin.password)}`,
    });
    const failed =
      /authfailed/i.test(res.headers.location ?? '') ||
      /authfailed/i.test(res.headers['x-com-ibm-team-repository-web-auth-msg'] ?? '');
    if (failed || res.status === 401 || res.status === 403)
      throw new AppError(ErrorCode.AUTH_FAILED, `${ctx.node.id}: the form login as "${admin.user}" failed`, {
        node: ctx.node.id,
      });
    if (res.status >= 400) expectData(res, ctx.node.id, 'text', [200, 302]);
  },
  refreshUnsupported: null,
};

export const ADAPTERS: Record<ClusterKind, ProviderAdapter> = { sandbox, lyo, clearquest, jazz };

export function adapterFor(kind: ClusterKind): ProviderAdapter {
  return ADAPTERS[kind];
}
