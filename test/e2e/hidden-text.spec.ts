/**
 * Text that could disguise itself, in Debian Chromium against the real `oslc-admin serve --sandbox`:
 * keys holding U+202E (right-to-left override), U+200B (zero-width space), U+FEFF (BOM) and U+2066
 * (left-to-right isolate) are shown with each hidden character as a marked ⟨U+…⟩ in the Keys matrix
 * and the node panel, and the filter finds a key by what is shown.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { shots } from './_look.ts';

const BIDI = 'bidi\u202egnp.exe\u202c';
const ISOLATE = '\u2066isolated';
const ZERO_WIDTH = 'zero\u200bwidth\ufeff';

test('hidden characters in keys are shown as ⟨U+…⟩ and the filter finds what is shown', async ({
  page,
  served,
}, info) => {
  const sandbox = served.sandbox!;
  const [node1, node2] = sandbox.nodes;
  // Two provisional keys on node2, made as a consumer would (the node's own requestKey).
  for (const key of [BIDI, ISOLATE]) {
    const made = await fetch(`${node2!.url}/oauth/requestKey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', secret: 's', key }),
    });
    expect(made.status, key).toBe(200);
  }
  // One approved key in the repository (its requestKey refuses U+FEFF as whitespace), loaded by node1.
  const file = join(sandbox.stateDir, 'repository.json');
  // A fresh sandbox has written no repository yet: then it is empty.
  const repo = JSON.parse(await readFile(file, 'utf8').catch(() => '{"version":1,"consumers":[]}')) as {
    consumers: unknown[];
  };
  repo.consumers.push({ key: ZERO_WIDTH, name: 'z', secret: 's', trusted: false });
  await writeFile(file, JSON.stringify(repo), { mode: 0o600 });
  const basic = Buffer.from(`${sandbox.admin.user}:${sandbox.admin.password}`).toString('base64');
  const refreshed = await fetch(`${node1!.url}/cqweb/oslc/repo/${sandbox.repo}/db/${sandbox.db}/refreshRepoConfig`, {
    headers: { authorization: `Basic ${basic}` },
  });
  expect(refreshed.status).toBe(200);

  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const matrix = await console.keysTab();
  const shownBidi = 'bidi⟨U+202E⟩gnp.exe⟨U+202C⟩';
  const shownIsolate = '⟨U+2066⟩isolated';
  const shownZero = 'zero⟨U+200B⟩width⟨U+FEFF⟩';
  for (const shown of [shownBidi, shownIsolate, shownZero])
    await expect(matrix.getByRole('rowheader', { name: shown })).toBeVisible();
  await expect(console.cell(shownBidi, node2!.id, 'provisional')).toBeVisible();
  await expect(console.cell(shownZero, node1!.id, 'approved')).toBeVisible();
  await shots(page, info, 'keys-hidden-characters');

  const filter = page.getByLabel('Filter keys');
  const rows = () => matrix.getByRole('rowheader');
  await filter.fill('gnp.exe⟨U+202C⟩');
  await expect(rows()).toHaveCount(1);
  await expect(rows().first()).toHaveAccessibleName(shownBidi);
  // What the override wanted the admin to read is not there.
  await filter.fill('bidiexe.png');
  await expect(rows()).toHaveCount(0);
  await filter.fill('width⟨U+FEFF⟩');
  await expect(rows()).toHaveCount(1);
  await filter.fill('U+2066');
  await expect(rows()).toHaveCount(1);
  await expect(rows().first()).toHaveAccessibleName(shownIsolate);
  // The key pasted with its hidden characters finds it too.
  await filter.fill(ZERO_WIDTH);
  await expect(rows()).toHaveCount(1);
  await filter.fill('');

  // The node panel shows them the same way.
  await page.getByRole('tab', { name: 'Map' }).click();
  const panel = await console.openNode(node2!.id);
  await expect(panel.getByText(shownBidi).first()).toBeVisible();
  await shots(page, info, 'node-panel-hidden-characters');
});
