/** The embedded sandbox's adapter: rootservices for discovery, the Lyo admin API, ClearQuest's refresh. */
import { joinUrl } from './discovery.ts';
import type { ProviderAdapter } from './types.ts';
import { discoverFrom, requestConsumerKey } from './common.ts';
import { listWithLyoApi, prepareLyoListing, approveWithLyoApi, removeWithLyoApi, lyoApproveSteps } from './lyo.ts';
import { refreshRepoConfig, cqRegisterHandoff } from './clearquest.ts';

/** The embedded sandbox: rootservices for discovery, the Lyo admin API, ClearQuest refresh. */
export const sandbox: ProviderAdapter = {
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
