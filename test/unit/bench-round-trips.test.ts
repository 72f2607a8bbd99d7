import { describe, expect, it } from 'vitest';
import { longestChain } from '../bench/round-trips.ts';

describe("the bench's round-trip count", () => {
  it('counts overlapping requests once and dependent ones one after another', () => {
    const wave = (t: number) => Array.from({ length: 5 }, () => ({ start: t, end: t + 100 }));
    expect(longestChain([])).toBe(0);
    expect(longestChain(wave(0))).toBe(1);
    expect(longestChain([...wave(0), ...wave(100), ...wave(200)])).toBe(3);
    expect(
      longestChain([
        { start: 0, end: 100 },
        { start: 50, end: 150 },
        { start: 150, end: 160 },
      ]),
    ).toBe(2);
  });
});
