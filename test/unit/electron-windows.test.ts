/**
 * The windows and the lock on every web contents (electron/desktop/windows.ts), with a fake `electron`:
 * the hardened webPreferences of every window, navigation and window.open refused, permissions
 * denied in every session, <webview> refused, and the node-pinned window's lock, title and partition.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, FakeWebContents, dialog, resetFakeElectron, session } from '../_fake-electron.ts';
import { ShellWindows, consoleStartUrl } from '../../electron/desktop/windows.ts';
import type { PinnedTarget, PinnedTrust } from '../../electron/desktop/windows.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

/** The settings the Electron security checklist asks of every window. */
const HARDENED = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
};

const NODE1: PinnedTarget = {
  cluster: 'prod',
  node: 'node1',
  url: 'https://cq1.example.com:9443/cqweb/admin',
  title: 'node1 — https://cq1.example.com:9443/cqweb',
};

let pinnedTargetFor: ReturnType<typeof vi.fn<(url: string) => Promise<PinnedTarget | null>>>;
let windows: ShellWindows;
/** The one certificate the stand-in engine trusts for cluster prod (null: none). */
let trustedPem: string | null;
let pinnedTrustFor: ReturnType<typeof vi.fn<(target: PinnedTarget) => PinnedTrust>>;

function contentsOf(win: { webContents: unknown }): FakeWebContents {
  return win.webContents as FakeWebContents;
}

beforeEach(() => {
  resetFakeElectron();
  pinnedTargetFor = vi.fn(async (url: string) =>
    url.startsWith('https://cq1.example.com:9443/') ? { ...NODE1, url } : null,
  );
  trustedPem = null;
  pinnedTrustFor = vi.fn((target: PinnedTarget) => ({
    certificateTrusted: async (pem: string) => pem === trustedPem && target.cluster === 'prod',
    proxy: { mode: 'fixed_servers' as const, proxyRules: 'http://proxy.example.com:3128' },
  }));
  windows = new ShellWindows({
    distDir: '/app/dist',
    startUrl: 'app://console/index.html',
    pinnedTargetFor,
    pinnedTrustFor,
  });
  windows.install();
});

describe('the main window', () => {
  it('is created with every hardened webPreference and the preload from dist/preload.cjs', () => {
    windows.createMainWindow();
    const [win] = FakeBrowserWindow.all;
    expect(win!.options.webPreferences).toEqual({ ...HARDENED, preload: '/app/dist/preload.cjs' });
    expect(win!.options.show).toBe(false);
  });

  it('loads the console from app://console/index.html and shows itself once ready', () => {
    const win = windows.createMainWindow() as unknown as FakeBrowserWindow;
    expect(contentsOf(win).loaded).toEqual(['app://console/index.html']);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('may navigate within app://console/ but not to any other origin or scheme', () => {
    const contents = contentsOf(windows.createMainWindow());
    expect(contents.navigate('app://console/index.html#/clusters')).toBe(true);
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://other/index.html',
      'javascript:alert(1)',
      'https://cq1.example.com:9443/cqweb/admin',
    ]) {
      expect(contents.navigate(url), url).toBe(false);
      expect(contents.redirect(url), url).toBe(false);
    }
  });

  it('denies window.open and opens nothing for a URL on no configured node, and tells the admin so', async () => {
    const contents = contentsOf(windows.createMainWindow());
    expect(contents.windowOpen('https://evil.example/path?secret=1')).toEqual({ action: 'deny' });
    expect(contents.windowOpen('file:///etc/passwd')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(pinnedTargetFor).toHaveBeenCalledWith('https://evil.example/path?secret=1'));
    await vi.waitFor(() => expect(dialog.messages).toHaveLength(1));
    expect(FakeBrowserWindow.all).toHaveLength(1);
    expect(dialog.messages[0]).toMatchObject({ type: 'info', message: 'This page was not opened' });
    expect(dialog.messages[0]!.detail).toContain('https://evil.example is not a node of any configured cluster');
    expect(dialog.messages[0]!.detail).not.toContain('secret');
    // Only http(s) is looked up at all; other schemes are refused without a word.
    expect(pinnedTargetFor).not.toHaveBeenCalledWith('file:///etc/passwd');
  });

  it('turns window.open of a configured node page into a node-pinned window, still denying the default', async () => {
    const contents = contentsOf(windows.createMainWindow());
    expect(contents.windowOpen('https://cq1.example.com:9443/cqweb/admin')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(FakeBrowserWindow.all).toHaveLength(2));
    const pinned = FakeBrowserWindow.all[1]!;
    expect(pinned.options.webPreferences).toEqual({ ...HARDENED, partition: 'pinned:prod:node1' });
    expect(contentsOf(pinned).loaded).toEqual(['https://cq1.example.com:9443/cqweb/admin']);
  });

  describe("the flow tester's authorize page, opened from the console while its flow runs", () => {
    const BALANCER_AUTHORIZE = 'https://lb.example.com/cqweb/oauth/authorize?oauth_token=t1';
    const NODE_AUTHORIZE = 'https://cq1.example.com:9443/cqweb/oauth/authorize?oauth_token=t1';
    const CALLBACK = 'http://127.0.0.1:4567/oslc-admin/callback/0123abcd?oauth_token=t1&oauth_verifier=v';
    const flowTarget: PinnedTarget = {
      cluster: 'prod',
      node: 'balancer',
      url: BALANCER_AUTHORIZE,
      title: 'balancer — https://lb.example.com',
      allowFlowCallback: true,
    };

    it('on the issuing node: opens pinned to that node and may redirect to the callback', async () => {
      const undo = windows.expectFlowAuthorize({ target: flowTarget, urls: [BALANCER_AUTHORIZE, NODE_AUTHORIZE] });
      const contents = contentsOf(windows.createMainWindow());
      expect(contents.windowOpen(NODE_AUTHORIZE)).toEqual({ action: 'deny' });
      await vi.waitFor(() => expect(FakeBrowserWindow.all).toHaveLength(2));
      const pinned = FakeBrowserWindow.all[1]!;
      expect(pinned.options.webPreferences!.partition).toBe('pinned:prod:node1');
      expect(contentsOf(pinned).loaded).toEqual([NODE_AUTHORIZE]);
      expect(contentsOf(pinned).redirect(CALLBACK)).toBe(true);
      undo();
    });

    it("a node URL carrying the running flow's request token counts too (the console may rebuild it)", async () => {
      windows.expectFlowAuthorize({ target: flowTarget, urls: [BALANCER_AUTHORIZE] });
      const contents = contentsOf(windows.createMainWindow());
      contents.windowOpen('https://cq1.example.com:9443/cqweb/oauth/authorize?oauth_token=t1&x=1');
      await vi.waitFor(() => expect(FakeBrowserWindow.all).toHaveLength(2));
      expect(contentsOf(FakeBrowserWindow.all[1]!).redirect(CALLBACK)).toBe(true);
    });

    it('on the balancer (no node): opens pinned to the balancer, with the callback allowance', async () => {
      windows.expectFlowAuthorize({ target: flowTarget, urls: [BALANCER_AUTHORIZE, NODE_AUTHORIZE] });
      const contents = contentsOf(windows.createMainWindow());
      contents.windowOpen(BALANCER_AUTHORIZE);
      await vi.waitFor(() => expect(FakeBrowserWindow.all).toHaveLength(2));
      const pinned = FakeBrowserWindow.all[1]!;
      expect(pinned.options.webPreferences!.partition).toBe('pinned:prod:balancer');
      expect(pinned.title).toBe('balancer — https://lb.example.com');
      expect(contentsOf(pinned).redirect(CALLBACK)).toBe(true);
      expect(contentsOf(pinned).navigate('https://cq1.example.com:9443/')).toBe(false);
      expect(dialog.messages).toEqual([]);
    });

    it('reuses the window the flow already opened instead of opening a second one', async () => {
      windows.expectFlowAuthorize({ target: flowTarget, urls: [BALANCER_AUTHORIZE] });
      windows.openNodePinnedWindow(flowTarget);
      const contents = contentsOf(windows.createMainWindow());
      contents.windowOpen(BALANCER_AUTHORIZE);
      await vi.waitFor(() => expect(contentsOf(FakeBrowserWindow.all[0]!).loaded).toHaveLength(2));
      expect(FakeBrowserWindow.all).toHaveLength(2);
    });

    it('once the flow is over, the node page opens without the allowance and the balancer page not at all', async () => {
      const undo = windows.expectFlowAuthorize({ target: flowTarget, urls: [BALANCER_AUTHORIZE, NODE_AUTHORIZE] });
      undo();
      const contents = contentsOf(windows.createMainWindow());
      contents.windowOpen(NODE_AUTHORIZE);
      await vi.waitFor(() => expect(FakeBrowserWindow.all).toHaveLength(2));
      expect(contentsOf(FakeBrowserWindow.all[1]!).redirect(CALLBACK)).toBe(false);
      contents.windowOpen(BALANCER_AUTHORIZE);
      await vi.waitFor(() => expect(dialog.messages).toHaveLength(1));
      expect(FakeBrowserWindow.all).toHaveLength(2);
    });
  });

  it('is the only kind of window whose web contents count as the console', () => {
    const main = contentsOf(windows.createMainWindow());
    const pinned = contentsOf(windows.openNodePinnedWindow(NODE1).window);
    expect(windows.isMainWindowContents(main.id)).toBe(true);
    expect(windows.isMainWindowContents(pinned.id)).toBe(false);
    main.destroy();
    expect(windows.isMainWindowContents(main.id)).toBe(false);
  });

  it('is brought forward, restored, when a second instance starts', () => {
    const win = windows.createMainWindow() as unknown as FakeBrowserWindow;
    win.minimized = true;
    windows.showMainWindow();
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(true);
    expect(FakeBrowserWindow.all).toHaveLength(1);
  });

  it('is created again when a second instance or a notification asks for it and none is open', () => {
    const first = windows.createMainWindow() as unknown as FakeBrowserWindow;
    first.close();
    expect(windows.mainWindow).toBeNull();
    windows.showMainWindow();
    expect(FakeBrowserWindow.all).toHaveLength(2);
    expect(windows.mainWindow).toBe(FakeBrowserWindow.all[1]);
    expect(contentsOf(FakeBrowserWindow.all[1]!).loaded).toEqual(['app://console/index.html']);
  });

  it('says on stderr when the console fails to load, instead of leaving an unhandled rejection', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      FakeWebContents.failNextLoad = new Error('ERR_FILE_NOT_FOUND (-6) loading app://console/index.html');
      windows.createMainWindow();
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).not.toHaveBeenCalled();
      expect(errors).toHaveBeenCalledWith(
        'The console did not load from app://console/index.html: ERR_FILE_NOT_FOUND (-6) loading app://console/index.html',
      );
    } finally {
      process.removeListener('unhandledRejection', unhandled);
      errors.mockRestore();
    }
  });
});

describe('every web contents and session', () => {
  it('refuses to attach a <webview>, in the main window and in pinned windows', () => {
    expect(contentsOf(windows.createMainWindow()).attachWebview('https://evil.example/')).toBe(false);
    expect(contentsOf(windows.openNodePinnedWindow(NODE1).window).attachWebview(NODE1.url)).toBe(false);
  });

  it('locks web contents the shell did not create itself (devtools, …): no navigation, no window', () => {
    const stray = new FakeBrowserWindow({});
    expect(contentsOf(stray).navigate('app://console/index.html')).toBe(false);
    expect(contentsOf(stray).windowOpen('app://console/index.html')).toEqual({ action: 'deny' });
    expect(contentsOf(stray).attachWebview('app://console/index.html')).toBe(false);
  });

  it('denies every permission request and check, in the default session and in every pinned partition', () => {
    windows.createMainWindow();
    windows.openNodePinnedWindow(NODE1);
    windows.openNodePinnedWindow({ ...NODE1, node: 'node2', url: 'https://cq2.example.com:9443/cqweb/admin' });
    // A session made later, by anyone, is locked as it is created.
    session.fromPartition('persist:later');
    const sessions = session.all();
    expect(sessions.map((s) => s.partition)).toEqual(['', 'pinned:prod:node1', 'pinned:prod:node2', 'persist:later']);
    for (const s of sessions) {
      for (const permission of [
        'media',
        'geolocation',
        'notifications',
        'clipboard-read',
        'openExternal',
        'fullscreen',
      ]) {
        const callback = vi.fn();
        s.permissionRequestHandler!({}, permission, callback);
        expect(callback, `${s.partition} ${permission}`).toHaveBeenCalledWith(false);
        expect(s.permissionCheckHandler!({}, permission, 'app://console', {}), `${s.partition} ${permission}`).toBe(
          false,
        );
      }
    }
  });
});

describe('a node-pinned window', () => {
  it('has every hardened webPreference, no preload, and its own non-persistent partition', () => {
    windows.openNodePinnedWindow(NODE1);
    const prefs = FakeBrowserWindow.all[0]!.options.webPreferences!;
    expect(prefs).toEqual({ ...HARDENED, partition: 'pinned:prod:node1' });
    expect(prefs).not.toHaveProperty('preload');
    expect(prefs.partition!.startsWith('persist:')).toBe(false);
  });

  it('keeps the title "<node id> — <node url>" whatever the page calls itself', () => {
    const { window } = windows.openNodePinnedWindow(NODE1);
    const win = window as unknown as FakeBrowserWindow;
    expect(win.title).toBe('node1 — https://cq1.example.com:9443/cqweb');
    contentsOf(win).setPageTitle('node2 — Site Administration');
    expect(win.title).toBe('node1 — https://cq1.example.com:9443/cqweb');
  });

  it("navigates and redirects on its node's origin only; anything else is prevented and opened nowhere", async () => {
    const contents = contentsOf(windows.openNodePinnedWindow(NODE1).window);
    expect(contents.navigate('https://cq1.example.com:9443/cqweb/oslc/login')).toBe(true);
    expect(contents.redirect('https://cq1.example.com:9443/cqweb/admin?x=1')).toBe(true);
    for (const url of [
      'https://cq2.example.com:9443/cqweb/admin',
      'http://cq1.example.com:9443/cqweb/admin',
      'https://cq1.example.com/cqweb/admin',
      'https://balancer.example.com/cqweb/admin',
      'app://console/index.html',
      'http://127.0.0.1:4567/oslc-admin/callback/abc',
    ]) {
      expect(contents.navigate(url), url).toBe(false);
      expect(contents.redirect(url), url).toBe(false);
    }
    expect(contents.windowOpen('https://cq1.example.com:9443/cqweb/other')).toEqual({ action: 'deny' });
    await new Promise((r) => setTimeout(r, 10));
    expect(pinnedTargetFor).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.all).toHaveLength(1);
  });

  it("for the flow's authorize page, also lets the page redirect to the flow's loopback callback", () => {
    const contents = contentsOf(windows.openNodePinnedWindow({ ...NODE1, allowFlowCallback: true }).window);
    expect(contents.redirect('http://127.0.0.1:4567/oslc-admin/callback/0123abcd?oauth_token=t')).toBe(true);
    expect(contents.redirect('http://127.0.0.1:4567/other')).toBe(false);
    expect(contents.redirect('http://localhost:4567/oslc-admin/callback/0123abcd')).toBe(false);
  });

  it("trusts its node's certificate exactly when the engine does, and leaves other hosts to Chromium", async () => {
    windows.openNodePinnedWindow(NODE1);
    const ses = session.fromPartition('pinned:prod:node1');
    expect(ses.certificateVerifyProc).not.toBeNull();
    const request = (hostname: string, data: string) => ({
      hostname,
      certificate: { data, fingerprint: 'sha256/x' },
      isIssuedByKnownRoot: false,
      verificationResult: 'net::ERR_CERT_AUTHORITY_INVALID',
      errorCode: -202,
    });
    trustedPem = '-----BEGIN CERTIFICATE-----\nnode1\n-----END CERTIFICATE-----';
    // The engine trusts it (its CA bundle or a pin) although Chromium's own roots do not: trusted.
    expect(await ses.verifyCertificate(request('cq1.example.com', trustedPem))).toBe(0);
    // Another certificate for the same node: refused, whatever Chromium thought of it.
    expect(await ses.verifyCertificate(request('cq1.example.com', 'other'))).toBe(-2);
    // A host that is not the node (a page's image from elsewhere): Chromium's own verification.
    expect(await ses.verifyCertificate(request('cdn.example.net', trustedPem))).toBe(-3);
    expect(pinnedTrustFor).toHaveBeenCalledWith(NODE1);
    // The console's own session and the default session get no such hook.
    expect(session.defaultSession.certificateVerifyProc).toBeNull();
  });

  it("refuses the node's certificate when the engine's check fails (node unreachable, cluster gone)", async () => {
    pinnedTrustFor.mockImplementationOnce(() => ({
      certificateTrusted: async () => {
        throw new Error('cluster prod is not configured');
      },
      proxy: { mode: 'direct' },
    }));
    windows.openNodePinnedWindow(NODE1);
    const ses = session.fromPartition('pinned:prod:node1');
    const verdict = await ses.verifyCertificate({
      hostname: 'cq1.example.com',
      certificate: { data: 'x', fingerprint: 'sha256/x' },
      isIssuedByKnownRoot: true,
      verificationResult: 'net::OK',
      errorCode: 0,
    });
    expect(verdict).toBe(-2);
  });

  it("uses the engine's proxy for its node, set before the page is loaded", async () => {
    const pinned = windows.openNodePinnedWindow(NODE1).window as unknown as FakeBrowserWindow;
    const ses = session.fromPartition('pinned:prod:node1');
    await vi.waitFor(() => expect(contentsOf(pinned).loaded).toEqual([NODE1.url]));
    expect(ses.proxyConfigs).toEqual([{ mode: 'fixed_servers', proxyRules: 'http://proxy.example.com:3128' }]);
    expect(session.defaultSession.proxyConfigs).toEqual([]);
  });

  it('resolves its promise when the admin closes it', async () => {
    const pinned = windows.openNodePinnedWindow(NODE1);
    let closed = false;
    void pinned.closed.then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    (pinned.window as unknown as FakeBrowserWindow).close();
    await pinned.closed;
    expect(closed).toBe(true);
  });

  it('is reused for the same node while open, sent to the new page', () => {
    const first = windows.openNodePinnedWindow(NODE1);
    const again = windows.openNodePinnedWindow({ ...NODE1, url: 'https://cq1.example.com:9443/cqweb/admin#keys' });
    expect(again).toBe(first);
    expect(FakeBrowserWindow.all).toHaveLength(1);
    expect(contentsOf(first.window).loaded.at(-1)).toBe('https://cq1.example.com:9443/cqweb/admin#keys');
  });

  it('refuses a page that is not http(s)', () => {
    expect(() => windows.openNodePinnedWindow({ ...NODE1, url: 'file:///etc/passwd' })).toThrow(/http\(s\)/);
    expect(FakeBrowserWindow.all).toHaveLength(0);
  });
});

describe('the start URL', () => {
  it('is the app:// console in a packaged build, whatever OSLC_ADMIN_DEV_URL says', () => {
    expect(consoleStartUrl(true, { OSLC_ADMIN_DEV_URL: 'http://127.0.0.1:5173/' })).toBe('app://console/index.html');
    expect(consoleStartUrl(false, {})).toBe('app://console/index.html');
  });

  it('is a loopback dev server only when unpackaged and asked for; anything else is refused', () => {
    expect(consoleStartUrl(false, { OSLC_ADMIN_DEV_URL: 'http://localhost:5173/' })).toBe('http://localhost:5173/');
    for (const url of ['https://evil.example/', 'http://10.0.0.1:5173/', 'file:///tmp/index.html', 'nonsense']) {
      expect(() => consoleStartUrl(false, { OSLC_ADMIN_DEV_URL: url }), url).toThrow(/OSLC_ADMIN_DEV_URL/);
    }
  });

  it('with a dev server, counts that origin as the console (navigation) and nothing else', () => {
    const dev = new ShellWindows({
      distDir: '/app/dist',
      startUrl: 'http://127.0.0.1:5173/',
      pinnedTargetFor,
      pinnedTrustFor,
    });
    expect(dev.isConsoleUrl('http://127.0.0.1:5173/index.html')).toBe(true);
    expect(dev.isConsoleUrl('http://127.0.0.1:5174/')).toBe(false);
    expect(windows.isConsoleUrl('http://127.0.0.1:5173/')).toBe(false);
    expect(windows.isConsoleUrl('app://console/index.html')).toBe(true);
  });
});

describe('the folder picker', () => {
  it('asks over the main window for a folder it may create, and answers null when cancelled', async () => {
    windows.createMainWindow();
    dialog.next = '/home/admin/reports';
    expect(await windows.chooseDirectory('Where to save')).toBe('/home/admin/reports');
    expect(dialog.asked[0]).toEqual({ title: 'Where to save', properties: ['openDirectory', 'createDirectory'] });
    dialog.next = null;
    expect(await windows.chooseDirectory('Where to save')).toBeNull();
  });
});
