/**
 * The support report's `report.json` as a documented, versioned format (issue "The support
 * engineer's workbench"): what a report holds, which versions this build reads, and the checks a
 * file passes before anything shows it. `shared/report.schema.json` is this schema as JSON Schema
 * (generated from it by `npm run report-schema`; a test keeps the two equal).
 *
 * Versions: 1 — reports written before the format had a number (no `formatVersion`; everything else
 * as version 2). 2 — `formatVersion` and, when anonymised, `anonymized: true`. The reader accepts
 * both and gives version 2; a file from a newer version is refused with a sentence that says so.
 *
 * The schema is strict where a viewer relies on a shape (nodes, keys, causes) and loose elsewhere
 * (`looseObject`): a field added by a later build of the same version is kept, not refused.
 */
import * as z from 'zod';
import { AppError, ErrorCode } from './errors.ts';

export const REPORT_FORMAT_VERSION = 2;
/** The oldest version this build reads. */
export const REPORT_FORMAT_OLDEST = 1;
/** A report is a few hundred kilobytes at 128 nodes; a file past this is not one (or not one to open whole). */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024;
export const REPORT_APP_NAME = 'OSLC Cluster Admin';

const str = z.string();
const strOrNull = z.string().nullable();
const num = z.number();
const numOrNull = z.number().nullable();

const errorInfo = z.looseObject({ code: str, message: str });

const tlsInfo = z
  .looseObject({
    authorized: z.boolean(),
    subject: str,
    issuer: str,
    validFrom: str,
    validTo: str,
    fingerprint256: str,
  })
  .nullable();

const keyOnNode = z.looseObject({ key: str, state: str, problem: strOrNull.optional() });

const nodeStatus = z.looseObject({
  id: str,
  url: str,
  up: z.boolean(),
  latencyMs: numOrNull,
  clockSkewSeconds: numOrNull,
  tls: tlsInfo,
  consumers: z.array(keyOnNode),
  provisional: z.array(str).nullable(),
  approved: z.array(str).nullable(),
  error: errorInfo.nullable(),
});

const drift = z.looseObject({ key: str, message: str });

const clusterStatus = z.looseObject({
  cluster: str,
  kind: str,
  checkedAt: str,
  nodes: z.array(nodeStatus),
  drift: z.array(drift),
  notices: z.array(str),
});

const fix = z.looseObject({ action: str, args: z.record(z.string(), z.unknown()) }).nullable();

const cause = z.looseObject({
  code: str,
  severity: z.enum(['error', 'warning', 'ok']),
  nodes: z.array(str),
  message: str,
  fix,
  likely: z.boolean(),
  unchecked: z.array(str).optional(),
});

const diagnosedNode = z.looseObject({
  id: str,
  state: str,
  clockSkewSeconds: numOrNull,
  listed: strOrNull.optional(),
  problem: strOrNull.optional(),
  error: errorInfo.nullable().optional(),
});

const balancer = z
  .looseObject({
    summary: str,
    sticky: z.boolean().nullable(),
  })
  .nullable();

const diagnosis = z.looseObject({
  cluster: str,
  key: str,
  checkedAt: str,
  durationMs: num,
  secretChecked: z.boolean(),
  causes: z.array(cause),
  nodes: z.array(diagnosedNode),
  balancer,
  notices: z.array(str),
});

const auditEntry = z.looseObject({
  time: str,
  user: str,
  cluster: str.optional(),
  node: strOrNull.optional(),
  action: str,
  key: strOrNull.optional(),
  outcome: str,
  detail: strOrNull.optional(),
});

const caCertificate = z.looseObject({ subject: str, issuer: str, validFrom: str, validTo: str, fingerprint256: str });

const clusterDefinition = z.looseObject({
  name: str,
  kind: str,
  balancerUrl: str,
  nodes: z.array(z.looseObject({ id: str, url: str, label: str })),
  repo: str.optional(),
  db: str.optional(),
  pinnedFingerprints: z.array(str),
  timeouts: z.looseObject({ connectMs: num, totalMs: num }),
  maxResponseBytes: num,
  adminUser: strOrNull.optional(),
  consumers: z.array(z.looseObject({ key: str, name: str, hasSecret: z.boolean() })),
  caBundle: z.array(caCertificate),
});

/** `report.json`, version 2. */
export const reportFileSchema = z.looseObject({
  formatVersion: z.literal(REPORT_FORMAT_VERSION),
  anonymized: z.boolean().optional(),
  redactionMarker: str,
  generatedAt: str,
  app: z.looseObject({ name: z.literal(REPORT_APP_NAME), version: str }),
  runtime: z.looseObject({ node: str, platform: str, arch: str, osRelease: str }),
  cluster: clusterDefinition,
  status: clusterStatus.nullable(),
  statusError: errorInfo.nullable(),
  diagnoses: z.array(
    z.looseObject({ key: str, name: str, diagnosis: diagnosis.nullable(), error: errorInfo.nullable() }),
  ),
  errorText: z.unknown().nullable(),
  lastSync: auditEntry.nullable(),
  audit: z.looseObject({ available: z.boolean(), entries: num, error: strOrNull }),
  auditExcerpt: z.array(auditEntry),
  notices: z.array(str),
});

export type ReportFile = z.infer<typeof reportFileSchema>;

/** A report as the viewer shows it: the file (as version 2) and what the reader noticed opening it. */
export interface OpenedReport {
  report: ReportFile;
  /** The version the file was written in (1 for files without `formatVersion`). */
  readFromVersion: number;
  /** The file's name as the user gave it (for the banner); never a path the engine resolved. */
  source: string;
  /** Sentences the viewer shows above the report: masked secrets, a migrated version. */
  notices: string[];
  /** How many values were masked because they looked like secrets (0 normally). */
  masked: number;
}

const bad = (source: string, why: string, details: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_INPUT, `${source} is not a report this app can open: ${why}`, {
    details: { field: 'file', ...details },
  });

/** `a.b[2].c`: where in the file a problem is. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : `${out}${out ? '.' : ''}${String(p)}`),
    '',
  );
}

/**
 * Parses and checks a report's text: JSON, this product's, a version this build reads, the shape
 * of version 2 (migrating version 1). Throws BAD_INPUT naming what is wrong and where. Secrets are
 * not looked for here: the engine's reader masks them (its redaction rules live with the engine).
 */
export function parseReportText(text: string, source: string): { report: ReportFile; readFromVersion: number } {
  if (text.length > MAX_REPORT_BYTES)
    throw bad(source, `it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`, { limit: MAX_REPORT_BYTES });
  if (text.trim() === '') throw bad(source, 'the file is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const truncated = /end of (JSON )?input|Unterminated/i.test((e as Error).message);
    throw bad(
      source,
      truncated
        ? 'the JSON ends early (the file is truncated)'
        : `it is not JSON (${(e as Error).message})${/\.md$/i.test(source) ? '. Open report.json, not report.md' : ''}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(source, 'it is not a JSON object');
  const obj = raw as Record<string, unknown>;
  const app = obj.app as { name?: unknown } | undefined;
  if (!app || typeof app !== 'object' || app.name !== REPORT_APP_NAME)
    throw bad(source, `it was not written by ${REPORT_APP_NAME} (no "app": {"name": "${REPORT_APP_NAME}"})`);
  const version = obj.formatVersion === undefined ? 1 : obj.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < REPORT_FORMAT_OLDEST)
    throw bad(source, `formatVersion must be a whole number from ${REPORT_FORMAT_OLDEST}`, {
      path: 'formatVersion',
    });
  if (version > REPORT_FORMAT_VERSION)
    throw bad(
      source,
      `it is format version ${version}, written by a newer version of ${REPORT_APP_NAME}; this one reads versions ${REPORT_FORMAT_OLDEST}–${REPORT_FORMAT_VERSION}. Update the app to open it`,
      { formatVersion: version },
    );
  const migrated = version === 1 ? { ...obj, formatVersion: REPORT_FORMAT_VERSION } : obj;
  const parsed = reportFileSchema.safeParse(migrated);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = pathText(first.path) || '(top level)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw bad(source, `${where}: ${first.message}${more}`, { path: where });
  }
  return { report: parsed.data, readFromVersion: version };
}

/** The JSON Schema of `report.json` (what `shared/report.schema.json` holds). */
export function reportJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(reportFileSchema, { target: 'draft-2020-12' }),
    $id: 'https://oslc-cluster-admin.invalid/report.schema.json',
    title: `${REPORT_APP_NAME} support report (report.json), format version ${REPORT_FORMAT_VERSION}`,
  };
}

/** The text of `shared/report.schema.json` (two-space JSON, as Prettier leaves it). */
export function reportSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
