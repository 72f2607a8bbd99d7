/**
 * Issue 25: the .deb and .rpm made on this machine, offline, with Debian's own tools (dpkg-deb,
 * rpmbuild) through build/dist.mjs → build/linux-packages.mjs, from the app folder packed from the
 * stand-in Electron (_packaging-stand-in.ts: the desktop executable is a placeholder, so the desktop
 * app itself is not run here). What is real: the control data and file lists as dpkg-deb and rpm
 * read them, and the `oslc-admin` executable inside (a Node single executable application), run from
 * the extracted .deb with no `node` on PATH against a sandbox it starts itself; the watch's systemd
 * unit, checked by `systemd-analyze verify` and run with its own ExecStart command line.
 * One package build for the whole file (beforeAll): it takes a few minutes on a loaded machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSha256Sums } from '../../build/checksums.mjs';
import { ALLOW_STAND_IN_ENV } from '../../build/fuses.mjs';
import { makeStandInElectron } from './_packaging-stand-in.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const version = rootPkg.version;
const DEB = `oslc-cluster-admin_${version}_amd64.deb`;
const RPM = `oslc-cluster-admin-${version}.x86_64.rpm`;
const UNIT = 'oslc-admin-watch.service';

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
const tools = {
  dpkg: onPath('dpkg-deb'),
  rpm: onPath('rpmbuild') && onPath('rpm'),
  analyze: onPath('systemd-analyze'),
};
const runnable = process.platform === 'linux' && process.arch === 'x64' && tools.dpkg && tools.rpm;
const why = runnable ? '' : ': skipped, needs Linux x64 with dpkg-deb and rpmbuild (apt install rpm; .ci/run does)';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const run = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });

let work: string;
let out: string;
let packed: { status: number | null; output: string };
let extracted: string;

beforeAll(() => {
  if (!runnable) return;
  for (const f of ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  work = mkdtempSync(join(tmpdir(), 'oslc-linux-packages-'));
  out = join(work, 'release');
  const standIn = makeStandInElectron(work, rootPkg.devDependencies.electron!);
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'build/dist.mjs'),
      '--offline',
      '--skip-build',
      '--electron-dist',
      standIn,
      '--out',
      out,
      '--linux',
      'deb',
      'rpm',
    ],
    { cwd: root, env: { ...process.env, [ALLOW_STAND_IN_ENV]: '1' }, encoding: 'utf8', timeout: 900_000 },
  );
  packed = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  extracted = join(work, 'root');
  if (existsSync(join(out, DEB))) run('dpkg-deb', ['-x', join(out, DEB), extracted]);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!runnable)(`the .deb and .rpm, built here offline with dpkg-deb and rpmbuild${why}`, () => {
  it('builds both and lists them in SHA256SUMS', () => {
    expect(packed.status, packed.output).toBe(0);
    expect(packed.output).toMatch(/deb and rpm made from .* with dpkg-deb and rpmbuild/);
    const sums = parseSha256Sums(readFileSync(join(out, 'SHA256SUMS'), 'utf8'));
    // The two packages and the build's SBOM (test/integration/packaging-dir.test.ts checks what it lists).
    expect(sums.map((s) => s.name).sort()).toEqual([RPM, `oslc-cluster-admin-${version}.cdx.json`, DEB].sort());
    for (const s of sums) expect(sha256(join(out, s.name)), s.name).toBe(s.sha256);
  });

  it('.deb control data: Electron’s libraries, the CLI’s C/C++ runtimes, the maintainer scripts of build/linux', () => {
    const info = run('dpkg-deb', ['-I', join(out, DEB)]).stdout;
    const field = (name: string) => new RegExp(`^ ${name}: (.*)$`, 'm').exec(info)?.[1] ?? '';
    expect(field('Package')).toBe('oslc-cluster-admin');
    expect(field('Version')).toBe(version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Maintainer')).toMatch(/<[^>]+@[^>]+>/);
    const depends = field('Depends').split(/,\s*/);
    expect(depends).toEqual(
      expect.arrayContaining([
        'libgtk-3-0',
        'libnss3',
        'libgbm1',
        'libsecret-1-0',
        'libc6 (>= 2.28)',
        'libstdc++6 (>= 8)',
      ]),
    );
    const control = join(work, 'control');
    run('dpkg-deb', ['-e', join(out, DEB), control]);
    for (const script of ['postinst', 'prerm', 'postrm']) {
      expect(readFileSync(join(control, script), 'utf8'), script).toBe(
        readFileSync(join(root, 'build/linux', script), 'utf8'),
      );
    }
    expect(readdirSync(control).sort()).toEqual(['control', 'postinst', 'postrm', 'prerm']);
  });

  it('.deb files: the app, /usr/bin/oslc-admin → the CLI, the unit, the desktop entry and icons', () => {
    const listing = run('dpkg-deb', ['-c', join(out, DEB)]).stdout;
    for (const path of [
      './usr/lib/oslc-cluster-admin/resources/app.asar',
      './usr/lib/oslc-cluster-admin/cli/oslc-admin',
      './usr/lib/oslc-cluster-admin/cli/dist/renderer/index.html',
      `./usr/lib/systemd/system/${UNIT}`,
      './usr/share/applications/oslc-cluster-admin.desktop',
      './usr/share/icons/hicolor/scalable/apps/oslc-cluster-admin.svg',
      './usr/share/icons/hicolor/256x256/apps/oslc-cluster-admin.png',
      './usr/share/doc/oslc-cluster-admin/password.conf.example',
      './usr/share/doc/oslc-cluster-admin/copyright',
    ]) {
      expect(listing, path).toContain(` ${path}\n`);
    }
    expect(listing).toMatch(
      / \.\/usr\/lib\/oslc-cluster-admin\/cli\/node_modules\/@napi-rs\/keyring-linux-x64-gnu\/[^/\n]+\.node\n/,
    );
    expect(listing).toContain('./usr/bin/oslc-admin -> ../lib/oslc-cluster-admin/cli/oslc-admin');
    expect(listing).toContain('./usr/bin/oslc-cluster-admin -> ../lib/oslc-cluster-admin/oslc-cluster-admin');
    // Installed disabled: no enablement symlink in the package.
    expect(listing).not.toMatch(/wants\//);
    const desktop = readFileSync(join(extracted, 'usr/share/applications/oslc-cluster-admin.desktop'), 'utf8');
    expect(desktop).toMatch(/^Exec=oslc-cluster-admin %U$/m);
    expect(desktop).toMatch(/^Icon=oslc-cluster-admin$/m);
    expect(desktop).toMatch(/^Name=OSLC Cluster Admin$/m);
  });

  it('.rpm header, requirements, scripts and files', () => {
    const info = run('rpm', ['-qip', join(out, RPM)]).stdout;
    expect(info).toMatch(/^Name\s*: oslc-cluster-admin$/m);
    expect(info).toMatch(new RegExp(`^Version\\s*: ${version.replace(/\./g, '\\.')}$`, 'm'));
    expect(info).toMatch(/^Architecture: x86_64$/m);
    const requires = run('rpm', ['-qp', '--requires', join(out, RPM)]).stdout.split('\n');
    expect(requires).toEqual(
      expect.arrayContaining(['libstdc++', 'gtk3', '(nss or mozilla-nss)', '(mesa-libgbm or libgbm1)', 'libsecret']),
    );
    const files = run('rpm', ['-qlp', join(out, RPM)]).stdout.split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        '/usr/bin/oslc-admin',
        '/usr/bin/oslc-cluster-admin',
        '/usr/lib/oslc-cluster-admin/cli/oslc-admin',
        `/usr/lib/systemd/system/${UNIT}`,
        '/usr/share/applications/oslc-cluster-admin.desktop',
        '/usr/share/icons/hicolor/scalable/apps/oslc-cluster-admin.svg',
      ]),
    );
    const scripts = run('rpm', ['-qp', '--scripts', join(out, RPM)]).stdout;
    expect(scripts).toContain('postinstall scriptlet');
    expect(scripts).toContain('preuninstall scriptlet');
    expect(scripts).toContain('systemctl --system daemon-reload');
    // The CLI is shipped as built (not stripped: its program lives in an ELF note): the .deb's bytes.
    const dump = run('rpm', ['-qp', '--dump', join(out, RPM)]).stdout.split('\n');
    const cliLine = dump.find((l) => l.startsWith('/usr/lib/oslc-cluster-admin/cli/oslc-admin '));
    expect(cliLine?.split(' ')[3]).toBe(sha256(join(extracted, 'usr/lib/oslc-cluster-admin/cli/oslc-admin')));
  });
});

describe.skipIf(!runnable)(`oslc-admin from the extracted .deb, with no node on PATH${why}`, () => {
  const exe = () => join(extracted, 'usr/bin/oslc-admin');
  /** PATH holds the package's bin folder only: no node anywhere on it. */
  const env = (home: string): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: join(extracted, 'usr/bin'),
    OSLC_ADMIN_HOME: home,
    NODE_OPTIONS: '',
  });
  let sandbox: ReturnType<typeof spawn> | null = null;
  let home: string;
  let info: {
    balancer: string;
    nodes: { url: string }[];
    repo: string;
    db: string;
    admin: { user: string; password: string };
  };

  afterAll(() => {
    if (sandbox?.pid && sandbox.exitCode === null) process.kill(sandbox.pid, 'SIGTERM');
  });

  it('is a relative link to the executable, and PATH has no node', () => {
    expect(readlinkSync(exe())).toBe('../lib/oslc-cluster-admin/cli/oslc-admin');
    home = mkdtempSync(join(work, 'home-'));
    const r = run('/bin/sh', ['-c', 'command -v node || echo none'], { env: env(home) });
    expect(r.stdout.trim()).toBe('none');
  });

  it('--version', () => {
    const r = run(exe(), ['--version'], { env: env(home) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`oslc-admin ${version}\n`);
    expect(r.status).toBe(0);
  });

  it('starts a sandbox, adds it as a cluster, and status --check says OK with a password file', async () => {
    sandbox = spawn(exe(), ['sandbox', '--json', '--nodes', '2'], {
      env: env(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      let err = '';
      sandbox!.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      sandbox!.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
      });
      sandbox!.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
      setTimeout(() => reject(new Error(`no sandbox line in 60 s: ${err}`)), 60_000);
    });
    info = JSON.parse(line) as typeof info;
    const add = run(
      exe(),
      [
        'cluster',
        'add',
        'sb',
        '--kind',
        'sandbox',
        '--balancer',
        info.balancer,
        ...info.nodes.flatMap((n) => ['--node', n.url]),
        '--repo',
        info.repo,
        '--db',
        info.db,
      ],
      { env: env(home) },
    );
    expect(add.status, add.stderr).toBe(0);
    const pw = join(home, 'admin-password');
    writeFileSync(pw, `${info.admin.password}\n`, { mode: 0o600 });
    const check = run(exe(), ['status', 'sb', '--check', '--user', info.admin.user, '--password-file', pw], {
      env: env(home),
    });
    expect(check.stdout, check.stderr).toMatch(/^OSLC OK - sb: /);
    expect(check.status).toBe(0);
    // The admin user on record (the password goes to this test's throwaway keychain): the watch's
    // --password-file needs to know whose password it is.
    const login = run(exe(), ['login', 'sb', '--user', info.admin.user, '--password-file', pw], { env: env(home) });
    expect(login.status, login.stderr).toBe(0);
  }, 90_000);

  it('serves the console in browser mode from the files beside it (cli/dist/renderer)', async () => {
    const serve = spawn(exe(), ['serve', '--port', '0', '--json'], { env: env(home), stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        serve.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
        });
        serve.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
        setTimeout(() => reject(new Error('no serve line in 30 s')), 30_000);
      });
      const { url } = JSON.parse(line) as { url: string };
      // The one-time link: a session cookie and a redirect to the console page.
      const signIn = await fetch(url, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      const res = await fetch(new URL('/', url), { headers: { cookie } });
      const html = await res.text();
      expect(res.status).toBe(200);
      // The very page that was built, served from the package's copy.
      expect(html).toBe(readFileSync(join(root, 'dist/renderer/index.html'), 'utf8'));
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => (serve.exitCode !== null ? r(null) : serve.once('exit', r)));
    }
  }, 60_000);

  it.skipIf(!tools.analyze)('the watch unit and its credential drop-in pass systemd-analyze verify', () => {
    // A root with the package's files, this host's systemd units (targets the unit refers to) and kill.
    const unitDir = join(extracted, 'usr/lib/systemd/system');
    cpSync('/usr/lib/systemd/system', unitDir, { recursive: true, force: false, errorOnExist: false });
    copyFileSync(onPathFile('kill'), join(extracted, 'usr/bin/kill'));
    const verify = (unit: string) => run('systemd-analyze', ['verify', '--man=no', `--root=${extracted}`, unit]);
    const plain = verify(join(unitDir, UNIT));
    expect(plain.stderr + plain.stdout).toBe('');
    expect(plain.status).toBe(0);
    mkdirSync(join(unitDir, `${UNIT}.d`), { recursive: true });
    copyFileSync(
      join(extracted, 'usr/share/doc/oslc-cluster-admin/password.conf.example'),
      join(unitDir, `${UNIT}.d/password.conf`),
    );
    const withCredential = verify(join(unitDir, UNIT));
    expect(withCredential.stderr + withCredential.stdout).toBe('');
    expect(withCredential.status).toBe(0);
    // And the check can fail: a unit naming a command the package does not have.
    writeFileSync(
      join(unitDir, 'wrong.service'),
      readFileSync(join(unitDir, UNIT), 'utf8').replace('/usr/bin/oslc-admin', '/usr/bin/oslc-admin-missing'),
    );
    const wrong = verify(join(unitDir, 'wrong.service'));
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/oslc-admin-missing is not executable/);
    rmSync(join(unitDir, 'wrong.service'));
    rmSync(join(unitDir, `${UNIT}.d`), { recursive: true });
  });

  it('runs the drop-in’s ExecStart as systemd would: the CLI accepts it and serves metrics on 127.0.0.1:9464', async () => {
    const dropIn = readFileSync(join(extracted, 'usr/share/doc/oslc-cluster-admin/password.conf.example'), 'utf8');
    const unit = readFileSync(join(extracted, 'usr/lib/systemd/system', UNIT), 'utf8');
    const execStarts = [...dropIn.matchAll(/^ExecStart=(.+)$/gm)].map((m) => m[1]!);
    expect(execStarts).toHaveLength(1);
    const [cmd, ...args] = execStarts[0]!.split(/\s+/);
    expect(cmd).toBe('/usr/bin/oslc-admin');
    // The base unit's command is the same one without the password file.
    expect(/^ExecStart=(.+)$/m.exec(unit)?.[1]).toBe(execStarts[0]!.replace(/ --password-file \S+$/, ''));
    // %d is $CREDENTIALS_DIRECTORY: a private directory holding the credential, readable by its user only.
    const credentials = mkdtempSync(join(work, 'credentials-'));
    writeFileSync(join(credentials, 'admin-password'), info.admin.password, { mode: 0o400 });
    chmodSync(credentials, 0o500);
    const watch = spawn(
      exe(),
      args.map((a) => a.replace('%d', credentials)),
      {
        env: env(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    watch.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let body = '';
      for (let i = 0; i < 100 && watch.exitCode === null; i++) {
        try {
          const res = await fetch('http://127.0.0.1:9464/metrics');
          body = await res.text();
          if (/oslc_admin_node_up\{[^}]*cluster="sb"/.test(body)) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(watch.exitCode, stderr).toBeNull();
      expect(body).toMatch(/oslc_admin_node_up\{[^}]*cluster="sb"[^}]*\} 1/);
    } finally {
      watch.kill('SIGTERM');
      await new Promise((r) => (watch.exitCode !== null ? r(null) : watch.once('exit', r)));
    }
  }, 60_000);
});

function onPathFile(cmd: string): string {
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  throw new Error(`${cmd} is not on PATH (Debian: procps)`);
}
