/**
 * The Flow tab: the real three-legged OAuth 1.0a dance against one node or the balancer. Each leg
 * as it happens (which node answered, status, time), a live countdown of the request token's ten
 * minutes, the authorize page to open (the desktop door opens it in a node-pinned window by itself;
 * the link here works in every window), and each leg's redacted exchange on demand.
 */
import type { Api } from '../../shared/contract.ts';
import type { FlowEvent, FlowResult, FlowStep, FlowStepName, FlowTarget } from '../../shared/diagnose.ts';
import { BALANCER_ID } from '../../shared/diagnose.ts';
import { Task } from './task.svelte.ts';

export interface LegRow {
  leg: FlowStep['leg'];
  name: FlowStepName;
  label: string;
}

/** Discovery, the three legs, and the protected resource, in the order they run. */
export const LEG_ROWS: readonly LegRow[] = [
  { leg: 0, name: 'discovery', label: 'Discovery' },
  { leg: 1, name: 'request-token', label: 'Request token' },
  { leg: 2, name: 'authorize', label: 'Authorize' },
  { leg: 3, name: 'access-token', label: 'Access token' },
  { leg: 4, name: 'resource', label: 'Protected resource' },
];

export type LegState = 'pending' | 'running' | 'waiting-for-user' | 'ok' | 'failed' | 'not-run';

export const LEG_WORDS: Record<LegState, string> = {
  pending: 'not yet',
  running: 'running',
  'waiting-for-user': 'waiting for you',
  ok: 'ok',
  failed: 'failed',
  'not-run': 'not run',
};

export interface AuthorizePage {
  url: string;
  pinnedUrl: string | null;
  expiresAt: string;
  issuedBy: string | null;
}

/** `9:05`, `0:00`. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class FlowRun {
  key = $state('');
  secret = $state('');
  /** A node id, or {@link BALANCER_ID}. */
  target = $state<string>(BALANCER_ID);
  steps = $state<FlowStep[]>([]);
  authorize = $state<AuthorizePage | null>(null);
  decision = $state<'allowed' | 'denied' | null>(null);
  result = $state<FlowResult | null>(null);
  /** Now, ticking every second while a request token lives (drives the countdown). */
  now = $state(Date.now());
  readonly task = new Task();
  readonly canRun = $derived(this.key.trim().length > 0);
  /** Seconds the request token has left; null before leg 1 succeeded. */
  readonly secondsLeft = $derived.by(() => {
    const expiresAt = this.authorize?.expiresAt ?? this.result?.expiresAt ?? null;
    if (!expiresAt) return null;
    return Math.max(0, Math.ceil((Date.parse(expiresAt) - this.now) / 1000));
  });
  /** Each leg's row: its step once it ran, and its state. */
  readonly legs = $derived(
    LEG_ROWS.map((row) => {
      const step = this.steps.find((s) => s.leg === row.leg) ?? null;
      return { ...row, step, state: this.legState(row, step) };
    }),
  );
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly api: Api;
  private readonly cluster: () => string;

  constructor(api: Api, cluster: () => string) {
    this.api = api;
    this.cluster = cluster;
  }

  get flowTarget(): FlowTarget {
    return this.target === BALANCER_ID ? 'balancer' : { node: this.target };
  }

  async run(): Promise<FlowResult | undefined> {
    const key = this.key.trim();
    if (!key) return undefined;
    this.steps = [];
    this.authorize = null;
    this.decision = null;
    this.result = null;
    const secret = this.secret || undefined;
    const result = await this.task.run((signal) =>
      this.api.flow(
        { cluster: this.cluster(), consumerKey: key, target: this.flowTarget, ...(secret ? { secret } : {}) },
        { signal, onProgress: (e) => this.apply(e) },
      ),
    );
    this.stopTicking();
    if (result) {
      this.result = result;
      this.steps = result.steps;
    }
    return result;
  }

  apply(event: FlowEvent): void {
    if (event.type === 'step') {
      this.steps = [...this.steps.filter((s) => s.leg !== event.step.leg), event.step];
    } else if (event.type === 'authorize') {
      this.authorize = {
        url: event.url,
        pinnedUrl: event.pinnedUrl,
        expiresAt: event.expiresAt,
        issuedBy: event.issuedBy,
      };
      this.startTicking();
    } else if (event.type === 'waiting') {
      this.now = Date.now();
    } else {
      this.decision = event.decision;
    }
  }

  cancel(): void {
    this.task.cancel();
  }

  /**
   * The authorize page to open: on the node that issued the request token (it lives only there), else
   * the one the provider gave (issue 18, defect 6: the balancer may send the browser to another node).
   */
  get authorizeUrl(): string {
    return this.authorize?.pinnedUrl ?? this.authorize?.url ?? '';
  }

  /** The authorize page on the issuing node itself, when it differs from the one the balancer gives. */
  get pinnedAlternative(): string | null {
    const a = this.authorize;
    return a?.pinnedUrl && a.pinnedUrl !== a.url ? a.pinnedUrl : null;
  }

  private legState(row: LegRow, step: FlowStep | null): LegState {
    if (step) {
      if (row.leg === 2 && !this.decision && !this.result && this.task.running) return 'waiting-for-user';
      return step.ok ? 'ok' : 'failed';
    }
    if (row.leg === 2 && this.authorize && this.task.running) return 'waiting-for-user';
    if (!this.task.running) return this.result || this.task.error || this.task.cancelled ? 'not-run' : 'pending';
    const last = Math.max(-1, ...this.steps.map((s) => s.leg));
    const next = row.leg === 3 && this.decision === 'allowed' ? 3 : last + 1;
    return row.leg === next ? 'running' : 'pending';
  }

  private startTicking(): void {
    this.stopTicking();
    this.now = Date.now();
    this.timer = setInterval(() => (this.now = Date.now()), 1000);
  }

  private stopTicking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.now = Date.now();
  }
}
