#!/usr/bin/env node
// The CLI's entry before the bin became CommonJS (bin/oslc-admin.cjs, issue 27). It stays because
// npm keeps the bin links it made: `npx oslc-admin` in a checkout that ran it before the rename
// runs this path from npm's exec cache (~/.npm/_npx/<dir>/node_modules/.bin), and without this
// file answers "not found" (exit 127) until that cache is cleared. It only hands over.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./oslc-admin.cjs').start();
