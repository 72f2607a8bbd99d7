/**
 * electron/desktop/main.ts wires the shell together (with a fake `electron` and a stand-in first run): the
 * scheme and the renderer sandbox before ready, one instance, the menu, the protocol, every IPC
 * channel, the main window on app://console/, and the sandbox and engine closed before quitting.
 * Also the menu's packaged/unpackaged difference (electron/desktop/menu.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OPERATIONS } from '../../shared/contract.ts';
import { CANCEL_CHANNEL, ipcChannel } from '../../shared/door.ts';
import { appMenuTemplate } from '../../electron/desktop/menu.ts';
import { SHUTDOWN_DEADLINE_MS } from '../../electron/desktop/shutdown.ts';
import * as fake from '../_fake-electron.ts';
import type { MenuItemConstructorOptions } from 'electron';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const firstRun = vi.hoisted(() => ({
  close: vi.fn(async () => undefined),
  calls: [] as { home: string }[],
  /** While set, the first run waits for it (the keychain asking to be unlocked). */
  gate: null as Promise<void> | null,
}));
vi.mock('../../electron/server/first-run.ts', () => ({
  ensureFirstRunSandbox: async (_engine: unknown, home: string) => {
    firstRun.calls.push({ home });
    if (firstRun.gate) await firstRun.gate;
    return { close: firstRun.close, info: {} };
  },
}));

const home = mkdtempSync(join(tmpdir(), 'oslc-main-'));
const saved = { home: process.env.OSLC_ADMIN_HOME, dev: process.env.OSLC_ADMIN_DEV_URL };
afterAll(() => {
  process.env.OSLC_ADMIN_HOME = saved.home;
  process.env.OSLC_ADMIN_DEV_URL = saved.dev;
  rmSync(home, { recursive: true, force: true });
});

/** A fresh fake and a fresh main process, started as Electron would start it. */
let launches = 0;
async function launch(opts: { singleInstance?: boolean } = {}) {
  process.env.OSLC_ADMIN_HOME = home;
  delete process.env.OSLC_ADMIN_DEV_URL;
  fake.resetFakeElectron();
  fake.app.hasSingleInstanceLock = opts.singleInstance ?? true;
  // A query makes a new module instance: main.ts does its work when it is evaluated, as in Electron.
  const main = new URL('../../electron/desktop/main.ts', import.meta.url).pathname;
  await import(/* @vite-ignore */ `${main}?launch=${++launches}`);
  return fake;
}

beforeEach(() => {
  firstRun.close.mockReset();
  firstRun.close.mockImplementation(async () => undefined);
  firstRun.calls.length = 0;
  firstRun.gate = null;
});

describe('the main process', () => {
  it('registers app:// as privileged and enables the sandbox for every renderer before ready', async () => {
    const fake = await launch();
    expect(fake.app.isReady()).toBe(false);
    expect(fake.protocol.privileged).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true } }]]);
    expect(fake.app.sandboxEnabled).toBe(true);
    expect(fake.app.paths.get('userData')).toMatch(/[/\\]electron$/);
    expect(fake.FakeBrowserWindow.all).toHaveLength(0);
  });

  it('when ready: menu, app:// handler, every IPC channel, the first-run sandbox, the console window', async () => {
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    expect(fake.menu.applicationMenu).not.toBeNull();
    expect([...fake.protocol.handlers.keys()]).toEqual(['app']);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(OPERATIONS.map((op) => ipcChannel(op)).sort());
    expect(fake.ipcMain.listenerCount(CANCEL_CHANNEL)).toBe(1);
    expect(firstRun.calls).toEqual([{ home }]);
    const win = fake.FakeBrowserWindow.all[0]!;
    expect(win.webContents.loaded).toEqual(['app://console/index.html']);
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(win.options.webPreferences!.preload).toMatch(/preload\.cjs$/);
  });

  it('shows the console window before the first-run sandbox is registered; its calls wait for it', async () => {
    let release!: () => void;
    firstRun.gate = new Promise<void>((r) => (release = r));
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    expect(firstRun.calls).toHaveLength(1);
    const win = fake.FakeBrowserWindow.all[0]!;
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
    // A second launch meanwhile brings that window forward.
    win.minimized = true;
    fake.app.emit('second-instance', new fake.FakeEvent(), [], '/');
    expect(win.minimized).toBe(false);
    // The console's first call waits until the sandbox is registered, then is answered.
    let answered = false;
    const reply = fake.ipcMain
      .invoke(ipcChannel('listClusters'), fake.ipcEvent(win.webContents), {}, 'call-1')
      .then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 30));
    expect(answered).toBe(false);
    release();
    expect(await reply).toMatchObject({ ok: true });
  });

  it("on Windows, claims electron-builder.yml's appId as the AppUserModelID (toasts show only for it)", async () => {
    const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    const appId = /^appId:\s*(\S+)$/m.exec(yml)?.[1];
    expect(appId).toBe('org.oslc.cluster-admin');
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      const fake = await launch();
      expect(fake.app.appUserModelId).toBe(appId);
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
  });

  it('creates the console window again when a second instance starts and none is open', async () => {
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    // macOS keeps the app running with no window; elsewhere a window that failed to open does the same.
    fake.app.removeAllListeners('window-all-closed');
    fake.FakeBrowserWindow.all[0]!.close();
    fake.app.emit('second-instance', new fake.FakeEvent(), [], '/');
    expect(fake.FakeBrowserWindow.all).toHaveLength(2);
    expect(fake.FakeBrowserWindow.all[1]!.webContents.loaded).toEqual(['app://console/index.html']);
  });

  it('exits anyway when closing the sandbox hangs past the deadline, releasing the lock', async () => {
    firstRun.close.mockImplementation(() => new Promise<undefined>(() => undefined));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    await vi.waitFor(() => expect(fake.ipcMain.handlers.size).toBeGreaterThan(0));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      fake.app.quit();
      // A second launch while it shuts down opens nothing.
      fake.app.emit('second-instance', new fake.FakeEvent(), [], '/');
      expect(fake.FakeBrowserWindow.all).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(SHUTDOWN_DEADLINE_MS - 100);
      expect(fake.app.exitCode).toBeNull();
      await vi.advanceTimersByTimeAsync(200);
      expect(fake.app.exitCode).toBe(0);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(`did not close within ${SHUTDOWN_DEADLINE_MS} ms`));
    } finally {
      vi.useRealTimers();
      errors.mockRestore();
    }
  });

  it('focuses the existing window when a second instance starts', async () => {
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    fake.app.emit('second-instance', new fake.FakeEvent(), [], '/');
    expect(fake.FakeBrowserWindow.all).toHaveLength(1);
    expect(fake.FakeBrowserWindow.all[0]!.focused).toBe(true);
  });

  it('quits at once, with no window, when another instance holds the lock', async () => {
    const fake = await launch({ singleInstance: false });
    expect(fake.app.quitCalls).toBe(1);
    fake.app.becomeReady();
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.FakeBrowserWindow.all).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('closes the sandbox and the engine before it lets the app quit, and stops answering IPC', async () => {
    const fake = await launch();
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.all).toHaveLength(1));
    fake.app.quit();
    expect(fake.app.quitted).toBe(false);
    await vi.waitFor(() => expect(fake.app.quitted).toBe(true));
    expect(firstRun.close).toHaveBeenCalledTimes(1);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });
});

describe('the app menu', () => {
  const roles = (template: MenuItemConstructorOptions[]) =>
    template.flatMap((m) => [
      m.role,
      ...((m.submenu as MenuItemConstructorOptions[] | undefined) ?? []).map((i) => i.role),
    ]);

  it('has File › Quit, the standard Edit roles, zoom and Help › About', () => {
    const all = roles(appMenuTemplate({ isPackaged: true, platform: 'linux' }));
    for (const role of [
      'quit',
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'selectAll',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'about',
    ]) {
      expect(all, role).toContain(role);
    }
  });

  it('offers reload and the developer tools only in an unpackaged build', () => {
    const packaged = roles(appMenuTemplate({ isPackaged: true, platform: 'linux' }));
    const dev = roles(appMenuTemplate({ isPackaged: false, platform: 'linux' }));
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) {
      expect(packaged, role).not.toContain(role);
      expect(dev, role).toContain(role);
    }
  });
});
