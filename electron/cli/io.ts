/** The CLI's streams, injectable so tests run commands in-process. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

export const EXIT = { OK: 0, PROBLEM: 1, BAD_INPUT: 2, INTERNAL: 3 } as const;

/** Bad command-line input: exit 2, the message names the argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads a secret from stdin (one call, not stored anywhere): all of it, minus one trailing newline. */
export async function readSecretFromStdin(io: CliIo, flag: string): Promise<string> {
  if (io.stdin.isTTY)
    throw new UsageError(
      `${flag}: stdin is a terminal; pipe the secret in, e.g. \`printf %s "$PW" | oslc-admin … ${flag}\``,
    );
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const buf = Buffer.concat(chunks);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf).replace(/\r?\n$/, '');
  if (!text) throw new UsageError(`${flag}: nothing was read from stdin`);
  if (text.includes('\uFFFD')) throw new UsageError(`${flag}: stdin is not valid UTF-8`);
  return text;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A plain text table: header row, then rows, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Resolves at the first SIGINT or SIGTERM. Call it before printing a ready line: a parent that reads
 * the line may signal at once.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
