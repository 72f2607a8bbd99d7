/**
 * The packaging configuration without packaging anything: electron-builder.yml's pins and targets,
 * what build/dist.mjs accepts, SHA256SUMS, and what the staged app will depend on
 * (build/app-stage.mjs). test/integration/packaging-dir.test.ts packs the app for real.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appPackageJson, bundleRuntimeDependencies, packageName } from '../../build/app-stage.mjs';
import { parseSha256Sums, writeSha256Sums } from '../../build/checksums.mjs';
import { LINUX_DEFAULT_TARGETS, cliInBuild, parseArgs, splitTargets } from '../../build/dist.mjs';
import { cliExecutableName } from '../../build/cli-sea.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** A top-level or once-indented `key: value` line of the YAML file (the file keeps them on one line). */
function setting(key: string, section?: string): string | undefined {
  const text = section ? (new RegExp(`^${section}:\\n((?:  .*\\n|\\s*\\n)*)`, 'm').exec(yml)?.[1] ?? '') : yml;
  const indent = section ? '  ' : '';
  return new RegExp(`^${indent}${key}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim();
}

describe('electron-builder.yml', () => {
  it('names the app', () => {
    expect(setting('appId')).toBe('org.oslc.cluster-admin');
    expect(setting('productName')).toBe('OSLC Cluster Admin');
    expect(setting('executableName')).toBe('oslc-cluster-admin');
  });

  it('pins the Electron version of the electron devDependency', () => {
    expect(setting('electronVersion')).toBe(pkg.devDependencies.electron);
  });

  it('has the targets of each OS: deb, rpm, tar.gz (no AppImage: it cannot start sandboxed where user namespaces are restricted); NSIS and zip; dmg and zip', () => {
    // deb and rpm are made by build/dist.mjs with dpkg-deb and rpmbuild, not by electron-builder (fpm).
    expect(setting('target', 'linux')).toBe('[tar.gz]');
    expect(LINUX_DEFAULT_TARGETS).toEqual(['deb', 'rpm', 'tar.gz']);
    expect(splitTargets({}, 'linux')).toEqual({ platforms: { linux: ['tar.gz'] }, own: ['deb', 'rpm'] });
    expect(splitTargets({ linux: ['deb'] }, 'linux')).toEqual({ platforms: { linux: ['dir'] }, own: ['deb'] });
    expect(splitTargets({ win: ['zip'] }, 'linux')).toEqual({ platforms: { win: ['zip'] }, own: [] });
    expect(setting('target', 'win')).toBe('[nsis, zip]');
    expect(setting('target', 'mac')).toBe('[dmg, zip]');
  });

  it('publishes nowhere and writes no update metadata', () => {
    expect(setting('publish')).toBe('null');
    expect(setting('detectUpdateChannel')).toBe('false');
    expect(setting('writeUpdateInfo', 'dmg')).toBe('false');
    expect(yml).not.toMatch(/electron-updater|provider:/);
  });

  it('packs an asar with the keychain binding unpacked, and rebuilds nothing', () => {
    expect(setting('asar')).toBe('true');
    expect(yml).toMatch(/^asarUnpack:\n {2}- node_modules\/@napi-rs\/keyring-\*\/\*\*$/m);
    expect(setting('npmRebuild')).toBe('false');
    expect(setting('buildDependenciesFromSource')).toBe('false');
  });

  it('flips fuses in its own hook, not through electron-builder', () => {
    expect(setting('afterPack')).toBe('./build/pack-hooks.mjs');
    expect(setting('afterExtract')).toBe('./build/pack-hooks.mjs');
    expect(yml).not.toMatch(/^electronFuses:/m);
  });

  it('packs the staged folder and lists the built output only', () => {
    expect(setting('app', 'directories')).toBe('release/.app-stage');
    const files = /^files:\n((?: {2}- .*\n)+)/m
      .exec(yml)?.[1]
      ?.split('\n')
      .filter(Boolean)
      .map((l) => l.slice(4));
    expect(files).toEqual([
      'package.json',
      'dist/main.mjs',
      'dist/preload.cjs',
      'dist/renderer/**',
      "'!**/*.map'",
      "'!**/*.{ts,mts,cts,tsx,svelte}'",
      "'!**/{test,tests,__tests__}/**'",
    ]);
  });
});

describe('Windows: oslc-admin.exe in the installer and the zip (configuration only: no Windows build here)', () => {
  it('makes an assisted NSIS installer with the PATH include, and a zip', () => {
    expect(setting('target', 'win')).toBe('[nsis, zip]');
    // The include's opt-in page is inserted by electron-builder's assisted installer only.
    expect(setting('oneClick', 'nsis')).toBe('false');
    expect(setting('include', 'nsis')).toBe('build/installer.nsh');
    expect(readFileSync(join(root, 'build/installer.nsh'), 'utf8')).toContain('!macro customPageAfterChangeDir');
  });

  it('puts the CLI into every target of the OS it is built on, as oslc-admin.exe on Windows', () => {
    expect(cliExecutableName('win32')).toBe('oslc-admin.exe');
    expect(cliExecutableName('linux')).toBe('oslc-admin');
    expect(cliInBuild({ win: ['nsis', 'zip'] }, 'win32')).toBe(true);
    expect(cliInBuild({}, 'win32')).toBe(true);
    expect(cliInBuild({ linux: ['tar.gz'] }, 'linux')).toBe(true);
    // A Windows build made on Linux would hold a Linux executable: none, and the build says so.
    expect(cliInBuild({ win: ['zip'] }, 'linux')).toBe(false);
    expect(cliInBuild({ mac: ['dmg'] }, 'darwin')).toBe(false);
  });
});

describe('npm run dist and dist:offline', () => {
  it('are the package scripts', () => {
    expect(pkg.scripts.dist).toBe('node build/dist.mjs');
    expect(pkg.scripts['dist:offline']).toBe('node build/dist.mjs --offline');
  });

  it('take an Electron folder, an output folder, targets and architectures', () => {
    const o = parseArgs([
      '--offline',
      '--electron-dist',
      'vendor/electron',
      '--linux',
      'tar.gz',
      'dir',
      '--x64',
      '--out=o',
    ]);
    expect(o).toMatchObject({
      offline: true,
      electronDist: resolve('vendor/electron'),
      out: resolve('o'),
      arch: ['x64'],
    });
    expect(o.platforms).toEqual({ linux: ['tar.gz', 'dir'] });
    expect(parseArgs(['--win', '--mac', 'zip']).platforms).toEqual({ win: [], mac: ['zip'] });
  });

  it('refuse an offline build without an Electron folder, and anything unknown', () => {
    expect(() => parseArgs(['--offline'])).toThrow(/--offline needs --electron-dist/);
    expect(() => parseArgs(['--electron-dist'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--publish', 'always'])).toThrow(/unknown argument --publish/);
  });
});

describe('SHA256SUMS', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oslc-sums-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has one `sha256sum -c` line per artifact, sorted, with names relative to the folder', async () => {
    writeFileSync(join(dir, 'b.tar.gz'), 'abc');
    writeFileSync(join(dir, 'a setup.exe'), '');
    const lines = await writeSha256Sums(dir, [join(dir, 'b.tar.gz'), join(dir, 'a setup.exe'), join(dir, 'b.tar.gz')]);
    const abc = createHash('sha256').update('abc').digest('hex');
    const empty = createHash('sha256').update('').digest('hex');
    expect(lines).toEqual([`${empty}  a setup.exe`, `${abc}  b.tar.gz`]);
    expect(parseSha256Sums(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'))).toEqual([
      { sha256: empty, name: 'a setup.exe' },
      { sha256: abc, name: 'b.tar.gz' },
    ]);
  });

  it('refuses a file outside the folder, and a line in another shape', async () => {
    await expect(writeSha256Sums(dir, [join(tmpdir(), 'elsewhere.zip')])).rejects.toThrow(/not inside/);
    expect(() => parseSha256Sums('deadbeef  x\n')).toThrow(/not a SHA256SUMS line/);
  });
});

describe('the staged app package.json', () => {
  it('depends on what the bundle loads at run time, at the versions package.json pins, and on nothing else', () => {
    const staged = appPackageJson({ ...pkg, main: 'dist/main.mjs' }, ['@napi-rs/keyring']);
    expect(staged.dependencies).toEqual({ '@napi-rs/keyring': pkg.dependencies['@napi-rs/keyring'] });
    expect(staged).not.toHaveProperty('devDependencies');
    expect(staged).not.toHaveProperty('scripts');
    expect(staged).not.toHaveProperty('bin');
    expect(staged.main).toBe('dist/main.mjs');
  });

  it("has no productName, as in development: Electron's user-data folder is the one npm start uses", () => {
    expect(appPackageJson({ ...pkg, main: 'dist/main.mjs' }, [])).not.toHaveProperty('productName');
  });

  it('refuses a run-time import that package.json does not declare', () => {
    expect(() => appPackageJson({ ...pkg, main: 'dist/main.mjs' }, ['left-pad'])).toThrow(/loads left-pad at run time/);
  });

  it('names packages from import specifiers', () => {
    expect(packageName('@napi-rs/keyring/keytar')).toBe('@napi-rs/keyring');
    expect(packageName('undici/lib/x.js')).toBe('undici');
  });

  it("finds the built main process's run-time imports: the keychain binding only", async () => {
    expect(await bundleRuntimeDependencies(join(root, 'dist/main.mjs'))).toEqual(['@napi-rs/keyring']);
  });

  it('reads imports from code, not from strings or comments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oslc-deps-'));
    try {
      const file = join(dir, 'bundle.mjs');
      writeFileSync(
        file,
        [
          'import { readFile } from "node:fs/promises";',
          'import "node:sqlite";',
          'import { app } from "electron";',
          'const m = await import("@scope/native/sub");',
          'const x = __require("cjs-dep");',
          '// import("in-a-comment")',
          'const s = "import(\\"in-a-string\\")";',
          'export { readFile, app, m, x, s };',
        ].join('\n'),
      );
      expect(await bundleRuntimeDependencies(file)).toEqual(['@scope/native', 'cjs-dep']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
