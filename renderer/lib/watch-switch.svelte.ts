/**
 * "Watch this cluster": the switch, the watch's recent changes, and the live feed that keeps the map
 * in step with each check the engine's watch loop runs (in the main process, or the browser-mode
 * server). The loop runs whether or not this console listens; the feed only listens.
 */
import type { Api } from '../../shared/contract.ts';
import type { WatchChangeView, WatchEvent, WatchView } from '../../shared/contract-watch.ts';
import { WATCH_RECENT_CHANGES } from '../../shared/contract-watch.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export class WatchSwitch {
  view = $state<WatchView | null>(null);
  /** Newest last, as the engine keeps them. */
  recent = $state<WatchChangeView[]>([]);
  readonly task = new Task();
  readonly feed = new Task();
  readonly on = $derived(this.view?.on ?? false);
  readonly latest = $derived(this.recent.at(-1) ?? null);

  constructor(
    private readonly api: Api,
    private readonly cluster: ClusterView,
  ) {}

  async load(): Promise<void> {
    const view = await this.task.run(() => this.api.watchState({ cluster: this.cluster.name }));
    if (!view) return;
    this.show(view);
    if (view.on) this.listen();
  }

  async set(on: boolean): Promise<void> {
    const view = await this.task.run(() => this.api.setWatch({ cluster: this.cluster.name, on }));
    if (!view) return;
    this.show(view);
    if (on) this.listen();
    else this.feed.cancel();
  }

  toggle(): Promise<void> {
    return this.set(!this.on);
  }

  /** Stops listening (the cluster was closed); the watch itself goes on in the engine. */
  close(): void {
    this.feed.cancel();
  }

  private show(view: WatchView): void {
    this.view = view;
    this.recent = view.recent;
  }

  private listen(): void {
    if (this.feed.running) return;
    void this.feed.run((signal) =>
      this.api.watchFeed({ cluster: this.cluster.name }, { signal, onProgress: (e) => this.onEvent(e) }),
    );
  }

  private onEvent(event: WatchEvent): void {
    if (event.type === 'state') this.show(event.view);
    else if (event.type === 'change') {
      this.recent = [...this.recent, event.change].slice(-WATCH_RECENT_CHANGES);
    } else {
      if (this.view) this.view = { ...this.view, checks: this.view.checks + 1, lastCheckAt: event.at };
      if (event.status) this.cluster.applyStatus(event.status);
    }
  }
}
