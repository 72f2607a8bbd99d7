/**
 * "Watch this cluster" in Debian Chromium against the real `oslc-admin serve --sandbox`: off by
 * default; switched on, the server's watch loop checks at once and the console shows the change it
 * saw (a provisional key, naming its node) and keeps the map in step; a killed node is reported down
 * by the next check without anyone pressing a button; switched off, it says nothing more. Each
 * warning or worse is also a browser notification (permission granted to the page; the real
 * Notification is called, with a recording wrapper around it). A key approved on one node only is
 * drift the watch heals: the change line and the Audit view say so in the console's words.
 */
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

test('the watch switch: off by default, live changes and map when on', async ({ page, served }, info) => {
  test.setTimeout(120_000);
  await page.context().grantPermissions(['notifications'], { origin: new URL(served.url).origin });
  await page.addInitScript(() => {
    // Runs in the page (no DOM types here): wraps the real Notification so the test can read what was shown.
    const w = globalThis as unknown as { Notification: object; notified: { title: string; body: string }[] };
    const real = w.Notification as new (title: string, options?: { body?: string }) => object;
    w.notified = [];
    const recording = new Proxy(real, {
      construct(target, args: [string, { body?: string }?]) {
        w.notified.push({ title: args[0], body: args[1]?.body ?? '' });
        return Reflect.construct(target, args) as object;
      },
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    Object.defineProperty(globalThis, 'Notification', { value: recording, configurable: true });
  });
  const notified = () =>
    page.evaluate(() => (globalThis as unknown as { notified: { title: string; body: string }[] }).notified);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const watch = page.getByRole('switch', { name: 'Watch this cluster' });
  await expect(watch).toHaveAttribute('aria-checked', 'false');

  const { key, node } = await console.simulateFriendship('RTC', 'rtc-watch-secret-4711');
  const runs = await console.statusRuns();
  await watch.click();
  await expect(watch).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByText(/every 15 s, refreshing nodes that drift/)).toBeVisible();
  const latest = page.locator('.watch-latest');
  await expect(latest).toContainText(`provisional key ${key} on ${node}: approve it on that node`, { timeout: 15_000 });
  // The check came from the watch, not from a button: the map's run counter moved on its own.
  // (A check that lands while the console's own run is in flight is dropped in favour of that run;
  // the next one comes an interval, 15 s ± 10 %, later.)
  await expect.poll(() => console.statusRuns(), { timeout: 30_000 }).toBeGreaterThan(runs);
  await accessible(page, 'watch on');
  await shots(page, info, 'watch-provisional');

  const victim = served.sandbox!.nodes.map((n) => n.id).find((id) => id !== node)!;
  await console.killNode(victim);
  await expect(latest).toContainText(`${victim} is down`, { timeout: 30_000 });
  await expect(page.getByRole('group', { name: victim })).toContainText(/down/i);
  // Browser mode notifies what arrives on the console's live feed: the node going down comes well after
  // the feed is connected (the first check's changes may land just before it, in the watch's state).
  await expect
    .poll(async () => (await notified()).find((n) => n.body.startsWith(`${victim} is down`))?.title, {
      timeout: 15_000,
    })
    .toBe('sandbox: needs attention');
  await page.getByText(/changes seen by the watch/).click();
  await shots(page, info, 'watch-node-down');

  await watch.click();
  await expect(watch).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByText(/every 15 s/)).toHaveCount(0);
});

test("drift healed by the console's watch: the change line and the Audit view say it in the console's words", async ({
  page,
  served,
}, info) => {
  test.setTimeout(120_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const { key, node } = await console.simulateFriendship('RTC', 'rtc-heal-secret-4711');
  await console.approve(node);
  // Approved in the holder's memory only: the other nodes have not loaded it, which a refresh fixes.
  for (const id of served.sandbox!.nodes.map((n) => n.id).filter((id) => id !== node))
    expect(await console.chipState(id, key)).toBe('missing');

  const watch = page.getByRole('switch', { name: 'Watch this cluster' });
  await watch.click();
  await expect(watch).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape'); // the node panel approve() left open
  await expect(page.getByText(/changes seen by the watch/)).toBeVisible({ timeout: 30_000 });
  await page.getByText(/changes seen by the watch/).click();
  await expect(page.getByText(/: heal \(automatic sync\): consistent; refreshed /).first()).toBeVisible({
    timeout: 30_000,
  });

  await page.getByRole('tab', { name: 'Audit' }).click();
  const audit = page.getByRole('region', { name: 'Audit log' });
  const heal = audit.locator('tr[data-action="heal"]').first();
  await expect(heal).toContainText(`heal (automatic sync) for drift: `);
  await expect(heal).toContainText(key);
  await expect(heal).not.toContainText('--');
  await shots(page, info, 'watch-heal-audit');
  await page.getByRole('tab', { name: 'Map' }).click();
  await watch.click();
  await expect(watch).toHaveAttribute('aria-checked', 'false');
});
