/**
 * ClearQuest Web's dialect ([D]/[I]/[G] as in PROVIDERS.md, "ClearQuest Web" and "Dialects"):
 *
 *   GET    /cqweb/oslc/                                 unprotected root: the repository list [D]
 *   GET    /cqweb/oslc/repo/{repo}/discovery            the friend URL [D]; carries oslc:oauthConfiguration [G]
 *                                                       (other shapes as test variants: CLEARQUEST_DISCOVERY_VARIANTS)
 *   GET    /cqweb/oslc/repo/{repo}/db/{db}              a protected OSLC resource (401 challenge unsigned) [D]
 *   POST   /cqweb/oauth-request-token/{repo}            [D] lyo.testsuite cq-setupv2.properties
 *   GET|POST /cqweb/oauth-authorization/{repo}          id, password, oauth_callback, Authorize=Continue [D]
 *   POST   /cqweb/oauth-access-token/{repo}             [D]
 *   POST   /cqweb/oauth-request-consumer/{repo}         how a consumer gets a provisional key [G]
 *   GET    /cqweb/oslc/repo/{repo}/db/{db}/refreshRepoConfig  Basic [D swg21644559]
 *   DELETE /cqweb/oslc/session                          [D swg21644559]
 *   GET  /cqweb/                                     the node's login page (where a hand-off sends the admin)
 *   GET|POST /cqweb/admin/login, /cqweb/admin/oauth-consumers   OAuth Consumer Management [G paths; fields D]
 *
 * There is no consumer list API [D]: the admin page is server-rendered HTML with plain forms.
 */
import { catalogDocument, page } from '../documents.ts';
import { HttpError, escapeHtml, escapeXml, send, sendHtml, sendJson, seeOther } from '../http-util.ts';
import type { Consumer } from '../node-memory.ts';
import { decodeSegment, isAdmin, type NodeRequest } from '../node-context.ts';
import { endSession, refreshRepoConfig, requireKnownRepo } from '../clearquest-endpoints.ts';
import { accessToken, authorizeDecision, authorizeForm, requestKey, requestToken } from '../oauth-endpoints.ts';
import type { OAuthRejection } from '../oauth-checks.ts';
import type { Dialect } from './types.ts';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const DC = 'http://purl.org/dc/terms/';
const OSLC = 'http://open-services.net/ns/core#';
const JFS = 'http://jazz.net/xmlns/prod/jazz/jfs/1.0/';
const ADMIN_PAGE = '/cqweb/admin/oauth-consumers';

/** The OAuth paths of one repository ([D] lyo.testsuite cq-setupv2.properties). */
export function clearquestOAuthPaths(repo: string) {
  const r = encodeURIComponent(repo);
  return {
    requestToken: `/cqweb/oauth-request-token/${r}`,
    authorize: `/cqweb/oauth-authorization/${r}`,
    accessToken: `/cqweb/oauth-access-token/${r}`,
    // [G] not public: where a consumer asks for a provisional key.
    requestConsumerKey: `/cqweb/oauth-request-consumer/${r}`,
  };
}

function repoParam(ctx: NodeRequest, params: string[]): string {
  const repo = decodeSegment(params[0] ?? '', 'the repository name');
  requireKnownRepo(ctx, repo);
  return repo;
}

/** `GET /cqweb/oslc/` — the one unprotected resource [D]: the repositories, JSON with `rcm.contentType`. */
function root(ctx: NodeRequest): void {
  const origin = ctx.node.publicOrigin();
  const repos = [
    { title: ctx.node.repo, discovery: `${origin}/cqweb/oslc/repo/${encodeURIComponent(ctx.node.repo)}/discovery` },
  ];
  // [G] the JSON shape; [D] that the list needs no login.
  if (ctx.query.get('rcm.contentType') === 'application/json') {
    sendJson(ctx.res, 200, { repositories: repos });
    return;
  }
  send(
    ctx.res,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:oslc="${OSLC}">
${repos.map((r) => `  <oslc:ServiceProviderCatalog rdf:about="${escapeXml(r.discovery)}"><dc:title>${escapeXml(r.title)}</dc:title></oslc:ServiceProviderCatalog>`).join('\n')}
</rdf:RDF>
`,
    'application/rdf+xml; charset=utf-8',
  );
}

/**
 * TEST VARIANTS of the discovery document, for walking the adapter's fallback chain (discovery
 * `jfs:oauth*Url` → `oslc:oauthConfiguration` here or in a linked catalog → the fixed paths). Every one
 * is [G]: not a claim about what the real ClearQuest Web serves, only shapes a client must cope with.
 *
 *   inline            (the default, what the dialect serves unless told otherwise) the catalog carries
 *                     `oslc:oauthConfiguration` and `jfs:oauthRequestConsumerKeyUrl`
 *   jfs               the three `jfs:oauth*Url` (and the consumer-key URL) instead, rootservices-style
 *   linked-catalog    no OAuth URLs; `oslc:serviceProviderCatalog` points at `…/repo/{repo}/catalog`,
 *                     which carries `oslc:oauthConfiguration` (that route exists in this variant only)
 *   linked-protected  no OAuth URLs; `oslc:serviceProviderCatalog` points at the protected database
 *                     resource, which answers 401 unsigned: nothing readable advertises the URLs
 *   bare              no OAuth URLs and no link at all: only the documented fixed paths are left
 */
export const CLEARQUEST_DISCOVERY_VARIANTS = ['inline', 'jfs', 'linked-catalog', 'linked-protected', 'bare'] as const;
export type ClearQuestDiscoveryVariant = (typeof CLEARQUEST_DISCOVERY_VARIANTS)[number];

function oauthConfiguration(res: (p: string) => string, paths: ReturnType<typeof clearquestOAuthPaths>): string {
  return `    <oslc:oauthConfiguration>
      <oslc:OAuthConfiguration>
        <oslc:oauthRequestTokenURI rdf:resource="${res(paths.requestToken)}"/>
        <oslc:authorizationURI rdf:resource="${res(paths.authorize)}"/>
        <oslc:oauthAccessTokenURI rdf:resource="${res(paths.accessToken)}"/>
      </oslc:OAuthConfiguration>
    </oslc:oauthConfiguration>
`;
}

function catalogXml(about: string, title: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:oslc="${OSLC}" xmlns:jfs="${JFS}">
  <oslc:ServiceProviderCatalog rdf:about="${escapeXml(about)}">
    <dc:title>${escapeXml(title)}</dc:title>
${body}  </oslc:ServiceProviderCatalog>
</rdf:RDF>
`;
}

/**
 * The discovery document: an OSLC 2.0 catalog with `oslc:oauthConfiguration` ([D] the shape, lyo.testsuite
 * ServiceProviderCatalogXmlTests; [G] that ClearQuest publishes it) and the consumer-key URL as
 * `jfs:oauthRequestConsumerKeyUrl` [G]. It advertises the balancer's origin, as a node behind one does.
 * Other `variant`s are test variants (see {@link CLEARQUEST_DISCOVERY_VARIANTS}).
 */
function discoveryFor(variant: ClearQuestDiscoveryVariant) {
  return (ctx: NodeRequest, params: string[]): void => {
    const repo = repoParam(ctx, params);
    const origin = ctx.node.publicOrigin();
    const paths = clearquestOAuthPaths(repo);
    const repoPath = `/cqweb/oslc/repo/${encodeURIComponent(repo)}`;
    const dbPath = `${repoPath}/db/${encodeURIComponent(ctx.node.db)}`;
    const res = (p: string) => escapeXml(`${origin}${p}`);
    let body = `    <oslc:serviceProvider rdf:resource="${res(dbPath)}"/>\n`;
    const consumerKeyUrl = `    <jfs:oauthRequestConsumerKeyUrl rdf:resource="${res(paths.requestConsumerKey)}"/>\n`;
    switch (variant) {
      case 'inline':
        body += oauthConfiguration(res, paths) + consumerKeyUrl;
        break;
      case 'jfs':
        body += `    <jfs:oauthRequestTokenUrl rdf:resource="${res(paths.requestToken)}"/>
    <jfs:oauthUserAuthorizationUrl rdf:resource="${res(paths.authorize)}"/>
    <jfs:oauthAccessTokenUrl rdf:resource="${res(paths.accessToken)}"/>
${consumerKeyUrl}`;
        break;
      case 'linked-catalog':
        body += `    <oslc:serviceProviderCatalog rdf:resource="${res(`${repoPath}/catalog`)}"/>\n`;
        break;
      case 'linked-protected':
        body += `    <oslc:serviceProviderCatalog rdf:resource="${res(dbPath)}"/>\n`;
        break;
      case 'bare':
        break;
    }
    send(ctx.res, 200, catalogXml(`${origin}${repoPath}/discovery`, repo, body), 'application/rdf+xml; charset=utf-8');
  };
}

/** `GET /cqweb/oslc/repo/{repo}/catalog` — the `linked-catalog` test variant only [G]: the OAuth configuration. */
function linkedCatalog(ctx: NodeRequest, params: string[]): void {
  const repo = repoParam(ctx, params);
  const origin = ctx.node.publicOrigin();
  const res = (p: string) => escapeXml(`${origin}${p}`);
  const about = `${origin}/cqweb/oslc/repo/${encodeURIComponent(repo)}/catalog`;
  send(
    ctx.res,
    200,
    catalogXml(about, repo, oauthConfiguration(res, clearquestOAuthPaths(repo))),
    'application/rdf+xml; charset=utf-8',
  );
}

/** A protected resource: unsigned → the 401 challenge every protected CQ resource answers [D]. */
async function database(ctx: NodeRequest, params: string[]): Promise<void> {
  const repo = decodeSegment(params[0] ?? '', 'the repository name');
  const db = decodeSegment(params[1] ?? '', 'the database name');
  requireKnownRepo(ctx, repo, db);
  if (!ctx.req.headers.authorization) {
    throw new HttpError(401, 'authentication required', { headers: { 'WWW-Authenticate': `OAuth realm="${repo}"` } });
  }
  await ctx.verifySigned('protectedResource');
  send(ctx.res, 200, catalogDocument(ctx.node.publicOrigin(), repo, db), 'application/rdf+xml; charset=utf-8');
}

const withRepo =
  (handler: (ctx: NodeRequest) => Promise<void> | void) =>
  (ctx: NodeRequest, params: string[]): Promise<void> | void => {
    repoParam(ctx, params);
    return handler(ctx);
  };

/* ---------------------------------------------------------------- OAuth Consumer Management */

function loginPage(ctx: NodeRequest, message?: string): string {
  return page(
    'ClearQuest Web login',
    ctx.node.id,
    `${message ? `<p role="alert" data-testid="login-message">${escapeHtml(message)}</p>\n` : ''}<form name="login" data-testid="cq-login-form" method="post" action="/cqweb/admin/login">
  <label>User ID <input name="id" data-testid="cq-login-id" autocomplete="username"></label>
  <label>Password <input type="password" name="password" data-testid="cq-login-password" autocomplete="current-password"></label>
  <button type="submit" data-testid="cq-login">Log in</button>
</form>`,
    'cq-login-page',
  );
}

/**
 * Site Administration → OAuth Consumer Management, as swg21643365 and t_clm_int_consumer_key_reg describe
 * it [D]: Provisional Keys with an Approved choice per row, Register Consumer (name, key, secret twice,
 * trusted), Authorized Keys. Plain forms posting back here, so a person (or Playwright) can drive it.
 */
function managementPage(ctx: NodeRequest, message?: { text: string; error: boolean }): string {
  const provisional = [...ctx.memory.provisional.values()];
  const authorized = [...ctx.memory.registry.values()];
  // [G] How CQ Web guards its forms is not public: the sandbox ties each form to the session.
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(ctx.session.id)}">`;
  const row = (c: Consumer) =>
    `<tr data-testid="provisional-row" data-key="${escapeHtml(c.key)}"><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td>${c.trusted ? 'yes' : 'no'}</td>
  <td><form method="post" action="${ADMIN_PAGE}" data-testid="approve-form">
    <input type="hidden" name="action" value="approve"><input type="hidden" name="key" value="${escapeHtml(c.key)}">${csrf}
    <label>Status <select name="status" data-testid="status-select"><option value="Provisional" selected>Provisional</option><option value="Approved">Approved</option></select></label>
    <button type="submit" data-testid="approve-submit">Submit</button>
  </form></td></tr>`;
  const notice = message
    ? `<p role="${message.error ? 'alert' : 'status'}" data-testid="cq-admin-message">${escapeHtml(message.text)}</p>\n`
    : '';
  return page(
    'OAuth Consumer Management',
    ctx.node.id,
    `${notice}<h2>Provisional Keys</h2>
${provisional.length === 0 ? '<p data-testid="no-provisional">No provisional keys on this server.</p>' : `<table data-testid="provisional-keys"><thead><tr><th>Consumer Name</th><th>Consumer Key</th><th>Trusted</th><th>Status</th></tr></thead><tbody>\n${provisional.map(row).join('\n')}\n</tbody></table>`}
<h2>Register Consumer</h2>
<form method="post" action="${ADMIN_PAGE}" data-testid="register-form">
  <input type="hidden" name="action" value="register">${csrf}
  <label>Consumer Name <input name="name" data-testid="register-name"></label>
  <label>Consumer Key <input name="key" data-testid="register-key"></label>
  <label>Consumer Secret <input type="password" name="secret" data-testid="register-secret" autocomplete="new-password"></label>
  <label>Retype Consumer Secret <input type="password" name="secret2" data-testid="register-secret2" autocomplete="new-password"></label>
  <label><input type="checkbox" name="trusted" value="true" data-testid="register-trusted"> Trusted</label>
  <button type="submit" data-testid="register-submit">Register</button>
</form>
<h2>Authorized Keys</h2>
${authorized.length === 0 ? '<p data-testid="no-authorized">No authorized keys loaded on this server.</p>' : `<table data-testid="authorized-keys"><thead><tr><th>Consumer Name</th><th>Consumer Key</th><th>Trusted</th></tr></thead><tbody>\n${authorized.map((c) => `<tr data-testid="authorized-row" data-key="${escapeHtml(c.key)}"><td>${escapeHtml(c.name)}</td><td><code>${escapeHtml(c.key)}</code></td><td>${c.trusted ? 'yes' : 'no'}</td></tr>`).join('\n')}\n</tbody></table>`}`,
    'cq-oauth-admin-page',
  );
}

function adminPageRoute(ctx: NodeRequest): void {
  if (!ctx.session.admin) {
    sendHtml(ctx.res, 200, loginPage(ctx));
    return;
  }
  sendHtml(ctx.res, 200, managementPage(ctx));
}

/** The form login. [G] As the seed swg21643365 says of logging in to a node, it reloads that node's registry. */
async function login(ctx: NodeRequest): Promise<void> {
  if (!isAdmin(ctx.node.admin, await ctx.formField('id'), await ctx.formField('password'))) {
    sendHtml(ctx.res, 401, loginPage(ctx, 'The user ID or password is not correct.'));
    return;
  }
  ctx.session.admin = true;
  await ctx.node.reloadRegistry(ctx.memory);
  seeOther(ctx.res, ADMIN_PAGE);
}

async function adminAction(ctx: NodeRequest): Promise<void> {
  if (!ctx.session.admin) {
    sendHtml(ctx.res, 401, loginPage(ctx, 'Log in with a super-user account first.'));
    return;
  }
  const action = await ctx.formField('action');
  const answer = (status: number, text: string, error: boolean) =>
    sendHtml(ctx.res, status, managementPage(ctx, { text, error }));
  if ((await ctx.formField('csrf')) !== ctx.session.id) {
    answer(403, 'The form does not belong to this session: reload the page and try again.', true);
    return;
  }
  if (action === 'approve') {
    const key = (await ctx.formField('key')) ?? '';
    const status = await ctx.formField('status');
    if (status !== 'Approved' && status !== 'Provisional') {
      answer(400, 'Choose Approved or Provisional.', true);
      return;
    }
    const provisional = ctx.memory.provisional.get(key);
    if (!provisional) {
      answer(404, `Key ${key} is not a provisional key on ${ctx.node.id}.`, true);
      return;
    }
    if (status === 'Provisional') {
      answer(200, `Key ${key} stays provisional.`, false);
      return;
    }
    await ctx.node.repository.put(provisional);
    ctx.memory.provisional.delete(key);
    ctx.memory.registry.set(key, provisional);
    answer(200, `Key ${key} (${provisional.name}) is approved.`, false);
    return;
  }
  if (action === 'register') {
    const name = ((await ctx.formField('name')) ?? '').trim();
    const key = ((await ctx.formField('key')) ?? '').trim();
    const secret = (await ctx.formField('secret')) ?? '';
    const secret2 = (await ctx.formField('secret2')) ?? '';
    const trusted = (await ctx.formField('trusted')) === 'true';
    if (!name || !key || !secret) {
      answer(400, 'Consumer Name, Consumer Key and Consumer Secret are required.', true);
      return;
    }
    if (secret !== secret2) {
      answer(400, 'The two secrets do not match.', true);
      return;
    }
    if (ctx.memory.provisional.has(key) || ctx.memory.registry.has(key) || ctx.node.repository.has(key)) {
      answer(409, `The consumer key ${key} is not unique.`, true);
      return;
    }
    // [G] a consumer registered by a super-user is approved at once, in the repository and this node.
    const consumer: Consumer = { key, name, secret, trusted };
    await ctx.node.repository.put(consumer);
    ctx.memory.registry.set(key, consumer);
    answer(200, `Consumer ${name} is registered with key ${key}.`, false);
    return;
  }
  answer(400, 'Unknown action.', true);
}

/**
 * Refusals in ClearQuest's words. Clock skew: HTTP 400 with `oauth_acceptable_timestamps` [D RTC 7.0.1
 * docs], realm = repository [I]. A key this node has not loaded (or a token it does not hold):
 * `401: invalid_expired_token` [D seed swg21643365]; [G] the exact header and body around it.
 */
function sendProblem(ctx: NodeRequest, rejection: OAuthRejection): void {
  const realm = ctx.node.repo;
  if (rejection.problem === 'timestamp_refused') {
    const acceptable = rejection.extra.find(([k]) => k === 'oauth_acceptable_timestamps')?.[1] ?? '';
    send(ctx.res, 400, rejection.formBody(), 'application/x-www-form-urlencoded', {
      'WWW-Authenticate': `OAuth realm="${realm}", oauth_acceptable_timestamps="${acceptable}", oauth_problem="timestamp_refused"`,
    });
    return;
  }
  if (rejection.problem === 'consumer_key_unknown' || rejection.problem === 'token_rejected') {
    send(ctx.res, 401, '401: invalid_expired_token\n', 'text/plain; charset=utf-8', {
      'WWW-Authenticate': `OAuth realm="${realm}"`,
    });
    return;
  }
  // [G] the rest in the Problem Reporting vocabulary.
  send(ctx.res, rejection.status, rejection.formBody(), 'application/x-www-form-urlencoded', {
    'WWW-Authenticate': `OAuth realm="${realm}", oauth_problem="${rejection.problem}"`,
  });
}

function index(ctx: NodeRequest): void {
  seeOther(ctx.res, '/cqweb/oslc/');
}

const R = '([^/]+)';
/** The ClearQuest dialect with one discovery-document variant; `inline` is {@link clearquestDialect}. */
export function clearquestDialectWith(variant: ClearQuestDiscoveryVariant): Dialect {
  return {
    name: 'clearquest',
    acceptsProvisionalAtRequestToken: false, // [G] a provisional key is refused with consumer_key_refused
    sendProblem,
    requestKeyPath: (repo) => clearquestOAuthPaths(repo).requestConsumerKey,
    routes: [
      { pattern: /^\/$/, methods: { GET: index } },
      { pattern: /^\/cqweb\/?$/, methods: { GET: adminPageRoute } },
      { pattern: /^\/cqweb\/oslc\/?$/, methods: { GET: root } },
      { pattern: new RegExp(`^/cqweb/oslc/repo/${R}/discovery$`), methods: { GET: discoveryFor(variant) } },
      ...(variant === 'linked-catalog'
        ? [{ pattern: new RegExp(`^/cqweb/oslc/repo/${R}/catalog$`), methods: { GET: linkedCatalog } }]
        : []),
      { pattern: new RegExp(`^/cqweb/oslc/repo/${R}/db/${R}$`), methods: { GET: database } },
      { pattern: new RegExp(`^/cqweb/oslc/repo/${R}/db/${R}/refreshRepoConfig$`), methods: { GET: refreshRepoConfig } },
      { pattern: /^\/cqweb\/oslc\/session$/, methods: { DELETE: endSession } },
      {
        pattern: new RegExp(`^/cqweb/oauth-request-token/${R}$`),
        methods: { GET: withRepo(requestToken), POST: withRepo(requestToken) },
      },
      {
        pattern: new RegExp(`^/cqweb/oauth-authorization/${R}$`),
        methods: { GET: withRepo(authorizeForm), POST: withRepo(authorizeDecision) },
      },
      {
        pattern: new RegExp(`^/cqweb/oauth-access-token/${R}$`),
        methods: { GET: withRepo(accessToken), POST: withRepo(accessToken) },
      },
      { pattern: new RegExp(`^/cqweb/oauth-request-consumer/${R}$`), methods: { POST: withRepo(requestKey) } },
      { pattern: /^\/cqweb\/admin\/login$/, methods: { GET: adminPageRoute, POST: login } },
      { pattern: /^\/cqweb\/admin\/oauth-consumers$/, methods: { GET: adminPageRoute, POST: adminAction } },
    ],
  };
}

export const clearquestDialect: Dialect = clearquestDialectWith('inline');
