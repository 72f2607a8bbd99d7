/**
 * How a call crosses a front door, derived from {@link OPERATIONS} so that no channel or route name
 * is typed twice: the Electron IPC channels, the preload bridge's shape, and the browser-mode routes
 * and stream lines. Pure data and types; each door implements its side (electron/desktop/ipc.ts,
 * electron/desktop/preload.ts, electron/server/serve.ts, renderer/lib/client.ts).
 */
import type { ArgOf, OperationName, ProgressOf, ResultOf } from './contract.ts';
import type { ErrorInfo } from './errors.ts';

/** What a call answers across a door: the result, or the coded error as a plain object. */
export type Reply<K extends OperationName = OperationName> =
  { ok: true; result: ResultOf<K> } | { ok: false; error: ErrorInfo };

// Electron IPC ---------------------------------------------------------------------------------

/** The invoke channel of one operation. */
export const ipcChannel = (op: OperationName): `api:${OperationName}` => `api:${op}`;
/** Main → renderer: `(callId, event)` while a call runs. */
export const PROGRESS_CHANNEL = 'api-progress';
/** Renderer → main: `(callId)` aborts that call's signal. */
export const CANCEL_CHANNEL = 'api-cancel';
/** The one `contextBridge` key the preload exposes. */
export const BRIDGE_KEY = 'oslc';

/** What the preload exposes on `window.oslc`: the contract's operations, progress, cancel. Nothing else. */
export type Bridge = {
  [K in OperationName]: (arg: ArgOf<K>, callId: string) => Promise<Reply<K>>;
} & {
  /** Subscribes to progress events of every call; returns the unsubscribe function. */
  onProgress(listener: (callId: string, event: ProgressOf<OperationName>) => void): () => void;
  /** Aborts the call with this id (its signal fires in the main process). */
  cancel(callId: string): void;
};

// Browser mode -----------------------------------------------------------------------------------

/** `POST` with the argument as JSON; the answer streams {@link StreamLine}s as NDJSON. */
export const httpRoute = (op: OperationName): `/api/${OperationName}` => `/api/${op}`;
export const API_PREFIX = '/api/';
export const NDJSON = 'application/x-ndjson';
/**
 * Browser mode's session is two halves, both needed by every operation (electron/server/serve.ts says why):
 * an HttpOnly cookie named `SESSION_COOKIE_PREFIX<session id>`, and `<session id>.<secret>` in the
 * {@link SESSION_HEADER} header, which the page learns once from the sign-in redirect's fragment
 * (`#<SESSION_FRAGMENT>=…`) and keeps in its tab's sessionStorage.
 */
export const SESSION_COOKIE_PREFIX = 'oslc_s_';
export const SESSION_HEADER = 'x-oslc-session';
export const SESSION_FRAGMENT = 'session';

/** One line of a browser-mode answer: zero or more progress lines, then one result or error line. */
export type StreamLine<K extends OperationName = OperationName> =
  { progress: ProgressOf<K> } | { result: ResultOf<K> } | { error: ErrorInfo };
