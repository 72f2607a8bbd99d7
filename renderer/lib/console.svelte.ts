/**
 * The whole console's state: the clusters sidebar and the one open cluster with everything that
 * acts on it (status and map, sync, approve, the sandbox drawer, the login dialog). Components only
 * map this state onto markup.
 */
import type { Api } from '../../shared/contract.ts';
import type { ClusterSummary } from '../../shared/model.ts';
import { ApproveFlow } from './approve-flow.svelte.ts';
import { AuditView } from './audit-view.svelte.ts';
import { ClusterList } from './clusters.svelte.ts';
import { ClusterView } from './cluster-view.svelte.ts';
import { DiagnoseRun } from './diagnose-run.svelte.ts';
import { FlowRun } from './flow-run.svelte.ts';
import { keysMatrixOf } from './keys-matrix.svelte.ts';
import { CertificateTrust } from './certificate-trust.svelte.ts';
import { ReportViewer } from './report-viewer.svelte.ts';
import type { ReportSource } from './report-viewer.svelte.ts';
import type { KeysMatrix } from './keys-matrix.svelte.ts';
import { ReportDialog } from './report-preview.svelte.ts';
import { LoginForm } from './login-form.svelte.ts';
import { SandboxControls } from './sandbox-controls.svelte.ts';
import { SyncRun } from './sync-run.svelte.ts';
import { Task } from './task.svelte.ts';
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

/**
 * One cluster and every action on it: the one state every view of it projects. Everything a view
 * needs lives here, made when the session is made (outside any component), so a view that is torn
 * down and mounted again finds the same, live state: a `$derived` made inside a component's
 * reactive scope dies with that component (Svelte's `derived_inert`), which left Diagnose, Flow, Keys
 * and Audit dead on a second visit.
 */
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
  readonly diagnose: DiagnoseRun;
  readonly flow: FlowRun;
  readonly keys: KeysMatrix;
  readonly audit: AuditView;
  readonly report: ReportDialog;
  /** The certificate-trust question, one per cluster: the map, the node panel and the keys matrix ask through it. */
  readonly trust: CertificateTrust;

  constructor(
    readonly api: Api,
    readonly summary: ClusterSummary,
    list: ClusterList,
  ) {
    this.view = new ClusterView(api, summary, (status) => {
      list.setStatus(summary.name, status);
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
    this.diagnose = new DiagnoseRun(api, this.view, this.sync, this.approve);
    this.flow = new FlowRun(api, () => this.view.name);
    this.keys = keysMatrixOf(this.view);
    this.audit = new AuditView(api, () => this.view.name);
    this.report = new ReportDialog(api, () => this.view.name);
    this.trust = new CertificateTrust(api, this.view);
  }

  async open(): Promise<void> {
    await Promise.all([this.view.open(), this.sandbox?.load(), this.watch.load()]);
  }

  /** Another cluster is opened: stop listening to this one's watch (the watch itself goes on). */
  close(): void {
    this.watch.close();
    this.view.cancelStatus();
  }

  /** Switches to a tab, optionally with a key and node for it to show (a fix one button away). */
  go(tab: TabId, focus: Focus = {}): void {
    this.focus = focus;
    this.tab = tab;
  }
}

/** What the main area shows: a cluster, the settings, or the add/edit cluster form. */
export type Screen =
  { kind: 'cluster' } | { kind: 'settings' } | { kind: 'cluster-form'; edit: string | null } | { kind: 'report' };

export class ConsoleState {
  readonly list: ClusterList;
  session = $state<ClusterSession | null>(null);
  /**
   * Every cluster opened in this window, kept while another is open: coming back finds its diagnosis,
   * its flow, its filters as they were, and its status is taken again.
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, never read by markup: `session` is the reactive field
  private readonly sessions = new Map<string, ClusterSession>();
  screen = $state<Screen>({ kind: 'cluster' });
  readonly sandboxStart = new Task();
  /** A report someone sent, open read-only ("Open report…", or a file dropped on the window). */
  readonly reports: ReportViewer;

  constructor(readonly api: Api) {
    this.list = new ClusterList(api);
    this.reports = new ReportViewer(api);
  }

  /** Loads the clusters and opens the embedded sandbox (or the first cluster). */
  async start(): Promise<void> {
    await this.list.load();
    if (this.list.selectedName) await this.select(this.list.selectedName);
    void this.list.checkOthers();
  }

  /** Opens a report file; the report screen shows it, or the sidebar shows why it could not. */
  async openReport(file: ReportSource): Promise<void> {
    if (await this.reports.open(file)) this.screen = { kind: 'report' };
  }

  closeReport(): void {
    this.reports.close();
    this.screen = { kind: 'cluster' };
  }

  async select(name: string): Promise<void> {
    this.screen = { kind: 'cluster' };
    this.list.select(name);
    const summary = this.list.selected;
    if (!summary) return;
    this.session?.close();
    let session = this.sessions.get(name);
    // A cluster whose definition changed kind or balancer is a new cluster to every view.
    if (session && (session.summary.kind !== summary.kind || session.summary.balancerUrl !== summary.balancerUrl))
      session = undefined;
    if (!session) {
      session = new ClusterSession(this.api, summary, this.list);
      this.sessions.set(name, session);
    }
    this.session = session;
    await session.open();
  }

  /** The empty console's "Start the sandbox": the door starts it, then it is listed and opened. */
  async startSandbox(): Promise<void> {
    const started = await this.sandboxStart.run(() => this.api.startSandbox({}));
    if (!started) return;
    await this.list.load();
    await this.select(started.cluster);
  }

  /** Forgets a removed cluster's session. */
  forget(name: string): void {
    const session = this.sessions.get(name);
    session?.close();
    this.sessions.delete(name);
    if (this.session === session) this.session = null;
  }

  /** The open cluster's summary as the list has it now (login stored or forgotten). */
  get summary(): ClusterSummary | null {
    return this.list.selected;
  }
}
