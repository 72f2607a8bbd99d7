/**
 * The preload (electron/desktop/preload.ts): exactly the contract on one contextBridge key, from source with
 * a fake `electron`, and the built dist/preload.cjs is CommonJS that requires nothing but `electron`
 * (a sandboxed preload can load nothing else). The bundle is made by the real build script.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEmitter, contextBridge, electronModule, ipcRenderer, resetFakeElectron } from '../_fake-electron.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import { BRIDGE_KEY, CANCEL_CHANNEL, PROGRESS_CHANNEL, ipcChannel } from '../../shared/door.ts';
import type { Bridge } from '../../shared/door.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const root = fileURLToPath(new URL('../..', import.meta.url));
const EXPECTED_KEYS = [...OPERATIONS, 'onProgress', 'cancel'].sort();

let exposed: { key: string; api: unknown }[];

describe('the preload, from source', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    resetFakeElectron();
    await import('../../electron/desktop/preload.ts');
    exposed = [...contextBridge.exposed];
    bridge = exposed[0]!.api as Bridge;
  });
  beforeEach(() => resetFakeElectron());

  it('exposes one object on the one key, with exactly the operations, onProgress and cancel', () => {
    expect(exposed.map((e) => e.key)).toEqual([BRIDGE_KEY]);
    expect(Object.keys(bridge).sort()).toEqual(EXPECTED_KEYS);
    for (const key of EXPECTED_KEYS) expect(typeof (bridge as Record<string, unknown>)[key], key).toBe('function');
    // Nothing of Electron leaks: no ipcRenderer, no generic invoke or send.
    for (const value of Object.values(bridge)) expect(value).not.toBe(ipcRenderer);
    expect(bridge).not.toHaveProperty('invoke');
    expect(bridge).not.toHaveProperty('send');
  });

  it("invokes each operation's own channel with the argument and the call id", async () => {
    for (const op of OPERATIONS) {
      const call = bridge[op] as (arg: unknown, callId: string) => Promise<unknown>;
      await call({ probe: op }, `id-${op}`);
    }
    expect(ipcRenderer.invoked).toEqual(OPERATIONS.map((op) => [ipcChannel(op), { probe: op }, `id-${op}`]));
  });

  it('hands progress listeners the call id and the event, never the IpcRendererEvent, and unsubscribes', () => {
    const listener = vi.fn();
    const unsubscribe = bridge.onProgress(listener);
    const ipcEvent = { sender: ipcRenderer, ports: [] };
    ipcRenderer.emit(PROGRESS_CHANNEL, ipcEvent, 'call-1', { type: 'node' });
    expect(listener).toHaveBeenCalledWith('call-1', { type: 'node' });
    expect(listener.mock.calls[0]).toHaveLength(2);
    unsubscribe();
    ipcRenderer.emit(PROGRESS_CHANNEL, ipcEvent, 'call-2', { type: 'node' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(ipcRenderer.listenerCount(PROGRESS_CHANNEL)).toBe(0);
  });

  it('sends cancel with the call id on the cancel channel', () => {
    bridge.cancel('call-3');
    expect(ipcRenderer.sentToMain).toEqual([[CANCEL_CHANNEL, 'call-3']]);
  });
});

describe('the built dist/preload.cjs', () => {
  let bundle: string;
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'preload', '--quiet'], { cwd: root, stdio: 'pipe' });
    bundle = readFileSync(new URL('../../dist/preload.cjs', import.meta.url), 'utf8');
  }, 60_000);

  it('is CommonJS: no import or export statement, no dynamic import, no import.meta', () => {
    expect(bundle).not.toMatch(/^\s*import[\s{*]/m);
    expect(bundle).not.toMatch(/^\s*export[\s{*]/m);
    expect(bundle).not.toMatch(/\bimport\s*\(/);
    expect(bundle).not.toMatch(/\bimport\.meta\b/);
  });

  it('requires nothing but electron', () => {
    const required = [...bundle.matchAll(/\brequire\s*\(\s*([^)]*)\)/g)].map((m) => m[1]!.trim());
    expect(required.length).toBeGreaterThan(0);
    expect(new Set(required)).toEqual(new Set(['"electron"']));
  });

  it('runs with a require that knows only electron, and exposes exactly the contract', () => {
    resetFakeElectron();
    const required: string[] = [];
    const sandboxedRequire = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
      return electronModule;
    };
    const module = { exports: {} };
    runInNewContext(bundle, { require: sandboxedRequire, module, exports: module.exports });
    expect(required).toEqual(['electron']);
    expect(contextBridge.exposed.map((e) => e.key)).toEqual([BRIDGE_KEY]);
    expect(Object.keys(contextBridge.exposed[0]!.api as object).sort()).toEqual(EXPECTED_KEYS);
    expect(ipcRenderer).toBeInstanceOf(FakeEmitter);
  });
});
