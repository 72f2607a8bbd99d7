/**
 * The report format (shared/report-format.ts) and the engine's reader (report-open.ts): every
 * earlier version still opens; a file that is not a report, truncated, too large, from a newer
 * version or of the wrong shape is refused with what is wrong and where; a planted secret is masked
 * and said; HTML and bidi payloads in every string field come out of `report show` as text.
 */
import fsp from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReportFile, openReportText } from '../../electron/core/diagnose/report-open.ts';
import { formatOpenedReport } from '../../electron/cli/report.ts';
import { isAppError } from '../../shared/errors.ts';
import { MAX_REPORT_BYTES, REPORT_FORMAT_VERSION, reportSchemaText } from '../../shared/report-format.ts';

const FIXTURES = new URL('../fixtures/reports/', import.meta.url).pathname;
const v1 = (state: string) => readFileSync(path.join(FIXTURES, `v1-${state}`, 'report.json'), 'utf8');

let work: string;
beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'oslc-report-format-'));
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isAppError(e) && e.code === 'BAD_INPUT', String(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('earlier versions', () => {
  const folders = readdirSync(FIXTURES).filter((f) => f.startsWith('v1-'));
  it('has the fixtures written by earlier builds', () => expect(folders.length).toBeGreaterThanOrEqual(5));
  for (const folder of folders) {
    it(`${folder} opens as version ${REPORT_FORMAT_VERSION}, and says it was version 1`, () => {
      const o = openReportText(
        readFileSync(path.join(FIXTURES, folder, 'report.json'), 'utf8'),
        `${folder}/report.json`,
      );
      expect(o.readFromVersion).toBe(1);
      expect(o.report.formatVersion).toBe(REPORT_FORMAT_VERSION);
      expect(o.masked).toBe(0);
      expect(o.notices[0]).toContain('format version 1');
      expect(o.report.diagnoses.length).toBeGreaterThan(0);
    });
  }
});

describe('bad files', () => {
  it('not JSON, naming report.md when that is what was given', () => {
    expect(refusal(() => openReportText('# Support report', 'report.md'))).toMatch(/not JSON.*Open report\.json/);
    expect(refusal(() => openReportText('<html>', 'x.json'))).toMatch(/x\.json is not a report.*not JSON/);
  });
  it('truncated', () => {
    expect(refusal(() => openReportText(v1('healthy').slice(0, 400), 'report.json'))).toContain('truncated');
  });
  it('empty, an array, or not written by this product', () => {
    expect(refusal(() => openReportText('  ', 'r.json'))).toContain('empty');
    expect(refusal(() => openReportText('[1]', 'r.json'))).toContain('not a JSON object');
    expect(refusal(() => openReportText('{"app":{"name":"Keycloak"}}', 'r.json'))).toContain(
      'not written by OSLC Cluster Admin',
    );
  });
  it('a newer format version: says so, and to update', () => {
    const newer = { ...JSON.parse(v1('healthy')), formatVersion: REPORT_FORMAT_VERSION + 1 };
    expect(refusal(() => openReportText(JSON.stringify(newer), 'r.json'))).toMatch(
      new RegExp(`format version ${REPORT_FORMAT_VERSION + 1}, written by a newer version.*Update the app`),
    );
    expect(refusal(() => openReportText(JSON.stringify({ ...newer, formatVersion: 'two' }), 'r.json'))).toContain(
      'formatVersion must be a whole number',
    );
  });
  it('the wrong shape: the path of the first problem', () => {
    const r = JSON.parse(v1('node-down'));
    r.status.nodes[1].up = 'yes';
    expect(refusal(() => openReportText(JSON.stringify(r), 'r.json'))).toContain('status.nodes[1].up');
    const s = JSON.parse(v1('healthy'));
    delete s.diagnoses;
    expect(refusal(() => openReportText(JSON.stringify(s), 'r.json'))).toContain('diagnoses');
  });
  it('200 MB: refused from its size, before it is read', async () => {
    const big = path.join(work, 'big.json');
    const h = await fsp.open(big, 'w');
    await h.truncate(200 * 1024 * 1024); // sparse: nothing is written
    await h.close();
    await expect(openReportFile(big)).rejects.toThrow(
      /big\.json is not a report this app can open: it is 200 MB, larger than 32 MB/,
    );
    expect(MAX_REPORT_BYTES).toBe(32 * 1024 * 1024);
  });
  it('a directory or a missing file: named', async () => {
    await expect(openReportFile(work)).rejects.toThrow(/is a directory; give the report\.json inside it/);
    await expect(openReportFile(path.join(work, 'nope.json'))).rejects.toThrow(/does not exist/);
  });
});

describe('what a report holds is shown, never obeyed or leaked', () => {
  /** Every string of the report replaced by `f(old)`. */
  function everyString(value: unknown, f: (s: string, key: string) => string, key = ''): unknown {
    if (typeof value === 'string') return f(value, key);
    if (Array.isArray(value)) return value.map((v) => everyString(v, f, key));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyString(v, f, k)]));
    return value;
  }
  const KEEP = new Set(['name', 'severity', 'state', 'code', 'formatVersion']);

  it('HTML and bidi payloads in every string field: `report show` prints them as visible text', () => {
    const payload = '<img src=x onerror=alert(1)><script>x()</script>\u202egnp.exe\u200b\u001b[31m';
    const r = everyString(JSON.parse(v1('provisional-one-node')), (s, key) =>
      KEEP.has(key) && ['OSLC Cluster Admin', 'error', 'warning', 'ok'].includes(s) ? s : `${s}${payload}`,
    ) as Record<string, unknown>;
    const o = openReportText(JSON.stringify(r), 'hostile.json');
    const out = formatOpenedReport(o);
    for (const hidden of ['\u202e', '\u200b', '\u001b']) expect(out).not.toContain(hidden);
    expect(out).toContain('\\u202egnp.exe\\u200b\\u001b[31m');
    expect(out).toContain('<img src=x onerror=alert(1)>'); // text on a terminal: shown as it is, not run
  });

  it('a planted secret is masked when the report opens, and the view says so', () => {
    const r = JSON.parse(v1('healthy'));
    r.notices.push('request had oauth_signature=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D&oauth_token=abc');
    r.status.nodes[0].error = { code: 'X', message: 'Authorization: Basic YWRtaW46aHVudGVyMg==' };
    r.auditExcerpt.push({ ...r.auditExcerpt[0], detail: 'password=hunter2-planted' });
    const o = openReportText(JSON.stringify(r), 'edited.json');
    const all = JSON.stringify(o.report) + formatOpenedReport(o);
    for (const secret of ['c2VjcmV0LXNpZ25hdHVyZQ', 'YWRtaW46aHVudGVyMg', 'hunter2-planted'])
      expect(all).not.toContain(secret);
    expect(o.masked).toBe(3);
    const said = o.notices.join(' ');
    expect(said).toContain('3 value(s) in this file looked like secrets and are masked here');
    for (const where of ['notices[0]', 'status.nodes[0].error.message', 'auditExcerpt[1].detail'])
      expect(said).toContain(where);
    expect(formatOpenedReport(o)).toContain('NOTE: 3 value(s)');
  });
});

describe('the JSON Schema', () => {
  it('shared/report.schema.json is the schema of shared/report-format.ts (run `npm run report-schema` after a change)', () => {
    expect(readFileSync(new URL('../../shared/report.schema.json', import.meta.url), 'utf8')).toBe(reportSchemaText());
  });
});
