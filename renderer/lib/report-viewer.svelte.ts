/**
 * A support report someone sent, opened in the console (issue "The support engineer's
 * workbench"): "Open report…" or a file dropped on the window. The engine checks, migrates and
 * masks it (`openReport`); this holds what it gave back, and a second report to compare with
 * (`diffReports`). Read-only: nothing here can reach a cluster.
 */
import type { Api } from '../../shared/contract.ts';
import type { ReportDiff } from '../../shared/report-diff.ts';
import { MAX_REPORT_BYTES } from '../../shared/report-format.ts';
import type { OpenedReport } from '../../shared/report-format.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { Task } from './task.svelte.ts';

/** What the viewer needs of a file (a DOM File has it; tests give a plain object). */
export interface ReportSource {
  name: string;
  size: number;
  text(): Promise<string>;
}

async function textOf(file: ReportSource): Promise<{ text: string; source: string }> {
  // Refused from its size before it is read, as the CLI does.
  if (file.size > MAX_REPORT_BYTES)
    throw new AppError(
      ErrorCode.BAD_INPUT,
      `${file.name} is not a report this app can open: it is ${(file.size / 1024 / 1024).toFixed(0)} MB, larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`,
      { details: { field: 'file' } },
    );
  return { text: await file.text(), source: file.name };
}

export class ReportViewer {
  opened = $state<OpenedReport | null>(null);
  /** The open report's text, kept to compare it with another. */
  private text = '';
  diff = $state<(ReportDiff & { notices: string[] }) | null>(null);
  readonly task = new Task();
  readonly compareTask = new Task();

  private readonly api: Api;

  constructor(api: Api) {
    this.api = api;
  }

  async open(file: ReportSource): Promise<boolean> {
    const got = await this.task.run(async () => {
      const t = await textOf(file);
      return { t, opened: await this.api.openReport(t) };
    });
    if (!got) return false;
    this.opened = got.opened;
    this.text = got.t.text;
    this.diff = null;
    return true;
  }

  /** Compares the open report (before) with `file` (after). */
  async compare(file: ReportSource): Promise<void> {
    if (!this.opened) return;
    const a = { text: this.text, source: this.opened.source };
    const diff = await this.compareTask.run(async () => this.api.diffReports({ a, b: await textOf(file) }));
    if (diff) this.diff = diff;
  }

  close(): void {
    this.task.cancel();
    this.compareTask.cancel();
    this.opened = null;
    this.diff = null;
    this.text = '';
  }
}
