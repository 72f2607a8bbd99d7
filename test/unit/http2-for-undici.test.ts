/**
 * The CLI bundles give undici's client-h2.js a stand-in for node:http2 (issue 27): its constants must
 * be node:http2's, and client-h2.js must read no constant the stand-in lacks.
 */
import { constants } from 'node:http2';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const standIn = require('../../electron/core/http/http2-for-undici.cjs') as {
  constants: Record<string, unknown>;
  connect: unknown;
};

describe("the CLI bundles' node:http2 for undici", () => {
  it('has the values node:http2 has', () => {
    for (const [name, value] of Object.entries(standIn.constants))
      expect(value, name).toBe((constants as Record<string, unknown>)[name]);
    expect(typeof standIn.connect).toBe('function');
  });

  it('holds every constant undici’s HTTP/2 client reads when it loads', () => {
    const source = readFileSync(require.resolve('undici/lib/dispatcher/client-h2.js'), 'utf8');
    const block = /const \{\s*constants: \{([^}]*)\}\s*\} = http2/.exec(source);
    expect(block, 'client-h2.js no longer destructures http2.constants: check the stand-in').not.toBeNull();
    const read = block![1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(read.length).toBeGreaterThan(0);
    expect(Object.keys(standIn.constants).sort()).toEqual([...read].sort());
    // And nothing else of node:http2 at load: only connect, inside a function.
    const uses = [...source.matchAll(/http2\.(\w+)/g)].map((m) => m[1]);
    expect([...new Set(uses)]).toEqual(['connect']);
  });
});
