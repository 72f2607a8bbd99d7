/**
 * The cluster definitions, in `<home>/clusters.json` (`{"version":1,"clusters":[…]}`), shared by the
 * desktop app and the CLI. Nothing on disk is ever lost:
 * - every change re-reads the file under a lock, validates the result, and replaces the file atomically;
 * - a corrupt file (not UTF-8, not JSON, or failing validation) is moved aside, never overwritten;
 * - an older version is migrated, keeping the original next to it as a backup;
 * - a newer version, or a file we may not read, is left untouched and reported.
 * Cluster names are unique regardless of case, because they name keychain entries and Windows
 * Credential Manager compares those case-insensitively; look-ups are case-insensitive too.
 */
import fsp from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { AppError, ErrorCode, echoed } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { clusterDefinitionSchema, describeIssues, parseOrThrow } from '../../../shared/schema.ts';
import type { ClusterDefinition } from '../../../shared/model.ts';
import { errnoCode, nodeAtomicFs, removeStaleTempFiles, writeFileAtomic } from '../atomic-file.ts';
import type { AtomicFs } from '../atomic-file.ts';
import { decodeClusterExport, encodeClusterExport } from './cluster-file.ts';
import type { ImportOptions } from './cluster-file.ts';
import { withFileLock } from './file-lock.ts';
import { FileTooLarge, readFileBounded } from './bounded-read.ts';
import { CURRENT_CONFIG_VERSION, documentVersion, migrateToCurrent } from './migrations.ts';

export const CLUSTERS_FILE = 'clusters.json';
/** The most clusters one config directory holds (README "Limits"). */
export const MAX_CLUSTERS = 1000;
/** clusters.json is read only up to this size: a file (or a device) larger than that is left untouched and reported. */
export const MAX_CONFIG_FILE_BYTES = 256 * 1024 * 1024;

/** The file-system steps the store uses; tests replace one to simulate a failure. */
export interface ConfigFs extends AtomicFs {
  readFile(path: string): Promise<Uint8Array>;
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string, mode: number): Promise<void>;
  mkdir(path: string, opts: { recursive: true; mode: number }): Promise<unknown>;
}

const nodeConfigFs: ConfigFs = {
  ...nodeAtomicFs,
  readFile: (path) => readFileBounded(path, MAX_CONFIG_FILE_BYTES),
  link: (existing, newPath) => fsp.link(existing, newPath),
  copyFile: (from, to, mode) => fsp.copyFile(from, to, mode),
  mkdir: (path, opts) => fsp.mkdir(path, opts),
};

export interface ConfigStoreOptions {
  /** Clock for the timestamps in backup and corrupt-file names. */
  now?: () => Date;
  fs?: Partial<ConfigFs>;
  /** How long a change waits for another process that is changing the file (default 10 s). */
  lockTimeoutMs?: number;
}

export interface LoadResult {
  clusters: ClusterDefinition[];
  /** Problems found and handled while reading, e.g. a corrupt file that was moved aside. */
  notices: ErrorInfo[];
}

/** BAD_INPUT (exit 2) when the list is full: the schema's own error would name no option and read like a bug. */
function assertRoomForOneMore(clusters: ClusterDefinition[]): void {
  if (clusters.length >= MAX_CLUSTERS)
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `This config directory holds ${clusters.length} clusters, the most it may hold (${MAX_CLUSTERS}); remove one first, or use another config directory.`,
      { fix: { action: 'other-home' }, details: { field: 'name', limit: MAX_CLUSTERS } },
    );
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const configFileSchema = z
  .object({
    version: z.literal(CURRENT_CONFIG_VERSION),
    clusters: z.array(clusterDefinitionSchema).max(MAX_CLUSTERS),
  })
  .superRefine((doc, ctx) => {
    doc.clusters.forEach((c, i) => {
      if (doc.clusters.findIndex((o) => sameName(o.name, c.name)) !== i) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${c.name}"` });
      }
    });
  });

type Interpreted =
  | { kind: 'ok'; clusters: ClusterDefinition[] }
  | { kind: 'migrate'; clusters: ClusterDefinition[]; from: number }
  | { kind: 'corrupt'; reason: string };

/** What one read found, after any repair: the clusters, and a notice when the file was moved aside. */
interface ReadState {
  clusters: ClusterDefinition[];
  notice: ErrorInfo | null;
}

export class ConfigStore {
  readonly home: string;
  /** Absolute path of `clusters.json`. */
  readonly file: string;
  readonly #lockFile: string;
  readonly #fs: ConfigFs;
  readonly #now: () => Date;
  readonly #lockTimeoutMs: number;
  /** Notices found by list()/get() that the next load() still has to report. */
  #pendingNotices: ErrorInfo[] = [];

  constructor(home: string, opts: ConfigStoreOptions = {}) {
    this.home = home;
    this.file = join(home, CLUSTERS_FILE);
    this.#lockFile = `${this.file}.lock`;
    this.#fs = { ...nodeConfigFs, ...opts.fs };
    this.#now = opts.now ?? (() => new Date());
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  }

  /**
   * Reads every definition. A corrupt file is moved aside and reported in `notices` (the list is
   * then empty); a legacy file is migrated. Throws CONFIG_TOO_NEW or CONFIG_UNREADABLE, leaving the
   * file untouched.
   */
  async load(): Promise<LoadResult> {
    const state = await this.#read(false);
    const notices = [...this.#pendingNotices, ...(state.notice ? [state.notice] : [])];
    this.#pendingNotices = [];
    return { clusters: state.clusters, notices };
  }

  /** Every definition (notices are kept for the next {@link load}). */
  async list(): Promise<ClusterDefinition[]> {
    const state = await this.#read(false);
    if (state.notice) this.#pendingNotices.push(state.notice);
    return state.clusters;
  }

  /** The definition named `name` (case-insensitive); CLUSTER_NOT_FOUND lists the known names. */
  async get(name: string): Promise<ClusterDefinition> {
    return findOrThrow(await this.list(), name);
  }

  /** Adds a new definition. CLUSTER_EXISTS when the name is taken (in any letter case). */
  async add(def: ClusterDefinition): Promise<ClusterDefinition> {
    const valid = parseOrThrow(clusterDefinitionSchema, def, 'cluster');
    return this.#mutate((clusters) => {
      assertNameFree(clusters, valid.name);
      assertRoomForOneMore(clusters);
      return { clusters: [...clusters, valid], result: valid };
    });
  }

  /**
   * Replaces the definition named `name` with `change(current)`. `change` gets a copy; the result is
   * validated, and may rename the cluster if the new name is free.
   */
  async update(name: string, change: (def: ClusterDefinition) => ClusterDefinition): Promise<ClusterDefinition> {
    return this.#mutate((clusters) => {
      const current = findOrThrow(clusters, name);
      const next = parseOrThrow(clusterDefinitionSchema, change(structuredClone(current)), 'cluster');
      assertNameFree(
        clusters.filter((c) => c !== current),
        next.name,
      );
      return { clusters: clusters.map((c) => (c === current ? next : c)), result: next };
    });
  }

  /** Removes the definition and returns it, so the caller can delete its keychain entries. */
  async remove(name: string): Promise<ClusterDefinition> {
    return this.#mutate((clusters) => {
      const current = findOrThrow(clusters, name);
      return { clusters: clusters.filter((c) => c !== current), result: current };
    });
  }

  /** The portable JSON form of one definition (see cluster-file.ts); never contains a secret. */
  async exportCluster(name: string): Promise<string> {
    return encodeClusterExport(await this.get(name));
  }

  /**
   * Adds a definition from an export document. Bad input → BAD_INPUT naming the field; a taken
   * name → CLUSTER_EXISTS (import with `rename`). The file is not touched unless the import succeeds.
   */
  async importCluster(json: string | Uint8Array, opts: ImportOptions = {}): Promise<ClusterDefinition> {
    const def = decodeClusterExport(json, opts);
    return this.#mutate((clusters) => {
      assertNameFree(clusters, def.name, 'import it under another name (rename)');
      assertRoomForOneMore(clusters);
      return { clusters: [...clusters, def], result: def };
    });
  }

  /** Read-validate-change-write under the lock; `change` throws to leave the file as it is. */
  async #mutate<T>(
    change: (clusters: ClusterDefinition[]) => { clusters: ClusterDefinition[]; result: T },
  ): Promise<T> {
    await this.#ensureHome();
    return withFileLock(
      this.#lockFile,
      async () => {
        const state = await this.#read(true);
        if (state.notice) {
          // Do not quietly start a new file over a lost list: say so, and let the user decide.
          throw new AppError(
            state.notice.code,
            `${state.notice.message} Nothing was changed; run the command again to start from the empty list.`,
            {
              ...(state.notice.details ? { details: state.notice.details } : {}),
            },
          );
        }
        const { clusters, result } = change(state.clusters);
        await this.#write(clusters);
        return result;
      },
      { timeoutMs: this.#lockTimeoutMs },
    );
  }

  /**
   * Reads and interprets the file, repairing it if needed (moving a corrupt file aside, writing a
   * migrated one). Repairs happen under the lock: without it, they take the lock and read again,
   * since another process may have fixed or replaced the file meanwhile.
   */
  async #read(lockHeld: boolean): Promise<ReadState> {
    const bytes = await this.#readBytes();
    if (bytes === null) return { clusters: [], notice: null };
    const found = this.#interpret(bytes);
    if (found.kind === 'ok') return { clusters: found.clusters, notice: null };
    if (!lockHeld) return withFileLock(this.#lockFile, () => this.#read(true), { timeoutMs: this.#lockTimeoutMs });

    if (found.kind === 'migrate') {
      await this.#preserve(`${this.file}.v${found.from}-${this.#stamp()}.bak`);
      await this.#write(found.clusters);
      return { clusters: found.clusters, notice: null };
    }
    const aside = await this.#preserve(`${this.file}.corrupt-${this.#stamp()}`);
    await this.#fs.unlink(this.file).catch((e: unknown) => {
      if (errnoCode(e) !== 'ENOENT') throw this.#unwritable(e, this.file);
    });
    return {
      clusters: [],
      notice: {
        code: ErrorCode.CONFIG_CORRUPT,
        message: `${this.file} could not be used (${found.reason}). It was moved aside to ${aside}, and the cluster list starts empty; fix that file and move it back, or add the clusters again.`,
        details: { path: this.file, movedTo: aside },
      },
    };
  }

  async #readBytes(): Promise<Uint8Array | null> {
    try {
      return await this.#fs.readFile(this.file);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') return null;
      if (e instanceof FileTooLarge)
        throw new AppError(
          ErrorCode.CONFIG_UNREADABLE,
          `${this.file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes, the most a config file may hold. It was left untouched; another config directory can be used instead.`,
          { fix: { action: 'other-home' }, details: { path: this.file, limit: MAX_CONFIG_FILE_BYTES } },
        );
      throw new AppError(
        ErrorCode.CONFIG_UNREADABLE,
        `Cannot read ${this.file} (${code ?? String(e)}). It was left untouched; make it a file readable by you, or use another config directory.`,
        { fix: { action: 'other-home' }, cause: e, details: { path: this.file, ...(code ? { errno: code } : {}) } },
      );
    }
  }

  #interpret(bytes: Uint8Array): Interpreted {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { kind: 'corrupt', reason: 'it is not valid UTF-8 text' };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { kind: 'corrupt', reason: 'it is not valid JSON' };
    }
    const version = documentVersion(doc);
    if (version === null) return { kind: 'corrupt', reason: 'it is not a JSON object with a whole-number "version"' };
    if (version > CURRENT_CONFIG_VERSION) {
      throw new AppError(
        ErrorCode.CONFIG_TOO_NEW,
        `${this.file} was written by a newer OSLC Cluster Admin (config version ${version}; this one reads up to ${CURRENT_CONFIG_VERSION}). It was left untouched; update the app, or use another config directory.`,
        { fix: { action: 'other-home' }, details: { path: this.file, version, supported: CURRENT_CONFIG_VERSION } },
      );
    }
    const current = version < CURRENT_CONFIG_VERSION ? migrateToCurrent(doc as Record<string, unknown>, version) : doc;
    const parsed = configFileSchema.safeParse(current);
    if (!parsed.success) return { kind: 'corrupt', reason: `it failed validation: ${describeIssues(parsed.error)}` };
    return version < CURRENT_CONFIG_VERSION
      ? { kind: 'migrate', clusters: parsed.data.clusters, from: version }
      : { kind: 'ok', clusters: parsed.data.clusters };
  }

  async #write(clusters: ClusterDefinition[]): Promise<void> {
    // Validated as a whole once more: the file must always be one this store can read back.
    const doc = configFileSchema.parse({ version: CURRENT_CONFIG_VERSION, clusters });
    // What an earlier write left when its process was killed between open and rename.
    await removeStaleTempFiles(this.file);
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`, { fs: this.#fs });
    } catch (e) {
      throw this.#unwritable(e, this.file);
    }
  }

  /**
   * Keeps the current file's bytes under a new name that did not exist before (never replacing
   * anything): a hard link where the file system has them, else an exclusive copy.
   */
  async #preserve(wanted: string): Promise<string> {
    for (let n = 0; n < 100; n++) {
      const target = n === 0 ? wanted : `${wanted}-${n}`;
      try {
        await this.#fs.link(this.file, target);
        return target;
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'EEXIST') continue;
        if (!['EPERM', 'ENOTSUP', 'EXDEV', 'ENOSYS', 'EMLINK', 'EOPNOTSUPP'].includes(code ?? ''))
          throw this.#unwritable(e, target);
      }
      try {
        await this.#fs.copyFile(this.file, target, fsConstants.COPYFILE_EXCL);
        return target;
      } catch (e) {
        if (errnoCode(e) === 'EEXIST') continue;
        throw this.#unwritable(e, target);
      }
    }
    throw new AppError(
      ErrorCode.CONFIG_UNWRITABLE,
      `Cannot find a free name for a copy of ${this.file} next to ${wanted}.`,
    );
  }

  async #ensureHome(): Promise<void> {
    try {
      await this.#fs.mkdir(this.home, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw this.#unwritable(e, this.home);
    }
  }

  #unwritable(e: unknown, path: string): AppError {
    if (e instanceof AppError) return e;
    const code = errnoCode(e);
    return new AppError(
      ErrorCode.CONFIG_UNWRITABLE,
      `Cannot write ${path} (${code ?? String(e)}); ${this.file} was left as it was. Check the free space and that the directory is writable by you, or use another config directory.`,
      { fix: { action: 'other-home' }, cause: e, details: { path, ...(code ? { errno: code } : {}) } },
    );
  }

  /** A timestamp usable in file names on every platform (no colons). */
  #stamp(): string {
    return this.#now().toISOString().replace(/[:.]/g, '-');
  }
}

function findOrThrow(clusters: ClusterDefinition[], name: string): ClusterDefinition {
  const found = clusters.find((c) => c.name === name) ?? clusters.find((c) => sameName(c.name, name));
  if (found) return found;
  const known = clusters.map((c) => c.name);
  const listed =
    known.length > 20 ? `${known.slice(0, 20).join(', ')} and ${known.length - 20} more` : known.join(', ');
  throw new AppError(
    ErrorCode.CLUSTER_NOT_FOUND,
    known.length
      ? `No cluster named "${echoed(name)}". Known clusters: ${listed}.`
      : `No cluster named "${echoed(name)}": no clusters are defined yet.`,
    { details: { name: echoed(name), known } },
  );
}

function assertNameFree(
  clusters: ClusterDefinition[],
  name: string,
  hint = 'choose another name, or remove the existing cluster first',
): void {
  const taken = clusters.find((c) => sameName(c.name, name));
  if (!taken) return;
  const as = taken.name === name ? '' : ` (as "${taken.name}"; names are compared ignoring case)`;
  throw new AppError(ErrorCode.CLUSTER_EXISTS, `A cluster named "${name}" already exists${as}; ${hint}.`, {
    details: { name: taken.name },
  });
}
