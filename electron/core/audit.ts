/**
 * The audit log: one JSON line per change, appended durably to `audit.jsonl` in the config
 * directory. Never a secret: entries carry keys, node ids and outcomes only.
 */
import { mkdir } from 'node:fs/promises';
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

/** CONFIG_UNWRITABLE info for an audit line that could not be appended, naming the file and the errno. */
export function auditFailure(file: string, e: unknown): ErrorInfo {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return {
    code: ErrorCode.CONFIG_UNWRITABLE,
    message: `The audit line could not be written to ${file} (${code ?? (e instanceof Error ? e.message : String(e))}); the work above was done on the nodes all the same. Make the config directory writable to keep the audit trail.`,
    details: { path: file, ...(code ? { errno: code } : {}) },
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
