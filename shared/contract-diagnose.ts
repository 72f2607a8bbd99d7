/** Diagnosis operations (issue "Diagnose 401: invalid_expired_token…"): diagnose, flow tester, report. */
export interface DiagnoseContract {}

export const DIAGNOSE_OPERATIONS = [] as const;
