/** Cluster definitions on disk: where they live, the store, and the portable export format. */
export { resolveHome, HOME_ENV } from './home.ts';
export type { ResolveHomeOptions } from './home.ts';
export { ConfigStore, CLUSTERS_FILE } from './store.ts';
export type { ConfigStoreOptions, ConfigFs, LoadResult } from './store.ts';
export {
  encodeClusterExport,
  decodeClusterExport,
  CLUSTER_EXPORT_FORMAT,
  CLUSTER_EXPORT_VERSION,
} from './cluster-file.ts';
export type { ImportOptions } from './cluster-file.ts';
export { CURRENT_CONFIG_VERSION } from './migrations.ts';
