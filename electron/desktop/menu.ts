/**
 * The application menu: the standard roles only. Reload and the developer tools exist only in an
 * unpackaged build: in a packaged app they would hand anyone at the keyboard a console inside the
 * window that holds the contract bridge.
 */
import { Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';

export function appMenuTemplate(opts: {
  isPackaged: boolean;
  platform?: NodeJS.Platform;
}): MenuItemConstructorOptions[] {
  const mac = (opts.platform ?? process.platform) === 'darwin';
  const development: MenuItemConstructorOptions[] = opts.isPackaged
    ? []
    : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }];
  return [
    ...(mac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        ...development,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}

export function installAppMenu(opts: { isPackaged: boolean }): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(opts)));
}
