/**
 * The Report button: the support report rendered by the engine (secrets already redacted), shown
 * before anything is saved; then "Download" (a Blob per file: works in every window) or "Save to a
 * folder…" (`report` without a folder: the desktop asks where with the OS dialog; browser mode has
 * no such dialog and answers with its coded error, shown as it is). The renderer never asks which
 * door it runs behind. The consumer's error text (as the CLI's `--error-text`) can be pasted: the
 * report is then prepared again with it, its likely causes marked and its secrets redacted.
 */
import type { Api } from '../../shared/contract.ts';
import type { ReportPreview } from '../../shared/contract-console.ts';
import type { ReportArg, ReportEvent, ReportResult } from '../../shared/diagnose.ts';
import { downloadText } from './download.ts';
import { Task } from './task.svelte.ts';

export class ReportDialog {
  open = $state(false);
  preview = $state<ReportPreview | null>(null);
  /** Which file of the preview is shown. */
  shownFile = $state<ReportPreview['files'][number]['name']>('report.md');
  /** What the engine is doing while it renders (keys being diagnosed). */
  progress = $state<string | null>(null);
  saved = $state<ReportResult | null>(null);
  /** The consumer's error text, pasted (optional; the engine redacts it and marks the likely causes). */
  errorText = $state('');
  /** The error text the shown preview was prepared with, to tell whether it must be prepared again. */
  preparedWith = $state('');
  /** Site names replaced by placeholders (`--anonymize`); the mapping file stays with the customer. */
  anonymize = $state(false);
  preparedAnonymized = $state(false);
  readonly stale = $derived(
    this.preview !== null &&
      (this.errorText.trim() !== this.preparedWith || this.anonymize !== this.preparedAnonymized),
  );
  readonly task = new Task();
  readonly saveTask = new Task();
  /** Preparing again helps when the text changed, or when the last preparation gave no preview. */
  readonly canPrepare = $derived(!this.task.running && (this.preview === null || this.stale));
  readonly shownText = $derived(this.preview?.files.find((f) => f.name === this.shownFile)?.text ?? '');
  private readonly api: Api;
  private readonly cluster: () => string;

  constructor(api: Api, cluster: () => string) {
    this.api = api;
    this.cluster = cluster;
  }

  async show(): Promise<void> {
    this.open = true;
    await this.prepare();
  }

  /** Renders the report (again), with the pasted error text when there is one. */
  async prepare(): Promise<void> {
    this.preview = null;
    this.saved = null;
    this.saveTask.clearError();
    this.progress = null;
    const errorText = this.errorText.trim();
    const anonymize = this.anonymize;
    const preview = await this.task.run((signal) =>
      this.api.reportPreview(
        { cluster: this.cluster(), ...(errorText ? { errorText } : {}), ...(anonymize ? { anonymize } : {}) },
        { signal, onProgress: (e) => this.apply(e) },
      ),
    );
    this.progress = null;
    if (preview) {
      this.preview = preview;
      this.preparedWith = errorText;
      this.preparedAnonymized = anonymize;
    }
  }

  apply(event: ReportEvent): void {
    if (event.type === 'status') this.progress = 'Reading every node…';
    else if (event.type === 'diagnosing') this.progress = `Diagnosing ${event.key}…`;
    else this.progress = `Written ${event.path}`;
  }

  /** Both files through the browser's downloads. */
  download(): void {
    for (const f of this.preview?.files ?? []) {
      downloadText(f.name, f.text, f.name.endsWith('.json') ? 'application/json' : 'text/markdown;charset=utf-8');
    }
  }

  /** The engine writes both files to a folder the desktop asks for (`outDir` left to the door). */
  async saveToFolder(): Promise<void> {
    this.saved = null;
    const errorText = this.preparedWith;
    const arg = {
      cluster: this.cluster(),
      ...(errorText ? { errorText } : {}),
      ...(this.preparedAnonymized ? { anonymize: true } : {}),
    } as ReportArg;
    const result = await this.saveTask.run((signal) =>
      this.api.report(arg, { signal, onProgress: (e) => this.apply(e) }),
    );
    this.progress = null;
    if (result) this.saved = result;
  }

  close(): void {
    this.task.cancel();
    this.saveTask.cancel();
    this.open = false;
  }
}
