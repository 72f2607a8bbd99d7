/**
 * `--self-test` (electron/desktop/self-test.ts and its wiring in electron/desktop/main.ts) on the fake `electron`:
 * the console served from the app's files with its CSP header and meta tag, a hidden console
 * window, one operation over IPC through the bridge, the page refusing an inline script, the
 * keychain binding loaded; one JSON line, and exit 1 when any required check fails. The fake plays
 * the page (answering the probes the self-test sends); a real Electron runs it for real
 * (docs/offline-install.md, test/integration/packaging-dir.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from '../_fake-electron.ts';
import { META_CONTENT_SECURITY_POLICY, withCspMeta } from '../../electron/server/csp.ts';
import { ipcChannel } from '../../shared/door.ts';
import type { Api } from '../../shared/contract.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const { installIpc } = await import('../../electron/desktop/ipc.ts');
const { ShellWindows } = await import('../../electron/desktop/windows.ts');
const { runSelfTest } = await import('../../electron/desktop/self-test.ts');

const work = mkdtempSync(join(tmpdir(), 'oslc-self-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const source = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');

/** A built renderer folder holding only index.html, with or without the CSP meta tag. */
function rendererDir(html: string): string {
  const dir = mkdtempSync(join(work, 'renderer-'));
  writeFileSync(join(dir, 'index.html'), html);
  return dir;
}

/** The console page as the fake plays it: the bridge calls the real IPC handlers; `inlineRuns` breaks the CSP. */
function playConsolePage(opts: { inlineRuns?: boolean; meta?: string | null } = {}): void {
  fake.FakeWebContents.defaultPageScript = async (contents, code) => {
    if (code.includes('window.oslc.listClusters')) {
      const reply = (await fake.ipcMain.invoke(ipcChannel('listClusters'), fake.ipcEvent(contents), {}, 'st-1')) as {
        ok: boolean;
        result?: { clusters: unknown[] };
        error?: { code: string };
      };
      return { ok: reply.ok, clusters: reply.result?.clusters.length ?? null, error: reply.error?.code ?? null };
    }
    if (code.includes('http-equiv="Content-Security-Policy"')) return opts.meta ?? META_CONTENT_SECURITY_POLICY;
    if (code.includes("createElement('script')")) return opts.inlineRuns ?? false;
    throw new Error(`the fake page does not know this script: ${code.slice(0, 60)}`);
  };
}

function shell() {
  const windows = new ShellWindows({
    distDir: '/app/dist',
    startUrl: 'app://console/index.html',
    pinnedTargetFor: async () => null,
    pinnedTrustFor: () => ({ certificateTrusted: async () => false, proxy: { mode: 'direct' } }),
  });
  windows.install();
  const engine = { listClusters: vi.fn(async () => ({ clusters: [{ name: 'prod' }] })) } as unknown as Api;
  installIpc(engine, windows);
  return windows;
}

beforeEach(() => fake.resetFakeElectron());

describe('the self-test', () => {
  it('passes on a good build: renderer with CSP, hidden window, IPC through the bridge, CSP enforced, keychain binding', async () => {
    playConsolePage();
    const windows = shell();
    const report = await runSelfTest({
      rendererDir: rendererDir(withCspMeta(source)),
      openHiddenConsole: () => windows.createMainWindow({ hidden: true }),
      timeoutMs: 5_000,
    });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['renderer', true],
      ['window', true],
      ['ipc', true],
      ['csp', true],
      ['keychain-binding', true],
    ]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'ipc')!.detail).toContain('(1 clusters)');
    // The keychain of this host is reported, whatever it is; it does not decide the outcome.
    expect(report.keychain.store).toBe('the Secret Service');
    expect(typeof report.keychain.usable).toBe('boolean');
    // The window never showed, and is gone afterwards.
    const [win] = fake.FakeBrowserWindow.all;
    win!.emit('ready-to-show');
    expect(win!.shown).toBe(false);
    expect(win!.isDestroyed()).toBe(true);
    expect(() => JSON.stringify(report)).not.toThrow();
  }, 30_000);

  it('fails when an injected inline script runs, or the page has no CSP meta tag', async () => {
    playConsolePage({ inlineRuns: true });
    let windows = shell();
    let report = await runSelfTest({
      rendererDir: rendererDir(withCspMeta(source)),
      openHiddenConsole: () => windows.createMainWindow({ hidden: true }),
      timeoutMs: 5_000,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'csp')).toMatchObject({
      ok: false,
      detail: 'an inline script injected into the console ran: the CSP is not enforced',
    });

    fake.resetFakeElectron();
    playConsolePage();
    windows = shell();
    report = await runSelfTest({
      rendererDir: rendererDir(source),
      openHiddenConsole: () => windows.createMainWindow({ hidden: true }),
      timeoutMs: 5_000,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'renderer')).toMatchObject({
      ok: false,
      detail: 'index.html has no Content-Security-Policy meta tag',
    });
  }, 30_000);

  it('fails the ipc check when the bridge answers an error, and names it', async () => {
    fake.FakeWebContents.defaultPageScript = async (_contents, code) =>
      code.includes('listClusters') ? { ok: false, clusters: null, error: 'INTERNAL' } : null;
    const windows = shell();
    const report = await runSelfTest({
      rendererDir: rendererDir(withCspMeta(source)),
      openHiddenConsole: () => windows.createMainWindow({ hidden: true }),
      timeoutMs: 5_000,
    });
    expect(report.checks.find((c) => c.name === 'ipc')).toMatchObject({
      ok: false,
      detail: 'listClusters through the preload bridge failed: INTERNAL',
    });
  }, 30_000);
});

describe('main.ts with --self-test', () => {
  it('runs the self-test instead of the app (no lock, no sandbox), prints one JSON line, exits 1 on a failure', async () => {
    const home = mkdtempSync(join(work, 'home-'));
    const saved = { argv: process.argv, home: process.env.OSLC_ADMIN_HOME };
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      process.argv = [...saved.argv, '--self-test'];
      process.env.OSLC_ADMIN_HOME = home;
      fake.app.hasSingleInstanceLock = false;
      playConsolePage();
      const main = new URL('../../electron/desktop/main.ts', import.meta.url).pathname;
      await import(/* @vite-ignore */ `${main}?self-test=1`);
      expect(fake.app.quitCalls).toBe(0);
      fake.app.becomeReady();
      await vi.waitFor(() => expect(fake.app.exitCode).not.toBeNull(), { timeout: 20_000 });
    } finally {
      write.mockRestore();
      process.argv = saved.argv;
      process.env.OSLC_ADMIN_HOME = saved.home;
    }
    const lines = out.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as {
      selfTest: string;
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(report.selfTest).toBe('oslc-cluster-admin');
    // From the sources there is no built renderer beside electron/desktop/main.ts: that check fails, and says where it looked.
    expect(report.checks.find((c) => c.name === 'renderer')).toMatchObject({ ok: false });
    expect(report.checks.find((c) => c.name === 'renderer')!.detail).toMatch(
      /answered 404 from .*electron[/\\]desktop[/\\]renderer/,
    );
    expect(report.checks.find((c) => c.name === 'ipc')).toMatchObject({ ok: true });
    expect(report.ok).toBe(false);
    expect(fake.app.exitCode).toBe(1);
    expect(fake.FakeBrowserWindow.all.every((w) => !w.shown)).toBe(true);
  }, 30_000);
});
