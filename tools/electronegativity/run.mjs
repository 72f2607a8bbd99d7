#!/usr/bin/env node
// Runs @doyensec/electronegativity over one folder, through its programmatic runner rather than its
// CLI: the CLI exits 0 whatever it finds and, when writing a report, says nothing about files it
// could not parse (their findings are then silently missing). Writes the SARIF report and a summary
// {"files":[…],"errors":[{"file","message","tolerable"}],"issues":N} (the scanner's own chatter goes
// to stdout, so the summary has a file of its own).
//
//   node tools/electronegativity/run.mjs --input DIR --sarif OUT.sarif --summary OUT.json \
//     --electron-version V [--exclude CheckA,CheckB]
//
// The scanner would fetch translations and Electron's release list from GitHub; a security scan
// that phones home has no place on an air-gapped build host, so its HTTP client is replaced by one
// that fails at once (the release-list check is excluded by the caller for the same reason).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The scanner is CommonJS, and its HTTP client is swapped in CommonJS's module cache.
const load = createRequire(import.meta.url);

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    out[key] = argv[i + 1];
  }
  for (const need of ['input', 'sarif', 'summary', 'electron-version'])
    if (!out[need]) throw new Error(`--${need} is required`);
  return out;
}

function offlineGot() {
  const refuse = () => Promise.reject(new Error('network access is disabled for this scan'));
  const got = Object.assign(refuse, { head: refuse, get: refuse, default: refuse });
  const scannerDir = path.dirname(load.resolve('@doyensec/electronegativity/package.json'));
  const gotPath = createRequire(path.join(scannerDir, 'dist', 'runner.js')).resolve('got');
  load.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: got };
}

async function main() {
  const opts = args(process.argv.slice(2));
  offlineGot();
  const run = load('@doyensec/electronegativity');
  const listFiles = load('@doyensec/electronegativity/dist/util/file.js').list_files;
  const input = path.resolve(opts.input);
  const files = (await listFiles(input)).map((f) => path.relative(input, f).split(path.sep).join('/'));
  const result = await run({
    input,
    output: path.resolve(opts.sarif),
    isSarif: true,
    customScan: [],
    excludeFromScan: (opts.exclude || '').split(',').filter(Boolean),
    isRelative: true,
    isVerbose: false,
    electronVersionOverride: opts['electron-version'],
    parserPlugins: [],
  });
  const errors = result.errors.map((e) => ({ ...e, file: path.relative(input, e.file).split(path.sep).join('/') }));
  const summary = { files: files.sort(), errors, issues: result.issues.length };
  fs.writeFileSync(path.resolve(opts.summary), `${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
});
