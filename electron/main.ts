/**
 * The desktop app's main process. Only wiring: each area is its own module — the app:// scheme
 * (protocol.ts), the windows and their locks (windows.ts), the IPC door (ipc.ts), the menu
 * (menu.ts) — over the one engine every door shares (core/facade.ts).
 */
import { app } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHome } from './core/config/home.ts';
import { Engine } from './core/facade.ts';
import { OsKeychain } from './core/keychain.ts';
import { OverlaySecretStore } from './core/secret-overlay.ts';
import { ensureFirstRunSandbox } from './first-run.ts';
import { installIpc } from './ipc.ts';
import { installAppMenu } from './menu.ts';
import { watchNotifier } from './notify.ts';
import { pinnedTargetForUrl } from './pinned-target.ts';
import { registerAppScheme, serveConsole } from './protocol.ts';
import { ShellWindows, consoleStartUrl } from './windows.ts';

/** dist/: the built main sits beside preload.cjs and renderer/. */
const distDir = dirname(fileURLToPath(import.meta.url));

// Both must happen before `ready`: the scheme's privileges, and the sandbox for every renderer
// whatever a window's options say (Electron security checklist §4).
registerAppScheme();
app.enableSandbox();
// Chromium's profile and the single-instance lock live under the config home, not in a folder of
// the same name as it (Linux: ~/.config/oslc-cluster-admin holds clusters.json and audit.jsonl).
app.setPath('userData', join(resolveHome(), 'electron'));

async function start(): Promise<void> {
  const home = resolveHome();
  // As in the CLI (cli/context.ts): the OS keychain, with a service name tests can make their own.
  const secrets = new OverlaySecretStore(new OsKeychain(process.env.OSLC_ADMIN_KEYCHAIN_SERVICE || undefined));
  const engine = new Engine({ home, secrets });
  const windows = new ShellWindows({
    distDir,
    startUrl: consoleStartUrl(app.isPackaged, process.env),
    pinnedTargetFor: (url) => pinnedTargetForUrl(engine, url),
  });
  let sandbox: { close(): Promise<void> } | null = null;
  let disposeIpc: () => void = () => undefined;

  app.on('second-instance', () => windows.focusMainWindow());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && !windows.mainWindow) windows.createMainWindow();
  });
  // The sandbox's listeners and the engine's HTTP agents are closed before the process goes.
  let shutDown = false;
  let shuttingDown = false;
  app.on('will-quit', (event) => {
    if (shutDown) return;
    event.preventDefault();
    if (shuttingDown) return;
    shuttingDown = true;
    disposeIpc();
    void Promise.allSettled([sandbox?.close(), engine.close()]).then(() => {
      shutDown = true;
      app.quit();
    });
  });

  await app.whenReady();
  installAppMenu({ isPackaged: app.isPackaged });
  serveConsole(join(distDir, 'renderer'));
  windows.install();
  disposeIpc = installIpc(engine, windows);
  // "Watch this cluster": the loop runs here, in the main process; a change worth knowing is an OS notification.
  engine.consoleWatch.notify = watchNotifier(windows);
  try {
    sandbox = await ensureFirstRunSandbox(engine, home);
  } catch (e) {
    // The console still opens; without a cluster it offers to add one.
    console.error(`The embedded sandbox did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  windows.createMainWindow();
}

// One process per config home: a second launch hands over to the first, which shows its window.
if (app.requestSingleInstanceLock()) {
  start().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    app.exit(1);
  });
} else {
  app.quit();
}
