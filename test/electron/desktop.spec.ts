/**
 * The desktop app itself (dist/main.mjs in a real Electron), acting out the seed story that
 * test/e2e tells in browser mode: on the first run the embedded sandbox is the cluster; a consumer
 * makes a friendship through the balancer and its provisional key sits on one node only; the admin
 * approves it there, sees the other nodes stale, clicks "Sync all nodes", and every node's chip says
 * approved. Runs wherever an Electron binary exists; skipped (saying why) everywhere else.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication, Locator, Page } from '@playwright/test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mainBundle = join(root, 'dist', 'main.mjs');
/** The first-run sandbox has three nodes (electron/sandbox, `nodes` default). */
const NODES = ['node1', 'node2', 'node3'];

/** Where node_modules/electron/path.txt would point on this platform, when it is not there. */
function platformBinary(): string {
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return process.platform === 'win32' ? 'electron.exe' : 'electron';
}

/**
 * The Electron executable, found the way the `electron` package finds it — but without requiring
 * that package: requiring it downloads the binary when it is missing.
 */
function electronBinary(): string | null {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, relative ?? platformBinary())
    : relative
      ? join(pkg, 'dist', relative)
      : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const binary = electronBinary();

let app: ElectronApplication;
let window: Page;
let home: string;

const NO_BINARY =
  'No Electron binary is available on this machine (it is offline, and the electron package downloads ' +
  'its binary lazily); set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 directory, or install ' +
  'the binary with `npx install-electron`, then run `npm run build && npx playwright test --project electron`.';

test.beforeAll(async () => {
  // The list reporter does not print skip reasons: say it on stderr too, so CI logs show why.
  if (binary === null) process.stderr.write(`desktop spec skipped: ${NO_BINARY}\n`);
  test.skip(binary === null, NO_BINARY);
  test.skip(!existsSync(mainBundle), 'dist/main.mjs is not built: run `npm run build` first.');
  home = mkdtempSync(join(tmpdir(), 'oslc-desktop-'));
  app = await electron.launch({
    executablePath: binary!,
    // Chromium refuses to start as root with its OS sandbox (containers, CI); the renderer
    // sandbox the app asks for is a separate, Electron-level setting and stays on.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), mainBundle],
    env: {
      ...process.env,
      OSLC_ADMIN_HOME: home,
      // Its own keychain entries: the test never reads or writes the user's.
      OSLC_ADMIN_KEYCHAIN_SERVICE: `oslc-cluster-admin-desktop-test-${process.pid}`,
    },
    timeout: 60_000,
  });
  window = await app.firstWindow();
});

test.afterAll(async () => {
  await app?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const card = (node: string): Locator => window.getByRole('group', { name: node, exact: true });

test('the console loads from app://console/ with the preload bridge and no Node in the page', async () => {
  expect(window.url()).toMatch(/^app:\/\/console\/index\.html/);
  expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await window.evaluate(() => typeof (globalThis as { oslc?: unknown }).oslc)).toBe('object');
});

test('a friendship leaves a provisional key on one node; approve it there, sync all nodes, all approved', async () => {
  for (const node of NODES) await expect(card(node)).toBeVisible({ timeout: 30_000 });

  const simulate = window.getByRole('button', { name: 'Simulate a friendship' });
  if (!(await simulate.isVisible())) await window.getByRole('button', { name: 'Sandbox' }).click();
  await simulate.click();

  // The provider keeps the new key in the memory of the one node that answered the balancer.
  const holders = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const node of NODES) if (/provisional/i.test(await card(node).innerText())) found.push(node);
    return found;
  };
  await expect.poll(holders, { timeout: 30_000 }).toHaveLength(1);
  const [holder] = await holders();
  await card(holder!).getByRole('button', { name: 'Approve' }).click();

  // Approved in the repository, but the other nodes' registries are stale until they are refreshed.
  for (const node of NODES.filter((n) => n !== holder)) {
    await expect(card(node)).toContainText(/missing|stale/i, { timeout: 30_000 });
  }

  await window.getByRole('button', { name: 'Sync all nodes', exact: true }).click();
  for (const node of NODES) {
    await expect(card(node)).toContainText(/approved/i, { timeout: 30_000 });
    await expect(card(node)).not.toContainText(/missing|provisional/i);
  }
});
