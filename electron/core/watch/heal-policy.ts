/**
 * When the watch may heal a cluster: at most once per check (so once per interval), and after a heal
 * that did not help (the sync failed, or the next check was still drifted) it waits 2^n − 1 checks
 * (n consecutive failures, capped), so a refresh the nodes keep refusing is not hammered.
 * Counted in checks, not in milliseconds, so jitter never lets two heals into one interval.
 */
export const MAX_SKIPPED_CHECKS = 63;

export class HealPolicy {
  /** Consecutive heals that did not help. */
  failures = 0;
  /** Checks still to let pass before the next heal. */
  private skip = 0;
  /** A heal ran at the previous check and its effect is judged by this one. */
  private pending = false;

  constructor(private readonly maxSkip = MAX_SKIPPED_CHECKS) {}

  /**
   * Called once per successful check with whether it shows drift a refresh could fix. Returns true
   * when a heal should run now (the caller then reports its outcome with {@link healed}).
   */
  onCheck(drifted: boolean): boolean {
    if (!drifted) {
      this.failures = 0;
      this.skip = 0;
      this.pending = false;
      return false;
    }
    if (this.pending) {
      // The heal at the last check did not help: back off.
      this.pending = false;
      this.fail();
    }
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    return true;
  }

  /** The outcome of the heal that {@link onCheck} asked for. */
  healed(outcome: 'consistent' | 'still-drifted' | 'failed'): void {
    if (outcome === 'failed') this.fail();
    // Judged by the next check: the sync's own verification may race a node's reload.
    else this.pending = true;
  }

  private fail(): void {
    this.failures++;
    this.skip = Math.min(2 ** this.failures - 1, this.maxSkip);
  }

  /** Checks until the next heal may run (0: at the next drifted check). */
  get checksToWait(): number {
    return this.skip;
  }
}
