/**
 * How long the desktop app waits, when it quits, for the embedded sandbox's listeners and the
 * engine's HTTP agents to close. Past it the app exits anyway: a hung close must not keep the
 * single-instance lock with no window, swallowing every later launch.
 */
export const SHUTDOWN_DEADLINE_MS = 5_000;

/** Waits for every task to settle, or for `deadlineMs`; says which came first. */
export async function settleWithin(
  tasks: readonly (Promise<unknown> | undefined)[],
  deadlineMs: number,
): Promise<'closed' | 'deadline'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    return await Promise.race([Promise.allSettled(tasks).then(() => 'closed' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
