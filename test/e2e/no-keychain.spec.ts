/**
 * The console where no OS keychain is (no Secret Service on the session bus), in Debian Chromium
 * against the real `oslc-admin serve --sandbox`: the embedded sandbox's throwaway login is held in
 * memory, and every place that says where a secret lives says so, once, in one sentence. Runs with
 * DBUS_SESSION_BUS_ADDRESS pointing at no bus, so it is the no-keychain path inside or outside
 * scripts/with-keychain.sh.
 */
import { test as base, expect } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../_serve.ts';
import type { ServeProcess } from '../_serve.ts';
import { ConsolePage } from './_console-page.ts';
import { accessible, shots } from './_look.ts';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/oslc-no-keychain-bus' };

const test = base.extend<{ home: string }>({
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    const home = await mkdtemp(join(tmpdir(), 'oslc-e2e-nokc-'));
    try {
      await use(home);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  },
});

async function serve(home: string): Promise<ServeProcess> {
  return startServe(['--sandbox', '--home', home], NO_BUS);
}

test('no keychain: one notice in one sentence, and the header, dialogs and report say "held in memory"', async ({
  page,
  home,
}, info) => {
  // A first start tracks a consumer (its secret held in memory); the second start on the same config
  // directory cannot read that secret, nor the admin login: still one notice, not a stack.
  const first = await serve(home);
  try {
    const before = new ConsolePage(page);
    await before.open(first.url);
    await before.waitForStatus();
    await before.simulateFriendship('RTC', 'first-run-secret');
  } finally {
    await first.stop();
  }
  const served = await serve(home);
  try {
    const console = new ConsolePage(page);
    await console.open(served.url);
    await console.waitForStatus();
    await shots(page, info, 'no-keychain-map');
    const notices = page.locator('.notice');
    const texts = (await notices.allTextContents()).map((t) => t.trim());
    const keychainNotices = texts.filter((t) => /keychain|Secret Service|D-?Bus/i.test(t));
    expect(keychainNotices, texts.join('\n')).toHaveLength(1);
    expect(keychainNotices[0]).toMatch(/held in memory until the app closes/);
    expect(texts.join('\n')).not.toMatch(/DBus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop|--password-stdin|oslc-admin /);

    const header = page.locator('.cluster-header');
    await expect(header).toContainText('held in memory');
    await expect(header).not.toContainText('OS keychain');

    await page.getByRole('button', { name: 'Change login' }).click();
    const login = page.getByRole('dialog', { name: /Log in/ });
    await expect(login).toBeVisible();
    await expect(login).toContainText('held in memory until the app closes');
    await expect(login).not.toContainText('OS keychain');
    await shots(page, info, 'no-keychain-login');
    await accessible(page, 'no-keychain login dialog');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Register consumer' }).click();
    const register = page.getByRole('dialog', { name: /Register/ });
    await expect(register).toBeVisible();
    await expect(register).not.toContainText('OS keychain');
    await expect(register).toContainText('held in memory until the app closes');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Report', exact: true }).click();
    const report = page.getByRole('dialog', { name: /Support report/ });
    await expect(report).toBeVisible();
    const preview = report.getByRole('region', { name: /Preview of/ });
    await expect(preview).toBeVisible({ timeout: 60_000 });
    const md = (await preview.textContent()) ?? '';
    expect(md).not.toMatch(/in the OS keychain|DBus|DBUS_SESSION_BUS_ADDRESS|oslc-admin |--[a-z]/);
    expect(md).toContain('Secret stored');
    await shots(page, info, 'no-keychain-report');
    await page.keyboard.press('Escape');
  } finally {
    await served.stop();
  }
});
