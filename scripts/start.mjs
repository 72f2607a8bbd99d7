#!/usr/bin/env node
// `npm start`: build what is stale, then start the desktop app. Where the Electron runtime cannot be
// obtained (an offline machine: the `electron` package downloads its binary on first use), say so in
// one sentence and serve browser mode with the embedded sandbox instead (`oslc-admin serve --sandbox
// --open`). `npm run serve` is that browser mode directly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childExitOutcome } from './child-exit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const browserOnly = process.argv.includes('--browser');

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

if (run(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale', '--quiet']).status !== 0) process.exit(1);

/** The Electron executable, without requiring the `electron` package (that would start a download). */
function electronBinary() {
  const pkg = join(root, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? p : null;
  }
  if (rel && existsSync(join(pkg, 'dist', rel))) return join(pkg, 'dist', rel);
  return null;
}

let binary = browserOnly ? null : electronBinary();
if (!browserOnly && !binary && existsSync(join(root, 'node_modules/electron/install.js'))) {
  // One bounded, quiet attempt at the package's own download.
  run(process.execPath, [join(root, 'node_modules/electron/install.js')], { stdio: 'ignore', timeout: 120_000 });
  binary = electronBinary();
}

/** Passes Ctrl-C and SIGTERM on; a child killed by any other signal crashed, and we say so and fail. */
const forward = (child, what, helper = null) => {
  const forwarded = new Set();
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      forwarded.add(sig);
      child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => {
    const { exitCode, message } = childExitOutcome({ code, signal, forwarded, what, helper });
    if (message) console.error(message);
    process.exit(exitCode);
  });
};

if (binary) {
  forward(
    spawn(binary, [root], { stdio: 'inherit', cwd: root }),
    `The desktop app (${binary})`,
    join(dirname(binary), 'chrome-sandbox'),
  );
} else {
  if (!browserOnly) {
    console.log(
      'The Electron runtime could not be obtained on this machine (it is offline), so the console opens in browser mode with the embedded sandbox instead.',
    );
  }
  forward(
    spawn(
      process.execPath,
      [
        join(root, 'bin/oslc-admin.cjs'),
        'serve',
        '--sandbox',
        '--open',
        ...process.argv.slice(2).filter((a) => a !== '--browser'),
      ],
      { stdio: 'inherit', cwd: root },
    ),
    'The browser-mode server',
  );
}
