/**
 * A fault inside oslc-admin (an error no module coded) prints one line and a hint, never a stack
 * trace, unless the admin asked for one with --verbose.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeInternalError } from '../../electron/cli/main.ts';
import type { CliIo } from '../../electron/cli/io.ts';

function capture(): { io: CliIo; err: () => string } {
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} } as unknown as CliIo;
  return { io, err: () => Buffer.concat(chunks).toString('utf8') };
}

describe('writeInternalError', () => {
  it('one line and a hint by default: no "at file:line" frames', async () => {
    const { io, err } = capture();
    writeInternalError(io, new TypeError('x.y is not a function'), false);
    await new Promise((r) => setImmediate(r));
    expect(err()).toBe(
      'internal error: x.y is not a function\n  (a fault of oslc-admin itself; run again with --verbose to see where, and report it)\n',
    );
    expect(err()).not.toMatch(/\n\s+at /);
  });

  it('with --verbose: the stack, escaped for the terminal', async () => {
    const { io, err } = capture();
    writeInternalError(io, new Error('boom\u001b[2J'), true);
    await new Promise((r) => setImmediate(r));
    expect(err()).toMatch(/^internal error: boom/);
    expect(err()).toMatch(/\n\s+at .+cli-internal-error\.test\.ts/);
    expect(err()).not.toContain('\u001b');
  });

  it('a thrown non-Error value is printed as text', async () => {
    const { io, err } = capture();
    writeInternalError(io, 42, true);
    await new Promise((r) => setImmediate(r));
    expect(err().split('\n')[0]).toBe('internal error: 42');
  });
});
