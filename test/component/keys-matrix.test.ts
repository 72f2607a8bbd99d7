/** The keys matrix state: rows from the nodes' lists and the tracked keys, filter, only problems, sort; a cell's fixes. */
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import {
  KeyCell,
  KeysMatrix,
  buildRows,
  cellLabel,
  filterRows,
  keysMatrixOf,
  untrustedCertificate,
} from '../../renderer/lib/keys-matrix.svelte.ts';
import type { MatrixSource } from '../../renderer/lib/keys-matrix.svelte.ts';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import type { NodeStatus, TlsInfo } from '../../shared/model.ts';
import { DEFINITION, SUMMARY, fakeApi } from './_fake-api.ts';

function node(id: string, over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    id,
    url: `http://127.0.0.1:900${id.slice(-1)}`,
    up: true,
    latencyMs: 5,
    clockSkewSeconds: 0,
    tls: null,
    consumers: [],
    provisional: [],
    approved: [],
    error: null,
    ...over,
  };
}

/** A friendship on node2 (untracked), RTC tracked and approved everywhere but stale on node3, node4 down. */
function source(): MatrixSource {
  return {
    nodes: ['node1', 'node2', 'node3', 'node4'],
    statuses: {
      node1: node('node1', { approved: ['rtc'], consumers: [{ key: 'rtc', state: 'approved', problem: null }] }),
      node2: node('node2', {
        approved: ['rtc'],
        provisional: ['friend'],
        consumers: [{ key: 'rtc', state: 'approved', problem: null }],
      }),
      node3: node('node3', { consumers: [{ key: 'rtc', state: 'unknown', problem: 'consumer_key_unknown' }] }),
      node4: node('node4', { up: false, provisional: null, approved: null }),
    },
    consumers: [
      { key: 'rtc', name: 'RTC', hasSecret: true },
      { key: 'gc', name: 'Global Configuration', hasSecret: true },
    ],
  };
}

describe('buildRows', () => {
  it('has a row for every tracked key and every key a node lists, each cell the state on that node', () => {
    const rows = buildRows(source());
    expect(rows.map((r) => r.key)).toEqual(['rtc', 'gc', 'friend']);
    const [rtc, gc, friend] = rows;
    expect(rtc!.cells).toEqual(['approved', 'approved', 'unknown', 'down']);
    expect(rtc!.name).toBe('RTC');
    expect(rtc!.tracked).toBe(true);
    // Tracked but not probed, listed nowhere: not listed on the nodes that answered.
    expect(gc!.cells).toEqual(['not-listed', 'not-listed', 'not-listed', 'down']);
    // Listed only in node2's memory and not tracked: its name is its key.
    expect(friend!.cells).toEqual(['not-listed', 'provisional', 'not-listed', 'down']);
    expect(friend!.name).toBe('friend');
    expect(friend!.tracked).toBe(false);
  });

  it("takes a drift's missing nodes as missing where neither a probe nor a list said otherwise", () => {
    const s = source();
    s.drift = [{ key: 'friend', missingOn: ['node1', 'node3'], message: '' }];
    expect(buildRows(s).find((r) => r.key === 'friend')!.cells).toEqual(['unknown', 'provisional', 'unknown', 'down']);
  });

  it('keeps the worst cell of each row and a lower-case search string of name and key', () => {
    const rtc = buildRows(source())[0]!;
    expect(rtc.worst).toBe('down');
    expect(rtc.search).toBe('rtc\nrtc');
    const s = source();
    s.nodes = ['node1', 'node2'];
    const rows = buildRows(s);
    expect(rows.find((r) => r.key === 'rtc')!.worst).toBe('approved');
    expect(rows.find((r) => r.key === 'friend')!.worst).toBe('provisional');
    expect(rows.find((r) => r.key === 'gc')!.search).toBe('global configuration\ngc');
  });

  it('has empty cells as not listed for a node that has not answered yet', () => {
    const s = source();
    s.statuses = {};
    expect(buildRows(s).map((r) => r.cells)).toEqual([Array(4).fill('not-listed'), Array(4).fill('not-listed')]);
  });
});

describe('KeysMatrix', () => {
  it('filters by key or name, any case, as a substring', () => {
    const m = new KeysMatrix(source);
    m.filter = 'GLOBAL';
    expect(m.rows.map((r) => r.key)).toEqual(['gc']);
    m.filter = 'ien';
    expect(m.rows.map((r) => r.key)).toEqual(['friend']);
    m.filter = '  rt ';
    expect(m.rows.map((r) => r.key)).toEqual(['rtc']);
    m.filter = 'nothing like it';
    expect(m.rows).toEqual([]);
    m.filter = '';
    expect(m.rows).toHaveLength(3);
  });

  it('shows hidden characters of keys and names as ⟨U+…⟩ marks, and the filter finds what is shown', () => {
    const disguised = 'bidi\u202egnp.exe\u202c';
    const rows = buildRows({
      nodes: ['node1'],
      statuses: { node1: node('node1', { provisional: [disguised, 'zero\u200bwidth\ufeff', '\u2066iso'] }) },
      consumers: [{ key: 'k1', name: 'RTC\u200b', hasSecret: true }],
    });
    const keysFor = (filter: string) => filterRows(rows, filter, false).map((r) => r.key);
    expect(cellLabel(disguised, 'node1', 'provisional')).toBe('bidi⟨U+202E⟩gnp.exe⟨U+202C⟩ on node1: provisional');
    // What the admin reads, typed or pasted from the screen, finds the row.
    expect(keysFor('bidi⟨U+202E⟩gnp.exe')).toEqual([disguised]);
    expect(keysFor('u+202e')).toEqual([disguised]);
    expect(keysFor('zero⟨U+200B⟩width⟨U+FEFF⟩')).toEqual(['zero\u200bwidth\ufeff']);
    expect(keysFor('⟨U+2066⟩iso')).toEqual(['\u2066iso']);
    expect(keysFor('rtc⟨u+200b⟩')).toEqual(['k1']);
    // The key itself, pasted with its hidden characters, finds it too.
    expect(keysFor(disguised)).toEqual([disguised]);
    // What the disguise wanted the admin to read is not what is shown, so it finds nothing.
    expect(keysFor('bidiexe.png')).toEqual([]);
    expect(keysFor('zerowidth')).toEqual([]);
  });

  it('"only problems" keeps the rows with any cell not approved', () => {
    const s = source();
    s.nodes = ['node1', 'node2'];
    const m = new KeysMatrix(() => s);
    expect(m.problemCount).toBe(2);
    m.onlyProblems = true;
    expect(m.rows.map((r) => r.key).sort()).toEqual(['friend', 'gc']);
    m.filter = 'rtc';
    expect(m.rows).toEqual([]);
  });

  it('sorts by name, or by state worst first (then by name)', () => {
    const s = source();
    s.nodes = ['node1', 'node2', 'node3'];
    const m = new KeysMatrix(() => s);
    expect(m.rows.map((r) => r.name)).toEqual(['friend', 'Global Configuration', 'RTC']);
    m.sort = 'state';
    // rtc: missing on node3; friend: provisional; gc: not listed.
    expect(m.rows.map((r) => r.key)).toEqual(['rtc', 'friend', 'gc']);
  });

  it("rebuilds its rows from the cluster view when a node's status arrives, and keeps the filter", () => {
    const view = new ClusterView(fakeApi(), SUMMARY);
    view.definition = DEFINITION;
    view.nodes = { node2: node('node2', { provisional: ['friend'] }) };
    const m = keysMatrixOf(view);
    m.filter = 'friend';
    expect(m.columns).toEqual(['node1', 'node2', 'node3']);
    expect(m.stateOf('friend', 'node2')).toBe('provisional');
    expect(m.stateOf('k1', 'node1')).toBe('not-listed');
    // A node's status arrives as a new answer (the view's node answers are replaced whole, issue 23).
    view.nodes = { ...view.nodes, node2: node('node2', { approved: ['friend'] }) };
    flushSync();
    expect(m.stateOf('friend', 'node2')).toBe('approved');
    expect(m.rows.map((r) => r.key)).toEqual(['friend']);
  });

  it('names a cell `<key> on <node>: <state>` in the console words', () => {
    expect(cellLabel('k1', 'node2', 'unknown')).toBe('k1 on node2: missing');
    expect(cellLabel('k1', 'node2', 'not-listed')).toBe('k1 on node2: not listed');
    expect(cellLabel('k1', 'node1', 'tls-untrusted')).toBe('k1 on node1: untrusted certificate');
  });

  it('filters 10,000 × 64 in one pass well under a frame budget (sanity, not the benchmark)', () => {
    const nodes = Array.from({ length: 64 }, (_, i) => `node${i + 1}`);
    const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i.toString(36)}`);
    const statuses = Object.fromEntries(nodes.map((id) => [id, node(id, { approved: keys })]));
    const rows = buildRows({ nodes, statuses, consumers: [] });
    expect(rows).toHaveLength(10_000);
    expect(filterRows(rows, 'KEY-1', false).length).toBeGreaterThan(0);
  });
});

const TLS: TlsInfo = {
  subject: 'CN=node1.sandbox',
  issuer: 'CN=Sandbox CA',
  validFrom: '2026-01-01T00:00:00Z',
  validTo: '2027-01-01T00:00:00Z',
  fingerprint256: 'AA:BB',
  authorized: false,
};

describe('untrustedCertificate', () => {
  it('offers the certificate a node presented when its chain did not verify and no pin covers it', () => {
    expect(untrustedCertificate(node('node1', { tls: TLS }), [])).toMatchObject({
      fingerprint256: 'AA:BB',
      subject: 'CN=node1.sandbox',
    });
    expect(untrustedCertificate(node('node1', { tls: TLS }), ['AA:BB'])).toBeNull();
    expect(untrustedCertificate(node('node1', { tls: { ...TLS, authorized: true } }), [])).toBeNull();
  });

  it("reads a TLS_UNTRUSTED error's details when the node presented no TLS facts", () => {
    const error = {
      code: 'TLS_UNTRUSTED' as const,
      message: 'node1 presented a certificate that is not trusted',
      node: 'node1',
      details: { fingerprint256: 'CC:DD', subject: 'CN=x', issuer: 'CN=y', validFrom: 'a', validTo: 'b' },
    };
    expect(untrustedCertificate(node('node1', { up: false, error }), [])).toEqual({
      fingerprint256: 'CC:DD',
      subject: 'CN=x',
      issuer: 'CN=y',
      validFrom: 'a',
      validTo: 'b',
    });
    expect(untrustedCertificate(node('node1'), [], error)?.fingerprint256).toBe('CC:DD');
    expect(untrustedCertificate(node('node1'), [], { ...error, code: 'NODE_TIMEOUT' })).toBeNull();
  });
});

describe('KeyCell', () => {
  it('deletes the consumer through its node, then runs status', async () => {
    const calls: unknown[] = [];
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      deleteConsumer: async (arg: unknown) => {
        calls.push(arg);
        return { key: 'k1', node: 'node2' };
      },
      status: async () => ({ cluster: 'sb', kind: 'sandbox', checkedAt: '', nodes: [], drift: [], notices: [] }),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    const cell = new KeyCell(api, view, 'k1', 'node2');
    expect(cell.canDelete).toBe(true);
    expect(await cell.deleteConsumer()).toBe(true);
    expect(calls).toEqual([{ cluster: 'sb', key: 'k1', node: 'node2' }]);
    expect(view.runs).toBe(1);
    expect(cell.message).toBe(
      'Deleted k1 from the repository through node2. node1, node3 still accept it until they reload their registry: Sync all nodes.',
    );
  });

  it('pins the fingerprint only when asked, then reloads the definition and runs status', async () => {
    const pinned: unknown[] = [];
    const api = fakeApi({
      getCluster: async () => DEFINITION,
      trustCertificate: async (arg: unknown) => {
        pinned.push(arg);
        return { cluster: 'sb', pinned: ['AA:BB'] };
      },
      status: async () => ({ cluster: 'sb', kind: 'sandbox', checkedAt: '', nodes: [], drift: [], notices: [] }),
    });
    const view = new ClusterView(api, SUMMARY);
    await view.reloadDefinition();
    view.nodes = { node1: node('node1', { tls: TLS }) };
    const cell = new KeyCell(api, view, 'k1', 'node1');
    expect(cell.certificate?.fingerprint256).toBe('AA:BB');
    expect(pinned).toEqual([]);
    expect(await cell.trust('AA:BB')).toBe(true);
    expect(pinned).toEqual([{ cluster: 'sb', fingerprint256: 'AA:BB', node: 'node1' }]);
    expect(api.getCluster).toHaveBeenCalledTimes(2);
    expect(view.runs).toBe(1);
  });

  it('offers no delete for kinds without a delete API', () => {
    const view = new ClusterView(fakeApi(), { ...SUMMARY, kind: 'clearquest' });
    expect(new KeyCell(fakeApi(), view, 'k1', 'node1').canDelete).toBe(false);
  });
});
