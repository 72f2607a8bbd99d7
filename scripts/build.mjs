#!/usr/bin/env node
// `npm run build`: everything that ships, into dist/ — the renderer (vite), the Electron main process
// (ESM) and the preload (CommonJS: a sandboxed preload cannot load ES modules or Node modules).
// `--if-stale` skips a target whose outputs are newer than every one of its sources.
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const targets = [
  {
    name: 'renderer',
    outputs: ['dist/renderer/index.html'],
    sources: ['renderer', 'shared', 'vite.config.ts'],
    run: () => viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' }),
  },
  {
    name: 'preload',
    outputs: ['dist/preload.cjs'],
    sources: ['electron/preload.ts', 'shared'],
    run: () =>
      esbuild({
        entryPoints: [join(root, 'electron/preload.ts')],
        outfile: join(root, 'dist/preload.cjs'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['electron'],
        logLevel: 'warning',
      }),
  },
  {
    name: 'main',
    outputs: ['dist/main.mjs'],
    sources: ['electron', 'shared'],
    run: () =>
      esbuild({
        entryPoints: [join(root, 'electron/main.ts')],
        outfile: join(root, 'dist/main.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // Native and runtime-provided modules stay outside the bundle.
        external: ['electron', '@napi-rs/keyring'],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'warning',
      }),
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
