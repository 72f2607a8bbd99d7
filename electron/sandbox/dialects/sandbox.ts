/** Today's mixed dialect (the default): Lyo's admin API, ClearQuest's refresh, Jazz-style rootservices. */
import { adminRoutes } from '../admin-endpoints.ts';
import { clearquestRoutes } from '../clearquest-endpoints.ts';
import { oauthRoutes } from '../oauth-endpoints.ts';
import type { Dialect } from './types.ts';

export const sandboxDialect: Dialect = {
  name: 'sandbox',
  routes: [...clearquestRoutes, ...oauthRoutes, ...adminRoutes],
  acceptsProvisionalAtRequestToken: false,
  sendProblem: (ctx, rejection) => ctx.sendOAuthProblem(rejection),
  requestKeyPath: () => '/oauth/requestKey',
};
