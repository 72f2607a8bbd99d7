/**
 * Discovery and the ClearQuest Web per-node operations: rootservices, the CQ discovery document,
 * `refreshRepoConfig` (the scripted "log in to each node" of technote swg21644559), and ending the
 * session.
 */
import { discoveryDocument, rootservicesDocument } from './documents.ts';
import { HttpError, parseBasicAuth, send, sendText } from './http-util.ts';
import { decodeSegment, isAdmin, type NodeRequest, type Route } from './node-context.ts';

const REALM = 'OSLC Cluster Admin sandbox';

function rootservices(ctx: NodeRequest): void {
  send(ctx.res, 200, rootservicesDocument(ctx.node.publicOrigin(), REALM), 'application/rdf+xml; charset=utf-8');
}

export function requireKnownRepo(ctx: NodeRequest, repo: string, db?: string): void {
  if (repo !== ctx.node.repo) {
    throw new HttpError(404, `unknown schema repository "${repo}": this sandbox serves "${ctx.node.repo}"`);
  }
  if (db !== undefined && db !== ctx.node.db) {
    throw new HttpError(404, `unknown user database "${db}" in ${repo}: this sandbox serves "${ctx.node.db}"`);
  }
}

/** GET /cqweb/oslc/repo/{repo}/discovery — the friend URL an OSLC consumer is given. */
function discovery(ctx: NodeRequest, params: string[]): void {
  const repo = decodeSegment(params[0] ?? '', 'the repository name');
  requireKnownRepo(ctx, repo);
  send(ctx.res, 200, discoveryDocument(ctx.node.publicOrigin(), repo, REALM), 'application/rdf+xml; charset=utf-8');
}

/**
 * GET /cqweb/oslc/repo/{repo}/db/{db}/refreshRepoConfig with HTTP Basic: reloads this node's
 * registry from the repository file. The seed swg21643365 says logging in refreshes the consumer
 * registry; whether refreshRepoConfig does on a real CQ is not stated [G]; here it does.
 */
export async function refreshRepoConfig(ctx: NodeRequest, params: string[]): Promise<void> {
  const credentials = parseBasicAuth(ctx.req.headers.authorization);
  if (!credentials || !isAdmin(ctx.node.admin, credentials.user, credentials.password)) {
    throw new HttpError(
      401,
      credentials
        ? 'wrong user or password for HTTP Basic authentication'
        : 'HTTP Basic authentication with an administrator account is required',
      { headers: { 'WWW-Authenticate': `Basic realm="ClearQuest Web ${ctx.node.id}", charset="UTF-8"` } },
    );
  }
  const repo = decodeSegment(params[0] ?? '', 'the repository name');
  const db = decodeSegment(params[1] ?? '', 'the database name');
  requireKnownRepo(ctx, repo, db);
  const consumers = await ctx.node.repository.reload();
  ctx.memory.loadRegistry(consumers);
  sendText(
    ctx.res,
    200,
    `${ctx.node.id}: OSLC configuration of ${repo}/${db} reloaded from the repository; ${consumers.length} consumer(s) in the registry`,
  );
}

/** DELETE /cqweb/oslc/session: ends this node's session and expires the cookie. */
export function endSession(ctx: NodeRequest): void {
  ctx.memory.sessions.delete(ctx.session.id);
  ctx.res.setHeader('Set-Cookie', `JSESSIONID=${ctx.session.id}; Path=/; Max-Age=0; HttpOnly`);
  ctx.noContent();
}

/** GET / — where a person who opens a node or the balancer in a browser lands. */
function index(ctx: NodeRequest): void {
  sendText(
    ctx.res,
    200,
    [
      `OSLC Cluster Admin sandbox, ${ctx.node.id} (schema repository ${ctx.node.repo}, database ${ctx.node.db}).`,
      'GET /rootservices, GET /cqweb/oslc/repo/{repo}/discovery, POST /oauth/requestKey,',
      '/oauth/requestToken, /oauth/authorize, /oauth/accessToken, GET /oslc/catalog,',
      'GET /oauth/admin, POST /oauth/adminLogin, GET /oauth/consumers, POST|DELETE /oauth/consumers/{key},',
      'GET /cqweb/oslc/repo/{repo}/db/{db}/refreshRepoConfig, DELETE /cqweb/oslc/session',
    ].join('\n'),
  );
}

export const clearquestRoutes: Route[] = [
  { pattern: /^\/$/, methods: { GET: index } },
  { pattern: /^\/rootservices$/, methods: { GET: rootservices } },
  { pattern: /^\/cqweb\/oslc\/repo\/([^/]+)\/discovery$/, methods: { GET: discovery } },
  { pattern: /^\/cqweb\/oslc\/repo\/([^/]+)\/db\/([^/]+)\/refreshRepoConfig$/, methods: { GET: refreshRepoConfig } },
  { pattern: /^\/cqweb\/oslc\/session$/, methods: { DELETE: endSession } },
];
