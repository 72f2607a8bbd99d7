/** Operations on what the keychain holds: the admin login and the tracked consumers' secrets. */
import type { ArgOf, ResultOf } from '../../../shared/contract.ts';
import { AppError, ErrorCode, echoed } from '../../../shared/errors.ts';
import type { ClusterDefinition } from '../../../shared/model.ts';
import type { EngineContext } from '../context.ts';
import { accounts } from '../keychain.ts';
import { verifyAdminLogin } from '../repair/approve.ts';

export async function storeCredentials(
  ctx: EngineContext,
  arg: ArgOf<'storeCredentials'>,
): Promise<ResultOf<'storeCredentials'>> {
  const def = await ctx.cluster(arg?.cluster);
  const { user, password } = arg;
  const verifiedOn = arg.verify === true ? await verifyAdminLogin(ctx, def, { user, password }) : null;
  // Nothing is half done: the audit log and clusters.json are written to before the keychain is
  // (a read-only config directory refuses before the stored password is replaced).
  await ctx.auditLog.ensureWritable();
  await ctx.store.update(def.name, (c) => ({ ...c, adminUser: user }));
  let storedIn: 'keychain' | 'memory';
  try {
    storedIn = await ctx.storeSecret(def, accounts.admin(def.name), password);
  } catch (e) {
    await ctx.store.update(def.name, (c) => ({ ...c, adminUser: def.adminUser ?? null })).catch(() => undefined);
    throw e;
  }
  await ctx.auditLog.appendOrThrow({
    cluster: def.name,
    node: null,
    action: 'credentials-stored',
    key: null,
    outcome: 'ok',
    detail: `user ${user}${verifiedOn ? `; login verified on ${verifiedOn}` : arg.verify === true ? '; not verifiable for this kind' : ''}`,
  });
  return { cluster: def.name, user, storedIn, verifiedOn };
}

/** Forgets the admin sessions kept for a cluster (admin-sessions.ts), in this process and in the keychain. */
export async function forgetKeptSessions(ctx: EngineContext, cluster: string): Promise<void> {
  if (ctx.nodeCache) await ctx.nodeCache.forgetKeptSessions(cluster);
  else await ctx.secrets.delete(accounts.adminSessions(cluster));
}

export async function forgetCredentials(
  ctx: EngineContext,
  arg: ArgOf<'forgetCredentials'>,
): Promise<ResultOf<'forgetCredentials'>> {
  const def = await ctx.cluster(arg?.cluster);
  // As in storeCredentials: the config directory refuses before the keychain is touched.
  await ctx.auditLog.ensureWritable();
  await ctx.store.update(def.name, (c) => ({ ...c, adminUser: null }));
  // The sessions opened with that login go with it (admin-sessions.ts).
  await forgetKeptSessions(ctx, def.name);
  const forgotten = await ctx.secrets.delete(accounts.admin(def.name));
  await ctx.auditLog.appendOrThrow({
    cluster: def.name,
    node: null,
    action: 'credentials-forgotten',
    key: null,
    outcome: forgotten ? 'ok' : 'failed',
    ...(forgotten ? {} : { detail: 'none stored' }),
  });
  return { forgotten };
}

export async function trackConsumer(ctx: EngineContext, arg: ArgOf<'trackConsumer'>): Promise<ClusterDefinition> {
  const def = await ctx.cluster(arg?.cluster);
  const { key, secret } = arg;
  const name = arg.name ?? key;
  if (secret !== undefined) await ctx.storeSecret(def, accounts.consumer(def.name, key), secret);
  return ctx.store.update(def.name, (c) => {
    const existing = c.consumers.find((x) => x.key === key);
    const entry = { key, name, hasSecret: secret !== undefined || (existing?.hasSecret ?? false) };
    return {
      ...c,
      consumers: existing ? c.consumers.map((x) => (x.key === key ? entry : x)) : [...c.consumers, entry],
    };
  });
}

export async function untrackConsumer(ctx: EngineContext, arg: ArgOf<'untrackConsumer'>): Promise<ClusterDefinition> {
  const def = await ctx.cluster(arg?.cluster);
  const { key } = arg;
  const entry = def.consumers.find((c) => c.key === key);
  if (!entry)
    throw new AppError(
      ErrorCode.CONSUMER_NOT_TRACKED,
      `Consumer key "${echoed(key)}" is not tracked in cluster ${def.name}`,
      { details: { field: 'key' } },
    );
  if (entry.hasSecret) await ctx.secrets.delete(accounts.consumer(def.name, key));
  return ctx.store.update(def.name, (c) => ({ ...c, consumers: c.consumers.filter((x) => x.key !== key) }));
}
