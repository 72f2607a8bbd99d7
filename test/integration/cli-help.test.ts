/**
 * Issue 22: help per command, shell completion and the man page, all written from the one command
 * list (electron/cli/commands.ts) — and the list held to the real parsers: every option it names is
 * one the command takes, and every option in a synopsis is listed. The completion scripts are run
 * where the shell is here (bash) and checked against the list for every shell.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_LIST, GLOBAL_OPTIONS, commandWords, optionsOf, subcommandWords } from '../../electron/cli/commands.ts';
import { bashScript, fishScript, manPage, powershellScript, zshScript } from '../../electron/cli/completion.ts';
import { BIN, runMain } from '../_cli.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-help-'));
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const paths = [...new Map(COMMAND_LIST.map((c) => [c.path.join(' '), [...c.path]])).values()];

describe('help per command', () => {
  for (const path of paths)
    it(`${path.join(' ')} --help and help ${path.join(' ')} show that command only`, async () => {
      const r = await runMain([...path, '--help']);
      expect(r.code).toBe(0);
      const usages = r.stdout.split('\n').filter((l) => l.startsWith('Usage: '));
      expect(usages.length).toBeGreaterThan(0);
      for (const u of usages) expect(u.startsWith(`Usage: oslc-admin ${path.join(' ')}`), u).toBe(true);
      for (const o of optionsOf(path)) expect(r.stdout).toContain(`--${o.name}`);
      // Far shorter than the whole help, which lists every command.
      expect(r.stdout.split('\n').length).toBeLessThan((await runMain(['--help'])).stdout.split('\n').length / 2);
      expect((await runMain(['help', ...path])).stdout).toBe(r.stdout);
    });

  it('status --help shows both forms (the table and --check) and not sync or watch', async () => {
    const r = await runMain(['status', '--help']);
    expect(r.stdout).toContain('Usage: oslc-admin status <cluster> [--json]');
    expect(r.stdout).toContain('Usage: oslc-admin status <cluster> --check');
    expect(r.stdout).toContain('-t, --timeout SECONDS');
    expect(r.stdout).not.toMatch(/oslc-admin (sync|watch)/);
  });

  it('cluster --help lists its subcommands; help of an unknown command is exit 2', async () => {
    const r = await runMain(['cluster', '--help']);
    for (const s of subcommandWords('cluster')) expect(r.stdout).toContain(`Usage: oslc-admin cluster ${s}`);
    const bad = await runMain(['help', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "nope"');
  });

  it('the whole help names every command of the list; -V prints the version', async () => {
    const r = await runMain(['--help']);
    for (const c of COMMAND_LIST) expect(r.stdout).toContain(`  ${c.synopsis}`);
    expect((await runMain(['-V'])).stdout).toMatch(/^oslc-admin \d+\.\d+\.\d+\n$/);
    // --home, wherever it stands, is not taken for a command name.
    expect((await runMain(['help', '--home', home])).stdout).toBe(r.stdout);
    expect((await runMain(['--home', home, 'status', '--help'])).stdout).toBe(
      (await runMain(['status', '--help'])).stdout,
    );
    expect((await runMain(['help', 'sync', '--home', home])).stdout).toBe((await runMain(['sync', '--help'])).stdout);
  });
});

describe('the command list matches the parsers', () => {
  /** Arguments that make each command stop right after parsing (no cluster in an empty home, a bad value). */
  const stopper = (path: string[], testing: string): string[] => {
    const first = path[0]!;
    if (first === 'sandbox' && testing !== 'nodes') return ['--nodes', 'bogus!'];
    if (first === 'serve' && testing !== 'port') return ['--port', 'bogus!'];
    if (first === 'watch' && testing !== 'interval') return ['--interval', 'bogus!'];
    return [];
  };
  const plainStatus = COMMAND_LIST.find((c) => c.path[0] === 'status' && !c.synopsis.includes('--check'))!;
  /** An option of `status --check` only: given with --check, as the parser routes on it. */
  const checkOnly = (path: string[], name: string) =>
    path[0] === 'status' && name !== 'check' && !plainStatus.options.some((o) => o.name === name);
  const positionals = (path: string[]) =>
    ['sandbox', 'serve', 'help', 'completion', 'man', 'doctor'].includes(path[0]!) || path.join(' ') === 'cluster list'
      ? []
      : ['nosuch'];

  for (const path of paths)
    for (const o of optionsOf(path).filter((x) => !GLOBAL_OPTIONS.includes(x) && x.name !== 'help'))
      it(`${path.join(' ')} takes --${o.name}${o.short ? ` and -${o.short}` : ''}`, async () => {
        for (const flag of [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]) {
          const args = [
            ...path,
            ...positionals(path),
            flag,
            ...(o.value ? ['bogus!'] : []),
            ...(checkOnly(path, o.name) ? ['--check'] : []),
            ...stopper(path, o.name),
            '--home',
            home,
          ];
          const r = await runMain(args, { stdin: '' });
          expect(`${r.stdout}${r.stderr}`, args.join(' ')).not.toMatch(
            /Unknown option|unexpected argument|internal error/,
          );
        }
      });

  it('every option in a synopsis is in the list, and every listed option is in its synopsis', () => {
    for (const c of COMMAND_LIST) {
      const named = new Set(
        [...c.synopsis.matchAll(/(?:^|[\s[(|])(--?[a-z][a-z-]*)/g)].map((m) => m[1]!.replace(/^-+/, '')),
      );
      const listed = new Set(c.options.flatMap((o) => [o.name, ...(o.short ? [o.short] : [])]));
      for (const n of named) expect(listed.has(n), `${c.synopsis}: ${n} is not listed`).toBe(true);
      for (const o of c.options)
        expect(named.has(o.name) || (o.short !== undefined && named.has(o.short)), `${c.synopsis}: --${o.name}`).toBe(
          true,
        );
    }
  });
});

describe('shell completion and the man page, from the list', () => {
  it('every script names every command, subcommand and option of the list', () => {
    const scripts = { bash: bashScript(), zsh: zshScript(), fish: fishScript(), powershell: powershellScript() };
    for (const [shell, text] of Object.entries(scripts)) {
      for (const w of commandWords()) expect(text, `${shell}: ${w}`).toMatch(new RegExp(`\\b${w}\\b`));
      for (const w of commandWords())
        for (const s of subcommandWords(w)) expect(text, `${shell}: ${w} ${s}`).toContain(s);
      for (const path of paths)
        for (const o of optionsOf(path)) {
          const flag = shell === 'fish' ? `-l ${o.name}` : `--${o.name}`;
          expect(text, `${shell}: ${path.join(' ')} ${flag}`).toContain(flag);
        }
    }
  });

  /** Runs the bash script's completion for a command line (the cursor at its end). */
  const complete = async (line: string): Promise<string[]> => {
    const file = join(home, 'completion.bash');
    await writeFile(file, bashScript());
    const words = line.split(' ');
    const script = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _oslc_admin; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean);
  };

  it('bash completes commands, subcommands, options per command and option values', async () => {
    expect(await complete('oslc-admin sta')).toEqual(['status']);
    expect(await complete('oslc-admin cluster ')).toEqual(subcommandWords('cluster'));
    expect(await complete('oslc-admin status prod --pass')).toEqual(['--password-stdin', '--password-file']);
    expect(await complete('oslc-admin status prod --ti')).toEqual(['--timeout']);
    expect(await complete('oslc-admin cluster add x --ki')).toEqual(['--kind']);
    expect(await complete('oslc-admin sandbox --dialect j')).toEqual(['jazz']);
    expect(await complete('oslc-admin sync prod --ti')).toEqual([]);
  });

  it('bash: after sourcing, complete -p lists oslc-admin and Tab after "sta" gives status', () => {
    // Non-interactive bash, as the user's shell would: source the script through the CLI, then ask
    // bash itself which function completes the command, and run it for `oslc-admin sta<TAB>`.
    const script = `source <(${JSON.stringify(BIN)} completion bash); complete -p oslc-admin; COMP_WORDS=(oslc-admin sta); COMP_CWORD=1; COMP_LINE='oslc-admin sta'; COMP_POINT=\${#COMP_LINE}; _oslc_admin oslc-admin sta oslc-admin; printf 'reply:%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('complete -o default -F _oslc_admin oslc-admin');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('reply:'))).toEqual(['reply:status']);
  });

  /** zsh and fish are Debian packages (.ci/run installs them): the scripts are run by the real shells. */
  const shell = (name: string): string => {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    expect(
      found,
      `${name} is not installed: apt-get install -y --no-install-recommends zsh fish (.ci/run does)`,
    ).not.toBe('');
    return found;
  };

  it('zsh parses the script (zsh -n) and compinit registers it for oslc-admin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oslc-zsh-'));
    try {
      await writeFile(join(dir, '_oslc-admin'), zshScript());
      const parse = spawnSync(shell('zsh'), ['-n', join(dir, '_oslc-admin')], { encoding: 'utf8' });
      expect(parse.stderr).toBe('');
      expect(parse.status).toBe(0);
      // -f: no user rc files; compinit finds the #compdef line in fpath, as a user's install does.
      const reg = spawnSync(
        'zsh',
        [
          '-fc',
          `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -d ${dir}/.zcompdump; print -r -- $_comps[oslc-admin]`,
        ],
        { encoding: 'utf8', env: { ...process.env, HOME: dir } },
      );
      expect(reg.stderr).toBe('');
      expect(reg.stdout.trim()).toBe('_oslc-admin');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fish parses the script (fish --no-execute) and completes commands and options with it', async () => {
    const file = join(home, 'oslc-admin.fish');
    await writeFile(file, fishScript());
    const parse = spawnSync(shell('fish'), ['--no-execute', file], { encoding: 'utf8' });
    expect(parse.stderr).toBe('');
    expect(parse.status).toBe(0);
    const candidates = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`], {
        encoding: 'utf8',
      })
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(candidates('oslc-admin sta')).toEqual(['status']);
    expect(candidates('oslc-admin cluster ').sort()).toEqual(subcommandWords('cluster').sort());
    expect(candidates('oslc-admin status prod --pass').sort()).toEqual(['--password-file', '--password-stdin']);
  });

  // PowerShell: Debian's apt has no pwsh (Microsoft ships it from its own repository only), so the
  // script is held to the command list by the content test above, not run.

  it('completion and man print through the CLI; an unknown shell is exit 2', async () => {
    expect((await runMain(['completion', 'bash'])).stdout).toBe(bashScript());
    expect((await runMain(['completion', 'powershell'])).stdout).toBe(powershellScript());
    const bad = await runMain(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('completion: name one shell: bash, zsh, fish, powershell (not "tcsh")');
    expect((await runMain(['man'])).stdout).toBe(manPage());
  });

  it('the man page renders without warnings and names every command', () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: manPage(), encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    // -P-cbou: plain text, no overstriking for bold or underline.
    const text = spawnSync('groff', ['-man', '-Tutf8', '-P-cbou'], { input: manPage(), encoding: 'utf8' }).stdout;
    for (const c of COMMAND_LIST) expect(text.replace(/\s+/g, ' ')).toContain(`oslc-admin ${c.path.join(' ')}`);
  });
});
