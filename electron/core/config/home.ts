/** Where the app keeps its files: `--home DIR`, else `OSLC_ADMIN_HOME`, else the platform's config dir. */
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../../../shared/errors.ts';

export const HOME_ENV = 'OSLC_ADMIN_HOME';
export const APP_DIR_NAME = 'OSLC Cluster Admin';
/** Linux config dirs are conventionally lower-case without spaces. */
export const APP_DIR_NAME_XDG = 'oslc-cluster-admin';

export interface ResolveHomeOptions {
  /** The `--home DIR` option, when given. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** The app's home directory, absolute. It is not created here (the config store does that on first write). */
export function resolveHome(opts: ResolveHomeOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;

  if (opts.home !== undefined) {
    if (opts.home.trim() === '') throw badInput('--home', 'must not be empty');
    return p.resolve(opts.home);
  }
  const fromEnv = env[HOME_ENV];
  // An empty variable counts as unset, the usual shell convention (`OSLC_ADMIN_HOME= cmd`).
  if (fromEnv !== undefined && fromEnv.trim() !== '') return p.resolve(fromEnv);

  const userHome = (platform === 'win32' ? env.USERPROFILE : env.HOME) || os.homedir();
  switch (platform) {
    case 'win32':
      return p.join(env.APPDATA || p.join(userHome, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return p.join(userHome, 'Library', 'Application Support', APP_DIR_NAME);
    default: {
      // XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
      const xdg = env.XDG_CONFIG_HOME;
      const base = xdg && p.isAbsolute(xdg) ? xdg : p.join(userHome, '.config');
      return p.join(base, APP_DIR_NAME_XDG);
    }
  }
}
