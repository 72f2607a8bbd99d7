/**
 * The main window's preload: exactly the contract on one `contextBridge` key — one function per
 * operation, `onProgress` and `cancel` — and nothing else: no ipcRenderer, no generic invoke, no
 * Node (Electron security checklist: "Do not expose Electron APIs to untrusted web content").
 * Bundled to CommonJS (dist/preload.cjs): a sandboxed preload can require only `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { OperationName, ProgressOf } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import type { Bridge } from '../../shared/door.ts';
import { BRIDGE_KEY, CANCEL_CHANNEL, PROGRESS_CHANNEL, ipcChannel } from '../../shared/door.ts';

type ProgressListener = (callId: string, event: ProgressOf<OperationName>) => void;

const operations = Object.fromEntries(
  OPERATIONS.map((op) => [op, (arg: unknown, callId: string) => ipcRenderer.invoke(ipcChannel(op), arg, callId)]),
);

const bridge = {
  ...operations,
  onProgress(listener: ProgressListener): () => void {
    // The page gets the call id and the event, never the IpcRendererEvent (it carries `sender`).
    const forward = (_event: IpcRendererEvent, callId: string, progress: ProgressOf<OperationName>) =>
      listener(callId, progress);
    ipcRenderer.on(PROGRESS_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(PROGRESS_CHANNEL, forward);
    };
  },
  cancel(callId: string): void {
    ipcRenderer.send(CANCEL_CHANNEL, callId);
  },
} as unknown as Bridge;

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
