/**
 * Every view of the console, light and dark, at 1024×700, 1920×1080 and at 200% zoom (a 1280×800
 * window zoomed to 200% is 640×400 CSS pixels), against the real `oslc-admin serve --sandbox`. The
 * screenshots are saved under test-results/ (git-ignored) to be looked at; at 200% zoom the layout
 * must reflow (WCAG 1.4.10): no sideways scrolling, the primary actions and Report fully on screen,
 * the sidebar stacked above the cluster. axe is checked on every view at every size.
 */
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const TABS = ['Map', 'Keys', 'Diagnose', 'Flow', 'Audit'];

const SIZES = [
  { name: '1024x700', viewport: { width: 1024, height: 700 }, scale: 1 },
  { name: '1920x1080', viewport: { width: 1920, height: 1080 }, scale: 1 },
  { name: 'zoom200', viewport: { width: 640, height: 400 }, scale: 2 },
] as const;

async function fitsWidth(page: Page, what: string): Promise<void> {
  const { scroll, width } = await page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scroll: g.document.documentElement.scrollWidth, width: g.innerWidth };
  });
  expect(scroll, `${what}: the page scrolls sideways`).toBeLessThanOrEqual(width + 1);
}

async function onScreen(page: Page, name: string, width: number): Promise<void> {
  const box = await page.getByRole('button', { name, exact: true }).first().boundingBox();
  expect(box, `${name} is laid out`).not.toBeNull();
  expect(box!.x, `${name} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${name} ends on screen`).toBeLessThanOrEqual(width + 0.5);
}

for (const size of SIZES) {
  test(`every view, light and dark, at ${size.name}`, async ({ browser, served }, info) => {
    test.setTimeout(180_000);
    const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.scale });
    const page = await context.newPage();
    try {
      const console = new ConsolePage(page);
      await console.open(served.url);
      await console.waitForStatus();
      await console.simulateFriendship('RTC', 'screens-secret');
      for (const tab of TABS) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await expect(page.getByRole('tabpanel', { name: tab })).toBeVisible();
        await shots(page, info, `${size.name}-${tab.toLowerCase()}`);
        await accessible(page, `${tab} at ${size.name}`);
        if (size.name === 'zoom200') {
          await fitsWidth(page, `${tab} at 200%`);
          await onScreen(page, 'Sync all nodes', size.viewport.width);
          await onScreen(page, 'Report', size.viewport.width);
        }
      }
      if (size.name === 'zoom200') {
        // The sidebar is stacked above the cluster, not squeezed beside it.
        const nav = await page.getByRole('navigation', { name: 'Clusters' }).boundingBox();
        const main = await page.getByRole('main', { name: 'Cluster' }).boundingBox();
        expect(nav!.y + nav!.height).toBeLessThanOrEqual(main!.y + 1);
        expect(main!.width).toBeGreaterThan(size.viewport.width * 0.9);
        // A node panel opens full width below the map instead of beside it.
        await page.getByRole('tab', { name: 'Map', exact: true }).click();
        const id = served.sandbox!.nodes[0]!.id;
        await console.openNode(id);
        await fitsWidth(page, 'node panel at 200%');
        await shots(page, info, `${size.name}-node-panel`);
      }
    } finally {
      await context.close();
    }
  });
}
