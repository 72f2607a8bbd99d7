/**
 * The console without a mouse (WAI-ARIA tabs pattern, skip link, focus return), in Debian Chromium
 * against the real `oslc-admin serve --sandbox`: only the keyboard is used after the page loads.
 */
import type { Page } from '@playwright/test';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';
import { accessible, shots } from './_look.ts';

const TAB_NAMES = ['Map', 'Keys', 'Diagnose', 'Flow', 'Audit'];

/** What has focus: its role (explicit or the tag) and its accessible text. */
async function focused(page: Page): Promise<{ role: string; name: string }> {
  return page.evaluate(() => {
    // The root tsconfig has no DOM lib: the page's own types, as far as this reads them.
    type El = { getAttribute(name: string): string | null; tagName: string; innerText?: string };
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    if (!el) return { role: '', name: '' };
    return {
      role: el.getAttribute('role') ?? el.tagName.toLowerCase(),
      name: (el.getAttribute('aria-label') ?? el.innerText ?? '').trim().replace(/\s+/g, ' '),
    };
  });
}

/** Presses Tab (or Shift+Tab) until `wanted` has focus; fails after `max` presses. */
async function tabTo(
  page: Page,
  wanted: (f: { role: string; name: string }) => boolean,
  what: string,
  { back = false, max = 80 } = {},
): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (process.env.DEBUG_TAB) console.log(f);
    if (wanted(f)) return;
  }
  throw new Error(`${what} was not reached with ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}`);
}

test('keyboard only: skip link, every tab by arrow keys, Home and End, a node panel, a dialog, a sync', async ({
  page,
  served,
}, info) => {
  // Each key press is a round trip to the browser: room for a loaded machine.
  test.setTimeout(150_000);
  const console = new ConsolePage(page);
  await console.open(served.url);
  await console.waitForStatus();
  const nodes = served.sandbox!.nodes.map((n) => n.id);

  // The first Tab reaches the skip link; Enter puts focus on the main view.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the cluster view' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await shots(page, info, 'skip-link');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main', { name: 'Cluster' })).toBeFocused();

  // The selected tab is the tab list's one stop; arrows, Home and End move and select.
  await tabTo(page, (f) => f.role === 'tab', 'the selected tab');
  const tab = (name: string) => page.getByRole('tab', { name, exact: true });
  await expect(tab('Map')).toBeFocused();
  for (const name of TAB_NAMES.slice(1)) {
    await page.keyboard.press('ArrowRight');
    await expect(tab(name)).toBeFocused();
    await expect(tab(name)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tabpanel', { name })).toBeVisible();
    for (const other of TAB_NAMES.filter((n) => n !== name)) await expect(tab(other)).toHaveAttribute('tabindex', '-1');
  }
  await page.keyboard.press('ArrowRight'); // wraps to the first
  await expect(tab('Map')).toBeFocused();
  await page.keyboard.press('ArrowLeft'); // wraps to the last
  await expect(tab('Audit')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(tab('Map')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(tab('Audit')).toHaveAttribute('aria-selected', 'true');
  await expect(tab('Audit')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.getByRole('tabpanel', { name: 'Map' })).toBeVisible();

  // A node panel: Enter on a card opens it (focus in the panel), Esc closes it and focus returns to the card.
  // The map's nodes are one tab stop (roving tabindex): Tab reaches the first, arrows move along them.
  const id = nodes[1]!;
  await tabTo(page, (f) => f.role === 'button' && f.name.startsWith(`Open ${nodes[0]}`), `the card of ${nodes[0]}`);
  await page.keyboard.press('ArrowRight');
  await expect(console.node(id).getByRole('button', { name: new RegExp(`^Open ${id} `) })).toBeFocused();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: `Node ${id}` });
  await expect(panel).toBeVisible();
  await expect(panel).toBeFocused();
  await accessible(page, 'node panel opened by keyboard');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(console.node(id).getByRole('button', { name: new RegExp(`^Open ${id} `) })).toBeFocused();

  // A dialog: the login dialog opened by keyboard, Esc closes it and focus returns to its button.
  await tabTo(page, (f) => f.role === 'button' && /^(Change login|Log in)$/.test(f.name), 'the login button', {
    back: true,
  });
  const opener = await focused(page);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: opener.name, exact: true })).toBeFocused();

  // A sync, started with the keyboard.
  const runs = await console.statusRuns();
  await tabTo(page, (f) => f.role === 'button' && f.name === 'Sync all nodes', 'Sync all nodes');
  await page.keyboard.press('Enter');
  await expect(console.syncPanel).toHaveAttribute('data-phase', /done|failed|cancelled/, { timeout: 60_000 });
  await console.waitForStatus(runs);
  for (const n of nodes) await expect(console.syncRow(n)).toContainText('refreshed');
  await accessible(page, 'after a keyboard sync');
});
