/**
 * The console's CSP as a `<meta http-equiv>` in the built page (electron/server/csp.ts `withCspMeta`, applied
 * by vite.config.ts at build): placed before anything it governs, the header's policy without the
 * directives a meta cannot carry, and never added twice. test/e2e/csp.spec.ts checks the built page
 * in Chromium; test/integration/packaging-dir.test.ts checks the packaged one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY, withCspMeta } from '../../electron/server/csp.ts';

const source = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');

describe('the CSP meta tag', () => {
  it('is the header policy without frame-ancestors (ignored in a meta), directive for directive', () => {
    const header = CONTENT_SECURITY_POLICY.split('; ');
    const meta = META_CONTENT_SECURITY_POLICY.split('; ');
    expect(header.filter((d) => !meta.includes(d))).toEqual(["frame-ancestors 'none'"]);
    expect(meta.every((d) => header.includes(d))).toBe(true);
    expect(meta).toContain("script-src 'self'");
  });

  it('goes right after <meta charset>, before every script and stylesheet of the page', () => {
    const html = withCspMeta(source);
    const meta = html.indexOf('<meta http-equiv="Content-Security-Policy"');
    expect(meta).toBeGreaterThan(html.indexOf('<meta charset'));
    expect(meta).toBeLessThan(html.indexOf('<script'));
    expect(html).toContain(`content="${META_CONTENT_SECURITY_POLICY}"`);
    // The source page has none: the dev server (which injects inline styles) runs without it.
    expect(source).not.toContain('Content-Security-Policy');
  });

  it('refuses a page that already has one, or has no <head>', () => {
    expect(() => withCspMeta(withCspMeta(source))).toThrow(/already has a Content-Security-Policy meta tag/);
    expect(() => withCspMeta('<html><body></body></html>')).toThrow(/has no <head>/);
  });
});
