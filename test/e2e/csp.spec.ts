/**
 * The console's Content-Security-Policy in a real Chromium, in browser mode: the response header
 * and the `<meta http-equiv>` the build puts in index.html (electron/server/csp.ts, vite.config.ts) say the
 * same thing (the meta without the header-only directives), the console works under both, and an
 * inline script injected into the page does not run — with the header, and with the meta alone
 * (the header stripped), as the desktop window would be if its protocol handler lost the header.
 */
import type { Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../electron/server/csp.ts';
import { ConsolePage } from './_console-page.ts';
import { expect, test } from './_serve.ts';

/** Injects an inline script; answers whether it ran, and the violations the page reported. */
async function injectInlineScript(page: Page): Promise<{ ran: boolean; violations: string[] }> {
  return page.evaluate(async () => {
    // Typed by hand: the test project's TypeScript has no DOM library.
    interface Doc {
      addEventListener(type: string, listener: (e: { violatedDirective: string }) => void): void;
      createElement(tag: string): { textContent: string };
      head: { append(node: unknown): void };
    }
    const w = globalThis as unknown as { __inlineRan?: boolean; document: Doc };
    const violations: string[] = [];
    w.document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const s = w.document.createElement('script');
    s.textContent = 'globalThis.__inlineRan = true';
    w.document.head.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return { ran: w.__inlineRan === true, violations };
  });
}

test('the header and the meta carry the one policy; the console works; an inline script is refused', async ({
  page,
  served,
}) => {
  const response = await page.goto(served.url);
  expect(response!.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  const meta = page.locator('meta[http-equiv="Content-Security-Policy"]');
  await expect(meta).toHaveCount(1);
  expect(await meta.getAttribute('content')).toBe(META_CONTENT_SECURITY_POLICY);
  // Every directive of the meta is the header's own: the two never disagree.
  const header = new Set(CONTENT_SECURITY_POLICY.split('; '));
  for (const d of META_CONTENT_SECURITY_POLICY.split('; ')) expect(header.has(d), d).toBe(true);

  const console = new ConsolePage(page);
  await console.waitForStatus();
  const injected = await injectInlineScript(page);
  expect(injected.ran).toBe(false);
  expect(injected.violations).toContain('script-src-elem');
});

test('with the header stripped, the meta alone still refuses an inline script and the console works', async ({
  page,
  served,
}) => {
  // Signed in first (the one-time link sets the tab's session), then the page is loaded again with
  // the header stripped from the page itself; the console's streaming API calls pass untouched.
  const signIn = new ConsolePage(page);
  await signIn.open(served.url);
  await signIn.waitForStatus();
  await page.route(`${served.origin}/**`, async (route) => {
    if (route.request().resourceType() !== 'document') {
      await route.continue();
      return;
    }
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    await route.fulfill({ response, headers });
  });
  const response = await page.reload();
  expect(response!.headers()['content-security-policy']).toBeUndefined();
  const console = new ConsolePage(page);
  await console.waitForStatus();
  const injected = await injectInlineScript(page);
  expect(injected.ran).toBe(false);
  expect(injected.violations).toContain('script-src-elem');
});
