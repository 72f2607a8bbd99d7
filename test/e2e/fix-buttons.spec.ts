/**
 * An error's fix is a button in the console, not a command to type: against the real `oslc-admin serve
 * --sandbox`, Forget the admin login, Sync all nodes → CREDENTIALS_MISSING with "Log in…", which opens
 * the login dialog; nothing on the screen speaks CLI.
 */
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

test('a missing login: the sync error offers Log in…, which opens the login dialog', async ({ page, served }, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const runs = await console.statusRuns();
  await page.getByRole('button', { name: 'Forget', exact: true }).click();
  await console.waitForStatus(runs);
  await expect(page.locator('.cluster-header')).toContainText('no admin login stored');

  await page.getByRole('button', { name: 'Sync all nodes', exact: true }).click();
  const error = console.syncPanel.locator('[data-code="CREDENTIALS_MISSING"]');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await shots(page, info, 'fix-button');
  await accessible(page, 'sync error with its fix');
  const body = (await page.locator('main').textContent()) ?? '';
  expect(body).not.toMatch(/oslc-admin |--[a-z][a-z-]+/);

  await error.getByRole('button', { name: 'Log in…' }).click();
  const dialog = page.getByRole('dialog', { name: /Log in to/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Password', { exact: true })).toBeVisible();
});
