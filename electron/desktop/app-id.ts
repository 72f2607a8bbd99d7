/**
 * The application's id: electron-builder.yml's `appId` (a unit test keeps them equal). On Windows it
 * is the AppUserModelID of the installer's Start-menu shortcut, and toasts show only for the id the
 * shortcut carries, so the main process must claim it (Electron's default is another id).
 */
export const APP_ID = 'org.oslc.cluster-admin';
