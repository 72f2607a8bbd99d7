/**
 * Browser mode's OS notifications for "Watch this cluster" (renderer/lib/client.ts): the browser's
 * Notification, for the same changes and in the same words as the desktop (shared/contract-watch.ts),
 * asked for when a watch is turned on, never when refused. The fetch and the Notification are fakes:
 * this is a unit test of the one module that wraps the door.
 */
import { describe, expect, it } from 'vitest';
import { createApi } from '../../renderer/lib/client.ts';
import type { Host } from '../../renderer/lib/client.ts';
import type { WatchChangeView, WatchEvent, WatchView } from '../../shared/contract-watch.ts';
import { notificationOf } from '../../shared/contract-watch.ts';

const view: WatchView = {
  cluster: 'prod',
  on: true,
  heal: true,
  intervalSeconds: 15,
  checks: 1,
  lastCheckAt: null,
  recent: [],
} as unknown as WatchView;

const change = (type: string, severity: WatchChangeView['severity'], text: string): WatchEvent => ({
  type: 'change',
  change: { time: '2026-12-02T00:00:00Z', cluster: 'prod', type, node: 'n2', severity, text },
});

/** A browser-mode server that answers each call with these NDJSON lines. */
function serverAnswering(lines: object[]): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = (async (url: string) => {
    calls.push(url);
    return new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
      headers: { 'content-type': 'application/x-ndjson' },
    });
  }) as unknown as typeof fetch;
  return { fetch: fake, calls };
}

function browser(permission: string) {
  const shown: { title: string; body: string; tag: string }[] = [];
  const asked: string[] = [];
  class FakeNotification {
    static permission = permission;
    static async requestPermission() {
      asked.push('asked');
      return FakeNotification.permission;
    }
    constructor(title: string, opts: { body: string; tag: string }) {
      shown.push({ title, ...opts });
    }
  }
  const host: Host = { open: () => null, Notification: FakeNotification };
  return { host, shown, asked };
}

describe('browser-mode notifications for the watch', () => {
  it('shows a warning or worse, and every heal, in the desktop’s words; never an info change', async () => {
    const events = [
      change('node-down', 'critical', 'n2 is down (NODE_UNREACHABLE: connection refused)'),
      change('node-up', 'info', 'n2 is up again'),
      change('provisional-key', 'warning', 'provisional key k on n2: approve it on that node'),
      change('heal', 'info', 'heal (automatic sync): consistent; refreshed n2'),
    ];
    const server = serverAnswering([...events.map((progress) => ({ progress })), { result: view }]);
    const b = browser('granted');
    const api = createApi(b.host, server.fetch);
    const seen: WatchEvent[] = [];
    await api.watchFeed({ cluster: 'prod' }, { onProgress: (e) => seen.push(e) });
    expect(seen).toEqual(events);
    const notified = [events[0]!, events[2]!, events[3]!].map((e) => {
      const c = (e as { change: WatchChangeView }).change;
      return { ...notificationOf(c), tag: `prod:${c.type}:n2` };
    });
    expect(b.shown).toEqual(notified.map(({ title, body, tag }) => ({ title, body, tag })));
    expect(b.shown[0]!.title).toBe('prod: needs attention');
  });

  it('asks for permission when a watch is turned on, not when it is turned off', async () => {
    const server = serverAnswering([{ result: view }]);
    const b = browser('default');
    const api = createApi(b.host, server.fetch);
    await api.setWatch({ cluster: 'prod', on: false });
    expect(b.asked).toEqual([]);
    await api.setWatch({ cluster: 'prod', on: true });
    expect(b.asked).toEqual(['asked']);
    expect(server.calls).toEqual(['/api/setWatch', '/api/setWatch']);
  });

  it('shows nothing where the admin refused, and the feed still reaches the console', async () => {
    const events = [change('node-down', 'critical', 'n2 is down')];
    const server = serverAnswering([...events.map((progress) => ({ progress })), { result: view }]);
    const b = browser('denied');
    const api = createApi(b.host, server.fetch);
    const seen: WatchEvent[] = [];
    await api.watchFeed({ cluster: 'prod' }, { onProgress: (e) => seen.push(e) });
    await api.setWatch({ cluster: 'prod', on: true });
    expect(seen).toEqual(events);
    expect(b.shown).toEqual([]);
    expect(b.asked).toEqual([]);
  });
});
