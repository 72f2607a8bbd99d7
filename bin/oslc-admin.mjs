#!/usr/bin/env node
// Runs the TypeScript CLI straight from source through tsx, so `npx oslc-admin` works right after
// `npm ci` with no build step. The packaged desktop app bundles the same entry instead.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli.ts');
process.exitCode = await main(process.argv.slice(2));
