/**
 * The app's windows and the lock on every web contents: the console's main window (with the preload
 * bridge) and node-pinned admin windows (no preload, their own session, navigation locked to one
 * node's origin). Every web contents the app ever creates is locked in `web-contents-created`, so
 * none escapes: no navigation away, no new windows, no <webview>, no permissions.
 * @see https://www.electronjs.org/docs/latest/tutorial/security (the checklist cited below by §)
 */
import { BrowserWindow, app, dialog, session } from 'electron';
import type { Session, WebContents, WebPreferences } from 'electron';
import { join } from 'node:path';
import { badInput } from '../../shared/errors.ts';
import { CONSOLE_URL, isConsoleUrl } from './protocol.ts';
import { FLOW_CALLBACK_PATH } from '../core/diagnose/callback-listener.ts';

/** The same for every window: the renderer is treated as untrusted web content. */
const HARDENED: Readonly<WebPreferences> = {
  // §4: a sandboxed renderer has no Node, and its preload only a tiny require (hence preload.cjs).
  sandbox: true,
  // §3: the preload's world and its `electron` objects stay out of reach of page scripts.
  contextIsolation: true,
  // §2: no Node in the page, its workers or its frames.
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  // §6 and §8: the same-origin policy stays, and an https page loads no http script.
  webSecurity: true,
  allowRunningInsecureContent: false,
  // §11/§12: no <webview> at all, so there are no webview options to verify.
  webviewTag: false,
  // The spellchecker downloads dictionaries from Google's CDN; nothing but the nodes may be contacted.
  spellcheck: false,
  // A file dropped on the window must not replace the console (a navigation no handler would see).
  navigateOnDragDrop: false,
};

/** Where a node-pinned window goes: one node's page, titled with the node it acts on. */
export interface PinnedTarget {
  cluster: string;
  /** The node id (or `balancer` for a flow run through the balancer): names the session partition. */
  node: string;
  url: string;
  /** `<node id> — <node url>`, kept whatever the page calls itself. */
  title: string;
  /** The flow tester's authorize page: also allow the redirect to its loopback callback. */
  allowFlowCallback?: boolean;
}

export interface PinnedWindow {
  window: BrowserWindow;
  /** Resolves when the admin closes the window. */
  closed: Promise<void>;
  close(): void;
}

/** A running flow's authorize step: its page (through the balancer, and on the issuing node) and its window. */
export interface FlowAuthorization {
  /** The window the door opens for it (pinned to the node, or to the balancer), with the callback allowance. */
  target: PinnedTarget;
  /** Every URL of the authorize page the console may offer: the one given, and the issuing node's own. */
  urls: readonly string[];
}

/** The request token an authorize URL carries (RFC 5849 §2.2 `oauth_token`), or null. */
function requestTokenOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get('oauth_token') || null;
  } catch {
    return null;
  }
}

/** The engine's decisions for a node-pinned window's session (electron/core/pinned-trust.ts). */
export interface PinnedTrust {
  /** Whether the engine trusts this certificate (PEM) that Chromium was shown for the window's own origin. */
  certificateTrusted(certificatePem: string): Promise<boolean>;
  /** Chromium's proxy settings for the window's origin: the system's (desktop engine), or the engine's HTTPS_PROXY / NO_PROXY choice. */
  proxy: { mode: 'direct' } | { mode: 'system' } | { mode: 'fixed_servers'; proxyRules: string };
}

/** Chromium's certificate verdicts for `setCertificateVerifyProc`. */
const CERT_TRUSTED = 0;
const CERT_REFUSED = -2;
const CERT_CHROMIUM_DECIDES = -3;

export interface ShellWindowsOptions {
  /** dist/, next to the built main: holds preload.cjs. */
  distDir: string;
  /** What the main window loads: {@link CONSOLE_URL}, or a dev server from {@link consoleStartUrl}. */
  startUrl: string;
  /** The configured node a URL belongs to, checked by the engine; null when it is on none. */
  pinnedTargetFor(url: string): Promise<PinnedTarget | null>;
  /** The engine's trust and proxy for a pinned window's session (its cluster's CA or pins, HTTPS_PROXY). */
  pinnedTrustFor(target: PinnedTarget): PinnedTrust;
}

/** A host name as Chromium reports it to a verify proc: no IPv6 brackets, lower case. */
const bareHostname = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

// The flow tester's one-shot callback listener is `http://127.0.0.1:<port>${FLOW_CALLBACK_PATH}<random>`;
// the authorize page redirects there.

function isFlowCallback(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.pathname.startsWith(FLOW_CALLBACK_PATH);
  } catch {
    return false;
  }
}

/** The origin of an http(s) URL; null for anything else (or for no URL at all). */
export function httpOrigin(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The main window's URL. A dev server only in an unpackaged build and only on loopback: a packaged
 * app always loads its own files (§1, §13).
 */
export function consoleStartUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string {
  const dev = env.OSLC_ADMIN_DEV_URL;
  if (isPackaged || !dev) return CONSOLE_URL;
  try {
    const u = new URL(dev);
    if (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost')) return u.href;
  } catch {
    // falls through to the refusal below
  }
  throw badInput('OSLC_ADMIN_DEV_URL', `must be an http://127.0.0.1 or http://localhost URL, not ${dev}`);
}

const lockedSessions = new WeakSet<Session>();

/** §5: every permission request and check is denied; nothing the console or a node page does needs one. */
export function lockSession(ses: Session): void {
  if (lockedSessions.has(ses)) return;
  lockedSessions.add(ses);
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** What a web contents may navigate to; unknown contents (devtools, anything unforeseen) nowhere. */
type NavigationPolicy = (url: string) => boolean;

export class ShellWindows {
  private readonly policies = new Map<number, NavigationPolicy>();
  private readonly mainContents = new Set<number>();
  private readonly pinned = new Map<string, PinnedWindow & { origin: string }>();
  private readonly flowAuthorizations = new Set<FlowAuthorization>();
  private readonly devOrigin: string | null;
  private main: BrowserWindow | null = null;

  constructor(private readonly opts: ShellWindowsOptions) {
    this.devOrigin = isConsoleUrl(opts.startUrl) ? null : httpOrigin(opts.startUrl);
  }

  /** Locks every web contents and session from now on; call once, when the app is ready. Returns the undo. */
  install(): () => void {
    const onContents = (_event: unknown, contents: WebContents) => this.lockContents(contents);
    app.on('web-contents-created', onContents);
    app.on('session-created', lockSession);
    lockSession(session.defaultSession);
    return () => {
      app.removeListener('web-contents-created', onContents);
      app.removeListener('session-created', lockSession);
    };
  }

  /** True for the console's own pages (the app:// origin, or the dev server in development). */
  isConsoleUrl(url: string): boolean {
    return isConsoleUrl(url) || (this.devOrigin !== null && httpOrigin(url) === this.devOrigin);
  }

  /** True for the web contents of a main window: the only ones whose IPC is answered. */
  isMainWindowContents(id: number): boolean {
    return this.mainContents.has(id);
  }

  get mainWindow(): BrowserWindow | null {
    return this.main && !this.main.isDestroyed() ? this.main : null;
  }

  /** The console's window; `hidden` keeps it from showing once ready (the packaged app's --self-test). */
  createMainWindow(opts: { hidden?: boolean } = {}): BrowserWindow {
    const win = new BrowserWindow({
      title: 'OSLC Cluster Admin',
      width: 1280,
      height: 860,
      minWidth: 800,
      minHeight: 560,
      show: false,
      webPreferences: { ...HARDENED, preload: join(this.opts.distDir, 'preload.cjs') },
    });
    const id = win.webContents.id;
    this.mainContents.add(id);
    this.policies.set(id, (url) => this.isConsoleUrl(url));
    win.webContents.once('destroyed', () => {
      this.mainContents.delete(id);
      this.policies.delete(id);
    });
    if (!opts.hidden) win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (this.main === win) this.main = null;
    });
    this.main = win;
    // A failed load (a missing build, a dev server that is down) must not become Electron's
    // "unhandled rejection" dialog: say it on stderr; the window shows Chromium's error page.
    win.loadURL(this.opts.startUrl).catch((e: unknown) => {
      console.error(
        `The console did not load from ${this.opts.startUrl}: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
    return win;
  }

  /** The OS folder picker, over the main window; null when the admin cancels. */
  async chooseDirectory(title: string): Promise<string | null> {
    const options = {
      title,
      properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[],
    };
    const win = this.mainWindow;
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  }

  /**
   * A second launch, or a click on a notification, brings the console forward: the existing window,
   * restored, or a new one when there is none (its last window closed on macOS, or it never opened).
   */
  showMainWindow(): void {
    const win = this.mainWindow;
    if (!win) {
      this.createMainWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /**
   * A window on one node's page: its own in-memory session (no cookie of one node or cluster is
   * seen by another, nothing outlives the app), no preload, navigation locked to that origin.
   * The same node's window is reused (and sent to the new page) while it is open.
   */
  openNodePinnedWindow(target: PinnedTarget): PinnedWindow {
    const origin = httpOrigin(target.url);
    if (!origin) throw badInput('url', `a node-pinned window opens only http(s) pages, not ${target.url}`);
    const callback = target.allowFlowCallback === true;
    const key = JSON.stringify([target.cluster, target.node, callback]);
    const open = this.pinned.get(key);
    if (open && !open.window.isDestroyed() && open.origin === origin) {
      void open.window.loadURL(target.url).catch(() => undefined);
      open.window.focus();
      return open;
    }
    open?.close();

    const partition = `pinned:${target.cluster}:${target.node}`;
    const win = new BrowserWindow({
      title: target.title,
      width: 1100,
      height: 800,
      autoHideMenuBar: true,
      webPreferences: { ...HARDENED, partition },
    });
    const id = win.webContents.id;
    this.policies.set(id, (url) => httpOrigin(url) === origin || (callback && isFlowCallback(url)));
    win.webContents.once('destroyed', () => this.policies.delete(id));
    // The title says which node the admin acts on; a page must not be able to claim another.
    win.on('page-title-updated', (event) => event.preventDefault());
    const closed = new Promise<void>((resolve) => win.once('closed', () => resolve()));
    const entry = {
      window: win,
      closed,
      origin,
      close: () => {
        if (!win.isDestroyed()) win.close();
      },
    };
    this.pinned.set(key, entry);
    void closed.then(() => {
      if (this.pinned.get(key) === entry) this.pinned.delete(key);
    });
    // The session trusts and proxies as the engine does before the first request leaves. A failed
    // load (node down, a prevented redirect) shows Chromium's error page; the admin closes it.
    void this.preparePinnedSession(session.fromPartition(partition), target)
      .then(() => (win.isDestroyed() ? undefined : win.loadURL(target.url)))
      .catch(() => undefined);
    return entry;
  }

  /**
   * A pinned partition trusts its node's certificate exactly when the engine does (the cluster's CA
   * bundle or a pinned fingerprint: a private CA the engine trusts must not show Chromium's
   * certificate error, and a certificate the engine refuses must not load), and uses the engine's
   * proxy. Other hosts a node page pulls in are left to Chromium's own verification.
   */
  private async preparePinnedSession(ses: Session, target: PinnedTarget): Promise<void> {
    const trust = this.opts.pinnedTrustFor(target);
    const host = bareHostname(new URL(target.url).hostname);
    ses.setCertificateVerifyProc((request, callback) => {
      if (bareHostname(request.hostname) !== host) {
        callback(CERT_CHROMIUM_DECIDES);
        return;
      }
      trust.certificateTrusted(request.certificate.data).then(
        (trusted) => callback(trusted ? CERT_TRUSTED : CERT_REFUSED),
        () => callback(CERT_REFUSED),
      );
    });
    await ses.setProxy(trust.proxy);
  }

  private allows(contentsId: number, url: string): boolean {
    return this.policies.get(contentsId)?.(url) ?? false;
  }

  /**
   * The flow tester's authorize step is under way: while it is, the console's own link to that page
   * ("Open the authorize page", through the balancer or on the issuing node) opens a window that may
   * also follow the redirect to the flow's loopback callback. Returns the undo (the flow ended).
   */
  expectFlowAuthorize(flow: FlowAuthorization): () => void {
    const entry = { target: flow.target, urls: [...flow.urls] };
    this.flowAuthorizations.add(entry);
    return () => this.flowAuthorizations.delete(entry);
  }

  /** The running flow whose authorize page `url` is: the same URL, or one carrying its request token. */
  private flowAuthorizationFor(url: string): FlowAuthorization | null {
    const token = requestTokenOf(url);
    for (const flow of this.flowAuthorizations) {
      if (flow.urls.includes(url)) return flow;
      if (token !== null && flow.urls.some((u) => requestTokenOf(u) === token)) return flow;
    }
    return null;
  }

  /**
   * A `window.open` from the console: a configured node's page opens pinned to that node; a running
   * flow's authorize page opens with its callback allowance (pinned to the balancer when it is on the
   * balancer); anything else on http(s) opens nothing, and the admin is told why.
   */
  private async openFromConsole(url: string): Promise<void> {
    const origin = httpOrigin(url);
    if (!origin) return;
    const flow = this.flowAuthorizationFor(url);
    const onNode = await this.opts.pinnedTargetFor(url).catch(() => null);
    let target: PinnedTarget | null = null;
    if (onNode) target = flow ? { ...onNode, allowFlowCallback: true } : onNode;
    else if (flow && httpOrigin(flow.target.url) === origin) target = { ...flow.target, url, allowFlowCallback: true };
    if (target) {
      this.openNodePinnedWindow(target);
      return;
    }
    const options = {
      type: 'info' as const,
      message: 'This page was not opened',
      detail:
        `${origin} is not a node of any configured cluster. The console opens only the nodes' own pages, ` +
        "each in a window pinned to its node; the flow tester's authorize page opens while its flow runs.",
    };
    const win = this.mainWindow;
    await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
  }

  private lockContents(contents: WebContents): void {
    // §13: navigation stays on the console's origin, or on the pinned node's; anything else goes nowhere.
    contents.on('will-navigate', (event) => {
      if (!this.allows(contents.id, event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!this.allows(contents.id, event.url)) event.preventDefault();
    });
    // §14: no window opens by itself; the console's node links become node-pinned windows.
    contents.setWindowOpenHandler(({ url }) => {
      if (this.mainContents.has(contents.id)) void this.openFromConsole(url);
      return { action: 'deny' };
    });
    // §12: webviewTag is off everywhere; refuse an attach outright should one slip through.
    contents.on('will-attach-webview', (event) => event.preventDefault());
    lockSession(contents.session);
  }
}
