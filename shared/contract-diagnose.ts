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
}

export const DIAGNOSE_OPERATIONS = ['diagnose', 'flow', 'report'] as const;
