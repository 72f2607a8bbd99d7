/**
 * The Clusters screens, Register consumer and Settings, in Debian Chromium against the real
 * `oslc-admin serve --sandbox`: a cluster added through the form (the engine's error about a bad node
 * URL shown next to that input, then fixed), edited, exported as a download and imported back under
 * another name, removed after a confirmation that names it; a consumer registered on the sandbox
 * (secrets that differ refused without a request, a good one approved and verified, then spread to
 * every node by sync); Settings showing the config directory and the keychain. Each screen passes
 * axe (no serious or critical violation) and is shot in light and dark.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

/** The message an input is described by (its field error). */
async function describedBy(page: Page, label: string): Promise<string> {
  const input = page.getByLabel(label, { exact: true });
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  const id = await input.getAttribute('aria-describedby');
  return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
}

test('add a cluster through the form: the bad node URL is named next to it; then edit, export, import, remove', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const sandbox = served.sandbox!;
  const sidebar = page.getByRole('navigation', { name: 'Clusters' });

  await sidebar.getByRole('button', { name: 'Add cluster…' }).click();
  const form = page.getByRole('region', { name: 'Add a cluster' });
  await expect(form).toBeVisible();
  await form.getByLabel('Name', { exact: true }).fill('lab');
  await form.getByLabel('Kind').selectOption('lyo');
  await expect(form.getByLabel('User database')).toHaveCount(0);
  await form.getByLabel('Balancer URL').fill(sandbox.balancer);
  await form.getByLabel('Node 1 URL').fill(sandbox.nodes[0]!.url);
  await form.getByRole('button', { name: '+ Add node' }).click();
  await form.getByLabel('Node 2 URL').fill('ftp://x');
  await form.getByLabel('Connect timeout (ms)').fill('3000');
  await form.getByRole('button', { name: 'Add cluster' }).click();

  expect(await describedBy(page, 'Node 2 URL')).toContain('must be an http:// or https:// URL');
  await expect(form.getByLabel('Node 1 URL')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Node 2 URL')).toBeFocused();
  await expect(form.getByRole('alert')).toHaveCount(0);
  await shots(page, info, 'cluster-form-error');
  await accessible(page, 'cluster form with an error');

  await form.getByLabel('Node 2 URL').fill(sandbox.nodes[1]!.url);
  await expect(form.getByLabel('Node 2 URL')).not.toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Add cluster' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'lab' })).toBeVisible();
  await expect(sidebar.getByRole('button', { name: / lab lyo$/ })).toHaveAttribute('aria-current', 'true');
  await expect(console.node('node2')).toBeVisible();

  // Edit: the stored values come back; a third node and a new total timeout are saved.
  const actions = sidebar.getByRole('group', { name: 'Actions on lab' });
  await actions.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('region', { name: 'Edit lab' });
  await expect(edit.getByLabel('Node 2 URL')).toHaveValue(sandbox.nodes[1]!.url);
  await expect(edit.getByLabel('Name', { exact: true })).toBeDisabled();
  await expect(edit.getByLabel('Connect timeout (ms)')).toHaveValue('3000');
  await edit.getByRole('button', { name: '+ Add node' }).click();
  await edit.getByLabel('Node 3 URL').fill(sandbox.nodes[2]!.url);
  await edit.getByLabel('Total timeout (ms)').fill('20000');
  await shots(page, info, 'cluster-form-edit');
  await accessible(page, 'cluster edit form');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'lab' })).toBeVisible();
  await expect(console.node('node3')).toBeVisible();

  // Export: a download of lab.json, the definition without a secret.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    actions.getByRole('button', { name: 'Export' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('lab.json');
  const file = info.outputPath('lab.json');
  await download.saveAs(file);
  const exported = await readFile(file, 'utf8');
  expect(exported).toContain(sandbox.nodes[2]!.url);
  expect(exported).toContain('20000');
  expect(exported).not.toContain(sandbox.admin.password);

  // Import: the name is taken, so it is imported under the offered new name.
  await sidebar.getByLabel('Cluster file to import').setInputFiles(file);
  const rename = sidebar.getByRole('form', { name: 'Import under another name' });
  await expect(rename).toContainText('A cluster named lab exists already');
  await expect(rename.getByLabel('New name')).toHaveValue('lab-copy');
  await shots(page, info, 'cluster-import-rename');
  await accessible(page, 'import under another name');
  await rename.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'lab-copy' })).toBeVisible();
  await expect(sidebar.getByRole('button', { name: / lab-copy lyo$/ })).toHaveAttribute('aria-current', 'true');

  // Remove, after a confirmation that names the cluster; Cancel first leaves it.
  await sidebar.getByRole('button', { name: / lab lyo$/ }).click();
  await sidebar.getByRole('group', { name: 'Actions on lab' }).getByRole('button', { name: 'Remove' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove lab?' });
  await expect(confirm).toContainText('The cluster lab is removed from this console');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shots(page, info, 'cluster-remove-confirm');
  await accessible(page, 'remove confirmation');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(sidebar.getByRole('button', { name: / lab lyo$/ })).toBeVisible();
  await sidebar.getByRole('group', { name: 'Actions on lab' }).getByRole('button', { name: 'Remove' }).click();
  await confirm.getByRole('button', { name: 'Remove lab' }).click();
  await expect(confirm).toBeHidden();
  await expect(sidebar.getByRole('button', { name: / lab lyo$/ })).toHaveCount(0);
  await expect(sidebar).toContainText('Removed lab.');
  await expect(sidebar.getByRole('button', { name: / lab-copy lyo$/ })).toBeVisible();
  // Another cluster opens: the embedded sandbox.
  await expect(page.getByRole('heading', { level: 1, name: 'sandbox' })).toBeVisible();
});

test('register a consumer on the sandbox: differing secrets refused, a good one approved, verified, spread by sync', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);
  const registerCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/register')) registerCalls.push(r.url());
  });

  await page.getByRole('button', { name: 'Register consumer' }).click();
  const dialog = page.getByRole('dialog', { name: /Register a consumer on/ });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Consumer name').fill('Jenkins');
  await dialog.getByLabel('Secret', { exact: true }).fill('jenkins-secret-1');
  await dialog.getByLabel('Secret again').fill('jenkins-secret-2');
  await expect(dialog.getByLabel('Node')).toHaveValue(nodes[0]!);
  await dialog.getByLabel('Trusted consumer').check();
  await shots(page, info, 'register-dialog');
  await accessible(page, 'register dialog');
  // Register stays disabled while the two secrets differ (issue 18, defect 8).
  await expect(dialog).toContainText('The two secrets are not the same yet.');
  await expect(dialog.getByRole('button', { name: 'Register', exact: true })).toBeDisabled();
  expect(registerCalls).toEqual([]);

  await dialog.getByLabel('Secret again').fill('jenkins-secret-1');
  const runs = await console.statusRuns();
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  const result = page.getByRole('dialog', { name: /^Registered / });
  await expect(result).toContainText(`approved on ${nodes[0]}`);
  await expect(result).toContainText('verified by a probe straight to that node');
  expect(registerCalls).toHaveLength(1);
  const key = ((await result.locator('code').first().textContent()) ?? '').trim();
  expect(key).not.toBe('');
  await console.waitForStatus(runs);
  expect(await console.chipState(nodes[0]!, key)).toBe('approved');
  await expect(result).toContainText(`Still missing on ${nodes.slice(1).join(', ')}`);
  await shots(page, info, 'register-result');
  await accessible(page, 'register result');

  await result.getByRole('button', { name: 'Sync all nodes' }).click();
  await expect(result).toBeHidden();
  await expect(console.syncPanel).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await expect
    .poll(async () => Promise.all(nodes.map((id) => console.chipState(id, key))), { timeout: 30_000 })
    .toEqual(nodes.map(() => 'approved'));
  expect(served.output()).not.toContain('jenkins-secret-1');
});

test('Settings shows the config directory, the keychain in use and the theme; the override applies', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await page.getByRole('navigation', { name: 'Clusters' }).getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('region', { name: 'Settings' });
  await expect(settings).toContainText('Config directory');
  await expect(settings.locator('dd code').first()).toContainText('oslc-e2e-');
  await expect(settings).toContainText('Keychain');
  await expect(settings).toContainText(/Secret Service|Keychain|Credential/);
  await expect(settings).toContainText('HTTPS proxy');
  await expect(settings).toContainText('Version');
  await shots(page, info, 'settings');
  await accessible(page, 'settings');

  await settings.getByLabel('Dark').check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: info.outputPath('settings-forced-dark.png'), fullPage: true });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('navigation', { name: 'Clusters' }).getByRole('button', { name: 'Settings' }).click();
  await page
    .getByRole('region', { name: 'Settings' })
    .getByLabel(/Follow the OS/)
    .check();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
});
