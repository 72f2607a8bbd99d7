// Throwaway app home directories for tests, and byte-exact snapshots of them: "the config is
// unchanged byte for byte" and "no file contains the canary secret" are checked with these.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { DISCOVERY_CACHE_FILE } from '../electron/core/discovery-cache.ts';

export interface TempHome {
  /** The directory, absolute; pass it as `--home` / to `new ConfigStore(dir)`. */
  dir: string;
  /** A path inside the home. */
  path(...parts: string[]): string;
  /**
   * Every file the admin keeps under the home with its exact bytes (see {@link snapshotDir}): the
   * discovery cache is left out, as a cache that any status may write or drop is not the admin's data
   * ("nothing on disk changed" means the config, the audit log, the pins). {@link filesContaining}
   * still reads it: a secret must not reach it either.
   */
  snapshot(): Promise<Map<string, Buffer>>;
  /** Names of the entries directly in the home, sorted. */
  list(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Creates an empty temp directory to use as the app home. Call `cleanup()` when done. */
export async function createTempHome(prefix = 'oslc-admin-home-'): Promise<TempHome> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    path: (...parts) => path.join(dir, ...parts),
    snapshot: async () => {
      // The cache is written after a status answers: its atomic write's temporary file may come and go.
      const isCache = (name: string) => name === DISCOVERY_CACHE_FILE || name.startsWith(`.${DISCOVERY_CACHE_FILE}.`);
      return snapshotDir(dir, (rel) => !isCache(rel));
    },
    list: async () => (await fsp.readdir(dir)).sort(),
    cleanup: async () => {
      // A test may have made something read-only; give it back before removing.
      await fsp.chmod(dir, 0o700).catch(() => undefined);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers an `afterEach` that removes every home created through the returned function, so a
 * test file can write `const home = useTempHomes(); … const h = await home();`.
 */
export function useTempHomes(prefix?: string): () => Promise<TempHome> {
  const created: TempHome[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((h) => h.cleanup()));
  });
  return async () => {
    const h = await createTempHome(prefix);
    created.push(h);
    return h;
  };
}

/** Every regular file under `dir` (relative path → exact bytes); compare two with `expect().toEqual()`. */
export async function snapshotDir(
  dir: string,
  keep: (rel: string) => boolean = () => true,
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (sub: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(dir, sub), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = sub ? path.join(sub, e.name) : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile() && keep(rel)) out.set(rel, await fsp.readFile(path.join(dir, rel)));
    }
  };
  await walk('');
  return out;
}

/** The files under `dir` whose bytes contain `needle` (as UTF-8), e.g. a canary secret: expect `[]`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const bytes = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  for (const [rel, content] of await snapshotDir(dir)) if (content.includes(bytes)) hits.push(rel);
  return hits;
}
