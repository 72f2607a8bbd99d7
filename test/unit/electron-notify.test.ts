/** electron/notify.ts: a watch change becomes one OS notification; a click brings the console back. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNotification, resetFakeElectron } from '../_fake-electron.ts';
import type { WatchChangeView } from '../../shared/contract-watch.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);
const { watchNotifier } = await import('../../electron/notify.ts');

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
    watchNotifier({ focusMainWindow: focus })(change());
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
    const notify = watchNotifier({ focusMainWindow: () => undefined });
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
});
