/** The console's watch: its state, its switch and its live feed. */
import * as z from 'zod';
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import { parseOrThrow } from '../../../shared/schema.ts';
import { ConsoleWatch } from '../console-watch.ts';
import type { EngineContext } from '../context.ts';
import type { WatchEngine } from '../watch/watcher.ts';
import { sync } from './repair.ts';
import { status } from './status.ts';

const watchArg = z.object({ cluster: z.string(), on: z.boolean(), heal: z.boolean().optional() });

/** The context as the watch loop sees it. */
function watchEngine(ctx: EngineContext): WatchEngine {
  return {
    getCluster: (a) => ctx.cluster(a?.cluster),
    status: (a, o) => status(ctx, a, o),
    sync: (a) => sync(ctx, a),
    adminCredentials: (c) => ctx.adminCredentials(c),
    auditLog: ctx.auditLog,
  };
}

/** The console's watch loop, made on first use; the door sets its `notify`. */
export function consoleWatch(ctx: EngineContext): ConsoleWatch {
  ctx.watchLoop ??= new ConsoleWatch(watchEngine(ctx), ctx.watchOptions);
  return ctx.watchLoop;
}

export async function watchState(ctx: EngineContext, arg: ArgOf<'watchState'>): Promise<ResultOf<'watchState'>> {
  const def = await ctx.cluster(arg?.cluster);
  return consoleWatch(ctx).state(def.name);
}

export async function setWatch(ctx: EngineContext, arg: ArgOf<'setWatch'>): Promise<ResultOf<'setWatch'>> {
  const { cluster, on, heal } = parseOrThrow(watchArg, arg, 'watch switch');
  const def = await ctx.cluster(cluster);
  return consoleWatch(ctx).set(def.name, on, heal ?? true);
}

export async function watchFeed(
  ctx: EngineContext,
  arg: ArgOf<'watchFeed'>,
  opts: CallOptions<'watchFeed'> = {},
): Promise<ResultOf<'watchFeed'>> {
  const def = await ctx.cluster(arg?.cluster);
  return consoleWatch(ctx).feed(def.name, (event) => opts.onProgress?.(event), opts.signal);
}
