/**
 * The Add cluster form's "from one URL" and "Test connection" steps (issue 24): the engine works the
 * cluster out from one URL and the nodes as the admin knows them (resolveClusterUrl) and fills the
 * form; the connection test (checkCluster on the definition, not saved) runs at once after, and
 * again after a fix is applied. Saving is offered when every check passed, or as an explicit "Save
 * anyway" naming what failed; a change to the form makes the last test stale.
 */
import type { Api } from '../../shared/contract.ts';
import type { CheckItem, ClusterCheck, ConnectFix, FromUrlResult, NodeCheck } from '../../shared/contract-connect.ts';
import type { ClusterForm } from './cluster-form.svelte.ts';
import { Task } from './task.svelte.ts';

/** The field the engine's error names (`from`, `nodes[1]`, `balancerUrl`…), or null. */
function fieldOf(details: Record<string, unknown> | undefined): string | null {
  const field = details?.['field'];
  return typeof field === 'string' ? field : null;
}

export class ClusterConnect {
  from = $state('');
  /** One node per line: host, host:port or URL. */
  nodesText = $state('');
  /** What the engine worked out, in sentences. */
  notes = $state<string[]>([]);
  worked = $state<FromUrlResult | null>(null);
  /** The error of the last resolution, with the field it names (`from`, `nodes`). */
  fieldError = $state<{ field: string; message: string } | null>(null);
  check = $state<ClusterCheck | null>(null);
  /** The form's input the last test was run on (JSON): a test of another input is stale. */
  private checkedInput = $state<string | null>(null);
  readonly resolving = new Task();
  readonly testing = new Task();
  private readonly api: Api;
  private readonly form: ClusterForm;

  constructor(api: Api, form: ClusterForm) {
    this.api = api;
    this.form = form;
  }

  /** The last test, when it was run on what the form holds now. */
  get current(): ClusterCheck | null {
    return this.check && this.checkedInput === JSON.stringify(this.form.toInput()) ? this.check : null;
  }

  /** The test's own error; one that names a field is shown next to that field instead. */
  get testError() {
    const error = this.testing.error;
    return error && !fieldOf(error.details) ? error : null;
  }

  /** The lines a "Save anyway" names. */
  get failures(): string[] {
    return this.current?.failures ?? [];
  }

  nodeList(): string[] {
    return this.nodesText
      .split(/[\n,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Works the cluster out, fills the form, then tests it. */
  async resolve(): Promise<boolean> {
    this.fieldError = null;
    this.notes = [];
    const caPem = this.form.caPem.trim() ? this.form.caPem : null;
    const result = await this.resolving.run(() =>
      this.api.resolveClusterUrl({ name: this.form.name.trim(), from: this.from, nodes: this.nodeList(), caPem }),
    );
    if (!result) {
      const error = this.resolving.error;
      const field = error ? fieldOf(error.details) : null;
      const own = field?.startsWith('nodes') ? 'nodes' : field;
      // Fields of this step get the message beside them; the name beside the name; anything else
      // (an untrusted certificate: the CA bundle below) is shown as the step's error.
      if (error && field === 'name') this.form.showError(error);
      else if (error && own && ['from', 'nodes', 'balancerUrl', 'repo', 'db'].includes(own))
        this.fieldError = { field: own, message: error.message };
      return false;
    }
    this.worked = result;
    this.notes = result.notes;
    const input = result.input;
    this.form.kind = input.kind;
    this.form.balancerUrl = input.balancerUrl;
    this.form.repo = input.repo ?? '';
    this.form.db = input.db ?? '';
    this.form.nodes = [];
    for (const n of input.nodes) this.form.addNode().url = n.url;
    await this.test();
    return true;
  }

  /** The connection test of what the form holds now. */
  async test(): Promise<ClusterCheck | null> {
    const input = this.form.toInput();
    const key = JSON.stringify(input);
    const result = await this.testing.run((signal) => this.api.checkCluster({ input }, { signal }));
    if (!result) {
      const error = this.testing.error;
      if (error && fieldOf(error.details)) this.form.showError(error);
      return null;
    }
    this.check = result;
    this.checkedInput = key;
    return result;
  }

  /** The form field a fix changes: the balancer's URL or one node's. */
  private applyUrl(fix: ConnectFix & { url: string }): void {
    if (fix.node === 'balancer') {
      this.form.set('balancerUrl', fix.url);
      return;
    }
    const index = this.check?.nodes.filter((n) => n.node !== 'balancer').findIndex((n) => n.node === fix.node) ?? -1;
    if (index >= 0 && index < this.form.nodes.length) this.form.set(`nodes.${index}.url`, fix.url);
  }

  /**
   * Applies a fix the test offered ("Did you mean …/cqweb?", "Use https://…"). A context root missing
   * on one node is missing on the others as a rule: every node that failed the same way gets its own
   * suggested URL. Then the test runs again.
   */
  async apply(fix: ConnectFix): Promise<void> {
    if (fix.kind === 'trust') return;
    const same = (this.check?.nodes ?? [])
      .flatMap((n) => n.items.map((i) => i.apply))
      .filter((a): a is ConnectFix & { url: string } => a !== undefined && a.kind === fix.kind && 'url' in a);
    for (const a of same.length ? same : [fix]) this.applyUrl(a);
    await this.test();
  }
}

/** The verdict of a node as one word for its row. */
export function nodeVerdict(n: NodeCheck): 'pass' | 'warn' | 'fail' {
  if (n.items.some((i) => i.verdict === 'fail')) return 'fail';
  return n.items.some((i) => i.verdict === 'warn') ? 'warn' : 'pass';
}

export const VERDICT_WORDS: Record<CheckItem['verdict'], string> = {
  pass: 'passed',
  warn: 'warning',
  fail: 'failed',
  skip: 'not tested',
};

/** The button that applies a fix, in words: "Use http://…/cqweb". */
export function applyLabel(fix: ConnectFix): string | null {
  switch (fix.kind) {
    case 'context-root':
      return `Use ${fix.url}`;
    case 'scheme':
      return `Use ${fix.url}`;
    default:
      return null;
  }
}
