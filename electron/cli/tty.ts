/** Asking for a password on a terminal without echoing it. */
import { INPUT_LIMITS, InputTooLarge, UsageError } from './io.ts';
import type { CliIo } from './io.ts';
import { unfiltered } from './verbosity.ts';

export async function readPasswordFromTty(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new UsageError('no terminal to ask for the password on: pass it with --password-stdin');
  }
  // A prompt shows even with --quiet: it asks for what the command needs.
  const prompting = unfiltered(io.stderr);
  prompting.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            prompting.write('\n');
            if (!value) reject(new UsageError('the password must not be empty'));
            else resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new UsageError('cancelled'));
            return;
          }
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
          if (Buffer.byteLength(value) > INPUT_LIMITS.secretBytes) {
            stdin.off('data', onData);
            prompting.write('\n');
            reject(new InputTooLarge('the password typed', INPUT_LIMITS.secretBytes));
            return;
          }
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
