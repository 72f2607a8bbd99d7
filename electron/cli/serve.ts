/** `serve`: browser mode — the console and the contract on 127.0.0.1 until SIGINT/SIGTERM. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode } from '../../shared/errors.ts';
import { ensureFirstRunSandbox, startEmbeddedSandbox } from '../server/first-run.ts';
import { MAX_NODES } from '../sandbox/index.ts';
import type { EmbeddedSandboxRun } from '../server/first-run.ts';
import { startConsoleServer } from '../server/serve.ts';
import { flag, int, parse, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { dialectOption, stickyOption } from './sandbox.ts';
import { EXIT, UsageError, untilStopSignal, writeError, writeJson } from './io.ts';

const USAGE =
  'oslc-admin serve [--port P] [--open] [--sandbox [--nodes N] [--tls] [--no-sticky] [--dialect sandbox|clearquest|jazz|lyo]] [--json] [--home DIR]';

/** dist/renderer beside the sources (development) or beside the bundle (packaged CLI). */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/** Opens `url` in the default browser, where there is one; says whether it tried. `url` is in its argv: never a credential. */
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

/** The user's runtime directory (XDG_RUNTIME_DIR, a private tmpfs), else a new private one in tmp. */
async function runtimeDir(): Promise<{ dir: string; own: boolean }> {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) {
    const dir = join(xdg, 'oslc-admin');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await stat(dir);
    if (st.isDirectory() && (st.mode & 0o077) === 0 && st.uid === process.getuid?.()) return { dir, own: false };
  }
  return { dir: await mkdtemp(join(tmpdir(), 'oslc-admin-')), own: true };
}

/**
 * `--open` without the sign-in token in any command line (`ps` shows every process's argv to every
 * local user): the URL goes into a 0600 redirect page in the runtime directory and the browser is
 * opened on that file, as Jupyter does. The page is removed when serve stops; the token in it works once.
 */
async function writeLaunchPage(url: string): Promise<{ file: string; remove(): Promise<void> }> {
  const { dir, own } = await runtimeDir();
  const file = join(dir, `open-${process.pid}.html`);
  const href = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  await writeFile(
    file,
    `<!doctype html>\n<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}">` +
      `<title>OSLC Cluster Admin</title></head>\n<body><p>Opening the console: <a href="${href}">sign in</a>.</p></body></html>\n`,
    { mode: 0o600, flag: 'w' },
  );
  return { file, remove: () => rm(own ? dir : file, { force: true, recursive: own }) };
}

/**
 * A fresh one-time sign-in link on demand: on Enter (when stdin is a terminal) and on SIGUSR1.
 * Answers the function that stops listening.
 */
function offerFreshLinks(ctx: CommandContext, print: () => void): () => void {
  const onSignal = () => print();
  const signals = process.platform !== 'win32';
  if (signals) process.on('SIGUSR1', onSignal);
  const rl = ctx.io.stdin.isTTY ? createInterface({ input: ctx.io.stdin }) : null;
  rl?.on('line', onSignal);
  return () => {
    if (signals) process.off('SIGUSR1', onSignal);
    rl?.close();
  };
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
  // The empty console's "Start the sandbox": one sandbox, closed with the server.
  ctx.engine.sandboxStarter = async () => {
    sandbox = await startEmbeddedSandbox(ctx.engine, ctx.home);
    return sandbox.cluster;
  };
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
      writeError(
        ctx.io,
        flag(p, 'json'),
        inUse ? ErrorCode.BAD_INPUT : ErrorCode.NOT_SUPPORTED,
        inUse ? `--port: 127.0.0.1:${port} is already in use` : e.message,
      );
      return inUse ? EXIT.BAD_INPUT : EXIT.PROBLEM;
    }
    throw e;
  }
  const stopped = untilStopSignal();
  const json = flag(p, 'json');
  // Listening before the ready line, so a SIGUSR1 sent as soon as it is read never meets the default action (exit).
  const stopOffering = offerFreshLinks(ctx, () => {
    const url = server.newLink();
    if (json) writeJson(ctx.io, { url });
    else ctx.io.stdout.write(`  open      ${url}   (signs in once)\n`);
  });
  if (json) writeJson(ctx.io, { url: server.url, sandbox: sandbox?.info ?? null });
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
        "The URL signs in once: open it in this machine's browser.",
        `For another sign-in (a new tab or browser), press Enter here (or: kill -USR1 ${process.pid}) for a fresh link.`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  }
  let launchPage: Awaited<ReturnType<typeof writeLaunchPage>> | null = null;
  if (flag(p, 'open')) {
    try {
      launchPage = await writeLaunchPage(server.url);
    } catch (e) {
      ctx.io.stderr.write(`warning: --open: could not write the launch page (${(e as Error).message})\n`);
    }
    if ((!launchPage || !(await openBrowser(pathToFileURL(launchPage.file).href))) && !json) {
      ctx.io.stdout.write('No default browser could be started here: open the URL above yourself.\n');
    }
  }
  await stopped;
  stopOffering();
  await launchPage?.remove();
  await server.close();
  await sandbox?.close();
  if (!flag(p, 'json')) ctx.io.stderr.write('Console stopped; every socket closed.\n');
  return EXIT.OK;
}
