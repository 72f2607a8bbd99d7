/**
 * The desktop door end to end inside the renderer process: the console's client
 * (renderer/lib/client.ts) over the real preload (electron/desktop/preload.ts) on a fake `electron` whose
 * context bridge and IPC copy values as Electron's do. A Svelte `$state` object is a Proxy, which
 * Electron's bridge cannot copy; the client must send plain data, as browser mode does.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { contextBridge, ipcRenderer, resetFakeElectron } from '../_fake-electron.ts';
import { BRIDGE_KEY, ipcChannel } from '../../shared/door.ts';
import type { Bridge } from '../../shared/door.ts';
import { createApi } from '../../renderer/lib/client.ts';
import type { Host } from '../../renderer/lib/client.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

let bridge: Bridge;
beforeAll(async () => {
  resetFakeElectron();
  await import('../../electron/desktop/preload.ts');
  bridge = contextBridge.exposed[0]!.api as Bridge;
});

/** What a Svelte 5 `$state({...})` is at run time: a Proxy of the object, nested objects proxied too. */
function stateProxy<T extends object>(value: T): T {
  const handler: ProxyHandler<object> = {
    get: (target, key) => {
      const v = Reflect.get(target, key) as unknown;
      return v !== null && typeof v === 'object' ? new Proxy(v, handler) : v;
    },
  };
  return new Proxy(value, handler) as T;
}

describe('the console client over the preload bridge', () => {
  it('the bridge refuses a Proxy argument, as Electron does ("could not be cloned")', async () => {
    const call = bridge.addCluster as unknown as (arg: unknown, callId: string) => Promise<unknown>;
    expect(() => call(stateProxy({ name: 'prod' }), 'x')).toThrow(/could not be cloned/);
    expect(() => call({ nodes: stateProxy([{ id: 'node1' }]) }, 'y')).toThrow(/could not be cloned/);
  });

  it('sends a form held in $state as plain data, which crosses the bridge and IPC', async () => {
    ipcRenderer.invoked.length = 0;
    const api = createApi({ [BRIDGE_KEY]: bridge, open: () => null } as unknown as Host);
    const form = stateProxy({
      name: 'prod',
      kind: 'clearquest',
      balancerUrl: 'https://cq.example.com/cqweb',
      nodes: [{ id: 'node1', url: 'https://cq1.example.com/cqweb' }],
    });
    // The fake's canned answer is not an operation's result; what matters is what was sent.
    await api.addCluster(form as never).catch(() => undefined);
    expect(ipcRenderer.invoked).toHaveLength(1);
    const [channel, arg, callId] = ipcRenderer.invoked[0]!;
    expect(channel).toBe(ipcChannel('addCluster'));
    expect(arg).toEqual({
      name: 'prod',
      kind: 'clearquest',
      balancerUrl: 'https://cq.example.com/cqweb',
      nodes: [{ id: 'node1', url: 'https://cq1.example.com/cqweb' }],
    });
    expect(typeof callId).toBe('string');
  });
});
