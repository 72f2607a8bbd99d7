/**
 * The seed story on a ClearQuest-dialect sandbox, through the console in Debian Chromium (issue 11):
 * ClearQuest has no approval API, so Approve is a hand-off. The admin opens the holding node's own
 * page (browser mode: a new tab), logs in, chooses Approved for the provisional key in OAuth Consumer
 * Management, comes back, re-probes, syncs, and every node shows the key approved. Then an independent
 * OAuth 1.0a signer (`oauth-1.0a`) gets a request token from every node at ClearQuest's own path.
 */
import { ConsolePage } from './_console-page.ts';
import { REQUEST_TOKEN_PATH, requestTokenStatus } from './_signer.ts';
import { accessible, shots } from './_look.ts';
import { expect, servedWith } from './_serve.ts';

const test = servedWith(['--dialect', 'clearquest']);

test('ClearQuest: approve is a hand-off acted out on the holding node’s OAuth Consumer Management page, then sync', async ({
  page,
  context,
  served,
}, info) => {
  const console = new ConsolePage(page);
  const { sandbox, nodes } = await console.openSandbox(served, 'clearquest');

  const secret = 'rtc-cq-secret';
  const { key, node: holder } = await console.simulateFriendship('RTC', secret);
  expect(await console.chipState(holder, key)).toBe('provisional');
  for (const id of nodes.filter((n) => n !== holder)) expect(await console.chipState(id, key)).toBe('missing');

  // Approve: ClearQuest has no API, so the console hands off to the holding node.
  const panel = await console.openNode(holder);
  await expect(panel.getByRole('region', { name: 'Provisional keys' })).toContainText(key);
  await panel.getByRole('button', { name: 'Approve', exact: true }).click();
  const approval = panel.getByRole('region', { name: 'Approval' });
  await expect(approval).toContainText(`Approve on ${holder} by hand`);
  await expect(approval).toContainText('OAuth Consumer Management');
  await shots(page, info, 'cq-handoff');
  await accessible(page, 'cq-handoff');

  // Browser mode opens the node's own page in a new tab.
  const [admin] = await Promise.all([
    context.waitForEvent('page'),
    approval.getByRole('button', { name: `Open ${holder}'s admin page` }).click(),
  ]);
  await admin.waitForLoadState();
  const holderUrl = sandbox.nodes.find((n) => n.id === holder)!.url;
  expect(new URL(admin.url()).origin).toBe(holderUrl);
  await expect(admin.getByTestId('node-id')).toHaveText(`Served by ${holder}`);
  await admin.getByLabel('User ID').fill(sandbox.admin.user);
  await admin.getByLabel('Password').fill(sandbox.admin.password);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await expect(admin.getByRole('heading', { name: 'OAuth Consumer Management' })).toBeVisible();
  const row = admin.locator(`[data-testid="provisional-row"][data-key="${key}"]`);
  await expect(row).toBeVisible();
  await shots(admin, info, 'cq-admin-page');
  await accessible(admin, 'cq-admin-page');
  await row.getByLabel('Status').selectOption('Approved');
  await row.getByRole('button', { name: 'Submit' }).click();
  await expect(admin.getByTestId('cq-admin-message')).toContainText(`Key ${key} (RTC) is approved.`);
  await expect(admin.locator(`[data-testid="authorized-row"][data-key="${key}"]`)).toBeVisible();
  await shots(admin, info, 'cq-admin-approved');
  await admin.close();

  // Back in the console: re-probe shows it approved on the holder, missing elsewhere, then sync.
  await console.handoffDone(approval, holder, key, nodes);
  await page.keyboard.press('Escape');

  await console.syncToApproved(key, nodes);
  await shots(page, info, 'cq-after-sync');
  await accessible(page, 'cq-after-sync');

  for (const n of sandbox.nodes)
    expect(await requestTokenStatus(`${n.url}${REQUEST_TOKEN_PATH.clearquest}`, key, secret), n.id).toBe(200);
  expect(served.output()).not.toContain(secret);
});
