/**
 * `oslc-admin`, the command-line front door over the engine facade.
 * Exit codes: 0 fine, 1 the command ran and found a problem, 2 bad input, 3 internal error,
 * 130 interrupted by Ctrl+C, 143 stopped by SIGTERM (sync: after printing and recording what was done).
 */
import { ErrorCode, echoed, isAppError } from '../../shared/errors.ts';
import { fixCommand } from '../../shared/fix.ts';
import type { CommandContext } from './context.ts';
import { APP_VERSION } from '../core/version.ts';
import { COMMAND_LIST, GLOBAL_OPTIONS, GROUPS, commandHelp, commandsNamed, flagOf } from './commands.ts';
import { EXIT, JSON_SCHEMA_VERSION, UsageError, quietOnClosedPipe } from './io.ts';
import type { CliIo } from './io.ts';
import { escapedIo } from './safe-output.ts';
import { sourceStack } from './bundle-stack.ts';
import { terminalText } from '../../shared/network-text.ts';
import { setFlagsFromString } from 'node:v8';

/** Exit codes, secrets and limits: the end of `--help` (the command lines above it come from the command list). */
const HELP_FOOTER = `Exit codes: 0 fine · 1 the command ran and found a problem · 2 bad input · 3 internal error
  (status --check instead: 0 OK · 1 WARNING · 2 CRITICAL · 3 UNKNOWN, the monitoring-plugin convention)
  approve / register: 0 when the key is approved and verified on its node, even if other nodes could not
  be asked (they are listed, with their error codes); so \`approve … && sync …\` goes on to sync, and
  sync exits 1 for every node (or balancer) it cannot reach. status and sync exit 1 when the balancer
  itself does not answer. A refused admin login is AUTH_FAILED (exit 1), never "the key is gone".
  approve, register, consumer delete and sync: 1 also when their audit line could not be written
  (the result is printed all the same). sync: 130 when Ctrl+C stopped it, 143 when SIGTERM did
  (\`timeout\`, a service manager); what was done is printed and written to the audit log.
Secrets are read from stdin, a file only its owner may read (0600), or a terminal prompt, kept in the OS
  keychain, and never printed.
Limits (exit 2 at the limit, read no further): a secret on stdin 16 KiB · cluster import 1 MiB ·
  --ca 512 KiB · --error-text 1 MiB · 1000 clusters per config directory (README "Limits").
`;

/** Where a command's line ends and its summary starts in `--help`. */
const SUMMARY_COLUMN = 35;

/** The whole help: every command of the one list, by group, then exit codes, secrets and limits. */
export function fullHelp(): string {
  const out = [
    'oslc-admin — administer load-balanced OSLC providers (ClearQuest Web, Jazz, Eclipse Lyo)',
    '',
    'Usage: oslc-admin <command> [options]',
    "       oslc-admin <command> --help           that command's own help and options (also: oslc-admin help <command>)",
    '       oslc-admin -V | --version',
    '',
    'Options every command takes, before or after its name:',
    ...globalOptionLines(),
  ];
  for (const group of GROUPS) {
    out.push('', group);
    for (const c of COMMAND_LIST.filter((e) => e.group === group)) {
      const line = `  ${c.synopsis}`;
      if (line.length < SUMMARY_COLUMN - 1) out.push(`${line.padEnd(SUMMARY_COLUMN)}${c.summary}`);
      else out.push(line, `${' '.repeat(SUMMARY_COLUMN)}${c.summary}`);
    }
  }
  return `${out.join('\n')}\n\n${HELP_FOOTER}`;
}

/** The global options (--home, --help, --verbose, --quiet), from the command list's GLOBAL_OPTIONS. */
function globalOptionLines(): string[] {
  return GLOBAL_OPTIONS.map((o) => `  ${flagOf(o).padEnd(SUMMARY_COLUMN - 2)}${o.help}`);
}

/** The same text as {@link fullHelp}, for callers that want a constant. */
export const HELP = fullHelp();

type Command = (ctx: CommandContext, argv: string[]) => Promise<number>;
/**
 * Each command's module (and the engine behind it) loads only when that command runs, so `--help`
 * starts at once and `status` never loads the sandbox, the browser-mode server or the report.
 */
const COMMANDS: Record<string, Command> = {
  sandbox: async (ctx, argv) => (await import('./sandbox.ts')).sandboxCommand(ctx, argv),
  serve: async (ctx, argv) => (await import('./serve.ts')).serveCommand(ctx, argv),
  cluster: async (ctx, argv) => (await import('./cluster.ts')).clusterCommand(ctx, argv),
  login: async (ctx, argv) => (await import('./cluster.ts')).loginCommand(ctx, argv),
  logout: async (ctx, argv) => (await import('./cluster.ts')).logoutCommand(ctx, argv),
  consumer: async (ctx, argv) =>
    argv[0] === 'delete'
      ? (await import('./repair.ts')).deleteConsumerCommand(ctx, argv.slice(1))
      : (await import('./cluster.ts')).consumerCommand(ctx, argv),
  status: async (ctx, argv) => (await import('./status.ts')).statusCommand(ctx, argv),
  probe: async (ctx, argv) => (await import('./status.ts')).probeCommand(ctx, argv),
  watch: async (ctx, argv) => (await import('./watch.ts')).watchCommand(ctx, argv),
  approve: async (ctx, argv) => (await import('./repair.ts')).approveCommand(ctx, argv),
  register: async (ctx, argv) => (await import('./repair.ts')).registerCommand(ctx, argv),
  sync: async (ctx, argv) => (await import('./repair.ts')).syncCommand(ctx, argv),
  trust: async (ctx, argv) => (await import('./repair.ts')).trustCommand(ctx, argv),
  audit: async (ctx, argv) => (await import('./repair.ts')).auditCommand(ctx, argv),
  diagnose: async (ctx, argv) => (await import('./diagnose.ts')).diagnoseCommand(ctx, argv),
  flow: async (ctx, argv) => (await import('./diagnose.ts')).flowCommand(ctx, argv),
  report: async (ctx, argv) => (await import('./diagnose.ts')).reportCommand(ctx, argv),
  doctor: async (ctx, argv) => (await import('./doctor.ts')).doctorCommand(ctx, argv),
  completion: async (ctx, argv) => (await import('./completion.ts')).completionCommand(ctx, argv),
  man: async (ctx, argv) => (await import('./completion.ts')).manCommand(ctx, argv),
};

function unknownCommand(io: CliIo, name: string): number {
  io.stderr.write(`error: unknown command "${terminalText(echoed(name))}"\nRun \`oslc-admin --help\` for the list.\n`);
  return EXIT.BAD_INPUT;
}

/** Coded errors about the command line, not the nodes: exit 2. */
const INPUT_CODES: readonly string[] = [
  ErrorCode.BAD_INPUT,
  ErrorCode.CLUSTER_NOT_FOUND,
  ErrorCode.CLUSTER_EXISTS,
  ErrorCode.NODE_NOT_FOUND,
  ErrorCode.CONSUMER_NOT_TRACKED,
  ErrorCode.KEY_NOT_UNIQUE,
];

function exitOf(code: string): number {
  return INPUT_CODES.includes(code) ? EXIT.BAD_INPUT : code === ErrorCode.INTERNAL ? EXIT.INTERNAL : EXIT.PROBLEM;
}

/**
 * `--json`: an error as one JSON line on stderr, `{"schemaVersion":1,"error":{code,message,node?…}}`
 * (a usage error is BAD_INPUT, anything uncoded INTERNAL, never with a stack), and the same exit code
 * as the text.
 */
function jsonError(io: CliIo, e: unknown): number {
  const error = isAppError(e)
    ? e.toJSON()
    : e instanceof UsageError
      ? { code: ErrorCode.BAD_INPUT, message: e.message }
      : { code: ErrorCode.INTERNAL, message: e instanceof Error ? e.message : String(e) };
  io.stderr.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error })}\n`);
  return e instanceof UsageError ? EXIT.BAD_INPUT : exitOf(error.code);
}

/** A usage message keeps its own line breaks (the usage line); each line is escaped on its own. */
function terminalLinesOf(message: string): string {
  return message.split('\n').map(terminalText).join('\n');
}

/**
 * The config home must be a directory, or not exist yet (it is created on first write): a file
 * there (or on its path) is bad input, named with where it came from.
 */
async function checkHomeIsDirectory(ctx: CommandContext, fromFlag: boolean): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const home = ctx.home;
  const where = fromFlag ? '--home' : 'the config directory (OSLC_ADMIN_HOME or the default)';
  try {
    if (!(await stat(home)).isDirectory()) throw new UsageError(`${where}: ${home} is a file, not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new UsageError(
      code === 'ENOTDIR'
        ? `${where}: ${home} cannot be a directory: a part of its path is a file`
        : `${where}: cannot use ${home} (${code ?? String(e)})`,
    );
  }
}

/** `--home DIR`, `--verbose`, `--quiet` before the command name, taken off the front of the line. */
function leadingGlobals(argv: string[]): { argv: string[]; home?: string; verbose: boolean; quiet: boolean } {
  const out: { argv: string[]; home?: string; verbose: boolean; quiet: boolean } = {
    argv: [...argv],
    verbose: false,
    quiet: false,
  };
  for (;;) {
    const a = out.argv[0];
    if (a === '--verbose') out.verbose = true;
    else if (a === '--quiet') out.quiet = true;
    else if (a?.startsWith('--home=')) out.home = a.slice('--home='.length);
    else if (a === '--home' && out.argv.length > 1) {
      out.home = out.argv[1]!;
      out.argv.shift();
    } else return out;
    out.argv.shift();
  }
}

/** `--home DIR` may stand anywhere; it is read here so every command gets it the same way. */
function homeFlag(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--home' || a.startsWith('--home='));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

/** Commands that keep running (a server, a loop) until stopped. */
export const LONG_RUNNING = new Set(['watch', 'serve', 'sandbox']);

/**
 * A command that ends within a second or two keeps undici's HTTP parser (llhttp, WebAssembly) on
 * V8's baseline compiler (Liftoff). The optimizing tier compiles the parser's one large function on
 * a worker thread once it is hot, ~180 ms of work here that the process's exit then waits for: a
 * 3-node `status` took ~640 ms with it and ~480 ms without (issue 27). Long-running commands keep
 * the optimizing tier, which pays off over hours. Set before the first request compiles the module.
 */
export function baselineWasmUnlessLongRunning(name: string): void {
  if (LONG_RUNNING.has(name)) return;
  try {
    setFlagsFromString('--liftoff-only');
  } catch {
    // An engine that refuses the flag: the parser is optimized as before.
  }
}

export async function main(
  argv: string[],
  rawIo: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
  /** `processExits`: the caller (bin/oslc-admin.cjs) ends the process once this returns, so open connections are left to the exit. */
  opts: { processExits?: boolean } = {},
): Promise<number> {
  const startedAt = performance.now();
  quietOnClosedPipe(rawIo, rawIo.stdout === process.stdout);
  // Nothing a node sent reaches the terminal as a control sequence (see cli/safe-output.ts).
  const io = escapedIo(rawIo);
  // Options for every command may also stand before it: `oslc-admin --home DIR status prod`.
  const leading = leadingGlobals(argv);
  const [name, ...given] = leading.argv;
  // --verbose and --quiet may stand anywhere; each command reads them from its context.
  const rest = given.filter((a) => a !== '--verbose' && a !== '--quiet');
  if (leading.home !== undefined) rest.push('--home', leading.home);
  if (!name || name === '--help' || name === '-h') {
    io.stdout.write(HELP);
    return name ? EXIT.OK : EXIT.BAD_INPUT;
  }
  if (name === 'help') {
    // `help status`, `help cluster add`: that command's own help; `help` alone: the whole list.
    const words = rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '--home');
    if (!words.length) {
      io.stdout.write(rest.includes('--help') || rest.includes('-h') ? commandHelp(commandsNamed(['help'])) : HELP);
      return EXIT.OK;
    }
    const entries = commandsNamed(words);
    if (!entries.length) return unknownCommand(io, words[0]!);
    io.stdout.write(commandHelp(entries));
    return EXIT.OK;
  }
  if (name === '--version' || name === '-v' || name === '-V') {
    io.stdout.write(`oslc-admin ${APP_VERSION}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) return unknownCommand(io, name);
  baselineWasmUnlessLongRunning(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(
      commandHelp(commandsNamed([name, ...rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '--home')])),
    );
    return EXIT.OK;
  }
  // Both given: the later one counts, as with most tools.
  const verbose = argv.lastIndexOf('--verbose') > argv.lastIndexOf('--quiet');
  const quiet = argv.lastIndexOf('--quiet') > argv.lastIndexOf('--verbose');
  // --verbose and --quiet for every command of the list, around the command (cli/verbosity.ts).
  const [{ CommandContext }, { applyVerbosity }] = await Promise.all([
    import('./context.ts'),
    import('./verbosity.ts'),
  ]);
  const entries = commandsNamed([name, ...rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '--home')]);
  const verbosity = applyVerbosity(io, { entries, argv: rest }, { verbose, quiet });
  const ctx = new CommandContext(verbosity.io, homeFlag(rest), !LONG_RUNNING.has(name));
  ctx.verbose = verbose;
  ctx.quiet = quiet;
  ctx.startedAt = rawIo.stdout === process.stdout ? 0 : startedAt;
  let code: number | undefined;
  try {
    verbosity.begin(ctx.home);
    await checkHomeIsDirectory(ctx, homeFlag(rest) !== undefined);
    code = await command(ctx, rest);
    return code;
  } catch (e) {
    // With --json the error is one JSON line on stderr, as a script parses it; the exit code is the same.
    if (rest.includes('--json')) return (code = jsonError(io, e));
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${terminalLinesOf(e.message)}\n`);
      return (code = EXIT.BAD_INPUT);
    }
    if (isAppError(e)) {
      io.stderr.write(`error [${e.code}]${e.node ? ` ${terminalText(e.node)}` : ''}: ${terminalText(e.message)}\n`);
      const cause = e.details?.['cause'];
      if (typeof cause === 'string') io.stderr.write(`  cause: ${terminalText(cause)}\n`);
      if (e.fix) io.stderr.write(`  fix: ${terminalText(fixCommand(e.fix))}\n`);
      return (code = exitOf(e.code));
    }
    writeInternalError(io, e, verbose);
    return (code = EXIT.INTERNAL);
  } finally {
    await ctx.close({
      abandon: code === EXIT.INTERRUPTED || code === EXIT.TERMINATED || ctx.abandonOnClose,
      processExits: opts.processExits === true,
    });
    verbosity.end(code);
  }
}

/**
 * A fault of this tool, not of the input: one line saying so, the stack only when asked for
 * (--verbose), so that no input prints a trace at anyone who did not ask to read one.
 */
export function writeInternalError(io: CliIo, e: unknown, verbose: boolean): void {
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`internal error: ${terminalText(message)}\n`);
  if (verbose && e instanceof Error && e.stack) io.stderr.write(`${terminalLinesOf(sourceStack(e.stack))}\n`);
  else io.stderr.write('  (a fault of oslc-admin itself; run again with --verbose to see where, and report it)\n');
}
