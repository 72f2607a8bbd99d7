/**
 * The one Content-Security-Policy of the console, for the desktop window (app:// protocol) and for
 * browser mode (127.0.0.1) alike: nothing but the page's own origin, no inline script, no eval, no
 * remote script, style, font, image or connect source, no frames, no plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Svelte sets dynamic style properties through the CSSOM, which style-src does not govern;
  // static inline styles are not used (../shared/DEPENDENCIES.md).
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
].join('; ');

/**
 * Directives a `<meta http-equiv>` policy cannot carry (CSP3 §3.3: the browser ignores them there,
 * with a console warning); the response header still sends them.
 */
const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'sandbox'];

/**
 * The same policy for the page itself, `<meta http-equiv="Content-Security-Policy">` in the built
 * index.html: it holds wherever the page is loaded, even by a handler that forgets the header. The
 * browser enforces header and meta both; the meta is the header without its header-only directives.
 */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((d) => !HEADER_ONLY_DIRECTIVES.includes(d.split(' ')[0]!))
  .join('; ');

const META_TAG = `<meta http-equiv="Content-Security-Policy" content="${META_CONTENT_SECURITY_POLICY}" />`;

/**
 * index.html with the policy's meta tag at the top of <head>, before anything it governs.
 * Applied by the production build only (vite.config.ts): Vite's dev server injects inline styles.
 */
export function withCspMeta(html: string): string {
  if (html.includes('http-equiv="Content-Security-Policy"')) {
    throw new Error(
      'index.html already has a Content-Security-Policy meta tag: the build adds it from electron/server/csp.ts',
    );
  }
  // Right after <meta charset> (which belongs in the first bytes), else right after <head>.
  const anchor = /<meta\s+charset[^>]*>/i.exec(html) ?? /<head[^>]*>/i.exec(html);
  if (!anchor) throw new Error('index.html has no <head>: the Content-Security-Policy meta tag has nowhere to go');
  const at = anchor.index + anchor[0].length;
  return `${html.slice(0, at)}
    ${META_TAG}${html.slice(at)}`;
}

/** Headers every console response carries, in both doors. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), clipboard-read=()',
};
