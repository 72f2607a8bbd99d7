#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/, built by `npm run build` and by `prepare` during `npm ci`), which
// starts in a fraction of the time tsx needs to compile the sources. The sources run instead, through
// tsx, when there is no bundle (`npm ci --ignore-scripts`), when a file it was built from has changed
// since (a development checkout: an edit takes effect at once, no rebuild needed), or when
// OSLC_ADMIN_FROM_SOURCE=1.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function bundleIsCurrent() {
  if (process.env.OSLC_ADMIN_FROM_SOURCE === '1') return false;
  try {
    const { builtAtMs, inputs } = JSON.parse(readFileSync(new URL('dist/cli/inputs.json', root), 'utf8'));
    return inputs.every((file) => statSync(new URL(file, root)).mtimeMs <= builtAtMs);
  } catch {
    return false; // no bundle, or an input gone: the sources are the truth
  }
}

let main;
if (bundleIsCurrent()) {
  ({ main } = await import(new URL('dist/cli/cli.mjs', root).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('electron/cli/main.ts', root).href));
}
process.exitCode = await main(process.argv.slice(2), undefined, { processExits: true });
// The engine left its keep-alive connections open for the exit to end (cheaper than closing each):
// end the process once stdout and stderr have taken everything written to them.
let pending = 2;
const done = () => --pending === 0 && process.exit();
for (const stream of [process.stdout, process.stderr]) {
  if (stream.writableFinished || stream.destroyed) done();
  else stream.write('', done);
}
