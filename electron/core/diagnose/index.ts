/** Diagnosis, flow tester and support report: what the facade and the front doors import. */
export { diagnose, isHealthy } from './diagnose.ts';
export type { DiagnoseOptions } from './diagnose.ts';
export { flow } from './flow.ts';
export type { FlowInput, FlowOptions } from './flow.ts';
export { appVersion, buildReport, report, REPORT_FILES } from './report.ts';
export type { ReportOptions } from './report.ts';
export { parseErrorText, redactPastedText } from './error-text.ts';
export type { DiagnoseEngine } from './engine.ts';
