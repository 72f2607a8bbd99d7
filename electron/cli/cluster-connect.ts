/**
 * `cluster add NAME --from URL --node HOST[:PORT]…` and `cluster check NAME` (issue 24): a cluster
 * worked out from one URL and saved in one write, and the connection test whose every failure names
 * its fix.
 */
import type { CheckItem, ClusterCheck, FromUrlResult, NodeCheck } from '../../shared/contract-connect.ts';
import { ErrorCode, isAppError } from '../../shared/errors.ts';
import { terminalText as t } from '../../shared/network-text.ts';
import { flag, list, parse, str, HOME_OPTION } from './args.ts';
import type { Parsed } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, UsageError, writeJson } from './io.ts';
import { passwordGiven, SECRET_OPTIONS } from './secret-options.ts';

export const FROM_USAGE =
  'oslc-admin cluster add <name> --from URL --node HOST[:PORT]|URL [--node …] [--balancer URL] [--repo R --db D] [--ca FILE] [--json]';
export const CHECK_USAGE =
  'oslc-admin cluster check <name> [--user U (--password-stdin | --password-file FILE)] [--json]';

/** `from`, `nodes[2]`, `balancerUrl`… as the options that gave them. */
export function fromUrlOptionError(e: unknown): unknown {
  if (!isAppError(e) || e.code !== ErrorCode.BAD_INPUT) return e;
  const message = e.message
    .replace(/^Invalid cluster: /, '')
    .replace(/\bnodes\[(\d+)\]/g, (_m, i: string) => `--node #${Number(i) + 1}`)
    .replace(/\bnodes\.(\d+)\.url\b/g, (_m, i: string) => `--node #${Number(i) + 1}`)
    .replace(/^nodes\b/, '--node')
    .replace(/^from\b/, '--from')
    .replace(/\bbalancerUrl\b/g, '--balancer')
    .replace(/^caPem\b/, '--ca')
    .replace(/^(repo|db)\b/, '--$1')
    .replace(/^name\b/, '<name>');
  return new UsageError(message);
}

/** The `cluster add --from` branch: `p` is the parsed `cluster add` line. */
export async function addFromUrl(ctx: CommandContext, p: Parsed, caPem: string | null): Promise<number> {
  if (str(p, 'kind') !== undefined)
    throw new UsageError(
      `--kind and --from: the kind is worked out from the URL; leave --kind out\nusage: ${FROM_USAGE}`,
    );
  const nodes = list(p, 'node');
  const balancer = str(p, 'balancer');
  const repo = str(p, 'repo');
  const db = str(p, 'db');
  let resolved: FromUrlResult;
  try {
    resolved = await ctx.engine.resolveClusterUrl({
      name: p.positionals[0]!,
      from: str(p, 'from')!,
      nodes,
      ...(balancer !== undefined ? { balancerUrl: balancer } : {}),
      ...(repo !== undefined ? { repo } : {}),
      ...(db !== undefined ? { db } : {}),
      caPem,
    });
  } catch (e) {
    throw fromUrlOptionError(e);
  }
  const def = await ctx.engine.addCluster(resolved.input).catch((e: unknown) => {
    throw fromUrlOptionError(e);
  });
  if (flag(p, 'json')) {
    writeJson(ctx.io, {
      cluster: def,
      kind: resolved.kind,
      contextRoot: resolved.contextRoot,
      oauth: resolved.oauth,
      notes: resolved.notes,
    });
    return EXIT.OK;
  }
  const out = [
    `Worked out from ${t(str(p, 'from')!)}:`,
    ...resolved.notes.map((n) => `  ${t(n)}`),
    `Added cluster ${def.name} (${def.kind}) with ${def.nodes.length} node(s):`,
    ...def.nodes.map((n) => `  ${n.id}  ${t(n.url)}`),
    `Next: oslc-admin login ${def.name} --user <admin>, then oslc-admin cluster check ${def.name}`,
  ];
  ctx.io.stdout.write(`${out.join('\n')}\n`);
  return EXIT.OK;
}

const MARK: Record<CheckItem['verdict'], string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: '-   ' };

function nodeLines(n: NodeCheck): string[] {
  return [
    `${n.node}  ${t(n.url)}`,
    ...n.items.flatMap((i) => [
      `  ${MARK[i.verdict]} ${i.check.padEnd(9)} ${t(i.text)}`,
      ...(i.fix && i.verdict !== 'pass' ? [`       fix: ${t(i.fix)}`] : []),
    ]),
  ];
}

export function checkText(c: ClusterCheck): string {
  const head = c.ok
    ? `${c.cluster}: every check passed${c.nodes.some((n) => n.items.some((i) => i.verdict === 'warn')) ? ' (with warnings)' : ''}`
    : `${c.cluster}: ${c.failures.length} check(s) failed`;
  return [head, '', ...c.nodes.flatMap((n) => [...nodeLines(n), ''])].join('\n');
}

export async function checkCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    { ...HOME_OPTION, user: { type: 'string' }, ...SECRET_OPTIONS.password, json: { type: 'boolean' } },
    CHECK_USAGE,
    { min: 1, max: 1, names: ['name'] },
  );
  const cluster = p.positionals[0]!;
  await ctx.engine.getCluster({ cluster }); // unknown cluster: before asking for a password
  const user = str(p, 'user');
  const password = await passwordGiven(ctx, p);
  if ((user === undefined) !== (password === undefined))
    throw new UsageError(`--user and --password-stdin / --password-file go together\nusage: ${CHECK_USAGE}`);
  const result = await ctx.engine.checkCluster({
    cluster,
    ...(user !== undefined && password !== undefined ? { user, password } : {}),
  });
  if (flag(p, 'json')) writeJson(ctx.io, result);
  else ctx.io.stdout.write(`${checkText(result)}\n`);
  return result.ok ? EXIT.OK : EXIT.PROBLEM;
}
