// `node scripts/cli-code-cache.cjs BUNDLE OUT`: writes the V8 code cache of the CLI bundle that
// bin/oslc-admin.cjs loads it with (issue 27). Run in a process of its own, by the same Node the
// bin will run on, so that V8's version and flags match (V8 rejects a cache made under others);
// it uses the bin's own wrapper and flags. The module's top level is run first, so the functions
// it calls at load are compiled and cached too; nothing of the CLI runs (main is not called).
'use strict';
const { writeFileSync } = require('node:fs');
const loader = require('../bin/oslc-admin.cjs');

const [bundle, out] = process.argv.slice(2);
if (!bundle || !out) {
  process.stderr.write('usage: node scripts/cli-code-cache.cjs BUNDLE OUT\n');
  process.exit(2);
}
loader.setShortCommandFlags();
const script = loader.compileBundle(undefined, bundle);
loader.runBundle(script, bundle);
writeFileSync(out, script.createCachedData());
