/**
 * The Audit tab: the cluster's audit log as a table, newest first, filtered by action, node and
 * outcome, exported as CSV. The CSV is written for spreadsheets: RFC 4180 quoting, and a cell that
 * starts like a formula is prefixed with a quote so a spreadsheet shows it instead of running it.
 */
import type { Api } from '../../shared/contract.ts';
import type { AuditEntry } from '../../shared/contract-repair.ts';
import { downloadText } from './download.ts';
import { Task } from './task.svelte.ts';

export const AUDIT_COLUMNS = ['time', 'user', 'node', 'action', 'key', 'outcome', 'detail'] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** "Any" in a filter. */
export const ANY = '';
/** The filter value for entries that concern no single node. */
export const NO_NODE = '(no node)';

/**
 * One CSV cell. A leading `=`, `+`, `-`, `@` (or a tab / carriage return, which some spreadsheets skip
 * before reading a formula) gets a `'` in front (OWASP "CSV Injection"); then RFC 4180 §2 quoting.
 */
export function csvCell(value: string | null | undefined): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = [AUDIT_COLUMNS.join(',')];
  for (const e of entries) rows.push(AUDIT_COLUMNS.map((c) => csvCell(e[c] ?? '')).join(','));
  return `${rows.join('\r\n')}\r\n`;
}

/** The values that occur, sorted (for a filter's options). */
function distinct<T extends string>(values: T[]): T[] {
  return values.filter((v, i) => values.indexOf(v) === i).sort();
}

export class AuditView {
  entries = $state<AuditEntry[]>([]);
  skipped = $state(0);
  loaded = $state(false);
  action = $state(ANY);
  node = $state(ANY);
  outcome = $state(ANY);
  readonly task = new Task();
  readonly actions = $derived(distinct(this.entries.map((e) => e.action)));
  readonly nodes = $derived(distinct(this.entries.map((e) => e.node ?? NO_NODE)));
  readonly outcomes = $derived(distinct(this.entries.map((e) => e.outcome)));
  /** Newest first: what the admin just did is at the top. */
  readonly shown = $derived(
    this.entries
      .filter(
        (e) =>
          (this.action === ANY || e.action === this.action) &&
          (this.node === ANY || (e.node ?? NO_NODE) === this.node) &&
          (this.outcome === ANY || e.outcome === this.outcome),
      )
      .reverse(),
  );
  readonly filtered = $derived(this.action !== ANY || this.node !== ANY || this.outcome !== ANY);
  private readonly api: Api;
  private readonly cluster: () => string;

  constructor(api: Api, cluster: () => string) {
    this.api = api;
    this.cluster = cluster;
  }

  async load(): Promise<void> {
    const result = await this.task.run(() => this.api.audit({ cluster: this.cluster() }));
    if (!result) return;
    this.entries = result.entries;
    this.skipped = result.skipped;
    this.loaded = true;
  }

  clearFilters(): void {
    this.action = ANY;
    this.node = ANY;
    this.outcome = ANY;
  }

  /** The rows shown (filters applied), as CSV. */
  csv(): string {
    return auditCsv(this.shown);
  }

  exportCsv(): void {
    downloadText(`audit-${this.cluster()}.csv`, this.csv(), 'text/csv;charset=utf-8');
  }
}
