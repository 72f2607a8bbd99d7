/**
 * The whole console's state: the clusters sidebar and the one open cluster with everything that
 * acts on it (status and map, sync, approve, the sandbox drawer, the login dialog). Components only
 * map this state onto markup.
 */
import type { Api } from '../../shared/contract.ts';
import type { ClusterSummary } from '../../shared/model.ts';
import { ApproveFlow } from './approve-flow.svelte.ts';
import { ClusterList, healthOf } from './clusters.svelte.ts';
import { ClusterView } from './cluster-view.svelte.ts';
import { LoginForm } from './login-form.svelte.ts';
import { SandboxControls } from './sandbox-controls.svelte.ts';
import { SyncRun } from './sync-run.svelte.ts';
import { WatchSwitch } from './watch-switch.svelte.ts';

/** The views of an open cluster (../shared/UI.md "Tabs"). */
export const TABS = [
  { id: 'map', label: 'Map' },
  { id: 'keys', label: 'Keys' },
  { id: 'diagnose', label: 'Diagnose' },
  { id: 'flow', label: 'Flow' },
  { id: 'audit', label: 'Audit' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

/** What one screen asks another to show: a key (and a node) to diagnose, a cell of the matrix… */
export interface Focus {
  key?: string;
  node?: string;
}

/** One open cluster and every action on it. */
export class ClusterSession {
  tab = $state<TabId>('map');
  /** Set by `go`: the key and node the target screen should start with. */
  focus = $state<Focus>({});
  readonly view: ClusterView;
  readonly sync: SyncRun;
  readonly approve: ApproveFlow;
  readonly login: LoginForm;
  readonly sandbox: SandboxControls | null;
  readonly watch: WatchSwitch;

  constructor(
    readonly api: Api,
    readonly summary: ClusterSummary,
    list: ClusterList,
  ) {
    this.view = new ClusterView(api, summary, (status) => {
      list.setHealth(summary.name, healthOf(status));
      // The drawer's table shows the sandbox's own memory: keep it in step with the map.
      void this.sandbox?.load();
    });
    this.sync = new SyncRun(api, this.view);
    this.approve = new ApproveFlow(api, this.view);
    this.login = new LoginForm(
      api,
      summary.name,
      async () => {
        await list.reload();
        await this.view.refresh();
      },
      summary.adminUser,
    );
    this.sandbox = summary.embeddedSandbox ? new SandboxControls(api, this.view) : null;
    this.watch = new WatchSwitch(api, this.view);
  }

  async open(): Promise<void> {
    await Promise.all([this.view.open(), this.sandbox?.load(), this.watch.load()]);
  }

  /** Another cluster is opened: stop listening to this one's watch (the watch itself goes on). */
  close(): void {
    this.watch.close();
  }

  /** Switches to a tab, optionally with a key and node for it to show (a fix one button away). */
  go(tab: TabId, focus: Focus = {}): void {
    this.focus = focus;
    this.tab = tab;
  }
}

/** What the main area shows: a cluster, the settings, or the add/edit cluster form. */
export type Screen = { kind: 'cluster' } | { kind: 'settings' } | { kind: 'cluster-form'; edit: string | null };

export class ConsoleState {
  readonly list: ClusterList;
  session = $state<ClusterSession | null>(null);
  screen = $state<Screen>({ kind: 'cluster' });

  constructor(readonly api: Api) {
    this.list = new ClusterList(api);
  }

  /** Loads the clusters and opens the embedded sandbox (or the first cluster). */
  async start(): Promise<void> {
    await this.list.load();
    if (this.list.selectedName) await this.select(this.list.selectedName);
    void this.list.checkOthers();
  }

  async select(name: string): Promise<void> {
    this.screen = { kind: 'cluster' };
    this.list.select(name);
    const summary = this.list.selected;
    if (!summary) return;
    this.session?.close();
    this.session = new ClusterSession(this.api, summary, this.list);
    await this.session.open();
  }

  /** The open cluster's summary as the list has it now (login stored or forgotten). */
  get summary(): ClusterSummary | null {
    return this.list.selected;
  }
}
