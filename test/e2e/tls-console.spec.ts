/**
 * The TLS path in the console (issue 18, defects 10, 11, 12, 6), in Debian Chromium against the real
 * `oslc-admin serve --sandbox --tls` whose cluster has no CA configured: every node is shown as
 * "untrusted certificate", never "down", in the cluster list, on its card and in its panel, with
 * Trust where it is shown (card and panel) behind the fingerprint confirmation; the balancer's
 * certificate is trusted from the map; an imported copy of the cluster holds no admin login and
 * shows the file's pins for review before any is trusted. The sandbox drawer shows its admin login.
 */
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, servedWith } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const test = servedWith(['--tls']);

/** One contract call from the page, as the console's own client makes it. */
function call<T>(page: Page, op: string, arg: unknown): Promise<T> {
  return new ConsolePage(page).call<T>(op, arg);
}

interface Def {
  name: string;
  pinnedFingerprints: string[];
  consumers: unknown;
}

test('an untrusted certificate is shown as such, trusted from the card, the panel and the balancer strip; import reviews pins', async ({
  page,
  served,
}, info) => {
  test.setTimeout(150_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();

  // The drawer shows the sandbox's throwaway admin login (defect 6).
  await expect(page.getByTestId('sandbox-login')).toContainText(served.sandbox!.admin.password);

  // With the sandbox CA configured, the node panel's certificate view names the source that trusted it.
  const caPanel = await console.openNode(served.sandbox!.nodes[0]!.id);
  await expect(caPanel.getByRole('region', { name: 'Certificate' })).toContainText(
    "trusted by the cluster's CA bundle",
  );
  await caPanel.getByRole('button', { name: 'Close' }).click();

  // Forget the sandbox CA, as an admin editing the cluster would: every certificate is now untrusted.
  const name = (await call<{ clusters: { name: string }[] }>(page, 'listClusters', {})).clusters[0]!.name;
  const def = await call<Def>(page, 'getCluster', { cluster: name });
  const { consumers: _c, pinnedFingerprints: _p, ...input } = def;
  await call(page, 'updateCluster', { ...input, caPem: null });
  await page.reload();
  await console.waitForStatus(0); // the reloaded page's first run
  const nodes = served.sandbox!.nodes.map((n) => n.id);

  // Not "down": the card, the list's health word, the balancer strip (defect 10).
  for (const id of nodes) {
    await expect(console.node(id).locator('.node-state')).toHaveText('untrusted certificate');
    await expect(console.node(id)).not.toContainText(/\bdown\b/);
  }
  const listEntry = page.getByRole('navigation', { name: 'Clusters' }).getByRole('button', { name: new RegExp(name) });
  await expect(listEntry).toContainText('untrusted certificate');
  await expect(listEntry).not.toContainText('a node is down');
  const strip = console.map.getByRole('group', { name: 'balancer' });
  await expect(strip).toContainText('presented a certificate this tool does not trust');
  await shots(page, info, 'tls-untrusted-map');
  await accessible(page, 'tls: untrusted map');

  // Trust from the card: the dialog shows what was presented; Cancel pins nothing.
  const [first, second] = nodes as [string, string];
  await console
    .node(first)
    .getByRole('button', { name: `Trust certificate of ${first}…` })
    .click();
  const dialog = page.getByRole('dialog', { name: `Trust the certificate ${first} presented?` });
  await expect(dialog).toBeVisible();
  for (const term of ['Subject', 'Issuer', 'Valid', 'SHA-256']) await expect(dialog).toContainText(term);
  const fpFirst = (await dialog.locator('code').textContent())!.trim();
  expect(fpFirst).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await shots(page, info, 'tls-trust-from-card');
  await accessible(page, 'tls: trust dialog from the card');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await call<Def>(page, 'getCluster', { cluster: name })).pinnedFingerprints).toEqual([]);
  let runs = await console.statusRuns();
  await console
    .node(first)
    .getByRole('button', { name: `Trust certificate of ${first}…` })
    .click();
  await dialog.getByRole('button', { name: 'Trust this certificate' }).click();
  await expect(dialog).toBeHidden();
  await console.waitForStatus(runs);
  await expect(console.node(first).locator('.node-state')).toHaveText('up');
  await expect(console.map.getByRole('status')).toContainText(`Trusted the certificate of ${first}`);
  expect((await call<Def>(page, 'getCluster', { cluster: name })).pinnedFingerprints).toEqual([fpFirst]);

  // Trust from the node panel.
  const panel = await console.openNode(second);
  await expect(panel).toContainText('untrusted certificate');
  await panel.getByRole('button', { name: 'Trust certificate…' }).click();
  const panelDialog = page.getByRole('dialog', { name: `Trust the certificate ${second} presented?` });
  await expect(panelDialog).toBeVisible();
  await shots(page, info, 'tls-trust-from-panel');
  runs = await console.statusRuns();
  await panelDialog.getByRole('button', { name: 'Trust this certificate' }).click();
  await expect(panelDialog).toBeHidden();
  await console.waitForStatus(runs);
  await expect(panel.getByRole('status')).toContainText(`Trusted the certificate of ${second}`);
  await expect(panel.getByRole('button', { name: 'Trust certificate…' })).toHaveCount(0);
  await expect(panel.getByRole('region', { name: 'Certificate' })).toContainText(
    'trusted by its pinned SHA-256 fingerprint',
  );
  await shots(page, info, 'tls-trusted-by-pin-panel');
  await expect(console.node(second).locator('.node-state')).toHaveText('up');
  await panel.getByRole('button', { name: 'Close' }).click();

  // The balancer's certificate, from the map (defect 11): no NODE_NOT_FOUND.
  await strip.getByRole('button', { name: 'Trust certificate of the balancer…' }).click();
  const lbDialog = page.getByRole('dialog', { name: 'Trust the certificate the balancer presented?' });
  await expect(lbDialog).toBeVisible();
  runs = await console.statusRuns();
  await lbDialog.getByRole('button', { name: 'Trust this certificate' }).click();
  await expect(lbDialog).toBeHidden();
  await console.waitForStatus(runs);
  await expect(strip).toContainText('answers');
  await expect(strip.getByRole('button', { name: /Trust certificate/ })).toHaveCount(0);
  for (const id of nodes.slice(2)) {
    await console
      .node(id)
      .getByRole('button', { name: `Trust certificate of ${id}…` })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Trust this certificate' }).click();
    await expect(console.node(id).locator('.node-state')).toHaveText('up', { timeout: 30_000 });
  }
  await expect(listEntry).not.toContainText('untrusted certificate');
  await shots(page, info, 'tls-all-trusted');
  const pins = (await call<Def>(page, 'getCluster', { cluster: name })).pinnedFingerprints;
  expect(pins.length).toBe(nodes.length + 1);

  // Import a copy (defect 12): no admin login claimed, and the pins are shown for review, none trusted yet.
  const { json } = await call<{ json: string }>(page, 'exportCluster', { cluster: name });
  const doc = JSON.parse(json) as { cluster: { name: string } };
  doc.cluster.name = 'imported';
  await page.getByLabel('Cluster file to import').setInputFiles({
    name: 'imported.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(doc)),
  });
  const review = page.getByRole('dialog', { name: 'Review the pinned certificates of imported' });
  await expect(review).toBeVisible();
  await expect(review.getByText('not trusted yet')).toHaveCount(pins.length);
  expect((await call<Def>(page, 'getCluster', { cluster: 'imported' })).pinnedFingerprints).toEqual([]);
  await shots(page, info, 'import-pin-review');
  await accessible(page, 'import: pin review');
  await review.getByRole('button', { name: `Trust ${pins[0]}` }).click();
  await expect(review.locator('li[data-decision="trusted"]')).toHaveCount(1);
  await review.getByRole('button', { name: `Drop ${pins[1]}` }).click();
  await review.getByRole('button', { name: 'Done' }).click();
  await expect(review).toBeHidden();
  expect((await call<Def>(page, 'getCluster', { cluster: 'imported' })).pinnedFingerprints).toEqual([pins[0]]);
  const header = page.locator('.cluster-header');
  await expect(header.locator('h1')).toHaveText('imported');
  await expect(header).toContainText('no admin login stored');
  await expect(header.getByRole('button', { name: 'Forget' })).toHaveCount(0);
  await shots(page, info, 'import-after-review');
});
