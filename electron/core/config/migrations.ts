/**
 * Versions of `clusters.json` and the steps between them. Each step is a pure function from the
 * parsed JSON of one version to the next; the result is validated only once, as the current version.
 *
 * - v0 (legacy, no `version` field): `{"clusters": {"<name>": {…definition without name, `ca` for the CA bundle…}}}`
 * - v1: `{"version": 1, "clusters": [ClusterDefinition, …]}`
 */
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUTS } from '../../../shared/model.ts';

export const CURRENT_CONFIG_VERSION = 1;

type Json = unknown;
type Migration = (doc: Record<string, Json>) => Record<string, Json>;

const isPlainObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The version a parsed document claims: `version` when it is a non-negative integer, 0 when the
 * field is absent (legacy), null when it is something we cannot interpret (the file is corrupt).
 */
export function documentVersion(doc: unknown): number | null {
  if (!isPlainObject(doc)) return null;
  if (!('version' in doc)) return 0;
  const v = doc.version;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
}

/** v0 → v1: the map keyed by name becomes a list, `ca` becomes `caPem`, fields added later get defaults. */
const v0ToV1: Migration = (doc) => {
  const legacy = doc.clusters;
  // Anything else is not a v0 document; pass it on so validation reports it as corrupt.
  if (!isPlainObject(legacy)) return { version: 1, clusters: legacy };
  const clusters = Object.entries(legacy).map(([name, def]) => {
    if (!isPlainObject(def)) return def;
    const { ca, ...rest } = def;
    return {
      repo: null,
      db: null,
      pinnedFingerprints: [],
      timeouts: { ...DEFAULT_TIMEOUTS },
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      adminUser: null,
      consumers: [],
      ...rest,
      name,
      caPem: ca ?? rest.caPem ?? null,
    };
  });
  return { version: 1, clusters };
};

/** `MIGRATIONS[n]` turns version n into version n + 1. */
const MIGRATIONS: readonly Migration[] = [v0ToV1];

/** Brings a parsed document of version `from` (< current) up to the current version. */
export function migrateToCurrent(doc: Record<string, Json>, from: number): Record<string, Json> {
  let out = doc;
  for (let v = from; v < CURRENT_CONFIG_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new Error(`no migration from config version ${v}`);
    out = step(out);
  }
  return out;
}
