/**
 * The OAuth 1.0a endpoints of one node (Eclipse Lyo paths): requestKey, requestToken, authorize,
 * accessToken, and the protected OSLC catalog. Every token and key lives in this node's memory only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { authorizeErrorPage, authorizePage, catalogDocument, verifierPage } from './documents.ts';
import { HttpError, parseJsonObject, send, sendHtml, sendJson } from './http-util.ts';
import type { RequestToken } from './node-memory.ts';
import { isAdmin, type NodeRequest, type Route } from './node-context.ts';
import { isRequestTokenExpired, OAuthRejection } from './oauth-checks.ts';

const MAX_NAME = 256;
const MAX_SECRET = 1024;

function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * `POST /oauth/requestKey` JSON `{name, secret, trusted?, key?}`: a new provisional consumer, in this
 * node's memory only (the seed "provisional key can only be authorized from a single server").
 * `key` is optional, as ClearQuest's Register Consumer form lets the admin type the consumer's own key
 * (the remedy when a provisional key was lost); a key the repository or this node knows is a 409.
 */
export async function requestKey(ctx: NodeRequest): Promise<void> {
  const json = parseJsonObject(await ctx.body());
  const { secret, trusted } = json;
  // Only ClearQuest's Register Consumer form (and the mixed sandbox) take a chosen key. Lyo's requestKey
  // always makes a UUID ([D] OAuthService.provisionalKey); Jazz's oauth-request-consumer is [G] alike.
  const dialect = ctx.node.dialect.name;
  const chosen = dialect === 'sandbox' || dialect === 'clearquest' ? json.key : undefined;
  // [D] Lyo names a consumer that sent no name after the remote host.
  const name =
    dialect === 'lyo' && (json.name === undefined || json.name === null || json.name === '')
      ? (ctx.req.socket.remoteAddress ?? 'unknown host')
      : json.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new HttpError(400, 'field "name" is required: a non-empty string naming the consumer');
  }
  if (typeof secret !== 'string' || secret === '') {
    throw new HttpError(400, 'field "secret" is required: a non-empty string');
  }
  if (name.length > MAX_NAME) throw new HttpError(400, `field "name" is too long: at most ${MAX_NAME} characters`);
  if (secret.length > MAX_SECRET)
    throw new HttpError(400, `field "secret" is too long: at most ${MAX_SECRET} characters`);
  if (trusted !== undefined && typeof trusted !== 'boolean') {
    throw new HttpError(400, 'field "trusted" must be true or false when given');
  }
  // A key with whitespace or control characters is refused on purpose.
  // eslint-disable-next-line no-control-regex
  const badKeyCharacters = /[\s\u0000-\u001f]/;
  if (
    chosen !== undefined &&
    (typeof chosen !== 'string' || chosen.trim() === '' || chosen.length > MAX_NAME || badKeyCharacters.test(chosen))
  ) {
    throw new HttpError(
      400,
      `field "key" must be a non-empty string of at most ${MAX_NAME} characters without spaces when given`,
    );
  }
  if (
    typeof chosen === 'string' &&
    (ctx.memory.provisional.has(chosen) || ctx.memory.registry.has(chosen) || ctx.node.repository.has(chosen))
  ) {
    throw new HttpError(409, `consumer key "${chosen}" exists already`);
  }
  const key = typeof chosen === 'string' ? chosen : randomUUID();
  ctx.memory.provisional.set(key, { key, name: name.trim(), secret, trusted: trusted ?? false });
  sendJson(ctx.res, 200, { key });
}

function isAcceptableCallback(callback: string): boolean {
  if (callback === 'oob') return true; // §2.1: out-of-band
  try {
    const url = new URL(callback);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `POST /oauth/requestToken` (GET too, as Lyo). @see RFC 5849 §2.1 */
export async function requestToken(ctx: NodeRequest): Promise<void> {
  const verified = await ctx.verifySigned('requestToken');
  const callback = verified.oauth.get('oauth_callback') ?? '';
  if (!isAcceptableCallback(callback)) {
    throw new OAuthRejection('parameter_rejected', [
      ['oauth_parameters_rejected', 'oauth_callback'],
      ['oauth_problem_advice', 'oauth_callback must be an absolute http(s) URL or "oob"'],
    ]);
  }
  const token: RequestToken = {
    token: randomToken(),
    secret: randomToken(),
    consumerKey: verified.consumer.key,
    callback,
    issuedAtMs: ctx.nowMs,
    state: 'pending',
    verifier: null,
  };
  ctx.memory.requestTokens.set(token.token, token);
  ctx.sendForm(200, [
    ['oauth_token', token.token],
    ['oauth_token_secret', token.secret],
    ['oauth_callback_confirmed', 'true'],
  ]);
}

/**
 * The request token an authorize page may act on, or a 400 page that says plainly why not
 * (IBM Connections Cloud: "If the token is not found or was already verified, an error message is shown").
 */
function authorizableToken(ctx: NodeRequest, tokenValue: string | undefined | null): RequestToken {
  const fail = (problem: 'token_rejected' | 'token_expired', why: string) =>
    new HttpError(400, authorizeErrorPage(ctx.node.id, problem, why), { contentType: 'text/html; charset=utf-8' });
  if (!tokenValue) throw fail('token_rejected', 'The request is missing the oauth_token parameter.');
  const token = ctx.memory.requestTokens.get(tokenValue);
  if (!token) {
    throw fail(
      'token_rejected',
      `The request token is not known on ${ctx.node.id}: it was issued by another node, or this node was restarted since.`,
    );
  }
  if (token.state !== 'pending') {
    throw fail('token_rejected', `The request token was already verified (${token.state}); it cannot be used again.`);
  }
  if (isRequestTokenExpired(token, ctx.nowMs)) {
    throw fail(
      'token_expired',
      'The request token has expired: request tokens are valid for 10 minutes after they are issued.',
    );
  }
  return token;
}

function consumerName(ctx: NodeRequest, token: RequestToken): string {
  return ctx.memory.registry.get(token.consumerKey)?.name ?? token.consumerKey;
}

/** `GET /oauth/authorize?oauth_token=…`: login and Allow/Deny. @see RFC 5849 §2.2 */
export function authorizeForm(ctx: NodeRequest): void {
  const token = authorizableToken(ctx, ctx.query.get('oauth_token'));
  sendHtml(
    ctx.res,
    200,
    authorizePage({
      nodeId: ctx.node.id,
      token: token.token,
      consumerName: consumerName(ctx, token),
      action: ctx.path,
      style: ctx.node.dialect.name === 'clearquest' ? 'clearquest' : 'sandbox',
      callback: token.callback,
    }),
  );
}

/**
 * The user's choice: `decision=allow|deny` (sandbox, Lyo, Jazz [G]), or ClearQuest's `Authorize=Continue`
 * ([D] lyo.testsuite cq-setupv2.properties); `Authorize=Cancel` as its Deny is [G].
 */
async function decisionOf(ctx: NodeRequest): Promise<string | undefined> {
  const decision = await ctx.formField('decision');
  if (decision !== undefined) return decision;
  const authorize = await ctx.formField('Authorize');
  if (authorize === 'Continue') return 'allow';
  if (authorize === 'Cancel') return 'deny';
  return undefined;
}

/** The callback with our parameters appended to whatever query it already has. */
function callbackWith(callback: string, params: [string, string][]): string {
  const url = new URL(callback);
  for (const [k, v] of params) url.searchParams.append(k, v);
  return url.toString();
}

/**
 * `POST /oauth/authorize` with `oauth_token`, `decision`, and for Allow the login `id`/`password`.
 * Deny needs no login: refusing access is always allowed. A bad login leaves the token usable.
 */
export async function authorizeDecision(ctx: NodeRequest): Promise<void> {
  const token = authorizableToken(ctx, await ctx.formField('oauth_token'));
  const decision = await decisionOf(ctx);
  if (decision === 'deny') {
    token.state = 'denied';
    // IBM Connections Cloud: an empty verifier and oauth_error=oauth_denied.
    if (token.callback === 'oob') {
      sendHtml(ctx.res, 200, authorizeErrorPage(ctx.node.id, 'token_rejected', 'Access was denied.'));
      return;
    }
    ctx.redirect(
      callbackWith(token.callback, [
        ['oauth_token', token.token],
        ['oauth_verifier', ''],
        ['oauth_error', 'oauth_denied'],
      ]),
    );
    return;
  }
  if (decision !== 'allow') {
    throw new HttpError(
      400,
      ctx.node.dialect.name === 'clearquest'
        ? 'form field "Authorize" must be "Continue" or "Cancel"'
        : 'form field "decision" must be "allow" or "deny"',
    );
  }
  if (!isAdmin(ctx.node.admin, await ctx.formField('id'), await ctx.formField('password'))) {
    sendHtml(
      ctx.res,
      401,
      authorizePage({
        nodeId: ctx.node.id,
        token: token.token,
        consumerName: consumerName(ctx, token),
        message: 'Wrong user ID or password. Try again.',
        action: ctx.path,
        style: ctx.node.dialect.name === 'clearquest' ? 'clearquest' : 'sandbox',
        callback: token.callback,
      }),
    );
    return;
  }
  token.state = 'authorized';
  token.verifier = randomToken(12);
  if (token.callback === 'oob') {
    sendHtml(ctx.res, 200, verifierPage(ctx.node.id, token.verifier));
    return;
  }
  ctx.redirect(
    callbackWith(token.callback, [
      ['oauth_token', token.token],
      ['oauth_verifier', token.verifier],
    ]),
  );
}

/** `POST /oauth/accessToken`: exchanges an authorized request token once. @see RFC 5849 §2.3 */
export async function accessToken(ctx: NodeRequest): Promise<void> {
  const verified = await ctx.verifySigned('accessToken');
  const request = verified.requestToken;
  if (!request) throw new Error('verifySigned returned no request token for accessToken');
  request.state = 'used';
  const token = {
    token: randomToken(),
    secret: randomToken(),
    consumerKey: request.consumerKey,
    user: ctx.node.admin.user,
  };
  ctx.memory.accessTokens.set(token.token, token);
  ctx.sendForm(200, [
    ['oauth_token', token.token],
    ['oauth_token_secret', token.secret],
  ]);
}

/** `GET /oslc/catalog`, signed with an access token. @see RFC 5849 §3 */
export async function catalog(ctx: NodeRequest): Promise<void> {
  await ctx.verifySigned('protectedResource');
  send(
    ctx.res,
    200,
    catalogDocument(ctx.node.publicOrigin(), ctx.node.repo, ctx.node.db),
    'application/rdf+xml; charset=utf-8',
  );
}

export const oauthRoutes: Route[] = [
  { pattern: /^\/oauth\/requestKey$/, methods: { POST: requestKey } },
  { pattern: /^\/oauth\/requestToken$/, methods: { GET: requestToken, POST: requestToken } },
  { pattern: /^\/oauth\/authorize$/, methods: { GET: authorizeForm, POST: authorizeDecision } },
  { pattern: /^\/oauth\/accessToken$/, methods: { GET: accessToken, POST: accessToken } },
  { pattern: /^\/oslc\/catalog$/, methods: { GET: catalog } },
];
