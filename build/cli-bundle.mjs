// What both CLI bundles share (dist/cli/cli.cjs for the npm bin, scripts/build.mjs; the installers'
// executable, build/cli-sea.mjs): esbuild plugins and output options for a fast start (issue 27).
import { fileURLToPath } from 'node:url';

const HTTP2_FOR_UNDICI = fileURLToPath(new URL('../electron/core/http/http2-for-undici.cjs', import.meta.url));

/** undici's HTTP/2 client gets its constants without node:http2 being loaded (see the stand-in's comment). */
export const http2ForUndici = {
  name: 'http2-for-undici',
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/.test(args.importer) ? { path: HTTP2_FOR_UNDICI } : undefined,
    );
  },
};

/**
 * Dynamic `import()` of a built-in or of the keychain binding becomes `require` in both bundles:
 * the npm bin's runs as a vm.Script with a code cache, and the installers' as a SEA, and in Node 20
 * neither has a dynamic-import callback ("A dynamic import callback was not specified"). Every
 * module imported this way is a built-in or CommonJS. (In the SEA, its native-from-disk plugin, put
 * first, takes the binding.)
 */
export const dynamicImportAsRequire = {
  name: 'dynamic-import-as-require',
  setup(build) {
    build.onResolve({ filter: /^(node:|@napi-rs\/keyring$)/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'by-require' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * Output options of both: whitespace and comments stripped (a smaller script to read and hash), and
 * licence comments kept apart. scripts/build.mjs checks its output is ASCII (see buildCli there).
 */
export const CLI_OUTPUT_OPTIONS = { minifyWhitespace: true, minifySyntax: true, legalComments: 'external' };
