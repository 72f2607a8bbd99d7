/**
 * What a Jazz admin does on the node itself, in the tab the console opened on its approval link
 * (`oauthApprovalModuleUrl?key=`): the form login, which returns to the link, then Approve in
 * Consumers (Inbound). Shared by the specs that hand an approval off to a Jazz node.
 */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect } from '@playwright/test';
import type { SandboxInfo } from '../../electron/sandbox/index.ts';
import { accessible, shots } from './_look.ts';

/** Clicks `open` (the hand-off's "Open <node>'s admin page"), acts the approval out there, closes the tab. */
export async function approveOnJazzNode(
  page: Page,
  open: Locator,
  step: { sandbox: SandboxInfo; node: string; link: string; key: string; name: string },
  look: { info: TestInfo; prefix: string },
): Promise<void> {
  const { sandbox, node, link, key, name } = step;
  const [admin] = await Promise.all([page.context().waitForEvent('page'), open.click()]);
  await admin.waitForLoadState();
  expect(admin.url()).toBe(link);
  // Not logged in: the node serves its form-login challenge.
  await expect(admin.getByRole('heading', { name: 'Jazz Team Server login' })).toBeVisible();
  await expect(admin.getByTestId('node-id')).toHaveText(`Served by ${node}`);
  await shots(admin, look.info, `${look.prefix}-login`);
  await accessible(admin, `${look.prefix}-login`);
  await admin.getByLabel('User ID').fill(sandbox.admin.user);
  await admin.getByLabel('Password').fill(sandbox.admin.password);
  await admin.getByRole('button', { name: 'Log in' }).click();
  // j_security_check takes the login and returns to the page asked for: the approval link.
  await admin.waitForURL(link);
  await expect(admin.getByRole('heading', { name: 'Consumers (Inbound)' })).toBeVisible();
  await expect(admin.getByTestId('node-id')).toHaveText(`Served by ${node}`);
  const row = admin.locator(`[data-testid="provisional-row"][data-key="${key}"]`);
  await expect(row).toContainText(name);
  await shots(admin, look.info, `${look.prefix}-approval-module`);
  await accessible(admin, `${look.prefix}-approval-module`);
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(admin.getByTestId('jazz-result')).toContainText(`HTTP 200: {"key":"${key}","approved":true}`);
  await admin.reload();
  await expect(admin.locator(`[data-testid="authorized-row"][data-key="${key}"]`)).toBeVisible();
  await expect(admin.locator(`[data-testid="provisional-row"][data-key="${key}"]`)).toHaveCount(0);
  await shots(admin, look.info, `${look.prefix}-approved-on-node`);
  await admin.close();
}
