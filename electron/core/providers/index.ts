/**
 * Provider kinds as presets of capability adapters. Every behaviour that rests on an uncertain fact
 * of ../shared/PROVIDERS.md is marked [G] here and in the README's provider table.
 */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import type { ClusterKind } from '../../../shared/model.ts';
import { expectActionDone, expectData } from '../http/client.ts';
import {
  joinUrl,
  mapEndpoints,
  readOAuthConfiguration,
  readOAuthEndpoints,
  readRdfProperty,
  tryReadOAuthEndpoints,
} from './discovery.ts';
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
  const advertised = { ...readOAuthEndpoints(response.body, url, ctx.node.id), source: 'discovery' as const };
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
  expectActionDone(res, ctx.node.id, [200, 204]);
  return 'approved';
};

const removeWithLyoApi: ProviderAdapter['remove'] = async (ctx, admin, key) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  const res = await session.remove(key);
  if (res.status === 404) return 'not-found';
  expectActionDone(res, ctx.node.id, [200, 204]);
  return 'removed';
};

/**
 * Asks a node for a new consumer key ([D] Lyo `POST /oauth/requestKey`, Jazz
 * `oauthRequestConsumerKeyUrl`, JSON `{name, secret, trusted}` → `{key}`). A chosen key is sent as
 * `key`; the sandbox honours it, like ClearQuest's Register Consumer form. Lyo ignores it ([D]
 * OAuthService.provisionalKey always makes a UUID); [G] Jazz does too.
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
  requestTokenRefusesProvisional: true,
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
        source: 'fixed-paths',
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
  // [D] oauth-consumer-store: the store is read once at start (never a source marker in a message: it reaches the screen).
  refreshUnsupported:
    "Eclipse Lyo's consumer store is loaded once when the server starts: a running node cannot be refreshed, so every key was verified on every node instead. A node that lacks a key picks it up only when it is restarted.",
  // [D] Lyo's requestToken checks only that the key exists (OAuthRequest.java): a 200 does not mean approved.
  requestTokenRefusesProvisional: false,
};

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
const clearquest: ProviderAdapter = {
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

const JAZZ_OAUTH_ADMIN = 'admin#action=com.ibm.team.repository.admin.configureOAuth';
const JAZZ_APPROVAL_MODULE = '_ajax-modules/com.ibm.team.repository.AuthorizeOAuth';
const JAZZ_AUTH_MSG = 'x-com-ibm-team-repository-web-auth-msg';

/** Cookies of one short exchange, as a `Cookie` header. */
function cookieHeader(jar: Map<string, string>, res: { setCookies: string[] }): string {
  for (const c of res.setCookies) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
    if (m) jar.set(m[1]!, m[2]!);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * Jazz form login on one node ([D] dixudx/rtcclient client.py, IBM/ELM-Python-Client httpops.py):
 * `GET {ctx}/authenticated/identity` → `authrequired` + `JazzFormAuth=Form`; `POST {ctx}/j_security_check`
 * → `LtpaToken2`/`JAZZ_AUTH_TOKEN`, or `authfailed` in the header or a redirect to `/auth/authfailed`.
 * A server behind the Jazz Authorization Server answers `X-JSA-AUTHORIZATION-REDIRECT` instead: said, not followed.
 */
async function jazzFormLogin(ctx: NodeContext, admin: AdminCredentials, onReloaded?: () => void): Promise<void> {
  const jar = new Map<string, string>();
  const identityUrl = joinUrl(ctx.node.url, 'authenticated/identity');
  let res = await ctx.http.request({ node: ctx.node.id, method: 'GET', url: identityUrl });
  let cookie = cookieHeader(jar, res);
  if (res.headers['x-jsa-authorization-redirect']) {
    throw new AppError(
      ErrorCode.NOT_SUPPORTED,
      `${ctx.node.id} sits behind the Jazz Authorization Server (X-JSA-AUTHORIZATION-REDIRECT): log in to this node in a browser instead`,
      { node: ctx.node.id },
    );
  }
  // Follow the redirects to the login challenge (a few hops at most, on this node only).
  for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400 && res.headers.location; hops++) {
    const next = new URL(res.headers.location, identityUrl);
    if (next.origin !== new URL(ctx.node.url).origin) break;
    res = await ctx.http.request({ node: ctx.node.id, method: 'GET', url: next.href, headers: { cookie } });
    cookie = cookieHeader(jar, res);
  }
  const login = await ctx.http.request({
    node: ctx.node.id,
    method: 'POST',
    url: joinUrl(ctx.node.url, 'j_security_check'),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: `j_username=${encodeURIComponent(admin.user)}&j_password=${encodeURIComponent(admin.password)}`,
  });
  const failed =
    /authfailed/i.test(login.headers.location ?? '') || /authfailed/i.test(login.headers[JAZZ_AUTH_MSG] ?? '');
  if (failed || login.status === 401 || login.status === 403)
    throw new AppError(ErrorCode.AUTH_FAILED, `${ctx.node.id}: the form login as "${admin.user}" failed (authfailed)`, {
      node: ctx.node.id,
      details: { status: login.status },
    });
  if (login.status >= 400) expectData(login, ctx.node.id, 'text', [200, 302]);
  // Success sets the session token ([D] rtcclient, ELM-Python-Client); a 200 login page, or the
  // challenge (`authrequired`) again after the POST, means the login did not take: not a refresh.
  const token = login.setCookies.some((c) => /^\s*(?:LtpaToken2|JAZZ_AUTH_TOKEN)=[^;\s]/.test(c));
  if (!token) {
    const said = login.headers[JAZZ_AUTH_MSG] ?? '';
    const why = /authrequired/i.test(said)
      ? `the challenge again (${JAZZ_AUTH_MSG}: authrequired)`
      : `${login.status} without a session token (LtpaToken2 / JAZZ_AUTH_TOKEN)`;
    throw new AppError(
      ErrorCode.LOGIN_PAGE,
      `${ctx.node.id} answered the form login as "${admin.user}" with ${why}: it answered with a login page, so the node was not refreshed (a proxy or single sign-on in front of the node, or the wrong URL)`,
      {
        node: ctx.node.id,
        details: { status: login.status, signal: said ? `header ${JAZZ_AUTH_MSG}: ${said}` : 'no session token' },
      },
    );
  }
  onReloaded?.();
}

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
  // [D] the approval link is `{oauthApprovalModuleUrl}?key=<key>` (Lyo RootServicesHelper.java); the
  // module's path is the typical rootservices value (IBM ELM-Python-Client capture).
  approveHandoff: (ctx, key) => {
    const module = joinUrl(ctx.node.url, JAZZ_APPROVAL_MODULE);
    const link = key ? `${module}?key=${encodeURIComponent(key)}` : module;
    return {
      action: 'approve',
      node: ctx.node.id,
      adminUrl: link,
      steps: [
        `Open ${link} on this node itself (not the balancer) and log in as a JazzAdmin.`,
        `Approve the provisional key ${key} (Consumers (Inbound) → Provisional Keys).`,
        'Come back here and re-probe; then run sync so every node loads it.',
      ],
      source: 'Jazz Team Server: oauthApprovalModuleUrl?key= (Eclipse Lyo RootServicesHelper); Consumers (Inbound)',
    };
  },
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
  // [G] Jazz has no documented per-node registry refresh; a form login to each node is what admins do
  // by hand ("log in to each node"), so we log in the documented way ([D] rtcclient, ELM-Python-Client):
  // GET authenticated/identity (JazzFormAuth cookie, `authrequired`), then POST j_security_check.
  refresh: (ctx, admin, onReloaded) => jazzFormLogin(ctx, admin, onReloaded),
  refreshUnsupported: null,
  requestTokenRefusesProvisional: true, // [G]
};

export const ADAPTERS: Record<ClusterKind, ProviderAdapter> = { sandbox, lyo, clearquest, jazz };

export function adapterFor(kind: ClusterKind): ProviderAdapter {
  return ADAPTERS[kind];
}
