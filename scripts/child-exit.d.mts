// Types for child-exit.mjs.
export declare function sandboxHelperProblem(helper: string): string | null;
export declare function childExitOutcome(ended: {
  code: number | null;
  signal: NodeJS.Signals | null;
  forwarded: ReadonlySet<string>;
  what: string;
  helper?: string | null;
}): { exitCode: number; message: string | null };
