/**
 * The Diagnose tab: one consumer key (typed, picked from the tracked keys, or sent by another screen),
 * an optional secret, a pasted error; the engine's verdict, most severe cause first, with a button
 * per fix this console can run (Sync, Approve on the node, Trust the certificate, Diagnose again).
 * Fixes it cannot run here (register, the clock, the balancer's affinity) are shown as words.
 */
import type { Api } from '../../shared/contract.ts';
import type {
  BalancerDiagnosis,
  Cause,
  CauseCode,
  DiagnosedNode,
  Diagnosis,
  NodeKeyState,
} from '../../shared/diagnose.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import type { ApproveFlow } from './approve-flow.svelte.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import type { SyncRun } from './sync-run.svelte.ts';

/** What a diagnosis needs of the open cluster: its name and definition, its sync and its approve. */
export type DiagnoseView = Pick<ClusterView, 'name' | 'definition' | 'reloadDefinition'>;
export type DiagnoseSync = Pick<SyncRun, 'start' | 'task' | 'consistent'>;
export type DiagnoseApprove = Pick<ApproveFlow, 'approve' | 'task'>;
import { Task } from './task.svelte.ts';

/** Each diagnosed key state in the console's one vocabulary (../shared/UI.md "States and words"). */
export const NODE_KEY_WORDS: Record<NodeKeyState, { word: string; tone: 'good' | 'wait' | 'bad' | 'unknown' }> = {
  approved: { word: 'approved', tone: 'good' },
  loaded: { word: 'loaded (secret not checked)', tone: 'unknown' },
  'wrong-secret': { word: 'wrong secret', tone: 'bad' },
  provisional: { word: 'provisional', tone: 'wait' },
  missing: { word: 'missing', tone: 'bad' },
  'clock-skew': { word: 'clock skew', tone: 'bad' },
  down: { word: 'down', tone: 'bad' },
  'tls-untrusted': { word: 'untrusted certificate', tone: 'bad' },
  error: { word: 'error', tone: 'bad' },
};

/** A cause's headline in plain words; its message says the rest. */
export const CAUSE_TITLES: Record<CauseCode, string> = {
  PROVISIONAL_KEY_LOST: 'The provisional key was lost',
  KEY_UNKNOWN: 'No node knows this key',
  WRONG_SECRET: 'The secret does not match',
  KEY_PROVISIONAL: 'The key is still provisional',
  REGISTRY_STALE: 'Stale registry on some nodes',
  CLOCK_SKEW: "A node's clock is off",
  BALANCER_NOT_STICKY: 'The balancer does not keep sessions on one node',
  REQUEST_TOKEN_EXPIRED: 'The request token expired',
  NODE_DOWN: 'A node did not answer',
  TLS_UNTRUSTED: 'An untrusted certificate',
  HEALTHY: 'Healthy',
};

/**
 * A cause's headline: its code's title, except where the cause rests on some nodes' answers only
 * (issue 18, defect 16: not "No node knows this key" when nodes could not be checked).
 */
export function causeTitle(cause: Pick<Cause, 'code' | 'unchecked'>): string {
  if (cause.code === 'KEY_UNKNOWN' && cause.unchecked?.length)
    return `No node that answered knows this key (${cause.unchecked.join(', ')} could not be checked)`;
  return CAUSE_TITLES[cause.code];
}

/** What the button next to a cause does; null where the fix is a step for a person (shown as words). */
export interface FixButton {
  label: string;
  /** What pressing it will do, for its accessible description. */
  explains: string;
}

/** The button for a cause's fix, when this screen can run it. */
export function fixButtonOf(cause: Cause): FixButton | null {
  const fix = cause.fix;
  if (!fix) return null;
  switch (fix.action) {
    case 'sync':
      return {
        label: 'Sync all nodes',
        explains: 'Logs in to every node to reload its registry, then diagnoses again.',
      };
    case 'approve':
      return {
        label: `Approve on ${fix.args.node}`,
        explains: `Approves ${fix.args.key} on ${fix.args.node}, the node that holds it, then diagnoses again.`,
      };
    case 'trust-certificate':
      return {
        label: `Trust the certificate of ${fix.args.node}`,
        explains: `Asks you to confirm, then pins the SHA-256 fingerprint ${fix.args.fingerprint256}.`,
      };
    case 'restart-flow':
      return { label: 'Open the flow tester', explains: 'Runs the three-legged flow again with a new request token.' };
    default:
      return null;
  }
}

/** The words for a fix a person has to do (no button here). */
export function fixStepOf(cause: Cause): string | null {
  const fix = cause.fix;
  if (!fix) return null;
  switch (fix.action) {
    case 'register':
      return `Register the consumer with key ${fix.args.key} and its secret (Keys tab), then sync all nodes.`;
    case 'reenter-secret':
      return 'Type the secret the consumer uses in the Secret field above and diagnose again.';
    case 'fix-clock': {
      const s = fix.args.offsetSeconds;
      return `Set the clock of ${fix.args.node} right (it is ${s > 0 ? '+' : ''}${s} s off); use NTP on that server.`;
    }
    case 'enable-affinity':
      return 'Enable session affinity (sticky sessions on the JSESSIONID cookie) in the balancer.';
    default:
      return null;
  }
}

export class DiagnoseRun {
  key = $state('');
  secret = $state('');
  /** Store the typed secret in the OS keychain (trackConsumer) before diagnosing. */
  remember = $state(false);
  errorText = $state('');
  /** Nodes as their progress events arrive, then the verdict's. */
  nodes = $state<DiagnosedNode[]>([]);
  balancer = $state<BalancerDiagnosis | null>(null);
  result = $state<Diagnosis | null>(null);
  /** The cause whose certificate waits for the admin's confirmation. */
  confirmTrust = $state<Cause | null>(null);
  /** What the last fix did, in words (for the live region). */
  fixMessage = $state<string | null>(null);
  fixError = $state<ErrorInfo | null>(null);
  readonly task = new Task();
  readonly fixTask = new Task();
  readonly healthy = $derived(this.result !== null && this.result.causes.every((c) => c.code === 'HEALTHY'));
  readonly canRun = $derived(this.key.trim().length > 0);
  private readonly api: Api;
  private readonly view: DiagnoseView;
  private readonly sync: DiagnoseSync;
  private readonly approve: DiagnoseApprove;

  constructor(api: Api, view: DiagnoseView, sync: DiagnoseSync, approve: DiagnoseApprove) {
    this.api = api;
    this.view = view;
    this.sync = sync;
    this.approve = approve;
  }

  /** The tracked keys with their names, to pick from. */
  get tracked(): { key: string; name: string }[] {
    return (this.view.definition?.consumers ?? []).map((c) => ({ key: c.key, name: c.name ?? c.key }));
  }

  /** Starts with a key another screen sent (the matrix, a stale badge). */
  take(key: string): void {
    if (key === this.key && (this.task.running || this.result)) return;
    this.key = key;
    this.result = null;
    this.nodes = [];
    this.balancer = null;
  }

  async run(): Promise<Diagnosis | undefined> {
    const key = this.key.trim();
    if (!key) return undefined;
    const cluster = this.view.name;
    const secret = this.secret || undefined;
    const errorText = this.errorText.trim() || undefined;
    this.nodes = [];
    this.balancer = null;
    this.result = null;
    this.confirmTrust = null;
    const result = await this.task.run(async (signal) => {
      if (this.remember && secret) {
        await this.api.trackConsumer({ cluster, key, secret }, { signal });
        // The secret is now in the keychain: it need not stay in this window.
        this.secret = '';
        this.remember = false;
        void this.view.reloadDefinition();
      }
      return this.api.diagnose(
        { cluster, consumerKey: key, ...(secret ? { secret } : {}), ...(errorText ? { errorText } : {}) },
        {
          signal,
          onProgress: (e) => {
            if (e.type === 'node') this.nodes = [...this.nodes.filter((n) => n.id !== e.node.id), e.node];
            else this.balancer = e.balancer;
          },
        },
      );
    });
    if (result) {
      this.result = result;
      this.nodes = result.nodes;
      this.balancer = result.balancer;
    }
    return result;
  }

  cancel(): void {
    this.task.cancel();
  }

  /** Runs a cause's fix; then diagnoses again so the verdict shows whether it worked. */
  async applyFix(cause: Cause): Promise<void> {
    const fix = cause.fix;
    if (!fix) return;
    this.fixError = null;
    this.fixMessage = null;
    if (fix.action === 'trust-certificate') {
      this.confirmTrust = cause;
      return;
    }
    if (fix.action === 'sync') {
      this.fixMessage = 'Syncing all nodes…';
      await this.sync.start();
      if (this.sync.task.error) return this.failed(this.sync.task.error);
      this.fixMessage = this.sync.consistent ? 'Sync done: every node refreshed.' : 'Sync done, with problems.';
    } else if (fix.action === 'approve') {
      this.fixMessage = `Approving on ${fix.args.node}…`;
      const done = await this.approve.approve(fix.args.key, fix.args.node);
      if (!done) return this.failed(this.approve.task.error);
      this.fixMessage = done.handoff
        ? `${fix.args.node} needs its own admin page: see the node panel on the Map.`
        : `Approved ${fix.args.key} on ${fix.args.node}.`;
    } else {
      return;
    }
    await this.run();
  }

  /** The admin confirmed the fingerprint: pin it, then diagnose again. */
  async trustConfirmed(): Promise<void> {
    const cause = this.confirmTrust;
    if (cause?.fix?.action !== 'trust-certificate') return;
    const { node, fingerprint256 } = cause.fix.args;
    this.confirmTrust = null;
    const pinned = await this.fixTask.run(() =>
      this.api.trustCertificate({ cluster: this.view.name, fingerprint256, node }),
    );
    if (!pinned) return this.failed(this.fixTask.error);
    this.fixMessage = `Trusted the certificate of ${node}.`;
    await this.view.reloadDefinition();
    await this.run();
  }

  trustCancelled(): void {
    this.confirmTrust = null;
  }

  private failed(error: ErrorInfo | null): void {
    this.fixMessage = null;
    this.fixError = error;
  }
}
