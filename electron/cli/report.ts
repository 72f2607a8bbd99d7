/**
 * `report show FILE` and `report diff A B`: a support engineer reads what a customer sent, and
 * compares two reports (before and after a fix, or two sites). Read-only: nothing is contacted.
 * The engine opens the files (size, format, version, secrets masked again); this prints them with
 * the same formatters as the live `status` and `diagnose`, so a report reads like the commands.
 */
import type { ClusterStatus } from '../../shared/model.ts';
import type { Diagnosis } from '../../shared/diagnose.ts';
import type { ReportDiff } from '../../shared/report-diff.ts';
import type { OpenedReport } from '../../shared/report-format.ts';
import { terminalText } from '../../shared/network-text.ts';
import { diffOpened, openReportFile } from '../core/diagnose/report-open.ts';
import { flag, parse, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { formatDiagnosis } from './diagnose.ts';
import { EXIT, table, writeJson } from './io.ts';
import { formatStatus } from './status.ts';

export const REPORT_SHOW_USAGE = 'oslc-admin report show <report.json> [--json]';
export const REPORT_DIFF_USAGE = 'oslc-admin report diff <before/report.json> <after/report.json> [--json]';

/** A part of a hand-edited report the formatter cannot read is named, not a crash. */
function part(title: string, render: () => string): string {
  try {
    return render();
  } catch {
    return `(${title}: this part of the report is incomplete and cannot be shown)`;
  }
}

export function formatOpenedReport(o: OpenedReport): string {
  const r = o.report;
  const out: string[] = [
    `REPORT (read-only) of cluster ${r.cluster.name} (${r.cluster.kind}), taken ${r.generatedAt}`,
    `from ${o.source}, written by ${r.app.name} ${r.app.version} on Node ${r.runtime.node} (${r.runtime.platform} ${r.runtime.arch}); format version ${o.readFromVersion}${o.readFromVersion !== r.formatVersion ? ` (read as ${r.formatVersion})` : ''}`,
  ];
  for (const n of o.notices) out.push(`NOTE: ${n}`);
  out.push('', `Balancer ${r.cluster.balancerUrl}`);
  if (r.cluster.repo || r.cluster.db)
    out.push(`Repository / database: ${r.cluster.repo ?? '-'} / ${r.cluster.db ?? '-'}`);
  out.push(
    `Tracked consumers: ${r.cluster.consumers.map((c) => (c.name !== c.key ? `${c.name} (${c.key})` : c.key)).join(', ') || 'none'}`,
    '',
  );
  if (r.status) out.push(part('nodes', () => formatStatus(r.status as unknown as ClusterStatus)));
  else out.push(`The status could not be read when the report was taken: ${r.statusError?.message ?? 'unknown'}`);
  out.push('');
  for (const d of r.diagnoses) {
    out.push(`Diagnosis of ${d.name !== d.key ? `${d.name} (${d.key})` : d.key}:`);
    out.push(
      d.diagnosis
        ? part('diagnosis', () => formatDiagnosis(d.diagnosis as unknown as Diagnosis))
        : `  failed: ${d.error?.message ?? 'unknown'}`,
    );
  }
  if (!r.diagnoses.length) out.push('No consumer was tracked, so none was diagnosed.', '');
  if (r.lastSync) out.push(`Last sync: ${r.lastSync.time} by ${r.lastSync.user}: ${r.lastSync.outcome}`);
  if (r.auditExcerpt.length) {
    out.push('', `Audit excerpt (the last ${r.auditExcerpt.length} of ${r.audit.entries} lines, oldest first):`);
    out.push(
      table(
        ['TIME', 'USER', 'NODE', 'ACTION', 'KEY', 'OUTCOME'],
        r.auditExcerpt.map((e) => [e.time, e.user, e.node ?? '-', e.action, e.key ?? '-', e.outcome]),
      ),
    );
  }
  for (const n of r.notices) out.push(`Note from the report: ${n}`);
  // Every character a node or a person put in the file is shown, never obeyed (shared/network-text.ts).
  return `${out.map((l) => l.split('\n').map(terminalText).join('\n')).join('\n')}\n`;
}

export function formatReportDiff(d: ReportDiff & { notices: string[] }): string {
  const out: string[] = [
    `Comparing ${d.a.source} (${d.a.cluster}, ${d.a.generatedAt}) with ${d.b.source} (${d.b.cluster}, ${d.b.generatedAt})`,
  ];
  if (!d.sameCluster) out.push('NOTE: these are reports of two different clusters.');
  for (const n of d.notices) out.push(`NOTE: ${n}`);
  if (d.same) out.push('', 'Nothing changed: the same nodes, keys, states, causes and settings.');
  if (d.settings.length)
    out.push(
      '',
      'Settings:',
      table(
        ['SETTING', 'BEFORE', 'AFTER'],
        d.settings.map((s) => [s.field, s.before, s.after]),
      ),
    );
  if (d.nodes.length)
    out.push(
      '',
      'Nodes:',
      table(
        ['NODE', 'CHANGE', 'WHAT', 'BEFORE', 'AFTER'],
        d.nodes.flatMap((n) =>
          n.facts.length
            ? n.facts.map((f) => [n.id, n.change, f.field, f.before, f.after])
            : [[n.id, n.change, '-', '-', '-']],
        ),
      ),
    );
  if (d.keys.length)
    out.push(
      '',
      'Keys:',
      table(
        ['KEY', 'NODE', 'BEFORE', 'AFTER'],
        d.keys.map((k) => [k.key, k.node, k.before, k.after]),
      ),
    );
  if (d.causes.length)
    out.push(
      '',
      'Causes:',
      ...d.causes.flatMap((c) => [
        `  ${c.key}`,
        ...c.removed.map((x) => `    - ${x}  (gone)`),
        ...c.added.map((x) => `    + ${x}  (new)`),
      ]),
    );
  return `${out.map((l) => l.split('\n').map(terminalText).join('\n')).join('\n')}\n`;
}

/** `report show FILE` / `report diff A B` (argv starts with the subcommand). */
export async function reportFileCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'show') {
    const p = parse(rest, { ...HOME_OPTION, json: { type: 'boolean' } }, REPORT_SHOW_USAGE, {
      min: 1,
      max: 1,
      names: ['report.json'],
    });
    const opened = await openReportFile(p.positionals[0]!);
    if (flag(p, 'json')) writeJson(ctx.io, opened);
    else ctx.io.stdout.write(formatOpenedReport(opened));
    return EXIT.OK;
  }
  const p = parse(rest, { ...HOME_OPTION, json: { type: 'boolean' } }, REPORT_DIFF_USAGE, {
    min: 2,
    max: 2,
    names: ['before', 'after'],
  });
  const a = await openReportFile(p.positionals[0]!);
  const b = await openReportFile(p.positionals[1]!);
  const diff = diffOpened(a, b);
  if (flag(p, 'json')) writeJson(ctx.io, diff);
  else ctx.io.stdout.write(formatReportDiff(diff));
  // diff(1)'s convention: 0 the same, 1 different.
  return diff.same ? EXIT.OK : EXIT.PROBLEM;
}
