/**
 * The support report: `report.md` (what a support ticket needs, readable) and `report.json` (the
 * same facts, whole) in one directory. Cluster definition, node table, diagnosis per tracked
 * consumer, last sync (from the audit log), certificate details, versions of this app and of Node.
 *
 * Secrets never reach the files: every text passes the diagnosis redaction (signatures, secrets,
 * token secrets, tokens, verifiers, passwords, cookies), then every secret this engine knows (admin
 * password, consumer secrets) is replaced wherever it stands, and the final texts are checked for
 * them once more before anything is written. Existing report files are never overwritten.
 */
import { markdownText, terminalLines } from '../../../shared/network-text.ts';
import { X509Certificate } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '../../../shared/contract-repair.ts';
import type { Diagnosis, ReportArg, ReportEvent, ReportResult } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { AppError, badInput, ErrorCode, toErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus, TlsInfo } from '../../../shared/model.ts';
import { normalizeFingerprint } from '../http/tls-trust.ts';
import { REDACTED } from '../redact.ts';
import { checkErrorText, diagnose, fromKeychain } from './diagnose.ts';
import type { DiagnoseEngine } from './engine.ts';
import { parseErrorText } from './error-text.ts';
import { scrubDeep, scrubText } from './scrub.ts';
import { anonymizeReport } from './report-anonymize.ts';
import { REPORT_APP_NAME, REPORT_FORMAT_VERSION } from '../../../shared/report-format.ts';

export const REPORT_FILES = ['report.md', 'report.json'] as const;
/** Written next to an anonymised report, never inside it: placeholder → original, for the customer only. */
export const MAPPING_FILE = 'report-mapping.json';

export interface ReportOptions {
  onProgress?: (event: ReportEvent) => void;
}

interface CaCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
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

/** Node text in a table cell or an inline line: controls escaped visibly, Markdown metacharacters too (shared/network-text.ts). */
const cell = (s: string) => markdownText(s);
const md = markdownText;

function mdTable(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function tlsLine(t: TlsInfo | null): string {
  if (!t) return 'plain HTTP (or not reached)';
  return `${t.authorized ? 'trusted' : 'not verified by chain (pinned or refused)'}; subject ${md(t.subject)}; issuer ${md(t.issuer)}; valid ${md(t.validFrom)} – ${md(t.validTo)}; SHA-256 ${md(t.fingerprint256)}`;
}

interface ReportData {
  formatVersion: number;
  anonymized?: boolean;
  generatedAt: string;
  app: { name: string; version: string };
  runtime: { node: string; platform: string; arch: string; osRelease: string };
  cluster: Omit<ClusterDefinition, 'caPem'> & { caBundle: CaCertificate[] };
  status: ClusterStatus | null;
  statusError: ErrorInfo | null;
  diagnoses: { key: string; name: string; diagnosis: Diagnosis | null; error: ErrorInfo | null }[];
  errorText: ReturnType<typeof parseErrorText> | null;
  lastSync: AuditEntry | null;
  audit: { available: boolean; entries: number; error: string | null };
  /** The cluster's last audit lines, oldest first (issue 18, defect 18): what was done before the report. */
  auditExcerpt: AuditEntry[];
  notices: string[];
}

/** How many of the cluster's last audit lines the report carries. */
export const AUDIT_EXCERPT_LINES = 20;

function markdown(d: ReportData): string {
  const c = d.cluster;
  const out: string[] = [];
  out.push(`# Support report: cluster ${c.name}`, '');
  out.push(
    `Generated ${d.generatedAt} by OSLC Cluster Admin ${d.app.version} on Node ${d.runtime.node} (${d.runtime.platform} ${d.runtime.arch}, ${d.runtime.osRelease}).`,
    '',
  );
  out.push('Secrets, signatures, tokens, token secrets and passwords are redacted in this report.', '');
  if (d.anonymized)
    out.push(
      'Anonymised: host names, addresses, users, repository, database, consumer and node names are placeholders; the sender keeps the mapping.',
      '',
    );

  out.push('## Cluster definition', '');
  out.push(`- Kind: ${c.kind}`, `- Balancer: ${c.balancerUrl}`);
  if (c.repo || c.db) out.push(`- Repository / database: ${c.repo ?? '-'} / ${c.db ?? '-'}`);
  out.push(`- Admin user: ${c.adminUser ?? '(no login stored)'}`);
  out.push(
    `- Timeouts: connect ${c.timeouts.connectMs} ms, total ${c.timeouts.totalMs} ms; response cap ${c.maxResponseBytes} bytes`,
  );
  out.push(
    `- CA bundle: ${c.caBundle.length ? `${c.caBundle.length} certificate(s), listed below` : 'none (system roots)'}`,
  );
  out.push(`- Pinned certificates: ${c.pinnedFingerprints.length ? c.pinnedFingerprints.join(', ') : 'none'}`, '');
  out.push(
    mdTable(
      ['Node', 'URL', 'Label'],
      c.nodes.map((n) => [n.id, n.url, n.label]),
    ),
    '',
  );
  if (c.consumers.length)
    out.push(
      mdTable(
        ['Tracked consumer key', 'Name', 'Secret stored'],
        c.consumers.map((k) => [k.key, k.name, k.hasSecret ? 'yes' : 'no']),
      ),
      '',
    );
  else out.push('No consumers are tracked.', '');

  out.push('## Nodes', '');
  if (d.status) {
    out.push(`Checked ${d.status.checkedAt}.`, '');
    out.push(
      mdTable(
        ['Node', 'URL', 'Up', 'Latency', 'Clock skew', 'Provisional keys', 'Approved keys', 'Problem'],
        d.status.nodes.map((n) => [
          n.id,
          n.url,
          n.up ? 'yes' : 'NO',
          n.latencyMs === null ? '-' : `${n.latencyMs} ms`,
          n.clockSkewSeconds === null ? '-' : `${n.clockSkewSeconds >= 0 ? '+' : ''}${n.clockSkewSeconds} s`,
          n.provisional === null ? 'n/a' : n.provisional.join(', ') || '-',
          n.approved === null ? 'n/a' : n.approved.join(', ') || '-',
          n.error ? `${n.error.code}: ${n.error.message}` : '',
        ]),
      ),
      '',
    );
    if (d.status.drift.length) out.push('Drift:', '', ...d.status.drift.map((x) => `- ${md(x.message)}`), '');
    if (d.status.notices.length) out.push('Notes:', '', ...d.status.notices.map((x) => `- ${md(x)}`), '');
  } else out.push(`The status could not be read: ${md(d.statusError?.message ?? 'unknown error')}`, '');

  out.push('## Certificates', '');
  if (d.status) for (const n of d.status.nodes) out.push(`- ${n.id}: ${tlsLine(n.tls)}`);
  for (const ca of c.caBundle)
    out.push(
      `- CA bundle: subject ${md(ca.subject)}; issuer ${md(ca.issuer)}; valid ${ca.validFrom} – ${ca.validTo}; SHA-256 ${ca.fingerprint256}`,
    );
  out.push('');

  out.push('## Diagnosis per tracked consumer', '');
  if (!d.diagnoses.length)
    out.push(
      'No consumers are tracked, so none was diagnosed. Track one (with its key and secret) to have it diagnosed.',
      '',
    );
  for (const x of d.diagnoses) {
    out.push(`### ${md(x.key)}${x.name !== x.key ? ` (${md(x.name)})` : ''}`, '');
    if (!x.diagnosis) {
      out.push(`The diagnosis failed: ${md(x.error?.message ?? 'unknown error')}`, '');
      continue;
    }
    const g = x.diagnosis;
    out.push(
      `Checked ${g.checkedAt} in ${g.durationMs} ms; consumer secret ${g.secretChecked ? 'checked' : 'not checked (none stored)'}.`,
      '',
    );
    for (const cause of g.causes) {
      out.push(
        `- **${cause.code}**${cause.nodes.length ? ` (${cause.nodes.join(', ')})` : ''}: ${md(cause.message)}${cause.fix ? ` Fix: \`${cause.fix.action}\` ${JSON.stringify(cause.fix.args)}.` : ''}`,
      );
    }
    out.push(
      '',
      mdTable(
        ['Node', 'Key state', 'Clock skew', 'Listed', 'Problem'],
        g.nodes.map((n) => [
          n.id,
          n.state,
          n.clockSkewSeconds === null ? '-' : `${n.clockSkewSeconds} s`,
          n.listed ?? 'n/a',
          n.problem ?? n.error?.message ?? '',
        ]),
      ),
      '',
    );
    if (g.balancer)
      out.push(
        `Balancer: ${md(g.balancer.summary)}${g.balancer.sticky === null ? '' : g.balancer.sticky ? ' It keeps a session on one node.' : ' It does NOT keep a session on one node.'}`,
        '',
      );
    if (g.notices.length) out.push(...g.notices.map((n) => `- ${md(n)}`), '');
  }

  if (d.errorText) {
    out.push('## Pasted error text', '', '```', terminalLines(d.errorText.excerpt).replace(/```/g, "'''"), '```', '');
    out.push(`- HTTP status: ${d.errorText.httpStatus ?? '-'}`);
    out.push(
      `- OAuth problems: ${d.errorText.oauthProblems.join(', ') || '-'}; product texts: ${d.errorText.productTexts.join(', ') || '-'}`,
    );
    out.push(`- Likely causes: ${d.errorText.likelyCauses.join(', ') || '-'}`);
    out.push(...d.errorText.explanation.map((e) => `- ${e}`), '');
  }

  out.push('## Last sync', '');
  if (!d.audit.available)
    out.push(
      d.audit.error ? `The audit log could not be read: ${d.audit.error}` : 'No audit log is kept by this engine.',
    );
  else if (d.lastSync)
    out.push(
      `${d.lastSync.time} by ${md(d.lastSync.user)}: ${d.lastSync.outcome}${d.lastSync.node ? ` on ${md(d.lastSync.node)}` : ''}${d.lastSync.detail ? ` (${md(d.lastSync.detail)})` : ''}.`,
    );
  else out.push(`No sync is recorded in the audit log (${d.audit.entries} entries for this cluster).`);
  out.push('');

  if (d.audit.available) {
    out.push('## Audit excerpt', '');
    if (d.auditExcerpt.length === 0) out.push('The audit log has no line for this cluster.', '');
    else
      out.push(
        `The last ${d.auditExcerpt.length} of ${d.audit.entries} audit lines for this cluster, oldest first:`,
        '',
        mdTable(
          ['time', 'user', 'node', 'action', 'key', 'outcome', 'detail'],
          d.auditExcerpt.map((e) => [e.time, e.user, e.node ?? '-', e.action, e.key ?? '-', e.outcome, e.detail ?? '']),
        ),
        '',
      );
  }

  if (d.notices.length) out.push('## Notes', '', ...d.notices.map((n) => `- ${md(n)}`), '');
  return `${out.join('\n')}\n`;
}

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

  // Every secret this engine knows, so that none can slip into the files whatever carries it.
  const admin = await fromKeychain('the admin login', notices, () => engine.adminCredentials(def), null);
  const secrets: string[] = admin ? [admin.password] : [];
  for (const c of def.consumers) {
    if (!c.hasSecret) continue;
    const s = await fromKeychain(`the secret of ${c.key}`, notices, () => engine.consumerSecret(def, c.key), null);
    if (s) secrets.push(s);
  }

  emit({ type: 'status' });
  let status: ClusterStatus | null = null;
  let statusError: ErrorInfo | null = null;
  try {
    status = await engine.status({ cluster: def.name });
  } catch (e) {
    statusError = toErrorInfo(e);
  }

  const diagnoses: ReportData['diagnoses'] = [];
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

  let lastSync: AuditEntry | null = null;
  let auditExcerpt: AuditEntry[] = [];
  const audit: ReportData['audit'] = { available: typeof engine.audit === 'function', entries: 0, error: null };
  if (typeof engine.audit === 'function') {
    try {
      const { entries } = await engine.audit({ cluster: def.name });
      audit.entries = entries.length;
      lastSync = entries.filter((e) => e.action === 'sync').at(-1) ?? null;
      auditExcerpt = entries.slice(-AUDIT_EXCERPT_LINES);
    } catch (e) {
      audit.available = false;
      audit.error = toErrorInfo(e).message;
    }
  }

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

  const md = finalText(markdown(data), secrets, label.md, 'md');
  const json = finalText(
    `${JSON.stringify({ redactionMarker: REDACTED, ...data }, null, 2)}\n`,
    secrets,
    label.json,
    'json',
  );
  return { cluster: def.name, generatedAt, consumers: diagnoses.length, md, json, mapping };
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
