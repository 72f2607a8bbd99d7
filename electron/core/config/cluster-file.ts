/**
 * The portable form of one cluster definition, for sharing between admins and machines:
 * `{"format":"oslc-cluster-admin/cluster","version":1,"cluster":{…}}`. It never carries a secret,
 * nor anything that only makes sense on the machine that wrote it (whether a consumer's secret is
 * in *this* keychain). Fields are copied by name, so anything unknown is dropped.
 */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { clusterDefinitionSchema, clusterNameSchema, describeIssues } from '../../../shared/schema.ts';
import type { ClusterDefinition } from '../../../shared/model.ts';

export const CLUSTER_EXPORT_FORMAT = 'oslc-cluster-admin/cluster';
export const CLUSTER_EXPORT_VERSION = 1;
/** Generous for a definition with a large CA bundle; anything bigger is not an export of ours. */
export const MAX_CLUSTER_EXPORT_BYTES = 1024 * 1024;

export interface ImportOptions {
  /** Import under this name instead of the one in the file (e.g. when that name is taken). */
  rename?: string;
}

/** The export document for `def`, as pretty-printed JSON text. */
export function encodeClusterExport(def: ClusterDefinition): string {
  const cluster = {
    name: def.name,
    kind: def.kind,
    balancerUrl: def.balancerUrl,
    nodes: def.nodes.map((n) => ({ id: n.id, label: n.label, url: n.url })),
    repo: def.repo,
    db: def.db,
    caPem: def.caPem,
    pinnedFingerprints: [...def.pinnedFingerprints],
    timeouts: { connectMs: def.timeouts.connectMs, totalMs: def.timeouts.totalMs },
    maxResponseBytes: def.maxResponseBytes,
    adminUser: def.adminUser,
    // `hasSecret` describes this machine's keychain, not the cluster.
    consumers: def.consumers.map((c) => ({ key: c.key, name: c.name })),
  };
  return `${JSON.stringify({ format: CLUSTER_EXPORT_FORMAT, version: CLUSTER_EXPORT_VERSION, cluster }, null, 2)}\n`;
}

/**
 * Parses and validates an export document. Throws BAD_INPUT naming the offending field
 * (`details.field`, e.g. `cluster.nodes.0.url`). Imported consumers have no secret here yet.
 */
export function decodeClusterExport(input: string | Uint8Array, opts: ImportOptions = {}): ClusterDefinition {
  const text = decodeText(input);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes the input; keep whatever the file holds out of error messages.
    throw invalidExport('file', 'is not valid JSON');
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    Array.isArray(doc) ||
    (doc as { format?: unknown }).format !== CLUSTER_EXPORT_FORMAT
  ) {
    throw invalidExport(
      'format',
      `is not an OSLC Cluster Admin cluster export (expected "format": "${CLUSTER_EXPORT_FORMAT}")`,
    );
  }
  const { version, cluster } = doc as { version?: unknown; cluster?: unknown };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalidExport('version', 'must be a whole number, 1 or more');
  }
  if (version > CLUSTER_EXPORT_VERSION) {
    throw invalidExport(
      'version',
      `is ${version}: the file was exported by a newer OSLC Cluster Admin (this one reads version ${CLUSTER_EXPORT_VERSION}); update the app`,
    );
  }
  if (typeof cluster !== 'object' || cluster === null || Array.isArray(cluster)) {
    throw invalidExport('cluster', 'must be an object with the cluster definition');
  }

  const candidate: Record<string, unknown> = { ...cluster };
  if (Array.isArray(candidate.consumers)) {
    candidate.consumers = candidate.consumers.map((c: unknown) =>
      typeof c === 'object' && c !== null && !Array.isArray(c)
        ? { key: (c as { key?: unknown }).key, name: (c as { name?: unknown }).name, hasSecret: false }
        : c,
    );
  }
  if (opts.rename !== undefined) {
    const r = clusterNameSchema.safeParse(opts.rename);
    if (!r.success) throw invalidExport('rename', r.error.issues[0]?.message ?? 'is not a valid cluster name');
    candidate.name = r.data;
  }

  const parsed = clusterDefinitionSchema.safeParse(candidate);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = ['cluster', ...(first?.path ?? []).map(String)].join('.');
    throw new AppError(ErrorCode.BAD_INPUT, `Invalid cluster export: ${describeIssues(parsed.error, 'cluster')}`, {
      details: { field },
    });
  }
  return parsed.data;
}

function invalidExport(field: string, problem: string): AppError {
  return new AppError(ErrorCode.BAD_INPUT, `Invalid cluster export: ${field}: ${problem}`, { details: { field } });
}

function decodeText(input: string | Uint8Array): string {
  if (typeof input === 'string') {
    if (input.length > MAX_CLUSTER_EXPORT_BYTES)
      throw invalidExport('file', `is larger than ${MAX_CLUSTER_EXPORT_BYTES} bytes`);
    return input;
  }
  if (input.byteLength > MAX_CLUSTER_EXPORT_BYTES)
    throw invalidExport('file', `is larger than ${MAX_CLUSTER_EXPORT_BYTES} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw invalidExport('file', 'is not valid UTF-8 text');
  }
}
