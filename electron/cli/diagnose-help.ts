/** The diagnosis commands' part of the help text, apart from their code so `--help` loads none of it. */
export const DIAGNOSE_HELP = `Diagnosing
  diagnose <cluster> --key K [--secret-stdin | --secret-file FILE] [--error-text FILE] [--json]
                                   which node, which cause, which fix (exit 0 only when HEALTHY)
  flow <cluster> --key K [--secret-stdin | --secret-file FILE] [--node ID | --balancer] [--timeout-seconds S] [--json]
                                   run the real three-legged OAuth dance; prints the URL to authorize
  report <cluster> --out DIR [--error-text FILE] [--json]
                                   write report.md and report.json for a support ticket (secrets redacted)
`;
