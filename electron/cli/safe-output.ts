/**
 * The CLI's output streams as the terminal gets them: every control character other than LF and
 * TAB (escape sequences, carriage returns, C1 controls, bidi overrides) written as `\uXXXX`. Node text
 * reaches the CLI inside error messages, key names, headers and certificate fields; the printers
 * escape each field on one line ({@link terminalText}), and this edge makes sure nothing a printer
 * missed is ever interpreted by the terminal. JSON output stays valid: JSON.stringify already escapes
 * C0, and `\uXXXX` is JSON's own spelling for the rest.
 */
import { isUtf8 } from 'node:buffer';
import type { Writable } from 'node:stream';
import { terminalLines } from '../../shared/network-text.ts';
import type { CliIo } from './io.ts';

/** Buffers written before that held nothing to escape: the same buffer written again is not read again. */
const clean = new WeakSet<Buffer>();

function escaping(target: Writable): Writable {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    let out = chunk;
    if (typeof chunk === 'string') out = terminalLines(chunk);
    else if (Buffer.isBuffer(chunk) && !clean.has(chunk)) {
      const text = chunk.toString('utf8');
      const escaped = terminalLines(text);
      // Unchanged, and valid UTF-8 (decoding replaced nothing): the bytes as given.
      if (escaped === text && isUtf8(chunk)) {
        clean.add(chunk);
      } else out = escaped;
    }
    return (target.write as (c: unknown, ...r: unknown[]) => boolean)(out, ...rest);
  };
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'write') return write;
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** The same streams, with stdout and stderr escaping control characters. */
export function escapedIo(io: CliIo): CliIo {
  return { ...io, stdout: escaping(io.stdout), stderr: escaping(io.stderr) };
}
