/**
 * The browser-mode door end to end in one process: the renderer's own client (renderer/lib/client.ts)
 * against the real server over a real socket. A stand-in Api behind the server lets the test see what
 * crosses: the argument, progress events in order, a coded error as a plain object, and an abort
 * that reaches the operation's signal when the renderer cancels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Api } from '../../shared/contract.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { startConsoleServer } from '../../electron/server/serve.ts';
import type { ConsoleServer } from '../../electron/server/serve.ts';
import { ApiError, createApi } from '../../renderer/lib/client.ts';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

const seen: { op: string; arg: unknown }[] = [];
let aborted: unknown = null;
let abortSeen: () => void = () => undefined;
const abortReached = new Promise<void>((resolve) => (abortSeen = resolve));

/** Only what the door needs: three operations with known behaviour. */
const fake = {
  async sync(arg: unknown, opts: { onProgress?: (e: unknown) => void }) {
    seen.push({ op: 'sync', arg });
    opts.onProgress?.({ type: 'started', node: 'node1', attempt: 1 });
    opts.onProgress?.({ type: 'refreshed', node: 'node1', attempts: 1, latencyMs: 7 });
    return { cluster: 'c', nodes: [], verified: { consistent: true, drift: [] }, notices: [] };
  },
  async approve() {
    throw new AppError(ErrorCode.PROVISIONAL_KEY_NOT_FOUND, 'No node holds k1 provisionally', { node: 'node2' });
  },
  flow(_arg: unknown, opts: { signal?: AbortSignal; onProgress?: (e: unknown) => void }) {
    opts.onProgress?.({ type: 'waiting', secondsLeft: 600, expiresAt: 'later' });
    return new Promise((_resolve, reject) => {
      opts.signal?.addEventListener('abort', () => {
        aborted = opts.signal?.reason;
        abortSeen();
        reject(new Error('aborted'));
      });
    });
  },
} as unknown as Api;

let server: ConsoleServer;
let api: Api;

beforeAll(async () => {
  server = await startConsoleServer({ api: fake, rendererDir });
  const origin = new URL(server.url).origin;
  const first = await fetch(server.url, { redirect: 'manual' });
  const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
  // What a browser adds on its own: the cookie and the page's Origin.
  const browserFetch = ((path: string, init: RequestInit) =>
    fetch(`${origin}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), cookie, origin },
    })) as typeof fetch;
  // The tab the sign-in redirect lands on: its fragment carries the session's secret.
  const stored = new Map<string, string>();
  const location = { hash: `#${first.headers.get('location')!.split('#')[1]}`, pathname: '/', search: '' };
  api = createApi(
    {
      open: () => null,
      location,
      history: { replaceState: () => (location.hash = '') },
      sessionStorage: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => void stored.set(k, v) },
    },
    browserFetch,
  );
});

afterAll(async () => {
  await server?.close();
});

describe('the browser-mode door', () => {
  it('carries the argument in and progress events out, in order, before the result', async () => {
    const events: unknown[] = [];
    const result = await api.sync({ cluster: 'c' }, { onProgress: (e) => events.push(e) });
    expect(seen).toEqual([{ op: 'sync', arg: { cluster: 'c' } }]);
    expect(events).toEqual([
      { type: 'started', node: 'node1', attempt: 1 },
      { type: 'refreshed', node: 'node1', attempts: 1, latencyMs: 7 },
    ]);
    expect(result.verified.consistent).toBe(true);
  });

  it('throws the coded error, with its node, as an ApiError', async () => {
    const error = await api.approve({ cluster: 'c', key: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).info).toEqual({
      code: 'PROVISIONAL_KEY_NOT_FOUND',
      message: 'No node holds k1 provisionally',
      node: 'node2',
    });
  });

  it('aborts the running operation when the renderer cancels', async () => {
    const controller = new AbortController();
    const events: unknown[] = [];
    const call = api.flow({ cluster: 'c', consumerKey: 'k', target: 'balancer' } as never, {
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        controller.abort();
      },
    });
    await expect(call).rejects.toThrow();
    await abortReached;
    expect(events).toHaveLength(1);
    expect(String(aborted)).toMatch(/closed the request/);
  });
});
