/** The keys matrix state: rows from the nodes' lists and the tracked keys, filter, only problems, sort; a cell's fixes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import {
  KeyCell,
  KeysMatrix,
  SEVERITY,
  buildRows,
  cellLabel,
  filterRows,
  keysMatrixOf,
  nearOrder,
  sortRows,
  untrustedCertificate,
} from '../../renderer/lib/keys-matrix.svelte.ts';
import type { CellState, MatrixRow, MatrixSource } from '../../renderer/lib/keys-matrix.svelte.ts';
import { ClusterView } from '../../renderer/lib/cluster-view.svelte.ts';
import { shown } from '../../renderer/lib/words.ts';
import { CONSUMER_STATES } from '../../shared/model.ts';
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

/**
 * The matrix's rule written the plain way (a key → state map per node, every cell of every row
 * computed, as buildRows did before its cells became bytes): buildRows must agree with it.
 */
function plainRows(source: MatrixSource) {
  const { nodes, statuses, consumers } = source;
  const names = new Map<string, string>();
  const order: string[] = [];
  const add = (key: string) => {
    if (!order.includes(key)) order.push(key);
  };
  for (const c of consumers) {
    names.set(c.key, c.name);
    add(c.key);
  }
  const columns = nodes.map((id) => {
    const status = statuses[id];
    const states = new Map<string, CellState>();
    if (!status) return { states, fallback: 'not-listed' as CellState };
    for (const key of status.approved ?? []) {
      states.set(key, 'approved');
      add(key);
    }
    for (const key of status.provisional ?? []) {
      states.set(key, 'provisional');
      add(key);
    }
    for (const c of status.consumers) states.set(c.key, c.state);
    const fallback: CellState = status.up
      ? 'not-listed'
      : status.error?.code === 'TLS_UNTRUSTED'
        ? 'tls-untrusted'
        : 'down';
    return { states, fallback };
  });
  for (const d of source.drift ?? []) {
    for (const node of d.missingOn) {
      const col = columns[nodes.indexOf(node)];
      if (col && !col.states.has(d.key)) col.states.set(d.key, 'unknown');
    }
  }
  return order.map((key) => {
    const waiting = source.pending !== undefined && Object.hasOwn(source.pending, key);
    const deletedOn =
      source.deleted !== undefined && Object.hasOwn(source.deleted, key) ? source.deleted[key] : undefined;
    const cells = columns.map((col, c) => {
      let state = col.states.get(key) ?? col.fallback;
      if (waiting && (state === 'unknown' || state === 'not-listed' || state === 'no-secret')) state = 'handoff';
      if (deletedOn === nodes[c] && state !== 'down') state = 'deleted';
      return state;
    });
    const worstRank = Math.min(SEVERITY.indexOf('approved'), ...cells.map((s) => SEVERITY.indexOf(s)));
    const name = names.get(key) ?? key;
    return {
      key,
      name,
      tracked: names.has(key),
      cells,
      worst: SEVERITY[worstRank],
      worstRank,
      search: `${shown(name)}\n${shown(key)}`.toLowerCase(),
    };
  });
}

const seen = (row: MatrixRow) => ({
  key: row.key,
  name: row.name,
  tracked: row.tracked,
  cells: [...row.cells],
  worst: row.worst,
  worstRank: row.worstRank,
  search: row.search,
});

describe('buildRows, any source', () => {
  const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'Zed', 'a\u202eb', 'constructor'];
  const NODES = ['node1', 'node2', 'node3', 'node4', 'node5'];
  // Lists in one shared order (as nodes of one repository list them) or in any order, with repeats.
  const list = fc.oneof(fc.subarray(KEYS), fc.array(fc.constantFrom(...KEYS), { maxLength: 14 }));
  const status = (id: string) =>
    fc
      .record({
        up: fc.boolean(),
        untrusted: fc.boolean(),
        approved: fc.option(list, { nil: null }),
        provisional: fc.option(list, { nil: null }),
        consumers: fc.array(
          fc.record({ key: fc.constantFrom(...KEYS, 'probed-only'), state: fc.constantFrom(...CONSUMER_STATES) }),
          {
            maxLength: 6,
          },
        ),
      })
      .map(({ up, untrusted, approved, provisional, consumers }): NodeStatus =>
        node(id, {
          up,
          approved,
          provisional,
          consumers: consumers.map((c) => ({ ...c, problem: null })),
          error: up ? null : { code: untrusted ? 'TLS_UNTRUSTED' : 'NODE_TIMEOUT', message: 'x' },
        }),
      );
  const anySource: fc.Arbitrary<MatrixSource> = fc.record({
    nodes: fc.array(fc.constantFrom(...NODES), { maxLength: 6 }),
    statuses: fc.record(Object.fromEntries(NODES.map((id) => [id, status(id)])), { requiredKeys: [] }),
    consumers: fc.array(
      fc.record({
        key: fc.constantFrom(...KEYS),
        name: fc.constantFrom('RTC', 'rtc', 'Zed\u200b', 'Global'),
        hasSecret: fc.boolean(),
      }),
      { maxLength: 8 },
    ),
    drift: fc.array(
      fc.record({
        key: fc.constantFrom(...KEYS, 'gone'),
        missingOn: fc.array(fc.constantFrom(...NODES, 'node9')),
        message: fc.constant(''),
      }),
      { maxLength: 4 },
    ),
    pending: fc.dictionary(fc.constantFrom(...KEYS), fc.constant({}), { maxKeys: 3 }),
    deleted: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...NODES)),
  });

  it('agrees with the plain rule: the same rows, in the same order, cell by cell', () => {
    fc.assert(
      fc.property(anySource, (s) => {
        expect(buildRows(s).map(seen)).toEqual(plainRows(s));
      }),
      { numRuns: 500 },
    );
  });

  it("makes a row's cells once, when first read", () => {
    const rows = buildRows(source());
    const first = rows[0]!.cells;
    expect(rows[0]!.cells).toBe(first);
    expect(first).toEqual(['approved', 'approved', 'unknown', 'down']);
  });

  it('keeps every row of 20,000 keys listed by 16 nodes, each node in its own order', () => {
    const nodes = Array.from({ length: 16 }, (_, i) => `node${i + 1}`);
    const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
    // Each node lists the keys in its own rotation, and node7 lacks every 1,000th key.
    const statuses = Object.fromEntries(
      nodes.map((id, n) => [
        id,
        node(id, {
          approved: [...keys.slice(n * 1300), ...keys.slice(0, n * 1300)].filter(
            (_, i) => id !== 'node7' || i % 1000 !== 0,
          ),
        }),
      ]),
    );
    const rows = buildRows({ nodes, statuses, consumers: [] });
    expect(rows).toHaveLength(20_000);
    expect(new Set(rows.map((r) => r.key)).size).toBe(20_000);
    const missing = rows.filter((r) => r.worst === 'not-listed').map((r) => r.key);
    expect(missing).toHaveLength(20);
    const row = rows.find((r) => r.key === missing[0])!;
    expect(row.cells.filter((c) => c === 'not-listed')).toEqual(['not-listed']);
    expect(row.cells.indexOf('not-listed')).toBe(6);
    expect(rows[1]!.cells).toEqual(Array(16).fill('approved'));
  });

  it('takes only the keys a pending or deleted record holds, not the names of Object methods', () => {
    const s = source();
    s.consumers = [...s.consumers, { key: 'constructor', name: 'constructor', hasSecret: false }];
    s.pending = {};
    s.deleted = {};
    expect(buildRows(s).find((r) => r.key === 'constructor')!.cells).toEqual([
      'not-listed',
      'not-listed',
      'not-listed',
      'down',
    ]);
  });
});

describe('sortRows', () => {
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const byName = (a: MatrixRow, b: MatrixRow) => collator.compare(a.name, b.name) || collator.compare(a.key, b.key);
  const piece = fc.constantFrom(
    'a',
    'B',
    'é',
    'E',
    'z',
    '10',
    '9',
    '007',
    '7',
    ' ',
    '-',
    '_',
    'Consumer ',
    '\u200b',
    'Ω',
  );
  const text = fc.array(piece, { maxLength: 5 }).map((p) => p.join(''));
  const rows = fc.array(
    fc.record({ key: text, name: text, worstRank: fc.integer({ min: 0, max: SEVERITY.length - 1 }) }),
    {
      maxLength: 60,
    },
  );
  const asRows = (rs: { key: string; name: string; worstRank: number }[]): MatrixRow[] =>
    rs.map((r) => ({ ...r, tracked: true, cells: [], worst: SEVERITY[r.worstRank]!, search: '' }));

  it("orders as the collator does, ties in the order given, whatever the rows' order", () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const given = asRows(rs);
        expect(sortRows(given, 'name')).toEqual(given.slice().sort(byName));
        expect(sortRows(given, 'state')).toEqual(
          given.slice().sort((a, b) => a.worstRank - b.worstRank || byName(a, b)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('keeps rows the collator finds equal in the order given, even where their near keys differ', () => {
    const given = asRows([
      { key: 'k', name: 'é', worstRank: 1 },
      { key: 'K', name: 'e', worstRank: 1 },
      { key: 'x', name: 'a', worstRank: 1 },
    ]);
    expect(sortRows(given, 'name').map((r) => r.key)).toEqual(['x', 'k', 'K']);
    expect(sortRows(given.slice().reverse(), 'state').map((r) => r.key)).toEqual(['x', 'K', 'k']);
  });

  it('sorts 5,000 shuffled names as the collator does', () => {
    const given = asRows(
      Array.from({ length: 5000 }, (_, i) => ({
        key: `k${i}`,
        name: `Consumer ${(i * 7919) % 5000} ${['RTC', 'rqm', 'DNG'][i % 3]}${i % 7 === 0 ? ' é' : ''}`,
        worstRank: i % SEVERITY.length,
      })),
    );
    const sorted = sortRows(given, 'name');
    expect(sorted).toEqual(given.slice().sort(byName));
    expect(sorted.slice(0, 4).map((r) => r.name.split(' ')[1])).toEqual(['0', '1', '2', '3']);
  });

  it('puts names in a near order: lower case, the digits after the first part by value, ties by index', () => {
    const names = ['Consumer 10 b', 'consumer 9', 'Beta', 'alpha', 'Consumer 10 a', '7 up', 'consumer 0100'];
    expect(nearOrder(names).map((i) => names[i])).toEqual([
      '7 up',
      'alpha',
      'Beta',
      'consumer 9',
      'Consumer 10 b',
      'Consumer 10 a',
      'consumer 0100',
    ]);
    expect(nearOrder([])).toEqual([]);
    fc.assert(
      fc.property(fc.array(text, { maxLength: 40 }), (ns) => {
        expect(nearOrder(ns).sort((a, b) => a - b)).toEqual(Array.from(ns.keys()));
      }),
    );
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
