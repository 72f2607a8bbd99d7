/**
 * Threshold ranges as the Monitoring Plugins development guidelines define them
 * (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT): `[@]start:end`, where
 * start ≤ end, start and ":" may be left out (start 0), end may be left out (no upper bound) and
 * `~` is minus infinity. A value outside the range alerts; with `@`, a value inside it (inclusive).
 *
 *   10      alert if < 0 or > 10        10:     alert if < 10
 *   ~:10    alert if > 10               10:20   alert if < 10 or > 20
 *   @10:20  alert if ≥ 10 and ≤ 20
 */
import { UsageError } from './io.ts';

export interface Range {
  /** As given: performance data repeats it. */
  text: string;
  start: number;
  end: number;
  inside: boolean;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

export function parseRange(text: string, where: string): Range {
  const bad = (why: string) =>
    new UsageError(`${where}: "${text}" is not a threshold range (${why}; e.g. 10, 10:, ~:10, 10:20, @10:20)`);
  let body = text;
  const inside = body.startsWith('@');
  if (inside) body = body.slice(1);
  if (!body) throw bad('it is empty');
  const colon = body.indexOf(':');
  const startText = colon < 0 ? '0' : body.slice(0, colon) || '0';
  const endText = colon < 0 ? body : body.slice(colon + 1);
  let start: number;
  if (startText === '~') start = -Infinity;
  else if (NUMBER.test(startText)) start = Number(startText);
  else throw bad(`"${startText}" is not a number`);
  let end: number;
  if (endText === '') end = Infinity;
  else if (NUMBER.test(endText)) end = Number(endText);
  else throw bad(`"${endText}" is not a number`);
  if (start > end) throw bad('its start is above its end');
  return { text, start, end, inside };
}

/** True when `value` raises the alert this range stands for. */
export function alerts(r: Range, value: number): boolean {
  const within = value >= r.start && value <= r.end;
  return r.inside ? within : !within;
}
