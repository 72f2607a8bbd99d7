/** The CLI's streams, injectable so tests run commands in-process. */
import { FileTooLarge, IsADirectory, readFileBounded as readFileBoundedCore } from '../core/config/bounded-read.ts';
import type { Readable, Writable } from 'node:stream';
import { MAX_SECRET_CHARS } from '../../shared/model.ts';
import { writeJsonPieces } from '../../shared/json-pieces.ts';

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/**
 * INTERRUPTED: stopped by Ctrl+C (128 + SIGINT), TERMINATED: by SIGTERM (128 + 15: `timeout` in cron,
 * a systemd stop), each after printing and recording what was done.
 */
export const EXIT = { OK: 0, PROBLEM: 1, BAD_INPUT: 2, INTERNAL: 3, INTERRUPTED: 130, TERMINATED: 143 } as const;

/** Bad command-line input: exit 2, the message names the argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The most the CLI reads from any one input. Every reader stops WHILE reading, one byte past its
 * limit, so `--password-stdin < /dev/zero` or `cluster import /dev/zero` costs at most this much
 * memory; the README's "Limits" section lists the same figures.
 */
export const INPUT_LIMITS = {
  /** A secret on stdin (`--password-stdin`, `--secret-stdin`): the engine's longest secret, 4 bytes a character at worst. */
  secretBytes: MAX_SECRET_CHARS * 4,
  /** `cluster import FILE`: an exported cluster (the engine's own export cap). */
  importBytes: 1024 * 1024,
  /** `cluster add --ca FILE`: a PEM bundle (the cluster schema's CA cap). */
  caBytes: 512 * 1024,
  /** `diagnose|report --error-text FILE`: the pasted error a consumer saw. */
  errorTextBytes: 1024 * 1024,
} as const;

/** "16 KiB", "1 MiB": how a limit is named in messages and help. */
export function formatLimit(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** An input that was longer than its limit; reading stopped there. */
export class InputTooLarge extends UsageError {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`${what} is larger than the limit of ${formatLimit(limit)} (${limit} bytes); reading stopped there`);
    this.name = 'InputTooLarge';
  }
}

/**
 * Reads a stream to its end, but never more than `limit` bytes: at the first byte past it, the
 * stream is released and InputTooLarge names the limit. Hand-written because no library bounds an
 * async iterator this way without buffering the stream first.
 */
export async function readStreamBounded(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) {
      // Stop reading now; the iterator's return() (run by `break`/`throw`) releases the stream.
      stream.pause();
      throw new InputTooLarge(what, limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads a file (or a device, FIFO, /dev/stdin…) by blocks, never more than `limit` bytes (see
 * core/config/bounded-read.ts). Every failure becomes a UsageError naming the option and the path.
 */
export async function readFileBounded(path: string, limit: number, what: string): Promise<Buffer> {
  try {
    return await readFileBoundedCore(path, limit);
  } catch (e) {
    if (e instanceof FileTooLarge) throw new InputTooLarge(`${what}: ${path}`, limit);
    if (e instanceof IsADirectory) throw new UsageError(`${what}: ${path} is a directory, not a file`);
    throw new UsageError(`${what}: cannot read ${path}: ${describeFsError(e)}`);
  }
}

/** A file's text, which must be UTF-8 (a UsageError otherwise), read within `limit` bytes. */
export async function readTextFileBounded(path: string, limit: number, what: string): Promise<string> {
  const buf = await readFileBounded(path, limit, what);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD')) throw new UsageError(`${what}: ${path} is not valid UTF-8`);
  return text;
}

/** An fs error as a short reason: "no such file", "permission denied"… with the errno code. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EEXIST: 'it already exists',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  if (code) return words[code] ? `${code} (${words[code]})` : code;
  return e instanceof Error ? e.message : String(e);
}

/** Reads a secret from stdin (one call, not stored anywhere): all of it, minus one trailing newline. */
export async function readSecretFromStdin(io: CliIo, flag: string): Promise<string> {
  if (io.stdin.isTTY)
    throw new UsageError(
      `${flag}: stdin is a terminal; pipe the secret in, e.g. \`printf %s "$PW" | oslc-admin … ${flag}\``,
    );
  const buf = await readStreamBounded(io.stdin, INPUT_LIMITS.secretBytes, `${flag}: the secret on stdin`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf).replace(/\r?\n$/, '');
  if (!text) throw new UsageError(`${flag}: nothing was read from stdin`);
  if (text.includes('\uFFFD')) throw new UsageError(`${flag}: stdin is not valid UTF-8`);
  return text;
}

/**
 * The version of the `--json` documents' shape, first in each: a field added keeps it, a field
 * renamed, removed or changed in meaning raises it.
 */
export const JSON_SCHEMA_VERSION = 1;

/**
 * One JSON document and a newline on stdout, written in pieces down to three levels (a status's
 * nodes one by one: 64 nodes × 50,000 keys is about 130 MB of JSON, too much to hold as one string).
 */
export function writeJson(io: CliIo, value: object): void {
  // A large piece written more than once (the key list every node shares, json-pieces.ts) is encoded
  // once, and the same buffer written each time: the output escaping checks a buffer only once too.
  const encoded = new Map<string, Buffer>();
  writeJsonPieces({ schemaVersion: JSON_SCHEMA_VERSION, ...value }, 3, (text) => {
    if (text.length < ENCODE_ONCE_CHARS) return void io.stdout.write(text);
    let bytes = encoded.get(text);
    if (!bytes) encoded.set(text, (bytes = Buffer.from(text, 'utf8')));
    io.stdout.write(bytes);
  });
  io.stdout.write('\n');
}

/** JSON pieces at least this long are encoded once per output, however often they are written. */
const ENCODE_ONCE_CHARS = 64 * 1024;

/**
 * An error a command reports itself (and then returns its exit code): `error: …` on stderr, or with
 * `--json` the same JSON line as every other error, `{"schemaVersion":1,"error":{code,message}}`.
 */
export function writeError(io: CliIo, json: boolean, code: string, message: string): void {
  io.stderr.write(
    json
      ? `${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { code, message } })}\n`
      : `error: ${message}\n`,
  );
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
 * A reader that went away (`oslc-admin … | head -1`, `| true`) ends the output quietly: no stack
 * trace, the rest of the output dropped (a destroyed stream drops later writes) and the command's own
 * exit code kept. A command that handles SIGTERM (sync records what it did; watch, serve and sandbox
 * run until stopped) is stopped as by SIGTERM, since no one reads it any more. `stopsProcess`: only for
 * the process's own streams (never in a test that runs `main` in-process).
 */
export function quietOnClosedPipe(io: CliIo, stopsProcess: boolean): void {
  let stopped = false;
  for (const stream of [io.stdout, io.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      if (stopped || !stopsProcess) return;
      stopped = true;
      if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    });
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
