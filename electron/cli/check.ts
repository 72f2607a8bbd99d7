/**
 * `oslc-admin status <cluster> --check`: one line and the monitoring-plugin exit code (Nagios, Icinga,
 * Sensu, cron): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with performance data after `|`.
 * Every failure to take the status (bad arguments included) is UNKNOWN, as the convention asks.
 */
import { isAppError } from '../../shared/errors.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import { daysLeft, provisionalKeys } from '../core/watch/changes.ts';
import { flag, int, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { UsageError } from './io.ts';

export const CHECK_EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
const NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

const USAGE =
  'oslc-admin status <cluster> --check [--user U --password-stdin] [--cert-warn-days 14] [--skew-warn 60] [--skew-crit 300]';

export interface CheckThresholds {
  certWarnDays: number;
  skewWarnSeconds: number;
  /** OAuth 1.0a nodes refuse timestamps beyond ±300 s: consumers fail from there. */
  skewCritSeconds: number;
}

export const DEFAULT_CHECK: CheckThresholds = { certWarnDays: 14, skewWarnSeconds: 60, skewCritSeconds: 300 };

/** Shown problems per line before "+N more": a plugin line is read on a small screen. */
const SHOWN = 4;

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- a node's text must not break the one line
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029|]/g, ' ');
}

export function checkResult(
  s: ClusterStatus,
  t: CheckThresholds = DEFAULT_CHECK,
  now = Date.now(),
): { code: number; line: string } {
  const critical: string[] = [];
  const warning: string[] = [];
  const up = s.nodes.filter((n) => n.up);
  // A node refused for its certificate answered: "untrusted certificate", not "down" (issue 18, defect 10).
  const untrusted = (n: { error: { code: string } | null }) =>
    n.error?.code === 'TLS_UNTRUSTED' || n.error?.code === 'TLS_PIN_MISMATCH';
  for (const n of s.nodes)
    if (!n.up)
      critical.push(`${n.id} ${untrusted(n) ? 'untrusted certificate' : 'down'}${n.error ? ` (${n.error.code})` : ''}`);
  for (const d of s.drift) critical.push(`${d.key} stale on ${d.missingOn.join(',')}`);
  let maxSkew = 0;
  let maxLatency = 0;
  let provisional = 0;
  for (const n of up) {
    const skew = Math.abs(n.clockSkewSeconds ?? 0);
    maxSkew = Math.max(maxSkew, skew);
    maxLatency = Math.max(maxLatency, n.latencyMs ?? 0);
    if (skew >= t.skewCritSeconds) critical.push(`${n.id} clock ${n.clockSkewSeconds} s off`);
    else if (skew >= t.skewWarnSeconds) warning.push(`${n.id} clock ${n.clockSkewSeconds} s off`);
    const bad = n.consumers.filter((c) => c.state === 'bad-secret' || c.state === 'tls-untrusted');
    for (const c of bad) critical.push(`${c.key} ${c.state} on ${n.id}`);
    for (const k of provisionalKeys(n)) {
      provisional++;
      warning.push(`provisional ${k} on ${n.id}`);
    }
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
  const code = critical.length ? CHECK_EXIT.CRITICAL : warning.length ? CHECK_EXIT.WARNING : CHECK_EXIT.OK;
  const problems = [...critical, ...warning];
  const summary = problems.length
    ? `${problems.slice(0, SHOWN).join('; ')}${problems.length > SHOWN ? `; +${problems.length - SHOWN} more` : ''}`
    : `${up.length}/${s.nodes.length} nodes up, ${keys.size} tracked key${keys.size === 1 ? '' : 's'} consistent`;
  const perf = [
    `nodes_up=${up.length};;${s.nodes.length}:;0;${s.nodes.length}`,
    `drift_keys=${s.drift.length};;0;0`,
    `provisional_keys=${provisional};0;;0`,
    `max_clock_skew=${maxSkew}s;${t.skewWarnSeconds};${t.skewCritSeconds};0`,
    `max_latency=${(maxLatency / 1000).toFixed(3)}s;;;0`,
  ].join(' ');
  return { code, line: oneLine(`OSLC ${NAMES[code]} - ${s.cluster}: ${summary}`) + ` | ${perf}` };
}

/** Runs the check; never throws: anything that stops it is one UNKNOWN line. */
export async function checkCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  try {
    const p = parse(
      argv,
      {
        ...HOME_OPTION,
        check: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        user: { type: 'string' },
        'cert-warn-days': { type: 'string' },
        'skew-warn': { type: 'string' },
        'skew-crit': { type: 'string' },
      },
      USAGE,
      { min: 1, max: 1, names: ['cluster'] },
    );
    const t: CheckThresholds = {
      certWarnDays: int(p, 'cert-warn-days', 0, 3650) ?? DEFAULT_CHECK.certWarnDays,
      skewWarnSeconds: int(p, 'skew-warn', 1, 3600) ?? DEFAULT_CHECK.skewWarnSeconds,
      skewCritSeconds: int(p, 'skew-crit', 1, 3600) ?? DEFAULT_CHECK.skewCritSeconds,
    };
    if (t.skewWarnSeconds > t.skewCritSeconds)
      throw new UsageError(`--skew-warn: ${t.skewWarnSeconds} is above --skew-crit ${t.skewCritSeconds}`);
    const cluster = p.positionals[0]!;
    await ctx.adminForThisCall(cluster, str(p, 'user'), flag(p, 'password-stdin'));
    const { code, line } = checkResult(await ctx.engine.status({ cluster }), t);
    ctx.io.stdout.write(`${line}\n`);
    return code;
  } catch (e) {
    const why =
      e instanceof UsageError
        ? e.message.split('\n')[0]!
        : isAppError(e)
          ? `${e.code}: ${e.message}`
          : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    ctx.io.stdout.write(`${oneLine(`OSLC UNKNOWN - ${why}`)}\n`);
    return CHECK_EXIT.UNKNOWN;
  }
}
