/**
 * The desktop's way to tell the admin about a watch change while the window is elsewhere: an OS
 * notification (Electron's `Notification`, which uses the platform's own: libnotify, Notification
 * Center, Windows toasts). Clicking it brings the console back. Nothing secret is in a change.
 */
import { Notification } from 'electron';
import type { WatchChangeView } from '../shared/contract-watch.ts';
import { notificationOf } from '../shared/contract-watch.ts';

export interface NotifyTarget {
  focusMainWindow(): void;
}

export function watchNotifier(windows: NotifyTarget): (change: WatchChangeView) => void {
  return (change) => {
    if (!Notification.isSupported()) return;
    const { title, body, urgent } = notificationOf(change);
    const n = new Notification({ title, body, urgency: urgent ? 'critical' : 'normal' });
    n.on('click', () => windows.focusMainWindow());
    n.show();
  };
}
