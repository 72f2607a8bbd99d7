/**
 * The CLI as the bin runs it (issue 27): one CommonJS bundle, ASCII only, loaded through the V8 code
 * cache the build made beside it; a command still runs when the cache is missing or not V8's to
 * take, and a short command runs under the flags the cache was made with. Uses the built dist/cli
 * (npm test builds first).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LONG_RUNNING } from '../../electron/cli/main.ts';
import { sourceStack } from '../../electron/cli/bundle-stack.ts';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const loader = require('../../bin/oslc-admin.cjs') as {
  BUNDLE: string;
  LONG_RUNNING: Set<string>;
  SHORT_COMMAND_FLAGS: string;
};
const manifest = JSON.parse(readFileSync(join(root, 'dist/cli/inputs.json'), 'utf8')) as {
  codeCache: string;
  codeCacheTrainedOn: string[];
  inputs: string[];
};
const scratch = mkdtempSync(join(tmpdir(), 'oslc-cli-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a script with this Node in a fresh process; its stdout. */
function node(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: root });
}

describe('the CLI bundle and its code cache', () => {
  it('is ASCII only, so the bin reads it as latin1 without changing a character', () => {
    const bytes = readFileSync(loader.BUNDLE);
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('lists the same long-running commands as main.ts (they run without the cache and its flags)', () => {
    expect([...loader.LONG_RUNNING].sort()).toEqual([...LONG_RUNNING].sort());
  });

  it('has a cache that V8 takes under the short commands’ flags, and refuses under others', () => {
    const probe = join(scratch, 'probe.cjs');
    writeFileSync(
      probe,
      `const l = require(${JSON.stringify(join(root, 'bin/oslc-admin.cjs'))});
       if (process.argv[2] === 'short') l.setShortCommandFlags();
       const data = require('node:fs').readFileSync(${JSON.stringify(join(root, 'dist/cli', manifest.codeCache))});
       process.stdout.write(String(l.compileBundle(data).cachedDataRejected));`,
    );
    expect(node([probe, 'short']).stdout).toBe('false');
    expect(node([probe, 'long']).stdout).toBe('true');
  });

  it('runs a command through the bin with the cache, and the same without it', () => {
    const withCache = node([join(root, 'bin/oslc-admin.cjs'), '--version']);
    expect(withCache.status).toBe(0);
    // A copy of the package whose cache is gone, and one whose cache is garbage: both still run.
    for (const damage of ['missing', 'garbage'] as const) {
      const copy = join(scratch, damage);
      cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
      cpSync(join(root, 'dist/cli'), join(copy, 'dist/cli'), { recursive: true });
      const cache = join(copy, 'dist/cli', manifest.codeCache);
      if (damage === 'missing') rmSync(cache);
      else writeFileSync(cache, Buffer.alloc(4096, 7));
      // The copy has no sources beside it: the bundle counts as current when its inputs are not there
      // to be newer, so the manifest is given no inputs.
      const m = JSON.parse(readFileSync(join(copy, 'dist/cli/inputs.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(copy, 'dist/cli/inputs.json'), JSON.stringify({ ...m, inputs: [] }));
      const r = node([join(copy, 'bin/oslc-admin.cjs'), '--version']);
      expect(r.stderr, damage).toBe('');
      expect(r.stdout, damage).toBe(withCache.stdout);
      const bad = node([join(copy, 'bin/oslc-admin.cjs'), 'status', 'nosuch', '--home', join(scratch, 'home')]);
      expect(bad.status, damage).toBe(2);
      expect(bad.stderr, damage).toMatch(/CLUSTER_NOT_FOUND/);
    }
  });

  it('has a cache trained on status and sync: their functions are in it, not only the top level', () => {
    expect(manifest.codeCacheTrainedOn).toEqual(expect.arrayContaining(['sync train', 'status train']));
    // The cache of the top level alone, made as the build made it before it trained one.
    const untrained = join(scratch, 'untrained.cache');
    const made = node([
      '-e',
      `const l = require(${JSON.stringify(join(root, 'bin/oslc-admin.cjs'))});
       l.setShortCommandFlags();
       const s = l.compileBundle(undefined);
       l.runBundle(s);
       require('node:fs').writeFileSync(${JSON.stringify(untrained)}, s.createCachedData());`,
    ]);
    expect(made.status, made.stderr).toBe(0);
    const trainedBytes = readFileSync(join(root, 'dist/cli', manifest.codeCache)).length;
    expect(trainedBytes).toBeGreaterThan(1.5 * readFileSync(untrained).length);
  });

  it('puts a frame of the minified bundle back as its source file and line, through the map beside it', () => {
    const text = readFileSync(loader.BUNDLE, 'latin1');
    expect(text).not.toContain('function writeInternalError(');
    const at = text.indexOf('(a fault of oslc-admin itself');
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const source = readFileSync(join(root, 'electron/cli/main.ts'), 'utf8').split('\n');
    const sourceLine = source.findIndex((l) => l.includes('(a fault of oslc-admin itself')) + 1;
    const stack = `Error: x\n    at Xe (${loader.BUNDLE}:${line}:${column})\n    at async ${loader.BUNDLE}:${line}:${column}\n    at Array.map (<anonymous>)`;
    const mapped = sourceStack(stack).split('\n');
    expect(mapped[1]).toMatch(new RegExp(`^    at Xe \\(electron/cli/main\\.ts:${sourceLine}:\\d+\\)$`));
    expect(mapped[2]).toMatch(new RegExp(`^    at async electron/cli/main\\.ts:${sourceLine}:\\d+$`));
    expect(mapped[3]).toBe('    at Array.map (<anonymous>)');
    // A bundle with no map beside it (a copy): its frames stay as they were.
    const copy = join(scratch, 'nomap', 'cli.cjs');
    cpSync(loader.BUNDLE, copy);
    const unmapped = `    at Xe (${copy}:${line}:${column})`;
    expect(sourceStack(unmapped)).toBe(unmapped);
  });
});
