// The software bill of materials of a build: CycloneDX 1.6 JSON, written beside the artifacts and
// listed in SHA256SUMS (docs/offline-install.md shows how to check both on the target machine).
//
// @cyclonedx/cyclonedx-npm (OWASP's generator) runs against the STAGED app folder (app-stage.mjs:
// the package.json and node_modules that are packed into app.asar), never the repository, whose
// tree holds the build tools. It sees what is installed there: the keychain binding and its
// platform binary. What it cannot see is the code the bundlers inlined: esbuild puts undici, zod,
// @peculiar/x509… into dist/main.mjs and the CLI executable, Vite puts Svelte and the icons into
// dist/renderer. scripts/build.mjs and cli-sea.mjs record the node_modules files each bundle was
// made from (dist/bundled/*.json); this module maps them to their packages and adds those as
// components of the same BOM, each with the bundle it is inside (property oslc:bundled-into).
// The runtimes that ship as binaries are components too: Electron, and the Node inside the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where scripts/build.mjs records what each bundle inlined. */
export const BUNDLED_DIR = 'dist/bundled';
/** The bundles of the packed app (inside app.asar) and their record in BUNDLED_DIR. */
export const APP_BUNDLES = Object.freeze({
  main: 'app.asar/dist/main.mjs',
  preload: 'app.asar/dist/preload.cjs',
  renderer: 'app.asar/dist/renderer',
});
/** The property naming the bundle an inlined package is inside. */
export const BUNDLED_INTO = 'oslc:bundled-into';

/** `<name>-<version>.cdx.json`: the name CycloneDX suggests for a JSON BOM. */
export function sbomFileName(name, version) {
  return `${name}-${version}.cdx.json`;
}

/**
 * The package a file under node_modules belongs to: the folder after the last `node_modules/`
 * (`@scope/name` or `name`), with its package.json's name, version and licence. Null for a file
 * outside node_modules.
 */
export function packageOfModule(root, modulePath) {
  const parts = modulePath.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const nameParts = parts[at + 1].startsWith('@') ? parts.slice(at + 1, at + 3) : parts.slice(at + 1, at + 2);
  const dir = [...parts.slice(0, at + 1), ...nameParts].join('/');
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version, license: pkg.license ?? null, dir };
}

/**
 * The packages inlined into the bundles: `bundles` maps where a bundle ships (APP_BUNDLES' values,
 * `cli/oslc-admin`) to the node_modules files it was made from. One entry per name@version, with
 * every bundle it is in.
 */
export function inlinedPackages(root, bundles) {
  const found = new Map();
  for (const [where, modules] of Object.entries(bundles)) {
    for (const m of modules) {
      const p = packageOfModule(root, m);
      if (!p) continue;
      const key = `${p.name}@${p.version}`;
      const entry = found.get(key) ?? { ...p, bundledInto: [] };
      if (!entry.bundledInto.includes(where)) entry.bundledInto.push(where);
      found.set(key, entry);
    }
  }
  return [...found.values()].sort((a, b) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`));
}

/** The app's bundles as scripts/build.mjs recorded them: `{ 'app.asar/dist/main.mjs': [paths…], … }`. */
export function recordedAppBundles(root) {
  const out = {};
  for (const [name, where] of Object.entries(APP_BUNDLES)) {
    const file = join(root, BUNDLED_DIR, `${name}.json`);
    if (!existsSync(file)) throw new Error(`${BUNDLED_DIR}/${name}.json is missing: run npm run build`);
    out[where] = JSON.parse(readFileSync(file, 'utf8')).modules;
  }
  return out;
}

/** `pkg:npm/%40scope/name@1.0.0`, as cyclonedx-npm writes it. */
export function npmPurl(name, version) {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

function licenses(license) {
  if (typeof license !== 'string' || license === '') return undefined;
  // An SPDX expression (`MIT OR Apache-2.0`) or one identifier.
  return /\s(OR|AND|WITH)\s/.test(license)
    ? [{ expression: license }]
    : [{ license: { id: license, acknowledgement: 'declared' } }];
}

function component({ type = 'library', name, version, purl, license, ref, bundledInto }) {
  const scoped = name.startsWith('@') ? name.split('/') : null;
  return {
    type,
    ...(scoped ? { name: scoped[1], group: scoped[0] } : { name }),
    version,
    'bom-ref': ref,
    ...(licenses(license) ? { licenses: licenses(license) } : {}),
    purl,
    properties: bundledInto.map((value) => ({ name: BUNDLED_INTO, value })),
  };
}

/**
 * Writes the BOM of one build to `file`. `stage`: the staged app folder (app-stage.mjs);
 * `bundles`: what each bundle inlined (recordedAppBundles, plus the CLI's); `runtimes`: the
 * binaries shipped ({ electron: '45.5.0', node: 'v20…' or null when no CLI is in the build}).
 * Returns the BOM.
 */
export function writeSbom({ root, stage, bundles, runtimes, file }) {
  const cli = join(root, 'node_modules/@cyclonedx/cyclonedx-npm/bin/cyclonedx-npm-cli.js');
  if (!existsSync(cli)) throw new Error('@cyclonedx/cyclonedx-npm is not installed: run npm ci');
  const r = spawnSync(
    process.execPath,
    [
      cli,
      '--omit',
      'dev',
      '--spec-version',
      '1.6',
      '--output-reproducible',
      '--flatten-components',
      '--output-format',
      'JSON',
      '--output-file',
      file,
      join(stage, 'package.json'),
    ],
    { cwd: stage, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`cyclonedx-npm failed (${r.status}): ${r.stderr || r.stdout}`);
  const bom = JSON.parse(readFileSync(file, 'utf8'));
  const rootRef = bom.metadata.component['bom-ref'];
  const components = bom.components ?? [];
  const byPurl = new Map(components.map((c) => [c.purl, c]));
  // What is in node_modules also ships in the CLI folder (cli/node_modules: the keychain binding).
  for (const c of components) {
    c.properties = [...(c.properties ?? []), { name: BUNDLED_INTO, value: 'app.asar/node_modules' }];
  }
  const added = [];
  for (const p of inlinedPackages(root, bundles)) {
    const purl = npmPurl(p.name, p.version);
    const seen = byPurl.get(purl);
    if (seen) {
      seen.properties.push(...p.bundledInto.map((value) => ({ name: BUNDLED_INTO, value })));
      continue;
    }
    const c = component({
      name: p.name,
      version: p.version,
      purl,
      license: p.license,
      ref: `${rootRef}|${p.name}@${p.version}`,
      bundledInto: p.bundledInto,
    });
    byPurl.set(purl, c);
    added.push(c);
  }
  const runtimeComponents = [
    component({
      type: 'framework',
      name: 'electron',
      version: runtimes.electron,
      purl: `pkg:generic/electron@${runtimes.electron}`,
      license: 'MIT',
      ref: `${rootRef}|runtime:electron@${runtimes.electron}`,
      bundledInto: ['the desktop executable (Electron, with Chromium)'],
    }),
  ];
  if (runtimes.node) {
    const v = runtimes.node.replace(/^v/, '');
    runtimeComponents.push(
      component({
        type: 'platform',
        name: 'node',
        version: v,
        purl: `pkg:generic/node@${v}`,
        license: 'MIT',
        ref: `${rootRef}|runtime:node@${v}`,
        bundledInto: ['cli/oslc-admin'],
      }),
    );
  }
  bom.components = [...components, ...added, ...runtimeComponents];
  const rootDeps = bom.dependencies?.find((d) => d.ref === rootRef);
  const newRefs = [...added, ...runtimeComponents].map((c) => c['bom-ref']);
  if (rootDeps) rootDeps.dependsOn = [...(rootDeps.dependsOn ?? []), ...newRefs];
  else bom.dependencies = [...(bom.dependencies ?? []), { ref: rootRef, dependsOn: newRefs }];
  for (const ref of newRefs) bom.dependencies.push({ ref });
  writeFileSync(file, `${JSON.stringify(bom, null, 2)}\n`);
  return bom;
}
