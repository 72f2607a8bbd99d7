/** The Eclipse Lyo adapter, and its admin API that the sandbox speaks too. Uncertain facts are marked [G] (../shared/PROVIDERS.md). */
import { expectActionDone, expectData } from '../http/client.ts';
import { joinUrl } from './discovery.ts';
import { LyoAdminSession } from './lyo-admin.ts';
import type { AdminCredentials, NodeContext, ProviderAdapter } from './types.ts';
import { requestConsumerKey } from './common.ts';

const openLyoSession = (ctx: NodeContext, admin: AdminCredentials) =>
  LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);

/** An admin session the cache holds for this node, or a new one that it keeps (for later processes too). */
function lyoSession(ctx: NodeContext, admin: AdminCredentials): Promise<LyoAdminSession> {
  const cache = ctx.cache;
  if (!cache) return openLyoSession(ctx, admin);
  const held = heldSession(ctx, admin);
  if (held) return held;
  const opened = openLyoSession(ctx, admin);
  opened.then(
    (s) => cache.keepSession(ctx, admin, s.kept()),
    () => undefined,
  );
  return cache.rememberSession(ctx, admin, opened);
}

/** A session this process holds for the node, or one an earlier process kept (then held too). */
function heldSession(ctx: NodeContext, admin: AdminCredentials): Promise<LyoAdminSession> | null {
  return ctx.cache?.session<LyoAdminSession>(ctx, admin) ?? restoredSession(ctx, admin);
}

/** The session an earlier process kept for this node (admin-sessions.ts), held for this process too. */
function restoredSession(ctx: NodeContext, admin: AdminCredentials): Promise<LyoAdminSession> | null {
  const kept = ctx.cache?.keptSession(ctx, admin);
  if (!kept || !ctx.cache) return null;
  return ctx.cache.rememberSession(
    ctx,
    admin,
    Promise.resolve(LyoAdminSession.restore(ctx.http, ctx.node.id, ctx.node.url, kept)),
  );
}

export const listWithLyoApi: ProviderAdapter['listKeys'] = async (ctx, admin, seen) => {
  const cache = ctx.cache;
  const reused = heldSession(ctx, admin);
  if (cache && reused) {
    try {
      return await (await reused).listConsumers(seen);
    } catch {
      // The session may have ended (a restart, a timeout, a logout): log in again as if nothing were
      // kept. Only the sessions are forgotten: the node's discovery is not in question.
      cache.forgetSessions(ctx);
    }
  }
  const session = await lyoSession(ctx, admin);
  try {
    return await session.listConsumers(seen);
  } catch (e) {
    cache?.forget(ctx);
    throw e;
  }
};

export const prepareLyoListing: ProviderAdapter['prepareListing'] = (ctx, admin) => {
  // A failure here only means the listing opens its own session later; the cache forgets it itself.
  lyoSession(ctx, admin).catch(() => undefined);
};

/** `POST /oauth/consumers/{key}` `provisional=false` on this node: 404 means its memory does not hold the key. */
export const approveWithLyoApi: ProviderAdapter['approve'] = async (ctx, admin, key) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  const res = await session.approve(key);
  if (res.status === 404) return 'not-here';
  expectActionDone(res, ctx.node.id, [200, 204]);
  return 'approved';
};

export const removeWithLyoApi: ProviderAdapter['remove'] = async (ctx, admin, key) => {
  const session = await LyoAdminSession.open(ctx.http, ctx.node.id, ctx.node.url, admin);
  const res = await session.remove(key);
  if (res.status === 404) return 'not-found';
  expectActionDone(res, ctx.node.id, [200, 204]);
  return 'removed';
};

export const lyoApproveSteps = (key: string) => [
  `Open the node's OAuth administration page and log in as an administrator.`,
  `Approve the provisional consumer ${key}.`,
];

/** The hand-off to the node's own OAuth administration page, naming `source`. */
export const lyoApproveHandoff =
  (source: string): ProviderAdapter['approveHandoff'] =>
  (ctx, key) => ({
    action: 'approve',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, 'oauth/admin'),
    steps: lyoApproveSteps(key),
    source,
  });

/** `POST /oauth/requestKey` on the node itself. */
export const registerWithLyoApi: NonNullable<ProviderAdapter['register']> = (ctx, input) =>
  requestConsumerKey(ctx, joinUrl(ctx.node.url, 'oauth/requestKey'), input);

/**
 * Eclipse Lyo OAuth webapp: fixed `/oauth/*` paths below the node's URL ([D] oauth-webapp). Lyo has
 * no rootservices of its own; Lyo Designer adaptors put the paths under `{ctx}/services/`, which the
 * node URL then carries.
 */
export const lyo: ProviderAdapter = {
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
  approveHandoff: lyoApproveHandoff('Eclipse Lyo oauth-webapp'),
  register: registerWithLyoApi,
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
