/**
 * Jazz Team Server's dialect ([D]/[G] as in PROVIDERS.md, "Jazz Team Server" and "Dialects"):
 *
 *   GET  /jts/rootservices                     no login; every jfs:oauth* property [D]
 *   POST /jts/oauth-request-token, GET|POST /jts/oauth-authorize, POST /jts/oauth-access-token  [D paths]
 *   POST /jts/oauth-request-consumer           JSON {name, secret, trusted, secretType} → {key} [D]
 *   POST /jts/oauth-expire-token               signed with the access token; forgets it [G]
 *   GET  /jts/authenticated/identity           → 302 → 200 with X-com-ibm-team-repository-web-auth-msg:
 *                                              authrequired and JazzFormAuth=Form [D]
 *   POST /jts/j_security_check                 j_username, j_password → LtpaToken2 / JAZZ_AUTH_TOKEN;
 *                                              failure: authfailed [D]
 *   GET  /jts/admin                            Consumers (Inbound) page [D sections; G markup]
 *   GET  /jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth?key=<key>  the approval link [D]
 *   POST /jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth  approve/reject, register [G]
 *   GET  /jts/oslc/catalog                     a protected resource; CRJZS0360I without login [G path]
 *
 * REST calls carry `X-Jazz-CSRF-Prevent` = the JSESSIONID value [D ELM-Python-Client].
 */
import { randomBytes } from 'node:crypto';
import { catalogDocument, page } from '../documents.ts';
import { addCookie, escapeHtml, escapeXml, HttpError, send, sendHtml, sendJson, seeOther } from '../http-util.ts';
import type { Consumer } from '../node-memory.ts';
import { isAdmin, type NodeRequest, type Route } from '../node-context.ts';
import { accessToken, authorizeDecision, authorizeForm, requestKey, requestToken } from '../oauth-endpoints.ts';
import type { OAuthRejection } from '../oauth-checks.ts';
import type { Dialect } from './types.ts';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const DC = 'http://purl.org/dc/terms/';
const JFS = 'http://jazz.net/xmlns/prod/jazz/jfs/1.0/';
const OSLC_CM = 'http://open-services.net/xmlns/cm/1.0/';

export const JAZZ_APPROVAL_MODULE = '/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth';
export const JAZZ_AUTH_HEADER = 'X-com-ibm-team-repository-web-auth-msg';
/** [D] jazz.net library article 1242. */
export const CRJZS0033E = 'CRJZS0033E The consumer key is not valid and the consumer may not be registered.';
/** [D] the message id with 401 means user authorization is required; [G] the words after it. */
export const CRJZS0360I = 'CRJZS0360I User authorization is required to access this resource.';

function rootservices(ctx: NodeRequest): void {
  const o = ctx.node.publicOrigin();
  const res = (name: string, path: string) => `  <jfs:${name} rdf:resource="${escapeXml(`${o}${path}`)}"/>`;
  send(
    ctx.res,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>
<rdf:Description xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:jfs="${JFS}" xmlns:oslc_cm="${OSLC_CM}"
    rdf:about="${escapeXml(o)}/jts/rootservices">
  <dc:title>Jazz Team Server (sandbox dialect)</dc:title>
  <oslc_cm:cmServiceProviders rdf:resource="${escapeXml(`${o}/jts/oslc/catalog`)}"/>
  <jfs:oauthRealmName>Jazz</jfs:oauthRealmName>
  <jfs:oauthDomain>${escapeXml(`${o}/jts`)}</jfs:oauthDomain>
${res('oauthRequestTokenUrl', '/jts/oauth-request-token')}
${res('oauthUserAuthorizationUrl', '/jts/oauth-authorize')}
${res('oauthAccessTokenUrl', '/jts/oauth-access-token')}
${res('oauthRequestConsumerKeyUrl', '/jts/oauth-request-consumer')}
${res('oauthApprovalModuleUrl', JAZZ_APPROVAL_MODULE)}
${res('oauthExpireTokenUrl', '/jts/oauth-expire-token')}
</rdf:Description>
`,
    'application/rdf+xml; charset=utf-8',
  );
}

/* ------------------------------------------------------------------------ form login */

function loginPage(ctx: NodeRequest, failed: boolean): string {
  return page(
    'Jazz Team Server login',
    ctx.node.id,
    `${failed ? '<p role="alert" data-testid="login-message">The user ID or password is not correct.</p>\n' : ''}<form name="login" data-testid="jazz-login-form" method="post" action="/jts/j_security_check">
  <label>User ID <input name="j_username" data-testid="jazz-login-id" autocomplete="username"></label>
  <label>Password <input type="password" name="j_password" data-testid="jazz-login-password" autocomplete="current-password"></label>
  <button type="submit" data-testid="jazz-login">Log in</button>
</form>`,
    'jazz-login-page',
  );
}

/** The form-login challenge [D]: 200, `authrequired` in the header, `JazzFormAuth=Form`. */
function challenge(ctx: NodeRequest, failed = false): void {
  // [G] As WebSphere/Liberty form login does (its WASReqURL), the page asked for is remembered, and
  // a successful login returns there: the admin who opened the approval link lands on it again.
  const asked = ctx.req.url ?? '';
  if (ctx.req.method === 'GET' && asked.startsWith('/jts/') && !asked.startsWith('/jts/auth/'))
    ctx.session.returnTo = asked;
  addCookie(ctx.res, 'JazzFormAuth=Form; Path=/jts');
  sendHtml(ctx.res, 200, loginPage(ctx, failed), { [JAZZ_AUTH_HEADER]: failed ? 'authfailed' : 'authrequired' });
}

function identity(ctx: NodeRequest): void {
  if (!ctx.session.admin) {
    ctx.session.returnTo = '/jts/authenticated/identity';
    ctx.redirect('/jts/auth/authrequired');
    return;
  }
  sendJson(ctx.res, 200, { userId: ctx.node.admin.user, roles: ['JazzAdmins'] });
}

/**
 * `j_security_check` [D]. [G] A login reloads this node's consumer registry: the documented
 * "log in to each node" (seed swg21643365) is how an admin makes a node see a newly approved key.
 */
async function securityCheck(ctx: NodeRequest): Promise<void> {
  if (!isAdmin(ctx.node.admin, await ctx.formField('j_username'), await ctx.formField('j_password'))) {
    ctx.res.setHeader(JAZZ_AUTH_HEADER, 'authfailed');
    ctx.redirect('/jts/auth/authfailed');
    return;
  }
  ctx.session.admin = true;
  await ctx.node.reloadRegistry(ctx.memory);
  const token = randomBytes(18).toString('base64url');
  addCookie(ctx.res, `LtpaToken2=${token}; Path=/; HttpOnly`);
  addCookie(ctx.res, `JAZZ_AUTH_TOKEN=${token}; Path=/jts; HttpOnly`);
  const back = ctx.session.returnTo;
  delete ctx.session.returnTo;
  ctx.redirect(back ?? '/jts/authenticated/identity');
}

/** `X-Jazz-CSRF-Prevent` must carry this node's JSESSIONID value [D]. */
function requireCsrf(ctx: NodeRequest): void {
  if (ctx.req.headers['x-jazz-csrf-prevent'] !== ctx.session.id) {
    // [G] the status and words of Jazz's refusal are not public; the header itself is [D].
    throw new HttpError(
      403,
      `The request is missing the X-Jazz-CSRF-Prevent header, or it does not match the JSESSIONID of this session on ${ctx.node.id}.`,
    );
  }
}

/* ------------------------------------------------------------------------ Consumers (Inbound) */

function consumersPage(ctx: NodeRequest, focusKey: string | null, message?: string): string {
  const provisional = [...ctx.memory.provisional.values()].filter((c) => focusKey === null || c.key === focusKey);
  const authorized = [...ctx.memory.registry.values()];
  const row = (c: Consumer) => `<tr data-testid="provisional-row" data-key="${escapeHtml(c.key)}">
  <td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td>${c.trusted ? 'yes' : 'no'}</td>
  <td><form class="rest" method="post" action="${JAZZ_APPROVAL_MODULE}">
    <input type="hidden" name="key" value="${escapeHtml(c.key)}">
    <button type="submit" name="decision" value="approve" data-testid="approve">Approve</button>
    <button type="submit" name="decision" value="reject" data-testid="reject">Reject</button>
  </form></td></tr>`;
  return page(
    'Consumers (Inbound)',
    ctx.node.id,
    `${message ? `<p role="status" data-testid="jazz-admin-message">${escapeHtml(message)}</p>\n` : ''}<script>
var jazzCsrf = ${JSON.stringify(ctx.session.id).replace(/</g, '\\u003c')};
</script>
<h2>Provisional Keys</h2>
<table data-testid="provisional-keys"><tbody>
${provisional.map(row).join('\n')}
</tbody></table>
<h2>Register Consumer</h2>
<form class="rest" method="post" action="${JAZZ_APPROVAL_MODULE}" data-testid="register-form">
  <input type="hidden" name="decision" value="register">
  <label>Consumer Name <input name="name" data-testid="register-name"></label>
  <label>Consumer Key (optional) <input name="key" data-testid="register-key"></label>
  <label>Consumer Secret <input type="password" name="secret" data-testid="register-secret"></label>
  <label>Re-type Consumer Secret <input type="password" name="secret2" data-testid="register-secret2"></label>
  <label><input type="checkbox" name="trusted" value="true" data-testid="register-trusted"> Trusted</label>
  <button type="submit" data-testid="register-submit">Register</button>
</form>
<h2>Authorized Keys</h2>
<table data-testid="authorized-keys"><tbody>
${authorized.map((c) => `<tr data-testid="authorized-row" data-key="${escapeHtml(c.key)}"><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td>${c.trusted ? 'yes' : 'no'}</td></tr>`).join('\n')}
</tbody></table>
<p data-testid="jazz-result" role="status"></p>
<script>
// The page's REST calls carry X-Jazz-CSRF-Prevent, as the Jazz web UI's do.
document.querySelectorAll('form.rest').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    fetch(form.action, { method: 'POST', credentials: 'same-origin',
      headers: { 'X-Jazz-CSRF-Prevent': jazzCsrf, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: data.toString() }).then(function (r) { return r.text().then(function (t) {
        document.querySelector('[data-testid="jazz-result"]').textContent = 'HTTP ' + r.status + ': ' + t; }); });
  });
});
</script>`,
    'jazz-consumers-page',
  );
}

function adminPage(ctx: NodeRequest): void {
  if (!ctx.session.admin) {
    challenge(ctx);
    return;
  }
  sendHtml(ctx.res, 200, consumersPage(ctx, null));
}

/** The approval link `{oauthApprovalModuleUrl}?key=<key>` [D]: that one key's row, or CRJZS0033E. */
function approvalModule(ctx: NodeRequest): void {
  if (!ctx.session.admin) {
    challenge(ctx);
    return;
  }
  const key = ctx.query.get('key');
  if (key === null) {
    sendHtml(ctx.res, 200, consumersPage(ctx, null));
    return;
  }
  if (!ctx.memory.provisional.has(key)) {
    sendHtml(
      ctx.res,
      404,
      consumersPage(ctx, key, `${CRJZS0033E} (${key} is not a provisional key on ${ctx.node.id})`),
    );
    return;
  }
  sendHtml(ctx.res, 200, consumersPage(ctx, key));
}

/** [G] the REST call behind Approve / Reject / Register: form `decision`, `key`, … with the CSRF header. */
async function approvalAction(ctx: NodeRequest): Promise<void> {
  if (!ctx.session.admin) {
    throw new HttpError(401, CRJZS0360I, { headers: { [JAZZ_AUTH_HEADER]: 'authrequired' } });
  }
  requireCsrf(ctx);
  const decision = await ctx.formField('decision');
  const key = ((await ctx.formField('key')) ?? '').trim();
  if (decision === 'approve' || decision === 'reject') {
    const provisional = ctx.memory.provisional.get(key);
    if (!provisional) throw new HttpError(404, `${CRJZS0033E} (${key} is not a provisional key on ${ctx.node.id})`);
    ctx.memory.provisional.delete(key);
    if (decision === 'approve') {
      await ctx.node.repository.put(provisional);
      ctx.memory.registry.set(key, provisional);
    }
    sendJson(ctx.res, 200, { key, approved: decision === 'approve' });
    return;
  }
  if (decision === 'register') {
    const name = ((await ctx.formField('name')) ?? '').trim();
    const secret = (await ctx.formField('secret')) ?? '';
    if (!name || !secret) throw new HttpError(400, 'Consumer Name and Consumer Secret are required.');
    if (secret !== (await ctx.formField('secret2'))) throw new HttpError(400, 'The two secrets do not match.');
    const chosen = key || randomBytes(16).toString('hex');
    if (ctx.memory.registry.has(chosen) || ctx.node.repository.has(chosen)) {
      throw new HttpError(409, `The consumer key ${chosen} exists already.`);
    }
    const consumer: Consumer = { key: chosen, name, secret, trusted: (await ctx.formField('trusted')) === 'true' };
    await ctx.node.repository.put(consumer);
    ctx.memory.registry.set(chosen, consumer);
    sendJson(ctx.res, 200, { key: chosen, approved: true });
    return;
  }
  throw new HttpError(400, 'form field "decision" must be approve, reject or register');
}

async function expireToken(ctx: NodeRequest): Promise<void> {
  const verified = await ctx.verifySigned('protectedResource');
  if (verified.accessToken) ctx.memory.accessTokens.delete(verified.accessToken.token);
  ctx.noContent();
}

async function catalog(ctx: NodeRequest): Promise<void> {
  if (!ctx.req.headers.authorization && !ctx.session.admin) {
    throw new HttpError(401, CRJZS0360I, {
      headers: { 'WWW-Authenticate': 'OAuth realm="Jazz"', [JAZZ_AUTH_HEADER]: 'authrequired' },
    });
  }
  if (ctx.req.headers.authorization) await ctx.verifySigned('protectedResource');
  send(
    ctx.res,
    200,
    catalogDocument(ctx.node.publicOrigin(), ctx.node.repo, ctx.node.db),
    'application/rdf+xml; charset=utf-8',
  );
}

/**
 * Refusals: an unknown key (or a token this node does not hold) → 401 with CRJZS0033E [D text; G status
 * and header]; a provisional key → `consumer_key_refused` [G]; the rest in the Problem Reporting vocabulary.
 */
function sendProblem(ctx: NodeRequest, rejection: OAuthRejection): void {
  if (rejection.problem === 'consumer_key_unknown') {
    send(ctx.res, 401, `${CRJZS0033E}\n`, 'text/plain; charset=utf-8', { 'WWW-Authenticate': 'OAuth realm="Jazz"' });
    return;
  }
  send(ctx.res, rejection.status, rejection.formBody(), 'application/x-www-form-urlencoded', {
    'WWW-Authenticate': `OAuth realm="Jazz", oauth_problem="${rejection.problem}"`,
  });
}

const routes: Route[] = [
  { pattern: /^\/$/, methods: { GET: (ctx) => seeOther(ctx.res, '/jts/rootservices') } },
  { pattern: /^\/jts\/rootservices$/, methods: { GET: rootservices } },
  { pattern: /^\/jts\/oauth-request-token$/, methods: { GET: requestToken, POST: requestToken } },
  { pattern: /^\/jts\/oauth-authorize$/, methods: { GET: authorizeForm, POST: authorizeDecision } },
  { pattern: /^\/jts\/oauth-access-token$/, methods: { GET: accessToken, POST: accessToken } },
  { pattern: /^\/jts\/oauth-request-consumer$/, methods: { POST: requestKey } },
  { pattern: /^\/jts\/oauth-expire-token$/, methods: { POST: expireToken } },
  { pattern: /^\/jts\/authenticated\/identity$/, methods: { GET: identity } },
  { pattern: /^\/jts\/auth\/authrequired$/, methods: { GET: (ctx) => challenge(ctx) } },
  { pattern: /^\/jts\/auth\/authfailed$/, methods: { GET: (ctx) => challenge(ctx, true) } },
  { pattern: /^\/jts\/j_security_check$/, methods: { POST: securityCheck } },
  { pattern: /^\/jts\/admin$/, methods: { GET: adminPage } },
  {
    pattern: /^\/jts\/_ajax-modules\/com\.ibm\.team\.repository\.AuthorizeOAuth$/,
    methods: { GET: approvalModule, POST: approvalAction },
  },
  { pattern: /^\/jts\/oslc\/catalog$/, methods: { GET: catalog } },
];

export const jazzDialect: Dialect = {
  name: 'jazz',
  routes,
  acceptsProvisionalAtRequestToken: false, // [G]
  sendProblem,
  requestKeyPath: () => '/jts/oauth-request-consumer',
};
