/**
 * Issue 18 "The console tells one truth", in Debian Chromium against the real `serve --sandbox`:
 * every tab keeps working on a second and third visit (with a cluster switch between), and after
 * each operation the cluster list, the header, the map, the node panels and the keys matrix say the
 * same thing at once.
 */
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const SECRET = 'one-truth-secret';

/** Adds a second cluster over the same sandbox nodes through the console's own API, then reloads. */
async function addSecondCluster(
  page: Page,
  served: { sandbox: { nodes: { id: string; url: string }[]; balancer: string } | null },
) {
  const sb = served.sandbox!;
  await new ConsolePage(page).call('addCluster', {
    name: 'second',
    kind: 'sandbox',
    balancerUrl: sb.balancer,
    nodes: sb.nodes.map((n) => ({ id: n.id, url: n.url })),
    repo: 'cqschema',
    db: 'SAMPL',
  });
  await page.reload();
}

/** Visits every tab once and uses its main control; each must answer. */
async function everyTab(page: Page, console: ConsolePage, key: string, holder: string): Promise<void> {
  const tab = (name: string) => page.getByRole('tab', { name });
  const panel = page.getByRole('tabpanel');

  await tab('Map').click();
  const node = await console.openNode(holder);
  await node.getByRole('button', { name: 'Close' }).click();
  await expect(node).toBeHidden();

  await tab('Keys').click();
  const filter = panel.getByRole('searchbox');
  await filter.fill('no-such-key');
  await expect(console.cell(key, holder, 'approved')).toHaveCount(0);
  await filter.fill(key.slice(0, 6));
  await expect(console.cell(key, holder, 'approved')).toBeVisible();
  await filter.fill('');

  await tab('Diagnose').click();
  const diagnoseKey = panel.getByLabel('Consumer key');
  await diagnoseKey.fill(key);
  const diagnose = panel.getByRole('button', { name: /^Diagnose( again)?$/ });
  await expect(diagnose).toBeEnabled();
  await diagnose.click();
  await expect(panel.getByRole('heading', { name: /Healthy|Stale registry|provisional/i }).first()).toBeVisible({
    timeout: 30_000,
  });

  await tab('Flow').click();
  await panel.getByLabel('Consumer key').fill(key);
  const start = panel.getByRole('button', { name: 'Start the flow' });
  await expect(start).toBeEnabled();
  await start.click();
  await expect(panel.getByRole('list', { name: 'Legs' })).toContainText('waiting for you', { timeout: 30_000 });
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByText('Cancelled.')).toBeVisible();

  await tab('Audit').click();
  const rows = panel.getByRole('row');
  await expect(rows.nth(1)).toBeVisible();
  const all = await rows.count();
  await panel.getByLabel('Action').selectOption('approve');
  await expect.poll(() => rows.count()).toBeLessThan(all);
  await expect(panel.getByRole('cell', { name: 'approve', exact: true }).first()).toBeVisible();
  await panel.getByLabel('Action').selectOption({ index: 0 });
  await expect.poll(() => rows.count()).toBe(all);
}

test('every tab works on a second and a third visit, and after a cluster switch', async ({ page, served }, info) => {
  test.setTimeout(180_000);
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('derived_inert')) warnings.push(m.text());
  });
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const { key, node: holder } = await console.simulateFriendship('RTC', SECRET);
  await console.approve(holder);
  await console.syncAll();

  await everyTab(page, console, key, holder);
  await everyTab(page, console, key, holder);

  await addSecondCluster(page, served);
  await console.waitForStatus();
  await page
    .getByRole('navigation', { name: 'Clusters' })
    .getByRole('button', { name: /second/ })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'second' })).toBeVisible();
  await page
    .getByRole('navigation', { name: 'Clusters' })
    .getByRole('button', { name: /embedded sandbox/ })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'sandbox' })).toBeVisible();
  await console.waitForStatus();
  await everyTab(page, console, key, holder);
  await shots(page, info, 'audit-third-visit');
  expect(warnings).toEqual([]);
});

test('after each operation the list, header, map, node panels and keys matrix say the same thing', async ({
  page,
  served,
}, info) => {
  test.setTimeout(120_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);
  const sidebar = page.getByRole('navigation', { name: 'Clusters' });
  const header = page.getByTestId('cluster-health');
  const summary = page.getByTestId('map-summary');

  const { key, node: holder } = await console.simulateFriendship('RTC', SECRET);
  const others = nodes.filter((n) => n !== holder);
  // A provisional key on one node, missing on the others: nobody says consistent.
  await expect(header).toHaveAttribute('data-health', 'provisional');
  await expect(header).toContainText(`a provisional key waits on ${holder}`);
  await expect(summary).toContainText(`a provisional key waits on ${holder}`);
  await expect(summary.getByRole('button', { name: `Approve on ${holder}` })).toBeVisible();
  await expect(sidebar).not.toContainText('all consistent');
  await expect(page).toHaveTitle(/sandbox: a provisional key waits/);
  await shots(page, info, 'one-truth-provisional');

  // Approve from the summary line: every screen agrees at once.
  const runs = await console.statusRuns();
  await summary.getByRole('button', { name: `Approve on ${holder}` }).click();
  await console.waitForStatus(runs);
  await expect(header).toHaveAttribute('data-health', 'drift');
  await expect(header).toContainText(`${others.join(', ')} lack an approved key`);
  await expect(summary.getByRole('button', { name: 'Sync all nodes' })).toBeVisible();
  for (const id of others) expect(await console.chipState(id, key)).toBe('missing');
  expect(await console.chipState(holder, key)).toBe('approved');
  // The approval shows on its own node's panel only.
  const holderPanel = await console.openNode(holder);
  await expect(holderPanel.getByRole('region', { name: 'Approval' })).toContainText(
    `Still missing on ${others.join(', ')}`,
  );
  const otherPanel = await console.openNode(others[0]!);
  await expect(otherPanel.getByRole('region', { name: 'Approval' })).toHaveCount(0);
  await console.keysTab();
  for (const id of others) await expect(console.cell(key, id, 'missing')).toBeVisible();
  await expect(console.cell(key, holder, 'approved')).toBeVisible();

  // Sync: all say consistent, and the holder's panel no longer says "still missing".
  await page.getByRole('tab', { name: 'Map' }).click();
  await console.syncAll();
  await console.keysTab();
  await expect(header).toHaveAttribute('data-health', 'consistent');
  await expect(sidebar.getByRole('button', { name: /sandbox/ })).toHaveAttribute('title', /consistent/);
  for (const id of nodes) await expect(console.cell(key, id, 'approved')).toBeVisible();
  await page.getByRole('tab', { name: 'Map' }).click();
  await expect(page.getByRole('complementary', { name: `Node ${holder}` })).toBeHidden();
  const again = await console.openNode(holder);
  await expect(again.getByRole('region', { name: 'Approval' })).not.toContainText('Still missing');
  await expect(summary).toContainText(`all ${nodes.length} nodes consistent`);
  await accessible(page, 'one-truth-consistent');
  await shots(page, info, 'one-truth-consistent');
});
