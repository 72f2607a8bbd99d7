/** Settings: the engine's facts in words, and the theme override stored and applied as data-theme. */
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import SettingsViewComponent from '../../renderer/components/settings-view.svelte';
import { ConsoleState } from '../../renderer/lib/console.svelte.ts';
import { SettingsState, THEME_STORAGE_KEY } from '../../renderer/lib/settings-view.svelte.ts';
import type { ThemeHost } from '../../renderer/lib/settings-view.svelte.ts';
import type { SettingsView } from '../../shared/contract-console.ts';
import { fakeApi } from './_fake-api.ts';

const VIEW: SettingsView = {
  configDir: '/home/admin/.config/oslc-admin',
  keychain: { backend: 'the Secret Service', available: false, problem: 'No Secret Service is running on D-Bus.' },
  proxy: { https: 'http://proxy.example:3128', http: null, noProxy: 'localhost,127.0.0.1' },
  version: '1.2.3',
  platform: 'linux x64',
};

function memoryHost(): ThemeHost & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    storage: {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
      removeItem: (k) => void items.delete(k),
    },
    root: { dataset: {} },
    prefersDark: () => true,
  };
}

describe('SettingsState', () => {
  it('keeps a light or dark override in storage and on <html>, and "follow the OS" clears both', () => {
    const host = memoryHost();
    const s = new SettingsState(fakeApi(), host);
    expect(s.theme).toBe('system');
    expect(s.osScheme).toBe('dark');
    s.setTheme('light');
    expect(host.items.get(THEME_STORAGE_KEY)).toBe('light');
    expect(host.root!.dataset['theme']).toBe('light');
    expect(new SettingsState(fakeApi(), host).theme).toBe('light');
    s.setTheme('system');
    expect(host.items.has(THEME_STORAGE_KEY)).toBe(false);
    expect(host.root!.dataset['theme']).toBeUndefined();
  });
});

describe('Settings screen', () => {
  it('shows the config directory, the keychain and its problem, the proxy and the version', async () => {
    const app = new ConsoleState(fakeApi({ settings: async () => VIEW }));
    render(SettingsViewComponent, { app });
    await waitFor(() => expect(screen.getByText(VIEW.configDir)).toBeTruthy());
    const text = document.body.textContent ?? '';
    expect(text).toContain('the Secret Service');
    expect(text).toContain('not working');
    expect(text).toContain('No Secret Service is running on D-Bus.');
    expect(text).toContain('http://proxy.example:3128');
    expect(text).toContain('localhost,127.0.0.1');
    expect(text).toContain('1.2.3');
    await fireEvent.click(screen.getByLabelText('Dark'));
    expect(document.documentElement.dataset['theme']).toBe('dark');
    await fireEvent.click(screen.getByLabelText(/Follow the OS/));
    expect(document.documentElement.dataset['theme']).toBeUndefined();
  });

  it('says where the proxy comes from: the environment (CLI, browser mode) or the OS (desktop); and the trust store', async () => {
    const env = new ConsoleState(
      fakeApi({ settings: async () => ({ ...VIEW, proxy: { ...VIEW.proxy, source: 'environment' as const } }) }),
    );
    const first = render(SettingsViewComponent, { app: env });
    await waitFor(() =>
      expect(screen.getByTestId('proxy-source').textContent).toMatch(/HTTPS_PROXY, HTTP_PROXY and NO_PROXY/),
    );
    first.unmount();
    const desktop = new ConsoleState(
      fakeApi({
        settings: async () => ({
          ...VIEW,
          proxy: { ...VIEW.proxy, source: 'system' as const },
          trustStore: 'the system CA bundle /etc/ssl/certs/ca-certificates.crt',
        }),
      }),
    );
    render(SettingsViewComponent, { app: desktop });
    await waitFor(() =>
      expect(screen.getByTestId('proxy-source').textContent).toMatch(
        /operating system's proxy settings \(its PAC file/,
      ),
    );
    expect(document.body.textContent).not.toContain('http://proxy.example:3128');
    expect(screen.getByTestId('trust-store').textContent).toMatch(
      /ca-certificates\.crt, beside each cluster's own CA bundle/,
    );
  });
});
