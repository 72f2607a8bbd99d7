/**
 * The desktop door: the contract's operations over Electron IPC, derived from OPERATIONS and the
 * channel names of shared/door.ts. The only module that touches `ipcMain` (a lint rule says so).
 *
 * - Only the main frame of one of the app's own main windows, on the console's origin, is answered;
 *   anything else gets "untrusted sender" and the engine is never called
 *   (Electron security checklist §17, "Validate the sender of all IPC messages").
 * - Nothing is thrown across IPC: every answer is a plain {@link Reply}, errors coded.
 * - Progress goes back to the calling window with the call's id; a cancel aborts that call's signal.
 * - The node-pinned window is this door's own part of `openAdminPage` and of the flow's authorize step.
 */
import { ipcMain } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { Api, ArgOf, CallOptions, OperationName, ResultOf } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import { CANCEL_CHANNEL, PROGRESS_CHANNEL, ipcChannel } from '../../shared/door.ts';
import type { Reply } from '../../shared/door.ts';
import { ErrorCode, badInput, toErrorInfo } from '../../shared/errors.ts';
import type { FlowAuthorization, PinnedTarget, PinnedWindow } from './windows.ts';

/** What the door needs of the windows (electron/desktop/windows.ts `ShellWindows`). */
export interface IpcWindows {
  isMainWindowContents(id: number): boolean;
  isConsoleUrl(url: string): boolean;
  openNodePinnedWindow(target: PinnedTarget): PinnedWindow;
  /** While a flow waits on its authorize page, the console's link to it opens with the callback allowance. */
  expectFlowAuthorize(flow: FlowAuthorization): () => void;
  /** The OS folder picker; null when cancelled. */
  chooseDirectory(title: string): Promise<string | null>;
}

export const UNTRUSTED_SENDER: Reply = { ok: false, error: { code: ErrorCode.INTERNAL, message: 'untrusted sender' } };

/** Call ids are the renderer's (renderer/lib/client.ts); a bound keeps the map of running calls small. */
const MAX_CALL_ID_LENGTH = 128;

type AnyCall = (arg: unknown, opts: CallOptions<OperationName>) => Promise<unknown>;

function isTrustedSender(windows: IpcWindows, event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  if (!windows.isMainWindowContents(event.sender.id)) return false;
  const frame = event.senderFrame;
  // A subframe (parent set) is whatever a page embedded, never the console itself.
  return frame !== null && frame.parent === null && windows.isConsoleUrl(frame.url);
}

/** Desktop `openAdminPage`: the engine checks the URL is on the node, then the admin works in a pinned window. */
async function openAdminPage(
  engine: Api,
  windows: IpcWindows,
  arg: ArgOf<'openAdminPage'>,
  opts: CallOptions<'openAdminPage'>,
): Promise<ResultOf<'openAdminPage'>> {
  const page = await engine.openAdminPage(arg, opts);
  opts.signal?.throwIfAborted();
  const pinned = windows.openNodePinnedWindow({
    cluster: page.cluster,
    node: page.node,
    url: page.url,
    title: page.title,
  });
  const close = () => pinned.close();
  opts.signal?.addEventListener('abort', close, { once: true });
  try {
    await pinned.closed;
  } finally {
    opts.signal?.removeEventListener('abort', close);
  }
  return { ...page, opened: 'pinned-window' };
}

/**
 * Desktop `flow`: the authorize step's page opens in a window pinned to that page's origin (the node,
 * or the balancer when the flow goes through it), so the admin sees where the token is authorized.
 */
async function flow(
  engine: Api,
  windows: IpcWindows,
  arg: ArgOf<'flow'>,
  opts: CallOptions<'flow'>,
): Promise<ResultOf<'flow'>> {
  const target = arg?.target;
  const label =
    typeof target === 'object' && target !== null && typeof target.node === 'string' ? target.node : 'balancer';
  let authorizeWindow: PinnedWindow | null = null;
  let forgetAuthorize = () => undefined as unknown;
  const closeOnAbort = () => authorizeWindow?.close();
  opts.signal?.addEventListener('abort', closeOnAbort, { once: true });
  try {
    return await engine.flow(arg, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (event) => {
        if (event.type === 'authorize') {
          try {
            const origin = new URL(event.url).origin;
            const target: PinnedTarget = {
              cluster: arg.cluster,
              node: label,
              url: event.url,
              title: `${label} — ${origin}`,
              allowFlowCallback: true,
            };
            // The console's own "Open the authorize page" links must reach the callback too.
            forgetAuthorize();
            forgetAuthorize = windows.expectFlowAuthorize({
              target,
              urls: event.pinnedUrl ? [event.url, event.pinnedUrl] : [event.url],
            });
            authorizeWindow = windows.openNodePinnedWindow(target);
          } catch {
            // Not an http(s) page: nothing opens; the renderer still gets the URL below.
          }
        }
        opts.onProgress?.(event);
      },
    });
  } finally {
    forgetAuthorize();
    opts.signal?.removeEventListener('abort', closeOnAbort);
  }
}

/** Desktop `report` without a folder: the admin picks where report.md and report.json go. */
async function report(
  engine: Api,
  windows: IpcWindows,
  arg: ArgOf<'report'>,
  opts: CallOptions<'report'>,
): Promise<ResultOf<'report'>> {
  if (arg && typeof arg === 'object' && (arg.outDir === undefined || arg.outDir === '')) {
    const outDir = await windows.chooseDirectory('Where to save report.md and report.json');
    if (outDir === null) throw badInput('outDir', 'no folder was chosen; the report was not written');
    return engine.report({ ...arg, outDir }, opts);
  }
  return engine.report(arg, opts);
}

function callFor(engine: Api, windows: IpcWindows, op: OperationName): AnyCall {
  switch (op) {
    case 'report':
      return (arg, opts) => report(engine, windows, arg as ArgOf<'report'>, opts as CallOptions<'report'>);
    case 'openAdminPage':
      return (arg, opts) =>
        openAdminPage(engine, windows, arg as ArgOf<'openAdminPage'>, opts as CallOptions<'openAdminPage'>);
    case 'flow':
      return (arg, opts) => flow(engine, windows, arg as ArgOf<'flow'>, opts as CallOptions<'flow'>);
    default: {
      const method = engine[op] as unknown as AnyCall;
      return (arg, opts) => method.call(engine, arg, opts);
    }
  }
}

/** Answers every operation of the contract on its channel; returns the undo (handlers removed, calls aborted). */
export interface IpcOptions {
  /** Calls are answered once this settles (the first-run sandbox registered); the sender check is at once. */
  ready?: Promise<void>;
}

export function installIpc(engine: Api, windows: IpcWindows, options: IpcOptions = {}): () => void {
  const ready = options.ready ?? Promise.resolve();
  const running = new Map<string, AbortController>();
  const callKey = (sender: WebContents, callId: string) => `${sender.id}\n${callId}`;
  // One 'destroyed' listener per window, not one per call: a console running more than ten calls at
  // once (a status per cluster, a watch, a sync) would otherwise get MaxListenersExceededWarning.
  const callsOfSender = new Map<number, Set<AbortController>>();
  const track = (sender: WebContents, controller: AbortController): (() => void) => {
    let calls = callsOfSender.get(sender.id);
    if (!calls) {
      const mine = new Set<AbortController>();
      calls = mine;
      callsOfSender.set(sender.id, mine);
      // A closed window has nobody left to answer: stop its calls.
      sender.once('destroyed', () => {
        callsOfSender.delete(sender.id);
        for (const c of mine) c.abort();
      });
    }
    calls.add(controller);
    const set = calls;
    return () => set.delete(controller);
  };

  for (const op of OPERATIONS) {
    const call = callFor(engine, windows, op);
    ipcMain.handle(ipcChannel(op), async (event, arg: unknown, callId: unknown): Promise<Reply> => {
      if (!isTrustedSender(windows, event)) return UNTRUSTED_SENDER;
      if (typeof callId !== 'string' || callId === '' || callId.length > MAX_CALL_ID_LENGTH) {
        return {
          ok: false,
          error: toErrorInfo(badInput('callId', `must be a string of 1 to ${MAX_CALL_ID_LENGTH} characters`)),
        };
      }
      const sender = event.sender;
      const key = callKey(sender, callId);
      if (running.has(key))
        return { ok: false, error: toErrorInfo(badInput('callId', `${callId} is already running`)) };
      const controller = new AbortController();
      running.set(key, controller);
      const untrack = track(sender, controller);
      try {
        await ready;
        controller.signal.throwIfAborted();
        const result = await call(arg, {
          signal: controller.signal,
          onProgress: (progress) => {
            if (!sender.isDestroyed()) sender.send(PROGRESS_CHANNEL, callId, progress);
          },
        });
        return { ok: true, result } as Reply;
      } catch (e) {
        return { ok: false, error: toErrorInfo(e) };
      } finally {
        running.delete(key);
        untrack();
      }
    });
  }

  const cancel = (event: IpcMainEvent, callId: unknown) => {
    if (!isTrustedSender(windows, event) || typeof callId !== 'string') return;
    running.get(callKey(event.sender, callId))?.abort();
  };
  ipcMain.on(CANCEL_CHANNEL, cancel);

  return () => {
    for (const op of OPERATIONS) ipcMain.removeHandler(ipcChannel(op));
    ipcMain.removeListener(CANCEL_CHANNEL, cancel);
    for (const controller of running.values()) controller.abort();
    running.clear();
  };
}
