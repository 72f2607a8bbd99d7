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
import { ClusterView } from './cluster-view.svelte.ts';
import type { ClusterDefinition, ClusterKind, ClusterStatus } from '../../shared/model.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUTS } from '../../shared/model.ts';

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

/**
 * An Api for a report's map: a report never contacts a cluster, so every call is refused (the
 * read-only map offers nothing that would make one).
 */
const NO_CLUSTER = new Proxy({} as Api, {
  get: () => () => Promise.reject(new AppError(ErrorCode.BAD_INPUT, 'a report does not contact its cluster')),
});

/**
 * The console's own cluster state, filled from a report instead of a status run: the map draws a
 * report with the same function as a live cluster, so the two pictures cannot differ.
 */
export function viewOfReport(opened: OpenedReport): ClusterView {
  const c = opened.report.cluster;
  const definition: ClusterDefinition = {
    name: c.name,
    kind: c.kind as ClusterKind,
    balancerUrl: c.balancerUrl,
    nodes: c.nodes.map((n) => ({ id: n.id, url: n.url, label: n.label })),
    repo: c.repo ?? null,
    db: c.db ?? null,
    caPem: null,
    pinnedFingerprints: c.pinnedFingerprints,
    timeouts: { ...DEFAULT_TIMEOUTS, ...c.timeouts },
    maxResponseBytes: c.maxResponseBytes || DEFAULT_MAX_RESPONSE_BYTES,
    adminUser: c.adminUser ?? null,
    consumers: c.consumers.map((k) => ({ key: k.key, name: k.name, hasSecret: k.hasSecret })),
  };
  const view = new ClusterView(NO_CLUSTER, {
    name: c.name,
    kind: definition.kind,
    balancerUrl: c.balancerUrl,
    nodeCount: c.nodes.length,
    consumerCount: c.consumers.length,
    adminUser: definition.adminUser,
    embeddedSandbox: false,
  });
  view.definition = definition;
  // The report's status has the shape the engine wrote (the reader checked it); a report whose
  // status could not be read shows its nodes as not checked.
  if (opened.report.status) view.applyStatus(opened.report.status as unknown as ClusterStatus);
  return view;
}

export class ReportViewer {
  opened = $state<OpenedReport | null>(null);
  /** The report's cluster as the map draws it (read-only: its Api refuses every call). */
  mapView = $state<ClusterView | null>(null);
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
    this.mapView = viewOfReport(got.opened);
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
    this.mapView = null;
    this.diff = null;
    this.text = '';
  }
}
