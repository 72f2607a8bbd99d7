/**
 * The add / edit cluster form: one state class behind renderer/components/cluster-form.svelte. The
 * engine validates (shared/schema.ts clusterInputSchema); its BAD_INPUT error names the field
 * (`details.field`, and `a.b.c: message` parts in the message), and this class puts each message next
 * to the input it is about. Anything it cannot place is a form error.
 */
import type { Api } from '../../shared/contract.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ClusterDefinition, ClusterKind } from '../../shared/model.ts';
import { CLUSTER_KINDS, DEFAULT_TIMEOUTS } from '../../shared/model.ts';
import type { ClusterInput } from '../../shared/schema.ts';
import { Task } from './task.svelte.ts';

export const KIND_WORDS: Record<ClusterKind, string> = {
  sandbox: 'Sandbox (embedded test cluster)',
  clearquest: 'IBM ClearQuest (CQ Web)',
  jazz: 'IBM Jazz (RTC, Jazz Team Server)',
  lyo: 'Eclipse Lyo provider',
};
export { CLUSTER_KINDS };

/** The kinds that ask for a ClearQuest schema repository and user database. */
export function asksForRepository(kind: ClusterKind): boolean {
  return kind === 'clearquest' || kind === 'sandbox';
}

export interface NodeRow {
  /** Stable across adds and removes, for keyed lists and input ids. */
  readonly row: number;
  id: string;
  url: string;
  /** The label of a loaded node, kept while its URL is unchanged (it names the host). */
  label: string | null;
  loadedUrl: string | null;
}

/** One message placed on one field path (`name`, `nodes.1.url`, `timeouts.connectMs`…). */
export interface FieldProblem {
  field: string;
  message: string;
}

const PART = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): (.+)$/s;

/**
 * Splits a coded error into the field problems it names: the `field: message` parts of the message
 * (after an `Invalid cluster:` lead-in), else `details.field` with the whole message. Returns an
 * empty list when the error names no field.
 */
export function fieldProblems(error: ErrorInfo): FieldProblem[] {
  if (error.code === 'CLUSTER_EXISTS') return [{ field: 'name', message: error.message }];
  if (error.code !== 'BAD_INPUT') return [];
  const body = error.message.replace(/^Invalid [^:]+: /, '');
  const problems: FieldProblem[] = [];
  for (const part of body.split('; ')) {
    const m = PART.exec(part.trim());
    if (m) problems.push({ field: m[1]!, message: m[2]! });
  }
  const field = typeof error.details?.['field'] === 'string' ? error.details['field'] : null;
  if (field && !problems.some((p) => p.field === field)) problems.unshift({ field, message: body });
  return problems;
}

/** The DOM id of a field's input and of its message (`cf-nodes-1-url`, `cf-nodes-1-url-error`). */
export function fieldId(field: string): string {
  return `cf-${field.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

let rows = 0;

/** The plain text fields, by the path the engine names them with. */
const TEXT_FIELDS: Record<string, 'name' | 'balancerUrl' | 'repo' | 'db' | 'caPem' | 'connectMs' | 'totalMs'> = {
  name: 'name',
  balancerUrl: 'balancerUrl',
  repo: 'repo',
  db: 'db',
  caPem: 'caPem',
  'timeouts.connectMs': 'connectMs',
  'timeouts.totalMs': 'totalMs',
};

export class ClusterForm {
  name = $state('');
  kind = $state<ClusterKind>('lyo');
  balancerUrl = $state('');
  nodes = $state<NodeRow[]>([]);
  repo = $state('');
  db = $state('');
  caPem = $state('');
  /** Milliseconds as typed; empty means the default. */
  connectMs = $state('');
  totalMs = $state('');
  /** Messages placed on fields, by field path. */
  errors = $state<Record<string, string>>({});
  /** An error that names no field of this form. */
  formError = $state<ErrorInfo | null>(null);
  readonly task = new Task();
  readonly loading = new Task();
  readonly asksRepository = $derived(asksForRepository(this.kind));
  readonly canSubmit = $derived(!this.task.running && !this.loading.running);
  private readonly api: Api;
  /** The cluster being edited, or null when adding one. */
  readonly editing: string | null;

  constructor(api: Api, editing: string | null = null) {
    this.api = api;
    this.editing = editing;
    if (!editing) this.addNode();
  }

  /** Edit: fills the form from the stored definition. */
  async load(): Promise<boolean> {
    if (!this.editing) return true;
    const editing = this.editing;
    const def = await this.loading.run(() => this.api.getCluster({ cluster: editing }));
    if (!def) return false;
    this.fill(def);
    return true;
  }

  fill(def: ClusterDefinition): void {
    this.name = def.name;
    this.kind = def.kind;
    this.balancerUrl = def.balancerUrl;
    this.nodes = def.nodes.map((n) => ({ row: ++rows, id: n.id, url: n.url, label: n.label, loadedUrl: n.url }));
    this.repo = def.repo ?? '';
    this.db = def.db ?? '';
    this.caPem = def.caPem ?? '';
    this.connectMs = String(def.timeouts.connectMs);
    this.totalMs = String(def.timeouts.totalMs);
  }

  addNode(): NodeRow {
    const row: NodeRow = { row: ++rows, id: '', url: '', label: null, loadedUrl: null };
    this.nodes.push(row);
    return row;
  }

  /** Removes a node row; its field messages go, and later rows' messages move up with their rows. */
  removeNode(index: number): void {
    if (index < 0 || index >= this.nodes.length) return;
    this.nodes.splice(index, 1);
    const moved: Record<string, string> = {};
    for (const [field, message] of Object.entries(this.errors)) {
      const m = /^nodes\.(\d+)(\..+)?$/.exec(field);
      if (!m) moved[field] = message;
      else if (Number(m[1]) < index) moved[field] = message;
      else if (Number(m[1]) > index) moved[`nodes.${Number(m[1]) - 1}${m[2] ?? ''}`] = message;
    }
    this.errors = moved;
  }

  /** A CA bundle read from a file the admin picked. */
  async readCaFile(file: Blob): Promise<void> {
    this.caPem = await file.text();
    this.clearError('caPem');
  }

  /** A text field's value by its path (`balancerUrl`, `nodes.1.url`, `timeouts.connectMs`). */
  value(field: string): string {
    const node = /^nodes\.(\d+)\.(id|url)$/.exec(field);
    if (node) return this.nodes[Number(node[1])]?.[node[2] as 'id' | 'url'] ?? '';
    const plain = TEXT_FIELDS[field];
    return plain ? this[plain] : '';
  }

  /** Sets a text field by its path; its message goes (the admin is fixing it). */
  set(field: string, value: string): void {
    const node = /^nodes\.(\d+)\.(id|url)$/.exec(field);
    const row = node ? this.nodes[Number(node[1])] : undefined;
    if (row) row[node![2] as 'id' | 'url'] = value;
    const plain = TEXT_FIELDS[field];
    if (plain) this[plain] = value;
    this.clearError(field);
  }

  error(field: string): string | null {
    return this.errors[field] ?? null;
  }

  clearError(field: string): void {
    if (!(field in this.errors)) return;
    const { [field]: _gone, ...rest } = this.errors;
    this.errors = rest;
  }

  /** What is sent: the engine fills defaults and node ids, and validates. */
  toInput(): ClusterInput {
    const ms = (s: string) => (s.trim() === '' ? undefined : Number(s.trim()));
    const connectMs = ms(this.connectMs);
    const totalMs = ms(this.totalMs);
    const timeouts = {
      ...(connectMs !== undefined ? { connectMs } : {}),
      ...(totalMs !== undefined ? { totalMs } : {}),
    };
    return {
      name: this.name.trim(),
      kind: this.kind,
      balancerUrl: this.balancerUrl.trim(),
      nodes: this.nodes.map((n) => {
        const url = n.url.trim();
        const keepLabel = n.label !== null && n.loadedUrl === url;
        return { ...(n.id.trim() ? { id: n.id.trim() } : {}), url, ...(keepLabel ? { label: n.label! } : {}) };
      }),
      repo: this.asksRepository && this.repo.trim() ? this.repo.trim() : null,
      db: this.asksRepository && this.db.trim() ? this.db.trim() : null,
      caPem: this.caPem.trim() ? this.caPem : null,
      ...(Object.keys(timeouts).length ? { timeouts } : {}),
    };
  }

  /** Places an error's messages on the fields it names; the rest becomes the form error. */
  showError(error: ErrorInfo): void {
    const placed: Record<string, string> = {};
    for (const p of fieldProblems(error)) {
      const field = this.knownField(p.field);
      if (field && !(field in placed)) placed[field] = p.message;
    }
    this.errors = placed;
    this.formError = Object.keys(placed).length ? null : error;
  }

  /**
   * The field of this form a path names, or the nearest one above it (`nodes.0.label` → none shown
   * here, so null; `timeouts` → the connect timeout).
   */
  knownField(path: string): string | null {
    if (['name', 'kind', 'balancerUrl', 'repo', 'db', 'caPem', 'nodes'].includes(path)) return path;
    if (path === 'timeouts.connectMs' || path === 'timeouts.totalMs') return path;
    if (path === 'timeouts') return 'timeouts.connectMs';
    const m = /^nodes\.(\d+)(?:\.(id|url))?$/.exec(path);
    if (m && Number(m[1]) < this.nodes.length) return `nodes.${m[1]}.${m[2] ?? 'url'}`;
    return null;
  }

  /** Adds or updates; resolves with the stored definition, or null with the errors placed. */
  async submit(): Promise<ClusterDefinition | null> {
    if (!this.canSubmit) return null;
    this.errors = {};
    this.formError = null;
    const input = this.toInput();
    const saved = await this.task.run(() =>
      this.editing ? this.api.updateCluster(input) : this.api.addCluster(input),
    );
    if (saved) return saved;
    if (this.task.error) this.showError(this.task.error);
    return null;
  }

  /** The defaults the engine uses when a timeout is left empty, for the placeholders. */
  static readonly defaults = DEFAULT_TIMEOUTS;
}
