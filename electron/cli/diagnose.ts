/** `diagnose`, `flow` and `report`: what a support engineer runs when a consumer gets `401: invalid_expired_token`. */
import type { Diagnosis, FlowEvent, FlowResult, FlowStep, FlowTarget } from '../../shared/diagnose.ts';
import { isAppError } from '../../shared/errors.ts';
import { consumerKeySchema, parseOrThrow } from '../../shared/schema.ts';
import { isHealthy } from '../core/diagnose/diagnose.ts';
import { flag, parse, str, HOME_OPTION } from './args.ts';
import type { Parsed } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, INPUT_LIMITS, UsageError, readTextFileBounded, table, writeJson } from './io.ts';
import { secretGiven, SECRET_OPTIONS } from './secret-options.ts';
import { unfiltered } from './verbosity.ts';

export const DIAGNOSE_USAGE =
  'oslc-admin diagnose <cluster> --key K [--secret-stdin | --secret-file FILE] [--error-text FILE] [--json]';
export const FLOW_USAGE =
  'oslc-admin flow <cluster> --key K [--secret-stdin | --secret-file FILE] [--node ID | --balancer] [--timeout-seconds S] [--json]';
export const REPORT_USAGE = 'oslc-admin report <cluster> --out DIR [--error-text FILE] [--anonymize] [--json]';

function readErrorTextFile(file: string): Promise<string> {
  return readTextFileBounded(file, INPUT_LIMITS.errorTextBytes, '--error-text');
}

function requiredKey(p: Parsed, usage: string): string {
  const key = str(p, 'key');
  if (key === undefined) throw new UsageError(`--key is required\nusage: ${usage}`);
  try {
    return parseOrThrow(consumerKeySchema, key, '--key');
  } catch (e) {
    throw new UsageError(isAppError(e) ? e.message : String(e));
  }
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function formatDiagnosis(d: Diagnosis): string {
  const out: string[] = [
    `Key ${d.key} on cluster ${d.cluster}: checked ${d.checkedAt} in ${(d.durationMs / 1000).toFixed(1)} s (consumer secret ${d.secretChecked ? 'checked' : 'not checked'})`,
    '',
  ];
  for (const c of d.causes) {
    out.push(
      `  ${c.code}${c.nodes.length ? `  [${c.nodes.join(', ')}]` : ''}${c.likely ? '  (matches the pasted error)' : ''}`,
    );
    out.push(indent(c.message));
    if (c.fix)
      out.push(
        `    fix: ${c.fix.action} ${Object.entries(c.fix.args)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`,
      );
    out.push('');
  }
  out.push(
    table(
      ['NODE', 'KEY STATE', 'CLOCK', 'LISTED', 'PROBLEM'],
      d.nodes.map((n) => [
        n.id,
        n.state,
        n.clockSkewSeconds === null ? '-' : `${n.clockSkewSeconds >= 0 ? '+' : ''}${n.clockSkewSeconds} s`,
        n.listed ?? 'n/a',
        n.error ? `${n.error.code}: ${n.error.message}` : (n.problem ?? ''),
      ]),
    ),
  );
  if (d.balancer)
    out.push(
      '',
      `Balancer: ${d.balancer.summary}${d.balancer.sticky === true ? ' It keeps a session on one node.' : d.balancer.sticky === false ? ' It does NOT keep a session on one node.' : ''}`,
    );
  if (d.errorText) {
    out.push(
      '',
      `Pasted error: ${d.errorText.likelyCauses.length ? `points at ${d.errorText.likelyCauses.join(', ')}` : 'no known OAuth failure recognised'}`,
    );
    out.push(...d.errorText.explanation.map((e) => `  - ${e}`));
  }
  if (d.notices.length) out.push('', 'Notes:', ...d.notices.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}

export async function diagnoseCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      key: { type: 'string' },
      ...SECRET_OPTIONS.secret,
      'error-text': { type: 'string' },
      json: { type: 'boolean' },
    },
    DIAGNOSE_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const key = requiredKey(p, DIAGNOSE_USAGE);
  const cluster = p.positionals[0]!;
  await ctx.engine.getCluster({ cluster });
  const file = str(p, 'error-text');
  const errorText = file !== undefined ? await readErrorTextFile(file) : undefined;
  const secret = await secretGiven(ctx, p);
  const d = await ctx.engine.diagnose({
    cluster,
    consumerKey: key,
    ...(secret !== undefined ? { secret } : {}),
    ...(errorText !== undefined ? { errorText } : {}),
  });
  if (flag(p, 'json')) writeJson(ctx.io, d);
  else ctx.io.stdout.write(formatDiagnosis(d));
  return isHealthy(d) ? EXIT.OK : EXIT.PROBLEM;
}

function mmss(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function stepLine(s: FlowStep): string {
  const label = s.leg === 0 ? 'discovery' : s.leg === 4 ? 'resource ' : `leg ${s.leg}    `;
  const facts = [
    s.answeredBy ? `answered by ${s.answeredBy}` : null,
    s.status !== null ? `HTTP ${s.status}` : null,
    s.latencyMs !== null ? `${s.latencyMs} ms` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return `  ${s.ok ? 'ok  ' : 'FAIL'} ${label} ${s.message}${facts ? ` (${facts})` : ''}\n`;
}

export function formatFlow(r: FlowResult): string {
  const out = [`Outcome: ${r.outcome}${r.failedLeg !== null ? ` (leg ${r.failedLeg})` : ''}`, `  ${r.message}`];
  for (const c of r.causes) {
    out.push('', `  ${c.code}${c.nodes.length ? `  [${c.nodes.join(', ')}]` : ''}`, indent(c.message));
    if (c.fix)
      out.push(
        `    fix: ${c.fix.action} ${Object.entries(c.fix.args)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`,
      );
  }
  if (r.notices.length) out.push('', 'Notes:', ...r.notices.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}

export async function flowCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      key: { type: 'string' },
      ...SECRET_OPTIONS.secret,
      node: { type: 'string' },
      balancer: { type: 'boolean' },
      'timeout-seconds': { type: 'string' },
      json: { type: 'boolean' },
    },
    FLOW_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const key = requiredKey(p, FLOW_USAGE);
  const node = str(p, 'node');
  if (node !== undefined && flag(p, 'balancer'))
    throw new UsageError(
      `--node and --balancer exclude each other: test one node, or the balancer\nusage: ${FLOW_USAGE}`,
    );
  if (node !== undefined && node.trim() === '') throw new UsageError('--node: must name a node id');
  const timeout = str(p, 'timeout-seconds');
  if (timeout !== undefined && (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 3600))
    throw new UsageError(`--timeout-seconds: "${timeout}" must be a whole number from 1 to 3600`);
  const cluster = p.positionals[0]!;
  const def = await ctx.engine.getCluster({ cluster });
  if (node !== undefined && !def.nodes.some((n) => n.id === node))
    throw new UsageError(
      `--node: cluster ${def.name} has no node "${node}" (nodes: ${def.nodes.map((n) => n.id).join(', ')})`,
    );
  const secret = await secretGiven(ctx, p);
  if (secret === undefined && !def.consumers.find((c) => c.key === key)?.hasSecret)
    throw new UsageError(
      `--secret-stdin is required: no secret is stored for key ${key} in cluster ${def.name} (or give it with --secret-file FILE)\nusage: ${FLOW_USAGE}`,
    );
  const target: FlowTarget = node !== undefined ? { node } : 'balancer';
  const json = flag(p, 'json');
  // With --json, stdout carries only the result; the URL and progress go to stderr.
  const say = (text: string) => (json ? ctx.io.stderr : ctx.io.stdout).write(text);
  const onProgress = (e: FlowEvent) => {
    if (e.type === 'step') say(stepLine(e.step));
    else if (e.type === 'authorize') {
      // The URL is what flow is for: it shows with --quiet too.
      (json ? unfiltered(ctx.io.stderr) : unfiltered(ctx.io.stdout)).write(
        `\nOpen this URL in a browser and authorize (the request token expires at ${e.expiresAt}, in 10 minutes):\n\n  ${e.url}\n\n`,
      );
      if (e.pinnedUrl && e.pinnedUrl !== e.url)
        (json ? unfiltered(ctx.io.stderr) : unfiltered(ctx.io.stdout)).write(
          `If the page says the token is not known, the balancer sent you to another node; open it on ${e.issuedBy} itself:\n\n  ${e.pinnedUrl}\n\n`,
        );
      say('Waiting for the callback on 127.0.0.1 …\n');
    } else if (e.type === 'waiting')
      say(`  … still waiting, ${mmss(e.secondsLeft)} left before the request token expires\n`);
    else say(`  the user chose ${e.decision === 'allowed' ? 'Allow' : 'Deny'}\n`);
  };
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let result: FlowResult;
  try {
    result = await ctx.engine.flow(
      {
        cluster,
        consumerKey: key,
        target,
        ...(secret !== undefined ? { secret } : {}),
        ...(timeout !== undefined ? { timeoutMs: Number(timeout) * 1000 } : {}),
      },
      { onProgress, signal: abort.signal },
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (json) writeJson(ctx.io, result);
  else ctx.io.stdout.write(`\n${formatFlow(result)}`);
  // Deny is the user's choice, and the server handled it as it should.
  return result.outcome === 'completed' || result.outcome === 'denied' ? EXIT.OK : EXIT.PROBLEM;
}

export async function reportCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  if (argv[0] === 'show' || argv[0] === 'diff') return (await import('./report.ts')).reportFileCommand(ctx, argv);
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      out: { type: 'string' },
      'error-text': { type: 'string' },
      anonymize: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    REPORT_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const out = str(p, 'out');
  if (out === undefined || out.trim() === '')
    throw new UsageError(
      `--out is required: the directory to write report.md and report.json to\nusage: ${REPORT_USAGE}`,
    );
  const cluster = p.positionals[0]!;
  await ctx.engine.getCluster({ cluster });
  const file = str(p, 'error-text');
  const errorText = file !== undefined ? await readErrorTextFile(file) : undefined;
  const r = await ctx.engine.report(
    {
      cluster,
      outDir: out,
      ...(errorText !== undefined ? { errorText } : {}),
      ...(flag(p, 'anonymize') ? { anonymize: true } : {}),
    },
    {
      onProgress: (e) =>
        e.type === 'diagnosing' && !flag(p, 'json') ? ctx.io.stderr.write(`diagnosing ${e.key} …\n`) : undefined,
    },
  );
  if (flag(p, 'json')) writeJson(ctx.io, r);
  else
    ctx.io.stdout.write(
      `Wrote ${r.files.join(' and ')} (secrets redacted; ${r.consumers} consumer(s) diagnosed).\n${
        flag(p, 'anonymize')
          ? 'Anonymised: send report.md and report.json; keep report-mapping.json (it turns the placeholders back into your names).\n'
          : ''
      }`,
    );
  return EXIT.OK;
}
