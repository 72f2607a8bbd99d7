// electron-builder's hooks, both in this module (electron-builder picks the export named after the
// hook). afterExtract runs once the Electron distribution is copied into the app folder, before the
// app is packed; afterPack once app.asar is written and its integrity hash recorded, before signing
// and the installers. Together they remove Electron's default app, check the keychain's native
// binary for the target is unpacked, and flip the fuses (fuses.mjs), reading them back.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOW_STAND_IN_ENV, FUSES, describeFuses, electronBinaryPath, flipAndVerify, isStandIn } from './fuses.mjs';

/** electron-builder's Arch enum, by value (builder-util): the names @napi-rs packages use differ. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** The @napi-rs/keyring binary packages that serve a platform and architecture. */
export function keyringBinaryPackages(platform, arch) {
  const napiArch = { ia32: ['ia32'], x64: ['x64'], armv7l: ['arm'], arm64: ['arm64'], universal: ['x64', 'arm64'] }[
    arch
  ];
  if (!napiArch) throw new Error(`no keychain binary is known for ${platform}/${arch}`);
  const os = platform === 'mas' ? 'darwin' : platform;
  return napiArch.map((a) => `keyring-${os}-${a}`);
}

/** Where the packed app's resources are: beside the executable, or inside the macOS bundle. */
function resourcesDir(appOutDir, platform, productFilename) {
  return platform === 'darwin' || platform === 'mas'
    ? join(appOutDir, `${productFilename}.app`, 'Contents', 'Resources')
    : join(appOutDir, 'resources');
}

/**
 * Without its native binary the packaged app could not reach the OS keychain at all; refuse to
 * produce it. Building for another OS than this one needs that OS's binary package installed first
 * (docs/offline-install.md).
 */
function checkKeychainBinary(resources, platform, arch) {
  const scope = join(resources, 'app.asar.unpacked', 'node_modules', '@napi-rs');
  const present = existsSync(scope) ? readdirSync(scope) : [];
  for (const wanted of keyringBinaryPackages(platform, arch)) {
    const dir = present.find((d) => d === wanted || d.startsWith(`${wanted}-`));
    const binary = dir && readdirSync(join(scope, dir)).find((f) => f.endsWith('.node'));
    if (!binary) {
      const [, os, cpu] = wanted.split('-');
      throw new Error(
        `the keychain binary @napi-rs/${wanted}* is not unpacked beside app.asar ` +
          `(found: ${present.join(', ') || 'none'}); package ${platform}/${arch} on that OS, ` +
          `or install its binary first: npm install --no-save --os=${os} --cpu=${cpu}`,
      );
    }
  }
}

const defaultLog = (msg) => console.log(`  • pack-hooks: ${msg}`);

/** What the hooks need from electron-builder's context, by platform. */
function describeTarget(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  // Before afterPack electron-builder has not yet renamed the executable, so both names are given.
  const electronName = platform === 'win32' ? 'electron.exe' : platform === 'linux' ? 'electron' : 'Electron.app';
  return {
    platform,
    arch: ARCH_NAMES[context.arch] ?? String(context.arch),
    binary: electronBinaryPath({ appOutDir, platform, executableName: packager.executableName, productFilename }),
    extracted: join(appOutDir, electronName),
    resources: resourcesDir(appOutDir, platform, productFilename),
    appOutDir,
  };
}

function refuseStandIn(binary) {
  if (process.env[ALLOW_STAND_IN_ENV] !== '1') {
    throw new Error(
      `${binary} comes from a stand-in, not a real Electron: it cannot be packaged ` +
        `(${ALLOW_STAND_IN_ENV}=1 allows it for a layout check only)`,
    );
  }
}

export async function afterExtract(context) {
  const t = describeTarget(context);
  if (isStandIn(t.appOutDir, t.extracted)) refuseStandIn(t.extracted);
  // The default app runs whatever folder it is given; only app.asar may be loaded. electron-builder
  // removes it from a downloaded Electron but keeps it in an unpacked electronDist.
  const resources =
    t.platform === 'darwin' || t.platform === 'mas' ? join(t.extracted, 'Contents', 'Resources') : t.resources;
  rmSync(join(resources, 'default_app.asar'), { force: true });
  // Likewise Electron's `version` file, so an app from an electronDist matches a downloaded one.
  rmSync(join(t.appOutDir, 'version'), { force: true });
}

export async function afterPack(context, log = defaultLog) {
  const { platform, arch, binary, resources, appOutDir } = describeTarget(context);
  if (existsSync(join(resources, 'default_app.asar'))) throw new Error(`${resources}/default_app.asar is still there`);
  checkKeychainBinary(resources, platform, arch);

  if (isStandIn(appOutDir, binary)) {
    refuseStandIn(binary);
    log(`${binary} is a stand-in for a layout check, not an Electron binary: its fuses cannot be flipped.`);
    log(`A real Electron would get: ${describeFuses(FUSES)}`);
    return;
  }
  // A changed binary loses the ad-hoc signature Apple Silicon requires; electron-builder re-signs
  // only when a signing identity is configured.
  const resetAdHocDarwinSignature = platform === 'darwin' && (arch === 'arm64' || arch === 'universal');
  await flipAndVerify(binary, { resetAdHocDarwinSignature });
  log(`fuses flipped and read back in ${binary}: ${describeFuses(FUSES)}`);
}
