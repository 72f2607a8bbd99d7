/** The embedded sandbox's adapter: rootservices for discovery, the Lyo admin API, ClearQuest's refresh. */
import { joinUrl } from './discovery.ts';
import type { ProviderAdapter } from './types.ts';
import { discoverFrom } from './common.ts';
import {
  approveWithLyoApi,
  listWithLyoApi,
  lyoApproveHandoff,
  prepareLyoListing,
  registerWithLyoApi,
  removeWithLyoApi,
} from './lyo.ts';
import { refreshRepoConfig, cqRegisterHandoff } from './clearquest.ts';

/** The embedded sandbox: rootservices for discovery, the Lyo admin API, ClearQuest refresh. */
export const sandbox: ProviderAdapter = {
  kind: 'sandbox',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: listWithLyoApi,
  prepareListing: prepareLyoListing,
  approve: approveWithLyoApi,
  approveHandoff: lyoApproveHandoff('sandbox (Eclipse Lyo admin page)'),
  register: registerWithLyoApi,
  registerHandoff: (ctx, input) => cqRegisterHandoff(ctx, input),
  remove: removeWithLyoApi,
  refresh: (ctx, admin, onReloaded) => refreshRepoConfig(ctx, admin, joinUrl(ctx.node.url, 'cqweb'), onReloaded),
  refreshUnsupported: null,
  requestTokenRefusesProvisional: true,
};
