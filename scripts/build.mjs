#!/usr/bin/env node
// `npm run build`: everything that ships, into dist/ — the renderer (vite), the Electron main process
// (ESM), the preload (CommonJS: a sandboxed preload cannot load ES modules or Node modules) and the
// CLI (one CommonJS script with its V8 code cache; bin/oslc-admin.cjs runs it).
// `--if-stale` skips a target whose outputs are newer than every one of its sources.
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_DIR } from '../build/sbom.mjs';
import { CLI_OUTPUT_OPTIONS, dynamicImportAsRequire, http2ForUndici } from '../build/cli-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');
const quiet = process.argv.includes('--quiet');

/** Newest mtime under the given paths (files or folders), skipping node_modules. */
function newest(paths) {
  let max = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules') walk(join(p, name));
    } else max = Math.max(max, st.mtimeMs);
  };
  for (const p of paths) walk(join(root, p));
  return max;
}

function stale(outputs, sources) {
  if (!ifStale) return true;
  const outs = outputs.map((o) => join(root, o));
  if (!outs.every((o) => existsSync(o))) return true;
  const oldestOut = Math.min(...outs.map((o) => statSync(o).mtimeMs));
  return newest([...sources, 'package-lock.json']) > oldestOut;
}

const log = (msg) => quiet || console.error(`build: ${msg}`);

/**
 * What a bundle inlined from node_modules, for the release SBOM (build/sbom.mjs): the module paths
 * (relative to the repository, `/` separators) the bundler read, written to
 * dist/bundled/<name>.json. Only node_modules paths: the project's own sources are not packages.
 */
function writeBundled(name, moduleIds) {
  const paths = [
    ...new Set(
      moduleIds
        .map((id) => id.replace(/^\0/, '').replace(/\?.*$/, ''))
        .map((id) => relative(root, resolve(root, id)).split(sep).join('/'))
        .filter((p) => p.startsWith('node_modules/')),
    ),
  ].sort();
  mkdirSync(join(root, BUNDLED_DIR), { recursive: true });
  writeFileSync(
    join(root, BUNDLED_DIR, `${name}.json`),
    `${JSON.stringify({ bundle: name, modules: paths }, null, 1)}\n`,
  );
}
/** esbuild's metafile input paths are relative to the working directory. */
const metafileInputs = (result) => Object.keys(result.metafile.inputs).map((p) => resolve(process.cwd(), p));
/** Every module of every chunk Vite wrote (one output, or one per environment). */
const viteModules = (output) =>
  (Array.isArray(output) ? output : [output])
    .flatMap((o) => o.output ?? [])
    .filter((c) => c.type === 'chunk')
    .flatMap((c) => c.moduleIds ?? Object.keys(c.modules ?? {}));

/**
 * The CLI into dist/cli/: cli.cjs (one CommonJS script), its V8 code cache cli-<sha>.cache, its
 * bundled packages' licence comments (cli.cjs.LEGAL.txt), and inputs.json (the project files it was
 * built from and when, and the cache's name), which bin/oslc-admin.cjs checks to run the sources
 * instead once one is edited. Why one CommonJS script with a cache, not split ES modules: a fresh
 * `oslc-admin sync` spent ~80 ms compiling its ES chunks, which Node 20 cannot cache (issue 27).
 * Whitespace and comments are stripped and the text checked to be ASCII: the bin reads it as latin1,
 * and a non-ASCII character anywhere (a comment's "…") made V8 hold all of it as two-byte text, a
 * slower decode of a 2 MB file on every start. The cache is named by the bundle's digest, so a
 * bundle never meets another build's cache (V8 itself only compares lengths). Files move in one by
 * one, inputs.json last, so a CLI starting meanwhile finds either the old build or the new one.
 */
async function buildCli() {
  const startedAt = Date.now();
  const outDir = join(root, 'dist/cli');
  const tmpDir = join(root, `dist/.cli-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  const bundle = join(tmpDir, 'cli.cjs');
  const result = await esbuild({
    entryPoints: [join(root, 'electron/cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@napi-rs/keyring'],
    // Paths relative to the module (../../dist/renderer, ../../package.json) resolve from dist/cli/.
    define: { 'import.meta.url': '__cli_module_url' },
    banner: { js: 'var __cli_module_url = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [dynamicImportAsRequire, http2ForUndici],
    ...CLI_OUTPUT_OPTIONS,
    // Short names too: ~30% less text to read and decode at every start (~10 ms of a fresh sync
    // here). A stack from inside is put back through the map, sources left out (electron/cli/bundle-stack.ts).
    // OSLC_BUILD_KEEP_NAMES=1 keeps them, for a `--cpu-prof` that names the functions it times.
    minifyIdentifiers: process.env.OSLC_BUILD_KEEP_NAMES !== '1',
    sourcemap: 'external',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  const text = readFileSync(bundle);
  const nonAscii = text.findIndex((b) => b > 0x7f);
  if (nonAscii >= 0) {
    const at = text.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString('utf8');
    throw new Error(`dist/cli/cli.cjs has a non-ASCII character (write it as \\u….): …${at}…`);
  }
  const dynamic = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.kind === 'dynamic-import'),
  );
  if (dynamic.length)
    throw new Error(
      `dist/cli/cli.cjs still has a dynamic import() of ${dynamic.map((i) => i.path).join(', ')}: add it to dynamicImportAsRequire`,
    );
  // What it inlined from node_modules (its comments, which used to say so, are stripped).
  writeBundled('cli', metafileInputs(result));
  const codeCache = `cli-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.cache`;
  const made = spawnSync(
    process.execPath,
    [join(root, 'scripts/cli-code-cache.cjs'), bundle, join(tmpDir, codeCache)],
    {
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) throw new Error(`the CLI's code cache could not be made: ${made.stderr || made.stdout}`);
  const { trainedOn } = JSON.parse(made.stdout);
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(':')) // the plugin's by-require: modules are no files
    .map((p) => relative(root, join(process.cwd(), p)).split(sep).join('/'))
    .filter((p) => !p.startsWith('node_modules/') && !p.startsWith('..'));
  mkdirSync(outDir, { recursive: true });
  const built = readdirSync(tmpDir);
  // The cache before the bundle it belongs to, and the manifest naming both last.
  for (const name of built.filter((n) => n !== 'cli.cjs')) renameSync(join(tmpDir, name), join(outDir, name));
  renameSync(bundle, join(outDir, 'cli.cjs'));
  const manifest = {
    builtAtMs: startedAt,
    codeCache,
    // The commands run before the cache was taken (scripts/cli-code-cache.cjs): their functions are in it.
    codeCacheTrainedOn: trainedOn,
    node: process.version,
    inputs: [...inputs.sort(), 'package-lock.json'],
  };
  writeFileSync(join(tmpDir, 'inputs.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(join(tmpDir, 'inputs.json'), join(outDir, 'inputs.json'));
  rmSync(tmpDir, { recursive: true, force: true });
  // Earlier builds' files (older caches, the ES chunks of builds before this layout) go once a few minutes old.
  const keep = new Set([...built, 'inputs.json']);
  for (const name of readdirSync(outDir)) {
    const file = join(outDir, name);
    if (!keep.has(name) && Date.now() - statSync(file).mtimeMs > 5 * 60_000) rmSync(file, { force: true });
  }
}

const targets = [
  {
    name: 'renderer',
    outputs: ['dist/renderer/index.html', `${BUNDLED_DIR}/renderer.json`],
    sources: ['renderer', 'shared', 'vite.config.ts'],
    run: async () => {
      const output = await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
      writeBundled('renderer', viteModules(output));
    },
  },
  {
    name: 'preload',
    outputs: ['dist/preload.cjs', `${BUNDLED_DIR}/preload.json`],
    sources: ['electron/desktop/preload.ts', 'shared'],
    run: async () => {
      const result = await esbuild({
        entryPoints: [join(root, 'electron/desktop/preload.ts')],
        outfile: join(root, 'dist/preload.cjs'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['electron'],
        metafile: true,
        logLevel: 'warning',
      });
      writeBundled('preload', metafileInputs(result));
    },
  },
  {
    name: 'main',
    outputs: ['dist/main.mjs', `${BUNDLED_DIR}/main.json`],
    sources: ['electron', 'shared'],
    run: async () => {
      const result = await esbuild({
        entryPoints: [join(root, 'electron/desktop/main.ts')],
        outfile: join(root, 'dist/main.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // Native and runtime-provided modules stay outside the bundle.
        external: ['electron', '@napi-rs/keyring'],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        metafile: true,
        logLevel: 'warning',
      });
      writeBundled('main', metafileInputs(result));
    },
  },
  {
    name: 'cli',
    outputs: ['dist/cli/cli.cjs', 'dist/cli/inputs.json'],
    sources: ['electron', 'shared'],
    run: buildCli,
  },
];

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const t of targets) {
  if (only.length && !only.includes(t.name)) continue;
  if (!stale(t.outputs, t.sources)) {
    log(`${t.name} is up to date`);
    continue;
  }
  log(`building ${t.name}`);
  await t.run();
}
