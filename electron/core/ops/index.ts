/**
 * The table of operations: each operation of the contract (shared/contract*.ts) and the module that
 * does it, as a function of the engine's context, its argument and the call's options.
 */
import type { CallOptions, OperationName, ArgOf, ResultOf } from '../../../shared/contract.ts';
import { ARG_FIELDS } from '../../../shared/contract-args.ts';
import { parseArgFields } from '../../../shared/schema.ts';
import type { EngineContext } from '../context.ts';
import * as clusters from './clusters.ts';
import * as console from './console.ts';
import * as credentials from './credentials.ts';
import * as diagnosis from './diagnose.ts';
import * as repair from './repair.ts';
import * as status from './status.ts';
import * as watch from './watch.ts';

export type Operation<K extends OperationName> = (
  ctx: EngineContext,
  arg: ArgOf<K>,
  opts: CallOptions<K>,
) => Promise<ResultOf<K>>;

export const OPERATION_TABLE: { [K in OperationName]: Operation<K> } = {
  listClusters: clusters.listClusters,
  getCluster: clusters.getCluster,
  resolveClusterUrl: clusters.resolveClusterUrl,
  checkCluster: clusters.checkCluster,
  addCluster: clusters.addCluster,
  updateCluster: clusters.updateCluster,
  removeCluster: clusters.removeCluster,
  exportCluster: clusters.exportCluster,
  importCluster: clusters.importCluster,
  storeCredentials: credentials.storeCredentials,
  forgetCredentials: credentials.forgetCredentials,
  trackConsumer: credentials.trackConsumer,
  untrackConsumer: credentials.untrackConsumer,
  probeNode: status.probeNode,
  status: status.status,
  approve: repair.approve,
  register: repair.register,
  deleteConsumer: repair.deleteConsumer,
  sync: repair.sync,
  trustCertificate: repair.trustCertificate,
  audit: repair.audit,
  diagnose: diagnosis.diagnose,
  flow: diagnosis.flow,
  report: diagnosis.report,
  reportPreview: diagnosis.reportPreview,
  openReport: diagnosis.openReport,
  diffReports: diagnosis.diffReports,
  startSandbox: console.startSandbox,
  sandboxState: console.sandboxState,
  sandboxFriend: console.sandboxFriend,
  sandboxNode: console.sandboxNode,
  openAdminPage: console.openAdminPage,
  settings: console.settings,
  watchState: watch.watchState,
  setWatch: watch.setWatch,
  watchFeed: watch.watchFeed,
};

/**
 * Runs an operation: its argument checked first against the fields the contract declares for it
 * (shared/contract-args.ts, `ARG_FIELDS`), then the operation with the parsed argument. The one place
 * arguments are checked, whichever door the call came through.
 */
export async function dispatch<K extends OperationName>(
  ctx: EngineContext,
  name: K,
  arg: ArgOf<K>,
  opts: CallOptions<K>,
): Promise<ResultOf<K>> {
  const fields = ARG_FIELDS[name];
  return OPERATION_TABLE[name](ctx, fields ? parseArgFields(fields, arg) : arg, opts);
}
