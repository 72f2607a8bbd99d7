/** `sandbox`: runs the embedded reference cluster until SIGINT/SIGTERM, optionally registered as a cluster. */
import { join } from 'node:path';
import { MAX_NODES, startSandbox } from '../sandbox/index.ts';
import { registerSandbox } from '../first-run.ts';
import { flag, int, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, untilStopSignal } from './io.ts';

const USAGE =
  'oslc-admin sandbox [--nodes N] [--latency-ms MS] [--tls] [--sticky] [--state-dir DIR] [--json] [--register NAME] [--home DIR]';

export async function sandboxCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      nodes: { type: 'string' },
      'latency-ms': { type: 'string' },
      tls: { type: 'boolean' },
      sticky: { type: 'boolean' },
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
  // A registered sandbox keeps its repository beside the config, so its approved keys (and the
  // consumers tracked for it) survive the next start; an unregistered one is throwaway.
  const stateDir = str(p, 'state-dir') ?? (name !== undefined ? join(ctx.home, 'sandbox', name) : undefined);
  const sandbox = await startSandbox({
    nodes,
    latencyMs,
    tls: flag(p, 'tls'),
    sticky: flag(p, 'sticky'),
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
  if (flag(p, 'json')) ctx.io.stdout.write(`${JSON.stringify(info)}\n`);
  else {
    ctx.io.stdout.write(
      [
        `Sandbox cluster running (${info.nodes.length} nodes${flag(p, 'tls') ? ', TLS' : ''}${flag(p, 'sticky') ? ', sticky balancer' : ''}).`,
        `  balancer  ${info.balancer}`,
        ...info.nodes.map((n) => `  ${n.id.padEnd(8)}  ${n.url}`),
        `  control   ${info.control}   (GET /state, POST /nodes/{id}/kill|restart|latency|clock, POST /consumer/friend)`,
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
