/**
 * The cluster map as a picture (issue 23), in Debian Chromium against the real `oslc-admin serve
 * --sandbox`: the summary line's words and its one button for each seed state (healthy, provisional
 * on one node, stale nodes, node down, balancer down, clock skew); the picture's text alternative
 * holding the same facts as the picture; keyboard only (arrows between nodes, Enter opens a panel);
 * and screenshots at 3, 16, 64 and 128 nodes, light and dark, at 1024×700 and 1920×1080.
 */
import type { Page, TestInfo } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, servedWith, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';
import { deadPort } from '../_faults.ts';
import type { ServeProcess } from '../_serve.ts';

const SECRET = 'map-friendship-secret';

/** The sandbox's own control server (kill a node, shift its clock), as a trainer drives it. */
async function control(served: ServeProcess, path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${served.sandbox!.control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
}

/** Status taken again from the header, as the admin would after changing something by hand. */
async function checkStatus(page: Page, console: ConsolePage): Promise<void> {
  const runs = await console.statusRuns();
  await page.getByRole('button', { name: 'Check status' }).click();
  await console.waitForStatus(runs);
}

/** The map's picture, its text alternative, and the node marks of the picture (cards or tiles). */
function parts(page: Page) {
  const map = page.getByRole('region', { name: 'Cluster map' });
  return {
    summary: page.getByTestId('map-summary'),
    fix: page.getByTestId('map-fix'),
    list: map.getByRole('list', { name: 'The map as a list' }),
    picture: map.locator('.picture'),
  };
}

/**
 * The text alternative holds the same facts as the picture: one item per node, in the picture's
 * order, and each mark of the picture described by its node's item (the facts in one sentence).
 */
async function sameFacts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type El = {
      getAttribute(n: string): string | null;
      id: string;
      textContent: string | null;
      querySelector(s: string): El | null;
    };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
    const items = Array.from(doc.querySelectorAll('.map-list li[data-node]'));
    const marks = Array.from(doc.querySelectorAll('.map [data-map-node]'));
    const problems: string[] = [];
    if (items.length !== marks.length) problems.push(`${items.length} list items, ${marks.length} marks`);
    items.forEach((li, i) => {
      const mark = marks[i];
      const id = li.getAttribute('data-node')!;
      if (mark?.getAttribute('data-map-node') !== id) problems.push(`item ${i} is ${id}, mark ${i} is another`);
      if (mark?.getAttribute('aria-describedby') !== li.id)
        problems.push(`${id}: its mark is not described by its item`);
      if (!(li.textContent ?? '').startsWith(`${id}: `)) problems.push(`${id}: item "${li.textContent}"`);
      // What a tile or mark says in a word, the list says too.
      const word = mark?.querySelector('.mark-word')?.textContent?.trim();
      if (word && !(li.textContent ?? '').includes(word)) problems.push(`${id}: the mark says "${word}", the list not`);
    });
    return problems;
  });
}

async function listItem(page: Page, id: string): Promise<string> {
  return ((await parts(page).list.locator(`li[data-node="${id}"]`).textContent()) ?? '').trim();
}

test('the summary line names what is wrong and its one button, for each seed state', async ({ page, served }, info) => {
  test.setTimeout(150_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);
  const { summary, fix } = parts(page);

  // Healthy.
  await expect(summary).toHaveAttribute('data-health', 'consistent');
  await expect(summary).toContainText(
    new RegExp(`all ${nodes.length} nodes consistent, checked (just now|\\d+ s ago)`),
  );
  await expect(fix).toHaveCount(0);
  expect(await sameFacts(page)).toEqual([]);
  for (const id of nodes)
    expect(await listItem(page, id)).toMatch(new RegExp(`^${id}: up; \\d+ ms; clock [+-]?\\d+ s`));

  // A provisional key on one node: Approve there.
  const { key, node: holder } = await console.simulateFriendship('RTC', SECRET);
  const others = nodes.filter((n) => n !== holder);
  await expect(summary).toHaveAttribute('data-health', 'provisional');
  await expect(summary).toContainText(`a provisional key waits on ${holder} only`);
  await expect(fix).toHaveText(`Approve on ${holder}`);
  expect(await listItem(page, holder)).toContain(`${holder}: provisional here`);
  expect(await listItem(page, holder)).toContain('worst key: RTC provisional');
  expect(await sameFacts(page)).toEqual([]);
  // Worst first: the holder's card leads the picture.
  await expect(page.locator('.map [data-map-node]').first()).toHaveAttribute('data-map-node', holder);
  await shots(page, info, 'map-seed-provisional');

  // Approved on its holder: the others are stale, in the product's words; Sync all nodes.
  let runs = await console.statusRuns();
  await fix.click();
  await console.waitForStatus(runs);
  await expect(summary).toHaveAttribute('data-health', 'drift');
  await expect(summary).toContainText(`${others.join(', ')} will fail with 401 invalid_expired_token`);
  await expect(fix).toHaveText('Sync all nodes');
  for (const id of others) {
    expect(await listItem(page, id)).toContain(
      `${id}: stale; requests the balancer sends here will fail with 401 invalid_expired_token`,
    );
    await expect(console.node(id).getByTestId('node-headline')).toContainText('stale');
  }
  expect(await sameFacts(page)).toEqual([]);
  await shots(page, info, 'map-seed-stale');
  await accessible(page, 'map: stale');
  await console.syncAll();
  await expect(summary).toHaveAttribute('data-health', 'consistent');
  await expect(fix).toHaveCount(0);
  expect(await console.chipState(holder, key)).toBe('approved');

  // A node's clock 400 s off: its OAuth requests are refused; the fix is by hand, then Check again.
  const skewed = nodes[1]!;
  await control(served, `/nodes/${skewed}/clock`, { offsetSeconds: 400 });
  await checkStatus(page, console);
  await expect(summary).toHaveAttribute('data-health', 'drift');
  await expect(summary).toContainText(`the clock of ${skewed} is off by 5 minutes or more`);
  await expect(fix).toHaveText('Check again');
  expect(await listItem(page, skewed)).toContain(`${skewed}: clock skew`);
  await shots(page, info, 'map-seed-clock-skew');
  await control(served, `/nodes/${skewed}/clock`, { offsetSeconds: 0 });
  runs = await console.statusRuns();
  await fix.click();
  await console.waitForStatus(runs);
  await expect(summary).toHaveAttribute('data-health', 'consistent');

  // A node down.
  const down = nodes[2]!;
  await console.killNode(down);
  await expect(summary).toHaveAttribute('data-health', 'down');
  await expect(summary).toContainText(`${down} is down`);
  await expect(fix).toHaveText('Check again');
  expect(await listItem(page, down)).toMatch(new RegExp(`^${down}: down; NODE_`));
  await expect(page.locator('.map [data-map-node]').first()).toHaveAttribute('data-map-node', down);
  expect(await sameFacts(page)).toEqual([]);
  await shots(page, info, 'map-seed-node-down');
  await console.restartNode(down);
  await expect(summary).toHaveAttribute('data-health', 'consistent');

  // The balancer down: a second cluster of the same nodes behind a balancer address nobody listens on.
  await console.call('addCluster', {
    name: 'no-balancer',
    kind: 'sandbox',
    balancerUrl: `http://127.0.0.1:${await deadPort()}/`,
    nodes: served.sandbox!.nodes.map((n) => ({ id: n.id, url: n.url })),
    repo: 'cqschema',
    db: 'SAMPL',
  });
  await page.reload();
  await page
    .getByRole('navigation', { name: 'Clusters' })
    .getByRole('button', { name: /no-balancer/ })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'no-balancer' })).toBeVisible();
  await console.waitForStatus();
  await expect(summary).toHaveAttribute('data-health', 'balancer');
  await expect(summary).toContainText('the balancer did not answer: consumers reach no node through it');
  await expect(fix).toHaveText('Check again');
  await expect(console.map.getByRole('group', { name: 'balancer' })).toContainText('did not answer');
  await shots(page, info, 'map-seed-balancer-down');
  await accessible(page, 'map: balancer down');
});

test('keyboard only: arrows reach every node in the picture order, Enter opens its panel, Esc comes back', async ({
  page,
  served,
}) => {
  test.setTimeout(90_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const order = await page
    .locator('.map [data-map-node]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-map-node')!));
  expect(order.length).toBe(served.sandbox!.nodes.length);
  // One tab stop for the nodes: Tab from the map's first control lands on the first node only.
  await page.locator(`.map [data-map-node="${order[0]}"]`).focus();
  const tabbable = await page
    .locator('.map [data-map-node]')
    .evaluateAll((els) => els.filter((e) => e.getAttribute('tabindex') === '0').length);
  expect(tabbable).toBe(1);
  for (const [i, id] of order.entries()) {
    if (i > 0) await page.keyboard.press('ArrowRight');
    await expect(page.locator(`.map [data-map-node="${id}"]`)).toBeFocused();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: `Node ${id}` });
    await expect(panel).toBeVisible();
    await expect(panel).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(page.locator(`.map [data-map-node="${id}"]`)).toBeFocused();
  }
  await page.keyboard.press('Home');
  await expect(page.locator(`.map [data-map-node="${order[0]}"]`)).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.locator(`.map [data-map-node="${order.at(-1)}"]`)).toBeFocused();
});

/**
 * The same map at both window sizes and at 1440×900, light and dark, as the screen shows it (the
 * viewport, not the full page: what fits without scrolling is the point), looked at after the run.
 */
async function sizes(page: Page, info: TestInfo, name: string): Promise<void> {
  for (const [w, h] of [
    [1024, 700],
    [1920, 1080],
    [1440, 900],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(150);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: info.outputPath(`${name}-${w}x${h}${scheme === 'dark' ? '-dark' : ''}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

for (const count of [16, 64, 128]) {
  const big = servedWith(['--nodes', String(count)]);
  big(
    `${count} nodes: the picture fits 1440×900, worst first, hover shows facts, keyboard reaches every node`,
    async ({ page, served }, info) => {
      test.setTimeout(240_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      const console = new ConsolePage(page);
      await console.open(served.url);
      await console.waitForStatus();
      const ids = served.sandbox!.nodes.map((n) => n.id);
      // Seed a little of everything: a provisional key on one node, then approved there (the others stale,
      // then synced), one node down, one node's clock off.
      const { node: holder } = await console.simulateFriendship('RTC', SECRET);
      const downNode = ids.find((n) => n !== holder)!;
      const skewNode = ids.find((n) => n !== holder && n !== downNode)!;
      await control(served, `/nodes/${downNode}/kill`);
      await control(served, `/nodes/${skewNode}/clock`, { offsetSeconds: -400 });
      await checkStatus(page, console);
      const picture = parts(page).picture;
      await expect(picture).toHaveAttribute('data-mode', count <= 40 ? 'tiles' : 'marks');
      const marks = page.locator('.map [data-map-node]');
      await expect(marks).toHaveCount(count);
      // Worst first: the down node, then the skewed clock, then the provisional key.
      const order = await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-map-node')!));
      expect(order.slice(0, 3)).toEqual([downNode, skewNode, holder]);
      expect(await sameFacts(page)).toEqual([]);
      // Every mark says its state in a word, not colour alone.
      await expect(page.locator(`.map [data-map-node="${downNode}"]`)).toContainText('down');
      await expect(page.locator(`.map [data-map-node="${skewNode}"]`)).toContainText('clock skew');
      await expect(page.locator(`.map [data-map-node="${holder}"]`)).toContainText(
        count <= 40 ? 'provisional here' : 'provisional',
      );
      // The whole picture is on one 1440×900 screen, without scrolling the map.
      const last = await marks.last().boundingBox();
      expect(last!.y + last!.height).toBeLessThanOrEqual(900);
      // Hover shows a node's facts; click opens its panel.
      await page.locator(`.map [data-map-node="${holder}"]`).hover();
      const tip = page.getByTestId('map-tip');
      await expect(tip).toContainText(holder);
      await expect(tip).toContainText('provisional here');
      await expect(tip).toContainText('RTC provisional');
      await sizes(page, info, `map-${count}`);
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.mouse.move(0, 0);
      await accessible(page, `map at ${count} nodes`, '.map');
      // Keyboard: from the first mark, End reaches the last; Enter opens its panel.
      await marks.first().focus();
      await page.keyboard.press('End');
      await expect(marks.last()).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page.getByRole('complementary', { name: `Node ${order.at(-1)}` })).toBeVisible();
      await page.keyboard.press('Escape');
      await marks.first().click();
      await expect(page.getByRole('complementary', { name: `Node ${downNode}` })).toBeVisible();
    },
  );
}

test('3 nodes: cards in the picture, at both window sizes, light and dark', async ({ page, served }, info) => {
  test.setTimeout(90_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  await console.simulateFriendship('RTC', SECRET);
  await expect(parts(page).picture).toHaveAttribute('data-mode', 'cards');
  await sizes(page, info, 'map-3');
});

test('live: a running sync marks the node it is working on, and the mark goes when it is done', async ({
  page,
  served,
}) => {
  test.setTimeout(90_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const slow = served.sandbox!.nodes[1]!.id;
  // One slow node: the sync is still logging in there while the others are done.
  await control(served, `/nodes/${slow}/latency`, { ms: 2500 });
  await page.getByRole('button', { name: 'Sync all nodes', exact: true }).first().click();
  const card = page.locator(`.map .node-card[data-node="${slow}"]`);
  await expect(card).toHaveAttribute('data-sync', 'true');
  await expect(card.getByTestId('node-headline')).toContainText('syncing');
  await expect(page.locator('.map line.drop[data-sync="true"]')).not.toHaveCount(0);
  await expect(console.syncPanel).toHaveAttribute('data-phase', /done|failed|cancelled/, { timeout: 60_000 });
  await expect(card).not.toHaveAttribute('data-sync', 'true');
  await expect(page.locator('.map line.drop[data-sync="true"]')).toHaveCount(0);
  await control(served, `/nodes/${slow}/latency`, { ms: 0 });
});
