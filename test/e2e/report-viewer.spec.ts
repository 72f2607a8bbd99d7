/**
 * The support engineer's workbench in Debian Chromium against the real `oslc-admin serve --sandbox`:
 * a report taken from the console opens read-only ("Open report…", and dropped on the window) with
 * the diagnosis's causes; "Compare with…" names what changed after a node went down; a hostile
 * report's HTML and bidi payloads stay text; a file that is not a report says why.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

interface Preview {
  files: { name: string; text: string }[];
}

test('a report opens read-only, compares, and shows hostile text as text', async ({ page, served }, info) => {
  const console = new ConsolePage(page);
  const { nodes } = await console.openSandbox(served);
  const cluster = (await console.call<{ clusters: { name: string }[] }>('listClusters', {})).clusters[0]!.name;
  // A consumer made on one node and tracked: the diagnosis has a cause to show (provisional on one node).
  await console.call('sandboxFriend', { cluster, name: 'DNG', secret: 'dng-secret-e2e' });
  const jsonOf = async () =>
    (await console.call<Preview>('reportPreview', { cluster })).files.find((f) => f.name === 'report.json')!.text;
  const dir = await mkdtemp(join(tmpdir(), 'oslc-e2e-report-'));
  const before = join(dir, 'before.json');
  await writeFile(before, await jsonOf());
  const live = JSON.parse(await readFile(before, 'utf8')) as {
    diagnoses: { diagnosis: { causes: { code: string }[] } }[];
  };

  await page.getByLabel('Report to open (report.json)').setInputFiles(before);
  const view = page.getByRole('region', { name: /Report of cluster .* — read-only/ });
  await expect(view).toBeVisible();
  await expect(view.getByRole('note').filter({ hasText: 'Opened from' })).toContainText(
    'Opened from before.json; format version 2',
  );
  await expect(view.getByRole('list', { name: 'Nodes as they were' }).getByRole('listitem')).toHaveCount(nodes.length);
  for (const d of live.diagnoses) for (const c of d.diagnosis.causes) await expect(view).toContainText(c.code);
  // The map, drawn as a live cluster's: its line names the provisional key's node; nothing on it acts.
  const map = view.getByRole('region', { name: 'Cluster map' });
  await expect(map.getByTestId('map-summary')).toContainText('a provisional key waits on');
  await expect(map.getByTestId('map-fix')).toHaveCount(0);
  await expect(map.locator('[data-map-node]')).toHaveCount(nodes.length);
  for (const n of nodes) await expect(map.locator(`[data-map-node="${n}"]`)).toHaveAttribute('aria-disabled', 'true');
  // (aria-disabled: Playwright's click would wait for it to be enabled; the keyboard is what acts.)
  await map.locator(`[data-map-node="${nodes[0]}"]`).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.locator('.node-panel')).toHaveCount(0);
  // Read-only: no control that acts on a cluster is on this screen.
  for (const name of [/^Sync/, /^Approve/, /^Log in/, /^Register/, /^Delete/, /^Check again/, /^Track/])
    await expect(view.getByRole('button', { name })).toHaveCount(0);
  await shots(page, info, 'report-open');
  await accessible(page, 'report view', '.report-view');

  // After: a node down. Compare names it.
  await console.call('sandboxNode', { cluster, node: nodes[1], action: 'kill' });
  const after = join(dir, 'after.json');
  await writeFile(after, await jsonOf());
  await page.getByLabel('Report to compare with').setInputFiles(after);
  const diff = view.getByRole('region', { name: /Compared with after\.json/ });
  await expect(diff).toBeVisible();
  await expect(diff.getByRole('table', { name: 'Nodes that changed' })).toContainText(nodes[1]!);
  await shots(page, info, 'report-compare');

  // A hostile report: HTML and bidi in its strings are shown as text, marked.
  const hostile = JSON.parse(await readFile(before, 'utf8')) as { notices: string[]; cluster: { name: string } };
  hostile.notices.push('<img src=x onerror="window.pwned=1">bidi\u202egnp.exe');
  hostile.cluster.name = `${hostile.cluster.name}<b>bold</b>`;
  const bad = join(dir, 'hostile.json');
  await writeFile(bad, JSON.stringify(hostile));
  await page.getByRole('button', { name: 'Close the report' }).click();
  // Dropped on the window, as a support engineer would.
  const text = JSON.stringify(hostile);
  // (A string, run in the page: the spec's types are Node's, the drop is the DOM's.)
  await page.evaluate(`(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([${JSON.stringify(text)}], 'hostile.json', { type: 'application/json' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  })()`);
  await expect(view).toContainText('<img src=x onerror="window.pwned=1">bidi⟨U+202E⟩gnp.exe');
  await expect(view.getByRole('heading', { level: 2 })).toContainText('<b>bold</b>');
  expect(await view.locator('img, b').count()).toBe(0);
  expect(await page.evaluate('window.pwned')).toBeUndefined();
  await shots(page, info, 'report-hostile');

  // Not a report: the reason, in the sidebar.
  await page.getByRole('button', { name: 'Close the report' }).click();
  const md = join(dir, 'report.md');
  await writeFile(md, '# Support report');
  await page.getByLabel('Report to open (report.json)').setInputFiles(md);
  await expect(page.getByRole('navigation', { name: 'Clusters' })).toContainText(
    'report.md is not a report this app can open: it is not JSON',
  );
});
