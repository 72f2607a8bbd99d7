/**
 * Eclipse Lyo's OAuth consumer administration, per node: the admin page with its CSRF value, admin
 * login, and the consumer list/approve/remove API. "Approve" works only on the node that holds the
 * provisional key, and writes the repository and *this* node's registry only.
 */
import { adminPage } from './documents.ts';
import { HttpError, sendHtml } from './http-util.ts';
import type { Consumer, NodeMemory } from './node-memory.ts';
import { decodeSegment, isAdmin, type NodeRequest, type Route } from './node-context.ts';

/** GET /oauth/admin: the page embeds `lyoOAuthConfig.csrfPrevent`, the session id. */
export function adminPageRoute(ctx: NodeRequest): void {
  sendHtml(ctx.res, 200, adminPage(ctx.node.id, ctx.session.id, ctx.session.admin));
}

/** Lyo's CSRF defence: the `X-CSRF-Prevent` header must equal this node's session id. */
function requireCsrf(ctx: NodeRequest): void {
  const header = ctx.req.headers['x-csrf-prevent'];
  // [D] Lyo's own words (oauth-webapp CSRF check).
  if (ctx.node.dialect.name === 'lyo' && header !== ctx.session.id) {
    throw new HttpError(403, 'Request denied due to possible CSRF attack.');
  }
  if (header === undefined) {
    throw new HttpError(
      403,
      `missing X-CSRF-Prevent header: send the lyoOAuthConfig.csrfPrevent value from GET /oauth/admin on ${ctx.node.id}, with the same session cookie`,
    );
  }
  if (header !== ctx.session.id) {
    throw new HttpError(
      403,
      `X-CSRF-Prevent does not match this session on ${ctx.node.id}: the value belongs to another session or another node`,
    );
  }
}

function requireAdminSession(ctx: NodeRequest): void {
  // [D] Lyo's ConsumersService answers a non-admin with this text.
  if (!ctx.session.admin && ctx.node.dialect.name === 'lyo') throw new HttpError(403, 'You must be an administrator.');
  if (!ctx.session.admin) {
    throw new HttpError(
      403,
      `an admin session on ${ctx.node.id} is required: log in with POST /oauth/adminLogin first`,
    );
  }
}

/** POST /oauth/adminLogin, form `id`, `password`, header `X-CSRF-Prevent` → 204. */
export async function adminLogin(ctx: NodeRequest): Promise<void> {
  requireCsrf(ctx);
  const id = await ctx.formField('id');
  const password = await ctx.formField('password');
  if (id === undefined || password === undefined) {
    throw new HttpError(400, 'form fields "id" and "password" are required (application/x-www-form-urlencoded)');
  }
  // Only the one admin account exists here, so Lyo's 409 "not an administrator" never arises.
  if (!isAdmin(ctx.node.admin, id, password)) {
    // [D] Lyo's LoginService: 409 "Incorrect username or password."
    if (ctx.node.dialect.name === 'lyo') throw new HttpError(409, 'Incorrect username or password.');
    throw new HttpError(401, 'wrong user ID or password');
  }
  ctx.session.admin = true;
  ctx.noContent();
}

const publicView = (c: Consumer, provisional: boolean) => ({
  name: c.name,
  key: c.key,
  provisional,
  trusted: c.trusted,
});

const approvedJson = (consumers: Iterable<Readonly<Consumer>>) =>
  Buffer.from(JSON.stringify([...consumers].map((c) => publicView(c, false))), 'utf8');

/**
 * The `approved` array as JSON, serialized once per repository snapshot and shared by every node
 * that loaded it and changed nothing since: 64 nodes × 50,000 keys would otherwise serialize about
 * 5 MB per node per listing.
 */
const approvedBySnapshot = new WeakMap<readonly Readonly<Consumer>[], Buffer>();
/** A node whose registry changed since it was loaded keeps its own serialization, until the next change. */
const approvedByNode = new WeakMap<NodeMemory, { changes: number; json: Buffer }>();

function approvedOf(memory: NodeMemory): Buffer {
  const source = memory.registrySource;
  if (source) {
    let json = approvedBySnapshot.get(source);
    if (!json) approvedBySnapshot.set(source, (json = approvedJson(source)));
    return json;
  }
  const own = approvedByNode.get(memory);
  if (own && own.changes === memory.registry.changes) return own.json;
  const json = approvedJson(memory.registry.values());
  approvedByNode.set(memory, { changes: memory.registry.changes, json });
  return json;
}

/** GET /oauth/consumers: what this node holds, never a secret. */
export function listConsumers(ctx: NodeRequest): void {
  requireAdminSession(ctx);
  const provisional = JSON.stringify([...ctx.memory.provisional.values()].map((c) => publicView(c, true)));
  // The same document as JSON.stringify({provisional, approved}) gives, the big half served from
  // cache and written as it is (not copied into one buffer per request: 5 MB × 64 nodes).
  const head = Buffer.from(`{"provisional":${provisional},"approved":`, 'utf8');
  const approved = approvedOf(ctx.memory);
  const tail = Buffer.from('}\n', 'utf8');
  const res = ctx.res;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(head.length + approved.length + tail.length),
  });
  if (ctx.method === 'HEAD') {
    res.end();
    return;
  }
  res.write(head);
  res.write(approved);
  res.end(tail);
}

function parseBooleanField(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HttpError(400, `form field "${field}" must be "true" or "false"`);
}

/**
 * POST /oauth/consumers/{key}, form `provisional=false` (approve), `name?`, `trusted?`.
 * Approving a key this node does not hold provisionally is a 404 that names the node.
 */
export async function updateConsumer(ctx: NodeRequest, params: string[]): Promise<void> {
  requireCsrf(ctx);
  requireAdminSession(ctx);
  const key = decodeSegment(params[0] ?? '', 'the consumer key');
  const provisionalField = parseBooleanField(await ctx.formField('provisional'), 'provisional');
  const trusted = parseBooleanField(await ctx.formField('trusted'), 'trusted');
  const name = (await ctx.formField('name'))?.trim() || undefined;

  const provisional = ctx.memory.provisional.get(key);
  const approved = ctx.memory.registry.get(key);
  if (provisionalField === false) {
    if (!provisional) {
      const why = approved ? `it is already approved on ${ctx.node.id}` : `it may be held by another node`;
      throw new HttpError(404, `key ${key} is not a provisional key on ${ctx.node.id} (${why})`);
    }
    const consumer: Consumer = {
      ...provisional,
      name: name ?? provisional.name,
      trusted: trusted ?? provisional.trusted,
    };
    await ctx.node.repository.put(consumer);
    ctx.memory.provisional.delete(key);
    ctx.memory.registry.set(key, consumer);
    ctx.noContent();
    return;
  }
  if (provisionalField === true && approved) {
    throw new HttpError(409, `key ${key} is approved; it cannot be made provisional again (delete it instead)`);
  }
  if (provisional) {
    ctx.memory.provisional.set(key, {
      ...provisional,
      name: name ?? provisional.name,
      trusted: trusted ?? provisional.trusted,
    });
    ctx.noContent();
    return;
  }
  if (approved) {
    const consumer: Consumer = { ...approved, name: name ?? approved.name, trusted: trusted ?? approved.trusted };
    await ctx.node.repository.put(consumer);
    ctx.memory.registry.set(key, consumer);
    ctx.noContent();
    return;
  }
  throw new HttpError(404, `key ${key} is not known on ${ctx.node.id}`);
}

/** DELETE /oauth/consumers/{key}: from the repository and this node's registry (and its provisional keys). */
export async function deleteConsumer(ctx: NodeRequest, params: string[]): Promise<void> {
  requireCsrf(ctx);
  requireAdminSession(ctx);
  const key = decodeSegment(params[0] ?? '', 'the consumer key');
  const wasProvisional = ctx.memory.provisional.delete(key);
  const wasInRegistry = ctx.memory.registry.delete(key);
  const wasInRepository = await ctx.node.repository.remove(key);
  if (!wasProvisional && !wasInRegistry && !wasInRepository) {
    throw new HttpError(404, `key ${key} is not known on ${ctx.node.id} nor in the repository`);
  }
  ctx.noContent();
}

export const adminRoutes: Route[] = [
  { pattern: /^\/oauth\/admin$/, methods: { GET: adminPageRoute } },
  { pattern: /^\/oauth\/adminLogin$/, methods: { POST: adminLogin } },
  { pattern: /^\/oauth\/consumers$/, methods: { GET: listConsumers } },
  { pattern: /^\/oauth\/consumers\/([^/]+)$/, methods: { POST: updateConsumer, DELETE: deleteConsumer } },
];
