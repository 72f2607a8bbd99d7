/**
 * The audit log: one JSON line per change, appended durably to `audit.jsonl` in the config
 * directory. Never a secret: entries carry keys, node ids and outcomes only.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../shared/contract-repair.ts';
import { AUDIT_ACTIONS } from '../../shared/contract-repair.ts';
import { appendLineDurable, errnoCode } from './atomic-file.ts';

export const AUDIT_FILE = 'audit.jsonl';

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
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { entries: [], skipped: 0 };
      throw e;
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
