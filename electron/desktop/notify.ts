/**
 * The desktop's way to tell the admin about a watch change while the window is elsewhere: an OS
 * notification (Electron's `Notification`, which uses the platform's own: libnotify, Notification
 * Center, Windows toasts). Clicking it brings the console back. Nothing secret is in a change.
 *
 * Electron keeps only a weak reference to a main-process `Notification`: once nothing in JavaScript
 * holds it, it is collected with its click handler and a click does nothing (electron/electron#16922,
 * #12690). So every notification shown is held here until it is clicked, closed or fails.
 */
import { Notification } from 'electron';
import type { WatchChangeView } from '../../shared/contract-watch.ts';
import { notificationOf } from '../../shared/contract-watch.ts';

export interface NotifyTarget {
  /** Brings the console forward, creating its window when there is none. */
  showMainWindow(): void;
}

/** The notifications shown and not yet clicked, closed or failed: held so they are not collected. */
const held = new Set<Notification>();
/** Notifications nobody dismisses (a critical one stays on some desktops): the oldest are let go past this. */
const MAX_HELD = 100;

/** How many notifications are held (for tests and the self-test). */
export function heldNotificationCount(): number {
  return held.size;
}

export function watchNotifier(windows: NotifyTarget): (change: WatchChangeView) => void {
  return (change) => {
    if (!Notification.isSupported()) return;
    const { title, body, urgent } = notificationOf(change);
    const n = new Notification({ title, body, urgency: urgent ? 'critical' : 'normal' });
    held.add(n);
    if (held.size > MAX_HELD) held.delete(held.values().next().value as Notification);
    const release = () => held.delete(n);
    n.on('click', () => {
      release();
      windows.showMainWindow();
    });
    n.on('close', release);
    n.on('failed', release);
    n.show();
  };
}
