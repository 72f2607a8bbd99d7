// The .deb and .rpm, made from the packed app folder (electron-builder's linux-unpacked, which
// already holds the app, its fuses flipped, and the CLI in cli/) with Debian's own tools:
// electron-installer-debian drives dpkg-deb (+ fakeroot-free --root-owner-group), and
// electron-installer-redhat drives rpmbuild (apt package `rpm`). Nothing is downloaded: unlike
// electron-builder's deb/rpm targets, no fpm. Both write the control data for Electron's libraries
// (Depends / Requires), the desktop entry and icons; this module adds what the app needs beyond
// that: /usr/bin/oslc-admin, the watch's systemd unit (disabled), its credential drop-in as an
// example, and minimal idempotent maintainer scripts (build/linux/).
import { Installer as DebianInstaller } from 'electron-installer-debian';
import { Installer as RedhatInstaller } from 'electron-installer-redhat';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The package's name, its /usr/lib folder and the desktop app's command. */
export const PACKAGE_NAME = 'oslc-cluster-admin';
export const CLI_COMMAND = 'oslc-admin';
export const WATCH_UNIT = 'oslc-admin-watch.service';
/** The CLI folder inside the app folder (build/cli-sea.mjs lays it out). */
export const CLI_DIR = 'cli';

const linuxDir = (root) => join(root, 'build/linux');

/** What both installers add to the files electron-installer-common lays out (relative to baseAppDir). */
async function addCliAndService(installer, root) {
  const base = join(installer.stagingDir, installer.baseAppDir);
  const cli = join(installer.sourceDir, CLI_DIR, CLI_COMMAND);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: the app folder has no CLI (build/cli-sea.mjs)`);
  await mkdir(join(base, 'bin'), { recursive: true });
  await symlink(join('../lib', PACKAGE_NAME, CLI_DIR, CLI_COMMAND), join(base, 'bin', CLI_COMMAND));
  await mkdir(join(base, 'lib/systemd/system'), { recursive: true });
  await copyFile(join(linuxDir(root), WATCH_UNIT), join(base, 'lib/systemd/system', WATCH_UNIT));
  const doc = join(base, 'share/doc', PACKAGE_NAME);
  await mkdir(doc, { recursive: true });
  await copyFile(join(linuxDir(root), 'password.conf.example'), join(doc, 'password.conf.example'));
  await copyFile(join(root, 'docs/monitoring.md'), join(doc, 'monitoring.md'));
}

function withExtras(Base, root) {
  return class extends Base {
    // electron-installer-common reads Electron's version from <src>/version, which the pack hook
    // removes from the app folder: makeDeb/makeRpm put it back for the run, and it is not packaged.
    async copyApplication() {
      await super.copyApplication();
      await rm(join(this.stagingAppDir, 'version'), { force: true });
    }
    // electron-builder renames Electron's LICENSE to LICENSE.electron.txt; the copyright file says
    // whose the app is and carries Electron's licence, pointing at Chromium's.
    async copyLicense(copyrightFile) {
      const electron = join(this.sourceDir, 'LICENSE.electron.txt');
      const text =
        'OSLC Cluster Admin\nCopyright: OSLC Cluster Admin contributors. All rights reserved (UNLICENSED).\n\n' +
        `Bundled: Electron (its licence below); Chromium's licences: /usr/lib/${PACKAGE_NAME}/LICENSES.chromium.html\n\n` +
        (existsSync(electron) ? await readFile(electron, 'utf8') : '');
      await writeFile(copyrightFile, text);
    }
    get contentFunctions() {
      return [...super.contentFunctions, 'addCliAndService'];
    }
    addCliAndService() {
      return addCliAndService(this, root);
    }
  };
}

/** The package metadata both formats share. */
function commonOptions(root, { src, dest, version, logger }) {
  return {
    src,
    dest,
    name: PACKAGE_NAME,
    productName: 'OSLC Cluster Admin',
    genericName: 'OSLC cluster administration',
    description: 'Administration of load-balanced OSLC providers',
    productDescription:
      'Desktop console and the oslc-admin command for admins of load-balanced OSLC providers ' +
      '(ClearQuest Web, Jazz, Eclipse Lyo): OAuth consumer keys per node, approval on the right ' +
      'node, registry refresh, 401 diagnosis, and a watch service with Prometheus metrics.',
    version,
    bin: PACKAGE_NAME,
    categories: ['Development', 'Network'],
    icon: {
      scalable: join(root, 'build/icons/oslc-cluster-admin.svg'),
      '256x256': join(root, 'build/icons/256x256.png'),
    },
    logger,
  };
}

/** Runs an installer subclass the steps the library's own default export runs. */
async function runInstaller(Installer, data, electronVersion) {
  const versionFile = join(data.src, 'version');
  const hadVersion = existsSync(versionFile);
  if (!hadVersion) await writeFile(versionFile, `${electronVersion}\n`);
  try {
    return await runSteps(new Installer(data));
  } finally {
    if (!hadVersion) await rm(versionFile, { force: true });
  }
}

async function runSteps(installer) {
  await installer.generateDefaults();
  await installer.generateOptions();
  if (installer.generateScripts) await installer.generateScripts();
  await installer.createStagingDir();
  await installer.createContents();
  await installer.createPackage();
  await installer.movePackage();
  return installer.options;
}

/** electron-builder's x64 → Debian's amd64 / RPM's x86_64. */
const DEB_ARCH = { x64: 'amd64', arm64: 'arm64', armv7l: 'armhf', ia32: 'i386' };
const RPM_ARCH = { x64: 'x86_64', arm64: 'aarch64', armv7l: 'armv7hl', ia32: 'i686' };

/** Builds `<dest>/<name>_<version>_<arch>.deb` from the app folder `src`; returns its path. */
export async function makeDeb({ root, src, dest, version, electronVersion, arch = 'x64', logger = () => {} }) {
  const debArch = DEB_ARCH[arch];
  if (!debArch) throw new Error(`no Debian architecture is known for ${arch}`);
  const file = join(dest, `${PACKAGE_NAME}_${version}_${debArch}.deb`);
  await runInstaller(
    withExtras(DebianInstaller, root),
    {
      ...commonOptions(root, { src, dest, version, logger }),
      arch: debArch,
      section: 'utils',
      maintainer: 'OSLC Cluster Admin contributors <oslc-cluster-admin@invalid>',
      // gzip, not the library's xz: the 100 MB CLI executable takes minutes to xz; every dpkg reads gzip.
      compression: 'gzip',
      // The CLI is Node's executable: the C and C++ runtimes. The rest comes from the library's list
      // for this Electron version (GTK, NSS, libsecret, …).
      depends: ['libc6 (>= 2.28)', 'libstdc++6 (>= 8)'],
      recommends: ['gnome-keyring | kwalletmanager'],
      scripts: {
        postinst: join(linuxDir(root), 'postinst'),
        prerm: join(linuxDir(root), 'prerm'),
        postrm: join(linuxDir(root), 'postrm'),
      },
      rename: () => file,
    },
    electronVersion,
  );
  return file;
}

/** Builds `<dest>/<name>-<version>.<arch>.rpm` from the app folder `src`; returns its path. */
export async function makeRpm({ root, src, dest, version, electronVersion, arch = 'x64', logger = () => {} }) {
  const rpmArch = RPM_ARCH[arch];
  if (!rpmArch) throw new Error(`no RPM architecture is known for ${arch}`);
  const file = join(dest, `${PACKAGE_NAME}-${version}.${rpmArch}.rpm`);
  await runInstaller(
    withExtras(RedhatInstaller, root),
    {
      ...commonOptions(root, { src, dest, version, logger }),
      arch: rpmArch,
      license: 'Proprietary',
      requires: ['libstdc++'],
      specTemplate: join(linuxDir(root), 'rpm.spec.ejs'),
      scripts: {
        post: join(linuxDir(root), 'postinst'),
        preun: join(linuxDir(root), 'prerm'),
        postun: join(linuxDir(root), 'postrm'),
      },
      rename: () => file,
    },
    electronVersion,
  );
  return file;
}
