/**
 * The audit log: one JSON line per change, appended durably to `audit.jsonl` in the config
 * directory. Never a secret: entries carry keys, node ids and outcomes only.
 */
import { access, constants as fsConstants, mkdir, open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditEntry } from '../../shared/contract-repair.ts';
import { AUDIT_ACTIONS } from '../../shared/contract-repair.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import { appendLineDurable, errnoCode } from './atomic-file.ts';
import { FileTooLarge, readFileBounded } from './config/bounded-read.ts';

export const AUDIT_FILE = 'audit.jsonl';
/** `audit` reads the log only up to this size (about a million entries); README "Limits". */
export const MAX_AUDIT_FILE_BYTES = 256 * 1024 * 1024;

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export class AuditLog {
  readonly file: string;

  constructor(private readonly home: string) {
    this.file = join(home, AUDIT_FILE);
  }

  async append(entry: Omit<AuditEntry, 'time' | 'user'>): Promise<AuditEntry> {
    const full: AuditEntry = { time: new Date().toISOString(), user: osUser(), ...entry };
    await mkdir(this.home, { recursive: true, mode: 0o700 });
    await appendLineDurable(this.file, JSON.stringify(full));
    return full;
  }

  /**
   * Throws CONFIG_UNWRITABLE, naming the file, unless a line could be appended now. A change made
   * only on this machine (login, logout, trust) checks this before it changes anything, so that it
   * is either done and audited or not done at all. Creates nothing: a missing log is judged by its
   * directory.
   */
  async ensureWritable(): Promise<void> {
    try {
      const handle = await open(this.file, fsConstants.O_WRONLY | fsConstants.O_APPEND);
      await handle.close();
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw auditUnwritable(this.file, e);
      try {
        await access(this.home, fsConstants.W_OK);
      } catch (d) {
        if (errnoCode(d) !== 'ENOENT') throw auditUnwritable(this.file, d);
        // No config directory yet: append makes it.
      }
    }
  }

  /** `append` for a change made only on this machine: a failure is CONFIG_UNWRITABLE naming the file. */
  async appendOrThrow(entry: Omit<AuditEntry, 'time' | 'user'>): Promise<AuditEntry> {
    try {
      return await this.append(entry);
    } catch (e) {
      throw auditUnwritable(this.file, e);
    }
  }

  /**
   * The entries of one cluster, oldest first. A torn line (a crash mid-write) or any line that is not
   * an entry is skipped and counted, never fatal.
   */
  async read(cluster: string): Promise<{ entries: AuditEntry[]; skipped: number }> {
    let text: string;
    try {
      text = (await readFileBounded(this.file, MAX_AUDIT_FILE_BYTES)).toString('utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { entries: [], skipped: 0 };
      const why =
        e instanceof FileTooLarge
          ? `it is larger than ${MAX_AUDIT_FILE_BYTES} bytes, the most that is read; move it aside (it is plain JSON lines) to start a new one`
          : `${errnoCode(e) ?? String(e)}`;
      throw new AppError(
        ErrorCode.CONFIG_UNREADABLE,
        `Cannot read the audit log ${this.file}: ${why}. It was left untouched.`,
        {
          details: { path: this.file },
        },
      );
    }
    const entries: AuditEntry[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as AuditEntry;
        if (
          typeof e.time !== 'string' ||
          typeof e.cluster !== 'string' ||
          !(AUDIT_ACTIONS as readonly string[]).includes(e.action)
        ) {
          skipped++;
          continue;
        }
        if (e.cluster.toLowerCase() === cluster.toLowerCase()) entries.push(e);
      } catch {
        skipped++;
      }
    }
    return { entries, skipped };
  }
}

/** Why an append failed: the errno where there is one (for the message and the details). */
function appendFailure(file: string, e: unknown): { why: string; details: Record<string, string> } {
  const code = errnoCode(e);
  return {
    why: code ?? (e instanceof Error ? e.message : String(e)),
    details: { path: file, ...(code ? { errno: code } : {}) },
  };
}

/** The audit log cannot be appended to: nothing was changed (see AuditLog.ensureWritable). */
function auditUnwritable(file: string, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const { why, details } = appendFailure(file, e);
  return new AppError(
    ErrorCode.CONFIG_UNWRITABLE,
    `The audit log ${file} cannot be written (${why}), so nothing was changed. Make the config directory writable and try again.`,
    { details },
  );
}

/** CONFIG_UNWRITABLE info for an audit line that could not be appended, naming the file and the errno. */
export function auditFailure(file: string, e: unknown): ErrorInfo {
  const { why, details } = appendFailure(file, e);
  return {
    code: ErrorCode.CONFIG_UNWRITABLE,
    message: `The audit line could not be written to ${file} (${why}); the work above was done on the nodes all the same. Make the config directory writable to keep the audit trail.`,
    details,
  };
}

/**
 * An audit log for one operation that changes nodes (approve, register, delete): an append that
 * fails does not throw over the work already done on the nodes; the first failure is kept for the
 * result (`auditError`) instead.
 */
export class ReportingAuditLog extends AuditLog {
  failure: ErrorInfo | undefined;

  constructor(private readonly inner: AuditLog) {
    super(dirname(inner.file));
  }

  override async append(entry: Omit<AuditEntry, 'time' | 'user'>): Promise<AuditEntry> {
    try {
      return await this.inner.append(entry);
    } catch (e) {
      this.failure ??= auditFailure(this.inner.file, e);
      return { time: new Date().toISOString(), user: osUser(), ...entry };
    }
  }

  override read(cluster: string): Promise<{ entries: AuditEntry[]; skipped: number }> {
    return this.inner.read(cluster);
  }
}

/** Runs `op` with a reporting audit log; its result gets `auditError` when an audit line was lost. */
export async function withAuditReport<D extends { auditLog: AuditLog }, R extends object>(
  deps: D,
  op: (deps: D) => Promise<R>,
): Promise<R & { auditError?: ErrorInfo }> {
  const log = new ReportingAuditLog(deps.auditLog);
  const result = await op({ ...deps, auditLog: log });
  return log.failure ? { ...result, auditError: log.failure } : result;
}
