/**
 * electron/desktop/notify.ts: a watch change becomes one OS notification; a click brings the console back.
 * Electron holds a main-process Notification only weakly, so the module must hold each one until
 * it is clicked, closed or fails, or its click handler is collected with it.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNotification, resetFakeElectron } from '../_fake-electron.ts';
import type { WatchChangeView } from '../../shared/contract-watch.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);
const { heldNotificationCount, watchNotifier } = await import('../../electron/desktop/notify.ts');

const change = (over: Partial<WatchChangeView> = {}): WatchChangeView => ({
  time: '2026-12-01T00:00:00.000Z',
  cluster: 'prod',
  type: 'node-down',
  node: 'node2',
  severity: 'critical',
  text: 'node2 is down: connection refused',
  ...over,
});

describe('watch notifications', () => {
  beforeEach(() => resetFakeElectron());

  it('shows the cluster in the title, the change as the body, and focuses the console on click', () => {
    const focus = vi.fn();
    watchNotifier({ showMainWindow: focus })(change());
    expect(FakeNotification.shown).toHaveLength(1);
    const [n] = FakeNotification.shown;
    expect(n!.options).toEqual({
      title: 'prod: needs attention',
      body: 'node2 is down: connection refused',
      urgency: 'critical',
    });
    n!.emit('click');
    expect(focus).toHaveBeenCalledOnce();
  });

  it('says "changed" for a warning, shortens a long text, and stays silent where the OS has no notifications', () => {
    const notify = watchNotifier({ showMainWindow: () => undefined });
    notify(change({ severity: 'warning', text: 'x'.repeat(500) }));
    const [n] = FakeNotification.shown;
    expect(n!.options.title).toBe('prod: changed');
    expect(n!.options.urgency).toBe('normal');
    expect(n!.options.body).toHaveLength(240);
    expect(n!.options.body.endsWith('…')).toBe(true);
    FakeNotification.supported = false;
    notify(change());
    expect(FakeNotification.shown).toHaveLength(1);
  });

  it('holds each notification strongly until it is clicked, closed or fails, then lets it go', () => {
    const start = heldNotificationCount();
    const show = vi.fn();
    const notify = watchNotifier({ showMainWindow: show });
    notify(change({ node: 'node1' }));
    notify(change({ node: 'node2' }));
    notify(change({ node: 'node3' }));
    expect(heldNotificationCount()).toBe(start + 3);
    const [clicked, closed, failed] = FakeNotification.shown;
    clicked!.emit('click');
    expect(show).toHaveBeenCalledOnce();
    expect(heldNotificationCount()).toBe(start + 2);
    closed!.emit('close');
    expect(heldNotificationCount()).toBe(start + 1);
    failed!.emit('failed', new Event('failed'), 'no notification daemon');
    expect(heldNotificationCount()).toBe(start);
  });

  it('holds at most the newest 100, so notifications nobody dismisses do not pile up for ever', () => {
    const notify = watchNotifier({ showMainWindow: () => undefined });
    for (let i = 0; i < 150; i++) notify(change({ text: `change ${i}` }));
    expect(heldNotificationCount()).toBe(100);
    // The newest are the ones held: clicking the last still works.
    const show = vi.fn();
    watchNotifier({ showMainWindow: show })(change());
    FakeNotification.shown.at(-1)!.emit('click');
    expect(show).toHaveBeenCalledOnce();
    for (const n of FakeNotification.shown) n.emit('close');
    expect(heldNotificationCount()).toBe(0);
  });
});
