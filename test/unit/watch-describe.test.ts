/** electron/core/watch/describe.ts: one sentence per change, naming node and key, and its severity. */
import { describe, expect, it } from 'vitest';
import { describeChange, severityOf } from '../../electron/core/watch/describe.ts';
import type { WatchChange } from '../../electron/core/watch/changes.ts';

const base = { cluster: 'prod', time: '2026-12-01T00:00:00.000Z' };
const cases: [WatchChange, RegExp, string][] = [
  [
    { ...base, type: 'node-down', node: 'n2', error: { code: 'NODE_UNREACHABLE', message: 'n2: connection refused' } },
    /^n2 is down: connection refused$/,
    'critical',
  ],
  [{ ...base, type: 'node-up', node: 'n2' }, /^n2 is up again$/, 'info'],
  [
    { ...base, type: 'key-stale', node: 'n3', key: 'k1' },
    /^n3 has not loaded the approved key k1: .*invalid_expired_token/,
    'critical',
  ],
  [
    { ...base, type: 'provisional-key', node: 'n1', key: 'k9' },
    /provisional key k9 appeared on n1: approve it there/,
    'warning',
  ],
  [
    { ...base, type: 'clock-skew', node: 'n1', skewSeconds: 400, thresholdSeconds: 60 },
    /n1's clock is \+400 s off/,
    'warning',
  ],
  [
    { ...base, type: 'certificate-expiring', node: 'n1', fingerprint256: 'AB', validTo: 'x', daysLeft: 1 },
    /expires in 1 day \(/,
    'warning',
  ],
  [
    { ...base, type: 'heal', outcome: 'consistent', refreshed: ['n1', 'n2'], detail: '', failures: 0 },
    /^healed: refreshed n1, n2; every node is consistent$/,
    'info',
  ],
  [
    { ...base, type: 'heal', outcome: 'failed', refreshed: [], detail: 'AUTH_FAILED: refused', failures: 2 },
    /^heal failed: AUTH_FAILED: refused \(2 in a row; backing off\)$/,
    'warning',
  ],
];

describe('watch change sentences', () => {
  it.each(cases)('%# %j', (change, text, severity) => {
    expect(describeChange(change)).toMatch(text);
    expect(severityOf(change)).toBe(severity);
  });
});
