/**
 * Looking at a screen as an administrator and a screen reader would, for every e2e spec: a full-page
 * screenshot in light and in dark (saved as test artifacts, to be opened), and an axe check in both.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect } from '@playwright/test';
import type { Page, TestInfo } from '@playwright/test';

/** `<name>.png` (light) and `<name>-dark.png`; the page is left in light. */
export async function shots(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: info.outputPath(`${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** No serious or critical axe violation, in light and in dark (contrast differs); `only`: a CSS selector to check. */
export async function accessible(page: Page, name: string, only?: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const axe = new AxeBuilder({ page });
    const { violations } = await (only ? axe.include(only) : axe).analyze();
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const summary = bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(summary, `${name} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
