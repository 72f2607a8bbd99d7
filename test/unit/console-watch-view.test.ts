/** electron/core/console-watch.ts changeView: the CLI's sentence for each change, its node, and its severity. */
import { describe, expect, it } from 'vitest';
import { changeView } from '../../electron/core/console-watch.ts';
import type { WatchChange } from '../../electron/core/watch/changes.ts';

const base = { cluster: 'prod', time: '2026-12-01T00:00:00.000Z' };
const cases: [WatchChange, RegExp, string][] = [
  [
    { ...base, type: 'node-down', node: 'n2', error: { code: 'NODE_UNREACHABLE', message: 'n2: connection refused' } },
    /^n2 is down \(NODE_UNREACHABLE: n2: connection refused\)$/,
    'critical',
  ],
  [{ ...base, type: 'node-up', node: 'n2' }, /^n2 is up again$/, 'info'],
  [
    { ...base, type: 'key-stale', node: 'n3', key: 'k1', kind: 'clearquest' },
    /^key k1 is stale on n3: .*401 invalid_expired_token; fix: sync\)$/,
    'critical',
  ],
  [
    { ...base, type: 'key-stale', node: 'n3', key: 'k1', kind: 'jazz' },
    /^key k1 is stale on n3: .*401 CRJZS0033E \(the consumer key is not valid\); fix: sync\)$/,
    'critical',
  ],
  [
    { ...base, type: 'key-stale', node: 'n3', key: 'k1', kind: 'lyo' },
    /^key k1 is stale on n3: .*401 consumer_key_rejected; fix: restart n3\)$/,
    'critical',
  ],
  [
    { ...base, type: 'provisional-key', node: 'n1', key: 'k9' },
    /^provisional key k9 on n1: approve it on that node/,
    'warning',
  ],
  [
    { ...base, type: 'clock-skew', node: 'n1', skewSeconds: 400, thresholdSeconds: 60 },
    /n1's clock is \+400 s off/,
    'warning',
  ],
  [
    { ...base, type: 'certificate-expiring', node: 'n1', fingerprint256: 'AB', validTo: 'x', daysLeft: 1 },
    /expires in 1 days \(/,
    'warning',
  ],
  [
    { ...base, type: 'heal', outcome: 'consistent', refreshed: ['n1', 'n2'], detail: '', failures: 0 },
    /^heal \(automatic sync\): consistent; refreshed n1, n2$/,
    'info',
  ],
  [
    { ...base, type: 'heal', outcome: 'failed', refreshed: [], detail: 'AUTH_FAILED: refused', failures: 2 },
    /^heal \(automatic sync\): failed; AUTH_FAILED: refused; 2 in a row did not help, backing off$/,
    'warning',
  ],
];

describe('watch changes as the console shows them', () => {
  it.each(cases)('%# %j', (change, text, severity) => {
    const view = changeView(change);
    expect(view.text).toMatch(text);
    expect(view.severity).toBe(severity);
    expect(view.node).toBe('node' in change ? change.node : null);
    expect(view).toMatchObject({ cluster: 'prod', type: change.type, time: base.time });
  });
});
