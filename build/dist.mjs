#!/usr/bin/env node
// `npm run dist` (a build host with internet access) and `npm run dist:offline -- --electron-dist DIR`
// (an air-gapped one): build, stage the app folder (app-stage.mjs), package it with electron-builder
// (electron-builder.yml, fuses in pack-hooks.mjs), write the build's CycloneDX SBOM (sbom.mjs, from
// the staged folder), and SHA256SUMS with a line per artifact and one for the SBOM.
// docs/offline-install.md says what each host needs.
import { build as electronBuilder } from 'electron-builder';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageApp } from './app-stage.mjs';
import { afterPack } from './pack-hooks.mjs';
import { SUMS_FILE, writeSha256Sums } from './checksums.mjs';
import { buildCliExecutable } from './cli-sea.mjs';
import { CLI_DIR, makeDeb, makeRpm } from './linux-packages.mjs';
import { recordedAppBundles, sbomFileName, writeSbom } from './sbom.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: node build/dist.mjs [--offline --electron-dist DIR] [--out DIR] [--skip-build]
                          [--dir] [--linux [TARGET…]] [--win [TARGET…]] [--mac [TARGET…]]
                          [--x64] [--arm64] [--ia32] [--armv7l] [--universal]

Without a platform, packages this OS's targets from electron-builder.yml. --offline needs
--electron-dist: an unpacked Electron of the pinned version (or a folder holding its zip).`;

const ARCHES = ['x64', 'arm64', 'ia32', 'armv7l', 'universal'];
const PLATFORMS = ['linux', 'win', 'mac'];

class UsageError extends Error {}

export function parseArgs(argv) {
  const opts = { offline: false, electronDist: null, out: null, skipBuild: false, dir: false, platforms: {}, arch: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--offline') opts.offline = true;
    else if (flag === '--electron-dist') opts.electronDist = resolve(value());
    else if (flag === '--out') opts.out = resolve(value());
    else if (flag === '--skip-build') opts.skipBuild = true;
    else if (flag === '--dir') opts.dir = true;
    else if (PLATFORMS.includes(flag.slice(2)) && flag.startsWith('--')) {
      const targets = [];
      while (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) targets.push(argv[++i]);
      opts.platforms[flag.slice(2)] = targets;
    } else if (ARCHES.includes(flag.slice(2)) && flag.startsWith('--')) opts.arch.push(flag.slice(2));
    else if (flag === '--help' || flag === '-h') opts.help = true;
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  if (opts.offline && !opts.electronDist) throw new UsageError('--offline needs --electron-dist DIR');
  return opts;
}

/** What `npm run dist` makes on Linux when no target is named. */
export const LINUX_DEFAULT_TARGETS = Object.freeze(['deb', 'rpm', 'tar.gz']);

/**
 * The targets electron-builder makes (`platforms`) and the Linux packages made here from its
 * packed folder (`own`: deb, rpm). No platform named: this OS's defaults.
 */
export function splitTargets(requested, hostPlatform = process.platform) {
  const platforms = { ...requested };
  if (Object.keys(platforms).length === 0 && hostPlatform === 'linux') platforms.linux = [...LINUX_DEFAULT_TARGETS];
  const own = platforms.linux ? platforms.linux.filter((t) => t === 'deb' || t === 'rpm') : [];
  if (platforms.linux && own.length) {
    platforms.linux = platforms.linux.filter((t) => t !== 'deb' && t !== 'rpm');
    if (platforms.linux.length === 0) platforms.linux = ['dir'];
  }
  return { platforms, own };
}

/**
 * Whether this build holds the oslc-admin executable: it is made from this machine's Node (a SEA
 * runs on the OS it was made on), so only the packed folders of this OS get it — every target made
 * from them: deb, rpm and tar.gz on Linux; the NSIS installer and the zip on Windows. Not macOS.
 */
export function cliInBuild(platforms, hostPlatform = process.platform) {
  const host = { linux: 'linux', win32: 'win', darwin: 'mac' }[hostPlatform];
  return host !== undefined && host !== 'mac' && (Object.keys(platforms).length === 0 || host in platforms);
}

/** The pinned Electron version (electron-builder.yml), read without a YAML parser: one plain line. */
function pinnedElectronVersion() {
  const m = /^electronVersion:\s*["']?([0-9][^\s"'#]*)/m.exec(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
  if (!m) throw new Error('electron-builder.yml has no electronVersion');
  return m[1];
}

/** Refuses an electronDist that does not exist or is another Electron version than the pinned one. */
function checkElectronDist(dir, version) {
  if (!existsSync(dir)) throw new UsageError(`--electron-dist ${dir} does not exist`);
  const versionFile = join(dir, 'version');
  if (statSync(dir).isDirectory() && existsSync(versionFile)) {
    const found = readFileSync(versionFile, 'utf8').trim().replace(/^v/, '');
    if (found !== version) {
      throw new UsageError(`--electron-dist ${dir} is Electron ${found}; electron-builder.yml pins ${version}`);
    }
  }
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

/**
 * An air-gapped host cannot download electron-builder's own tools: use the system's 7-Zip (tar.gz,
 * zip) when it is installed and nothing else was chosen. (deb and rpm need no electron-builder tool:
 * linux-packages.mjs makes them with dpkg-deb and rpmbuild.)
 */
function useSystemTools(log) {
  const sevenZip = process.env.ELECTRON_BUILDER_7ZIP_PATH || onPath('7za') || onPath('7z');
  if (sevenZip && !process.env.ELECTRON_BUILDER_7ZIP_PATH) process.env.ELECTRON_BUILDER_7ZIP_PATH = sevenZip;
  // Skips the RFC 3161 timestamp server when Windows artifacts are signed.
  process.env.ELECTRON_BUILDER_OFFLINE ??= 'true';
  log(`7-Zip: ${sevenZip ?? 'none found (tar.gz and zip need p7zip-full, or ELECTRON_BUILDER_7ZIP_PATH)'}`);
}

export async function dist(opts, log = (msg) => console.log(`dist: ${msg}`)) {
  const out = opts.out ?? join(root, 'release');
  const electronVersion = pinnedElectronVersion();
  if (opts.electronDist) checkElectronDist(opts.electronDist, electronVersion);
  if (opts.offline) useSystemTools(log);

  if (!opts.skipBuild) {
    const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), 'renderer', 'preload', 'main'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('npm run build failed');
  }

  const stage = join(out, '.app-stage');
  const staged = await stageApp({ root, dest: stage });
  log(`staged ${Object.keys(staged.packageJson.dependencies).join(', ') || 'no runtime dependencies'}`);

  // No platform named: this OS's targets, as electron-builder.yml lists them, plus deb and rpm on
  // Linux, which are made here from the packed folder (linux-packages.mjs), not by electron-builder.
  const { platforms, own } = splitTargets(opts.platforms);

  // The CLI executable (cli-sea.mjs) for this OS, built once the first folder is packed (after the
  // hooks' refusals) and copied into every packed folder of this OS as cli/.
  const withCli = cliInBuild(platforms);
  if (!withCli) log(`no oslc-admin executable in this build: it is built on the OS it is for`);
  const cliStage = join(out, '.cli-stage');
  let cliBuilt = null;

  const cli = { projectDir: root, publish: 'never' };
  for (const [platform, targets] of Object.entries(platforms)) cli[platform] = targets;
  for (const a of opts.arch) cli[a] = true;
  if (opts.dir) cli.dir = true;
  const artifacts = await electronBuilder({
    ...cli,
    config: {
      electronVersion,
      directories: { app: stage, output: out },
      // Absolute: electron-builder resolves a relative hook against the working directory.
      afterExtract: join(root, 'build/pack-hooks.mjs'),
      // Then the CLI folder into the packed folder as cli/, before the installers and archives are
      // made from it (electron-builder's extraFiles would leave out its node_modules).
      afterPack: async (context) => {
        await afterPack(context);
        if (withCli && context.electronPlatformName === process.platform) {
          cliBuilt ??= buildCliExecutable({ root, dest: cliStage, log });
          await cliBuilt;
          cpSync(cliStage, join(context.appOutDir, CLI_DIR), { recursive: true });
          log(`oslc-admin executable copied into ${join(context.appOutDir, CLI_DIR)}`);
        }
      },
      ...(opts.electronDist ? { electronDist: opts.electronDist } : {}),
    },
  });
  // The SBOM of what was packed: the staged folder (cyclonedx-npm), what the bundles inlined, the
  // CLI executable's script and its Node when it is in this build.
  const cliResult = cliBuilt ? await cliBuilt : null;
  const sbom = join(out, sbomFileName(staged.packageJson.name, staged.packageJson.version));
  const bom = writeSbom({
    root,
    stage,
    bundles: { ...recordedAppBundles(root), ...(cliResult ? { [`${CLI_DIR}/oslc-admin`]: cliResult.bundled } : {}) },
    runtimes: { electron: electronVersion, node: cliResult?.node ?? null },
    file: sbom,
  });
  log(`SBOM ${sbom}: ${bom.components.length} components (CycloneDX ${bom.specVersion})`);
  rmSync(stage, { recursive: true, force: true });
  rmSync(cliStage, { recursive: true, force: true });

  // deb and rpm from each packed Linux folder, with dpkg-deb and rpmbuild.
  for (const arch of own.length ? (opts.arch.length ? opts.arch : ['x64']) : []) {
    const src = join(out, arch === 'x64' ? 'linux-unpacked' : `linux-${arch}-unpacked`);
    const version = staged.packageJson.version;
    if (own.includes('deb')) artifacts.push(await makeDeb({ root, src, dest: out, version, electronVersion, arch }));
    if (own.includes('rpm')) artifacts.push(await makeRpm({ root, src, dest: out, version, electronVersion, arch }));
    log(
      `${own.join(' and ')} made from ${src} with ${own.map((t) => (t === 'deb' ? 'dpkg-deb' : 'rpmbuild')).join(' and ')}`,
    );
  }

  const files = artifacts.filter((f) => resolve(f).startsWith(out) && existsSync(f) && statSync(f).isFile());
  if (files.length === 0) {
    log(`no artifact (an unpacked folder only): ${SUMS_FILE} not written`);
    return { out, artifacts: [], sums: [], sbom };
  }
  files.push(sbom);
  const sums = await writeSha256Sums(out, files);
  log(`${join(out, SUMS_FILE)}:\n${sums.join('\n')}`);
  return { out, artifacts: files, sums, sbom };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) console.log(USAGE);
    else await dist(opts);
  } catch (e) {
    console.error(`dist: ${e instanceof Error ? e.message : String(e)}`);
    if (e instanceof UsageError) console.error(USAGE);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}
