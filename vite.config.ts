import { defineConfig } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { withCspMeta } from './electron/server/csp.ts';

/**
 * The console's CSP in the built page too (`<meta http-equiv>`), from the one policy in
 * electron/server/csp.ts. Build only: the dev server injects inline styles, which the policy forbids.
 */
function cspMeta(): Plugin {
  return {
    name: 'oslc-csp-meta',
    apply: 'build',
    transformIndexHtml: { order: 'post', handler: (html) => withCspMeta(html) },
  };
}

/** The renderer: one static bundle in dist/renderer, loaded from app:// (desktop) or 127.0.0.1 (browser mode). */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte({ preprocess: vitePreprocess() }), cspMeta()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Everything is bundled: the page fetches nothing but its own origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'chrome130', // Electron 45 is Chromium 140; Debian's Chromium is newer: light-dark() is native
  },
});
