/**
 * The shared repository (the ClearQuest schema repository, in the seeds' terms): the approved OAuth
 * consumers, one JSON file in the state dir. Nodes never read it on their own; they copy it into their
 * registry at start and on refresh only, which is exactly what makes a stale node stale.
 *
 * Writes are atomic (temp file + fsync + rename + directory fsync) and serialised. A file that cannot
 * be parsed is kept aside under a new name, never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { badInput, isAppError } from '../../shared/errors.ts';
import { readFileBounded } from '../core/config/bounded-read.ts';

export interface StoredConsumer {
  key: string;
  name: string;
  /** The consumer secret: the repository is the provider's own store, so it holds it (as CQ does). */
  secret: string;
  trusted: boolean;
}

export const REPOSITORY_FILE = 'repository.json';
const MAX_REPOSITORY_BYTES = 64 * 1024 * 1024;

const fileSchema = z.object({
  version: z.literal(1),
  consumers: z.array(z.object({ key: z.string().min(1), name: z.string(), secret: z.string(), trusted: z.boolean() })),
});

/** What the file looked like when last read or written: unchanged, a reload need not parse it again. */
interface FileIdentity {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

const sameFile = (a: FileIdentity | null, b: FileIdentity | null) =>
  a !== null &&
  b !== null &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeNs === b.mtimeNs &&
  a.ctimeNs === b.ctimeNs;

async function identityOf(file: string): Promise<FileIdentity | null> {
  try {
    const st = await fs.stat(file, { bigint: true });
    return { ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
  } catch {
    return null;
  }
}

/** The most consumers one seeding adds (the bench's 50,000 fit; the file cap is 64 MiB). */
export const MAX_SEED = 100_000;

/** Frozen, so every node's registry can hold the same objects (64 nodes × 50,000 keys) without copies. */
const frozen = (consumers: readonly StoredConsumer[]): readonly Readonly<StoredConsumer>[] =>
  Object.freeze(consumers.map((c) => (Object.isFrozen(c) ? c : Object.freeze({ ...c }))));

export class Repository {
  /** Replaced, never changed in place: a node that loaded it keeps a consistent snapshot. */
  private cache: readonly Readonly<StoredConsumer>[] = Object.freeze([]);
  private identity: FileIdentity | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** A reload asked for and not begun yet, which later askers join (see reload). */
  private nextReload: Promise<readonly Readonly<StoredConsumer>[]> | null = null;
  /** Paths where corrupt files were moved, newest last (for the caller to report). */
  readonly corruptFilesKeptAside: string[] = [];

  private constructor(
    readonly stateDir: string,
    readonly repo: string,
    readonly db: string,
  ) {}

  get file(): string {
    return path.join(this.stateDir, REPOSITORY_FILE);
  }

  /** Opens (or creates) the repository in `stateDir`. */
  static async open(stateDir: string, repo: string, db: string): Promise<Repository> {
    // A state dir that is a file, or below one, is bad input (exit 2), never an internal error.
    await fs.mkdir(stateDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EEXIST'
          ? 'it is a file, not a directory'
          : e.code === 'ENOTDIR'
            ? 'a part of the path is a file, not a directory'
            : `it cannot be created (${e.code ?? e.message})`;
      throw badInput('state dir', `${stateDir}: ${why}`);
    });
    const repository = new Repository(stateDir, repo, db);
    await repository.reload().catch((e: unknown) => {
      if (isAppError(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw badInput('state dir', `${path.join(stateDir, REPOSITORY_FILE)} cannot be read (${code ?? String(e)})`);
    });
    return repository;
  }

  /** The consumers as last read or written; a copy, so callers cannot change the store by accident. */
  consumers(): StoredConsumer[] {
    return this.cache.map((c) => ({ ...c }));
  }

  /** The consumers as last read or written, frozen: the same array until the repository changes. */
  snapshot(): readonly Readonly<StoredConsumer>[] {
    return this.cache;
  }

  /** Whether a consumer with this key is stored (without copying the repository). */
  has(key: string): boolean {
    return this.cache.some((c) => c.key === key);
  }

  /**
   * Re-reads the file (what a node's refresh does). A missing file is an empty repository. A file
   * unchanged since it was last read or written (same inode, size, mtime and ctime, in nanoseconds)
   * is not parsed again: 64 nodes refreshing a 50,000-key repository would otherwise parse it 64 times.
   */
  reload(): Promise<readonly Readonly<StoredConsumer>[]> {
    // Refreshes that ask together (a sync's 64 nodes, within a millisecond) share one look at the
    // file: each is answered by a reading begun after it asked. One at a time, they waited for 64
    // stat calls in turn, ~20 ms added to the last node's refresh: one process for 64 "machines"
    // must not make their refreshes queue where real ones would not.
    if (this.nextReload) return this.nextReload;
    const reload = this.serialise(async () => {
      if (this.nextReload === reload) this.nextReload = null;
      const before = await identityOf(this.file);
      if (sameFile(before, this.identity)) return this.cache;
      let text: string;
      try {
        // Bounded: a state dir pointed at something endless must not fill the memory (issue 12).
        text = (await readFileBounded(this.file, MAX_REPOSITORY_BYTES)).toString('utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        if (this.cache.length) this.cache = Object.freeze([]);
        this.identity = null;
        return this.cache;
      }
      const parsed = safeParse(text);
      if (parsed) {
        this.cache = frozen(parsed);
        // The identity seen before reading: a write during the read makes the next reload read again.
        this.identity = before;
      } else {
        // Keep the unreadable file for a human to look at, and go on with what we last knew.
        const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
        await fs.rename(this.file, aside);
        this.corruptFilesKeptAside.push(aside);
        await this.writeFile(this.cache);
      }
      return this.cache;
    });
    this.nextReload = reload;
    return reload;
  }

  /** Adds or replaces a consumer (approve, update). */
  put(consumer: StoredConsumer): Promise<void> {
    return this.putMany([consumer]);
  }

  /** Adds or replaces consumers in one write (the control server's seeding). */
  putMany(consumers: readonly StoredConsumer[]): Promise<void> {
    return this.serialise(async () => {
      const replaced = new Set(consumers.map((c) => c.key));
      const next = [...this.cache.filter((c) => !replaced.has(c.key)), ...frozen(consumers)];
      await this.writeFile(next);
      this.cache = Object.freeze(next);
    });
  }

  /** Removes a consumer; false when it was not there. */
  remove(key: string): Promise<boolean> {
    return this.serialise(async () => {
      if (!this.cache.some((c) => c.key === key)) return false;
      const next = this.cache.filter((c) => c.key !== key);
      await this.writeFile(next);
      this.cache = Object.freeze(next);
      return true;
    });
  }

  /** One file operation at a time, so a reload never sees half of two writes. */
  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeFile(consumers: readonly StoredConsumer[]): Promise<void> {
    const body = `${JSON.stringify({ version: 1, repo: this.repo, db: this.db, consumers }, null, 2)}\n`;
    this.identity = null;
    await writeFileAtomic(this.file, body);
    this.identity = await identityOf(this.file);
  }
}

function safeParse(text: string): StoredConsumer[] | null {
  try {
    const result = fileSchema.safeParse(JSON.parse(text));
    return result.success ? result.data.consumers : null;
  } catch {
    return null;
  }
}

/**
 * Writes `file` so that a crash leaves either the old or the new content, never a mix: temp file in
 * the same directory, fsync, rename over the target, fsync the directory. Mode 0600: it holds secrets.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  try {
    const dir = await fs.open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename itself is still atomic there.
  }
}
