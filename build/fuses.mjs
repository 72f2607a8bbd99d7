// The Electron fuses the packaged app ships with, flipped in the binary at pack time (pack-hooks.mjs).
// A fuse is a switch compiled into the executable: unlike a command-line flag or an environment
// variable, nobody who can start the app can turn it back on.
// See https://www.electronjs.org/docs/latest/tutorial/fuses
import { FuseState, FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every fuse is set explicitly (`strictlyRequireAllFuses`): an Electron upgrade that adds a fuse
 * fails the build until someone decides its value here.
 */
export const FUSES = Object.freeze({
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general-purpose Node interpreter.
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store encrypted with a key from the OS keychain (node sessions' cookies).
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS could preload any script into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect / --inspect-brk would open a debugger port on the main process.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The main process refuses an app.asar whose hash differs from the one recorded at pack time
  // (Info.plist on macOS, an executable resource on Windows; Electron does not check it on Linux).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Only resources/app.asar is loaded: no resources/app folder dropped next to it, no default_app.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // Electron's default: one V8 snapshot for every process.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The console is served on app://; no page needs file:// to reach anything.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  // Electron's default: WebAssembly bounds checks through signal handlers.
  [FuseV1Options.WasmTrapHandlers]: true,
});

/** The fuses as `Name=on|off`, for logs and for the stand-in's message. */
export function describeFuses(config = FUSES) {
  return Object.entries(FuseV1Options)
    .filter(([, index]) => typeof index === 'number' && config[index] !== undefined)
    .map(([name, index]) => `${name}=${config[index] ? 'on' : 'off'}`)
    .join(', ');
}

/**
 * A file at the root of a folder laid out like an unpacked Electron that is not one. electron-builder
 * copies the folder into the packaged app, so the marker travels with it and the hook can tell.
 */
export const STAND_IN_MARKER = 'STAND-IN-NOT-ELECTRON.txt';

/** The environment variable that lets a stand-in be packaged at all (the packaging test sets it). */
export const ALLOW_STAND_IN_ENV = 'OSLC_ADMIN_ALLOW_STAND_IN';

/**
 * The file whose fuse wire is flipped, in a packed app folder (as electron-builder names it): the
 * executable on Linux and Windows, the .app bundle on macOS (@electron/fuses finds the framework).
 */
export function electronBinaryPath({ appOutDir, platform, executableName, productFilename }) {
  if (platform === 'darwin' || platform === 'mas') return join(appOutDir, `${productFilename}.app`);
  if (platform === 'win32') return join(appOutDir, `${productFilename}.exe`);
  return join(appOutDir, executableName);
}

/** True when the packed folder came from a stand-in, not a real Electron. */
export function isStandIn(appOutDir, binaryPath) {
  return existsSync(join(appOutDir, STAND_IN_MARKER)) || existsSync(join(binaryPath, 'Contents', STAND_IN_MARKER));
}

/**
 * Flips the fuses, then reads the wire back and fails unless every fuse holds the intended state:
 * a binary whose fuses did not take must never reach an installer.
 */
export async function flipAndVerify(binaryPath, { resetAdHocDarwinSignature = false } = {}) {
  await flipFuses(binaryPath, { ...FUSES, resetAdHocDarwinSignature });
  const wire = await getCurrentFuseWire(binaryPath);
  const wrong = [];
  for (const [name, index] of Object.entries(FuseV1Options)) {
    if (typeof index !== 'number' || FUSES[index] === undefined) continue;
    const want = FUSES[index] ? FuseState.ENABLE : FuseState.DISABLE;
    if (wire[index] !== want) wrong.push(`${name} is ${FuseState[wire[index]] ?? wire[index]}`);
  }
  if (wrong.length) throw new Error(`fuses did not take in ${binaryPath}: ${wrong.join(', ')}`);
  return wire;
}
