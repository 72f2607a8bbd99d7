/**
 * The desktop's way to tell the admin about a watch change while the window is elsewhere: an OS
 * notification (Electron's `Notification`, which uses the platform's own: libnotify, Notification
 * Center, Windows toasts). Clicking it brings the console back. Nothing secret is in a change.
 */
import { Notification } from 'electron';
import type { WatchChangeView } from '../shared/contract-watch.ts';

export interface NotifyTarget {
  focusMainWindow(): void;
}

/** Longest body a notification shows in full on the common platforms; the rest is in the console. */
const MAX_BODY = 240;

export function watchNotifier(windows: NotifyTarget): (change: WatchChangeView) => void {
  return (change) => {
    if (!Notification.isSupported()) return;
    const body = change.text.length > MAX_BODY ? `${change.text.slice(0, MAX_BODY - 1)}…` : change.text;
    const n = new Notification({
      title: `${change.cluster}: ${change.severity === 'critical' ? 'needs attention' : 'changed'}`,
      body,
      urgency: change.severity === 'critical' ? 'critical' : 'normal',
    });
    n.on('click', () => windows.focusMainWindow());
    n.show();
  };
}
