/**
 * Runs `fn` over `items` with at most `limit` in flight, results in input order. Each item's own
 * failure is its own: `fn` should catch and turn errors into values, so one node never sinks the rest.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * A counting semaphore with a FIFO queue: `acquire()` resolves with the release function once one of
 * `limit` slots is free. Waiting callers are served in arrival order, so no caller starves.
 */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit: must be a whole number ≥ 1, got ${limit}`);
    }
  }

  get idle(): boolean {
    return this.#active === 0 && this.#waiting.length === 0;
  }

  async acquire(): Promise<() => void> {
    if (this.#active < this.limit) this.#active++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so #active stays the same.
      if (next) next();
      else this.#active--;
    };
  }
}
