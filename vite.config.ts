import { defineConfig } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** The renderer: one static bundle in dist/renderer, loaded from app:// (desktop) or 127.0.0.1 (browser mode). */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte({ preprocess: vitePreprocess() })],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Everything is bundled: the page fetches nothing but its own origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'chrome130', // Electron 45 is Chromium 140; Debian's Chromium is newer: light-dark() is native
  },
});
