/**
 * Round trips on the critical path: the longest chain of requests in which each one started only
 * after the one before it had its answer. Requests of one wave overlap, so they count once; a chain
 * of N dependent requests counts N, whatever the latency.
 */
import { performance } from 'node:perf_hooks';
import { HttpClient } from '../../electron/core/http/client.ts';

export interface Interval {
  start: number;
  end: number;
}

/** The length of the longest chain of intervals each of which starts at or after the previous ends. */
export function longestChain(intervals: readonly Interval[]): number {
  const byEnd = [...intervals].sort((a, b) => a.end - b.end);
  const ends = byEnd.map((i) => i.end);
  const best: number[] = [];
  const prefixMax: number[] = [];
  for (const [k, interval] of byEnd.entries()) {
    // The intervals that ended by this one's start come first in `byEnd`: binary search their count.
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= interval.start) lo = mid + 1;
      else hi = mid;
    }
    best[k] = 1 + (lo > 0 ? prefixMax[lo - 1]! : 0);
    prefixMax[k] = Math.max(best[k]!, k > 0 ? prefixMax[k - 1]! : 0);
  }
  return byEnd.length ? prefixMax[byEnd.length - 1]! : 0;
}

/** Records every request the engine's HTTP clients send while `measure` runs. */
export class RequestRecorder {
  private intervals: Interval[] | null = null;
  private readonly original = HttpClient.prototype.request;

  install(): void {
    const original = this.original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const recorder = this;
    HttpClient.prototype.request = async function (this: HttpClient, req) {
      const start = performance.now();
      try {
        return await original.call(this, req);
      } finally {
        recorder.intervals?.push({ start, end: performance.now() });
      }
    };
  }

  uninstall(): void {
    HttpClient.prototype.request = this.original;
  }

  /** Adds a request made outside the engine (the baseline's own loop). */
  note(interval: Interval): void {
    this.intervals?.push(interval);
  }

  /** Runs `f`; its wall time, its requests and its round trips. */
  async measure<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; requests: number; roundTrips: number }> {
    this.intervals = [];
    const t0 = performance.now();
    try {
      const value = await f();
      const ms = performance.now() - t0;
      return { value, ms, requests: this.intervals.length, roundTrips: longestChain(this.intervals) };
    } finally {
      this.intervals = null;
    }
  }
}
