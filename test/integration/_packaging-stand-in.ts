/**
 * A folder laid out like an unpacked Linux Electron (the files of electron-v<version>-linux-x64.zip)
 * in which no file is what its name says: the executable is a shell script that refuses to run and
 * every other file is a placeholder. It exists so the packaging test can run electron-builder where
 * no Electron can be downloaded; it checks the layout of what gets packed, nothing more. The folder
 * name and the marker file say so, and build/pack-hooks.mjs refuses to package it unless told that
 * this is such a check.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAND_IN_MARKER } from '../../build/fuses.mjs';

const PLACEHOLDERS = [
  'chrome-sandbox',
  'chrome_100_percent.pak',
  'chrome_200_percent.pak',
  'chrome_crashpad_handler',
  'icudtl.dat',
  'libEGL.so',
  'libGLESv2.so',
  'libffmpeg.so',
  'libvk_swiftshader.so',
  'libvulkan.so.1',
  'resources.pak',
  'snapshot_blob.bin',
  'v8_context_snapshot.bin',
  'vk_swiftshader_icd.json',
  'LICENSE',
  'LICENSES.chromium.html',
  'locales/en-US.pak',
  'resources/default_app.asar',
];

/** What the stand-in executable prints for `--self-test`. */
export const STAND_IN_SELF_TEST = {
  selfTest: 'oslc-cluster-admin',
  ok: false,
  standIn: true,
  error:
    'this executable is a stand-in for Electron (packaging layout check only): nothing of the app ran; ' +
    'run --self-test on a build made from a real Electron',
};

export function makeStandInElectron(parent: string, version: string): string {
  const dir = join(parent, `electron-${version}-linux-x64-STAND-IN-for-layout-check-only`);
  mkdirSync(join(dir, 'locales'), { recursive: true });
  mkdirSync(join(dir, 'resources'), { recursive: true });
  for (const f of PLACEHOLDERS) writeFileSync(join(dir, f), `stand-in placeholder for ${f}, not Electron's file\n`);
  writeFileSync(join(dir, 'version'), `${version}\n`);
  writeFileSync(
    join(dir, STAND_IN_MARKER),
    'This folder is laid out like an unpacked Electron but holds none of it. It exists only to check\n' +
      'what electron-builder packs where no Electron can be downloaded. Nothing built from it runs.\n',
  );
  // Asked for the app's --self-test, it answers in the self-test's own JSON shape that it is a stand-in
  // and that nothing of the app ran, so the packaging test can run the self-test and be told so.
  writeFileSync(
    join(dir, 'electron'),
    '#!/bin/sh\n' +
      'for a in "$@"; do\n' +
      '  if [ "$a" = "--self-test" ]; then\n' +
      `    echo '${JSON.stringify(STAND_IN_SELF_TEST)}'\n` +
      '    exit 1\n' +
      '  fi\n' +
      'done\n' +
      'echo "stand-in for the Electron executable (packaging layout check only)" >&2\nexit 1\n',
  );
  chmodSync(join(dir, 'electron'), 0o755);
  return dir;
}
