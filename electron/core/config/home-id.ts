/**
 * A config directory's own identity, `<home>/home.json` (`{"version":1,"id":"…","path":"…"}`): the
 * keychain entries of a home are named by this id, so the cluster `prod` of one `--home` and `prod`
 * of another never share (overwrite, delete) one secret.
 *
 * Why a random id kept in the home, not a hash of its path: a moved or renamed directory (a new
 * user profile, another mount point, `$OSLC_ADMIN_HOME` pointed elsewhere) keeps its id and so its
 * secrets; a path hash would orphan them all. The cost is a copied directory, which would carry the
 * same id: so the file also records the canonical path it was made for. Opened at another path,
 * the home is a COPY when the recorded path still holds a home.json with the same id — it then
 * gets a new id of its own (its secrets are not copied: log in again there) — and otherwise it was
 * MOVED: the id stays and the new path is recorded.
 *
 * Reading never creates the file (a command that only reads leaves the directory as it was);
 * `ensure` does, on the first secret stored or migrated.
 */
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { errnoCode, writeFileAtomic } from '../atomic-file.ts';
import { readFileBounded } from './bounded-read.ts';

export const HOME_ID_FILE = 'home.json';
const MAX_HOME_FILE_BYTES = 4096;
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface HomeFile {
  version: 1;
  id: string;
  /** The canonical path the id was made for (see the module comment: moved or copied). */
  path: string;
}

async function canonical(dir: string): Promise<string> {
  return fsp.realpath(dir).catch(() => path.resolve(dir));
}

async function readHomeFile(dir: string): Promise<HomeFile | null> {
  const file = path.join(dir, HOME_ID_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(file, MAX_HOME_FILE_BYTES);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null;
    throw new AppError(
      ErrorCode.CONFIG_UNREADABLE,
      `Cannot read ${file} (${errnoCode(e) ?? String(e)}), the identity of this config directory its keychain entries are named by. It was left untouched.`,
      { details: { path: file } },
    );
  }
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as Partial<HomeFile>;
    if (doc.version === 1 && typeof doc.id === 'string' && ID_PATTERN.test(doc.id) && typeof doc.path === 'string')
      return { version: 1, id: doc.id, path: doc.path };
  } catch {
    // fall through
  }
  throw new AppError(
    ErrorCode.CONFIG_CORRUPT,
    `${file} is not a valid home identity (${'{"version":1,"id":"<uuid>","path":"…"}'}). It was left untouched; if you removed or edited it, restore it (its id names this directory's keychain entries) or delete it and log in again.`,
    { details: { path: file } },
  );
}

async function writeHomeFile(dir: string, doc: HomeFile, replace: boolean): Promise<HomeFile> {
  const file = path.join(dir, HOME_ID_FILE);
  const text = `${JSON.stringify(doc)}\n`;
  if (replace) {
    await writeFileAtomic(file, text);
    return doc;
  }
  // First writer wins: a temp file linked into place fails with EEXIST if another process was first.
  const tmp = path.join(dir, `.${HOME_ID_FILE}.${process.pid}.${randomUUID()}.atomic-tmp`);
  await fsp.writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    await fsp.link(tmp, file);
    return doc;
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    return (await readHomeFile(dir)) ?? doc;
  } finally {
    await fsp.unlink(tmp).catch(() => undefined);
  }
}

/** The home's id, or null when it has none yet (nothing was stored in the keychain by this version). */
export async function readHomeId(dir: string): Promise<string | null> {
  const doc = await readHomeFile(dir);
  if (!doc) return null;
  return (await reconcile(dir, doc)).id;
}

/** The home's id, made (and the directory created) when it has none yet. */
export async function ensureHomeId(dir: string): Promise<string> {
  const doc = await readHomeFile(dir);
  if (doc) return (await reconcile(dir, doc)).id;
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    return (await writeHomeFile(dir, { version: 1, id: randomUUID(), path: await canonical(dir) }, false)).id;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError(
      ErrorCode.CONFIG_UNWRITABLE,
      `Cannot write ${path.join(dir, HOME_ID_FILE)} (${errnoCode(e) ?? String(e)}), the identity this config directory's keychain entries are named by. Check that the directory is writable by you, or use another config directory.`,
      { fix: { action: 'other-home' }, details: { path: path.join(dir, HOME_ID_FILE) } },
    );
  }
}

/** Moved (keep the id, record the path) or copied (a new id): see the module comment. */
async function reconcile(dir: string, doc: HomeFile): Promise<HomeFile> {
  const here = await canonical(dir);
  if (doc.path === here) return doc;
  const original = await readHomeFile(doc.path).catch(() => null);
  const copied = original !== null && original.id === doc.id;
  const next: HomeFile = { version: 1, id: copied ? randomUUID() : doc.id, path: here };
  try {
    return await writeHomeFile(dir, next, true);
  } catch {
    // A read-only copy or move: the id in the file stands for this call (a copy then still shares it).
    return copied ? doc : next;
  }
}
