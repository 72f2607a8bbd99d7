/** Running the real `oslc-admin` binary (as a user would, through the npm bin link) and in-process. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { main } from '../electron/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bin script package.json points at (npx resolves the same file; one test goes through npx itself). */
export const BIN = new URL('../bin/oslc-admin.cjs', import.meta.url).pathname;

/** Spawns the installed bin with `args`, writing `stdin` to it; env adds to process.env. */
export function runBin(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Runs `main()` in this process with in-memory streams: fast, for the many bad-input cases. */
export async function runMain(
  args: string[],
  opts: {
    stdin?: string;
    env?: Record<string, string>;
    onStdout?: (text: string) => void;
    onStderr?: (text: string) => void;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  const code = await main(args, {
    stdin,
    stdout: sink((s) => {
      stdout += s;
      opts.onStdout?.(s);
    }),
    stderr: sink((s) => {
      stderr += s;
      opts.onStderr?.(s);
    }),
    env: { ...process.env, ...opts.env },
  });
  return { code, stdout, stderr };
}

/** Starts `oslc-admin sandbox … --json` as a process; resolves with the child and what it printed up to its first line. */
export async function spawnSandbox(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(BIN, ['sandbox', '--json', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}`)));
  });
  return { child, out };
}
