import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHome } from '../../electron/core/config/home.ts';
import { ErrorCode } from '../../shared/errors.ts';

describe('resolveHome', () => {
  it('prefers --home over OSLC_ADMIN_HOME and makes it absolute', () => {
    const env = { OSLC_ADMIN_HOME: '/from/env', HOME: '/home/ada' };
    expect(resolveHome({ home: '/from/flag', env, platform: 'linux' })).toBe('/from/flag');
    expect(resolveHome({ home: 'relative/dir', env, platform: 'linux' })).toBe(path.resolve('relative/dir'));
  });

  it('uses OSLC_ADMIN_HOME when there is no --home, and ignores it when empty', () => {
    expect(resolveHome({ env: { OSLC_ADMIN_HOME: '/from/env', HOME: '/home/ada' }, platform: 'linux' })).toBe(
      '/from/env',
    );
    expect(resolveHome({ env: { OSLC_ADMIN_HOME: '', HOME: '/home/ada' }, platform: 'linux' })).toBe(
      '/home/ada/.config/oslc-cluster-admin',
    );
  });

  it('rejects an empty --home with BAD_INPUT', () => {
    expect(() => resolveHome({ home: '  ', env: {}, platform: 'linux' })).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_INPUT }),
    );
  });

  it('uses XDG_CONFIG_HOME on Linux when it is absolute, else ~/.config', () => {
    expect(resolveHome({ env: { XDG_CONFIG_HOME: '/xdg', HOME: '/home/ada' }, platform: 'linux' })).toBe(
      '/xdg/oslc-cluster-admin',
    );
    expect(resolveHome({ env: { XDG_CONFIG_HOME: 'relative', HOME: '/home/ada' }, platform: 'linux' })).toBe(
      '/home/ada/.config/oslc-cluster-admin',
    );
    expect(resolveHome({ env: { HOME: '/home/ada' }, platform: 'freebsd' })).toBe(
      '/home/ada/.config/oslc-cluster-admin',
    );
  });

  it('uses Application Support on macOS', () => {
    expect(resolveHome({ env: { HOME: '/Users/ada' }, platform: 'darwin' })).toBe(
      '/Users/ada/Library/Application Support/OSLC Cluster Admin',
    );
  });

  it('uses %APPDATA% on Windows, falling back to the roaming profile folder', () => {
    expect(resolveHome({ env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, platform: 'win32' })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\OSLC Cluster Admin',
    );
    expect(resolveHome({ env: { USERPROFILE: 'C:\\Users\\ada' }, platform: 'win32' })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\OSLC Cluster Admin',
    );
  });

  it('falls back to the OS user directory when HOME is not set', () => {
    expect(resolveHome({ env: {}, platform: 'linux' })).toBe(
      path.posix.join(os.homedir(), '.config', 'oslc-cluster-admin'),
    );
  });
});
