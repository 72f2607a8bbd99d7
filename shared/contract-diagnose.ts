/** Diagnosis operations (issue "Diagnose 401: invalid_expired_token…"): diagnose, flow tester, report. */
import type {
  DiagnoseArg,
  DiagnoseEvent,
  Diagnosis,
  FlowArg,
  FlowEvent,
  FlowResult,
  ReportArg,
  ReportEvent,
  ReportResult,
} from './diagnose.ts';
import type { ReportDiff } from './report-diff.ts';
import type { OpenedReport } from './report-format.ts';

/** A report file's text as the user gave it; `source` is its name, shown in the viewer's banner. */
export interface ReportText {
  text: string;
  source: string;
}

export interface DiagnoseContract {
  /**
   * Probes every node directly and the balancer several times for one consumer key, reads the list
   * APIs where there are any, and explains what is wrong, most severe cause first, nodes named, each
   * with a fix the UI and CLI can run. A pasted error text pre-selects the likely causes.
   */
  diagnose: { arg: DiagnoseArg; result: Diagnosis; progress: DiagnoseEvent };
  /**
   * The real three-legged OAuth 1.0a dance against one node or the balancer. The authorize page is
   * handed over as a progress event `{type:'authorize', url, expiresAt}`: the front door opens it
   * (node-pinned window, browser tab, printed URL); a one-shot loopback listener catches the callback.
   */
  flow: { arg: FlowArg; result: FlowResult; progress: FlowEvent };
  /**
   * Writes `report.md` and `report.json` for a support ticket into a directory: cluster definition,
   * node table, diagnosis per tracked consumer, last sync, certificates, versions. Secrets redacted;
   * existing report files are never overwritten.
   */
  report: { arg: ReportArg; result: ReportResult; progress: ReportEvent };
  /**
   * Opens a report someone sent (report.json, any format version this build reads): checked,
   * migrated, and masked again where a value looks like a secret. Read-only: nothing is contacted.
   */
  openReport: { arg: ReportText; result: OpenedReport; progress: never };
  /** Two reports compared: nodes, keys, states, causes and settings that changed. */
  diffReports: { arg: { a: ReportText; b: ReportText }; result: ReportDiff & { notices: string[] }; progress: never };
}

export const DIAGNOSE_OPERATIONS = ['diagnose', 'flow', 'report', 'openReport', 'diffReports'] as const;
