/**
 * The Keys matrix in Debian Chromium against the real `oslc-admin serve --sandbox`: a friendship shows
 * provisional on the node that holds it and missing on the others; `/` focuses the filter; filtering;
 * a click on a cell opens that key on that node, where Approve works; Delete consumer asks first,
 * naming the key and the node; on a `--tls` sandbox whose CA is not configured, Trust certificate shows
 * what the node presented and pins it only once confirmed. axe finds no serious or critical
 * violation; light and dark screenshots are kept.
 */
import { ConsolePage } from './_console-page.ts';
import { expect, servedWith, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const SECRET = 'rtc-keys-secret-0815';

test('a friendship in the matrix: provisional on its node, missing elsewhere; filter; approve from the cell', async ({
  page,
  served,
}, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);
  const { key, node: holder } = await console.simulateFriendship('RTC', SECRET);
  const others = nodes.filter((n) => n !== holder);

  const matrix = await console.keysTab();
  await expect(console.cell(key, holder, 'provisional')).toBeVisible();
  for (const id of others) await expect(console.cell(key, id, 'missing')).toBeVisible();
  for (const id of nodes) await expect(matrix.getByRole('columnheader', { name: id, exact: true })).toBeVisible();
  await expect(matrix.getByRole('rowheader', { name: new RegExp(`RTC.*${key}`) })).toBeVisible();
  await accessible(page, 'keys');
  await shots(page, info, 'keys-after-friendship');

  // `/` focuses the filter from anywhere but an input.
  await page.getByRole('heading').first().click();
  await page.keyboard.press('/');
  const filter = page.getByLabel('Filter keys');
  await expect(filter).toBeFocused();
  await page.keyboard.type('no such consumer');
  await expect(console.cell(key, holder, 'provisional')).toHaveCount(0);
  await expect(page.locator('#keys-count')).toContainText('0 of 1 keys');
  await filter.fill('rtc');
  await expect(console.cell(key, holder, 'provisional')).toBeVisible();
  await filter.fill(key.slice(2, 8).toUpperCase());
  await expect(console.cell(key, holder, 'provisional')).toBeVisible();
  await page.getByLabel('Only problems').check();
  await expect(console.cell(key, holder, 'provisional')).toBeVisible();

  await console.cell(key, holder, 'provisional').click();
  const panel = page.getByRole('complementary', { name: `${key} on ${holder}` });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('provisional');
  await expect(panel.getByRole('region', { name: 'Evidence' })).toContainText('The probe says provisional');
  await accessible(page, 'keys: cell panel');
  await shots(page, info, 'keys-cell-panel');
  await panel.getByRole('button', { name: `Approve on ${holder}` }).click();
  await expect(panel.getByRole('region', { name: 'Approval' })).toContainText(`Approved ${key} on ${holder}`);
  // The status after the approval (the map's run counter is not on this tab: the cell tells).
  await expect(console.cell(key, holder, 'approved')).toBeVisible({ timeout: 30_000 });
  for (const id of others) await expect(console.cell(key, id, 'missing')).toBeVisible();
  await expect(panel).toContainText('approved');

  // Esc closes the panel and gives focus back to the cell.
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();

  // Enter on a cell opens it too.
  await console.cell(key, others[0]!, 'missing').focus();
  await page.keyboard.press('Enter');
  const other = page.getByRole('complementary', { name: `${key} on ${others[0]}` });
  await expect(other).toBeVisible();
  await expect(other.getByRole('button', { name: /^Approve/ })).toHaveCount(0);
  await expect(other.getByRole('button', { name: 'Diagnose' })).toBeVisible();
  expect(served.output()).not.toContain(SECRET);
});

test('Delete consumer names the key and the node, and deletes only once confirmed', async ({ page, served }, info) => {
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const { key, node: holder } = await console.simulateFriendship('RTC', SECRET);
  await console.approve(holder);
  await page.keyboard.press('Escape');
  await console.keysTab();
  await console.cell(key, holder, 'approved').click();
  const panel = page.getByRole('complementary', { name: `${key} on ${holder}` });
  await panel.getByRole('button', { name: 'Delete consumer…' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete consumer ${key} through ${holder}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(key);
  await expect(dialog).toContainText(holder);
  await accessible(page, 'keys: delete dialog');
  await shots(page, info, 'keys-delete-dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(panel).toBeVisible();
  await expect(console.cell(key, holder, 'approved')).toBeVisible();

  await panel.getByRole('button', { name: 'Delete consumer…' }).click();
  await dialog.getByRole('button', { name: `Delete ${key}` }).click();
  await expect(dialog).toBeHidden();
  await expect(panel.getByRole('status')).toContainText(
    `Deleted ${key} from the repository through ${holder} and stopped tracking it.`,
  );
  await expect(panel.getByRole('status')).toContainText('still accept it until they reload their registry');
  await expect(console.cell(key, holder, 'approved')).toHaveCount(0, { timeout: 30_000 });
  // A deleted key is no longer tracked: after the next status no node calls it "missing: stale registry".
  await page.getByRole('tab', { name: 'Map' }).click();
  const runs = await console.statusRuns();
  await page.getByRole('button', { name: 'Check status' }).click();
  await console.waitForStatus(runs);
  await page.getByRole('tab', { name: 'Keys' }).click();
  await expect(page.getByRole('region', { name: 'Keys' })).toBeVisible();
  for (const id of ['node1', 'node2', 'node3']) await expect(console.cell(key, id, 'missing')).toHaveCount(0);
});

/** `serve --sandbox --tls`, then the cluster's CA bundle removed so that every node's certificate is untrusted. */
const tlsTest = servedWith(['--tls']);

tlsTest(
  'Trust certificate on a --tls sandbox: what the node presented, pinned only once confirmed',
  async ({ page, served }, info) => {
    test.setTimeout(90_000);
    const console = new ConsolePage(page);
    await console.open(served.url);
    await console.waitForStatus();
    // Forget the sandbox CA through the console's own API, as an admin editing the cluster would.
    type Def = Record<string, unknown> & { consumers: unknown; pinnedFingerprints: unknown };
    const clusters = await console.call<{ clusters: { name: string }[] }>('listClusters', {});
    const name = clusters.clusters[0]!.name;
    const def = await console.call<Def>('getCluster', { cluster: name });
    const { consumers: _c, pinnedFingerprints: _p, ...input } = def;
    await console.call('updateCluster', { ...input, caPem: null });
    await page.reload();
    await console.waitForStatus(0); // the reloaded page's first run
    const nodes = served.sandbox!.nodes.map((n) => n.id);
    const { key } = await console.simulateFriendship('RTC', SECRET).catch(() => ({ key: '' }));
    const matrix = await console.keysTab();
    const target = nodes[0]!;
    const untrusted = key
      ? console.cell(key, target, 'untrusted certificate')
      : matrix.getByRole('button', { name: new RegExp(` on ${target}: untrusted certificate$`) }).first();
    await expect(untrusted).toBeVisible();
    await untrusted.click();
    const panel = page.getByRole('complementary', { name: new RegExp(` on ${target}$`) });
    await panel.getByRole('button', { name: 'Trust certificate…' }).click();
    const dialog = page.getByRole('dialog', { name: `Trust the certificate ${target} presented?` });
    await expect(dialog).toBeVisible();
    for (const term of ['Subject', 'Issuer', 'Valid', 'SHA-256']) await expect(dialog).toContainText(term);
    const fingerprint = (await dialog.locator('code').textContent())!.trim();
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await accessible(page, 'keys: trust dialog');
    await shots(page, info, 'keys-trust-dialog');

    // Cancel pins nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    const pins = async () => {
      const { clusters } = await console.call<{ clusters: { name: string }[] }>('listClusters', {});
      const def = await console.call<{ pinnedFingerprints: string[] }>('getCluster', { cluster: clusters[0]!.name });
      return def.pinnedFingerprints;
    };
    expect(await pins()).toEqual([]);

    await panel.getByRole('button', { name: 'Trust certificate…' }).click();
    await dialog.getByRole('button', { name: 'Trust this certificate' }).click();
    await expect(dialog).toBeHidden();
    await expect(panel.getByRole('status')).toContainText(`Trusted the certificate of ${target}`);
    expect(await pins()).toEqual([fingerprint]);
    await expect(panel.getByRole('button', { name: 'Trust certificate…' })).toHaveCount(0, { timeout: 30_000 });
    await expect(matrix.getByRole('button', { name: new RegExp(` on ${target}: untrusted certificate$`) })).toHaveCount(
      0,
    );
    await shots(page, info, 'keys-after-trust');
  },
);
