/**
 * A small advisory lock around read-modify-write of one file, so the desktop app and a CLI call
 * running at the same moment cannot lose each other's change. In-process callers queue on a
 * promise chain; other processes meet at a lock file created with O_EXCL. A lock whose holder has
 * died (same host, pid gone) or that is older than `staleMs` is broken, since a config change takes
 * milliseconds and a crashed CLI must not block the app for ever.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { errnoCode } from '../atomic-file.ts';
import { readFileBounded } from './bounded-read.ts';

/** A lock file holds one small JSON object; anything longer is not ours. */
const MAX_LOCK_FILE_BYTES = 4096;

export interface FileLockOptions {
  /** How long to wait for another holder before giving up with CONFIG_LOCKED. */
  timeoutMs?: number;
  /** A lock file older than this is considered abandoned. */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  at: string;
}

const inProcessQueues = new Map<string, Promise<void>>();

/** Runs `fn` while holding the lock file `lockPath` (whose directory must exist). */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const previous = inProcessQueues.get(lockPath) ?? Promise.resolve();
  let releaseQueue!: () => void;
  const mine = new Promise<void>((resolve) => (releaseQueue = resolve));
  const tail = previous.then(() => mine);
  inProcessQueues.set(lockPath, tail);
  await previous;
  try {
    await acquire(lockPath, opts.timeoutMs ?? 10_000, opts.staleMs ?? 30_000);
    try {
      return await fn();
    } finally {
      await fsp.unlink(lockPath).catch(() => undefined);
    }
  } finally {
    releaseQueue();
    if (inProcessQueues.get(lockPath) === tail) inProcessQueues.delete(lockPath);
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fsp.open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') {
        throw new AppError(
          ErrorCode.CONFIG_UNWRITABLE,
          `Cannot create the lock file ${lockPath}: ${errnoCode(e) ?? String(e)}. Check that the directory is writable by you, or use another config directory.`,
          { fix: { action: 'other-home' }, cause: e, details: { path: lockPath } },
        );
      }
    }
    const holder = await readHolder(lockPath);
    if (holder === 'gone') continue;
    if (isAbandoned(holder, staleMs)) {
      await breakLock(lockPath);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder.owner ? `process ${holder.owner.pid} on ${holder.owner.host}` : 'another process';
      throw new AppError(
        ErrorCode.CONFIG_LOCKED,
        `The configuration is being changed by ${who} (lock file ${lockPath}). Try again in a moment; if no other OSLC Cluster Admin is running, delete the lock file.`,
        {
          details: { path: lockPath },
        },
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(20 + attempt * 10, 200)));
  }
}

async function readHolder(lockPath: string): Promise<{ owner: LockOwner | null; mtimeMs: number } | 'gone'> {
  try {
    const [bytes, stat] = await Promise.all([readFileBounded(lockPath, MAX_LOCK_FILE_BYTES), fsp.stat(lockPath)]);
    const text = bytes.toString('utf8');
    let owner: LockOwner | null = null;
    try {
      const parsed = JSON.parse(text) as Partial<LockOwner>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string')
        owner = { pid: parsed.pid, host: parsed.host, at: String(parsed.at) };
    } catch {
      // Being written right now, or left empty by a crash: only its age can tell.
    }
    return { owner, mtimeMs: stat.mtimeMs };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 'gone';
    // Something that is not a lock file stands where the lock file goes (a directory, a socket, a
    // file we may not read): a coded error naming it, never an internal one.
    const what = errnoCode(e) === 'EISDIR' ? 'is a directory' : `cannot be read (${errnoCode(e) ?? String(e)})`;
    throw new AppError(
      ErrorCode.CONFIG_UNWRITABLE,
      `The lock file ${lockPath} ${what}, so the configuration cannot be changed safely. Remove it if no other OSLC Cluster Admin is running, or use another config directory.`,
      { fix: { action: 'other-home' }, details: { path: lockPath, ...(errnoCode(e) ? { errno: errnoCode(e) } : {}) } },
    );
  }
}

function isAbandoned(holder: { owner: LockOwner | null; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - holder.mtimeMs > staleMs) return true;
  const { owner } = holder;
  if (!owner || owner.host !== os.hostname()) return false;
  // Our own pid: this process does not hold it (the in-process queue says so), so a previous
  // process with a recycled pid left it behind.
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return errnoCode(e) === 'ESRCH';
  }
}

/** Renames before deleting, which narrows the window in which two processes breaking the same stale lock could remove a fresh one. */
async function breakLock(lockPath: string): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw e;
  }
  await fsp.unlink(aside).catch(() => undefined);
}
