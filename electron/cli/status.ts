/** `status` and `probe`: what each node really holds. */
import type { BalancerStatus, ClusterStatus, ProbeResult } from '../../shared/model.ts';
import { discoverySourceWords } from '../../shared/model.ts';
import { ErrorCode, isAppError } from '../../shared/errors.ts';
import { flag, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { terminalText as t } from '../../shared/network-text.ts';
import { balancerFailureWords } from '../../shared/failure-words.ts';
import { EXIT, UsageError, table, writeJson } from './io.ts';
import { holdAdminPassword, secretGiven, SECRET_OPTIONS } from './secret-options.ts';

const STATUS_USAGE = 'oslc-admin status <cluster> [--json] [--user U] [--password-stdin | --password-file FILE]';

/** How many entries of each list the text shows; `--json` has them all. */
export const SHOWN_PER_LIST = 10;

/** `… and 49,990 more (see --json)`, the line that closes a cut list. */
export function moreLine(hidden: number, indent = ''): string {
  return `${indent}… and ${hidden.toLocaleString('en-US')} more (see --json)`;
}

/** The first {@link SHOWN_PER_LIST} lines of a list, then one line saying how many were left out. */
export function firstLines<T>(items: readonly T[], line: (item: T) => string, indent = ''): string[] {
  const shown = items.slice(0, SHOWN_PER_LIST).map(line);
  return items.length > SHOWN_PER_LIST ? [...shown, moreLine(items.length - SHOWN_PER_LIST, indent)] : shown;
}

/** Keys in one table cell: the first few, then how many more. */
function keysCell(keys: readonly string[]): string {
  const few = 3;
  const text = keys.slice(0, few).map(t).join(' ');
  return keys.length > few ? `${text} … and ${(keys.length - few).toLocaleString('en-US')} more` : text;
}

/**
 * Status as text. A cluster can hold tens of thousands of keys: each list shows its first lines and
 * says how many more there are (`--json` is complete), so the output stays readable and bounded.
 */
export function formatStatus(s: ClusterStatus): string {
  const out: string[] = [`Cluster ${s.cluster} (${s.kind}), checked ${s.checkedAt}`];
  if (s.balancer) out.push(balancerLine(s.balancer));
  out.push('');
  out.push(
    table(
      ['NODE', 'URL', 'UP', 'LATENCY', 'CLOCK', 'TLS', 'PROVISIONAL', 'APPROVED', 'PROBLEM'],
      s.nodes.map((n) => [
        n.id,
        n.url,
        n.up ? 'yes' : 'NO',
        n.latencyMs === null ? '-' : `${n.latencyMs} ms`,
        n.clockSkewSeconds === null ? '-' : `${n.clockSkewSeconds >= 0 ? '+' : ''}${n.clockSkewSeconds} s`,
        tlsCell(n),
        n.provisional === null ? 'n/a' : keysCell(n.provisional) || '-',
        n.approved === null ? 'n/a' : String(n.approved.length),
        n.error ? `${n.error.code}: ${t(n.error.message)}` : '',
      ]),
    ),
  );
  // Where each node's OAuth URLs came from, when not the plain discovery document (issue 11).
  const sourced = s.nodes.filter((n) => n.discoverySource !== undefined && n.discoverySource !== 'discovery');
  if (sourced.length)
    out.push('', ...sourced.map((n) => `OAuth URLs of ${n.id}: ${discoverySourceWords(n.discoverySource!)}`));
  const keys = [...new Set(s.nodes.flatMap((n) => n.consumers.map((c) => c.key)))];
  if (keys.length) {
    const stateOn = s.nodes.map((n) => new Map(n.consumers.map((c) => [c.key, c.state])));
    out.push(
      '',
      table(
        ['CONSUMER', ...s.nodes.map((n) => n.id)],
        keys.slice(0, SHOWN_PER_LIST).map((k) => [t(k), ...stateOn.map((m) => m.get(k) ?? '-')]),
      ),
    );
    if (keys.length > SHOWN_PER_LIST) out.push(moreLine(keys.length - SHOWN_PER_LIST));
  }
  out.push('');
  const provisional = s.nodes.flatMap((n) =>
    [
      ...new Set([...(n.provisional ?? []), ...n.consumers.filter((c) => c.state === 'provisional').map((c) => c.key)]),
    ].map((k) => ({ k, node: n.id })),
  );
  out.push(
    ...firstLines(
      provisional,
      ({ k, node }) =>
        `Provisional: ${t(k)} lives only in ${node}'s memory; approve it there: oslc-admin approve ${s.cluster} --key ${t(k)}`,
    ),
  );
  if (s.drift.length)
    out.push(
      `Drift (${s.drift.length.toLocaleString('en-US')} keys):`,
      ...firstLines(s.drift, (d) => `  - ${t(d.message)}`, '  '),
      `  Fix: oslc-admin sync ${s.cluster}`,
    );
  else if (s.nodes.every((n) => n.up)) out.push('No drift: every reachable node holds the same approved keys.');
  if (s.notices.length) out.push('', 'Notes:', ...firstLines(s.notices, (n) => `  - ${t(n)}`, '  '));
  return `${out.join('\n')}\n`;
}

export function balancerLine(b: BalancerStatus): string {
  if (!b.up)
    return `Balancer ${t(b.url)}: ${balancerFailureWords(b.error).headline} — ${b.error ? `${b.error.code}: ${t(b.error.message)}` : 'no answer'}`;
  const by = b.answeredBy
    ? `, answered by ${b.answeredBy}`
    : b.cloneId
      ? `, answered with clone id "${t(b.cloneId)}", which no node of this cluster answered with`
      : '';
  return `Balancer ${t(b.url)}: up (${b.latencyMs ?? '-'} ms${by})`;
}

/** Which trust source let a verified chain through, as a status cell says it. */
const TRUSTED_BY: Record<string, string> = { system: ' by OS store', 'cluster-ca': ' by cluster CA' };

/**
 * A node's certificate as status shows it: "trusted" when its chain verified, "pinned" only when its
 * fingerprint is pinned (that is what let it through), "untrusted" when the node was refused for it.
 */
function tlsCell(n: ClusterStatus['nodes'][number]): string {
  const tls = n.tls;
  if (!tls) return '-';
  // A certificate whose chain did not verify got through only by its pin; one that was refused is untrusted.
  const refused = n.error?.code === 'TLS_UNTRUSTED';
  const how = tls.authorized ? `trusted${TRUSTED_BY[tls.trustedBy ?? ''] ?? ''}` : refused ? 'UNTRUSTED' : 'pinned';
  return `${how} until ${t(tls.validTo)}`;
}

/**
 * One line per node on stderr as it answers, where someone watches: on a terminal, or with --verbose;
 * never with --json or --quiet, never on a pipe unasked (a script reads stdout and stderr as they are).
 */
export function nodeProgress(
  ctx: CommandContext,
  json: boolean,
  total: number,
): ((n: ClusterStatus['nodes'][number]) => void) | null {
  if (json || ctx.quiet || (!ctx.verbose && !(ctx.io.stderr as { isTTY?: boolean }).isTTY)) return null;
  let done = 0;
  return (n) => {
    done++;
    const how = n.up ? `answered in ${n.latencyMs ?? '-'} ms` : `is down (${n.error?.code ?? 'no answer'})`;
    ctx.io.stderr.write(`  ${n.id} ${how} (${done}/${total})\n`);
  };
}

/** Exit 1 when the balancer or a node is down or failed, a key is missing somewhere, or a tracked key is not approved everywhere. */
export function statusExitCode(s: ClusterStatus): number {
  const problem =
    (s.balancer !== undefined && !s.balancer.up) ||
    s.drift.length > 0 ||
    s.nodes.some((n) => !n.up || n.error || n.consumers.some((c) => c.state !== 'approved'));
  return problem ? EXIT.PROBLEM : EXIT.OK;
}

export async function statusCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  // `--check`: one monitoring-plugin line and exit code (0 OK … 3 UNKNOWN), see check.ts.
  if (argv.includes('--check')) return (await import('./check.ts')).checkCommand(ctx, argv);
  const p = parse(
    argv,
    { ...HOME_OPTION, json: { type: 'boolean' }, user: { type: 'string' }, ...SECRET_OPTIONS.password },
    STATUS_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const cluster = p.positionals[0]!;
  const def = await holdAdminPassword(ctx, p, cluster);
  const onNode = nodeProgress(ctx, flag(p, 'json'), def.nodes.length);
  const s = await ctx.engine.status(
    { cluster },
    onNode ? { onProgress: (e) => e.type === 'node' && onNode(e.node) } : {},
  );
  if (flag(p, 'json')) writeJson(ctx.io, s);
  else ctx.io.stdout.write(formatStatus(s));
  return statusExitCode(s);
}

/** Errors about the command line, not the node: these keep their exit 2 and stderr message. */
const PROBE_INPUT_ERRORS = new Set<string>([
  ErrorCode.BAD_INPUT,
  ErrorCode.CLUSTER_NOT_FOUND,
  ErrorCode.NODE_NOT_FOUND,
  ErrorCode.CONSUMER_NOT_TRACKED,
]);

const PROBE_USAGE = 'oslc-admin probe <cluster> --node ID --key K [--secret-stdin | --secret-file FILE] [--json]';

function formatProbe(r: ProbeResult): string {
  const lines = [`${t(r.key)} on ${r.node}: ${r.state}${r.problem ? ` (${t(r.problem)})` : ''}`];
  if (r.latencyMs !== null)
    lines.push(
      `  latency ${r.latencyMs} ms${r.clockSkewSeconds !== null ? `, node clock ${r.clockSkewSeconds >= 0 ? '+' : ''}${r.clockSkewSeconds} s` : ''}`,
    );
  if (r.error) lines.push(`  ${r.error.code}: ${t(r.error.message)}`);
  if (r.evidence?.response)
    lines.push(
      `  ${r.evidence.request.method} ${t(r.evidence.request.url)} → ${r.evidence.response.status}${r.evidence.answeredBy ? ` (answered by ${t(r.evidence.answeredBy)})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

export async function probeCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      node: { type: 'string' },
      key: { type: 'string' },
      ...SECRET_OPTIONS.secret,
      json: { type: 'boolean' },
    },
    PROBE_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const node = str(p, 'node');
  const key = str(p, 'key');
  if (node === undefined) throw new UsageError(`--node is required\nusage: ${PROBE_USAGE}`);
  if (key === undefined) throw new UsageError(`--key is required\nusage: ${PROBE_USAGE}`);
  const cluster = p.positionals[0]!;
  await ctx.engine.getCluster({ cluster });
  const secret = await secretGiven(ctx, p);
  let r: ProbeResult;
  try {
    r = await ctx.engine.probeNode({ cluster, node, key, ...(secret !== undefined ? { secret } : {}) });
  } catch (e) {
    // With --json, a node that fails (unreachable, a login page, a bad TLS certificate…) still gives
    // one JSON document on stdout: {"error":{code,message,node}}; bad input stays an exit-2 message.
    if (!flag(p, 'json') || !isAppError(e) || PROBE_INPUT_ERRORS.has(e.code)) throw e;
    writeJson(ctx.io, { cluster, node, key, error: e.toJSON() });
    return EXIT.PROBLEM;
  }
  if (flag(p, 'json')) writeJson(ctx.io, r);
  else ctx.io.stdout.write(formatProbe(r));
  return r.state === 'approved' ? EXIT.OK : EXIT.PROBLEM;
}
