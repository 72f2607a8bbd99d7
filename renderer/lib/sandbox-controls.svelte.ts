/**
 * The embedded sandbox's drawer: "Simulate a friendship" (a consumer such as RTC making a friendship
 * through the balancer, which leaves a provisional key in one node's memory), and per node kill,
 * restart, latency and clock shift. Status re-runs after each, so the map shows what it did.
 */
import type { Api } from '../../shared/contract.ts';
import type { SandboxNodeAction, SandboxView } from '../../shared/contract-console.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export interface Friendship {
  key: string;
  node: string;
  name: string;
}

export class SandboxControls {
  open = $state(true);
  view = $state<SandboxView | null>(null);
  friendName = $state('RTC');
  friendSecret = $state('');
  lastFriend = $state<Friendship | null>(null);
  /** Text of the latency (ms) and clock shift (s) inputs, per node. */
  latency = $state<Record<string, string>>({});
  clock = $state<Record<string, string>>({});
  /** The node whose action runs now, for the busy indicator next to it. */
  busyNode = $state<string | null>(null);
  readonly task = new Task();
  readonly friendTask = new Task();
  readonly canFriend = $derived(this.friendName.trim() !== '' && this.friendSecret !== '' && !this.friendTask.running);
  private readonly api: Api;
  private readonly cluster: ClusterView;

  constructor(api: Api, cluster: ClusterView) {
    this.api = api;
    this.cluster = cluster;
  }

  async load(): Promise<void> {
    const view = await this.task.run(() => this.api.sandboxState({ cluster: this.cluster.name }));
    if (view) this.show(view);
  }

  /** Plays the consumer; the engine tracks the new key with its secret, then status probes it. */
  async friend(): Promise<Friendship | undefined> {
    if (!this.canFriend) return undefined;
    const secret = this.friendSecret;
    const made = await this.friendTask.run(() =>
      this.api.sandboxFriend({ cluster: this.cluster.name, name: this.friendName.trim(), secret }),
    );
    if (!made) return undefined;
    this.friendSecret = '';
    this.lastFriend = made;
    await this.cluster.reloadDefinition();
    await Promise.all([this.cluster.refresh(), this.load()]);
    return made;
  }

  /** Kill, restart, or set latency (ms) or clock shift (s) from that node's input. */
  async nodeAction(node: string, action: SandboxNodeAction): Promise<void> {
    let value: number | undefined;
    if (action === 'latency' || action === 'clock') {
      const text = (action === 'latency' ? this.latency : this.clock)[node] ?? '';
      value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) {
        this.task.error = {
          code: 'BAD_INPUT',
          message: `${action === 'latency' ? 'Latency' : 'Clock shift'} for ${node}: type a number`,
          node,
        };
        return;
      }
    }
    this.busyNode = node;
    const view = await this.task.run(() =>
      this.api.sandboxNode({ cluster: this.cluster.name, node, action, ...(value !== undefined ? { value } : {}) }),
    );
    this.busyNode = null;
    if (!view) {
      if (this.task.error && !this.task.error.node) this.task.error = { ...this.task.error, node };
      return;
    }
    this.show(view);
    await this.cluster.refresh();
  }

  private show(view: SandboxView): void {
    this.view = view;
    for (const n of view.nodes) {
      this.latency[n.id] ??= String(n.latencyMs);
      this.clock[n.id] ??= String(n.clockOffsetSeconds);
    }
  }
}
