/**
 * `oslc-cluster-admin --self-test`: what a packaged build can check of itself, since its fuses turn
 * `--inspect` off and no test driver can attach. It loads the console from the app's own files (the
 * asar, in a packaged app) into a hidden console window, calls one operation over IPC through the
 * preload bridge, checks the page's Content-Security-Policy (header, meta, an inline script refused),
 * loads the keychain binding (unpacked beside the asar) and asks whether the OS keychain is usable.
 * It prints one JSON line and the process exits 0 when every required check passed, else 1.
 * The OS keychain being unusable on this host is reported but does not fail the self-test: it is a
 * property of the host, not of the build.
 */
import { app } from 'electron';
import type { BrowserWindow } from 'electron';
import { CONSOLE_URL, consoleResponse } from './protocol.ts';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../server/csp.ts';
import { OsKeychain, checkKeychain, storeName } from '../core/keychain.ts';

export const SELF_TEST_FLAG = '--self-test';

export interface SelfTestCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SelfTestReport {
  selfTest: 'oslc-cluster-admin';
  ok: boolean;
  version: string;
  electron: string | null;
  packaged: boolean;
  checks: SelfTestCheck[];
  /** Informational: whether this host's OS keychain can keep a secret. */
  keychain: { store: string; usable: boolean; detail: string };
}

export interface SelfTestDeps {
  rendererDir: string;
  /** Opens the console's main window without showing it. */
  openHiddenConsole(): BrowserWindow;
  /** The keychain service the probe entry is written under (never the app's own). */
  keychainService?: string;
  timeoutMs?: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function check(name: string, run: () => Promise<string>): Promise<SelfTestCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (e) {
    return { name, ok: false, detail: message(e) };
  }
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** What the page answers when it injects an inline script: whether it ran. */
const INLINE_SCRIPT_PROBE = `(() => {
  const s = document.createElement('script');
  s.textContent = 'window.__oslcSelfTestInline = true';
  document.head.append(s);
  return window.__oslcSelfTestInline === true;
})()`;

const META_PROBE = `document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null`;

const IPC_PROBE = `window.oslc.listClusters({}, 'self-test-' + Date.now()).then((reply) => ({ ok: reply.ok, clusters: reply.ok ? reply.result.clusters.length : null, error: reply.ok ? null : reply.error.code }))`;

export async function runSelfTest(deps: SelfTestDeps): Promise<SelfTestReport> {
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const checks: SelfTestCheck[] = [];

  checks.push(
    await check('renderer', async () => {
      const res = await consoleResponse(deps.rendererDir, { url: CONSOLE_URL, method: 'GET' });
      if (res.status !== 200) throw new Error(`${CONSOLE_URL} answered ${res.status} from ${deps.rendererDir}`);
      if (res.headers.get('content-security-policy') !== CONTENT_SECURITY_POLICY) {
        throw new Error('index.html is served without the console Content-Security-Policy header');
      }
      const html = await res.text();
      if (!html.includes(`content="${META_CONTENT_SECURITY_POLICY}"`)) {
        throw new Error('index.html has no Content-Security-Policy meta tag');
      }
      return `${CONSOLE_URL} served from ${deps.rendererDir} with the CSP header and meta tag`;
    }),
  );

  let win: BrowserWindow | null = null;
  checks.push(
    await check('window', async () => {
      win = deps.openHiddenConsole();
      const contents = win.webContents;
      await within(
        timeoutMs,
        'loading the console',
        new Promise<void>((resolve, reject) => {
          contents.once('did-finish-load', () => resolve());
          contents.once('did-fail-load', (_e, code: number, description: string) =>
            reject(new Error(`the console did not load: ${description} (${code})`)),
          );
        }),
      );
      return `${contents.getURL()} loaded in a hidden window`;
    }),
  );
  const loaded = win as BrowserWindow | null;

  checks.push(
    await check('ipc', async () => {
      if (!loaded) throw new Error('no console window');
      const answer = (await within(
        timeoutMs,
        'listClusters over IPC',
        loaded.webContents.executeJavaScript(IPC_PROBE),
      )) as { ok: boolean; clusters: number | null; error: string | null };
      if (!answer?.ok)
        throw new Error(`listClusters through the preload bridge failed: ${answer?.error ?? 'no reply'}`);
      return `listClusters answered through the preload bridge (${answer.clusters} clusters)`;
    }),
  );

  checks.push(
    await check('csp', async () => {
      if (!loaded) throw new Error('no console window');
      const meta = (await loaded.webContents.executeJavaScript(META_PROBE)) as string | null;
      if (meta !== META_CONTENT_SECURITY_POLICY) throw new Error(`the page's CSP meta tag is ${JSON.stringify(meta)}`);
      const ran = (await loaded.webContents.executeJavaScript(INLINE_SCRIPT_PROBE)) as boolean;
      if (ran) throw new Error('an inline script injected into the console ran: the CSP is not enforced');
      return 'the page carries the CSP and refused an injected inline script';
    }),
  );

  checks.push(
    await check('keychain-binding', async () => {
      const mod = (await import('@napi-rs/keyring')) as unknown as {
        AsyncEntry?: unknown;
        default?: { AsyncEntry?: unknown };
      };
      if (!(mod.AsyncEntry ?? mod.default?.AsyncEntry)) throw new Error('@napi-rs/keyring loaded without AsyncEntry');
      return '@napi-rs/keyring and its native binary loaded';
    }),
  );

  const store = storeName(process.platform);
  let keychain: SelfTestReport['keychain'];
  try {
    await within(
      timeoutMs,
      'the OS keychain',
      checkKeychain(new OsKeychain(deps.keychainService ?? 'oslc-cluster-admin-self-test')),
    );
    keychain = { store, usable: true, detail: 'a probe entry was stored, read back and deleted' };
  } catch (e) {
    keychain = { store, usable: false, detail: message(e) };
  }

  const w = loaded;
  if (w && !w.isDestroyed()) w.destroy();
  return {
    selfTest: 'oslc-cluster-admin',
    ok: checks.every((c) => c.ok),
    version: app.getVersion(),
    electron: process.versions.electron ?? null,
    packaged: app.isPackaged,
    checks,
    keychain,
  };
}
