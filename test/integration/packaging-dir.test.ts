/**
 * Packages the app with the real packaging path (`npm run dist:offline`: build/dist.mjs, the staged
 * app folder, electron-builder.yml, the pack hooks) as an unpacked `dir` for Linux, and as a tar.gz
 * where 7-Zip is installed, with electronDist pointed at a stand-in: a folder laid out like an
 * unpacked Electron that holds none of it (_packaging-stand-in.ts). What is checked is what got
 * packed where: the asar holds the built main process (with the embedded sandbox), the preload and
 * the renderer, and no sources, tests or maps; the keychain's native binary is unpacked beside it;
 * the packaged package.json has no dev dependencies and depends on what the bundle loads, nothing
 * more; every artifact has its SHA256SUMS line. The build's CycloneDX SBOM (build/sbom.mjs) lists
 * every package the packed folder holds — installed in node_modules or inlined into a bundle — and
 * only those: the test reads that set from the packed folder itself, not from the build's records.
 *
 * Where a real Electron is present (ELECTRON_OVERRIDE_DIST_PATH, an unpacked Electron of the pinned
 * version), the app is packaged from it too, its fuses are read back from the packaged executable,
 * and the packaged app is launched with ELECTRON_RUN_AS_NODE set, which it must ignore.
 */
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleRuntimeDependencies } from '../../build/app-stage.mjs';
import { parseSha256Sums } from '../../build/checksums.mjs';
import { ALLOW_STAND_IN_ENV, FUSES, STAND_IN_MARKER, describeFuses } from '../../build/fuses.mjs';
import { STAND_IN_SELF_TEST, makeStandInElectron } from './_packaging-stand-in.ts';
import { META_CONTENT_SECURITY_POLICY } from '../../electron/server/csp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const electronVersion = rootPkg.devDependencies.electron!;
const EXECUTABLE = 'oslc-cluster-admin';

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
const sevenZip = Boolean(process.env.ELECTRON_BUILDER_7ZIP_PATH) || onPath('7za') || onPath('7z');
const realElectron = process.env.ELECTRON_OVERRIDE_DIST_PATH;
const isLinux = process.platform === 'linux';

interface CycloneDx {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string; version: string }; tools: unknown };
  components: { name: string; group?: string; version: string; purl?: string }[];
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** `npm run dist:offline -- …` without npm (the test already built dist/). */
function runDist(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [join(root, 'build/dist.mjs'), '--offline', '--skip-build', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 400_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

let work: string;
let out: string;
let packed: { status: number | null; output: string };
let appOut: string;
let asar: string;
let entries: string[];

beforeAll(() => {
  if (!isLinux) return;
  for (const f of ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  work = mkdtempSync(join(tmpdir(), 'oslc-packaging-'));
  out = join(work, 'release');
  const standIn = makeStandInElectron(work, electronVersion);
  const targets = ['dir', ...(sevenZip ? ['tar.gz'] : [])];
  packed = runDist(['--electron-dist', standIn, '--out', out, '--linux', ...targets], { [ALLOW_STAND_IN_ENV]: '1' });
  appOut = join(out, 'linux-unpacked');
  asar = join(appOut, 'resources/app.asar');
  entries = existsSync(asar) ? listPackage(asar, { isPack: false }).map((e) => e.split('\\').join('/')) : [];
}, 450_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!isLinux)('the app packaged as dir from a stand-in Electron (layout check only)', () => {
  it('packages, and the fuse hook says it cannot flip the fuses of a stand-in and what it would set', () => {
    expect(packed.status, packed.output).toBe(0);
    expect(packed.output).toContain('its fuses cannot be flipped');
    expect(packed.output).toContain(describeFuses(FUSES));
    // The output folder says what it came from.
    expect(existsSync(join(appOut, STAND_IN_MARKER))).toBe(true);
    expect(existsSync(join(appOut, EXECUTABLE))).toBe(true);
  });

  it('holds exactly package.json, the built main process, the preload and the renderer, and node_modules', () => {
    const top = entries.filter((e) => e.split('/').length === 2);
    expect(top.sort()).toEqual(['/dist', '/node_modules', '/package.json']);
    const dist = entries.filter((e) => /^\/dist\/[^/]+$/.test(e));
    expect(dist.sort()).toEqual(['/dist/main.mjs', '/dist/preload.cjs', '/dist/renderer']);
    // The very bytes that were built and tested.
    for (const f of ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer/index.html']) {
      expect(extractFile(asar, f).equals(readFileSync(join(root, f))), f).toBe(true);
    }
    const html = readFileSync(join(root, 'dist/renderer/index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => `/dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    expect(entries).toEqual(expect.arrayContaining(assets));
  });

  it('runs --self-test on the packaged executable, which says it is a stand-in and that nothing ran', () => {
    const r = spawnSync(join(appOut, EXECUTABLE), ['--self-test'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual(STAND_IN_SELF_TEST);
    expect(STAND_IN_SELF_TEST.error).toMatch(/stand-in for Electron .*nothing of the app ran/);
  });

  it('packs the console page with the CSP as a meta tag too, the one of electron/server/csp.ts', () => {
    const html = extractFile(asar, 'dist/renderer/index.html').toString('utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${META_CONTENT_SECURITY_POLICY}" />`);
  });

  it('holds the embedded sandbox: every sandbox module with code is in the packaged main process', () => {
    const main = extractFile(asar, 'dist/main.mjs').toString('utf8');
    const modules = readdirSync(join(root, 'electron/sandbox'))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) =>
        /^export (?:async )?(?:function|class|const|let)/m.test(
          readFileSync(join(root, 'electron/sandbox', f), 'utf8'),
        ),
      );
    expect(modules).toContain('index.ts');
    // esbuild heads each inlined module with its source path.
    const missing = ['electron/server/first-run.ts', ...modules.map((f) => `electron/sandbox/${f}`)].filter(
      (m) => !main.includes(`\n// ${m}\n`),
    );
    expect(missing).toEqual([]);
  });

  it('holds no sources, tests, type declarations or source maps', () => {
    const bad = entries.filter(
      (e) =>
        /\.(?:ts|mts|cts|tsx|svelte|map)$/.test(e) ||
        e.split('/').some((seg) => ['test', 'tests', '__tests__', 'src'].includes(seg)) ||
        /^\/(?:electron|renderer|shared|scripts|bin|build|tools|docs)(?:\/|$)/.test(e) ||
        e.startsWith('/dist/cli'),
    );
    expect(bad).toEqual([]);
  });

  it('has a package.json without dev dependencies, depending on exactly what the bundle loads', async () => {
    const pkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('scripts');
    expect(pkg.main).toBe('dist/main.mjs');
    const runtime = await bundleRuntimeDependencies(join(root, 'dist/main.mjs'));
    expect(runtime).toEqual(['@napi-rs/keyring']);
    expect(pkg.dependencies).toEqual(Object.fromEntries(runtime.map((n) => [n, rootPkg.dependencies[n]])));
  });

  it('ships only those packages in node_modules: the keychain binding and its binaries installed here', () => {
    const packages = entries
      .map((e) => /^\/node_modules\/((?:@[^/]+\/)?[^/@][^/]*)$/.exec(e)?.[1])
      .filter((p): p is string => p !== undefined && !/^@[^/]+$/.test(p));
    const binaries = readdirSync(join(root, 'node_modules/@napi-rs'))
      .filter((d) => d.startsWith('keyring-'))
      .map((d) => `@napi-rs/${d}`);
    expect(binaries.length).toBeGreaterThan(0);
    expect(packages.sort()).toEqual(['@napi-rs/keyring', ...binaries].sort());
  });

  it('unpacks the native keychain binary beside app.asar, byte for byte the installed one', () => {
    const natives = entries.filter((e) => e.endsWith('.node'));
    expect(natives.length).toBeGreaterThan(0);
    for (const n of natives) {
      expect(statFile(asar, n.slice(1), false)).toMatchObject({ unpacked: true });
      const onDisk = join(appOut, 'resources/app.asar.unpacked', n);
      expect(existsSync(onDisk), onDisk).toBe(true);
      expect(sha256(onDisk)).toBe(sha256(join(root, n)));
    }
  });

  it('has no update metadata and no Electron default app in resources', () => {
    expect(readdirSync(join(appOut, 'resources')).sort()).toEqual(['app.asar', 'app.asar.unpacked']);
    expect(entries.some((e) => e.includes('electron-updater'))).toBe(false);
  });

  it.skipIf(!sevenZip)('gives every artifact a SHA256SUMS line that checks out (tar.gz, through 7-Zip)', () => {
    const artifacts = readdirSync(out).filter((f) => f.endsWith('.tar.gz'));
    expect(artifacts).toEqual([`${EXECUTABLE}-${rootPkg.version}-linux-x64.tar.gz`]);
    const sums = parseSha256Sums(readFileSync(join(out, 'SHA256SUMS'), 'utf8'));
    // The archive and the build's SBOM.
    expect(sums.map((s) => s.name)).toEqual([...artifacts, `${EXECUTABLE}-${rootPkg.version}.cdx.json`].sort());
    for (const s of sums) expect(sha256(join(out, s.name))).toBe(s.sha256);
    const listing = spawnSync('tar', ['-tzf', join(out, artifacts[0]!)], { encoding: 'utf8' }).stdout;
    expect(listing).toMatch(/\/resources\/app\.asar\n/);
    expect(listing).toMatch(/\/resources\/app\.asar\.unpacked\/node_modules\/@napi-rs\/keyring-[^/]+\/[^/]+\.node\n/);
    // The oslc-admin executable (build/cli-sea.mjs) with the keychain binary beside it, as in the .deb.
    expect(listing).toMatch(/\/cli\/oslc-admin\n/);
    expect(listing).toMatch(/\/cli\/node_modules\/@napi-rs\/keyring-[^/]+\/[^/]+\.node\n/);
  });

  it('writes a CycloneDX SBOM listing every package the packed app holds, and only those', async () => {
    const file = join(out, `${EXECUTABLE}-${rootPkg.version}.cdx.json`);
    expect(existsSync(file), packed.output).toBe(true);
    const bom = JSON.parse(readFileSync(file, 'utf8')) as CycloneDx;
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.component).toMatchObject({ name: EXECUTABLE, version: rootPkg.version });
    // Made by cyclonedx-npm from the staged app: its tools entry, and no dev dependency of the repository.
    expect(JSON.stringify(bom.metadata.tools)).toContain('"cyclonedx-npm"');
    const listed = bom.components
      .filter((c) => c.purl?.startsWith('pkg:npm/'))
      .map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`);
    expect(new Set(listed).size).toBe(listed.length);

    // What the packed folder holds, read from it: packages installed in app.asar's node_modules and
    // in cli/node_modules (their package.json), and packages inlined into the bundles — esbuild heads
    // each inlined module with its path (`// node_modules/undici/lib/…`) in dist/main.mjs and
    // dist/preload.cjs from the asar; the CLI's build of the same entry (dist/cli, which
    // cli/oslc-admin is bundled from) records them in dist/bundled/cli.json; the renderer's minified chunks carry no such line, so its
    // modules come from a source-mapped build of the same Vite config.
    const held = new Set<string>();
    const addDir = (dir: string) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
      held.add(`${pkg.name}@${pkg.version}`);
    };
    for (const e of entries) {
      const m = /^\/(node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(e);
      if (m) {
        const pkg = JSON.parse(extractFile(asar, `${m[1]}/package.json`).toString('utf8')) as Record<string, string>;
        held.add(`${pkg.name}@${pkg.version}`);
      }
    }
    const cliModules = join(appOut, 'cli/node_modules');
    expect(existsSync(cliModules)).toBe(true);
    for (const scope of readdirSync(cliModules))
      for (const name of scope.startsWith('@') ? readdirSync(join(cliModules, scope)) : ['.'])
        addDir(join(cliModules, scope, name));
    const inlinedPaths = (code: string) => [...code.matchAll(/^\/\/ (node_modules\/\S+)$/gm)].map((m) => m[1]!);
    const fromPath = (p: string) => {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p);
      if (m) addDir(join(root, m[1]!));
    };
    for (const f of ['dist/main.mjs', 'dist/preload.cjs'])
      inlinedPaths(extractFile(asar, f).toString('utf8')).forEach(fromPath);
    // The CLI bundle is minified (no such lines): the build records what it inlined.
    const cliBundled = JSON.parse(readFileSync(join(root, 'dist/bundled/cli.json'), 'utf8')) as { modules: string[] };
    cliBundled.modules.forEach(fromPath);
    const { build: viteBuild } = await import('vite');
    const rendered = (await viteBuild({
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: join(work, 'renderer-mapped'), sourcemap: true, write: false },
    })) as { output: { type: string; fileName: string; source?: string | Uint8Array }[] };
    const maps = rendered.output.filter((o) => o.fileName.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const m of maps) {
      const map = JSON.parse(String(m.source)) as { sources: string[] };
      for (const src of map.sources)
        fromPath(join(work, 'renderer-mapped', dirname(m.fileName), src).slice(root.length));
    }
    // Sanity: each kind contributed (the keychain binding; undici in the main process; Svelte in the page).
    expect([...held]).toEqual(expect.arrayContaining([expect.stringMatching(/^@napi-rs\/keyring@/)]));
    expect([...held].some((p) => p.startsWith('undici@'))).toBe(true);
    expect([...held].some((p) => p.startsWith('svelte@'))).toBe(true);
    expect(listed.sort()).toEqual([...held].sort());
    // The runtimes that ship as binaries: Electron, and the Node inside the CLI executable.
    const runtimes = bom.components.filter((c) => c.purl?.startsWith('pkg:generic/')).map((c) => c.purl);
    expect(runtimes.sort()).toEqual([
      `pkg:generic/electron@${electronVersion}`,
      expect.stringMatching(/^pkg:generic\/node@\d+\.\d+\.\d+$/),
    ]);
  }, 120_000);

  it.skipIf(sevenZip)('tar.gz and SHA256SUMS: skipped, no 7-Zip here (apt install p7zip-full; .ci/run does)', () => {});

  it('refuses to package a stand-in at all unless told it is a layout check', () => {
    const standIn = makeStandInElectron(mkdtempSync(join(work, 'again-')), electronVersion);
    const refused = runDist(['--electron-dist', standIn, '--out', join(work, 'refused'), '--linux', 'dir'], {
      [ALLOW_STAND_IN_ENV]: '',
    });
    expect(refused.status).toBe(1);
    expect(refused.output).toMatch(/stand-in, not a real Electron: it cannot be packaged/);
    expect(existsSync(join(work, 'refused/linux-unpacked/resources/app.asar'))).toBe(false);
  }, 420_000);
});

const realTitle = realElectron
  ? `the app packaged from the real Electron at ${realElectron}`
  : 'the app packaged from a real Electron: skipped, ELECTRON_OVERRIDE_DIST_PATH is not set (no Electron ' +
    'binary can be downloaded here); set it to an unpacked Electron ' +
    `${electronVersion} to read the packaged fuses back and launch the app`;

describe.skipIf(!realElectron || !isLinux)(realTitle, () => {
  let realOut: string;
  let binary: string;
  beforeAll(() => {
    realOut = join(work, 'release-real');
    const r = runDist(['--electron-dist', realElectron!, '--out', realOut, '--linux', 'dir'], {
      [ALLOW_STAND_IN_ENV]: '',
    });
    expect(r.status, r.output).toBe(0);
    binary = join(realOut, 'linux-unpacked', EXECUTABLE);
  }, 180_000);

  it('reads back every fuse as configured from the packaged executable', async () => {
    const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const cfg = FUSES as unknown as Record<number, boolean>;
    for (const [name, i] of Object.entries(FuseV1Options)) {
      if (typeof i !== 'number') continue;
      expect([name, wire[i]]).toEqual([name, cfg[i] ? FuseState.ENABLE : FuseState.DISABLE]);
    }
  });

  it('passes its own --self-test: console from the asar, IPC, CSP, the unpacked keychain binary', () => {
    const home = mkdtempSync(join(work, 'self-test-home-'));
    const r = spawnSync(binary, ['--self-test', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], {
      env: { ...process.env, OSLC_ADMIN_HOME: home },
      encoding: 'utf8',
      timeout: 90_000,
    });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    const report = JSON.parse(line) as { ok: boolean; packaged: boolean; checks: { name: string; ok: boolean }[] };
    expect(
      report.checks.filter((c) => !c.ok),
      line,
    ).toEqual([]);
    expect(report).toMatchObject({ ok: true, packaged: true });
    expect(r.status).toBe(0);
  }, 120_000);

  it('launches and ignores ELECTRON_RUN_AS_NODE: it does not turn into a Node interpreter', async () => {
    const home = mkdtempSync(join(work, 'home-'));
    const child = spawn(binary, ['-e', "process.stdout.write('ran-as-node')"], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', OSLC_ADMIN_HOME: home, HOME: home },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8_000))]);
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // it exited between the check and the signal
      }
    }
    await exited;
    expect(stdout).not.toContain('ran-as-node');
  }, 30_000);
});
