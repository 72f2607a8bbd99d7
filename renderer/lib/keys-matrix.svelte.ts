/**
 * The keys matrix (issue 9 "Keys matrix"): consumers × nodes. A row for every key that any node
 * lists (its list API's provisional and approved keys) plus every tracked key; a column per node;
 * each cell the key's state on that node. Built once per status (lower-case search strings and each
 * row's worst state precomputed) so that a filter keystroke at 10,000 × 64 is one pass over strings.
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
  /** One state per column, in column order. */
  cells: CellState[];
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
 * Every row of the matrix. A probe's answer (the node's `consumers`) wins; else a down node is
 * `down` (or `tls-untrusted` when it was refused for its certificate); else the node's lists; else the drift's "missing here"; else `not-listed`.
 */
/* eslint-disable svelte/prefer-svelte-reactivity -- scratch maps of a pure function, never state */
export function buildRows(source: MatrixSource): MatrixRow[] {
  const { nodes, statuses, consumers } = source;
  const names = new Map<string, string>();
  const order: string[] = [];
  const seen = new Set<string>();
  const add = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    order.push(key);
  };
  for (const c of consumers) {
    names.set(c.key, c.name);
    add(c.key);
  }
  // Per column: the key → state it tells, gathered once so each cell is one map lookup.
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
    // A node refused for its certificate answered: its cells say "untrusted certificate", not "down".
    const fallback: CellState = status.up ? 'not-listed' : isUntrustedError(status.error) ? 'tls-untrusted' : 'down';
    return { states, fallback };
  });
  for (const d of source.drift ?? []) {
    for (const node of d.missingOn) {
      const col = columns[nodes.indexOf(node)];
      if (col && !col.states.has(d.key)) col.states.set(d.key, 'unknown');
    }
  }
  const rows: MatrixRow[] = new Array(order.length);
  for (let r = 0; r < order.length; r++) {
    const key = order[r]!;
    const cells: CellState[] = new Array(columns.length);
    let worstRank = APPROVED_RANK;
    const waiting = source.pending !== undefined && key in source.pending;
    const deletedOn = source.deleted?.[key];
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      let state = col.states.get(key) ?? col.fallback;
      if (waiting && (state === 'unknown' || state === 'not-listed' || state === 'no-secret')) state = 'handoff';
      if (deletedOn === nodes[c] && state !== 'down') state = 'deleted';
      cells[c] = state;
      const rank = RANK.get(state)!;
      if (rank < worstRank) worstRank = rank;
    }
    const name = names.get(key) ?? key;
    rows[r] = {
      key,
      name,
      tracked: names.has(key),
      cells,
      worst: SEVERITY[worstRank]!,
      worstRank,
      search: `${shown(name)}\n${shown(key)}`.toLowerCase(),
    };
  }
  return rows;
}
/* eslint-enable svelte/prefer-svelte-reactivity */

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const byName = (a: MatrixRow, b: MatrixRow) => collator.compare(a.name, b.name) || collator.compare(a.key, b.key);

export function sortRows(rows: readonly MatrixRow[], sort: MatrixSort): MatrixRow[] {
  const sorted = rows.slice();
  if (sort === 'name') sorted.sort(byName);
  else sorted.sort((a, b) => a.worstRank - b.worstRank || byName(a, b));
  return sorted;
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
  readonly sorted: MatrixRow[] = $derived(sortRows(this.allRows, this.sort));
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
