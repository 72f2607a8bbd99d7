/**
 * The desktop app's main process. Only wiring: each area is its own module — the app:// scheme
 * (protocol.ts), the windows and their locks (windows.ts), the IPC door (ipc.ts), the menu
 * (menu.ts) — over the one engine every door shares (core/facade.ts).
 */
import { app, session } from 'electron';
import { systemProxyResolver } from './system-proxy.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHome } from '../core/config/home.ts';
import { Engine } from '../core/facade.ts';
import { OsKeychain } from '../core/keychain.ts';
import { OverlaySecretStore } from '../core/secret-overlay.ts';
import { ensureFirstRunSandbox, startEmbeddedSandbox } from '../server/first-run.ts';
import { installIpc } from './ipc.ts';
import { installAppMenu } from './menu.ts';
import { watchNotifier } from './notify.ts';
import { pinnedTargetForUrl, pinnedTrustFor } from './pinned-target.ts';
import { APP_ID } from './app-id.ts';
import { registerAppScheme, serveConsole } from './protocol.ts';
import { SELF_TEST_FLAG, runSelfTest } from './self-test.ts';
import { SHUTDOWN_DEADLINE_MS, settleWithin } from './shutdown.ts';
import { ShellWindows, consoleStartUrl } from './windows.ts';

/** dist/: the built main sits beside preload.cjs and renderer/. */
const distDir = dirname(fileURLToPath(import.meta.url));

// Both must happen before `ready`: the scheme's privileges, and the sandbox for every renderer
// whatever a window's options say (Electron security checklist §4).
registerAppScheme();
app.enableSandbox();
/** `--self-test`: check this build and exit (electron/desktop/self-test.ts); it never touches the running app's profile. */
const selfTest = process.argv.includes(SELF_TEST_FLAG);
// Chromium's profile and the single-instance lock live under the config home, not in a folder of
// the same name as it (Linux: ~/.config/oslc-cluster-admin holds clusters.json and audit.jsonl).
const selfTestProfile = selfTest ? mkdtempSync(join(tmpdir(), 'oslc-admin-self-test-')) : null;
app.setPath('userData', selfTestProfile ?? join(resolveHome(), 'electron'));
// Windows shows a toast only for the AppUserModelID of the app's shortcut (the installer's appId).
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

async function start(): Promise<void> {
  const home = resolveHome();
  // As in the CLI (cli/context.ts): the OS keychain, with a service name tests can make their own.
  const secrets = new OverlaySecretStore(new OsKeychain(process.env.OSLC_ADMIN_KEYCHAIN_SERVICE || undefined));
  // Each node's proxy as the OS (settings, PAC, WPAD) says, through Chromium: system-proxy.ts.
  const proxyResolver = systemProxyResolver(async () => {
    await app.whenReady();
    return session.defaultSession;
  });
  const engine = new Engine({ home, secrets, proxyResolver });
  const windows = new ShellWindows({
    distDir,
    startUrl: consoleStartUrl(app.isPackaged, process.env),
    pinnedTargetFor: (url) => pinnedTargetForUrl(engine, url),
    pinnedTrustFor: (target) => pinnedTrustFor(engine, target),
  });
  let sandbox: { close(): Promise<void> } | null = null;
  let disposeIpc: () => void = () => undefined;
  let shutDown = false;
  let shuttingDown = false;

  // A second launch shows this one's console — and opens it again when it has no window left.
  app.on('second-instance', () => {
    if (app.isReady() && !shuttingDown) windows.showMainWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && !shuttingDown && !windows.mainWindow) windows.createMainWindow();
  });
  // The sandbox's listeners and the engine's HTTP agents are closed before the process goes, within
  // a deadline: past it the process exits anyway, releasing the single-instance lock.
  app.on('will-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    if (shuttingDown) return;
    shuttingDown = true;
    disposeIpc();
    void settleWithin([sandbox?.close(), engine.close()], SHUTDOWN_DEADLINE_MS).then((how) => {
      shutDown = true;
      if (how === 'closed') {
        app.quit();
        return;
      }
      console.error(
        `The embedded sandbox or the engine did not close within ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway.`,
      );
      app.exit(0);
    });
  });

  await app.whenReady();
  installAppMenu({ isPackaged: app.isPackaged });
  serveConsole(join(distDir, 'renderer'));
  windows.install();
  // The window shows at once; its calls wait until the first-run sandbox is registered (storing its
  // login can take a minute while the OS asks to unlock the keyring), so the console never sees a
  // half-registered cluster, and a second launch meanwhile has a window to bring forward.
  let firstRunDone!: () => void;
  const firstRun = new Promise<void>((resolve) => (firstRunDone = resolve));
  disposeIpc = installIpc(engine, windows, { ready: firstRun });
  // "Watch this cluster": the loop runs here, in the main process; a change worth knowing is an OS notification.
  engine.consoleWatch.notify = watchNotifier(windows);
  windows.createMainWindow();
  // The empty console's "Start the sandbox" (after the admin removed it, or when the first run did not).
  engine.sandboxStarter = async () => {
    const run = await startEmbeddedSandbox(engine, home);
    sandbox = run;
    return run.cluster;
  };
  try {
    sandbox = await ensureFirstRunSandbox(engine, home);
  } catch (e) {
    // The console still works; without a cluster it offers to add one.
    console.error(`The embedded sandbox did not start: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    firstRunDone();
  }
}

/** The packaged build's self-check: a hidden console window, one IPC call, the CSP, the keychain; one JSON line. */
async function selfTestAndExit(): Promise<void> {
  const home = resolveHome();
  const engine = new Engine({ home, secrets: new OverlaySecretStore(new OsKeychain()) });
  const windows = new ShellWindows({
    distDir,
    startUrl: consoleStartUrl(app.isPackaged, process.env),
    pinnedTargetFor: async () => null,
    pinnedTrustFor: (target) => pinnedTrustFor(engine, target),
  });
  await app.whenReady();
  serveConsole(join(distDir, 'renderer'));
  windows.install();
  const disposeIpc = installIpc(engine, windows);
  const report = await runSelfTest({
    rendererDir: join(distDir, 'renderer'),
    openHiddenConsole: () => windows.createMainWindow({ hidden: true }),
  });
  disposeIpc();
  await settleWithin([engine.close()], SHUTDOWN_DEADLINE_MS);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (selfTestProfile) rmSync(selfTestProfile, { recursive: true, force: true });
  app.exit(report.ok ? 0 : 1);
}

if (selfTest) {
  selfTestAndExit().catch((e: unknown) => {
    const reason = e instanceof Error ? e.message : String(e);
    process.stdout.write(`${JSON.stringify({ selfTest: 'oslc-cluster-admin', ok: false, error: reason })}\n`);
    app.exit(1);
  });
} else if (app.requestSingleInstanceLock()) {
  // One process per config home: a second launch hands over to the first, which shows its window.
  start().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    app.exit(1);
  });
} else {
  app.quit();
}
