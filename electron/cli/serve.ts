/** `serve`: browser mode — the console and the contract on 127.0.0.1 until SIGINT/SIGTERM. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureFirstRunSandbox } from '../first-run.ts';
import { MAX_NODES } from '../sandbox/index.ts';
import type { EmbeddedSandboxRun } from '../first-run.ts';
import { startConsoleServer } from '../serve.ts';
import { flag, int, parse, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { dialectOption, stickyOption } from './sandbox.ts';
import { EXIT, UsageError, untilStopSignal } from './io.ts';

const USAGE =
  'oslc-admin serve [--port P] [--open] [--sandbox [--nodes N] [--tls] [--no-sticky] [--dialect sandbox|clearquest|jazz|lyo]] [--json] [--home DIR]';

/** dist/renderer beside the sources (development) or beside the bundle (packaged CLI). */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/** Opens `url` in the default browser, where there is one; says whether it tried. */
function openBrowser(url: string): Promise<boolean> {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  return new Promise((done) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.once('error', () => done(false));
      child.once('spawn', () => {
        child.unref();
        done(true);
      });
    } catch {
      done(false);
    }
  });
}

export async function serveCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      port: { type: 'string' },
      open: { type: 'boolean' },
      sandbox: { type: 'boolean' },
      json: { type: 'boolean' },
      nodes: { type: 'string' },
      tls: { type: 'boolean' },
      sticky: { type: 'boolean' },
      'no-sticky': { type: 'boolean' },
      dialect: { type: 'string' },
    },
    USAGE,
    { min: 0, max: 0, names: [] },
  );
  const port = int(p, 'port', 0, 65_535) ?? 0;
  const nodes = int(p, 'nodes', 1, MAX_NODES);
  const dialect = dialectOption(p, USAGE);
  const shape = {
    ...(nodes !== undefined ? { nodes } : {}),
    tls: flag(p, 'tls'),
    sticky: stickyOption(p, USAGE),
    ...(dialect !== undefined ? { dialect } : {}),
  };
  const shaping =
    nodes !== undefined || shape.tls || flag(p, 'sticky') || flag(p, 'no-sticky') || dialect !== undefined;
  if (!flag(p, 'sandbox') && shaping) {
    throw new UsageError(
      `--nodes, --tls, --no-sticky and --dialect shape the embedded sandbox: add --sandbox\nusage: ${USAGE}`,
    );
  }
  let sandbox: EmbeddedSandboxRun | null = null;
  if (flag(p, 'sandbox')) sandbox = await ensureFirstRunSandbox(ctx.engine, ctx.home, { force: true, sandbox: shape });
  let server;
  try {
    server = await startConsoleServer({ api: ctx.engine, rendererDir: RENDERER_DIR, port });
  } catch (e) {
    await sandbox?.close();
    if (
      e instanceof Error &&
      /not built|EADDRINUSE|EACCES/.test(`${e.message} ${(e as { code?: string }).code ?? ''}`)
    ) {
      const inUse = (e as { code?: string }).code === 'EADDRINUSE';
      ctx.io.stderr.write(`error: ${inUse ? `--port: 127.0.0.1:${port} is already in use` : e.message}\n`);
      return inUse ? EXIT.BAD_INPUT : EXIT.PROBLEM;
    }
    throw e;
  }
  const stopped = untilStopSignal();
  if (flag(p, 'json')) ctx.io.stdout.write(`${JSON.stringify({ url: server.url, sandbox: sandbox?.info ?? null })}\n`);
  else {
    ctx.io.stdout.write(
      [
        'OSLC Cluster Admin — browser mode, on 127.0.0.1 only.',
        `  open      ${server.url}`,
        ...(sandbox
          ? [
              `  sandbox   cluster "${sandbox.cluster}": balancer ${sandbox.info.balancer}, ${sandbox.info.nodes.length} nodes`,
              ...sandbox.notes.map((n) => `            ${n}`),
            ]
          : []),
        "The URL carries a one-time token: open it in this machine's browser. Press Ctrl+C to stop.",
        '',
      ].join('\n'),
    );
  }
  if (flag(p, 'open') && !(await openBrowser(server.url)) && !flag(p, 'json')) {
    ctx.io.stdout.write('No default browser could be started here: open the URL above yourself.\n');
  }
  await stopped;
  await server.close();
  await sandbox?.close();
  if (!flag(p, 'json')) ctx.io.stderr.write('Console stopped; every socket closed.\n');
  return EXIT.OK;
}
