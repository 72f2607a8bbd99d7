/**
 * What differs between the products in what the tool says: whether a running node reloads its
 * consumer registry when refreshed, and what a consumer's request fails with on a node that has not
 * loaded its key, in that product's own words (README provider table, "error texts read"; the
 * dialect suite and test/unit/provider-facts.test.ts hold these to the adapters). One source for the
 * engine, the CLI, the watch and the console.
 */
import type { ClusterKind } from './model.ts';

/** Why a node of a kind that cannot refresh needs a restart, in the words every door uses. */
export const LOADS_AT_START = 'this kind loads its consumers only when a node starts';

/** Whether a running node reloads its registry on a refresh ("log in", sync). Lyo loads it only at start. */
export function refreshesRegistry(kind: ClusterKind): boolean {
  return kind !== 'lyo';
}

/**
 * Whether a consumer is registered by hand on the node's own page (ClearQuest's Register Consumer
 * form, which asks for the key): then the key is chosen here, so the tool can track it.
 */
export function registersByHand(kind: ClusterKind): boolean {
  return kind === 'clearquest';
}

/**
 * A node's sync result that is not a failure of the run: the product cannot refresh a running node
 * (Lyo), so the sync only verified it (the engine's NOT_SUPPORTED).
 */
export function cannotRefresh(n: { error?: { code: string } | null }): boolean {
  return n.error?.code === 'NOT_SUPPORTED';
}

/** What a consumer's signed request to a node that has not loaded its key fails with. */
export function staleFailure(kind: ClusterKind): string {
  switch (kind) {
    case 'jazz':
      return '401 CRJZS0033E (the consumer key is not valid)';
    case 'lyo':
      return '401 consumer_key_rejected';
    default:
      return '401 invalid_expired_token';
  }
}

/** How nodes that have not loaded an approved key get it: e.g. "sync (log in to those nodes)" or "restart those nodes". */
export function staleFix(kind: ClusterKind, count: number): string {
  const them = count === 1 ? 'that node' : 'those nodes';
  return refreshesRegistry(kind)
    ? `log in to ${them} (sync) to reload ${count === 1 ? 'its' : 'their'} registry`
    : `restart ${them} to load it (${LOADS_AT_START})`;
}
