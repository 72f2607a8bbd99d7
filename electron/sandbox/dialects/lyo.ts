/**
 * Eclipse Lyo's OAuth webapp dialect ([D]/[I] as in PROVIDERS.md, "Eclipse Lyo" and "Dialects"):
 * `/oauth/requestToken|authorize|accessToken`, `POST /oauth/requestKey`, `GET /oauth/approveKey?key=`,
 * `POST /oauth/login` and `/oauth/adminLogin` (CSRF), `GET /oauth/consumers`, `POST|DELETE
 * /oauth/consumers/{key}` (admin + CSRF). Its error names: `consumer_key_rejected` for an unknown key
 * [D OAuthRequest.java]; `requestToken` does not refuse a provisional consumer (OAuthRequest checks only
 * that the key exists; read in eclipse-lyo/lyo server/oauth-core and oauth-webapp OAuthService). No
 * refresh: the consumer store is loaded once at start, so only a restart reloads it [D].
 * `POST /oauth/login` (the authorize page's XHR) and `/oauth/adminLogin` answer 204, or 409 with
 * "Incorrect username or password." [D OAuthService.java]; both check CSRF [D].
 */
import { adminLogin, adminPageRoute, deleteConsumer, listConsumers, updateConsumer } from '../admin-endpoints.ts';
import { HttpError, send } from '../http-util.ts';
import type { NodeRequest } from '../node-context.ts';
import { OAuthRejection } from '../oauth-checks.ts';
import {
  accessToken,
  authorizeDecision,
  authorizeForm,
  catalog,
  requestKey,
  requestToken,
} from '../oauth-endpoints.ts';
import type { Dialect } from './types.ts';

/** `GET /oauth/approveKey?key=` [D]: 400 for a key this node does not hold provisionally; else the admin page. */
function approveKey(ctx: NodeRequest): void {
  const key = ctx.query.get('key');
  if (!key || !ctx.memory.provisional.has(key)) {
    throw new HttpError(400, `Unknown consumer key${key ? `: ${key}` : ''}.`);
  }
  adminPageRoute(ctx);
}

/**
 * `POST /oauth/login` [D]: 204, or 409 "Incorrect username or password." (the same account check as
 * adminLogin here: the sandbox has one account, an administrator).
 */
const login = adminLogin;

/**
 * A protected resource. Lyo's adapter credentials filter rewrites `token_rejected` to 401
 * `invalid_expired_token` "because Jazz requires" it [D AbstractAdapterCredentialsFilter.java].
 */
async function protectedCatalog(ctx: NodeRequest): Promise<void> {
  try {
    await catalog(ctx);
  } catch (e) {
    if (e instanceof OAuthRejection && e.problem === 'token_rejected') {
      send(ctx.res, 401, 'invalid_expired_token\n', 'text/plain; charset=utf-8', {
        'WWW-Authenticate': `OAuth realm="${ctx.node.url}", oauth_problem="token_rejected"`,
      });
      return;
    }
    throw e;
  }
}

function sendProblem(ctx: NodeRequest, rejection: OAuthRejection): void {
  // [D] Lyo rejects an unknown key with consumer_key_rejected, not consumer_key_unknown.
  const problem = rejection.problem === 'consumer_key_unknown' ? 'consumer_key_rejected' : rejection.problem;
  const extra = rejection.problem === 'consumer_key_unknown' ? [] : rejection.extra;
  const lyo = new OAuthRejection(problem, extra);
  send(ctx.res, rejection.status, lyo.formBody(), 'application/x-www-form-urlencoded', {
    'WWW-Authenticate': `OAuth realm="${ctx.node.url}", oauth_problem="${problem}"`,
  });
}

export const lyoDialect: Dialect = {
  name: 'lyo',
  acceptsProvisionalAtRequestToken: true,
  sendProblem,
  requestKeyPath: () => '/oauth/requestKey',
  routes: [
    { pattern: /^\/oauth\/requestKey$/, methods: { POST: requestKey } },
    { pattern: /^\/oauth\/requestToken$/, methods: { GET: requestToken, POST: requestToken } },
    { pattern: /^\/oauth\/authorize$/, methods: { GET: authorizeForm, POST: authorizeDecision } },
    { pattern: /^\/oauth\/accessToken$/, methods: { GET: accessToken, POST: accessToken } },
    { pattern: /^\/oauth\/approveKey$/, methods: { GET: approveKey } },
    { pattern: /^\/oauth\/admin$/, methods: { GET: adminPageRoute } },
    { pattern: /^\/oauth\/login$/, methods: { POST: login } },
    { pattern: /^\/oauth\/adminLogin$/, methods: { POST: adminLogin } },
    { pattern: /^\/oauth\/consumers$/, methods: { GET: listConsumers } },
    { pattern: /^\/oauth\/consumers\/([^/]+)$/, methods: { POST: updateConsumer, DELETE: deleteConsumer } },
    // [G] a protected OSLC resource; Lyo's webapp serves none of its own.
    { pattern: /^\/oslc\/catalog$/, methods: { GET: protectedCatalog } },
  ],
};
