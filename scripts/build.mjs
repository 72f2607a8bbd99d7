#!/usr/bin/env node
// `npm run build`: everything that ships, into dist/ — the renderer (vite), the Electron main process
// (ESM), the preload (CommonJS: a sandboxed preload cannot load ES modules or Node modules) and the
// CLI (ESM, split so each command loads only its own modules; bin/oslc-admin.mjs runs it).
// `--if-stale` skips a target whose outputs are newer than every one of its sources.
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_DIR } from '../build/sbom.mjs';

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

const ESM_REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * The CLI into dist/cli/: cli.mjs and its chunks, plus inputs.json (the project files it was built
 * from and when), which bin/oslc-admin.mjs checks to run the sources instead once one is edited.
 * The chunks sit beside cli.mjs (paths like '../../dist/renderer' resolve the same from both), and
 * files move in one by one, entry and inputs.json last, so a CLI starting meanwhile finds either the
 * old build or the new one; chunks of earlier builds are removed once they are a few minutes old.
 */
async function buildCli() {
  const startedAt = Date.now();
  const outDir = join(root, 'dist/cli');
  const tmpDir = join(root, `dist/.cli-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  const result = await esbuild({
    entryPoints: { cli: join(root, 'electron/cli/main.ts') },
    outdir: tmpDir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: ['@napi-rs/keyring'],
    banner: { js: ESM_REQUIRE_BANNER },
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => relative(root, join(process.cwd(), p)).split(sep).join('/'))
    .filter((p) => !p.startsWith('node_modules/') && !p.startsWith('..'));
  mkdirSync(outDir, { recursive: true });
  const built = readdirSync(tmpDir);
  for (const name of built.filter((n) => n !== 'cli.mjs')) renameSync(join(tmpDir, name), join(outDir, name));
  renameSync(join(tmpDir, 'cli.mjs'), join(outDir, 'cli.mjs'));
  const manifest = { builtAtMs: startedAt, inputs: [...inputs.sort(), 'package-lock.json'] };
  writeFileSync(join(tmpDir, 'inputs.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(join(tmpDir, 'inputs.json'), join(outDir, 'inputs.json'));
  rmSync(tmpDir, { recursive: true, force: true });
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
    outputs: ['dist/cli/cli.mjs', 'dist/cli/inputs.json'],
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
