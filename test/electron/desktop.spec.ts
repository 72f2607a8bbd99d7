/**
 * The desktop app itself (dist/main.mjs in a real Electron), acting out the seed story that
 * test/e2e tells in browser mode: on the first run the embedded sandbox is the cluster; a consumer
 * makes a friendship through the balancer and its provisional key sits on one node only; the admin
 * approves it there, sees the other nodes stale, clicks "Sync all nodes", and every node's chip says
 * approved. Also what only a real runtime shows: the page's CSP refuses an injected inline script;
 * a watch notification, held by the app (Electron keeps only a weak reference), still restores the
 * window when clicked after a garbage collection; and the flow tester's authorize page, opened from
 * the console, reaches the flow's loopback callback in its node-pinned window. Runs wherever an
 * Electron binary exists; skipped (saying why) everywhere else.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
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
    // --expose-gc: the notification test collects garbage to prove the app holds its notifications.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--js-flags=--expose-gc', mainBundle],
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

/** Calls one operation through the page's own bridge, as the console does; answers the reply. */
async function bridgeCall(op: string, arg: unknown): Promise<{ ok: boolean; result?: unknown; error?: unknown }> {
  return window.evaluate(
    ([name, a]) => {
      const bridge = (globalThis as unknown as { oslc: Record<string, (x: unknown, id: string) => Promise<never>> })
        .oslc;
      return bridge[name as string]!(a, `spec-${Date.now()}-${Math.random()}`);
    },
    [op, arg] as const,
  );
}

test('the page refuses an inline script injected into it (the CSP, as header and as meta tag)', async () => {
  const meta = await window.evaluate(
    () =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string } | null } }
      ).document
        .querySelector('meta[http-equiv="Content-Security-Policy"]')
        ?.getAttribute('content') ?? null,
  );
  expect(meta).toContain("script-src 'self'");
  const ran = await window.evaluate(async () => {
    const g = globalThis as unknown as {
      __inlineRan?: boolean;
      document: { createElement(t: string): { textContent: string }; head: { append(n: unknown): void } };
    };
    const s = g.document.createElement('script');
    s.textContent = 'globalThis.__inlineRan = true';
    g.document.head.append(s);
    await new Promise((r) => setTimeout(r, 200));
    return g.__inlineRan === true;
  });
  expect(ran).toBe(false);
});

test('a watch notification, after a garbage collection, still restores the minimized window when clicked', async () => {
  // Record each notification shown by a weak reference only: if the app does not hold it, gc takes it.
  await app.evaluate(({ Notification }) => {
    const g = globalThis as unknown as { __shown: WeakRef<object>[] };
    g.__shown = [];
    const show = Notification.prototype.show;
    Notification.prototype.show = function (this: InstanceType<typeof Notification>) {
      g.__shown.push(new WeakRef(this));
      return show.call(this);
    };
  });
  expect((await bridgeCall('setWatch', { cluster: 'sandbox', on: true })).ok).toBe(true);
  await new Promise((r) => setTimeout(r, 2_000));
  expect((await bridgeCall('sandboxNode', { cluster: 'sandbox', node: 'node3', action: 'kill' })).ok).toBe(true);
  await expect
    .poll(() => app.evaluate(() => (globalThis as unknown as { __shown: unknown[] }).__shown.length), {
      timeout: 40_000,
    })
    .toBeGreaterThan(0);
  await app.evaluate(({ BrowserWindow }) => {
    BrowserWindow.getAllWindows()[0]!.minimize();
  });
  const clicked = await app.evaluate(async () => {
    const g = globalThis as unknown as { gc: () => void; __shown: WeakRef<{ emit(e: string): void }>[] };
    for (let i = 0; i < 3; i++) {
      g.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
    const n = g.__shown.at(-1)!.deref();
    n?.emit('click');
    return n !== undefined;
  });
  expect(clicked, 'the notification was garbage-collected: the app does not hold it').toBe(true);
  await expect
    .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isMinimized()))
    .toBe(false);
  await bridgeCall('setWatch', { cluster: 'sandbox', on: false });
  await bridgeCall('sandboxNode', { cluster: 'sandbox', node: 'node3', action: 'restart' });
});

test.describe("the flow tester's authorize page opened from the console", () => {
  let lab: SandboxHandle;
  let consumer: { key: string; secret: string };

  /** A sandbox of the test's own (its admin password known), with a consumer approved and loaded everywhere. */
  test.beforeAll(async () => {
    lab = await startSandbox({ nodes: 2 });
    const secret = 'desktop-flow-secret';
    const { key, node } = await lab.friend('Desktop flow consumer', secret);
    const base = lab.info.nodes.find((n) => n.id === node)!.url;
    const admin = await fetch(`${base}/oauth/admin`);
    const cookie = admin.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /csrfPrevent\s*[:=]\s*["']([^"']+)/.exec(await admin.text())![1]!;
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-csrf-prevent': csrf };
    const login = new URLSearchParams({ id: 'admin', password: lab.info.admin.password });
    await fetch(`${base}/oauth/adminLogin`, { method: 'POST', headers: form, body: login });
    await fetch(`${base}/oauth/consumers/${key}`, { method: 'POST', headers: form, body: 'provisional=false' });
    const basic = `Basic ${Buffer.from(`admin:${lab.info.admin.password}`).toString('base64')}`;
    for (const n of lab.info.nodes) {
      await fetch(`${n.url}/cqweb/oslc/repo/cqschema/db/SAMPL/refreshRepoConfig`, {
        headers: { authorization: basic },
      });
    }
    consumer = { key, secret };
  });
  test.afterAll(async () => {
    await lab?.close();
  });

  test('reaches the loopback callback in its node-pinned window after Allow', async () => {
    const added = await bridgeCall('addCluster', {
      name: 'flowlab',
      kind: 'sandbox',
      balancerUrl: lab.info.balancer,
      nodes: lab.info.nodes.map((n) => ({ id: n.id, url: n.url })),
      repo: lab.info.repo,
      db: lab.info.db,
    });
    expect(added.ok, JSON.stringify(added.error)).toBe(true);
    // Start the flow from the page, catching its authorize URL from the progress events.
    await window.evaluate(
      ([key, secret]) => {
        const g = globalThis as unknown as {
          oslc: {
            onProgress(l: (id: string, e: { type: string; url?: string }) => void): void;
            flow(a: unknown, id: string): Promise<{ ok: boolean; result?: { outcome: string } }>;
          };
          __authorizeUrl?: string;
          __flowOutcome?: string;
        };
        g.oslc.onProgress((_id, e) => {
          if (e.type === 'authorize') g.__authorizeUrl = e.url;
        });
        void g.oslc
          .flow({ cluster: 'flowlab', consumerKey: key, secret, target: { node: 'node1' } }, 'spec-flow')
          .then((r) => (g.__flowOutcome = r.ok ? r.result!.outcome : 'error'));
      },
      [consumer.key, consumer.secret] as const,
    );
    const authorizeUrl = await expect
      .poll(() => window.evaluate(() => (globalThis as unknown as { __authorizeUrl?: string }).__authorizeUrl), {
        timeout: 30_000,
      })
      .toMatch(/oauth_token=/)
      .then(() => window.evaluate(() => (globalThis as unknown as { __authorizeUrl: string }).__authorizeUrl));
    // The door opened the page by itself; close it, and open it the way the Flow tab's link does.
    await app.evaluate(({ BrowserWindow }) => {
      for (const w of BrowserWindow.getAllWindows()) if (w.getTitle().startsWith('node1 — ')) w.close();
    });
    const opened = app.waitForEvent('window');
    await window.evaluate((url) => {
      (globalThis as unknown as { open(u: string, t: string): unknown }).open(url, '_blank');
    }, authorizeUrl);
    const pinned = await opened;
    await pinned.getByTestId('login-id').fill('admin');
    await pinned.getByTestId('login-password').fill(lab.info.admin.password);
    await pinned.getByTestId('allow').click();
    await expect
      .poll(() => window.evaluate(() => (globalThis as unknown as { __flowOutcome?: string }).__flowOutcome), {
        timeout: 30_000,
      })
      .toBe('completed');
  });
});
