/**
 * `oslc-admin doctor`: is this machine ready to run the tool? One line per check — the OS keychain
 * (reachable and unlocked), the config directory (readable and writable), every cluster's nodes
 * (reachable, their TLS certificate, their clock) — and the exit code of the worst, as `status
 * --check` counts them: 0 OK, 1 WARNING, 2 CRITICAL (a FAIL line), 3 UNKNOWN (bad input).
 */
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isAppError } from '../../shared/errors.ts';
import type { ClusterSummary } from '../../shared/model.ts';
import { trustSourceWords } from '../../shared/model.ts';
import { terminalText as t } from '../../shared/network-text.ts';
import { OsKeychain } from '../core/keychain.ts';
import { mapPool } from '../core/pool.ts';
import { daysLeft } from '../core/watch/changes.ts';
import { int, parse, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { UsageError, describeFsError, writeError, writeJson } from './io.ts';

export const DOCTOR_USAGE = 'oslc-admin doctor [--timeout-seconds 5] [--json] [--verbose | --quiet]';

type Level = 0 | 1 | 2;
const WORDS = ['OK  ', 'WARN', 'FAIL'] as const;
const JSON_LEVELS = ['ok', 'warn', 'fail'] as const;

/** A clock this far off warns; past the OAuth window (±300 s) consumers fail. */
const SKEW_WARN_SECONDS = 60;
const SKEW_FAIL_SECONDS = 300;
const CERT_WARN_DAYS = 14;

/** The keychain's answer to a read of an account no one uses: reachable and unlocked, or why not. */
async function checkKeychain(ctx: CommandContext, timeoutMs: number): Promise<[Level, string]> {
  const keychain = new OsKeychain(ctx.io.env.OSLC_ADMIN_KEYCHAIN_SERVICE || undefined, { timeoutMs });
  const started = performance.now();
  try {
    await keychain.get('doctor/unused');
    return [0, `keychain: reachable and unlocked (a read answered in ${Math.round(performance.now() - started)} ms)`];
  } catch (e) {
    return [2, `keychain: ${isAppError(e) ? `${e.code}: ${e.message}` : String(e)}`];
  }
}

/** The config directory: readable and writable (a file written and removed), or creatable. */
async function checkConfigDir(home: string): Promise<[Level, string]> {
  try {
    const st = await stat(home).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (st && !st.isDirectory()) return [2, `config directory: ${home} is a file, not a directory`];
    if (!st) {
      // Not there yet: it is made on the first write; its parent must let it be made.
      await mkdir(home, { recursive: true });
      await rmdir(home);
      return [0, `config directory: ${home} does not exist yet and can be created`];
    }
    await access(home, constants.R_OK);
    const probe = join(home, `.doctor-${process.pid}-${randomUUID()}`);
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await rm(probe);
    return [0, `config directory: ${home} is readable and writable`];
  } catch (e) {
    return [2, `config directory: ${home} cannot be used: ${describeFsError(e)}`];
  }
}

export async function doctorCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  try {
    return await doctor(ctx, argv);
  } catch (e) {
    // Bad input is 3 here, as in `status --check`: 2 is a failed check.
    if (!(e instanceof UsageError)) throw e;
    writeError(ctx.io, argv.includes('--json'), ErrorCode.BAD_INPUT, e.message);
    return 3;
  }
}

async function doctor(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    { ...HOME_OPTION, 'timeout-seconds': { type: 'string' }, json: { type: 'boolean' } },
    DOCTOR_USAGE,
    {
      min: 0,
      max: 0,
      names: [],
    },
  );
  // --quiet and --verbose are every command's (the CLI takes them off the line before this parser).
  const { quiet, verbose } = ctx;
  const timeoutMs = (int(p, 'timeout-seconds', 1, 600) ?? 5) * 1000;
  const json = p.values['json'] === true;
  let worst: Level = 0;
  // With --json the checks are gathered and printed as one document at the end; each check's
  // subject is the text before its first ": " (keychain, config directory, clusters, cluster/node).
  const checks: { level: (typeof JSON_LEVELS)[number]; subject: string; text: string }[] = [];
  const say = (level: Level, text: string) => {
    worst = Math.max(worst, level) as Level;
    if (json) {
      const at = text.indexOf(': ');
      checks.push({ level: JSON_LEVELS[level], subject: text.slice(0, at), text: text.slice(at + 2) });
    } else if (!quiet || level > 0) ctx.io.stdout.write(`${WORDS[level]} ${text}\n`);
  };
  const doing = (text: string) => {
    if (verbose) ctx.io.stderr.write(`… ${text}\n`);
  };

  doing('reading an unused account from the OS keychain');
  say(...(await checkKeychain(ctx, timeoutMs)));
  doing(`writing and removing a file in ${ctx.home}`);
  say(...(await checkConfigDir(ctx.home)));

  doing('reading the cluster definitions');
  let clusters: ClusterSummary[];
  try {
    const list = await ctx.engine.listClusters();
    clusters = list.clusters;
    for (const n of list.notices) say(1, `clusters: ${t(n)}`);
    say(0, `clusters: ${clusters.length} defined`);
  } catch (e) {
    say(2, `clusters: ${isAppError(e) ? `${e.code}: ${e.message}` : String(e)}`);
    clusters = [];
  }
  // Every cluster at once (its nodes in parallel inside); each answers with its own lines.
  const results = await mapPool(clusters, 4, async (c) => {
    doing(`asking every node of ${c.name} (${c.nodeCount} nodes)`);
    try {
      const s = await ctx.engine.status(
        { cluster: c.name },
        { onProgress: (e) => e.type === 'node' && doing(`${c.name}/${e.node.id} answered`) },
      );
      return s.nodes.map((n): [Level, string] => {
        const name = `${c.name}/${n.id}`;
        if (!n.up)
          return [2, `${name}: not reachable — ${n.error ? `${n.error.code}: ${t(n.error.message)}` : 'no answer'}`];
        const parts = [`reachable (${n.latencyMs ?? '-'} ms)`];
        let level: Level = 0;
        if (n.tls) {
          const left = daysLeft(n.tls.validTo, Date.now());
          const how = n.tls.authorized ? (trustSourceWords(n.tls) ?? 'trusted') : 'pinned';
          if (left !== null && left < 0) {
            level = 2;
            parts.push(`TLS certificate EXPIRED on ${t(n.tls.validTo)}`);
          } else {
            if (left !== null && left < CERT_WARN_DAYS) level = 1;
            parts.push(`TLS ${how}, valid ${left ?? '?'} more days`);
          }
        } else if (n.url.startsWith('http:')) parts.push('no TLS (http)');
        const skew = n.clockSkewSeconds;
        if (skew !== null) {
          const off = Math.abs(skew);
          if (off > SKEW_FAIL_SECONDS) level = 2;
          else if (off > SKEW_WARN_SECONDS) level = Math.max(level, 1) as Level;
          parts.push(`clock ${skew >= 0 ? '+' : ''}${skew} s${off > SKEW_WARN_SECONDS ? ' OFF' : ''}`);
        } else parts.push('clock unknown (no Date header)');
        if (n.error && n.error.code === 'TLS_UNTRUSTED') level = 2;
        return [level, `${name}: ${parts.join(', ')}`];
      });
    } catch (e) {
      return [[2, `${c.name}: ${isAppError(e) ? `${e.code}: ${e.message}` : String(e)}`] as [Level, string]];
    }
  });
  for (const lines of results) for (const [level, text] of lines) say(level, text);
  if (json) {
    writeJson(ctx.io, { worst: JSON_LEVELS[worst], checks });
    return worst;
  }
  if (quiet && worst === 0) return 0;
  if (!quiet)
    ctx.io.stdout.write(
      `${worst === 0 ? 'All checks passed.' : worst === 1 ? 'Warnings above.' : 'Failures above.'}\n`,
    );
  return worst;
}
