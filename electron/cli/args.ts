/** Argument parsing on node:util parseArgs, with errors that name the argument (exit 2). */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './io.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(
  argv: string[],
  options: Options,
  usage: string,
  positionals: { min: number; max: number; names: string[] },
): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    throw new UsageError(`${msg}\nusage: ${usage}`);
  }
  const pos = parsed.positionals;
  if (pos.length < positionals.min)
    throw new UsageError(`missing argument <${positionals.names[pos.length] ?? 'arg'}>\nusage: ${usage}`);
  if (pos.length > positionals.max)
    throw new UsageError(`unexpected argument "${pos[positionals.max]}"\nusage: ${usage}`);
  return { values: parsed.values as Parsed['values'], positionals: pos };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A whole number within bounds, or a UsageError naming the option. */
export function int(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: "${v}" is not a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name}: ${n} is out of range (${min}–${max})`);
  return n;
}

export const HOME_OPTION: Options = { home: { type: 'string' } };
