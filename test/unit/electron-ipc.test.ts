/**
 * The desktop door (electron/desktop/ipc.ts) with a fake `electron` and a fake engine: one handler per
 * contract operation, the sender check, plain replies, progress with the call id, cancel, and the
 * door's own node-pinned windows for openAdminPage and the flow's authorize step.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FakeFrame,
  FakeSession,
  FakeWebContents,
  ipcEvent,
  ipcMain,
  maxListenerWarnings,
  resetFakeElectron,
} from '../_fake-electron.ts';
import type { Api, OperationName } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import { CANCEL_CHANNEL, PROGRESS_CHANNEL, ipcChannel } from '../../shared/door.ts';
import type { Reply } from '../../shared/door.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { FlowEvent } from '../../shared/diagnose.ts';
import { installIpc } from '../../electron/desktop/ipc.ts';
import type { IpcWindows } from '../../electron/desktop/ipc.ts';
import type { FlowAuthorization, PinnedTarget } from '../../electron/desktop/windows.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const CONSOLE_PAGE = 'app://console/index.html';
const ADMIN_PAGE = {
  cluster: 'prod',
  node: 'node2',
  url: 'https://cq2.example.com/cqweb/admin',
  title: 'node2 — https://cq2.example.com/cqweb',
  opened: 'none' as const,
};

type EngineFn = (arg: unknown, opts?: { onProgress?: (e: unknown) => void; signal?: AbortSignal }) => Promise<unknown>;

let engine: Record<string, ReturnType<typeof vi.fn<EngineFn>>>;
let pinnedOpened: { target: PinnedTarget; close: () => void; closeByAdmin: () => void }[];
let windows: IpcWindows;
let consoleContents: FakeWebContents;
let dispose: () => void;
let chosenDirectory: string | null = null;
/** The flows' authorize pages the windows were told to expect, while expected. */
const expected = new Set<FlowAuthorization>();

function pinnedWindowStub(target: PinnedTarget) {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const close = vi.fn(() => resolveClosed());
  pinnedOpened.push({ target, close, closeByAdmin: () => resolveClosed() });
  return { window: {} as never, closed, close };
}

beforeEach(() => {
  resetFakeElectron();
  expected.clear();
  engine = Object.fromEntries(OPERATIONS.map((op) => [op, vi.fn<EngineFn>(async () => ({ op }))]));
  consoleContents = new FakeWebContents(new FakeSession(''));
  consoleContents.mainFrame.url = CONSOLE_PAGE;
  pinnedOpened = [];
  windows = {
    isMainWindowContents: (id) => id === consoleContents.id,
    isConsoleUrl: (url) => url.startsWith('app://console/'),
    openNodePinnedWindow: vi.fn(pinnedWindowStub),
    expectFlowAuthorize: vi.fn((flow: FlowAuthorization) => {
      expected.add(flow);
      return () => expected.delete(flow);
    }),
    chooseDirectory: vi.fn(async () => chosenDirectory),
  };
  dispose = installIpc(engine as unknown as Api, windows);
});

/** Calls `op` as the preload would, from `event` (default: the console's main frame). */
function invoke(
  op: OperationName,
  arg: unknown,
  callId: unknown = 'call-1',
  event = ipcEvent(consoleContents),
): Promise<Reply> {
  return invokeWith(op, arg, callId, event);
}

/** As {@link invoke}, with the call id exactly as given (even undefined). */
function invokeWith(
  op: OperationName,
  arg: unknown,
  callId: unknown,
  event = ipcEvent(consoleContents),
): Promise<Reply> {
  // Through the fake's invoke: the argument and the reply are cloned across, as in Electron.
  return ipcMain.invoke(ipcChannel(op), event, arg, callId) as Promise<Reply>;
}

function cancel(callId: string, event = ipcEvent(consoleContents)): void {
  ipcMain.emit(CANCEL_CHANNEL, event, callId);
}

describe('the IPC door', () => {
  it('handles exactly one channel per contract operation, and a cancel channel', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(OPERATIONS.map((op) => ipcChannel(op)).sort());
    expect(ipcMain.listenerCount(CANCEL_CHANNEL)).toBe(1);
  });

  it('answers a good call with {ok:true,result}, passing the argument through', async () => {
    engine.getCluster!.mockResolvedValueOnce({ name: 'prod' });
    expect(await invoke('getCluster', { cluster: 'prod' })).toEqual({ ok: true, result: { name: 'prod' } });
    expect(engine.getCluster).toHaveBeenCalledWith(
      { cluster: 'prod' },
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
  });

  it("answers an engine's coded error as the plain ErrorInfo, never a thrown error", async () => {
    engine.getCluster!.mockRejectedValueOnce(
      new AppError(ErrorCode.CLUSTER_NOT_FOUND, 'No cluster "x"', { node: 'n1', details: { field: 'cluster' } }),
    );
    const reply = await invoke('getCluster', { cluster: 'x' });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'CLUSTER_NOT_FOUND', message: 'No cluster "x"', node: 'n1', details: { field: 'cluster' } },
    });
    expect(Object.getPrototypeOf((reply as { error: object }).error)).toBe(Object.prototype);
  });

  it('turns an unforeseen exception into a plain INTERNAL error', async () => {
    engine.status!.mockRejectedValueOnce(new TypeError('boom'));
    expect(await invoke('status', { cluster: 'prod' })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'Internal error: boom' },
    });
  });

  it('refuses a call without a usable call id', async () => {
    for (const callId of [undefined, 42, '', 'x'.repeat(129)]) {
      const reply = await invokeWith('listClusters', {}, callId);
      expect(reply.ok, String(callId)).toBe(false);
      expect(!reply.ok && reply.error.code).toBe('BAD_INPUT');
    }
    expect(engine.listClusters).not.toHaveBeenCalled();
  });

  it('removes every handler on dispose', () => {
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.listenerCount(CANCEL_CHANNEL)).toBe(0);
  });
});

describe('the sender check', () => {
  const UNTRUSTED = { ok: false, error: { code: 'INTERNAL', message: 'untrusted sender' } };

  it('drops a call from a web contents that is not a main window; the engine is not called', async () => {
    const stranger = new FakeWebContents(new FakeSession('pinned:prod:node1'));
    stranger.mainFrame.url = CONSOLE_PAGE;
    expect(await invoke('removeCluster', { cluster: 'prod' }, 'c', ipcEvent(stranger))).toEqual(UNTRUSTED);
    expect(engine.removeCluster).not.toHaveBeenCalled();
  });

  it('drops a call from a subframe of the main window, even one on app://console/', async () => {
    const subframe = new FakeFrame(CONSOLE_PAGE, consoleContents.mainFrame);
    expect(await invoke('removeCluster', { cluster: 'prod' }, 'c', ipcEvent(consoleContents, subframe))).toEqual(
      UNTRUSTED,
    );
    expect(engine.removeCluster).not.toHaveBeenCalled();
  });

  it('drops a call from the main window once it shows a foreign page', async () => {
    consoleContents.mainFrame.url = 'https://evil.example/';
    expect(await invoke('exportCluster', { cluster: 'prod' })).toEqual(UNTRUSTED);
    consoleContents.mainFrame.url = 'app://consoleContents.evil/index.html';
    expect(await invoke('exportCluster', { cluster: 'prod' })).toEqual(UNTRUSTED);
    expect(engine.exportCluster).not.toHaveBeenCalled();
  });

  it('drops a call whose frame is gone', async () => {
    expect(await invoke('listClusters', {}, 'c', ipcEvent(consoleContents, null))).toEqual(UNTRUSTED);
    expect(engine.listClusters).not.toHaveBeenCalled();
  });

  it('ignores a cancel from an untrusted sender', async () => {
    let signal: AbortSignal | undefined;
    engine.sync!.mockImplementationOnce(async (_arg, opts) => {
      signal = opts?.signal;
      await new Promise((r) => setTimeout(r, 20));
      return { done: true };
    });
    const call = invoke('sync', { cluster: 'prod' }, 'call-9');
    await vi.waitFor(() => expect(signal).toBeDefined());
    const stranger = new FakeWebContents(new FakeSession(''));
    stranger.mainFrame.url = CONSOLE_PAGE;
    cancel('call-9', ipcEvent(stranger));
    cancel('call-9', ipcEvent(consoleContents, new FakeFrame(CONSOLE_PAGE, consoleContents.mainFrame)));
    expect(signal?.aborted).toBe(false);
    expect(await call).toEqual({ ok: true, result: { done: true } });
  });
});

describe('progress and cancel', () => {
  it('sends each progress event to the calling window with the call id while the call runs', async () => {
    engine.status!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.({ type: 'node', node: { id: 'node1' } });
      opts?.onProgress?.({ type: 'node', node: { id: 'node2' } });
      return { cluster: 'prod' };
    });
    await invoke('status', { cluster: 'prod' }, 'call-7');
    expect(consoleContents.sent).toEqual([
      [PROGRESS_CHANNEL, 'call-7', { type: 'node', node: { id: 'node1' } }],
      [PROGRESS_CHANNEL, 'call-7', { type: 'node', node: { id: 'node2' } }],
    ]);
  });

  it("aborts that call's signal on cancel, and only that call's", async () => {
    const signals = new Map<string, AbortSignal>();
    engine.diagnose!.mockImplementation(async (arg, opts) => {
      const id = (arg as { id: string }).id;
      signals.set(id, opts!.signal!);
      await new Promise<void>((resolve) => {
        if (id === 'b') setTimeout(resolve, 30);
        else opts!.signal!.addEventListener('abort', () => resolve());
      });
      return { id, aborted: opts!.signal!.aborted };
    });
    const a = invoke('diagnose', { id: 'a' }, 'call-a');
    const b = invoke('diagnose', { id: 'b' }, 'call-b');
    await vi.waitFor(() => expect(signals.size).toBe(2));
    cancel('call-a');
    expect(signals.get('a')!.aborted).toBe(true);
    expect(signals.get('b')!.aborted).toBe(false);
    expect(await a).toEqual({ ok: true, result: { id: 'a', aborted: true } });
    expect(await b).toEqual({ ok: true, result: { id: 'b', aborted: false } });
  });

  it('aborts the calls of a window that is destroyed', async () => {
    let signal: AbortSignal | undefined;
    engine.flow!.mockImplementationOnce(async (_arg, opts) => {
      signal = opts!.signal;
      await new Promise((r) => opts!.signal!.addEventListener('abort', r));
      return { outcome: 'cancelled' };
    });
    const call = invoke('flow', { cluster: 'prod', target: 'balancer' });
    await vi.waitFor(() => expect(signal).toBeDefined());
    consoleContents.destroy();
    expect(signal!.aborted).toBe(true);
    expect((await call).ok).toBe(true);
  });

  it('runs more than ten calls of one window at once without a MaxListenersExceededWarning, and aborts them all on close', async () => {
    const signals: AbortSignal[] = [];
    engine.status!.mockImplementation(async (_arg, opts) => {
      signals.push(opts!.signal!);
      await new Promise((r) => opts!.signal!.addEventListener('abort', r));
      return { aborted: true };
    });
    const calls = Array.from({ length: 25 }, (_, i) => invoke('status', { cluster: `c${i}` }, `call-${i}`));
    await vi.waitFor(() => expect(signals).toHaveLength(25));
    expect(maxListenerWarnings).toEqual([]);
    expect(consoleContents.listenerCount('destroyed')).toBe(1);
    consoleContents.destroy();
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect((await Promise.all(calls)).every((r) => r.ok)).toBe(true);
  });

  it('leaves no listener on the window once its calls are done', async () => {
    for (let i = 0; i < 12; i++) await invoke('status', { cluster: 'prod' }, `call-${i}`);
    expect(consoleContents.listenerCount('destroyed')).toBeLessThanOrEqual(1);
    expect(maxListenerWarnings).toEqual([]);
  });
});

describe('what crosses IPC is cloned, as in Electron', () => {
  it('refuses an argument Electron cannot clone (a function, a Proxy) before the engine sees it', async () => {
    await expect(invoke('getCluster', { cluster: 'prod', onDone: () => 1 })).rejects.toThrow(/could not be cloned/);
    const proxy = new Proxy({ cluster: 'prod' }, {});
    await expect(invoke('getCluster', proxy)).rejects.toThrow(/could not be cloned/);
    expect(engine.getCluster).not.toHaveBeenCalled();
  });

  it('hands the engine a copy of the argument, and the renderer a copy of the result', async () => {
    const arg = { cluster: 'prod', nested: { a: 1 } };
    const result = { name: 'prod', nodes: [{ id: 'node1' }] };
    engine.getCluster!.mockResolvedValueOnce(result);
    const reply = await invoke('getCluster', arg);
    expect(engine.getCluster!.mock.calls[0]![0]).toEqual(arg);
    expect(engine.getCluster!.mock.calls[0]![0]).not.toBe(arg);
    expect(reply).toEqual({ ok: true, result });
    expect((reply as { result: unknown }).result).not.toBe(result);
  });

  it('fails a result or a progress event that cannot be cloned, as Electron would', async () => {
    engine.getCluster!.mockResolvedValueOnce({ name: 'prod', at: new URL('https://cq1.example.com/') });
    await expect(invoke('getCluster', { cluster: 'prod' })).rejects.toThrow(/could not be cloned/);
    engine.status!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.({ type: 'node', done: () => undefined });
      return {};
    });
    const reply = await invoke('status', { cluster: 'prod' });
    expect(reply).toMatchObject({ ok: false });
  });
});

describe('openAdminPage', () => {
  it('has the engine check the page, opens it pinned to the node, answers once the admin closes it', async () => {
    engine.openAdminPage!.mockResolvedValueOnce(ADMIN_PAGE);
    let settled = false;
    const call = invoke('openAdminPage', { cluster: 'prod', node: 'node2' }).then((r) => ((settled = true), r));
    await vi.waitFor(() => expect(pinnedOpened).toHaveLength(1));
    expect(pinnedOpened[0]!.target).toEqual({
      cluster: 'prod',
      node: 'node2',
      url: ADMIN_PAGE.url,
      title: ADMIN_PAGE.title,
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    pinnedOpened[0]!.closeByAdmin();
    expect(await call).toEqual({ ok: true, result: { ...ADMIN_PAGE, opened: 'pinned-window' } });
  });

  it('opens nothing when the engine refuses the URL (not on that node)', async () => {
    engine.openAdminPage!.mockRejectedValueOnce(
      new AppError(ErrorCode.BAD_INPUT, 'url: https://evil.example/ is not on node node2'),
    );
    const reply = await invoke('openAdminPage', { cluster: 'prod', node: 'node2', url: 'https://evil.example/' });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'BAD_INPUT', message: 'url: https://evil.example/ is not on node node2' },
    });
    expect(windows.openNodePinnedWindow).not.toHaveBeenCalled();
  });

  it('closes the pinned window when the call is cancelled', async () => {
    engine.openAdminPage!.mockResolvedValueOnce(ADMIN_PAGE);
    const call = invoke('openAdminPage', { cluster: 'prod', node: 'node2' }, 'call-admin');
    await vi.waitFor(() => expect(pinnedOpened).toHaveLength(1));
    cancel('call-admin');
    expect(pinnedOpened[0]!.close).toHaveBeenCalled();
    expect((await call).ok).toBe(true);
  });
});

describe("the flow's authorize step", () => {
  const authorize: FlowEvent = {
    type: 'authorize',
    url: 'https://lb.example.com/cqweb/oauth/authorize?oauth_token=t1',
    pinnedUrl: 'https://cq1.example.com/cqweb/oauth/authorize?oauth_token=t1',
    expiresAt: '2030-01-01T00:10:00.000Z',
    issuedBy: 'node1',
  };

  it('opens the authorize page in a window pinned to its origin, and still forwards the event', async () => {
    engine.flow!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.(authorize);
      return { outcome: 'completed' };
    });
    expect(await invoke('flow', { cluster: 'prod', consumerKey: 'k', target: 'balancer' }, 'call-f')).toEqual({
      ok: true,
      result: { outcome: 'completed' },
    });
    expect(pinnedOpened.map((p) => p.target)).toEqual([
      {
        cluster: 'prod',
        node: 'balancer',
        url: authorize.url,
        title: 'balancer — https://lb.example.com',
        allowFlowCallback: true,
      },
    ]);
    expect(consoleContents.sent).toEqual([[PROGRESS_CHANNEL, 'call-f', authorize]]);
  });

  it("has the console's own links to the page (balancer and issuing node) expected while the flow runs, and no longer", async () => {
    let seenWhileRunning: FlowAuthorization[] = [];
    engine.flow!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.(authorize);
      seenWhileRunning = [...expected];
      return { outcome: 'completed' };
    });
    await invoke('flow', { cluster: 'prod', consumerKey: 'k', target: 'balancer' }, 'call-e');
    expect(seenWhileRunning).toEqual([
      {
        target: expect.objectContaining({ node: 'balancer', url: authorize.url, allowFlowCallback: true }),
        urls: [authorize.url, authorize.pinnedUrl],
      },
    ]);
    expect(expected.size).toBe(0);
  });

  it('names the window after the node when the flow targets one node', async () => {
    const onNode = { ...authorize, url: authorize.pinnedUrl! };
    engine.flow!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.(onNode);
      return { outcome: 'completed' };
    });
    await invoke('flow', { cluster: 'prod', consumerKey: 'k', target: { node: 'node1' } });
    expect(pinnedOpened[0]!.target).toMatchObject({
      node: 'node1',
      title: 'node1 — https://cq1.example.com',
      url: onNode.url,
    });
  });

  it('forwards other flow events without opening anything', async () => {
    engine.flow!.mockImplementationOnce(async (_arg, opts) => {
      opts?.onProgress?.({ type: 'waiting', secondsLeft: 5, expiresAt: authorize.expiresAt });
      return { outcome: 'timeout' };
    });
    await invoke('flow', { cluster: 'prod', consumerKey: 'k', target: 'balancer' }, 'call-w');
    expect(pinnedOpened).toHaveLength(0);
    expect(consoleContents.sent).toHaveLength(1);
  });
});

describe('the report without a folder', () => {
  it('asks the admin where to save it, then writes it there', async () => {
    chosenDirectory = '/home/admin/reports';
    const reply = await invoke('report', { cluster: 'prod' }, 'call-r');
    expect(reply.ok).toBe(true);
    expect(windows.chooseDirectory).toHaveBeenCalledWith('Where to save report.md and report.json');
    expect(engine.report!.mock.calls[0]![0]).toEqual({ cluster: 'prod', outDir: '/home/admin/reports' });
  });

  it('writes nothing and says so when the admin cancels the folder picker', async () => {
    chosenDirectory = null;
    const reply = await invoke('report', { cluster: 'prod', outDir: '' }, 'call-r2');
    expect(reply).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/^outDir: no folder was chosen/),
      }),
    });
    expect(engine.report).not.toHaveBeenCalled();
  });

  it('does not ask when the folder is given', async () => {
    await invoke('report', { cluster: 'prod', outDir: '/tmp/r' }, 'call-r3');
    expect(windows.chooseDirectory).not.toHaveBeenCalled();
    expect(engine.report!.mock.calls[0]![0]).toEqual({ cluster: 'prod', outDir: '/tmp/r' });
  });
});
