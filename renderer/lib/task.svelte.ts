/**
 * One asynchronous action's lifecycle for the UI: running, slow (over half a second: show progress),
 * its coded error, and cancellation. Components show `slow` and `error`; state classes call `run`.
 */
import type { ErrorInfo } from '../../shared/errors.ts';
import { errorInfoOf } from './client.ts';

/** Progress is shown for anything that takes longer than this (../shared/UI.md "Behaviour"). */
export const SLOW_AFTER_MS = 500;

export class Task {
  running = $state(false);
  slow = $state(false);
  error = $state<ErrorInfo | null>(null);
  /** True when the last run was cancelled by the user. */
  cancelled = $state(false);
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;

  /**
   * Runs `fn`; a second run aborts the first. Resolves with the result, or undefined when it failed
   * (the error is in `error`) or was superseded or cancelled.
   */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.controller?.abort();
    const controller = new AbortController();
    const generation = ++this.generation;
    this.controller = controller;
    this.running = true;
    this.error = null;
    this.cancelled = false;
    this.slow = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (generation === this.generation) this.slow = true;
    }, SLOW_AFTER_MS);
    try {
      return await fn(controller.signal);
    } catch (e) {
      if (generation === this.generation && !controller.signal.aborted) this.error = errorInfoOf(e);
      return undefined;
    } finally {
      if (generation === this.generation) {
        this.running = false;
        this.slow = false;
        this.controller = null;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
      }
    }
  }

  /** Aborts the running call (its signal fires; browser mode closes the request). */
  cancel(): void {
    if (!this.controller) return;
    this.cancelled = true;
    this.controller.abort();
  }

  clearError(): void {
    this.error = null;
  }
}
