/**
 * Opening a support report someone sent (issue "The support engineer's workbench"): the file's
 * size is checked before it is read, its text is parsed and checked against the format
 * (shared/report-format.ts), and every string is passed through the report's own redaction again —
 * a report edited by hand, or written by a build with a redaction gap, shows `[redacted]` where a
 * secret stood, and the viewer says how many values it masked. The file itself is never changed.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode, badInput } from '../../../shared/errors.ts';
import { MAX_REPORT_BYTES, parseReportText } from '../../../shared/report-format.ts';
import type { OpenedReport, ReportFile } from '../../../shared/report-format.ts';
import { diffReports } from '../../../shared/report-diff.ts';
import type { ReportDiff } from '../../../shared/report-diff.ts';
import { scrubText } from './scrub.ts';

/** Every string of `value` scrubbed; `paths` collects where a string changed. */
function masked<T>(value: T, at: string, paths: string[]): T {
  if (typeof value === 'string') {
    const out = scrubText(value);
    if (out !== value) paths.push(at || '(top level)');
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown, i) => masked(v, `${at}[${i}]`, paths)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, masked(v, at ? `${at}.${k}` : k, paths)]),
    ) as T;
  return value;
}

/** A report's text (the console sends what the user dropped or chose), checked, migrated and masked. */
export function openReportText(text: unknown, source: unknown): OpenedReport {
  if (typeof source !== 'string' || source.trim() === '') throw badInput('source', 'must name the file opened');
  if (typeof text !== 'string') throw badInput('text', "must be the file's text");
  // The folder too when there is one (`before/report.json`): two reports are usually both report.json.
  const folder = path.basename(path.dirname(source));
  const name = (
    folder && folder !== '.' && folder !== '/' ? `${folder}/${path.basename(source)}` : path.basename(source)
  ).slice(0, 256);
  const { report, readFromVersion } = parseReportText(text, name);
  const paths: string[] = [];
  const clean = masked(report, '', paths) as ReportFile;
  const notices: string[] = [];
  if (readFromVersion < report.formatVersion)
    notices.push(
      `Written in format version ${readFromVersion} by an earlier build (${report.app.version}); shown as version ${report.formatVersion}.`,
    );
  if (paths.length)
    notices.push(
      `${paths.length} value(s) in this file looked like secrets and are masked here (${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}). The file was edited, or written by a build that let them through: treat those credentials as exposed.`,
    );
  if (report.anonymized)
    notices.push(
      'Anonymised by the sender: host names, addresses, users, repository and consumer names are placeholders; the sender keeps the mapping.',
    );
  return { report: clean, readFromVersion, source: name, notices, masked: paths.length };
}

/** A report file on disk: refused before reading when it is larger than a report can be. */
export async function openReportFile(file: string): Promise<OpenedReport> {
  if (typeof file !== 'string' || file.trim() === '') throw badInput('file', 'must name a report.json');
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError(
      ErrorCode.BAD_INPUT,
      code === 'ENOENT'
        ? `file: ${file} does not exist`
        : code === 'EISDIR'
          ? `file: ${file} is a directory; give the report.json inside it`
          : `file: ${file} cannot be read (${code ?? String(e)})`,
      { details: { field: 'file' } },
    );
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw badInput('file', `${file} is a directory; give the report.json inside it`);
    if (st.size > MAX_REPORT_BYTES)
      throw new AppError(
        ErrorCode.BAD_INPUT,
        `${path.basename(file)} is not a report this app can open: it is ${(st.size / 1024 / 1024).toFixed(0)} MB, larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`,
        { details: { field: 'file', limit: MAX_REPORT_BYTES } },
      );
    const text = await handle.readFile('utf8');
    return openReportText(text, file);
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw badInput('file', `${file} cannot be read (${code ?? String(e)})`);
  } finally {
    await handle.close();
  }
}

/** Two reports' texts compared; each is opened (checked, masked) first, and its notices kept. */
export function diffReportTexts(a: unknown, b: unknown): ReportDiff & { notices: string[] } {
  const side = (x: unknown, field: 'a' | 'b') => {
    if (typeof x !== 'object' || x === null) throw badInput(field, 'must be a report: { text, source }');
    const { text, source } = x as { text?: unknown; source?: unknown };
    return openReportText(text, source);
  };
  return diffOpened(side(a, 'a'), side(b, 'b'));
}

/** Two opened reports compared, with what opening each of them noticed. */
export function diffOpened(a: OpenedReport, b: OpenedReport): ReportDiff & { notices: string[] } {
  return {
    ...diffReports(a, b),
    notices: [...a.notices.map((n) => `${a.source}: ${n}`), ...b.notices.map((n) => `${b.source}: ${n}`)],
  };
}
