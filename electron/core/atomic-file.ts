/**
 * Durable file writes. A reader (another process, or this one after a crash) sees either the old
 * file or the new one, never a half-written file: the data goes to a temporary file in the same
 * directory, is flushed, and is renamed over the target; the directory is flushed so the rename
 * itself survives a power cut. Used by the config store and by the audit log.
 */
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.ts';

/** The file-system steps used here; tests replace one to simulate a failure half-way through. */
export interface AtomicFs {
  open(path: string, flags: string | number, mode?: number): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeAtomicFs: AtomicFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};

export interface WriteAtomicOptions {
  /** Permission bits of the new file; owner-only unless said otherwise. */
  mode?: number;
  fs?: AtomicFs;
}

/** Owner read/write only: config files describe infrastructure even though they hold no secret. */
export const PRIVATE_FILE_MODE = 0o600;

const isWindows = process.platform === 'win32';

/** Temporary files start with this prefix so a directory listing (and a test) can spot leftovers. */
export function isAtomicTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.atomic-tmp');
}

/** A temp file older than this is stale even if its writer's pid is in use again (pids are reused). */
const STALE_TEMP_MS = 60 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writes of `path` left behind when their process was killed
 * between open and rename (`.<name>.<pid>.<random>.atomic-tmp`): those whose writer is gone, or that
 * are older than an hour. A write in progress (its process alive, its file fresh) is left alone.
 * Answers the names removed; never throws (a leftover is untidy, not a failure).
 */
export async function removeStaleTempFiles(path: string, now = Date.now()): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !isAtomicTempFile(name)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    const file = join(dir, name);
    try {
      const st = await fsp.lstat(file);
      if (!st.isFile()) continue;
      const stale = !Number.isInteger(pid) || pid <= 0 || !processAlive(pid) || now - st.mtimeMs > STALE_TEMP_MS;
      if (!stale) continue;
      await fsp.unlink(file);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Writes `data` to `path` so that the file is replaced all at once or not at all. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteAtomicOptions = {},
): Promise<void> {
  const fs = opts.fs ?? nodeAtomicFs;
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.atomic-tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', mode);
    await handle.writeFile(data);
    // open()'s mode is filtered by the umask; the file must end up with exactly `mode`.
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await renameWithRetry(fs, tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(fs, dir);
}

/**
 * Appends one line to an append-only log with a single `O_APPEND` write, then flushes it, so lines
 * from concurrent writers never interleave and a line that was reported written survives a crash.
 */
export async function appendLineDurable(
  path: string,
  line: string,
  opts: { mode?: number; fs?: AtomicFs } = {},
): Promise<void> {
  if (/[\r\n]/.test(line)) {
    throw new AppError(ErrorCode.INTERNAL, 'appendLineDurable: a log line must not contain a line break');
  }
  const fs = opts.fs ?? nodeAtomicFs;
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  let created = true;
  let handle: FileHandle;
  try {
    handle = await fs.open(
      path,
      fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_EXCL,
      mode,
    );
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    created = false;
    handle = await fs.open(path, fsConstants.O_WRONLY | fsConstants.O_APPEND, mode);
  }
  try {
    let offset = 0;
    // A regular file takes the whole buffer in one write; the loop only guards against a short write.
    while (offset < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncDirectory(fs, dirname(path));
}

/** Flushes a directory entry (a rename or a new file) to disk; not possible, nor needed, on Windows. */
async function syncDirectory(fs: AtomicFs, dir: string): Promise<void> {
  if (isWindows) return;
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (e) {
    // Some file systems (network mounts, FUSE) refuse fsync on a directory; the data is written anyway.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP', 'EBADF'].includes(errnoCode(e) ?? '')) throw e;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** On Windows a virus scanner or indexer briefly holding the target makes rename fail with EPERM/EBUSY. */
async function renameWithRetry(fs: AtomicFs, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (e) {
      const code = errnoCode(e);
      if (!isWindows || attempt >= 10 || !(code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}
