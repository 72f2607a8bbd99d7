/**
 * @doyensec/electronegativity over the built app (the files app.asar holds: dist/main.mjs,
 * dist/preload.cjs, dist/renderer, the packaged package.json), from its own folder outside the app's
 * dependency tree (tools/electronegativity, installed by `npm ci --prefix tools/electronegativity`).
 * The scanner exits 0 whatever it finds, so its SARIF report is read here: every finding must be
 * justified in tools/electronegativity/config.json, every justification must still match, and no
 * file may fail to parse (a file the scanner cannot read would silently have no findings).
 *
 * What is scanned is the built code with its syntax lowered to ES2020 by esbuild, and with .js
 * names: the scanner reads only .js/.html files and its AST walker predates class private fields
 * (`#x`), which it rejects as "Unknown node type". Lowering keeps every call, object and string.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPackageJson, bundleRuntimeDependencies } from '../../build/app-stage.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const toolDir = join(root, 'tools/electronegativity');

interface Justified {
  rule: string;
  file: string;
  where: string;
  count: number;
  evidence?: string[];
  /** Lines of one paragraph (JSON has no multi-line strings). */
  reason: string[];
}
interface Config {
  excludedChecks: { check: string; reason: string[] }[];
  justified: Justified[];
}
interface Finding {
  rule: string;
  file: string;
  line: string;
  at: string;
}
interface SarifResult {
  ruleId: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
}

const config = JSON.parse(readFileSync(join(toolDir, 'config.json'), 'utf8')) as Config;
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};

let work: string;
let scanDir: string;
let summary: { files: string[]; errors: { file: string; message: string }[]; issues: number };
let findings: Finding[];

async function lower(from: string, to: string, format: 'esm' | 'cjs'): Promise<void> {
  const { code } = await transform(readFileSync(from, 'utf8'), { target: 'es2020', format, loader: 'js' });
  writeFileSync(to, code);
}

/** The scanned copy of the built app: same code, names and syntax the scanner can read. */
async function prepareScanInput(dest: string): Promise<void> {
  for (const f of ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  mkdirSync(dest, { recursive: true });
  await lower(join(root, 'dist/main.mjs'), join(dest, 'main.js'), 'esm');
  await lower(join(root, 'dist/preload.cjs'), join(dest, 'preload.js'), 'cjs');
  cpSync(join(root, 'dist/renderer'), join(dest, 'renderer'), { recursive: true, filter: (s) => !s.endsWith('.map') });
  const assets = join(dest, 'renderer/assets');
  for (const f of existsSync(assets) ? readdirSync(assets) : []) {
    if (f.endsWith('.js')) await lower(join(assets, f), join(assets, f), 'esm');
  }
  const deps = await bundleRuntimeDependencies(join(root, 'dist/main.mjs'));
  writeFileSync(join(dest, 'package.json'), JSON.stringify(appPackageJson(rootPkg, deps), null, 2));
}

function readFindings(sarifFile: string): Finding[] {
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: SarifResult[] }[] };
  return sarif.runs.flatMap((run) =>
    run.results.map((r) => {
      const loc = r.locations[0]!.physicalLocation;
      // Global checks report `file:///`, line 1: about the app as a whole, not a line of a file.
      const file = loc.artifactLocation.uri === 'file:///' ? '' : loc.artifactLocation.uri;
      const line = file ? (readFileSync(join(scanDir, file), 'utf8').split('\n')[loc.region.startLine - 1] ?? '') : '';
      return { rule: r.ruleId, file, line, at: file ? `${file}:${loc.region.startLine}` : r.message.text };
    }),
  );
}

const matches = (j: Justified, f: Finding) => j.rule === f.rule && j.file === f.file && f.line.includes(j.where);

beforeAll(async () => {
  if (!existsSync(join(toolDir, 'node_modules/@doyensec/electronegativity'))) {
    throw new Error('the scanner is not installed: npm ci --prefix tools/electronegativity (.ci/run does it)');
  }
  // No "node_modules" in the path: the scanner skips every file whose path contains it.
  work = mkdtempSync(join(tmpdir(), 'oslc-electronegativity-'));
  scanDir = join(work, 'app');
  await prepareScanInput(scanDir);
  const version = rootPkg.devDependencies.electron!;
  execFileSync(
    process.execPath,
    [
      join(toolDir, 'run.mjs'),
      ...['--input', scanDir, '--sarif', join(work, 'report.sarif'), '--summary', join(work, 'summary.json')],
      ...['--electron-version', version, '--exclude', config.excludedChecks.map((c) => c.check).join(',')],
    ],
    { cwd: toolDir, stdio: 'pipe', timeout: 90_000 },
  );
  summary = JSON.parse(readFileSync(join(work, 'summary.json'), 'utf8')) as typeof summary;
  findings = readFindings(join(work, 'report.sarif'));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('electronegativity over the built app', () => {
  it('reads the main process, the preload, the renderer and the packaged package.json, and parses every one', () => {
    expect(summary.files).toEqual(
      expect.arrayContaining(['main.js', 'preload.js', 'renderer/index.html', 'package.json']),
    );
    expect(summary.files.some((f) => /^renderer\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(summary.errors).toEqual([]);
    expect(findings).toHaveLength(summary.issues);
  });

  it('finds nothing that is not justified in tools/electronegativity/config.json', () => {
    const unjustified = findings.filter((f) => !config.justified.some((j) => matches(j, f)));
    expect(unjustified.map((f) => `${f.rule} at ${f.at}: ${f.line.trim()}`)).toEqual([]);
  });

  it('has no stale justification: each matches exactly as many findings as it says', () => {
    const counts = config.justified.map((j) => ({
      rule: j.rule,
      where: j.where,
      want: j.count,
      got: findings.filter((f) => matches(j, f)).length,
    }));
    expect(counts.filter((c) => c.got !== c.want)).toEqual([]);
  });

  it("finds in the scanned code what each justification's reason relies on", () => {
    const missing = config.justified.flatMap((j) => {
      const files = j.file ? [j.file] : ['main.js', 'preload.js'];
      const text = files.map((f) => readFileSync(join(scanDir, f), 'utf8')).join('\n');
      return (j.evidence ?? []).filter((e) => !text.includes(e)).map((e) => `${j.rule}: ${e}`);
    });
    expect(missing).toEqual([]);
  });

  it('gives a reason for every justification and every excluded check', () => {
    for (const entry of [...config.justified, ...config.excludedChecks])
      expect(entry.reason.join(' ').length).toBeGreaterThan(40);
  });
});
