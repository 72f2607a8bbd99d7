/**
 * One sentence per watch change, the same for `oslc-admin watch` and the console's notifications, and
 * how much each matters. Node ids are the cluster's own; keys and error texts are shown as they are
 * (the printer that puts them on a terminal or in Markdown escapes them).
 */
import type { WatchSeverity } from '../../../shared/contract-watch.ts';
import type { WatchChange } from './changes.ts';

/** "node1: x" / "node1 (http://…) is unreachable" reads twice after "node1 is down: ": drop the repeat. */
function withoutNode(message: string, node: string): string {
  return message.startsWith(`${node}: `) ? message.slice(node.length + 2) : message;
}

export function describeChange(c: WatchChange): string {
  switch (c.type) {
    case 'node-down':
      return `${c.node} is down${c.error ? `: ${withoutNode(c.error.message, c.node)}` : ''}`;
    case 'node-up':
      return `${c.node} is up again`;
    case 'key-stale':
      return `${c.node} has not loaded the approved key ${c.key}: requests it answers fail with 401 invalid_expired_token until its registry is refreshed`;
    case 'key-reloaded':
      return `${c.node} has loaded the key ${c.key}`;
    case 'provisional-key':
      return `a provisional key ${c.key} appeared on ${c.node}: approve it there (the watch never approves keys)`;
    case 'provisional-gone':
      return `the provisional key ${c.key} is no longer held by ${c.node} (approved, or lost with a restart)`;
    case 'certificate-changed':
      return `${c.node} presents a new certificate (SHA-256 ${c.to}, valid until ${c.validTo})`;
    case 'certificate-expiring':
      return `${c.node}'s certificate expires in ${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'} (${c.validTo})`;
    case 'clock-skew':
      return `${c.node}'s clock is ${c.skewSeconds > 0 ? '+' : ''}${c.skewSeconds} s off (threshold ±${c.thresholdSeconds} s; OAuth refuses beyond ±300 s)`;
    case 'clock-ok':
      return `${c.node}'s clock is back within ±${c.thresholdSeconds} s (${c.skewSeconds} s)`;
    case 'check-failed':
      return `the status check failed: ${c.error.message}`;
    case 'check-ok':
      return 'the status check works again';
    case 'heal':
      return c.outcome === 'consistent'
        ? `healed: refreshed ${c.refreshed.join(', ') || 'no node'}; every node is consistent`
        : c.outcome === 'still-drifted'
          ? `heal ran (refreshed ${c.refreshed.join(', ') || 'no node'}) but drift remains: ${c.detail}`
          : `heal failed: ${c.detail} (${c.failures} in a row; backing off)`;
  }
}

export function severityOf(c: WatchChange): WatchSeverity {
  switch (c.type) {
    case 'node-down':
    case 'key-stale':
    case 'check-failed':
      return 'critical';
    case 'provisional-key':
    case 'certificate-changed':
    case 'certificate-expiring':
    case 'clock-skew':
      return 'warning';
    case 'heal':
      return c.outcome === 'consistent' ? 'info' : 'warning';
    default:
      return 'info';
  }
}
