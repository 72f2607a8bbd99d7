/**
 * The keys matrix (issue 9 "Keys matrix"): consumers × nodes. A row for every key that any node
 * lists (its list API's provisional and approved keys) plus every tracked key; a column per node;
 * each cell the key's state on that node. Built once per status (lower-case search strings and each
 * row's worst state precomputed, the cells a byte each) so that a filter keystroke at 50,000 × 64 is
 * one pass over strings; a row's cells become words only when the grid shows the row.
 */
import type { Api } from '../../shared/contract.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type {
  ClusterKind,
  ConsumerState,
  Drift,
  NodeStatus,
  ProbeResult,
  TrackedConsumer,
} from '../../shared/model.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { refreshesRegistry } from '../../shared/provider-words.ts';
import { Task } from './task.svelte.ts';
import type { StateWord } from './words.ts';
import { STATE_WORDS, isUntrustedError, shown } from './words.ts';
import { hasControlCharacters } from '../../shared/network-text.ts';

/** A cell: the key's state on the node, or `not-listed` when the node neither lists nor was asked about it. */
export type CellState = ConsumerState | 'not-listed' | 'handoff' | 'deleted';

export const CELL_WORDS: Record<CellState, StateWord> = {
  ...STATE_WORDS,
  handoff: {
    word: 'waiting for you',
    meaning: "a by-hand step on the node's own page is pending (its dialog says which node): then re-probe",
    tone: 'wait',
  },
  deleted: {
    word: 'deleted',
    meaning: 'deleted from the repository through this node; other nodes keep it until they reload their registry',
    tone: 'unknown',
  },
  'not-listed': {
    word: 'not listed',
    meaning: 'this node does not list this key and was not probed for it',
    tone: 'unknown',
  },
};

/** Worst first: the order of "sort by state" and what decides a row's worst cell. */
export const SEVERITY: readonly CellState[] = [
  'error',
  'down',
  'tls-untrusted',
  'bad-secret',
  'clock-skew',
  'unknown',
  'provisional',
  'handoff',
  'no-secret',
  'deleted',
  'not-listed',
  'approved',
];
const RANK = new Map<CellState, number>(SEVERITY.map((s, i) => [s, i]));
const APPROVED_RANK = RANK.get('approved')!;

export interface MatrixRow {
  key: string;
  /** The tracked name, or the key itself when the key is not tracked. */
  name: string;
  tracked: boolean;
  /** One state per column, in column order (made when first read: only the rows in view are). */
  readonly cells: CellState[];
  /** The worst cell's state. */
  worst: CellState;
  /** Rank of the worst cell in {@link SEVERITY} (0 = worst). */
  worstRank: number;
  /** `name\nkey` as the console shows them (words.ts `shown`), lower-case: the filter finds what is seen. */
  search: string;
}

export type MatrixSort = 'name' | 'state';

/** What the matrix is built from: the node ids in column order, their latest status, the tracked keys. */
export interface MatrixSource {
  nodes: readonly string[];
  statuses: Readonly<Record<string, NodeStatus | undefined>>;
  consumers: readonly TrackedConsumer[];
  drift?: readonly Drift[];
  /** Keys waiting for a by-hand step (register or approve on a node's own page). */
  pending?: Readonly<Record<string, unknown>>;
  /** Keys deleted from the repository in this window, with the node they went through. */
  deleted?: Readonly<Record<string, string>>;
}

/**
 * A cell as one byte: its rank in {@link SEVERITY} plus one, 0 while nothing has said anything about
 * it yet. One byte array per column: 50,000 × 64 cells are 3.2 MB and no object each.
 */
const NOTHING = 0;
const codeOf = (state: CellState): number => RANK.get(state)! + 1;
const stateOf = (code: number): CellState => SEVERITY[code - 1]!;
const APPROVED = codeOf('approved');
const PROVISIONAL = codeOf('provisional');
const UNKNOWN = codeOf('unknown');
const NOT_LISTED = codeOf('not-listed');
const NO_SECRET = codeOf('no-secret');
const DOWN = codeOf('down');
const HANDOFF = codeOf('handoff');
const DELETED = codeOf('deleted');

/** A row of {@link buildRows}: its cells are read out of the column bytes the first time they are asked for. */
class Row implements MatrixRow {
  #cells: CellState[] | undefined;
  readonly #columns: readonly Uint8Array[];
  readonly #at: number;

  constructor(
    readonly key: string,
    readonly name: string,
    readonly tracked: boolean,
    readonly worstRank: number,
    readonly search: string,
    columns: readonly Uint8Array[],
    at: number,
  ) {
    this.#columns = columns;
    this.#at = at;
  }

  get worst(): CellState {
    return SEVERITY[this.worstRank]!;
  }

  get cells(): CellState[] {
    if (this.#cells === undefined) {
      const cells: CellState[] = new Array(this.#columns.length);
      for (let c = 0; c < cells.length; c++) cells[c] = stateOf(this.#columns[c]![this.#at]!);
      this.#cells = cells;
    }
    return this.#cells;
  }
}

/**
 * Every row of the matrix. A probe's answer (the node's `consumers`) wins; else the node's lists;
 * else the drift's "missing here"; else a down node is `down` (or `tls-untrusted` when it was
 * refused for its certificate) and one that answered `not-listed`. A pending by-hand step turns a
 * missing, unlisted or secret-less cell into `handoff`; a delete through a node makes its cell `deleted`.
 */
/* eslint-disable svelte/prefer-svelte-reactivity -- scratch maps of a pure function, never state */
export function buildRows(source: MatrixSource): MatrixRow[] {
  const { nodes, statuses, consumers } = source;
  const keys = new Keys(consumers);

  // The lists first (they add rows), each column with room for every row there can be by then.
  let columns = nodes.map((id) => {
    const status = statuses[id];
    const approved = status?.approved ?? [];
    const provisional = status?.provisional ?? [];
    const column = new Uint8Array(keys.order.length + approved.length + provisional.length);
    keys.mark(approved, column, APPROVED, true);
    keys.mark(provisional, column, PROVISIONAL, true);
    return column;
  });
  const rows = keys.order.length;
  columns = columns.map((column) => {
    if (column.length >= rows) return column.subarray(0, rows);
    // A node listed before the nodes that added rows: room for those rows too.
    const sized = new Uint8Array(rows);
    sized.set(column);
    return sized;
  });
  // Then the probes' answers, over the lists (a key only a probe knows has no row).
  nodes.forEach((id, c) => {
    for (const { key, state } of statuses[id]?.consumers ?? []) {
      const r = keys.rowOf(key);
      if (r !== undefined) columns[c]![r] = codeOf(state);
    }
  });
  for (const d of source.drift ?? []) {
    const r = keys.rowOf(d.key);
    if (r === undefined) continue;
    for (const node of d.missingOn) {
      const column = columns[nodes.indexOf(node)];
      if (column && column[r] === NOTHING) column[r] = UNKNOWN;
    }
  }

  // What is left is the node's default; each row keeps its worst cell on the way.
  const worst = new Uint8Array(rows).fill(APPROVED);
  nodes.forEach((id, c) => {
    const status = statuses[id];
    // A node refused for its certificate answered: its cells say "untrusted certificate", not "down".
    const fallback =
      !status || status.up ? NOT_LISTED : isUntrustedError(status.error) ? codeOf('tls-untrusted') : DOWN;
    const column = columns[c]!;
    for (let r = 0; r < rows; r++) {
      let code = column[r]!;
      if (code === NOTHING) column[r] = code = fallback;
      if (code < worst[r]!) worst[r] = code;
    }
  });

  // The few keys waiting for a by-hand step or deleted in this window, a cell at a time. Their own
  // keys only: a key named like an Object method is not waiting.
  const touched = new Set<number>();
  for (const key of Object.keys(source.pending ?? {})) {
    const r = keys.rowOf(key);
    if (r === undefined) continue;
    touched.add(r);
    for (const column of columns) {
      const code = column[r]!;
      if (code === UNKNOWN || code === NOT_LISTED || code === NO_SECRET) column[r] = HANDOFF;
    }
  }
  for (const [key, node] of Object.entries(source.deleted ?? {})) {
    const r = keys.rowOf(key);
    if (r === undefined) continue;
    touched.add(r);
    nodes.forEach((id, c) => {
      if (id === node && columns[c]![r] !== DOWN) columns[c]![r] = DELETED;
    });
  }
  for (const r of touched) {
    let code = APPROVED;
    for (const column of columns) if (column[r]! < code) code = column[r]!;
    worst[r] = code;
  }

  const out: MatrixRow[] = new Array(rows);
  const { order, names } = keys;
  for (let r = 0; r < rows; r++) {
    const key = order[r]!;
    const name = (r < names.length ? names[r] : undefined) ?? key;
    // Most keys and names have no hidden character: then they are shown as they are.
    const search = (
      hasControlCharacters(name) || hasControlCharacters(key) ? `${shown(name)}\n${shown(key)}` : `${name}\n${key}`
    ).toLowerCase();
    out[r] = new Row(key, name, r < names.length, worst[r]! - 1, search, columns, r);
  }
  return out;
}

/** The rows' keys in row order (the tracked keys first, with their names), and the row of a key. */
class Keys {
  readonly order: string[];
  /** The tracked keys' names, by row. */
  readonly names: string[];
  readonly #rows = new Map<string, number>();

  constructor(consumers: readonly TrackedConsumer[]) {
    const rows = this.#rows;
    for (let i = 0; i < consumers.length; i++) rows.set(consumers[i]!.key, i);
    if (rows.size === consumers.length) {
      this.order = consumers.map((c) => c.key);
      this.names = consumers.map((c) => c.name);
      return;
    }
    // A key tracked twice: one row, at its first place, with its last name.
    rows.clear();
    this.order = [];
    this.names = [];
    for (const { key, name } of consumers) {
      const r = rows.get(key);
      if (r !== undefined) this.names[r] = name;
      else {
        rows.set(key, this.order.length);
        this.order.push(key);
        this.names.push(name);
      }
    }
  }

  rowOf(key: string): number | undefined {
    return this.#rows.get(key);
  }

  /**
   * Sets `code` in `column` for each key of `list`, adding a row for a key not seen yet when `add`.
   * Most entries cost one string comparison: the row after the one the previous entry found is
   * tried first (the nodes of a cluster share one repository and list its keys in the same order),
   * the key → row map only when that guess misses.
   */
  mark(list: readonly string[], column: Uint8Array, code: number, add: boolean): void {
    const { order } = this;
    const rows = this.#rows;
    let next = 0;
    for (let i = 0; i < list.length; i++) {
      const key = list[i]!;
      let r = next;
      if (order[r] !== key) {
        const found = rows.get(key);
        if (found !== undefined) r = found;
        else if (add) {
          r = order.length;
          rows.set(key, r);
          order.push(key);
        } else continue;
      }
      column[r] = code;
      next = r + 1;
    }
  }
}
/* eslint-enable svelte/prefer-svelte-reactivity */

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const byName = (a: MatrixRow, b: MatrixRow) => collator.compare(a.name, b.name) || collator.compare(a.key, b.key);

const FIRST_DIGIT = /[0-9]/;

/**
 * The indices of `names` in a near order of the collator's, without calling back into script:
 * each name lower-cased and cut at its first digit, the rank of that head among all the heads
 * (plain string order), then the value of the digits that follow it ("9" before "10"), then the
 * index, packed into one exact integer per name and sorted as numbers.
 */
export function nearOrder(names: readonly string[]): number[] {
  const n = names.length;
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  // The head's rank and the index take indexBits each; the digits' value what is left of 53 bits.
  const numberBits = 53 - 2 * indexBits;
  if (numberBits < 8) return Array.from(names.keys());
  const largest = 2 ** numberBits - 1;
  const heads: string[] = new Array(n);
  const numbers = new Float64Array(n);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a scratch map of a pure function, never state
  const ranks = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const lower = names[i]!.toLowerCase();
    const at = lower.search(FIRST_DIGIT);
    heads[i] = at < 0 ? lower : lower.slice(0, at);
    ranks.set(heads[i]!, 0);
    let value = 0;
    for (let k = at; k >= 0 && k < lower.length && value < largest; k++) {
      const c = lower.charCodeAt(k) - 0x30;
      if (c < 0 || c > 9) break;
      value = Math.min(value * 10 + c, largest);
    }
    numbers[i] = value;
  }
  [...ranks.keys()].sort().forEach((head, rank) => ranks.set(head, rank));
  const indexScale = 2 ** indexBits;
  const numberScale = 2 ** numberBits;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (ranks.get(heads[i]!)! * numberScale + numbers[i]!) * indexScale + i;
  packed.sort();
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) order[i] = packed[i]! % indexScale;
  return order;
}

/**
 * The rows by name, then key, in the collator's order (ties in the order given). The collator's
 * compare is slow: sorting 50,000 shuffled names with it took longer than all the rest of the first
 * render. Rows already in order (keys tracked in name order) cost one comparison each; others are
 * put in {@link nearOrder} first, then sorted by the collator: on rows nearly in order that is
 * about one comparison per row, and any row the near order got wrong still ends in its place.
 */
function nameOrder(rows: readonly MatrixRow[]): MatrixRow[] {
  let inOrder = true;
  for (let i = 1; i < rows.length && inOrder; i++) inOrder = byName(rows[i - 1]!, rows[i]!) <= 0;
  if (inOrder) return rows.slice();
  const order = nearOrder(rows.map((r) => r.name));
  order.sort((i, j) => byName(rows[i]!, rows[j]!) || i - j);
  return order.map((i) => rows[i]!);
}

/** Worst first, the rows of one state in the order given: one pass, no comparison. */
function rankOrder(rows: readonly MatrixRow[]): MatrixRow[] {
  const ranks: MatrixRow[][] = SEVERITY.map(() => []);
  for (const row of rows) ranks[row.worstRank]!.push(row);
  return ranks.flat();
}

/** The rows by name (then key), or by state worst first (then by name); ties in the order given. */
export function sortRows(rows: readonly MatrixRow[], sort: MatrixSort): MatrixRow[] {
  const byNames = nameOrder(rows);
  return sort === 'name' ? byNames : rankOrder(byNames);
}

/** One pass: rows whose name or key, as shown, contains `filter` (any case), and only problems when asked. */
export function filterRows(rows: readonly MatrixRow[], filter: string, onlyProblems: boolean): MatrixRow[] {
  // A pasted key with hidden characters matches too: the needle is spelled as the rows are shown.
  const needle = shown(filter.trim()).toLowerCase();
  if (!needle && !onlyProblems) return rows as MatrixRow[];
  const out: MatrixRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (onlyProblems && row.worstRank === APPROVED_RANK) continue;
    if (needle && !row.search.includes(needle)) continue;
    out.push(row);
  }
  return out;
}

/** The accessible name of a cell: `<key> on <node>: <state>`, in the console's words. */
export function cellLabel(key: string, node: string, state: CellState): string {
  return `${shown(key)} on ${node}: ${CELL_WORDS[state].word}`;
}

/** A cell the admin opened: that key on that node. */
export interface OpenCell {
  key: string;
  node: string;
}

export class KeysMatrix {
  filter = $state('');
  onlyProblems = $state(false);
  sort = $state<MatrixSort>('name');
  open = $state<OpenCell | null>(null);

  /** Node ids, in column order. */
  readonly columns: readonly string[] = $derived.by(() => this.source().nodes);
  /** Every row, rebuilt only when a status (or the tracked keys) changes. */
  readonly allRows: MatrixRow[] = $derived.by(() => buildRows(this.source()));
  /** By name, kept when the admin sorts by state (which only groups these by their worst state). */
  readonly #byName: MatrixRow[] = $derived(nameOrder(this.allRows));
  readonly sorted: MatrixRow[] = $derived(this.sort === 'name' ? this.#byName : rankOrder(this.#byName));
  /** What is shown: sorted, then filtered (a keystroke re-runs only this). */
  readonly rows: MatrixRow[] = $derived(filterRows(this.sorted, this.filter, this.onlyProblems));
  readonly problemCount: number = $derived(this.allRows.filter((r) => r.worstRank !== APPROVED_RANK).length);

  private readonly source: () => MatrixSource;

  constructor(source: () => MatrixSource) {
    this.source = source;
  }

  /** The state of `key` on `node` as the matrix shows it now. */
  stateOf(key: string, node: string): CellState | null {
    const col = this.columns.indexOf(node);
    const row = this.allRows.find((r) => r.key === key);
    return row && col >= 0 ? (row.cells[col] ?? null) : null;
  }

  openCell(key: string, node: string): void {
    this.open = { key, node };
  }

  close(): void {
    this.open = null;
  }
}

/** The facts of a certificate a node presented, as the Trust certificate dialog shows them. */
export interface PresentedCertificate {
  subject: string | null;
  issuer: string | null;
  validFrom: string | null;
  validTo: string | null;
  fingerprint256: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * The certificate a node presented that is not trusted yet: its TLS facts when the chain did not
 * verify and no pin covers it, or the details of a TLS_UNTRUSTED error. Null when there is nothing to trust.
 */
export function untrustedCertificate(
  status: NodeStatus | null | undefined,
  pinned: readonly string[],
  ...errors: (ErrorInfo | null | undefined)[]
): PresentedCertificate | null {
  const tls = status?.tls;
  if (tls && !tls.authorized && !pinned.includes(tls.fingerprint256)) {
    const { subject, issuer, validFrom, validTo, fingerprint256 } = tls;
    return { subject, issuer, validFrom, validTo, fingerprint256 };
  }
  for (const e of [status?.error, ...errors]) {
    const d = e?.code === 'TLS_UNTRUSTED' ? e.details : undefined;
    const fingerprint256 = text(d?.fingerprint256);
    if (!d || !fingerprint256 || pinned.includes(fingerprint256)) continue;
    return {
      subject: text(d.subject),
      issuer: text(d.issuer),
      validFrom: text(d.validFrom),
      validTo: text(d.validTo),
      fingerprint256,
    };
  }
  return null;
}

/** The kinds whose provider has an API to delete a consumer (ClearQuest and Jazz do it in their own admin pages). */
export const DELETE_KINDS: readonly ClusterKind[] = ['sandbox', 'lyo'];

/** What the admin can do about one key on one node: its probe evidence, delete, trust the node's certificate. */
export class KeyCell {
  probe = $state<ProbeResult | null>(null);
  /** Set after an action succeeded, for the panel's live line. */
  message = $state<string | null>(null);
  readonly probeTask = new Task();
  readonly deleteTask = new Task();
  readonly trustTask = new Task();
  readonly status: NodeStatus | null = $derived.by(() => this.view.nodes[this.node] ?? null);
  readonly certificate: PresentedCertificate | null = $derived.by(() =>
    untrustedCertificate(this.status, this.view.definition?.pinnedFingerprints ?? [], this.probe?.error),
  );
  readonly canDelete: boolean = $derived.by(() => DELETE_KINDS.includes(this.view.summary.kind));
  readonly key: string;
  readonly node: string;
  private readonly api: Api;
  private readonly view: ClusterView;

  constructor(api: Api, view: ClusterView, key: string, node: string) {
    this.api = api;
    this.view = view;
    this.key = key;
    this.node = node;
  }

  /** One signed request-token call straight to the node (the evidence). */
  async runProbe(): Promise<void> {
    const result = await this.probeTask.run(() =>
      this.api.probeNode({ cluster: this.view.name, node: this.node, key: this.key }),
    );
    if (result) this.probe = result;
  }

  /** Removes the consumer from the repository through this node (after the admin confirmed); then status. */
  async deleteConsumer(): Promise<boolean> {
    const done = await this.deleteTask.run(() =>
      this.api.deleteConsumer({ cluster: this.view.name, key: this.key, node: this.node }),
    );
    if (!done) return false;
    const others = (this.view.definition?.nodes ?? []).map((n) => n.id).filter((id) => id !== done.node);
    this.message =
      `Deleted ${done.key} from the repository through ${done.node}${done.untracked ? ' and stopped tracking it' : ''}.` +
      (others.length
        ? ` ${others.join(', ')} still accept it until they reload their registry: ${refreshesRegistry(this.view.summary.kind) ? 'Sync all nodes' : 'restart them'}.`
        : '');
    this.view.applyDelete(done.key, done.node);
    await this.view.reloadDefinition();
    await this.view.refresh();
    return true;
  }

  /** Pins the fingerprint the node presented (after the admin confirmed); then status. */
  async trust(fingerprint256: string): Promise<boolean> {
    const done = await this.trustTask.run(() =>
      this.api.trustCertificate({ cluster: this.view.name, fingerprint256, node: this.node }),
    );
    if (!done) return false;
    this.message = `Trusted the certificate of ${this.node} (SHA-256 ${fingerprint256}).`;
    await this.view.reloadDefinition();
    await this.view.refresh();
    // The evidence shown was taken before the pin: take it again.
    if (this.probe) await this.runProbe();
    return true;
  }
}

/** The matrix of one cluster, fed from its one state (made by the cluster's session, outside any view). */
export function keysMatrixOf(view: ClusterView): KeysMatrix {
  return new KeysMatrix(() => ({
    nodes: view.definition?.nodes.map((n) => n.id) ?? [],
    statuses: view.nodes,
    consumers: view.definition?.consumers ?? [],
    drift: view.shown?.drift ?? [],
    pending: view.pending,
    deleted: view.deleted,
  }));
}
