/** `sandbox`: runs the embedded reference cluster until SIGINT/SIGTERM, optionally registered as a cluster. */
import { join } from 'node:path';
import { MAX_NODES, startSandbox } from '../sandbox/index.ts';
import { assertRegistrable, clusterShapeOf, registerSandbox } from '../server/first-run.ts';
import { DIALECT_NAMES, isDialectName, type DialectName } from '../sandbox/dialects/types.ts';
import { flag, int, parse, str, HOME_OPTION, type Parsed } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, UsageError, untilStopSignal, writeJson } from './io.ts';

const USAGE =
  'oslc-admin sandbox [--nodes N] [--latency-ms MS] [--tls] [--no-sticky] [--dialect sandbox|clearquest|jazz|lyo] [--state-dir DIR] [--json] [--register NAME] [--home DIR]';

/** `--dialect`: one of the dialect names, or a UsageError (exit 2) naming the option. */
export function dialectOption(p: Parsed, usage: string): DialectName | undefined {
  const value = str(p, 'dialect');
  if (value === undefined) return undefined;
  if (!isDialectName(value)) {
    throw new UsageError(`--dialect: "${value}" is not one of ${DIALECT_NAMES.join(', ')}\nusage: ${usage}`);
  }
  return value;
}

/** `--sticky` (the default, kept for old scripts) and `--no-sticky`; both at once is a UsageError. */
export function stickyOption(p: Parsed, usage: string): boolean {
  if (flag(p, 'sticky') && flag(p, 'no-sticky')) {
    throw new UsageError(`--sticky and --no-sticky contradict each other: give one\nusage: ${usage}`);
  }
  return !flag(p, 'no-sticky');
}

export async function sandboxCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      nodes: { type: 'string' },
      'latency-ms': { type: 'string' },
      tls: { type: 'boolean' },
      sticky: { type: 'boolean' },
      'no-sticky': { type: 'boolean' },
      dialect: { type: 'string' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean' },
      register: { type: 'string' },
    },
    USAGE,
    { min: 0, max: 0, names: [] },
  );
  const nodes = int(p, 'nodes', 1, MAX_NODES) ?? 3;
  const latencyMs = int(p, 'latency-ms', 0, 120_000) ?? 0;
  const name = str(p, 'register');
  const dialect = dialectOption(p, USAGE);
  const sticky = stickyOption(p, USAGE);
  // A registered sandbox keeps its repository beside the config, so its approved keys (and the
  // consumers tracked for it) survive the next start; an unregistered one is throwaway.
  const stateDir = str(p, 'state-dir') ?? (name !== undefined ? join(ctx.home, 'sandbox', name) : undefined);
  // A name that is taken by a cluster of another kind is refused before anything starts.
  if (name !== undefined) await assertRegistrable(ctx.engine, name, clusterShapeOf(dialect).kind);
  const sandbox = await startSandbox({
    nodes,
    latencyMs,
    tls: flag(p, 'tls'),
    sticky,
    ...(dialect !== undefined ? { dialect } : {}),
    ...(stateDir !== undefined ? { stateDir } : {}),
  });
  const { info } = sandbox;
  let notes: string[] = [];
  try {
    if (name !== undefined) notes = await registerSandbox(ctx.engine, name, info);
  } catch (e) {
    await sandbox.close();
    throw e;
  }
  // Listen for the stop signals before saying we are up: a parent that reads the line may signal at once.
  const stopped = untilStopSignal();
  if (flag(p, 'json')) writeJson(ctx.io, info);
  else {
    ctx.io.stdout.write(
      [
        `Sandbox cluster running (${info.nodes.length} nodes${flag(p, 'tls') ? ', TLS' : ''}, ${sticky ? 'sticky balancer' : 'balancer WITHOUT session affinity'}, dialect ${info.dialect}).`,
        `  balancer  ${info.balancer}`,
        ...info.nodes.map((n) => `  ${n.id.padEnd(8)}  ${n.url}`),
        `  control   ${info.control}   (GET /state, POST /nodes/{id}/kill|restart|latency|clock, POST /balancer, POST /consumer/friend)`,
        `  admin     ${info.admin.user} / ${info.admin.password}   repository ${info.repo}, database ${info.db}`,
        ...(info.caFile ? [`  CA file   ${info.caFile}`] : []),
        `  state     ${info.stateDir}`,
        ...notes.map((n) => `  ${n}`),
        ...(name ? [`Try: oslc-admin status ${name}`] : []),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  }
  await stopped;
  await sandbox.close();
  if (!flag(p, 'json')) ctx.io.stderr.write('Sandbox stopped; every socket closed.\n');
  return EXIT.OK;
}
