/**
 * `oslc-admin completion bash|zsh|fish|powershell` and `oslc-admin man`: shell completion scripts
 * and the manual page, written from the one command list (commands.ts), so they always name the
 * commands and options the CLI has.
 */
import { APP_VERSION } from '../core/version.ts';
import { COMMAND_LIST, GLOBAL_OPTIONS, GROUPS, commandWords, optionsOf, subcommandWords } from './commands.ts';
import type { OptionSpec } from './commands.ts';
import type { CommandContext } from './context.ts';
import { EXIT, UsageError } from './io.ts';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every distinct command path (`status`, `cluster add`), in list order. */
function paths(): string[][] {
  return [...new Map(COMMAND_LIST.map((c) => [c.path.join(' '), [...c.path]])).values()];
}

const summaryOf = (word: string, sub?: string) =>
  COMMAND_LIST.find((c) => c.path[0] === word && (sub === undefined ? true : c.path[1] === sub))?.summary ?? '';

const flags = (o: OptionSpec) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])];

/** How a value is completed wherever the option appears: choices, files, directories (a file wins a clash). */
function valueKinds(): Map<string, OptionSpec> {
  const out = new Map<string, OptionSpec>();
  for (const o of [...COMMAND_LIST.flatMap((c) => c.options), ...GLOBAL_OPTIONS]) {
    if (!o.value) continue;
    const had = out.get(o.name);
    if (!had || (o.complete === 'file' && had.complete !== 'file')) out.set(o.name, o);
  }
  return out;
}

export function bashScript(): string {
  const cases = paths()
    .map((p) => `    '${p.join(' ')}') opts='${optionsOf(p).flatMap(flags).join(' ')}' ;;`)
    .join('\n');
  const subs = commandWords()
    .filter((w) => subcommandWords(w).length)
    .map((w) => `    ${w}) COMPREPLY=($(compgen -W '${subcommandWords(w).join(' ')}' -- "$cur")); return ;;`)
    .join('\n');
  const values = [...valueKinds().values()]
    .map((o) => {
      const f = flags(o).join('|');
      if (o.choices) return `    ${f}) COMPREPLY=($(compgen -W '${o.choices.join(' ')}' -- "$cur")); return ;;`;
      if (o.complete === 'dir') return `    ${f}) COMPREPLY=($(compgen -d -- "$cur")); return ;;`;
      if (o.complete === 'file') return `    ${f}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`;
      return `    ${f}) return ;;`;
    })
    .join('\n');
  return `# bash completion for oslc-admin, written by \`oslc-admin completion bash\` from its command list.
# Use: source <(oslc-admin completion bash)
_oslc_admin() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="\${COMP_WORDS[1]}" key opts
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W '${commandWords().join(' ')} --help --version' -- "$cur"))
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$cmd" in
${subs}
    esac
  fi
  case "$prev" in
${values}
  esac
  key="$cmd"
  case "$cmd" in
    ${commandWords()
      .filter((w) => subcommandWords(w).length)
      .join('|')}) key="$cmd \${COMP_WORDS[2]}" ;;
  esac
  case "$key" in
${cases}
    *) opts='${GLOBAL_OPTIONS.flatMap(flags).join(' ')}' ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); fi
}
complete -o default -F _oslc_admin oslc-admin
`;
}

/** Text safe inside a zsh/fish/PowerShell single-quoted word and a zsh `[description]`. */
const plain = (s: string) => s.replace(/['[\]:\\`$]/g, '').replace(/\u2019/g, '');

export function zshScript(): string {
  const spec = (o: OptionSpec) =>
    flags(o)
      .map(
        (f) =>
          `'${f}[${plain(o.help)}]${o.value ? `:${plain(o.value)}:${o.choices ? `(${o.choices.join(' ')})` : o.complete === 'dir' ? '_files -/' : o.complete === 'file' ? '_files' : ''}` : ''}'`,
      )
      .join(' ');
  const cases = paths()
    .map((p) => `    '${p.join(' ')}') _arguments ${optionsOf(p).map(spec).join(' ')} '*:argument:' ;;`)
    .join('\n');
  const subs = commandWords()
    .filter((w) => subcommandWords(w).length)
    .map(
      (w) =>
        `    ${w}) local -a subs; subs=(${subcommandWords(w)
          .map((s) => `'${s}:${plain(summaryOf(w, s))}'`)
          .join(' ')}); _describe 'subcommand' subs; return ;;`,
    )
    .join('\n');
  return `#compdef oslc-admin
# zsh completion for oslc-admin, written by \`oslc-admin completion zsh\` from its command list.
# Use: oslc-admin completion zsh > "\${fpath[1]}/_oslc-admin"
_oslc_admin() {
  local -a commands
  commands=(${commandWords()
    .map((w) => `'${w}:${plain(summaryOf(w))}'`)
    .join(' ')})
  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi
  local key=$words[2]
  if (( CURRENT == 3 )); then
    case $words[2] in
${subs}
    esac
  fi
  case $words[2] in
    ${commandWords()
      .filter((w) => subcommandWords(w).length)
      .join('|')}) key="$words[2] $words[3]" ;;
  esac
  case $key in
${cases}
  esac
}
_oslc_admin "$@"
`;
}

export function fishScript(): string {
  const out = [
    '# fish completion for oslc-admin, written by `oslc-admin completion fish` from its command list.',
    '# Use: oslc-admin completion fish > ~/.config/fish/completions/oslc-admin.fish',
    'complete -c oslc-admin -f',
  ];
  for (const w of commandWords())
    out.push(`complete -c oslc-admin -n __fish_use_subcommand -a ${w} -d '${plain(summaryOf(w))}'`);
  for (const w of commandWords()) {
    const subs = subcommandWords(w);
    for (const s of subs)
      out.push(
        `complete -c oslc-admin -n '__fish_seen_subcommand_from ${w}; and not __fish_seen_subcommand_from ${subs.join(' ')}' -a ${s} -d '${plain(summaryOf(w, s))}'`,
      );
  }
  for (const p of paths()) {
    const when =
      p.length > 1
        ? `__fish_seen_subcommand_from ${p[0]}; and __fish_seen_subcommand_from ${p[1]}`
        : `__fish_seen_subcommand_from ${p[0]}`;
    for (const o of optionsOf(p)) {
      const value = o.value ? (o.choices ? ` -x -a '${o.choices.join(' ')}'` : o.complete ? ' -r -F' : ' -x') : '';
      out.push(
        `complete -c oslc-admin -n '${when}' -l ${o.name}${o.short ? ` -s ${o.short}` : ''}${value} -d '${plain(o.help)}'`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

export function powershellScript(): string {
  const table = paths()
    .map(
      (p) =>
        `    '${p.join(' ')}' = @(${optionsOf(p)
          .flatMap(flags)
          .map((f) => `'${f}'`)
          .join(', ')})`,
    )
    .join('\n');
  const subs = commandWords()
    .filter((w) => subcommandWords(w).length)
    .map(
      (w) =>
        `    '${w}' = @(${subcommandWords(w)
          .map((s) => `'${s}'`)
          .join(', ')})`,
    )
    .join('\n');
  return `# PowerShell completion for oslc-admin, written by \`oslc-admin completion powershell\` from its command list.
# Use: oslc-admin completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName oslc-admin -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $top = @(${commandWords()
    .map((w) => `'${w}'`)
    .join(', ')})
  $subs = @{
${subs}
  }
  $options = @{
${table}
  }
  $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
  if ($wordToComplete) { $words = $words[0..($words.Count - 2)] }
  if ($words.Count -le 1) { $candidates = $top }
  elseif ($words.Count -eq 2 -and $subs.ContainsKey($words[1])) { $candidates = $subs[$words[1]] }
  else {
    $key = $words[1]
    if ($subs.ContainsKey($key)) { $key = "$($words[1]) $($words[2])" }
    $candidates = $options[$key]
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

export function completionScript(shell: Shell): string {
  return { bash: bashScript, zsh: zshScript, fish: fishScript, powershell: powershellScript }[shell]();
}

/** roff text: backslashes escaped, a line never starting with a control character, dashes as \\-. */
const roff = (s: string) =>
  s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^[.']/gm, '\\&$&')
    // troff reads Latin-1: every character beyond ASCII as groff's \[uXXXX].
    .replace(/[\u0080-\u{10FFFF}]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);

export function manPage(): string {
  const out = [
    '.\\" The manual page of oslc-admin, written by `oslc-admin man` from its command list.',
    `.TH OSLC\\-ADMIN 1 "" "oslc-admin ${APP_VERSION}" "User Commands"`,
    '.SH NAME',
    'oslc\\-admin \\- administer load\\-balanced OSLC providers (ClearQuest Web, Jazz, Eclipse Lyo)',
    '.SH SYNOPSIS',
    '.B oslc\\-admin',
    '.I command',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    roff(
      'Shows which OAuth consumer keys each node of a load-balanced OSLC provider really holds, approves provisional keys on the node where they live, and refreshes every node’s registry. Every command takes --home DIR and --help.',
    ),
  ];
  for (const group of GROUPS) {
    out.push(`.SH ${roff(group.toUpperCase())}`);
    for (const c of COMMAND_LIST.filter((e) => e.group === group)) {
      out.push('.TP', `.B ${roff(`oslc-admin ${c.synopsis}`)}`, roff(c.summary));
      for (const o of c.options)
        out.push(
          '.RS',
          '.TP',
          `${o.short ? `\\fB\\-${o.short}\\fR, ` : ''}\\fB\\-\\-${roff(o.name)}\\fR${o.value ? ` \\fI${roff(o.value)}\\fR` : ''}`,
          roff(o.help),
          '.RE',
        );
      for (const n of c.notes ?? []) out.push('.IP', roff(n.trim()));
    }
  }
  out.push(
    '.SH EXIT STATUS',
    roff(
      '0 fine; 1 the command ran and found a problem; 2 bad input; 3 internal error; 130 interrupted by Ctrl+C; 143 stopped by SIGTERM. status --check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
    ),
    '.SH ENVIRONMENT',
    '.TP',
    '.B OSLC_ADMIN_HOME',
    roff('The config directory when --home is not given.'),
    '.SH SEE ALSO',
    roff('The README and docs/monitoring.md of the project.'),
  );
  return `${out.join('\n')}\n`;
}

/** The words of a command line without `--home DIR` (which every command takes). */
function withoutHome(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--home') i++;
    else if (!argv[i]!.startsWith('--home=')) out.push(argv[i]!);
  }
  return out;
}

export async function completionCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const shells = withoutHome(argv);
  const shell = shells[0];
  if (shells.length !== 1 || !(SHELLS as readonly string[]).includes(shell!))
    throw new UsageError(
      `completion: name one shell: ${SHELLS.join(', ')}${shell ? ` (not "${shell}")` : ''}\nusage: oslc-admin completion bash|zsh|fish|powershell`,
    );
  ctx.io.stdout.write(completionScript(shell as Shell));
  return EXIT.OK;
}

export async function manCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  if (withoutHome(argv).length) throw new UsageError(`man: takes no argument\nusage: oslc-admin man`);
  ctx.io.stdout.write(manPage());
  return EXIT.OK;
}
