// The `oslc-admin` command inside the installers, runnable with no Node and no network: a Node
// single executable application (SEA). The CLI is bundled into one CommonJS script (a SEA's entry
// must be one), turned into a blob with `node --experimental-sea-config` (V8's code cache included,
// so start-up does not compile the bundle), and injected into a copy of this Node's executable with
// postject. What cannot be inside the blob sits beside it, laid out like the repository so the
// CLI's own relative paths hold: the keychain binding with its native `.node` in node_modules
// (loaded through a real path: a SEA's `require` only reaches built-ins), the console for `serve`
// in dist/renderer, and package.json.
//
//   <dir>/oslc-admin                 the executable (Node <this version> + the bundled CLI)
//   <dir>/package.json               name and version
//   <dir>/dist/renderer/…            the console `oslc-admin serve` serves
//   <dir>/node_modules/@napi-rs/…    the keychain binding and this platform's binary
//
// Node's SEA support builds for the OS and CPU of the Node binary used, so the executable is built
// on each OS for that OS (like the keychain binary, docs/offline-install.md).
import { build as esbuild } from 'esbuild';
import { inject } from 'postject';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { copyPackage, installedClosure } from './app-stage.mjs';
import { CLI_OUTPUT_OPTIONS, dynamicImportAsRequire, http2ForUndici } from './cli-bundle.mjs';

/** The sentinel Node's SEA support looks for (Node's documentation, "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The packages the CLI loads from disk rather than from the bundle: native code. */
export const CLI_NATIVE_PACKAGES = ['@napi-rs/keyring'];

/** The executable's file name in the CLI folder. */
export function cliExecutableName(platform = process.platform) {
  return platform === 'win32' ? 'oslc-admin.exe' : 'oslc-admin';
}

/**
 * The bundle's stand-ins for what a SEA lacks. `import.meta.url` names where the bundle would be in
 * the repository layout (<dir>/dist/cli/cli.mjs), so '../../dist/renderer' and '../../package.json'
 * resolve inside the CLI folder; a native package is required from the executable's own folder.
 */
const BANNER = [
  '"use strict";',
  'const __sea_dir = require("node:path").dirname(process.execPath);',
  'const __sea_import_meta_url = require("node:url").pathToFileURL(require("node:path").join(__sea_dir, "dist", "cli", "cli.mjs")).href;',
  'const __sea_require = require("node:module").createRequire(require("node:path").join(__sea_dir, "package.json"));',
].join('\n');

const nativeFromDisk = {
  name: 'native-from-disk',
  setup(build) {
    const filter = new RegExp(`^(${CLI_NATIVE_PACKAGES.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'native-from-disk' }));
    build.onLoad({ filter: /.*/, namespace: 'native-from-disk' }, (args) => ({
      contents: `module.exports = __sea_require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** The CLI as one CommonJS script that runs `main` with the command line and sets the exit code. */
export async function bundleCliForSea(root, outfile) {
  const result = await esbuild({
    stdin: {
      contents:
        "import { main } from './electron/cli/main.ts';\n" +
        // As bin/oslc-admin.cjs: the engine leaves its keep-alive connections to the exit, which
        // comes once stdout and stderr have taken everything written to them.
        'main(process.argv.slice(2), undefined, { processExits: true }).then((code) => {\n' +
        '  process.exitCode = code;\n' +
        '  let pending = 2;\n' +
        '  const done = () => --pending === 0 && process.exit();\n' +
        '  for (const stream of [process.stdout, process.stderr]) {\n' +
        '    if (stream.writableFinished || stream.destroyed) done();\n' +
        "    else stream.write('', done);\n" +
        '  }\n' +
        '});\n',
      resolveDir: root,
      sourcefile: 'sea-entry.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__sea_import_meta_url' },
    banner: { js: BANNER },
    // A SEA has no dynamic import() at all, not even of a built-in (build/cli-bundle.mjs).
    plugins: [nativeFromDisk, dynamicImportAsRequire, http2ForUndici],
    // As the npm bin's bundle (build/cli-bundle.mjs), but the licence comments stay inside: no file
    // beside the executable would carry them.
    ...CLI_OUTPUT_OPTIONS,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  // The node_modules files inlined (for the SBOM, build/sbom.mjs), relative to the repository.
  return Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(':'))
    .map((p) => relative(root, resolve(process.cwd(), p)).split(sep).join('/'))
    .filter((p) => p.startsWith('node_modules/'))
    .sort();
}

/**
 * Builds the CLI folder at `dest` (replacing it) from the built console (dist/renderer) and the
 * sources. `nodeBinary` is the Node executable the SEA is made from (default: this one).
 */
export async function buildCliExecutable({ root, dest, nodeBinary = process.execPath, log = () => {} }) {
  if (!existsSync(join(root, 'dist/renderer/index.html')))
    throw new Error('dist/renderer is missing: run npm run build first');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const work = join(dest, '.sea-build');
  mkdirSync(work);
  const bundle = join(work, 'cli.cjs');
  const bundled = await bundleCliForSea(root, bundle);

  const blob = join(work, 'cli.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
  );
  const made = spawnSync(nodeBinary, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`node --experimental-sea-config failed: ${made.stderr || made.stdout}`);

  const exe = join(dest, cliExecutableName());
  copyFileSync(nodeBinary, exe);
  chmodSync(exe, 0o755);
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE, overwrite: true });
  rmSync(work, { recursive: true, force: true });

  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(dest, 'package.json'),
    `${JSON.stringify({ name: rootPkg.name, version: rootPkg.version, private: true }, null, 2)}\n`,
  );
  cpSync(join(root, 'dist/renderer'), join(dest, 'dist/renderer'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  });
  const modules = installedClosure(CLI_NATIVE_PACKAGES, root);
  for (const m of modules) copyPackage(m.dir, join(dest, 'node_modules', m.name));
  log(`CLI executable ${exe} (Node ${process.version} SEA) with ${modules.map((m) => m.name).join(', ')}`);
  return {
    exe,
    modules: modules.map(({ name, version }) => ({ name, version })),
    bundled,
    node:
      nodeBinary === process.execPath
        ? process.version
        : spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim(),
  };
}
