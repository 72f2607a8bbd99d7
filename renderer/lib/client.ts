/**
 * The one module that wraps the door. The rest of the renderer gets an {@link Api} and never knows
 * whether it came through the preload bridge (desktop) or browser mode's HTTP routes.
 */
import type { Api, ArgOf, CallOptions, OperationName, ResultOf } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import type { Bridge, Reply, StreamLine } from '../../shared/door.ts';
import { BRIDGE_KEY, SESSION_FRAGMENT, SESSION_HEADER, httpRoute } from '../../shared/door.ts';
import { notificationOf, notifies } from '../../shared/contract-watch.ts';
import type { ErrorInfo } from '../../shared/errors.ts';

/** A coded error from the engine, as thrown to the renderer's code. */
export class ApiError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.info = info;
  }
}

/** Anything caught in the renderer as an {@link ErrorInfo} (a broken door becomes a coded error too). */
export function errorInfoOf(e: unknown): ErrorInfo {
  if (e instanceof ApiError) return e.info;
  if (e instanceof DOMException && e.name === 'AbortError') return { code: 'INTERRUPTED', message: 'Cancelled' };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

function unwrap<K extends OperationName>(reply: Reply<K>): ResultOf<K> {
  if (reply.ok) return reply.result;
  throw new ApiError(reply.error);
}

let calls = 0;
const nextCallId = () => `${Date.now().toString(36)}-${(++calls).toString(36)}`;

/**
 * An argument as plain data, the way browser mode's door sends it (JSON): the context bridge and IPC
 * refuse to copy a Proxy (a Svelte `$state` object, at any depth) or a function, so the desktop door
 * would fail where browser mode works. The contract's arguments are JSON by definition.
 */
function asPlainData<T>(arg: T): T {
  return arg === undefined ? arg : (JSON.parse(JSON.stringify(arg)) as T);
}

/** Desktop: the preload bridge, with progress routed by call id and cancel sent across on abort. */
function bridgeApi(bridge: Bridge): Api {
  const listeners = new Map<string, (event: unknown) => void>();
  bridge.onProgress((callId, event) => listeners.get(callId)?.(event));
  const call = async <K extends OperationName>(
    op: K,
    arg: ArgOf<K>,
    opts: CallOptions<K> = {},
  ): Promise<ResultOf<K>> => {
    const callId = nextCallId();
    if (opts.signal?.aborted) throw new DOMException('Cancelled', 'AbortError');
    if (opts.onProgress) listeners.set(callId, opts.onProgress as (event: unknown) => void);
    const abort = () => bridge.cancel(callId);
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      const invoke = bridge[op] as (arg: ArgOf<K>, callId: string) => Promise<Reply<K>>;
      return unwrap(await invoke(asPlainData(arg), callId));
    } finally {
      listeners.delete(callId);
      opts.signal?.removeEventListener('abort', abort);
    }
  };
  return Object.fromEntries(
    OPERATIONS.map((op) => [op, (arg: never, opts?: never) => call(op, arg, opts)]),
  ) as unknown as Api;
}

/** Browser mode: `POST /api/<op>` on our own origin; the answer is NDJSON, progress lines then the result. */
function httpApi(host: Host, fetchImpl: typeof fetch): Api {
  const session = sessionOf(host);
  const call = async <K extends OperationName>(
    op: K,
    arg: ArgOf<K>,
    opts: CallOptions<K> = {},
  ): Promise<ResultOf<K>> => {
    const res = await fetchImpl(httpRoute(op), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(session ? { [SESSION_HEADER]: session } : {}) },
      body: JSON.stringify(arg ?? {}),
      credentials: 'same-origin',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!res.body || !(res.headers.get('content-type') ?? '').includes('ndjson')) {
      const text = await res.text().catch(() => '');
      throw new ApiError({
        code: 'INTERNAL',
        message: `The console server answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      });
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as StreamLine<K>;
        if ('progress' in msg) opts.onProgress?.(msg.progress);
        else if ('result' in msg) return msg.result;
        else throw new ApiError(msg.error);
      }
      if (done)
        throw new ApiError({
          code: 'INTERNAL',
          message: `The console server closed the answer to ${op} without a result`,
        });
    }
  };
  const api = Object.fromEntries(
    OPERATIONS.map((op) => [op, (arg: never, opts?: never) => call(op, arg, opts)]),
  ) as unknown as Api;
  // A browser tab cannot be pinned to a node: open the checked URL in a new tab instead.
  const openAdminPage = api.openAdminPage;
  api.openAdminPage = async (arg, opts) => {
    const page = await openAdminPage(arg, opts);
    host.open(page.url, '_blank', 'noopener,noreferrer');
    return { ...page, opened: 'tab' };
  };
  notifyFromBrowser(api, host);
  return api;
}

/**
 * Browser mode's OS notification for "Watch this cluster" (the desktop's comes from its main
 * process, electron/desktop/notify.ts): the browser's Notification, in the same words and for the same
 * changes. Permission is asked when the admin turns a watch on (browsers ask only after a click);
 * refused or unavailable, the console still shows every change.
 */
function notifyFromBrowser(api: Api, host: Host): void {
  const Notice = host.Notification;
  if (!Notice) return;
  const setWatch = api.setWatch;
  api.setWatch = (arg, opts) => {
    if (arg?.on && Notice.permission === 'default') void Notice.requestPermission().catch(() => undefined);
    return setWatch(arg, opts);
  };
  const watchFeed = api.watchFeed;
  api.watchFeed = (arg, opts = {}) =>
    watchFeed(arg, {
      ...opts,
      onProgress: (e) => {
        opts.onProgress?.(e);
        if (e.type !== 'change' || !notifies(e.change) || Notice.permission !== 'granted') return;
        const { title, body } = notificationOf(e.change);
        try {
          new Notice(title, { body, tag: `${e.change.cluster}:${e.change.type}:${e.change.node ?? ''}` });
        } catch {
          // Notifications are best effort (some browsers allow them only from a service worker).
        }
      },
    });
}

const SESSION_KEY = 'oslc-admin-session';

/**
 * Browser mode's per-tab session secret (electron/server/serve.ts says why the cookie alone is not enough):
 * taken once from the sign-in redirect's fragment into this tab's sessionStorage (it survives a
 * reload, and no other origin, port included, can read it), and the fragment leaves the address bar.
 */
function sessionOf(host: Host): string | null {
  const fragment = new URLSearchParams((host.location?.hash ?? '').replace(/^#/, '')).get(SESSION_FRAGMENT);
  if (fragment && host.location) {
    host.sessionStorage?.setItem(SESSION_KEY, fragment);
    host.history?.replaceState(null, '', host.location.pathname + host.location.search);
  }
  return host.sessionStorage?.getItem(SESSION_KEY) ?? fragment ?? null;
}

/** What the client needs of its window (typed here so the door can be tested outside a browser). */
export interface Host {
  [BRIDGE_KEY]?: Bridge;
  open(url: string, target: string, features: string): unknown;
  /** The browser's notifications, where it has them (browser mode only). */
  Notification?: {
    readonly permission: string;
    requestPermission(): Promise<string>;
    new (title: string, options: { body: string; tag: string }): unknown;
  };
  /** Browser mode's sign-in hands the tab its session secret in the URL's fragment. */
  location?: { hash: string; pathname: string; search: string };
  history?: { replaceState(data: null, unused: string, url: string): void };
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** The API for this window: the preload bridge when there is one, else browser mode. */
export function createApi(
  host: Host = globalThis as unknown as Host,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Api {
  const bridge = host[BRIDGE_KEY];
  return bridge ? bridgeApi(bridge) : httpApi(host, fetchImpl);
}
