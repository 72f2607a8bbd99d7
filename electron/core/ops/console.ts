/** The console's own operations: the embedded sandbox's controls, a node's admin page, the settings view. */
import { systemTrust } from '../http/system-trust.ts';
import type { ArgOf, ResultOf } from '../../../shared/contract.ts';
import { badInput, isAppError } from '../../../shared/errors.ts';
import { adminPage, applyNodeAction, sandboxView } from '../console.ts';
import type { EngineContext } from '../context.ts';
import { noSandboxStarter } from '../context.ts';
import { proxyDisplay } from '../http/proxy.ts';
import { checkKeychain, storeName } from '../keychain.ts';
import { trackConsumer } from './credentials.ts';
import { appVersion } from './diagnose.ts';

/** The empty console's "Start the sandbox": the embedded sandbox, started once, as a cluster. */
export async function startSandbox(ctx: EngineContext, arg: ArgOf<'startSandbox'>): Promise<ResultOf<'startSandbox'>> {
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || Object.keys(arg).length > 0)
    throw badInput('arg', 'must be {} (the sandbox takes no options here)');
  const running = [...ctx.sandboxes.keys()][0];
  if (running !== undefined) return { cluster: running };
  const starter = ctx.sandboxStarter;
  if (!starter) throw noSandboxStarter();
  // Two clicks start one sandbox.
  ctx.starting ??= starter().finally(() => (ctx.starting = null));
  return { cluster: await ctx.starting };
}

export async function sandboxState(ctx: EngineContext, arg: ArgOf<'sandboxState'>): Promise<ResultOf<'sandboxState'>> {
  const def = await ctx.cluster(arg?.cluster);
  return sandboxView(def.name, ctx.embedded(def));
}

export async function sandboxFriend(
  ctx: EngineContext,
  arg: ArgOf<'sandboxFriend'>,
): Promise<ResultOf<'sandboxFriend'>> {
  const def = await ctx.cluster(arg?.cluster);
  const sandbox = ctx.embedded(def);
  const { name, secret } = arg;
  const { key, node } = await sandbox.friend(name, secret);
  await trackConsumer(ctx, { cluster: def.name, key, name, secret });
  return { key, node, name };
}

export async function sandboxNode(ctx: EngineContext, arg: ArgOf<'sandboxNode'>): Promise<ResultOf<'sandboxNode'>> {
  const def = await ctx.cluster(arg?.cluster);
  const sandbox = ctx.embedded(def);
  await applyNodeAction(sandbox, def, arg);
  return sandboxView(def.name, sandbox);
}

export async function openAdminPage(
  ctx: EngineContext,
  arg: ArgOf<'openAdminPage'>,
): Promise<ResultOf<'openAdminPage'>> {
  const def = await ctx.cluster(arg?.cluster);
  return adminPage(def, arg.node, arg.url);
}

export async function settings(ctx: EngineContext): Promise<ResultOf<'settings'>> {
  let problem: string | null = null;
  try {
    await checkKeychain(ctx.secrets);
  } catch (e) {
    problem = isAppError(e) ? e.message : String(e);
  }
  const env = (...names: string[]) => names.map((n) => process.env[n]).find((v) => v !== undefined && v !== '') ?? null;
  const shown = (v: string | null) => (v === null ? null : proxyDisplay(v));
  return {
    configDir: ctx.home,
    keychain: { backend: storeName(process.platform), available: problem === null, problem },
    proxy: {
      https: shown(env('https_proxy', 'HTTPS_PROXY')),
      http: shown(env('http_proxy', 'HTTP_PROXY')),
      noProxy: env('no_proxy', 'NO_PROXY'),
      source: ctx.proxyResolver ? 'system' : 'environment',
    },
    trustStore: systemTrust().source,
    version: await appVersion(),
    platform: `${process.platform} ${process.arch}, Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
  };
}
