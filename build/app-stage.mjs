// The app folder electron-builder packs: the built output and nothing else. esbuild inlines every
// dependency into dist/main.mjs except the ones it must leave outside (electron, provided by the
// runtime, and the keychain's native binding), so the packaged package.json depends on exactly those
// and node_modules holds exactly them (with their platform binaries). The repository's package.json
// keeps its own `dependencies` for `npx oslc-admin`, which runs the CLI from source.
import { build as esbuild } from 'esbuild';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** What the packaged app is made of, relative to the repository root (and to the staged folder). */
export const APP_FILES = ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer'];

/** Provided by the Electron runtime itself; never installed into the app. */
const RUNTIME_PROVIDED = new Set(['electron']);

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The packages a built bundle loads at run time: its `import`/`import()`/`require()` of bare
 * specifiers, read from the bundle by esbuild (so text in strings or comments does not count), plus
 * esbuild's own `__require("…")` calls left in the ESM output for CommonJS code it inlined.
 * Node built-ins and Electron are left out.
 */
export async function bundleRuntimeDependencies(bundleFile) {
  const result = await esbuild({
    entryPoints: [bundleFile],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const specifiers = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.external).map((i) => i.path),
  );
  for (const m of readFileSync(bundleFile, 'utf8').matchAll(/\b__require\(\s*"([^"]+)"\s*\)/g)) specifiers.push(m[1]);
  const names = specifiers
    // `node:` names only built-ins, including ones newer than this Node (node:sqlite in Electron's).
    .filter((s) => !s.startsWith('node:') && !builtins.has(s) && !s.startsWith('.') && !s.startsWith('/'))
    .map(packageName)
    .filter((n) => !RUNTIME_PROVIDED.has(n));
  return [...new Set(names)].sort();
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Node's lookup: `node_modules/<name>` in `fromDir` or the nearest ancestor that has it. */
function resolvePackageDir(name, fromDir, root) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * The installed closure of `names`: each package with its `dependencies` (required) and its
 * `optionalDependencies` that are installed (the native binding's per-platform binaries; npm
 * installs the ones for this machine, or those asked for with `npm install --os … --cpu …`).
 */
export function installedClosure(names, root) {
  const found = new Map();
  const visit = (name, fromDir, requiredBy) => {
    const dir = resolvePackageDir(name, fromDir, root);
    if (!dir) {
      if (requiredBy === null || requiredBy.optional !== true) {
        const by = requiredBy ? ` (needed by ${requiredBy.name})` : '';
        throw new Error(`${name}${by} is not installed: run npm ci`);
      }
      return;
    }
    const pkg = readJson(join(dir, 'package.json'));
    const seen = found.get(name);
    if (seen) {
      if (seen.version !== pkg.version) {
        throw new Error(`two versions of ${name} (${seen.version}, ${pkg.version}) would ship; the stage keeps one`);
      }
      return;
    }
    found.set(name, { name, version: pkg.version, dir });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, { name, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, { name, optional: true });
  };
  for (const name of names) visit(name, root, null);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The packaged app's package.json: what Electron and the installers read, and the runtime dependencies. */
export function appPackageJson(rootPkg, runtimeDeps) {
  const dependencies = {};
  for (const name of runtimeDeps) {
    const range = rootPkg.dependencies?.[name];
    if (!range) {
      throw new Error(`dist/main.mjs loads ${name} at run time, but package.json does not list it in dependencies`);
    }
    dependencies[name] = range;
  }
  // No productName, as in the repository's package.json: Electron names its user-data folder
  // (Chromium's profile, the single-instance lock) after the app's name, so the packaged app keeps
  // the one `npm start` uses. Installers, the macOS bundle and the Windows executable take the
  // product name from electron-builder.yml; window titles are set by electron/desktop/windows.ts.
  const pkg = {
    name: rootPkg.name,
    version: rootPkg.version,
    description: rootPkg.description,
    license: rootPkg.license,
    author: rootPkg.author ?? 'OSLC Cluster Admin contributors',
    type: rootPkg.type,
    main: rootPkg.main,
    dependencies,
  };
  if (pkg.main !== 'dist/main.mjs') throw new Error(`package.json main must be dist/main.mjs, not ${pkg.main}`);
  return pkg;
}

/** Copies a package without its own node_modules (nested packages are staged by name) and without maps. */
export function copyPackage(from, to) {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      return !rel.split(sep).includes('node_modules') && !src.endsWith('.map');
    },
  });
}

/**
 * Builds the folder electron-builder packs as its app directory (`directories.app`). Everything in
 * it ships: `dist/` without source maps, the generated package.json, and node_modules holding the
 * bundle's runtime dependencies only.
 */
export async function stageApp({ root, dest }) {
  for (const f of APP_FILES) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  const rootPkg = readJson(join(root, 'package.json'));
  const runtimeDeps = await bundleRuntimeDependencies(join(root, 'dist/main.mjs'));
  const pkg = appPackageJson(rootPkg, runtimeDeps);
  const modules = installedClosure(runtimeDeps, root);

  rmSync(dest, { recursive: true, force: true });
  mkdirSync(join(dest, 'dist'), { recursive: true });
  for (const f of APP_FILES) {
    cpSync(join(root, f), join(dest, f), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  writeFileSync(join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const m of modules) copyPackage(m.dir, join(dest, 'node_modules', m.name));
  return { packageJson: pkg, modules: modules.map(({ name, version }) => ({ name, version })) };
}

/** Every file under `dir`, relative to it with `/` separators. */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
