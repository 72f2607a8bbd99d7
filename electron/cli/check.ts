/**
 * `oslc-admin status <cluster> --check`: one line and the monitoring-plugin exit code (Nagios, Icinga,
 * Sensu, cron): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with performance data after `|`.
 * Every failure to take the status (bad arguments included) is UNKNOWN, as the convention asks, and
 * so is a check that could not see what it checks (the nodes' key lists unread: no admin login, a
 * keychain that cannot be read). `-t` bounds the whole run: a line is printed by then, whatever hangs.
 */
import { ErrorCode, isAppError } from '../../shared/errors.ts';
import type { ClusterDefinition, ClusterStatus, NodeStatus } from '../../shared/model.ts';
import { accounts } from '../core/keychain.ts';
import { adapterFor } from '../core/providers/index.ts';
import { computeDrift, downNode } from '../core/status.ts';
import { daysLeft, provisionalKeys } from '../core/watch/changes.ts';
import { int, list, parse, HOME_OPTION } from './args.ts';
import { alerts, parseRange } from './check-range.ts';
import type { Range } from './check-range.ts';
import type { CommandContext } from './context.ts';
import { UsageError } from './io.ts';
import { holdAdminPassword, SECRET_OPTIONS } from './secret-options.ts';

export const CHECK_EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
const NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export const CHECK_USAGE =
  'oslc-admin status <cluster> --check [-t SECONDS] [-w FIGURE=RANGE,…] [-c FIGURE=RANGE,…] [--user U] [--password-stdin | --password-file FILE] [--cert-warn-days 14] [--skew-warn 60] [--skew-crit 300]';

/** The figures `-w`/`-c` take a range for. */
export const FIGURES = ['down', 'stale', 'provisional', 'skew'] as const;
export type Figure = (typeof FIGURES)[number];

export interface CheckThresholds {
  certWarnDays: number;
  warning: Partial<Record<Figure, Range>>;
  critical: Partial<Record<Figure, Range>>;
}

/**
 * By default: any node down or stale is CRITICAL, any provisional key a WARNING, a clock more than
 * 60 s off a WARNING and more than 300 s CRITICAL (OAuth 1.0a nodes refuse timestamps beyond ±300 s).
 */
export const DEFAULT_CHECK: CheckThresholds = {
  certWarnDays: 14,
  warning: { provisional: parseRange('0', '-w'), skew: parseRange('60', '-w') },
  critical: { down: parseRange('0', '-c'), stale: parseRange('0', '-c'), skew: parseRange('300', '-c') },
};

/** The check's own deadline by default: under check_nrpe's and Nagios' usual 10 s. */
export const DEFAULT_TIMEOUT_SECONDS = 8;

/** Shown problems per line before "+N more": a plugin line is read on a small screen. */
const SHOWN = 4;

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- a node's text must not break the one line
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029|]/g, ' ');
}

/** `down=1,skew=30:` (one -w or -c, repeatable): each figure's range, the option named on a mistake. */
export function parseThresholds(specs: string[], option: '-w' | '-c'): Partial<Record<Figure, Range>> {
  const out: Partial<Record<Figure, Range>> = {};
  for (const spec of specs)
    for (const part of spec.split(',')) {
      const eq = part.indexOf('=');
      const figure = part.slice(0, Math.max(eq, 0));
      if (eq < 0 || !(FIGURES as readonly string[]).includes(figure))
        throw new UsageError(
          `${option}: "${part}" names no figure; give FIGURE=RANGE with FIGURE one of ${FIGURES.join(', ')} (e.g. ${option} down=1,skew=60)`,
        );
      out[figure as Figure] = parseRange(part.slice(eq + 1), `${option} ${figure}`);
    }
  return out;
}

/** Where a figure stands against its ranges: 2 critical, 1 warning, 0 fine. */
function level(t: CheckThresholds, figure: Figure, value: number): 0 | 1 | 2 {
  const c = t.critical[figure];
  const w = t.warning[figure];
  if (c && alerts(c, value)) return 2;
  if (w && alerts(w, value)) return 1;
  return 0;
}

/** Up nodes whose own key list was not read, on a kind that has a list API: provisional keys there are unseen. */
function blindNodes(s: ClusterStatus): NodeStatus[] {
  if (!adapterFor(s.kind).listKeys) return [];
  return s.nodes.filter((n) => n.up && n.approved === null);
}

/** Why the key lists were not read: the nodes' own error, else what status noted about the admin login. */
function blindReason(s: ClusterStatus, blind: NodeStatus[]): string {
  const codes = [...new Set(blind.map((n) => n.error?.code).filter((c) => c !== undefined))];
  if (codes.length) return codes.join(', ');
  const notice = s.notices.find((n) => /admin login/.test(n));
  // The engine's notice speaks no CLI; the plugin line says how to give a login, in the CLI's words.
  if (notice)
    return `${notice} Give one with --user U --password-file FILE, or store it: oslc-admin login ${s.cluster} --user U`;
  return 'the nodes did not list their keys';
}

export function checkResult(
  s: ClusterStatus,
  t: CheckThresholds = DEFAULT_CHECK,
  now = Date.now(),
): { code: number; line: string } {
  const critical: string[] = [];
  const warning: string[] = [];
  const at = (l: 0 | 1 | 2) => (l === 2 ? critical : l === 1 ? warning : null);
  const up = s.nodes.filter((n) => n.up);
  // A node refused for its certificate answered: "untrusted certificate", not "down" (issue 18, defect 10).
  const untrusted = (n: { error: { code: string } | null }) => n.error?.code === 'TLS_UNTRUSTED';
  const down = s.nodes.filter((n) => !n.up);
  at(level(t, 'down', down.length))?.push(
    ...down.map(
      (n) => `${n.id} ${untrusted(n) ? 'untrusted certificate' : 'down'}${n.error ? ` (${n.error.code})` : ''}`,
    ),
  );
  const staleNodes = new Set(s.drift.flatMap((d) => d.missingOn));
  at(level(t, 'stale', staleNodes.size))?.push(...s.drift.map((d) => `${d.key} stale on ${d.missingOn.join(',')}`));
  const provisional = up.flatMap((n) => provisionalKeys(n).map((k) => `provisional ${k} on ${n.id}`));
  at(level(t, 'provisional', provisional.length))?.push(...provisional);
  let maxSkew = 0;
  let maxLatency = 0;
  for (const n of up) {
    const skew = Math.abs(n.clockSkewSeconds ?? 0);
    maxSkew = Math.max(maxSkew, skew);
    maxLatency = Math.max(maxLatency, n.latencyMs ?? 0);
    at(level(t, 'skew', skew))?.push(`${n.id} clock ${n.clockSkewSeconds} s off`);
    const bad = n.consumers.filter((c) => c.state === 'bad-secret' || c.state === 'tls-untrusted');
    for (const c of bad) critical.push(`${c.key} ${c.state} on ${n.id}`);
    if (n.error) warning.push(`${n.id} ${n.error.code}`);
    if (n.tls) {
      const left = daysLeft(n.tls.validTo, now);
      if (left !== null && left < 0) critical.push(`${n.id} certificate expired`);
      else if (left !== null && left < t.certWarnDays) warning.push(`${n.id} certificate expires in ${left} d`);
    }
  }
  const keys = new Set(s.nodes.flatMap((n) => n.consumers.map((c) => c.key)));
  for (const key of keys)
    if (up.length && up.every((n) => n.consumers.find((c) => c.key === key)?.state === 'unknown'))
      warning.push(`${key} loaded on no node`);
  // A check that could not read the key lists cannot say OK (nor "only a warning"): it did not see.
  // What it did see as CRITICAL stays CRITICAL, with the blindness said beside it.
  const blind = blindNodes(s);
  const blindLine = blind.length
    ? `key lists not read on ${blind.map((n) => n.id).join(',')}: ${blindReason(s, blind)}`
    : null;
  const code = critical.length
    ? CHECK_EXIT.CRITICAL
    : blindLine
      ? CHECK_EXIT.UNKNOWN
      : warning.length
        ? CHECK_EXIT.WARNING
        : CHECK_EXIT.OK;
  const problems = code === CHECK_EXIT.UNKNOWN ? [blindLine!, ...warning] : [...critical, ...warning];
  if (blindLine && code === CHECK_EXIT.CRITICAL) problems.push(blindLine);
  const summary = problems.length
    ? `${problems.slice(0, SHOWN).join('; ')}${problems.length > SHOWN ? `; +${problems.length - SHOWN} more` : ''}`
    : `${up.length}/${s.nodes.length} nodes up, ${keys.size} tracked key${keys.size === 1 ? '' : 's'} consistent`;
  const th = (f: Figure) => `${t.warning[f]?.text ?? ''};${t.critical[f]?.text ?? ''}`;
  const perf = [
    `nodes_up=${up.length};;;0;${s.nodes.length}`,
    `nodes_down=${down.length};${th('down')};0;${s.nodes.length}`,
    `stale_nodes=${staleNodes.size};${th('stale')};0;${s.nodes.length}`,
    `drift_keys=${s.drift.length};;;0`,
    `provisional_keys=${provisional.length};${th('provisional')};0`,
    `max_clock_skew=${maxSkew}s;${th('skew')};0`,
    `max_latency=${(maxLatency / 1000).toFixed(3)}s;;;0`,
  ].join(' ');
  return { code, line: oneLine(`OSLC ${NAMES[code]} - ${s.cluster}: ${summary}`) + ` | ${perf}` };
}

/** A node that had not answered when the check's deadline came: down, as far as a monitor can tell. */
function timedOut(node: ClusterDefinition['nodes'][number], seconds: number): NodeStatus {
  return downNode(node, {
    code: ErrorCode.NODE_TIMEOUT,
    message: `no answer within the check's ${seconds} s (-t)`,
    node: node.id,
  });
}

class Deadline extends Error {}
/** What printing the line and ending the process take, kept out of the deadline. */
const LINE_MARGIN_MS = 150;
/** The check cannot see what it checks: UNKNOWN with this reason. */
class Blind extends Error {}

/** Runs the check; never throws: anything that stops it is one UNKNOWN line. */
export async function checkCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const unknown = (why: string) => {
    ctx.io.stdout.write(`${oneLine(`OSLC UNKNOWN - ${why}`)}\n`);
    return CHECK_EXIT.UNKNOWN;
  };
  try {
    const p = parse(
      argv,
      {
        ...HOME_OPTION,
        ...SECRET_OPTIONS.password,
        check: { type: 'boolean' },
        user: { type: 'string' },
        timeout: { type: 'string', short: 't' },
        warning: { type: 'string', short: 'w', multiple: true },
        critical: { type: 'string', short: 'c', multiple: true },
        'cert-warn-days': { type: 'string' },
        'skew-warn': { type: 'string' },
        'skew-crit': { type: 'string' },
      },
      CHECK_USAGE,
      { min: 1, max: 1, names: ['cluster'] },
    );
    const skewWarn = int(p, 'skew-warn', 1, 3600);
    const skewCrit = int(p, 'skew-crit', 1, 3600);
    if (skewWarn !== undefined && skewCrit !== undefined && skewWarn > skewCrit)
      throw new UsageError(`--skew-warn: ${skewWarn} is above --skew-crit ${skewCrit}`);
    const t: CheckThresholds = {
      certWarnDays: int(p, 'cert-warn-days', 0, 3650) ?? DEFAULT_CHECK.certWarnDays,
      warning: {
        ...DEFAULT_CHECK.warning,
        ...(skewWarn !== undefined ? { skew: parseRange(String(skewWarn), '--skew-warn') } : {}),
        ...parseThresholds(list(p, 'warning'), '-w'),
      },
      critical: {
        ...DEFAULT_CHECK.critical,
        ...(skewCrit !== undefined ? { skew: parseRange(String(skewCrit), '--skew-crit') } : {}),
        ...parseThresholds(list(p, 'critical'), '-c'),
      },
    };
    const seconds = int(p, 'timeout', 1, 3600) ?? DEFAULT_TIMEOUT_SECONDS;
    const cluster = p.positionals[0]!;
    const answered = new Map<string, NodeStatus>();
    // What the check is waiting for when the deadline comes: said in the UNKNOWN line.
    const phase: { waitingFor: 'config' | 'keychain' | 'nodes' } = { waitingFor: 'config' };
    let def: ClusterDefinition | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      // From the process's start (a monitor times the whole plugin), less a moment to print the line.
      const left = seconds * 1000 - (performance.now() - ctx.startedAt) - LINE_MARGIN_MS;
      timer = setTimeout(() => reject(new Deadline()), Math.max(left, 0));
    });
    const work = async (): Promise<ClusterStatus> => {
      def = await holdAdminPassword(ctx, p, cluster);
      if (adapterFor(def.kind).listKeys && def.adminUser) {
        // Read the admin login once now: a keychain that cannot be read makes the check blind.
        phase.waitingFor = 'keychain';
        try {
          const admin = await ctx.engine.adminCredentials(def);
          if (admin) ctx.secrets.hold(accounts.admin(def.name), admin.password);
        } catch (e) {
          if (isAppError(e) && e.code === ErrorCode.KEYCHAIN_UNAVAILABLE)
            throw new Blind(`${cluster}: the nodes' key lists cannot be read: ${e.code}: ${e.message}`);
          throw e;
        }
      }
      phase.waitingFor = 'nodes';
      return ctx.engine.status(
        { cluster },
        { onProgress: (e) => e.type === 'node' && void answered.set(e.node.id, e.node) },
      );
    };
    let status: ClusterStatus;
    try {
      status = await Promise.race([work(), deadline]);
    } catch (e) {
      if (e instanceof Blind) return unknown(e.message);
      if (!(e instanceof Deadline)) throw e;
      // What hangs is dropped when the command ends; the line is printed now.
      ctx.abandonOnClose = true;
      if (phase.waitingFor !== 'nodes' || !def)
        return unknown(
          `${cluster}: no result within ${seconds} s (-t): ${phase.waitingFor === 'keychain' ? 'the OS keychain' : 'the config directory'} did not answer`,
        );
      const nodes = def.nodes.map((n) => answered.get(n.id) ?? timedOut(n, seconds));
      status = {
        cluster: def.name,
        kind: def.kind,
        checkedAt: new Date().toISOString(),
        nodes,
        drift: computeDrift(nodes, def.kind),
        notices: [],
      };
    } finally {
      clearTimeout(timer);
    }
    const { code, line } = checkResult(status, t);
    ctx.io.stdout.write(`${line}\n`);
    return code;
  } catch (e) {
    const why =
      e instanceof UsageError
        ? e.message.split('\n')[0]!
        : isAppError(e)
          ? `${e.code}: ${e.message}`
          : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return unknown(why);
  }
}
