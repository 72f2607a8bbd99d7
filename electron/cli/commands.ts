/**
 * The one list of the CLI's commands: their synopsis, their options and a line on what they do.
 * `--help`, each command's own help (`status --help`, `help status`), the shell completion scripts
 * (`oslc-admin completion bash|zsh|fish|powershell`) and the man page (`oslc-admin man`) are all
 * written from it; test/integration/cli-help.test.ts holds it to the parsers (every option listed
 * is one the command takes) and the generated scripts to it. Plain data: `--help` loads nothing else.
 */

export interface OptionSpec {
  /** The long name, without `--`. */
  name: string;
  /** One letter, without `-`. */
  short?: string;
  /** The value's placeholder (FILE, N…); none for a switch. */
  value?: string;
  /** The values a shell may offer. */
  choices?: readonly string[];
  /** What the value is, for completion: a file, a directory. */
  complete?: 'file' | 'dir';
  help: string;
}

export interface CommandSpec {
  /** The words that name it: ['status'], ['cluster', 'add']. */
  path: readonly string[];
  /** Several entries may share a path (`status` and `status --check`); the help shows them together. */
  synopsis: string;
  summary: string;
  group: 'Sandbox' | 'Console' | 'Clusters' | 'Consumers' | 'Checking' | 'Repairing' | 'Diagnosing' | 'This tool';
  options: readonly OptionSpec[];
  /** More lines for the command's own help. */
  notes?: readonly string[];
  /**
   * What `--quiet` leaves besides errors, when it is more than nothing (with `--json` the document
   * always prints). `stdout`: the command's stdout is its result and prints as without --quiet;
   * `when`: only when this option is given (`status --check`).
   */
  quiet?: { keeps: string; stdout?: boolean; when?: string };
}

const DIALECTS = ['sandbox', 'clearquest', 'jazz', 'lyo'] as const;
const json: OptionSpec = { name: 'json', help: 'one JSON document on stdout (progress on stderr)' };
const passwordStdin: OptionSpec = { name: 'password-stdin', help: 'the admin password from stdin, for this call only' };
const passwordFile: OptionSpec = {
  name: 'password-file',
  value: 'FILE',
  complete: 'file',
  help: 'the admin password from a file only its owner may read (0600), one line',
};
/** Names the admin for one call with the password (the way to work without an OS keychain). */
const adminUser: OptionSpec = {
  name: 'user',
  value: 'U',
  help: 'the admin user for this call only (with the password; nothing stored)',
};
const secretStdin: OptionSpec = { name: 'secret-stdin', help: 'the consumer secret from stdin' };
const secretFile: OptionSpec = {
  name: 'secret-file',
  value: 'FILE',
  complete: 'file',
  help: 'the consumer secret from a file only its owner may read (0600), one line',
};
const key: OptionSpec = { name: 'key', value: 'K', help: 'the OAuth consumer key' };
const node: OptionSpec = { name: 'node', value: 'ID', help: 'one node of the cluster, by id' };
const errorText: OptionSpec = {
  name: 'error-text',
  value: 'FILE',
  complete: 'file',
  help: 'the error a consumer saw, pasted into a file (at most 1 MiB)',
};

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'home', value: 'DIR', complete: 'dir', help: 'the config directory (default $OSLC_ADMIN_HOME or the app’s)' },
  { name: 'help', short: 'h', help: 'this command’s help' },
  {
    name: 'verbose',
    help: 'say on stderr what is being done: each request to a node with its answer, each keychain call',
  },
  { name: 'quiet', help: 'print only errors; the exit code says the rest' },
];

/** The `--quiet` line of one command's help: only errors, and what its result still prints. */
export function quietHelp(entries: readonly CommandSpec[]): string {
  const keeps = entries.flatMap((e) => (e.quiet ? [e.quiet.keeps] : []));
  if (entries.some((e) => e.options.some((o) => o.name === 'json'))) keeps.push('with --json, the document');
  return keeps.length ? `print only errors and ${keeps.join('; ')}` : 'print only errors; the exit code says the rest';
}

/**
 * Whether `--quiet` leaves this command line's stdout alone: with `--json` (the document is the
 * result), or when the command's stdout is its result (`status --check`, `completion`, `man`…).
 */
export function quietKeepsStdout(entries: readonly CommandSpec[], argv: readonly string[]): boolean {
  if (argv.includes('--json')) return true;
  return entries.some((e) => e.quiet?.stdout && (e.quiet.when === undefined || argv.includes(`--${e.quiet.when}`)));
}

export const COMMAND_LIST: readonly CommandSpec[] = [
  {
    path: ['sandbox'],
    group: 'Sandbox',
    synopsis:
      'sandbox [--nodes N] [--latency-ms MS] [--tls] [--no-sticky] [--dialect sandbox|clearquest|jazz|lyo] [--state-dir DIR] [--json] [--register NAME]',
    summary: 'run the embedded load-balanced provider on 127.0.0.1 until Ctrl+C',
    options: [
      { name: 'nodes', value: 'N', help: 'how many nodes (default 3)' },
      { name: 'latency-ms', value: 'MS', help: 'a delay on every answer' },
      { name: 'tls', help: 'HTTPS with a private CA (written to caFile)' },
      { name: 'no-sticky', help: 'a round-robin balancer (no session affinity)' },
      { name: 'dialect', value: 'D', choices: DIALECTS, help: 'the product the nodes speak' },
      { name: 'state-dir', value: 'DIR', complete: 'dir', help: 'keep the repository here across restarts' },
      { name: 'json', help: 'one line once everything listens' },
      { name: 'register', value: 'NAME', help: 'also add it as a cluster, with its admin login' },
    ],
  },
  {
    path: ['serve'],
    group: 'Console',
    synopsis: 'serve [--port P] [--open] [--sandbox [--nodes N] [--tls] [--no-sticky] [--dialect D]] [--json]',
    summary: 'the console in your browser, on 127.0.0.1 with a one-time token',
    options: [
      { name: 'port', value: 'P', help: 'the port (default: any free one)' },
      { name: 'open', help: 'open the default browser' },
      { name: 'sandbox', help: 'also run the embedded sandbox as the cluster "sandbox"' },
      { name: 'nodes', value: 'N', help: 'with --sandbox: how many nodes' },
      { name: 'tls', help: 'with --sandbox: HTTPS' },
      { name: 'no-sticky', help: 'with --sandbox: a round-robin balancer' },
      { name: 'dialect', value: 'D', choices: DIALECTS, help: 'with --sandbox: the product the nodes speak' },
      { name: 'json', help: 'print one line: {"url":…,"sandbox":…}' },
    ],
  },
  {
    path: ['cluster', 'add'],
    group: 'Clusters',
    synopsis:
      'cluster add <name> --kind sandbox|clearquest|jazz|lyo --balancer URL --node URL [--node URL…] [--repo R --db D] [--ca FILE] [--json]',
    summary: 'define a cluster (no secret is stored in it)',
    options: [
      { name: 'kind', value: 'K', choices: DIALECTS, help: 'the product' },
      { name: 'balancer', value: 'URL', help: 'the load balancer’s URL' },
      { name: 'node', value: 'URL', help: 'a node’s own URL (repeat for each node)' },
      { name: 'repo', value: 'R', help: 'ClearQuest: the schema repository' },
      { name: 'db', value: 'D', help: 'ClearQuest: the user database' },
      { name: 'ca', value: 'FILE', complete: 'file', help: 'a PEM CA bundle to trust (at most 512 KiB)' },
      json,
    ],
  },
  {
    path: ['cluster', 'add'],
    group: 'Clusters',
    synopsis:
      'cluster add <name> --from URL --node HOST[:PORT]|URL [--node …] [--balancer URL] [--repo R --db D] [--ca FILE] [--json]',
    summary: 'define a cluster from one URL: kind, context root, repository, balancer and OAuth URLs worked out',
    options: [
      {
        name: 'from',
        value: 'URL',
        help: 'the discovery URL (…/cqweb/oslc/repo/R/discovery), a …/jts/rootservices, a Lyo base URL or a node’s admin page',
      },
      {
        name: 'node',
        value: 'HOST',
        help: 'host, host:port, [IPv6]:port or URL; takes the balancer’s scheme, port and context root',
      },
      { name: 'balancer', value: 'URL', help: 'the balancer, when the URL is a node’s own page' },
      { name: 'repo', value: 'R', help: 'ClearQuest: when the server lists several repositories' },
      { name: 'db', value: 'D', help: 'ClearQuest: when the repository has several databases' },
      { name: 'ca', value: 'FILE', complete: 'file', help: 'a PEM CA bundle to trust beside the OS trust store' },
      json,
    ],
    notes: ['Nothing is saved unless everything is worked out; each normalisation is printed.'],
  },
  {
    path: ['cluster', 'check'],
    group: 'Clusters',
    synopsis: 'cluster check <name> [--user U (--password-stdin | --password-file FILE)] [--json]',
    summary:
      'test every node: reachable, TLS chain and trust source, product and version, discovery, admin login, clock; each failure names its fix',
    options: [adminUser, passwordStdin, passwordFile, json],
    notes: ['Exit 0 when every check passed (warnings allowed), 1 when one failed.'],
  },
  {
    path: ['cluster', 'list'],
    group: 'Clusters',
    synopsis: 'cluster list [--json]',
    summary: 'every cluster',
    options: [json],
  },
  {
    path: ['cluster', 'show'],
    group: 'Clusters',
    synopsis: 'cluster show <name> [--json]',
    summary: 'one cluster’s definition',
    options: [json],
  },
  {
    path: ['cluster', 'remove'],
    group: 'Clusters',
    synopsis: 'cluster remove <name>',
    summary: 'forget a cluster and its keychain entries',
    options: [],
  },
  {
    path: ['cluster', 'export'],
    group: 'Clusters',
    synopsis: 'cluster export <name> [--out FILE]',
    summary: 'the definition as JSON (no secret)',
    options: [{ name: 'out', value: 'FILE', complete: 'file', help: 'write it here instead of stdout' }],
    quiet: { keeps: 'the definition on stdout (it is the result)', stdout: true },
  },
  {
    path: ['cluster', 'import'],
    group: 'Clusters',
    synopsis: 'cluster import <file> [--rename NAME] [--trust-pins]',
    summary: 'add an exported cluster (at most 1 MiB); its pinned certificates are listed for review',
    options: [
      { name: 'rename', value: 'NAME', help: 'under another name' },
      { name: 'trust-pins', help: 'keep the file’s pinned fingerprints without review' },
    ],
  },
  {
    path: ['login'],
    group: 'Clusters',
    synopsis: 'login <cluster> --user U [--password-stdin | --password-file FILE] [--no-verify]',
    summary: 'store the admin login (password in the OS keychain) once one node accepts it',
    options: [
      { name: 'user', value: 'U', help: 'the admin user' },
      passwordStdin,
      passwordFile,
      { name: 'no-verify', help: 'store it without trying it on a node' },
    ],
  },
  {
    path: ['logout'],
    group: 'Clusters',
    synopsis: 'logout <cluster>',
    summary: 'forget the stored admin password',
    options: [],
  },
  {
    path: ['consumer', 'track'],
    group: 'Consumers',
    synopsis: 'consumer track <cluster> --key K [--name N] [--secret-stdin | --secret-file FILE]',
    summary: 'probe this key on every node from now on',
    options: [key, { name: 'name', value: 'N', help: 'a name for it' }, secretStdin, secretFile],
  },
  {
    path: ['consumer', 'untrack'],
    group: 'Consumers',
    synopsis: 'consumer untrack <cluster> --key K',
    summary: 'stop probing this key',
    options: [key],
  },
  {
    path: ['consumer', 'delete'],
    group: 'Consumers',
    synopsis: 'consumer delete <cluster> --key K [--node ID]',
    summary: 'remove from the repository (Lyo API kinds)',
    options: [key, node],
  },
  {
    path: ['status'],
    group: 'Checking',
    synopsis: 'status <cluster> [--json] [--user U] [--password-stdin | --password-file FILE]',
    summary: 'every node: reachable, TLS, clock, each key’s state, drift',
    options: [json, adminUser, passwordStdin, passwordFile],
  },
  {
    path: ['status'],
    group: 'Checking',
    synopsis:
      'status <cluster> --check [-t 8] [-w FIGURE=RANGE,…] [-c FIGURE=RANGE,…] [--user U] [--password-stdin | --password-file FILE] [--cert-warn-days 14] [--skew-warn 60] [--skew-crit 300]',
    summary: 'one monitoring-plugin line (Nagios, cron), exit 0 OK · 1 WARNING · 2 CRITICAL · 3 UNKNOWN',
    options: [
      { name: 'check', help: 'the monitoring-plugin line and exit code' },
      { name: 'timeout', short: 't', value: 'SECONDS', help: 'a line by then, whatever hangs (default 8)' },
      { name: 'warning', short: 'w', value: 'FIGURE=RANGE', help: 'WARNING outside the range (repeatable)' },
      { name: 'critical', short: 'c', value: 'FIGURE=RANGE', help: 'CRITICAL outside the range (repeatable)' },
      adminUser,
      passwordStdin,
      passwordFile,
      { name: 'cert-warn-days', value: 'D', help: 'WARNING when a certificate expires within D days' },
      { name: 'skew-warn', value: 'S', help: 'same as -w skew=S' },
      { name: 'skew-crit', value: 'S', help: 'same as -c skew=S' },
    ],
    notes: [
      'UNKNOWN (3) when the nodes’ key lists cannot be read (keychain unavailable, no admin login),',
      '  unless what was seen is CRITICAL. Nodes that have not answered within -t are down (NODE_TIMEOUT).',
      'FIGURE: down (nodes down), stale (nodes missing an approved key), provisional (provisional keys),',
      '  skew (a node’s clock, seconds off). Defaults: -c down=0,stale=0,skew=300 -w provisional=0,skew=60.',
      'RANGE as the Monitoring Plugins guidelines: 10 (alert outside 0..10), 10: (below 10), ~:10 (above 10),',
      '  10:20 (outside 10..20), @10:20 (inside 10..20).',
    ],
    quiet: { keeps: 'with --check, the check line (it is the result)', stdout: true, when: 'check' },
  },
  {
    path: ['watch'],
    group: 'Checking',
    synopsis:
      'watch <cluster>…|--all [--interval 60s] [--heal] [--metrics 127.0.0.1:9464 [--metrics-allow-remote]] [--json] [--password-file [CLUSTER=]FILE] [--cert-warn-days 14] [--skew-threshold 60s]',
    summary: 'check every interval, one line per change, until Ctrl+C; SIGHUP reloads (docs/monitoring.md)',
    options: [
      { name: 'all', help: 'every cluster of the config directory' },
      { name: 'interval', value: 'DURATION', help: 'between checks (default 60s)' },
      { name: 'heal', help: 'sync stale nodes (audited); provisional keys are never approved' },
      { name: 'metrics', value: 'HOST:PORT', help: 'serve Prometheus text format there' },
      { name: 'metrics-allow-remote', help: 'allow a non-loopback metrics address' },
      { name: 'json', help: 'one JSON line per change' },
      { ...passwordFile, value: '[CLUSTER=]FILE', help: passwordFile.help + ' (repeatable)' },
      { name: 'cert-warn-days', value: 'D', help: 'a change line when a certificate expires within D days' },
      { name: 'skew-threshold', value: 'DURATION', help: 'a change line when a clock is this far off' },
    ],
  },
  {
    path: ['probe'],
    group: 'Checking',
    synopsis: 'probe <cluster> --node ID --key K [--secret-stdin | --secret-file FILE] [--json]',
    summary: 'one key on one node, straight to the node',
    options: [node, key, secretStdin, secretFile, json],
  },
  {
    path: ['approve'],
    group: 'Repairing',
    synopsis: 'approve <cluster> --key K [--node ID] [--json]',
    summary: 'approve a provisional key on the node that holds it',
    options: [key, node, json],
  },
  {
    path: ['register'],
    group: 'Repairing',
    synopsis:
      'register <cluster> --name N (--secret-stdin | --secret-file FILE) [--key K] [--trusted] [--node ID] [--json]',
    summary: 'register a consumer, approve it on its node, track it',
    options: [
      { name: 'name', value: 'N', help: 'the consumer’s name' },
      secretStdin,
      secretFile,
      key,
      { name: 'trusted', help: 'a trusted consumer' },
      node,
      json,
    ],
  },
  {
    path: ['sync'],
    group: 'Repairing',
    synopsis: 'sync <cluster> [--json] [--user U] [--password-stdin | --password-file FILE]',
    summary: 'log in to every node (refresh each registry), then verify',
    options: [json, adminUser, passwordStdin, passwordFile],
    notes: ['Ctrl+C: exit 130, SIGTERM: exit 143; what was done is printed and written to the audit log.'],
  },
  {
    path: ['trust'],
    group: 'Repairing',
    synopsis: 'trust <cluster> --fingerprint SHA256 [--node ID]',
    summary: 'trust a certificate by its fingerprint',
    options: [{ name: 'fingerprint', value: 'SHA256', help: 'as shown in the TLS_UNTRUSTED error' }, node],
  },
  {
    path: ['audit'],
    group: 'Repairing',
    synopsis: 'audit <cluster> [--json]',
    summary: 'every change made with this tool',
    options: [json],
  },
  {
    path: ['diagnose'],
    group: 'Diagnosing',
    synopsis: 'diagnose <cluster> --key K [--secret-stdin | --secret-file FILE] [--error-text FILE] [--json]',
    summary: 'which node, which cause, which fix (exit 0 only when HEALTHY)',
    options: [key, secretStdin, secretFile, errorText, json],
  },
  {
    path: ['flow'],
    group: 'Diagnosing',
    synopsis:
      'flow <cluster> --key K [--secret-stdin | --secret-file FILE] [--node ID | --balancer] [--timeout-seconds S] [--json]',
    summary: 'run the real three-legged OAuth dance; prints the URL to authorize',
    quiet: { keeps: 'the URL to authorize' },
    options: [
      key,
      secretStdin,
      secretFile,
      node,
      { name: 'balancer', help: 'through the balancer (the default)' },
      { name: 'timeout-seconds', value: 'S', help: 'how long to wait for the authorization' },
      json,
    ],
  },
  {
    path: ['report'],
    group: 'Diagnosing',
    synopsis: 'report <cluster> --out DIR [--error-text FILE] [--anonymize] [--json]',
    summary: 'write report.md and report.json for a support ticket (secrets redacted)',
    options: [
      { name: 'out', value: 'DIR', complete: 'dir', help: 'the directory to write to' },
      errorText,
      {
        name: 'anonymize',
        help: 'host names, addresses, users, repository and consumer names as placeholders; the mapping is written beside the report as report-mapping.json, for you to keep',
      },
      json,
    ],
  },
  {
    path: ['report', 'show'],
    group: 'Diagnosing',
    synopsis: 'report show <report.json> [--json]',
    summary: 'read a report someone sent: the cluster as it was, read-only',
    options: [json],
    notes: ['Secret-shaped values are masked again on opening, and the output says so.'],
  },
  {
    path: ['report', 'diff'],
    group: 'Diagnosing',
    synopsis: 'report diff <before/report.json> <after/report.json> [--json]',
    summary: 'which nodes, keys, states, causes and settings changed (exit 0 same, 1 different)',
    options: [json],
  },
  {
    path: ['doctor'],
    group: 'This tool',
    synopsis: 'doctor [--timeout-seconds 5] [--json]',
    summary: 'is this machine ready: the keychain, the config directory, every cluster’s nodes (TLS, clock)',
    options: [
      { name: 'timeout-seconds', value: 'S', help: 'how long the keychain may take to answer (default 5)' },
      json,
    ],
    quiet: { keeps: 'the checks that are not OK', stdout: true },
    notes: [
      'One line per check: OK, WARN or FAIL. Exit by the worst: 0 all OK, 1 a warning, 2 a failure, 3 bad input.',
    ],
  },
  {
    path: ['help'],
    group: 'This tool',
    synopsis: 'help [<command>]',
    summary: 'this help, or one command’s',
    options: [],
    quiet: { keeps: 'the help (it is the result)', stdout: true },
  },
  {
    path: ['completion'],
    group: 'This tool',
    synopsis: 'completion bash|zsh|fish|powershell',
    summary: 'a shell completion script, written from the command list',
    options: [],
    quiet: { keeps: 'the script (it is the result)', stdout: true },
    notes: [
      'bash: source <(oslc-admin completion bash)     zsh: oslc-admin completion zsh > "${fpath[1]}/_oslc-admin"',
      'fish: oslc-admin completion fish > ~/.config/fish/completions/oslc-admin.fish',
      'PowerShell: oslc-admin completion powershell | Out-String | Invoke-Expression',
    ],
  },
  {
    path: ['man'],
    group: 'This tool',
    synopsis: 'man',
    summary: 'the manual page (roff), written from the command list: oslc-admin man | man -l -',
    options: [],
    quiet: { keeps: 'the page (it is the result)', stdout: true },
  },
];

export const GROUPS: readonly CommandSpec['group'][] = [
  'Sandbox',
  'Console',
  'Clusters',
  'Consumers',
  'Checking',
  'Repairing',
  'Diagnosing',
  'This tool',
];

/** The entries a command line names: `status`, `cluster add`, or every `cluster …` for `cluster`. */
export function commandsNamed(words: readonly string[]): CommandSpec[] {
  const [first, second] = words;
  const all = COMMAND_LIST.filter((c) => c.path[0] === first);
  if (all.length === 0) return [];
  // `report show` is its own command beside `report <cluster>`: a named subcommand wins.
  const sub = all.filter((c) => c.path[1] !== undefined && c.path[1] === second);
  if (sub.length) return sub;
  const exact = all.filter((c) => c.path.length === 1);
  return exact.length ? exact : all;
}

/** Every top-level command word, in list order. */
export function commandWords(): string[] {
  return [...new Set(COMMAND_LIST.map((c) => c.path[0]!))];
}

/** The subcommand words of a command (`cluster` → add, list…), or none. */
export function subcommandWords(word: string): string[] {
  return [...new Set(COMMAND_LIST.filter((c) => c.path[0] === word && c.path[1]).map((c) => c.path[1]!))];
}

/** Every option of the entries at this path (both forms of `status`), global ones last. */
export function optionsOf(path: readonly string[]): OptionSpec[] {
  const seen = new Map<string, OptionSpec>();
  for (const c of COMMAND_LIST)
    if (c.path.join(' ') === path.join(' ')) for (const o of c.options) if (!seen.has(o.name)) seen.set(o.name, o);
  for (const o of GLOBAL_OPTIONS) if (!seen.has(o.name)) seen.set(o.name, o);
  return [...seen.values()];
}

/** An option as help shows it: `-h, --help`, `--home DIR`. */
export const flagOf = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;

/** One command's own help: its synopsis (every form), what it does, its options, its notes. */
export function commandHelp(entries: readonly CommandSpec[]): string {
  const out: string[] = [];
  for (const e of entries) out.push(`Usage: oslc-admin ${e.synopsis}`, `  ${e.summary}`, '');
  const paths = [...new Set(entries.map((e) => e.path.join(' ')))];
  const options = paths.flatMap((p) => optionsOf(p.split(' ')).filter((o) => !GLOBAL_OPTIONS.includes(o)));
  // The global options, --quiet saying what this command still prints with it.
  const globals = GLOBAL_OPTIONS.map((o) => (o.name === 'quiet' ? { ...o, help: quietHelp(entries) } : o));
  const unique = [...new Map(options.map((o) => [o.name, o])).values(), ...globals];
  const width = Math.max(...unique.map((o) => flagOf(o).length));
  out.push('Options:', ...unique.map((o) => `  ${flagOf(o).padEnd(width)}  ${o.help}`));
  const notes = entries.flatMap((e) => e.notes ?? []);
  if (notes.length) out.push('', ...notes);
  out.push('', 'Exit codes: oslc-admin --help lists them.');
  return `${out.join('\n')}\n`;
}

/**
 * Every command's synopsis, one per line and a blank line between groups: the README's "The CLI"
 * block is this text (test/unit/cli-readme.test.ts), so the README cannot drift from the list.
 */
export function synopsisBlock(): string {
  const groups = GROUPS.map((g) => COMMAND_LIST.filter((c) => c.group === g).map((c) => `oslc-admin ${c.synopsis}`));
  const globals = `oslc-admin <command> ${GLOBAL_OPTIONS.map((o) => `[--${o.name}${o.value ? ` ${o.value}` : ''}]`).join(' ')}`;
  return [...groups.filter((g) => g.length).map((g) => g.join('\n')), globals].join('\n\n');
}
