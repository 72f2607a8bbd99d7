/**
 * The support report's `report.md`, rendered from the gathered facts (`report.ts` gathers and
 * writes): one function per section, in the order the file shows them. Node text passes
 * `markdownText` (shared/network-text.ts) so a node cannot inject Markdown or control characters.
 */
import { markdownText, terminalLines } from '../../../shared/network-text.ts';
import type { AuditEntry } from '../../../shared/contract-repair.ts';
import type { Diagnosis } from '../../../shared/diagnose.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus, TlsInfo } from '../../../shared/model.ts';
import type { parseErrorText } from './error-text.ts';

export interface CaCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

/** Everything the report says, gathered and scrubbed; `report.json` is this object. */
export interface ReportData {
  formatVersion: number;
  anonymized?: boolean;
  generatedAt: string;
  app: { name: string; version: string };
  runtime: { node: string; platform: string; arch: string; osRelease: string };
  cluster: Omit<ClusterDefinition, 'caPem'> & { caBundle: CaCertificate[] };
  status: ClusterStatus | null;
  statusError: ErrorInfo | null;
  diagnoses: ConsumerDiagnosis[];
  errorText: ReturnType<typeof parseErrorText> | null;
  lastSync: AuditEntry | null;
  audit: { available: boolean; entries: number; error: string | null };
  /** The cluster's last audit lines, oldest first (issue 18, defect 18): what was done before the report. */
  auditExcerpt: AuditEntry[];
  notices: string[];
}

export interface ConsumerDiagnosis {
  key: string;
  name: string;
  diagnosis: Diagnosis | null;
  error: ErrorInfo | null;
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

/** The report as Markdown: one line per array element, sections in a fixed order. */
export function renderMarkdown(d: ReportData): string {
  const out = [
    ...headerSection(d),
    ...definitionSection(d.cluster),
    ...nodesSection(d),
    ...certificatesSection(d),
    ...diagnosesSection(d.diagnoses),
    ...errorTextSection(d.errorText),
    ...auditSections(d),
    ...(d.notices.length ? ['## Notes', '', ...d.notices.map((n) => `- ${md(n)}`), ''] : []),
  ];
  return `${out.join('\n')}\n`;
}

function headerSection(d: ReportData): string[] {
  const out = [
    `# Support report: cluster ${d.cluster.name}`,
    '',
    `Generated ${d.generatedAt} by OSLC Cluster Admin ${d.app.version} on Node ${d.runtime.node} (${d.runtime.platform} ${d.runtime.arch}, ${d.runtime.osRelease}).`,
    '',
    'Secrets, signatures, tokens, token secrets and passwords are redacted in this report.',
    '',
  ];
  if (d.anonymized)
    out.push(
      'Anonymised: host names, addresses, users, repository, database, consumer and node names are placeholders; the sender keeps the mapping.',
      '',
    );
  return out;
}

function definitionSection(c: ReportData['cluster']): string[] {
  const out: string[] = ['## Cluster definition', ''];
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
  return out;
}

function nodesSection(d: ReportData): string[] {
  const out: string[] = ['## Nodes', ''];
  if (!d.status) {
    out.push(`The status could not be read: ${md(d.statusError?.message ?? 'unknown error')}`, '');
    return out;
  }
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
  return out;
}

function certificatesSection(d: ReportData): string[] {
  const out: string[] = ['## Certificates', ''];
  if (d.status) for (const n of d.status.nodes) out.push(`- ${n.id}: ${tlsLine(n.tls)}`);
  for (const ca of d.cluster.caBundle)
    out.push(
      `- CA bundle: subject ${md(ca.subject)}; issuer ${md(ca.issuer)}; valid ${ca.validFrom} – ${ca.validTo}; SHA-256 ${ca.fingerprint256}`,
    );
  out.push('');
  return out;
}

function diagnosesSection(diagnoses: ConsumerDiagnosis[]): string[] {
  const out: string[] = ['## Diagnosis per tracked consumer', ''];
  if (!diagnoses.length)
    out.push(
      'No consumers are tracked, so none was diagnosed. Track one (with its key and secret) to have it diagnosed.',
      '',
    );
  for (const x of diagnoses) out.push(...consumerDiagnosis(x));
  return out;
}

function consumerDiagnosis(x: ConsumerDiagnosis): string[] {
  const out: string[] = [`### ${md(x.key)}${x.name !== x.key ? ` (${md(x.name)})` : ''}`, ''];
  if (!x.diagnosis) {
    out.push(`The diagnosis failed: ${md(x.error?.message ?? 'unknown error')}`, '');
    return out;
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
  return out;
}

function errorTextSection(e: ReportData['errorText']): string[] {
  if (!e) return [];
  return [
    '## Pasted error text',
    '',
    '```',
    terminalLines(e.excerpt).replace(/```/g, "'''"),
    '```',
    '',
    `- HTTP status: ${e.httpStatus ?? '-'}`,
    `- OAuth problems: ${e.oauthProblems.join(', ') || '-'}; product texts: ${e.productTexts.join(', ') || '-'}`,
    `- Likely causes: ${e.likelyCauses.join(', ') || '-'}`,
    ...e.explanation.map((x) => `- ${x}`),
    '',
  ];
}

/** "Last sync", and the audit excerpt when the audit log could be read. */
function auditSections(d: ReportData): string[] {
  const out: string[] = ['## Last sync', ''];
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
  if (!d.audit.available) return out;
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
  return out;
}
