/**
 * The support report: `report.md` (what a support ticket needs, readable) and `report.json` (the
 * same facts, whole) in one directory. Cluster definition, node table, diagnosis per tracked
 * consumer, last sync (from the audit log), certificate details, versions of this app and of Node.
 *
 * Secrets never reach the files: every text passes the diagnosis redaction (signatures, secrets,
 * token secrets, tokens, verifiers, passwords, cookies), then every secret this engine knows (admin
 * password, consumer secrets) is replaced wherever it stands, and the final texts are checked for
 * them once more before anything is written. Existing report files are never overwritten.
 *
 * Three steps: gather (`buildReport` and its `gather*` helpers), render (`report-markdown.ts`, and
 * JSON), write (`report`).
 */
import { X509Certificate } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '../../../shared/contract-repair.ts';
import type { ReportArg, ReportEvent, ReportResult } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { AppError, badInput, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus } from '../../../shared/model.ts';
import { normalizeFingerprint } from '../http/tls-trust.ts';
import { REDACTED } from '../redact.ts';
import { checkErrorText, diagnose, fromKeychain } from './diagnose.ts';
import type { DiagnoseEngine } from './engine.ts';
import { parseErrorText } from './error-text.ts';
import { scrubDeep, scrubText } from './scrub.ts';
import { anonymizeReport } from './report-anonymize.ts';
import { renderMarkdown } from './report-markdown.ts';
import type { CaCertificate, ConsumerDiagnosis, ReportData } from './report-markdown.ts';
import { REPORT_APP_NAME, REPORT_FORMAT_VERSION } from '../../../shared/report-format.ts';

export const REPORT_FILES = ['report.md', 'report.json'] as const;
/** Written next to an anonymised report, never inside it: placeholder → original, for the customer only. */
export const MAPPING_FILE = 'report-mapping.json';

export interface ReportOptions {
  onProgress?: (event: ReportEvent) => void;
}

/** Every certificate of a PEM bundle, described (never the key material: a bundle has none). */
export function describeCaBundle(pem: string | null): CaCertificate[] {
  if (!pem) return [];
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const out: CaCertificate[] = [];
  for (const block of blocks) {
    try {
      const c = new X509Certificate(block);
      out.push({
        subject: c.subject.split('\n').filter(Boolean).join(', '),
        issuer: c.issuer.split('\n').filter(Boolean).join(', '),
        validFrom: new Date(c.validFrom).toISOString(),
        validTo: new Date(c.validTo).toISOString(),
        fingerprint256: normalizeFingerprint(c.fingerprint256),
      });
    } catch {
      continue;
    }
  }
  return out;
}

/** This app's version, from package.json (next to the sources, or the packaged app's). */
export async function appVersion(): Promise<string> {
  for (const rel of ['../../../package.json', '../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'oslc-cluster-admin' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      continue;
    }
  }
  return 'unknown';
}

/**
 * Checks, BEFORE the diagnosis runs (it can take minutes), that `dir` can become the report
 * directory: it is a directory already, or the nearest part of it that exists is a directory we may
 * write in. Throws BAD_INPUT naming outDir and the part of the path that is in the way.
 */
async function checkDestination(dir: string): Promise<void> {
  const bad = (why: string, at: string) =>
    new AppError(ErrorCode.BAD_INPUT, `outDir: ${dir} cannot be the report directory: ${why}`, {
      details: { field: 'outDir', path: at },
    });
  let at = dir;
  for (;;) {
    let st;
    try {
      st = await stat(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const up = path.dirname(at);
        if (up === at) throw bad('no part of the path exists', at);
        at = up;
        continue;
      }
      if (code === 'ENOTDIR') throw bad(`a part of the path is a file, not a directory`, at);
      throw bad(`${at} cannot be examined (${code ?? String(e)})`, at);
    }
    if (!st.isDirectory())
      throw bad(at === dir ? 'it is a file, not a directory' : `${at} is a file, not a directory`, at);
    try {
      await access(at, fsConstants.W_OK | fsConstants.X_OK);
    } catch {
      throw bad(`${at} is not writable by you`, at);
    }
    return;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last line of defence before a file is written: every known secret is replaced (as it stands,
 * and as JSON escapes it), then the text is checked once more and nothing is written if one is
 * still there. Markdown also gets the pattern redaction; JSON does not need it (each value was
 * scrubbed before serialisation) and would be mangled by it.
 */
function finalText(text: string, secrets: readonly string[], file: string, kind: 'md' | 'json'): string {
  let out = kind === 'md' ? scrubText(text, secrets) : text;
  const forms = secrets.filter((s) => s.length > 0).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  for (const f of forms) if (f.length >= 3) out = out.split(f).join(REDACTED);
  for (const f of forms) {
    if (out.includes(f))
      throw new AppError(
        ErrorCode.INTERNAL,
        `The report ${file} still contained a secret after redaction; nothing was written`,
      );
  }
  return out;
}

/** How many of the cluster's last audit lines the report carries. */
export const AUDIT_EXCERPT_LINES = 20;

/** The report's two texts, redacted, built but not written (the console previews them first). */
export interface BuiltReport {
  cluster: string;
  generatedAt: string;
  consumers: number;
  md: string;
  json: string;
  /** With `anonymize`: placeholder → original, for the customer's side only. */
  mapping: Record<string, string> | null;
}

/**
 * Gathers and renders the report: status, a diagnosis per tracked consumer, the last sync, the
 * definition without its CA bundle's text. `label` names the files in a redaction failure.
 */
export async function buildReport(
  engine: DiagnoseEngine,
  arg: { cluster: string; errorText?: string; anonymize?: boolean },
  opts: ReportOptions = {},
  label: { md: string; json: string } = { md: REPORT_FILES[0], json: REPORT_FILES[1] },
): Promise<BuiltReport> {
  if (typeof arg !== 'object' || arg === null) throw badInput('arg', 'must be an object with cluster');
  const errorText = checkErrorText(arg.errorText);
  const def = await engine.getCluster({ cluster: arg.cluster });
  const emit = (e: ReportEvent) => opts.onProgress?.(e);
  const notices: string[] = [];
  const secrets = await knownSecrets(engine, def, notices);

  emit({ type: 'status' });
  const { status, statusError } = await gatherStatus(engine, def.name);
  const diagnoses = await gatherDiagnoses(engine, def, errorText, emit);
  const { lastSync, auditExcerpt, audit } = await gatherAudit(engine, def.name);

  const { caPem, ...definition } = def;
  const generatedAt = new Date().toISOString();
  const gathered: ReportData = scrubDeep(
    {
      formatVersion: REPORT_FORMAT_VERSION,
      generatedAt,
      app: { name: REPORT_APP_NAME, version: await appVersion() },
      runtime: { node: process.version, platform: platform(), arch: arch(), osRelease: release() },
      cluster: { ...definition, caBundle: describeCaBundle(caPem) },
      status,
      statusError,
      diagnoses,
      errorText: errorText ? parseErrorText(errorText, secrets) : null,
      lastSync,
      audit,
      auditExcerpt,
      notices,
    },
    secrets,
  );
  const { data, mapping } = arg.anonymize
    ? anonymizeReport(gathered)
    : { data: gathered, mapping: null as Record<string, string> | null };

  const md = finalText(renderMarkdown(data), secrets, label.md, 'md');
  const json = finalText(
    `${JSON.stringify({ redactionMarker: REDACTED, ...data }, null, 2)}\n`,
    secrets,
    label.json,
    'json',
  );
  return { cluster: def.name, generatedAt, consumers: diagnoses.length, md, json, mapping };
}

/** Every secret this engine knows, so that none can slip into the files whatever carries it. */
async function knownSecrets(engine: DiagnoseEngine, def: ClusterDefinition, notices: string[]): Promise<string[]> {
  const admin = await fromKeychain('the admin login', notices, () => engine.adminCredentials(def), null);
  const secrets: string[] = admin ? [admin.password] : [];
  for (const c of def.consumers) {
    if (!c.hasSecret) continue;
    const s = await fromKeychain(`the secret of ${c.key}`, notices, () => engine.consumerSecret(def, c.key), null);
    if (s) secrets.push(s);
  }
  return secrets;
}

async function gatherStatus(
  engine: DiagnoseEngine,
  cluster: string,
): Promise<{ status: ClusterStatus | null; statusError: ErrorInfo | null }> {
  try {
    return { status: await engine.status({ cluster }), statusError: null };
  } catch (e) {
    return { status: null, statusError: toErrorInfo(e) };
  }
}

/** A diagnosis per tracked consumer, one after the other; a failure is recorded, not thrown. */
async function gatherDiagnoses(
  engine: DiagnoseEngine,
  def: ClusterDefinition,
  errorText: string | undefined,
  emit: (e: ReportEvent) => void,
): Promise<ConsumerDiagnosis[]> {
  const diagnoses: ConsumerDiagnosis[] = [];
  for (const c of def.consumers) {
    emit({ type: 'diagnosing', key: c.key });
    try {
      diagnoses.push({
        key: c.key,
        name: c.name,
        diagnosis: await diagnose(engine, {
          cluster: def.name,
          consumerKey: c.key,
          ...(errorText ? { errorText } : {}),
        }),
        error: null,
      });
    } catch (e) {
      diagnoses.push({ key: c.key, name: c.name, diagnosis: null, error: toErrorInfo(e) });
    }
  }
  return diagnoses;
}

/** The last sync and the last audit lines of the cluster, or why the audit log could not be read. */
async function gatherAudit(
  engine: DiagnoseEngine,
  cluster: string,
): Promise<Pick<ReportData, 'lastSync' | 'auditExcerpt' | 'audit'>> {
  let lastSync: AuditEntry | null = null;
  let auditExcerpt: AuditEntry[] = [];
  const audit: ReportData['audit'] = { available: typeof engine.audit === 'function', entries: 0, error: null };
  if (typeof engine.audit === 'function') {
    try {
      const { entries } = await engine.audit({ cluster });
      audit.entries = entries.length;
      lastSync = entries.filter((e) => e.action === 'sync').at(-1) ?? null;
      auditExcerpt = entries.slice(-AUDIT_EXCERPT_LINES);
    } catch (e) {
      audit.available = false;
      audit.error = toErrorInfo(e).message;
    }
  }
  return { lastSync, auditExcerpt, audit };
}

/** Writes the report. Refuses (BAD_INPUT naming the path) when a report file exists already. */
export async function report(engine: DiagnoseEngine, arg: ReportArg, opts: ReportOptions = {}): Promise<ReportResult> {
  if (typeof arg !== 'object' || arg === null) throw badInput('arg', 'must be an object with cluster and outDir');
  if (typeof arg.outDir !== 'string' || arg.outDir.trim() === '') throw badInput('outDir', 'must name a directory');
  // eslint-disable-next-line no-control-regex -- a control character in a path is a mistake, not a name
  if (/[\u0000-\u001f]/.test(arg.outDir)) throw badInput('outDir', 'must not contain control characters');
  const dir = path.resolve(arg.outDir);
  await checkDestination(dir);
  const files = [...REPORT_FILES, ...(arg.anonymize ? [MAPPING_FILE] : [])].map((f) => path.join(dir, f));
  for (const f of files) {
    if (await exists(f)) {
      throw new AppError(
        ErrorCode.BAD_INPUT,
        `outDir: ${f} exists already; a report never overwrites a file. Choose another directory or move the old report away.`,
        { details: { field: 'outDir', path: f } },
      );
    }
  }
  const emit = (e: ReportEvent) => opts.onProgress?.(e);
  const built = await buildReport(
    engine,
    {
      cluster: arg.cluster,
      ...(arg.errorText !== undefined ? { errorText: arg.errorText } : {}),
      ...(arg.anonymize ? { anonymize: true } : {}),
    },
    opts,
    { md: files[0]!, json: files[1]! },
  );
  const { md, json, generatedAt } = built;
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw new AppError(
      ErrorCode.CONFIG_UNWRITABLE,
      `The report directory ${dir} could not be created: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { details: { path: dir } },
    );
  });
  const written: string[] = [];
  const texts: (readonly [string, string])[] = [
    [files[0]!, md],
    [files[1]!, json],
  ];
  if (built.mapping)
    texts.push([
      files[2]!,
      `${JSON.stringify({ note: `Keep this file: it is NOT part of the report. It turns the placeholders in ${REPORT_FILES.join(' and ')} back into your site's names.`, placeholders: built.mapping }, null, 2)}\n`,
    ]);
  for (const [file, text] of texts) {
    try {
      await writeFile(file, text, { flag: 'wx', mode: 0o600 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new AppError(ErrorCode.BAD_INPUT, `outDir: ${file} exists already; a report never overwrites a file.`, {
          details: { field: 'outDir', path: file },
        });
      throw new AppError(
        ErrorCode.CONFIG_UNWRITABLE,
        `The report could not be written to ${file}: ${code ?? (e as Error).message}`,
        { details: { path: file, written } },
      );
    }
    written.push(file);
    emit({ type: 'written', path: file });
  }
  return { cluster: built.cluster, dir, files: written, consumers: built.consumers, generatedAt };
}
