import { describe, expect, it } from 'vitest';
import { Limiter, mapPool } from '../../electron/core/pool.ts';

describe('Limiter', () => {
  it('lets at most its limit through at once and serves the waiting in arrival order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const release = await limiter.acquire();
        order.push(i);
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.idle).toBe(true);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new Limiter(1);
    const release = await limiter.acquire();
    release();
    release();
    const again = await limiter.acquire();
    let third = false;
    void limiter.acquire().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    again();
  });

  it('refuses a limit below one', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});

describe('mapPool', () => {
  it('keeps the input order whatever order the work finishes in', async () => {
    const out = await mapPool([30, 10, 20], 3, async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    });
    expect(out).toEqual([30, 10, 20]);
  });
});
