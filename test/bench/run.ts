/**
 * `npm run bench [-- --smoke] [--name NAME] [--out DIR] [--only sync,status,memory,cli,sandbox,process,scale] [--no-build]`:
 * runs the bench (./bench.ts), writes `<out>/<name>.json` (default bench-results/, git-ignored) and
 * prints the table. Exit 0 whatever the figures: the bench reports, the table says what is met.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FULL, PARTS, SMOKE, formatTable, runBench } from './bench.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean' },
    name: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string' },
    'no-build': { type: 'boolean' },
  },
});
const root = fileURLToPath(new URL('../../', import.meta.url));
const smoke = values.smoke === true;
const stamp = new Date()
  .toISOString()
  .replace(/[:.]/g, '-')
  .replace(/-\d+Z$/, 'Z');
const name = values.name ?? `${smoke ? 'smoke' : 'full'}-${stamp}`;
if (!/^[\w.-]{1,100}$/.test(name)) {
  process.stderr.write(`--name: "${name}" must be letters, digits, dot, dash or underscore\n`);
  process.exit(2);
}
const only = (values.only ?? '').split(',').filter(Boolean);
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) {
  process.stderr.write(`--only: unknown part ${unknown.join(', ')} (the parts: ${PARTS.join(', ')})\n`);
  process.exit(2);
}

const build = (targets: string[]) => {
  if (values['no-build'] === true || targets.length === 0) return;
  execFileSync(process.execPath, ['scripts/build.mjs', ...targets, '--if-stale', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
};
// Browser mode serves the built console; the CLI figures are the bundle's, so it is rebuilt (when
// stale) right before they are taken: others may edit sources while the bench runs.
build(existsSync(`${root}/dist/renderer/index.html`) ? [] : ['renderer']);
const { result, file } = await runBench(
  { ...(smoke ? SMOKE : FULL), only },
  { name, outDir: values.out ?? `${root}/bench-results`, beforeCli: () => build(['cli']) },
);
const { machine, config } = result;
const heading =
  `${result.smoke ? 'Smoke bench' : 'Bench'} ${result.name}: Node ${machine.node}, ${machine.cpus} CPUs, ` +
  `load ${machine.loadAverage.join(' ')}, ${config.latencyMs} ms per request`;
process.stdout.write(`${heading}\n\n${formatTable(result.rows)}\n\n`);
for (const note of result.notes) process.stdout.write(`Note: ${note}\n`);
process.stdout.write(`${result.allTargetsMet ? 'Every target met.' : 'Some targets NOT met.'} Written to ${file}\n`);

// The keys matrix in Chromium (issue 9), its own module; a smoke run leaves the browser out. At
// issue 27's size (50,000 × 64, the names also shuffled), then at 10,000 × 64 as before.
if (!smoke && only.length === 0) {
  const { formatMatrixFigures, runMatrixBench } = await import('./matrix.ts');
  const matrix = await runMatrixBench({ shuffled: true });
  const at10k = await runMatrixBench({ rows: 10_000, build: false });
  writeFileSync(file.replace(/\.json$/, '.matrix.json'), `${JSON.stringify({ ...matrix, at10k }, null, 2)}\n`);
  process.stdout.write(`\n${formatMatrixFigures(matrix)}\n\n${formatMatrixFigures(at10k)}\n`);
}

// The cluster map in Chromium (issue 23), its own module like the matrix.
if (!smoke && only.length === 0) {
  const { formatMapFigures, runMapBench } = await import('./map.ts');
  const map = await runMapBench();
  writeFileSync(file.replace(/\.json$/, '.map.json'), `${JSON.stringify(map, null, 2)}\n`);
  process.stdout.write(`\n${formatMapFigures(map)}\n`);
}
