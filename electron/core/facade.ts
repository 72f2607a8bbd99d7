/**
 * The engine's one facade: it implements the contract of shared/contract.ts for every front door
 * (Electron IPC, browser mode, CLI). It is the engine's context (context.ts: the config store, the
 * secrets, one HTTP client per cluster, the audit log and the caches) plus one method per operation
 * of the table in ops/index.ts, each argument checked there against the contract's schema; secrets go
 * in and never come out.
 */
import type { Api, ArgOf, CallOptions, OperationName, ResultOf } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import type { ConsoleWatch } from './console-watch.ts';
import { EngineContext } from './context.ts';
import type { EngineOptions } from './context.ts';
import { dispatch } from './ops/index.ts';
import { statusRun } from './ops/status.ts';
import { consoleWatch } from './ops/watch.ts';
import type { StatusRun } from './repair/deps.ts';

export type { EngineOptions };

// The operations are installed on the prototype from the table below: one method per operation.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the class gets Api's methods from the table
export interface Engine extends Api {
  listClusters(arg?: ArgOf<'listClusters'>): Promise<ResultOf<'listClusters'>>;
  settings(arg?: ArgOf<'settings'>): Promise<ResultOf<'settings'>>;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Engine extends EngineContext {
  /** Any operation by name, as the doors dispatch a channel or route. */
  call<K extends OperationName>(name: K, arg: ArgOf<K>, opts: CallOptions<K> = {}): Promise<ResultOf<K>> {
    return dispatch(this, name, arg, opts);
  }

  /** The console's watch loop, made on first use; the door sets its `notify`. */
  get consoleWatch(): ConsoleWatch {
    return consoleWatch(this);
  }

  /** Status taken node by node (sync and the watch's heal use it through the operations). */
  statusRun(def: ClusterDefinition, onNode?: Parameters<typeof statusRun>[2]): Promise<StatusRun> {
    return statusRun(this, def, onNode);
  }
}

for (const name of OPERATIONS) {
  Object.defineProperty(Engine.prototype, name, {
    value: function (this: Engine, arg: unknown, opts?: object) {
      return this.call(name, arg as never, (opts ?? {}) as never);
    },
    writable: true,
    configurable: true,
  });
}
