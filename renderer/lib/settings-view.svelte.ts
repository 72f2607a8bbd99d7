/**
 * The Settings screen: where the config lives, which keychain is in use and whether it works, the
 * proxy in use (from the environment), the version; and the theme. Light and dark follow the OS; an
 * override (light or dark) is kept in this window's localStorage and applied as `data-theme` on
 * `<html>` (renderer/styles/base.css has the colours for both).
 */
import type { Api } from '../../shared/contract.ts';
import type { SettingsView } from '../../shared/contract-console.ts';
import { Task } from './task.svelte.ts';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_WORDS: Record<Theme, string> = {
  system: 'Follow the OS',
  light: 'Light',
  dark: 'Dark',
};
export const THEME_STORAGE_KEY = 'oslc-admin.theme';

/** What the window can store and style (typed here so tests can give their own). */
export interface ThemeHost {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  root: { dataset: DOMStringMap } | null;
  prefersDark: () => boolean;
}

function browserHost(): ThemeHost {
  const g = globalThis as unknown as { localStorage?: Storage; document?: Document; matchMedia?: typeof matchMedia };
  let storage: ThemeHost['storage'];
  try {
    storage = g.localStorage ?? null;
  } catch {
    storage = null; // storage can be refused (a locked-down profile): the theme just follows the OS
  }
  return {
    storage,
    root: g.document?.documentElement ?? null,
    prefersDark: () => g.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false,
  };
}

export function storedTheme(host: ThemeHost = browserHost()): Theme {
  const value = host.storage?.getItem(THEME_STORAGE_KEY);
  return (THEMES as readonly string[]).includes(value ?? '') ? (value as Theme) : 'system';
}

/** Sets or clears `data-theme` on `<html>`; `system` leaves the colours to the OS. */
export function applyTheme(theme: Theme, host: ThemeHost = browserHost()): void {
  if (!host.root) return;
  if (theme === 'system') delete host.root.dataset['theme'];
  else host.root.dataset['theme'] = theme;
}

export class SettingsState {
  view = $state<SettingsView | null>(null);
  theme = $state<Theme>('system');
  readonly task = new Task();
  private readonly api: Api;
  private readonly host: ThemeHost;

  constructor(api: Api, host: ThemeHost = browserHost()) {
    this.api = api;
    this.host = host;
    this.theme = storedTheme(host);
  }

  async load(): Promise<void> {
    const view = await this.task.run(() => this.api.settings({}));
    if (view) this.view = view;
  }

  /** What the OS asks for now (shown next to "Follow the OS"). */
  get osScheme(): 'light' | 'dark' {
    return this.host.prefersDark() ? 'dark' : 'light';
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    if (theme === 'system') this.host.storage?.removeItem(THEME_STORAGE_KEY);
    else this.host.storage?.setItem(THEME_STORAGE_KEY, theme);
    applyTheme(theme, this.host);
  }
}
