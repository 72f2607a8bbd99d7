/**
 * Issue 24 in Debian Chromium against the real `oslc-admin serve --sandbox --dialect …`: the Add
 * cluster form "from one URL" (ClearQuest: the technote's discovery URL; Jazz: …/jts/rootservices)
 * with nodes as host:port; the connection test runs by itself; a node without its context root fails
 * with "Did you mean …/cqweb?", Save anyway names what failed, the button applies the fix, and the
 * cluster is saved once every check passed. A URL without a scheme is refused next to its field.
 */
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, servedWith } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const cq = servedWith(['--dialect', 'clearquest', '--nodes', '2']);
const jazz = servedWith(['--dialect', 'jazz', '--nodes', '2']);

async function openAddForm(page: Page, url: string) {
  const console = new ConsolePage(page);
  await console.open(url);
  await console.waitForStatus();
  await page.getByRole('navigation', { name: 'Clusters' }).getByRole('button', { name: 'Add cluster…' }).click();
  const form = page.getByRole('region', { name: 'Add a cluster' });
  await expect(form).toBeVisible();
  return { console, form };
}

cq(
  'ClearQuest from the discovery URL: tested at once, "did you mean …/cqweb?" applied, then added',
  async ({ page, served }, info) => {
    cq.setTimeout(120_000);
    const sandbox = served.sandbox!;
    const { console, form } = await openAddForm(page, served.url);
    await form.getByLabel('Name', { exact: true }).fill('prod');

    // A URL as typed without its scheme: refused next to the field, nothing saved.
    await form.getByLabel('Cluster URL').fill('lbcq/cqweb/oslc/repo/cqschema/discovery');
    await form.getByLabel(/^Nodes/).fill('lbcq_1:9443');
    await form.getByRole('button', { name: 'Work it out and test' }).click();
    await expect(form.getByLabel('Cluster URL')).toHaveAttribute('aria-invalid', 'true');
    await expect(form.locator('#cf-from-from-error')).toContainText('has no scheme: write https://lbcq/cqweb');

    const hosts = sandbox.nodes.map((n) => new URL(n.url).host);
    await form.getByLabel('Cluster URL').fill(`${sandbox.balancer}/cqweb/oslc/repo/cqschema/discovery`);
    await form.getByLabel(/^Nodes/).fill(hosts.join('\n'));
    await form.getByRole('button', { name: 'Work it out and test' }).click();
    const test = form.getByRole('region', { name: 'Connection test' });
    await expect(test.getByRole('status')).toHaveText('Every check passed.', { timeout: 30_000 });
    await expect(form.getByLabel('Kind')).toHaveValue('clearquest');
    await expect(form.getByLabel('Balancer URL')).toHaveValue(`${sandbox.balancer}/cqweb`);
    await expect(form.getByLabel('Node 1 URL')).toHaveValue(`${sandbox.nodes[0]!.url}/cqweb`);
    await expect(form.getByLabel('User database')).toHaveValue('SAMPL');
    await expect(form.getByText('Worked out from the URL')).toBeVisible();
    await expect(form.getByRole('button', { name: 'Add cluster', exact: true })).toBeVisible();
    await shots(page, info, 'connect-cq-passed');
    await accessible(page, 'connect: ClearQuest passed');

    // The admin types the node URLs the way the technote lists them, without /cqweb.
    for (const [i, n] of sandbox.nodes.entries()) await form.getByLabel(`Node ${i + 1} URL`).fill(n.url);
    await expect(test).toContainText('The form changed since the last test');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await expect(test.getByRole('status')).toHaveText('2 check(s) failed.', { timeout: 30_000 });
    const node1 = test.getByRole('listitem', { name: 'node1: failed' });
    await expect(node1).toContainText(`Did you mean ${sandbox.nodes[0]!.url}/cqweb? The context root is /cqweb.`);
    const anyway = form.getByRole('button', { name: 'Save anyway (2 failed checks)' });
    await expect(anyway).toBeVisible();
    await expect(form.locator('#save-anyway-why')).toContainText('node1: discovery');
    await shots(page, info, 'connect-cq-did-you-mean');
    await accessible(page, 'connect: did you mean');

    await node1.getByRole('button', { name: `Use ${sandbox.nodes[0]!.url}/cqweb` }).click();
    await expect(test.getByRole('status')).toHaveText('Every check passed.', { timeout: 30_000 });
    await expect(form.getByLabel('Node 2 URL')).toHaveValue(`${sandbox.nodes[1]!.url}/cqweb`);
    await form.getByRole('button', { name: 'Add cluster', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'prod' })).toBeVisible();
    await expect(console.node('node2')).toBeVisible();
  },
);

jazz('Jazz from …/jts/rootservices with host:port nodes: tested and added', async ({ page, served }, info) => {
  jazz.setTimeout(120_000);
  const sandbox = served.sandbox!;
  const { console, form } = await openAddForm(page, served.url);
  await form.getByLabel('Name', { exact: true }).fill('ccm');
  await form.getByLabel('Cluster URL').fill(`${sandbox.balancer}/jts/rootservices`);
  await form.getByLabel(/^Nodes/).fill(sandbox.nodes.map((n) => new URL(n.url).host).join('\n'));
  await form.getByRole('button', { name: 'Work it out and test' }).click();
  const test = form.getByRole('region', { name: 'Connection test' });
  await expect(test.getByRole('status')).toHaveText('Every check passed.', { timeout: 30_000 });
  await expect(form.getByLabel('Kind')).toHaveValue('jazz');
  await expect(form.getByLabel('Node 2 URL')).toHaveValue(`${sandbox.nodes[1]!.url}/jts`);
  await expect(test.getByRole('listitem', { name: 'node1: passed' })).toContainText('Jazz Team Server answers at');
  await shots(page, info, 'connect-jazz-passed');
  await accessible(page, 'connect: Jazz passed');
  await form.getByRole('button', { name: 'Add cluster', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'ccm' })).toBeVisible();
  await expect(console.node('node1')).toBeVisible();
});
