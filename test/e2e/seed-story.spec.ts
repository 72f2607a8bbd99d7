/**
 * The seed story through the console, in Debian Chromium against the real `oslc-admin serve --sandbox`
 * (real sockets, real sandbox): a friendship leaves a provisional key on one node → the admin sees it
 * on the map → Approve on that node → the other nodes are flagged stale → Sync all nodes → every node
 * approved; then an independent OAuth 1.0a signer (`oauth-1.0a`) gets a request token from every node.
 * Also: a killed node shown down while the others work, and a sync with one node killed.
 */
import { ConsolePage } from './_console-page.ts';
import { REQUEST_TOKEN_PATH, requestTokenStatus } from './_signer.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const STALE = 'requests the balancer sends here will fail with 401 invalid_expired_token';

test('the seed story: friendship, approve on the right node, sync all nodes, every node approved', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await expect(page.getByRole('button', { name: /sandbox/ })).toBeVisible();
  await expect(page.getByText('embedded sandbox').first()).toBeVisible();
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);
  for (const id of nodes) await expect(console.node(id)).toContainText('up');

  const secret = 'rtc-friendship-secret';
  const { key, node: holder } = await console.simulateFriendship('RTC', secret);
  expect(nodes).toContain(holder);
  expect(await console.chipState(holder, key)).toBe('provisional');
  for (const id of nodes.filter((n) => n !== holder)) expect(await console.chipState(id, key)).toBe('missing');
  await shots(page, info, 'map-after-friendship');
  await accessible(page, 'map-after-friendship');

  const panel = await console.openNode(holder);
  await expect(panel.getByRole('region', { name: 'Provisional keys' })).toContainText(key);
  await shots(page, info, 'node-panel');
  await accessible(page, 'node-panel');
  await console.approve(holder);
  await expect(panel.getByRole('region', { name: 'Approval' })).toContainText(`Approved ${key} on ${holder}`);
  expect(await console.chipState(holder, key)).toBe('approved');
  for (const id of nodes.filter((n) => n !== holder)) {
    expect(await console.chipState(id, key)).toBe('missing');
    await expect(console.node(id)).toContainText(STALE);
  }
  await expect(console.node(holder)).not.toContainText(STALE);
  await page.keyboard.press('Escape');
  await shots(page, info, 'map-before-sync');
  await accessible(page, 'map-before-sync');

  await console.syncAll();
  for (const id of nodes) await expect(console.syncRow(id)).toContainText('refreshed');
  await expect(console.syncPanel).toContainText('every node refreshed and every key verified on every node');
  await shots(page, info, 'sync-panel');
  await accessible(page, 'sync-panel');
  for (const id of nodes) {
    expect(await console.chipState(id, key)).toBe('approved');
    await expect(console.node(id)).not.toContainText(STALE);
  }
  await shots(page, info, 'map-after-sync');
  await accessible(page, 'map-after-sync');

  for (const n of served.sandbox!.nodes)
    expect(
      await requestTokenStatus(
        `${n.url}${REQUEST_TOKEN_PATH.sandbox}`,
        key,
        secret,
        'https://consumer.example/callback',
      ),
      n.id,
    ).toBe(200);
  expect(served.output()).not.toContain(secret);
});

test('a killed node is shown down while the others keep working', async ({ page, served }, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  await console.killNode('node2');
  await expect(console.node('node2')).toContainText('down');
  await expect(console.node('node2')).toContainText('NODE_UNREACHABLE');
  for (const id of ['node1', 'node3']) await expect(console.node(id)).toContainText('up');
  await expect(page.getByRole('navigation', { name: 'Clusters' })).toContainText('a node is down');
  await shots(page, info, 'map-node-down');
  await accessible(page, 'map-node-down');
  await console.restartNode('node2');
  await expect(console.node('node2')).toContainText('up');
});

test('sync with one node killed: that node failed with its coded error, the others refreshed', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  await console.killNode('node3');
  await console.syncAll();
  await expect(console.syncRow('node3')).toContainText('failed');
  await expect(console.syncRow('node3')).toContainText('NODE_UNREACHABLE');
  for (const id of ['node1', 'node2']) await expect(console.syncRow(id)).toContainText('refreshed');
  await expect(console.syncPanel.getByRole('button', { name: 'Retry failed nodes' })).toBeVisible();
  await shots(page, info, 'sync-one-failed');
  await accessible(page, 'sync-one-failed');
});
