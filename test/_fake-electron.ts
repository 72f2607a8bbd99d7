/**
 * A stand-in for the `electron` module, for unit tests of the desktop shell (no Electron binary runs
 * on a build machine, and requiring the real package tries to download one). It records what the
 * shell asks of Electron — windows and their options, web contents handlers, session permission
 * handlers, protocol handlers, IPC registrations, bridge exposures — and lets a test act as the
 * renderer or the user: navigate, redirect, window.open, attach a webview, send IPC, close a window.
 *
 *   vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);
 *
 * The objects are singletons (modules under test keep the references they imported);
 * {@link resetFakeElectron} empties them between tests.
 *
 * Where the real runtime is strict, so is the fake: every value that crosses IPC or the context
 * bridge is `structuredClone`d (a function, a Proxy such as a Svelte `$state`, or a class with
 * private state fails as it does in Electron: "could not be cloned"); an emitter warns, as Node's
 * does, when an event gets more than ten listeners (MaxListenersExceededWarning); a load can fail.
 */

import { types } from 'node:util';

type Listener = (...args: never[]) => unknown;

/** Every MaxListenersExceededWarning a fake emitter gave, as Node's EventEmitter words it. */
export const maxListenerWarnings: string[] = [];

/** What crosses a process or world boundary in Electron: a structured clone, which throws where Electron throws. */
export function cloneAcross<T>(value: T): T {
  refuseUncloneable(value, new Set());
  return structuredClone(value);
}

/**
 * What Node 20's structuredClone lets through but Electron 45 (Node 24, Blink) refuses: a URL (Node
 * clones it to `{}`). Thrown as the same DataCloneError, naming the value.
 */
function refuseUncloneable(value: unknown, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof URL) throw new DOMException(`${value.href} could not be cloned.`, 'DataCloneError');
  for (const v of Array.isArray(value) ? value : Object.values(value)) refuseUncloneable(v, seen);
}

export class FakeEmitter {
  private readonly eventListeners = new Map<string, Listener[]>();
  private readonly warnedFor = new Set<string>();
  private maxListeners = 10;

  on(event: string, listener: Listener): this {
    const list = [...(this.eventListeners.get(event) ?? []), listener];
    this.eventListeners.set(event, list);
    // Node's EventEmitter (which every Electron emitter is) warns once per event past the limit.
    if (this.maxListeners > 0 && list.length > this.maxListeners && !this.warnedFor.has(event)) {
      this.warnedFor.add(event);
      const text =
        `Possible EventEmitter memory leak detected. ${list.length} ${event} listeners added to ` +
        `[${this.constructor.name}]. MaxListeners is ${this.maxListeners}. Use emitter.setMaxListeners() to increase limit`;
      maxListenerWarnings.push(text);
      process.emitWarning(text, 'MaxListenersExceededWarning');
    }
    return this;
  }

  setMaxListeners(n: number): this {
    this.maxListeners = n;
    return this;
  }

  addListener(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string, listener: Listener): this {
    const once = Object.assign(
      (...args: never[]) => {
        this.removeListener(event, listener);
        return listener(...args);
      },
      { original: listener },
    );
    return this.on(event, once);
  }

  removeListener(event: string, listener: Listener): this {
    const kept = (this.eventListeners.get(event) ?? []).filter(
      (l) => l !== listener && (l as { original?: Listener }).original !== listener,
    );
    this.eventListeners.set(event, kept);
    return this;
  }

  off(event: string, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  emit(event: string, ...args: unknown[]): boolean {
    const list = [...(this.eventListeners.get(event) ?? [])];
    for (const l of list) (l as (...a: unknown[]) => unknown)(...args);
    return list.length > 0;
  }

  listenerCount(event: string): number {
    return this.eventListeners.get(event)?.length ?? 0;
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) {
      this.eventListeners.clear();
      this.warnedFor.clear();
    } else {
      this.eventListeners.delete(event);
      this.warnedFor.delete(event);
    }
    return this;
  }
}

/** An Electron `Event`: `preventDefault()` and, for navigation events, the URL. */
export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;

/** The request Electron hands a certificate verify proc (Electron's `Request` of `setCertificateVerifyProc`). */
export interface FakeCertificateRequest {
  hostname: string;
  certificate: { data: string; issuerCert?: FakeCertificateRequest['certificate'] | null; fingerprint: string };
  validatedCertificate?: FakeCertificateRequest['certificate'];
  isIssuedByKnownRoot: boolean;
  verificationResult: string;
  errorCode: number;
}
type CertificateVerifyProc = (request: FakeCertificateRequest, callback: (result: number) => void) => void;

export class FakeSession extends FakeEmitter {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  certificateVerifyProc: CertificateVerifyProc | null = null;
  /** Every `setProxy` configuration, in order. */
  readonly proxyConfigs: Record<string, unknown>[] = [];
  /** What `resolveProxy` answers for a URL, as PAC / the OS would (`DIRECT`, `PROXY host:port`…). */
  pac: (url: string) => string = () => 'DIRECT';
  /** Every URL `resolveProxy` was asked about, in order. */
  readonly proxyQueries: string[] = [];
  resolveProxy(url: string): Promise<string> {
    this.proxyQueries.push(url);
    return Promise.resolve(this.pac(url));
  }
  constructor(readonly partition: string) {
    super();
  }
  setCertificateVerifyProc(proc: CertificateVerifyProc | null): void {
    this.certificateVerifyProc = proc;
  }
  async setProxy(config: Record<string, unknown>): Promise<void> {
    this.proxyConfigs.push(cloneAcross(config));
  }
  /** Chromium asks the proc about a certificate; resolves with its verdict (0 trusted, -2 refused, -3 Chromium decides). */
  verifyCertificate(request: FakeCertificateRequest): Promise<number> {
    const proc = this.certificateVerifyProc;
    if (!proc) return Promise.resolve(-3);
    return new Promise((resolve) => proc(request, resolve));
  }
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }
}

export class FakeFrame {
  constructor(
    public url: string,
    readonly parent: FakeFrame | null = null,
  ) {}
}

type WindowOpenHandler = (details: { url: string; frameName: string; features: string; disposition: string }) => {
  action: string;
};

let nextContentsId = 1;

export class FakeWebContents extends FakeEmitter {
  /** The next `loadURL` (of any web contents) rejects with this, as Electron's does for a failed load. */
  static failNextLoad: Error | null = null;
  readonly id = nextContentsId++;
  /** What `executeJavaScript(code)` answers: the test plays the page (null: the page is blank, answers undefined). */
  pageScript: ((code: string) => unknown) | null = null;
  /** The page of every web contents without its own {@link pageScript} (windows the code under test creates). */
  static defaultPageScript: ((contents: FakeWebContents, code: string) => unknown) | null = null;
  readonly mainFrame = new FakeFrame('');
  /** `send(channel, …args)` calls, main → renderer. */
  readonly sent: unknown[][] = [];
  /** Every URL the main process loaded. */
  readonly loaded: string[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  private destroyed = false;

  constructor(readonly session: FakeSession) {
    super();
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  /** Main → renderer: the arguments are cloned (and throw "could not be cloned" where Electron's would). */
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...cloneAcross(args)]);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    const failure = FakeWebContents.failNextLoad;
    if (failure) {
      FakeWebContents.failNextLoad = null;
      throw failure;
    }
    this.mainFrame.url = url;
    // As Electron: the page finished loading before loadURL resolves.
    queueMicrotask(() => this.emit('did-finish-load'));
  }
  async executeJavaScript(code: string): Promise<unknown> {
    const page = this.pageScript ?? ((c: string) => FakeWebContents.defaultPageScript?.(this, c));
    return cloneAcross(await page(code));
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }

  // What a page (or a compromised renderer) can attempt. Each answers whether it went through.

  /** A renderer-initiated navigation of the main frame; true unless a handler prevented it. */
  navigate(url: string): boolean {
    const event = new FakeEvent(url);
    this.emit('will-navigate', event, url, false, true);
    if (!event.defaultPrevented) this.mainFrame.url = url;
    return !event.defaultPrevented;
  }
  /** A server-side redirect during a navigation; true unless prevented. */
  redirect(url: string): boolean {
    const event = new FakeEvent(url);
    this.emit('will-redirect', event, url, false, true);
    return !event.defaultPrevented;
  }
  /** `window.open(url)`: what the window-open handler answers (Electron's default is to allow). */
  windowOpen(url: string): { action: string } {
    return (
      this.windowOpenHandler?.({ url, frameName: '', features: '', disposition: 'new-window' }) ?? { action: 'allow' }
    );
  }
  /** A `<webview>` about to attach; true unless prevented. */
  attachWebview(src: string): boolean {
    const event = new FakeEvent(src);
    this.emit('will-attach-webview', event, { preload: 'x.js', nodeIntegration: true }, { src });
    return !event.defaultPrevented;
  }
  /** The page sets `document.title`. */
  setPageTitle(title: string): void {
    const event = new FakeEvent();
    const win = FakeBrowserWindow.all.find((w) => w.webContents === this);
    win?.emit('page-title-updated', event, title, false);
    if (win && !event.defaultPrevented) win.title = title;
  }
}

export interface RecordedWindowOptions {
  title?: string;
  show?: boolean;
  webPreferences?: Record<string, unknown> & { partition?: string; preload?: string };
  [option: string]: unknown;
}

export class FakeBrowserWindow extends FakeEmitter {
  static readonly all: FakeBrowserWindow[] = [];
  readonly webContents: FakeWebContents;
  title: string;
  shown = false;
  focused = false;
  minimized = false;
  private destroyed = false;

  constructor(readonly options: RecordedWindowOptions = {}) {
    super();
    const partition = options.webPreferences?.partition;
    this.webContents = new FakeWebContents(partition ? session.fromPartition(partition) : session.defaultSession);
    this.title = options.title ?? '';
    FakeBrowserWindow.all.push(this);
    // As in Electron: emitted while the window is being constructed.
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  getTitle(): string {
    return this.title;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  show(): void {
    this.shown = true;
  }
  hide(): void {
    this.shown = false;
  }
  isVisible(): boolean {
    return this.shown;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Closes the window at once, without 'close' (Electron's `destroy`). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
  /** The user closes the window. */
  close(): void {
    if (this.destroyed) return;
    const event = new FakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
}

class FakeApp extends FakeEmitter {
  readonly paths = new Map<string, string>();
  isPackaged = false;
  hasSingleInstanceLock = true;
  sandboxEnabled = false;
  quitCalls = 0;
  /** True once a quit went through every `will-quit` listener without being prevented. */
  quitted = false;
  exitCode: number | null = null;
  private ready = false;
  private readyPromise!: Promise<void>;
  private resolveReady!: () => void;

  constructor() {
    super();
    this.resetReady();
  }
  resetReady(): void {
    this.ready = false;
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve));
  }
  /** The test's stand-in for Chromium finishing its start-up. */
  becomeReady(): void {
    this.ready = true;
    this.resolveReady();
    this.emit('ready');
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  requestSingleInstanceLock(): boolean {
    return this.hasSingleInstanceLock;
  }
  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }

  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() must be called before the app is ready');
    this.sandboxEnabled = true;
  }
  /** Windows' AppUserModelID, as set by `setAppUserModelId` (null: Electron's default). */
  appUserModelId: string | null = null;
  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }
  quit(): void {
    this.quitCalls++;
    const event = new FakeEvent();
    this.emit('will-quit', event);
    if (!event.defaultPrevented) this.quitted = true;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
  getName(): string {
    return 'OSLC Cluster Admin';
  }
  getVersion(): string {
    return '0.0.0-test';
  }
}

class FakeSessionModule {
  private readonly partitions = new Map<string, FakeSession>();
  defaultSession = new FakeSession('');
  fromPartition(partition: string): FakeSession {
    let s = this.partitions.get(partition);
    if (!s) {
      s = new FakeSession(partition);
      this.partitions.set(partition, s);
      app.emit('session-created', s);
    }
    return s;
  }
  all(): FakeSession[] {
    return [this.defaultSession, ...this.partitions.values()];
  }
  reset(): void {
    this.partitions.clear();
    this.defaultSession = new FakeSession('');
  }
}

type IpcHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends FakeEmitter {
  readonly handlers = new Map<string, IpcHandler>();
  handle(channel: string, handler: IpcHandler): void {
    // Electron refuses a second handler for one channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /**
   * `ipcRenderer.invoke(channel, …args)` arriving from `event`'s sender: the arguments and the answer
   * are cloned across, so a value Electron cannot send fails here too. No handler: Electron's error.
   */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler)
      throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return cloneAcross(await handler(event, ...cloneAcross(args)));
  }
}

class FakeIpcRenderer extends FakeEmitter {
  readonly invoked: unknown[][] = [];
  readonly sentToMain: unknown[][] = [];
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    // Cloned before it leaves, as Electron's serialization does: a thrown DataCloneError rejects the call.
    try {
      this.invoked.push([channel, ...cloneAcross(args)]);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return Promise.resolve({ ok: true, result: { channel } });
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentToMain.push([channel, ...cloneAcross(args)]);
  }
  /** A message from main on `channel`: the listeners get an event and clones of the arguments. */
  receive(channel: string, ...args: unknown[]): void {
    this.emit(channel, { sender: this, ports: [] }, ...cloneAcross(args));
  }
}

/**
 * A value crossing the context bridge, one way: functions become functions that copy their own
 * arguments and results back across, promises copy what they resolve to, and everything else is a
 * structured clone (Electron's bridge copies it into the other world; a Proxy or a URL does not cross).
 */
function acrossBridge(value: unknown): unknown {
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return (...args: unknown[]) => acrossBridge(fn(...args.map(acrossBridge)));
  }
  // (A preload run in a vm context has its own Object and Promise: test the shape, not the class.)
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
    return (value as Promise<unknown>).then(acrossBridge);
  }
  // Electron's bridge walks plain objects only (IsPlainObject excludes proxies and arrays); anything
  // else is structured-cloned, so a Proxy — a Svelte `$state`, at any depth — fails to cross.
  const proto: unknown =
    value !== null && typeof value === 'object' && !types.isProxy(value) && !Array.isArray(value)
      ? Object.getPrototypeOf(value)
      : undefined;
  if (proto === null || (proto !== undefined && Object.getPrototypeOf(proto) === null)) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, acrossBridge(v)]));
  }
  return cloneAcross(value);
}

class FakeContextBridge {
  /** What the page sees on `window[key]`: the exposed object as it arrives across the bridge. */
  readonly exposed: { key: string; api: unknown }[] = [];
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.push({ key, api: acrossBridge(api) });
  }
}

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

class FakeProtocol {
  readonly privileged: { scheme: string; privileges?: Record<string, boolean> }[][] = [];
  readonly handlers = new Map<string, ProtocolHandler>();
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: Record<string, boolean> }[]): void {
    if (app.isReady()) throw new Error('protocol.registerSchemesAsPrivileged must be called before the app is ready');
    this.privileged.push(schemes);
  }
  handle(scheme: string, handler: ProtocolHandler): void {
    if (this.handlers.has(scheme)) throw new Error(`The scheme ${scheme} is already handled`);
    this.handlers.set(scheme, handler);
  }
  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }
}

class FakeMenu {
  applicationMenu: { template: unknown[] } | null = null;
  buildFromTemplate(template: unknown[]): { template: unknown[] } {
    return { template };
  }
  setApplicationMenu(menu: { template: unknown[] } | null): void {
    this.applicationMenu = menu;
  }
}

/** The folder picker: answers what a test put in `next` (null = the admin cancelled). */
export class FakeDialog {
  next: string | null = null;
  readonly asked: { title: string; properties: string[] }[] = [];
  async showOpenDialog(
    ...args: [unknown, { title: string; properties: string[] }] | [{ title: string; properties: string[] }]
  ): Promise<{ canceled: boolean; filePaths: string[] }> {
    const options = args.length === 2 ? args[1] : args[0];
    this.asked.push(options);
    return this.next === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [this.next] };
  }
  /** Every message box shown (over a window or not). */
  readonly messages: { type?: string; message: string; detail?: string }[] = [];
  async showMessageBox(
    ...args:
      | [unknown, { type?: string; message: string; detail?: string }]
      | [{ type?: string; message: string; detail?: string }]
  ): Promise<{ response: number; checkboxChecked: boolean }> {
    this.messages.push(args.length === 2 ? args[1] : args[0]);
    return { response: 0, checkboxChecked: false };
  }
}

/** OS notifications: every one shown is recorded; `supported` plays a platform without them. */
export class FakeNotification extends FakeEmitter {
  static supported = true;
  static readonly shown: FakeNotification[] = [];
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  constructor(readonly options: { title: string; body: string; urgency?: string }) {
    super();
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
}

export const app = new FakeApp();
export const dialog = new FakeDialog();
export const session = new FakeSessionModule();
export const ipcMain = new FakeIpcMain();
export const ipcRenderer = new FakeIpcRenderer();
export const contextBridge = new FakeContextBridge();
export const protocol = new FakeProtocol();
export const menu = new FakeMenu();

/** What `vi.mock('electron', …)` should answer: the module's named exports. */
export const electronModule = {
  app,
  session,
  ipcMain,
  ipcRenderer,
  contextBridge,
  protocol,
  Menu: menu,
  dialog,
  BrowserWindow: FakeBrowserWindow,
  Notification: FakeNotification,
};

export function resetFakeElectron(): void {
  for (const e of [app, ipcMain, ipcRenderer]) e.removeAllListeners();
  app.resetReady();
  app.isPackaged = false;
  app.hasSingleInstanceLock = true;
  app.sandboxEnabled = false;
  app.paths.clear();
  app.quitCalls = 0;
  app.quitted = false;
  app.exitCode = null;
  session.reset();
  ipcMain.handlers.clear();
  ipcRenderer.invoked.length = 0;
  ipcRenderer.sentToMain.length = 0;
  contextBridge.exposed.length = 0;
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  menu.applicationMenu = null;
  dialog.next = null;
  dialog.asked.length = 0;
  dialog.messages.length = 0;
  app.appUserModelId = null;
  FakeWebContents.failNextLoad = null;
  FakeWebContents.defaultPageScript = null;
  maxListenerWarnings.length = 0;
  FakeBrowserWindow.all.length = 0;
  FakeNotification.shown.length = 0;
  FakeNotification.supported = true;
}

/** An IPC event as Electron builds it, from a web contents and the frame that sent it. */
export function ipcEvent(
  sender: FakeWebContents,
  frame: FakeFrame | null = sender.mainFrame,
): {
  sender: FakeWebContents;
  senderFrame: FakeFrame | null;
} {
  return { sender, senderFrame: frame };
}
