/**
 * The fuses the packaged app gets (build/fuses.mjs) and the electron-builder hooks that flip them
 * (build/pack-hooks.mjs). No Electron binary exists on this machine, so the flip is exercised on a
 * file that holds only a fuse wire in Electron's format (the sentinel, a version byte, a length byte,
 * one byte per fuse), which is what @electron/fuses looks for in a real binary. The packaging test
 * (test/integration/packaging-dir.test.ts) reads the fuses of a really packaged app where a real
 * Electron is available.
 */
import { FuseState, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALLOW_STAND_IN_ENV,
  FUSES,
  STAND_IN_MARKER,
  describeFuses,
  electronBinaryPath,
  flipAndVerify,
} from '../../build/fuses.mjs';
import { afterExtract, afterPack, keyringBinaryPackages } from '../../build/pack-hooks.mjs';
import type { PackContext } from '../../build/pack-hooks.mjs';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own defaults, fuse by fuse (index order of FuseV1Options). */
const ELECTRON_DEFAULTS = '101100011';

/** A file with a fuse wire of `wire` ('0'/'1' per fuse) between filler bytes, as in a binary. */
function wireFile(path: string, wire = ELECTRON_DEFAULTS): void {
  const filler = Buffer.alloc(4096, 0x90);
  const header = Buffer.from([1, wire.length]);
  writeFileSync(path, Buffer.concat([filler, Buffer.from(SENTINEL), header, Buffer.from(wire, 'latin1'), filler]));
}

const fuseNames = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oslc-fuses-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env[ALLOW_STAND_IN_ENV];
});

describe('the fuse configuration', () => {
  it('has RunAsNode, NODE_OPTIONS, --inspect off; asar-only loading, asar integrity, cookie encryption on', () => {
    const cfg = FUSES as unknown as Record<number, boolean>;
    expect(FUSES.version).toBe(FuseVersion.V1);
    expect(cfg[FuseV1Options.RunAsNode]).toBe(false);
    expect(cfg[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(cfg[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(cfg[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(cfg[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(cfg[FuseV1Options.EnableCookieEncryption]).toBe(true);
    // Nothing loads from file:// (the console is app://), so file:// gets no extra privileges.
    expect(cfg[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('decides every fuse @electron/fuses knows, and requires that of the binary too', () => {
    const cfg = FUSES as unknown as Record<number, boolean | undefined>;
    expect(
      fuseNames.filter((name) => typeof cfg[FuseV1Options[name as keyof typeof FuseV1Options]] !== 'boolean'),
    ).toEqual([]);
    expect(FUSES.strictlyRequireAllFuses).toBe(true);
  });

  it('is described as one readable line', () => {
    expect(describeFuses()).toContain('RunAsNode=off');
    expect(describeFuses()).toContain('OnlyLoadAppFromAsar=on');
    expect(describeFuses().split(', ')).toHaveLength(fuseNames.length);
  });
});

describe('flipping and reading back', () => {
  it('writes exactly the configured states into the wire and verifies them', async () => {
    const bin = join(dir, 'oslc-cluster-admin');
    wireFile(bin);
    await flipAndVerify(bin);
    const wire = (await getCurrentFuseWire(bin)) as unknown as Record<number, number>;
    const cfg = FUSES as unknown as Record<number, boolean>;
    for (const name of fuseNames) {
      const i = FuseV1Options[name as keyof typeof FuseV1Options];
      expect([name, wire[i]]).toEqual([name, cfg[i] ? FuseState.ENABLE : FuseState.DISABLE]);
    }
  });

  it('refuses a binary with a fuse nobody decided yet (an Electron upgrade) and leaves it untouched', async () => {
    const bin = join(dir, 'newer');
    wireFile(bin, `${ELECTRON_DEFAULTS}1`);
    const before = readFileSync(bin);
    await expect(flipAndVerify(bin)).rejects.toThrow(/strictlyRequireAllFuses/);
    expect(readFileSync(bin).equals(before)).toBe(true);
  });

  it('refuses a file with no fuse wire at all', async () => {
    const bin = join(dir, 'not-electron');
    writeFileSync(bin, '#!/bin/sh\nexit 1\n');
    await expect(flipAndVerify(bin)).rejects.toThrow(/sentinel/);
  });
});

/** A packed Linux app folder as electron-builder leaves it for afterPack. */
function linuxApp(opts: { binary?: 'wire' | 'stand-in'; keychain?: boolean } = {}): PackContext {
  const appOutDir = join(dir, 'linux-unpacked');
  mkdirSync(join(appOutDir, 'resources'), { recursive: true });
  const binary = join(appOutDir, 'oslc-cluster-admin');
  if (opts.binary === 'stand-in') {
    writeFileSync(binary, '#!/bin/sh\nexit 1\n');
    writeFileSync(join(appOutDir, STAND_IN_MARKER), 'stand-in\n');
  } else wireFile(binary);
  if (opts.keychain !== false) {
    const pkg = join(appOutDir, 'resources/app.asar.unpacked/node_modules/@napi-rs/keyring-linux-x64-gnu');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'keyring.linux-x64-gnu.node'), 'native');
  }
  return {
    appOutDir,
    electronPlatformName: 'linux',
    arch: 1,
    packager: { executableName: 'oslc-cluster-admin', appInfo: { productFilename: 'OSLC Cluster Admin' } },
  };
}

describe('the afterPack hook', () => {
  it('flips the fuses of the packed executable and says so', async () => {
    const ctx = linuxApp();
    const logs: string[] = [];
    await afterPack(ctx, (m) => logs.push(m));
    const wire = (await getCurrentFuseWire(join(ctx.appOutDir, 'oslc-cluster-admin'))) as unknown as Record<
      number,
      number
    >;
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(logs.join('\n')).toMatch(/fuses flipped and read back/);
  });

  it('refuses to package a stand-in unless told it is a layout check, and then says it cannot flip fuses', async () => {
    const ctx = linuxApp({ binary: 'stand-in' });
    await expect(afterPack(ctx, () => undefined)).rejects.toThrow(/stand-in, not a real Electron/);
    process.env[ALLOW_STAND_IN_ENV] = '1';
    const logs: string[] = [];
    await afterPack(ctx, (m) => logs.push(m));
    expect(logs.join('\n')).toMatch(/stand-in .* its fuses cannot be flipped/);
    expect(logs.join('\n')).toContain(describeFuses(FUSES));
    expect(readFileSync(join(ctx.appOutDir, 'oslc-cluster-admin'), 'utf8')).toBe('#!/bin/sh\nexit 1\n');
  });

  it('refuses an app whose keychain binary for the target is not unpacked, naming what to install', async () => {
    await expect(afterPack(linuxApp({ keychain: false }), () => undefined)).rejects.toThrow(
      /@napi-rs\/keyring-linux-x64\* is not unpacked .* --os=linux --cpu=x64/,
    );
  });
});

describe('the afterExtract hook', () => {
  it("removes Electron's default app, which an unpacked electronDist still has", async () => {
    const ctx = linuxApp();
    writeFileSync(join(ctx.appOutDir, 'resources/default_app.asar'), 'default app');
    await afterExtract(ctx);
    expect(existsSync(join(ctx.appOutDir, 'resources/default_app.asar'))).toBe(false);
  });

  it('stops a stand-in before anything is packed', async () => {
    await expect(afterExtract(linuxApp({ binary: 'stand-in' }))).rejects.toThrow(/stand-in/);
  });
});

describe('names per platform', () => {
  it('finds the executable electron-builder names on each OS', () => {
    const names = { appOutDir: '/o', executableName: 'oslc-cluster-admin', productFilename: 'OSLC Cluster Admin' };
    expect(electronBinaryPath({ ...names, platform: 'linux' })).toBe(join('/o', 'oslc-cluster-admin'));
    expect(electronBinaryPath({ ...names, platform: 'win32' })).toBe(join('/o', 'OSLC Cluster Admin.exe'));
    expect(electronBinaryPath({ ...names, platform: 'darwin' })).toBe(join('/o', 'OSLC Cluster Admin.app'));
  });

  it("wants the keychain binary package of the target's OS and CPU (both CPUs for a universal Mac app)", () => {
    expect(keyringBinaryPackages('linux', 'x64')).toEqual(['keyring-linux-x64']);
    expect(keyringBinaryPackages('linux', 'armv7l')).toEqual(['keyring-linux-arm']);
    expect(keyringBinaryPackages('win32', 'ia32')).toEqual(['keyring-win32-ia32']);
    expect(keyringBinaryPackages('darwin', 'universal')).toEqual(['keyring-darwin-x64', 'keyring-darwin-arm64']);
    expect(keyringBinaryPackages('mas', 'arm64')).toEqual(['keyring-darwin-arm64']);
  });
});
