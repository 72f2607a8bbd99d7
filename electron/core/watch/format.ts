/** One change as one line of text (the CLI's human output, the desktop's notification body). */
import type { WatchChange } from './changes.ts';
import { refreshesRegistry, staleFailure } from '../../../shared/provider-words.ts';
import { fixCommand } from '../../../shared/fix.ts';

const skew = (s: number) => `${s >= 0 ? '+' : ''}${s} s`;

/** The sentence without time or cluster, e.g. "node2 is down (NODE_DOWN: connection refused)". */
export function describeChange(c: WatchChange): string {
  switch (c.type) {
    case 'node-down':
      // A node refused for its certificate answered: it is not "down" (issue 18, defect 10).
      if (c.error?.code === 'TLS_UNTRUSTED')
        return `${c.node} presents an untrusted certificate (${c.error.code}: ${c.error.message})`;
      return `${c.node} is down${c.error ? ` (${c.error.code}: ${c.error.message})` : ''}`;
    case 'node-up':
      return `${c.node} is up again`;
    case 'key-stale':
      return `key ${c.key} is stale on ${c.node}: approved elsewhere, not loaded there (requests there fail with ${staleFailure(c.kind)}; fix: ${refreshesRegistry(c.kind) ? 'sync' : `restart ${c.node}`})`;
    case 'key-reloaded':
      return `key ${c.key} is loaded on ${c.node} again`;
    case 'provisional-key':
      return `provisional key ${c.key} on ${c.node}: approve it on that node`;
    case 'provisional-gone':
      return `provisional key ${c.key} is no longer in ${c.node}'s memory (approved, or lost in a restart)`;
    case 'certificate-changed':
      return `${c.node} presents another certificate: ${c.from} → ${c.to} (valid until ${c.validTo})`;
    case 'certificate-expiring':
      return c.daysLeft < 0
        ? `${c.node}'s certificate expired on ${c.validTo}`
        : `${c.node}'s certificate expires in ${c.daysLeft} days (${c.validTo})`;
    case 'clock-skew':
      return `${c.node}'s clock is ${skew(c.skewSeconds)} off (threshold ${c.thresholdSeconds} s; OAuth refuses beyond 300 s)`;
    case 'clock-ok':
      return `${c.node}'s clock is back within ${c.thresholdSeconds} s (${skew(c.skewSeconds)})`;
    case 'check-failed':
      return `status could not be taken (${c.error.code}: ${c.error.message})`;
    case 'check-ok':
      return 'status can be taken again';
    case 'heal':
      return `heal (automatic sync): ${c.outcome}${c.refreshed.length ? `; refreshed ${c.refreshed.join(', ')}` : ''}${c.outcome === 'consistent' ? '' : `; ${c.detail}`}${c.failures ? `; ${c.failures} in a row did not help, backing off` : ''}`;
  }
}

/**
 * `TIME CLUSTER TYPE sentence`, as `oslc-admin watch` prints it: a provisional key's line ends with
 * the command that approves it (the console's line, from {@link describeChange}, offers no command).
 */
export function formatChange(c: WatchChange): string {
  const command =
    c.type === 'provisional-key'
      ? ` (${fixCommand({ action: 'approve', cluster: c.cluster, key: c.key, node: c.node })})`
      : '';
  return `${c.time} ${c.cluster} ${c.type}: ${describeChange(c)}${command}`;
}
