/**
 * A Lyo admin's day through the console, on a Lyo-dialect sandbox (`serve --sandbox --dialect lyo`), in
 * Debian Chromium. Eclipse Lyo's OAuth webapp has an admin API (list and approve consumers) and no
 * refresh: its consumer store is loaded once at start, so only a restart reloads a node. And its
 * request-token call accepts a provisional key ([I] OAuthRequest.java), so a 200 only shows that the
 * key exists: the node's consumer list decides (`decidedBy: 'consumer-list'`), and the console says so.
 *
 * RTC asks for a key at `/oauth/requestKey` through the balancer; the console shows it provisional on
 * that node only, the evidence says the consumer list decided it although the request-token call
 * answered 200; Approve goes through the API on that node (no hand-off); the evidence is taken again
 * and is approved, again decided by the consumer list; "Verify all nodes" says honestly that Lyo cannot
 * refresh a node: the holder reads "verified", the others "restart needed", with no retry offered; restarting the other nodes loads the key there; then an
 * independent OAuth 1.0a signer gets a request token from every node.
 */
import { ConsolePage } from './_console-page.ts';
import { REQUEST_TOKEN_PATH, requestTokenStatus } from './_signer.ts';
import { accessible, shots } from './_look.ts';
import { expect, servedWith } from './_serve.ts';

const test = servedWith(['--dialect', 'lyo']);

const CANNOT_REFRESH =
  "Eclipse Lyo's consumer store is loaded once when the server starts: a running node cannot be refreshed, so every key was verified on every node instead. A node that lacks a key picks it up only when it is restarted.";
const PROVISIONAL_BY_LIST = 'provisional on this node, as its consumer list says (the request-token call accepted it)';

test('Lyo: the consumer list decides the probe, approve goes through the API, and sync says Lyo cannot refresh a node (restart)', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  const { sandbox, nodes } = await console.openSandbox(served, 'lyo');

  // RTC makes a friendship: POST /oauth/requestKey through the balancer; one node holds the key.
  const secret = 'rtc-lyo-secret';
  const { key, node: holder } = await console.simulateFriendship('RTC', secret);
  const others = nodes.filter((n) => n !== holder);
  expect(await console.chipState(holder, key)).toBe('provisional');
  for (const id of others) expect(await console.chipState(id, key)).toBe('missing');
  await shots(page, info, 'lyo-map-provisional');
  await accessible(page, 'lyo-map-provisional');

  // The node panel lists it from the admin API: provisional, in the holder's memory only.
  const nodePanel = await console.openNode(holder);
  await expect(nodePanel.getByRole('region', { name: 'Provisional keys' })).toContainText(key);
  await expect(nodePanel.getByRole('region', { name: 'Approved keys' })).not.toContainText(key);
  // Its evidence shows the raw 200 and says the list decided.
  await nodePanel.getByRole('button', { name: 'Show evidence' }).click();
  await expect(nodePanel.getByLabel(`Evidence for ${key}`)).toContainText('→ 200');
  await expect(nodePanel.getByTestId('decided-by')).toContainText(`Decided by ${holder}'s consumer list`);
  await page.keyboard.press('Escape');

  // The key's cell: the request-token call answered 200, yet the state is provisional, decided by the list.
  await console.keysTab();
  await expect(console.cell(key, holder, 'provisional')).toBeVisible();
  for (const id of others) await expect(console.cell(key, id, 'missing')).toBeVisible();
  await console.cell(key, holder, 'provisional').click();
  const keyPanel = page.getByRole('complementary', { name: `${key} on ${holder}` });
  const evidence = keyPanel.getByRole('region', { name: 'Evidence' });
  await expect(evidence).toContainText(`The probe says provisional (${PROVISIONAL_BY_LIST})`);
  await expect(evidence.getByTestId('decided-by')).toHaveText(
    `Decided by ${holder}'s consumer list: this provider's request-token call accepts provisional keys, so its answer alone shows only that the key exists here.`,
  );
  await expect(keyPanel.getByRole('region', { name: 'Evidence' }).locator('pre')).toContainText('→ 200');
  await shots(page, info, 'lyo-cell-provisional');
  await accessible(page, 'lyo-cell-provisional');

  // Approve through Lyo's admin API on the holder: no hand-off, verified by a probe straight to it.
  await keyPanel.getByRole('button', { name: `Approve on ${holder}` }).click();
  const approval = keyPanel.getByRole('region', { name: 'Approval' });
  await expect(approval).toContainText(`Approved ${key} on ${holder} — verified by a probe straight to that node.`);
  await expect(approval).not.toContainText('by hand');
  await expect(approval.getByRole('button', { name: `Open ${holder}'s admin page` })).toHaveCount(0);
  await expect(approval).toContainText(`Still missing on ${others.join(', ')}`);
  // In Lyo's words, and the fix that works there: a restart, so no sync button is offered.
  await expect(approval).toContainText('fail with 401 consumer_key_rejected until those nodes are restarted');
  await expect(approval.getByRole('button', { name: 'Sync all nodes' })).toHaveCount(0);
  await expect(console.cell(key, holder, 'approved')).toBeVisible({ timeout: 30_000 });
  for (const id of others) await expect(console.cell(key, id, 'missing')).toBeVisible();
  // The evidence is taken again for the new state: approved, and again the consumer list said so.
  await expect(evidence).toContainText('The probe says approved');
  await expect(evidence).not.toContainText(PROVISIONAL_BY_LIST);
  await expect(evidence.getByTestId('decided-by')).toContainText(`Decided by ${holder}'s consumer list`);
  await shots(page, info, 'lyo-cell-approved');
  await accessible(page, 'lyo-cell-approved');
  await page.keyboard.press('Escape');
  await expect(keyPanel).toBeHidden();

  await page.getByRole('tab', { name: 'Map' }).click();
  expect(await console.chipState(holder, key)).toBe('approved');
  for (const id of others) expect(await console.chipState(id, key)).toBe('missing');
  for (const id of others)
    await expect(console.node(id).getByTestId('stale')).toContainText('will fail with 401 consumer_key_rejected');

  // Sync: Lyo cannot refresh a node, so the header's button verifies. Not a failure (issue 18, defect
  // 15): the holder reads "verified", the nodes that lack the key "restart needed"; no NOT_SUPPORTED
  // on a row, no internal source marker anywhere; no retry offered.
  await expect(page.getByRole('button', { name: 'Sync all nodes', exact: true })).toHaveCount(0);
  await console.syncAll('Verify all nodes');
  await expect(console.syncPanel.getByRole('heading', { name: 'Verify all nodes' })).toBeVisible();
  await expect(console.syncPanel).toHaveAttribute('data-phase', 'done');
  await expect(console.syncPanel).not.toContainText('every node refreshed');
  await expect(console.syncPanel).not.toContainText(/\[[DGI]\]/);
  for (const id of nodes) {
    await expect(console.syncRow(id)).not.toContainText('NOT_SUPPORTED');
    await expect(console.syncRow(id)).not.toContainText('cannot refresh');
    await expect(console.syncRow(id)).not.toContainText(CANNOT_REFRESH);
    await expect(console.syncRow(id)).not.toContainText('refreshed');
  }
  await expect(console.syncRow(holder).locator('.row-state')).toHaveText('verified');
  for (const id of others) {
    await expect(console.syncRow(id).locator('.row-state')).toHaveText('restart needed');
    await expect(console.syncRow(id)).toContainText('restart this node to load it');
  }
  // The reason is given once, below the table.
  await expect(console.syncPanel.locator('.notice')).toHaveText(CANNOT_REFRESH);
  // The drift line names the fix that works here: a restart, not "log in (sync)".
  const drift = console.syncPanel.locator('.drift');
  await expect(drift).toContainText(`Key ${key} is approved on ${holder} but not loaded on ${others.join(', ')}`);
  await expect(drift).toContainText('will fail with 401 consumer_key_rejected');
  await expect(drift).toContainText(
    `Restart ${others.length > 1 ? 'those nodes' : 'that node'} to load it (this kind loads its consumers only when a node starts).`,
  );
  await expect(drift).not.toContainText('(sync)');
  await expect(console.syncPanel.getByRole('button', { name: 'Retry failed nodes' })).toHaveCount(0);
  expect(await console.chipState(holder, key)).toBe('approved');
  for (const id of others) expect(await console.chipState(id, key)).toBe('missing');
  await shots(page, info, 'lyo-sync-cannot-refresh');
  await accessible(page, 'lyo-sync-cannot-refresh');
  await console.syncPanel.getByRole('button', { name: 'Close' }).click();

  // What the console told the admin to do: restart the nodes that lack the key. Then every node has it.
  for (const id of others) await console.restartNode(id);
  for (const id of nodes) {
    await expect(console.node(id)).toContainText('up');
    expect(await console.chipState(id, key), id).toBe('approved');
  }
  await shots(page, info, 'lyo-after-restart');
  await accessible(page, 'lyo-after-restart');
  // Verify again: every node is "verified", and the panel says it is done without problems.
  await console.syncAll('Verify all nodes');
  for (const id of nodes) await expect(console.syncRow(id).locator('.row-state')).toHaveText('verified');
  await expect(console.syncPanel).toContainText('Done: every key verified on every node.');
  await expect(console.syncPanel).not.toContainText(/NOT_SUPPORTED|\[[DGI]\]/);
  await shots(page, info, 'lyo-verify-all-verified');
  await console.syncPanel.getByRole('button', { name: 'Close' }).click();

  for (const n of sandbox.nodes)
    expect(await requestTokenStatus(`${n.url}${REQUEST_TOKEN_PATH.lyo}`, key, secret), n.id).toBe(200);
  expect(served.output()).not.toContain(secret);
});
