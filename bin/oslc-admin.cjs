#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/cli.cjs, built by `npm run build` and by `prepare` during `npm ci`)
// with the V8 code cache made beside it at build time, so a fresh process neither parses nor
// compiles the bundle (issue 27: start-up is most of a fresh `sync`). Node 20 has no compile cache
// for ES modules (module.enableCompileCache is Node 22), hence one CommonJS script loaded through
// vm.Script's cachedData, as Node itself loads CommonJS; and this file is CommonJS too, so no ES
// module loader starts at all. The sources run instead, through tsx, when there is no bundle
// (`npm ci --ignore-scripts`), when a file it was built from has changed since (a development
// checkout: an edit takes effect at once, no rebuild needed), or when OSLC_ADMIN_FROM_SOURCE=1.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const CLI_DIR = path.join(root, 'dist', 'cli');
const BUNDLE = path.join(CLI_DIR, 'cli.cjs');

/** Commands that keep running; the same set as electron/cli/main.ts LONG_RUNNING (a unit test holds them equal). */
const LONG_RUNNING = new Set(['watch', 'serve', 'sandbox']);
/** What every short command runs with (main.ts baselineWasmUnlessLongRunning); the cache is made under it. */
const SHORT_COMMAND_FLAGS = '--liftoff-only';

/** The build's manifest (dist/cli/inputs.json) when the bundle is current, else null. */
function currentBuild() {
  if (process.env.OSLC_ADMIN_FROM_SOURCE === '1') return null;
  try {
    const manifest = JSON.parse(readFileSync(path.join(CLI_DIR, 'inputs.json'), 'utf8'));
    const current = manifest.inputs.every((file) => statSync(path.join(root, file)).mtimeMs <= manifest.builtAtMs);
    return current ? manifest : null;
  } catch {
    return null; // no bundle, or an input gone: the sources are the truth
  }
}

/** The command's name as main() finds it: the first word that is not a global option or its value. */
function commandName(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--home') i++;
    else if (!a.startsWith('--home=') && a !== '--verbose' && a !== '--quiet') return a;
  }
  return undefined;
}

/**
 * Compiles the bundle as Node compiles a CommonJS module (same wrapper), with `cachedData` when
 * given. V8 takes a cache only when it was made by the same V8 with the same flags; otherwise it
 * compiles as usual (script.cachedDataRejected), so a cache is never a condition for running.
 */
function compileBundle(cachedData, file = BUNDLE) {
  const vm = require('node:vm');
  // The build checks the bundle is ASCII only, so latin1 is its exact text (and a cheaper decode than utf8).
  const source = readFileSync(file, 'latin1');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
}

/** Runs a compiled bundle as a module and returns its exports. */
function runBundle(script, file = BUNDLE) {
  const { createRequire } = require('node:module');
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** Sets the V8 flags a short command runs under, before anything is compiled (see SHORT_COMMAND_FLAGS). */
function setShortCommandFlags() {
  try {
    require('node:v8').setFlagsFromString(SHORT_COMMAND_FLAGS);
  } catch {
    // An engine that refuses the flag: it runs as before, and rejects the cache.
  }
}

/** The bundle's exports, through its code cache where one was built for this kind of command. */
function loadBundle(manifest, argv) {
  let cachedData;
  if (manifest.codeCache && !LONG_RUNNING.has(commandName(argv))) {
    setShortCommandFlags();
    try {
      cachedData = readFileSync(path.join(CLI_DIR, manifest.codeCache));
    } catch {
      cachedData = undefined; // no cache: compiled as usual
    }
  }
  return runBundle(compileBundle(cachedData));
}

async function run() {
  const argv = process.argv.slice(2);
  const manifest = currentBuild();
  let main;
  if (manifest) {
    ({ main } = loadBundle(manifest, argv));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import(require('node:url').pathToFileURL(path.join(root, 'electron/cli/main.ts')).href));
  }
  process.exitCode = await main(argv, undefined, { processExits: true });
  // The engine left its keep-alive connections open for the exit to end (cheaper than closing each):
  // end the process once stdout and stderr have taken everything written to them.
  let pending = 2;
  const done = () => --pending === 0 && process.exit();
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableFinished || stream.destroyed) done();
    else stream.write('', done);
  }
}

/** Runs the command line this process was started with. */
function start() {
  run().catch((e) => {
    // main() answers every failure of a command itself; this is the loader failing (tsx missing, a broken build).
    process.stderr.write(`internal error: oslc-admin could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
  });
}

if (require.main === module) {
  start();
} else {
  // scripts/cli-code-cache.cjs makes the cache with the very wrapper, flags and file this loader uses;
  // bin/oslc-admin.mjs (the entry's old name) calls start().
  module.exports = { BUNDLE, LONG_RUNNING, SHORT_COMMAND_FLAGS, compileBundle, runBundle, setShortCommandFlags, start };
}
