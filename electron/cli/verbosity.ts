/**
 * `--verbose` and `--quiet`, the same for every command of the list (commands.ts), applied around
 * the command rather than inside it, so a new command has both without a line of its own:
 *
 * - `--quiet`: only errors. The command's stdout is dropped unless it is the result a script asked
 *   for (`--json`, `status --check`, `completion`…: {@link quietKeepsStdout}); on stderr only what
 *   starts with `error` gets through (progress, notes and warnings do not). A prompt for a password
 *   still shows ({@link unfiltered}). The exit code is the command's own.
 * - `--verbose`: what is being done, on stderr: the command and its config directory, each request to
 *   a node with its answer and time, each keychain call (the account, never the secret), and the exit
 *   code with the time taken. Read from the engine's activity channels (core/activity.ts).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Writable } from 'node:stream';
import { keychainActivity, requestActivity } from '../core/activity.ts';
import type { KeychainActivity, RequestActivity } from '../core/activity.ts';
import { quietKeepsStdout } from './commands.ts';
import type { CommandSpec } from './commands.ts';
import type { CliIo } from './io.ts';

const RAW = Symbol('oslc-admin.unfiltered');

/** The stream under a --quiet filter: for what must reach the user anyway (a prompt, the URL to authorize). */
export function unfiltered(stream: Writable): Writable {
  return (stream as Writable & { [RAW]?: Writable })[RAW] ?? stream;
}

/** A stream whose writes pass only when `keep` says so; a dropped write still calls its callback. */
function filtered(target: Writable, keep: (text: string) => boolean): Writable {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    if (keep(text)) return (target.write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb) queueMicrotask(cb);
    return true;
  };
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'write') return write;
      if (prop === RAW) return t;
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** An error line: `error: …`, `error [CODE] …`, `internal error: …`. */
const isError = (text: string) => /^(internal )?error\b/.test(text);

export interface Verbosity {
  /** The streams the command gets. */
  io: CliIo;
  /** Says which command runs on which config directory (--verbose). */
  begin(home: string): void;
  /** Says how it ended (--verbose) and stops listening. */
  end(code: number | undefined): void;
}

/** Seconds or milliseconds, as a person reads them. */
const took = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

export function applyVerbosity(
  io: CliIo,
  opts: { entries: readonly CommandSpec[]; argv: readonly string[] },
  mode: { verbose: boolean; quiet: boolean },
): Verbosity {
  const started = performance.now();
  if (mode.quiet && !mode.verbose) {
    const keepStdout = quietKeepsStdout(opts.entries, opts.argv);
    return {
      io: {
        ...io,
        stdout: keepStdout ? io.stdout : filtered(io.stdout, () => false),
        stderr: filtered(io.stderr, isError),
      },
      begin: () => undefined,
      end: () => undefined,
    };
  }
  if (!mode.verbose) return { io, begin: () => undefined, end: () => undefined };
  const say = (text: string) => io.stderr.write(`… ${text}\n`);
  const command = opts.entries[0]?.path.join(' ') ?? '';
  const onRequest = (message: unknown) => {
    const e = message as RequestActivity;
    const answer = e.status !== undefined ? `HTTP ${e.status}` : (e.error ?? 'no answer');
    say(`${e.node}: ${e.method} ${e.url} → ${answer} (${took(e.ms)})`);
  };
  const onKeychain = (message: unknown) => {
    const e = message as KeychainActivity;
    say(`keychain: ${e.op} "${e.account}" → ${e.outcome} (${took(e.ms)})`);
  };
  diagnosticsChannel.subscribe(requestActivity.name, onRequest);
  diagnosticsChannel.subscribe(keychainActivity.name, onKeychain);
  return {
    io,
    begin: (home) => say(`oslc-admin ${command}: config directory ${home}`),
    end: (code) => {
      diagnosticsChannel.unsubscribe(requestActivity.name, onRequest);
      diagnosticsChannel.unsubscribe(keychainActivity.name, onKeychain);
      say(`exit ${code ?? '?'} after ${took(performance.now() - started)}`);
    },
  };
}
