/**
 * Property tests (fast-check) of config import (electron/core/config/cluster-file.ts and the
 * store): any valid definition exports and imports back to itself (secrets flag aside); any text or
 * bytes whatever, and any export with one field replaced by a random JSON value, either imports as
 * a valid definition or is refused with BAD_INPUT naming a field — never another error, never a
 * definition that fails the store's own schema.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { CONTROL_OR_BIDI, clusterDefinitionSchema, clusterFromInput } from '../../shared/schema.ts';
import { CLUSTER_KINDS } from '../../shared/model.ts';
import { decodeClusterExport, encodeClusterExport } from '../../electron/core/config/cluster-file.ts';

const ident = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/);
const label = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => {
  const t = s.trim();
  return t.length > 0 && t === s && !CONTROL_OR_BIDI.test(s);
});
const port = fc.integer({ min: 1, max: 65535 });
const definition = fc
  .record({
    name: ident,
    kind: fc.constantFrom(...CLUSTER_KINDS),
    balancerPort: port,
    ports: fc.uniqueArray(port, { minLength: 1, maxLength: 6 }),
    https: fc.boolean(),
    repo: label,
    db: label,
    adminUser: fc.option(label, { nil: null }),
    consumers: fc.uniqueArray(fc.record({ key: ident, name: label }), { maxLength: 5, selector: (c) => c.key }),
    connectMs: fc.integer({ min: 100, max: 120_000 }),
    totalMs: fc.integer({ min: 100, max: 600_000 }),
    maxResponseBytes: fc.integer({ min: 1024, max: 64 * 1024 * 1024 }),
  })
  .map((r) => {
    const scheme = r.https ? 'https' : 'http';
    const def = clusterFromInput({
      name: r.name,
      kind: r.kind,
      balancerUrl: `${scheme}://127.0.0.1:${r.balancerPort}`,
      nodes: r.ports.map((p) => ({ url: `${scheme}://127.0.0.1:${p}` })),
      repo: r.repo,
      db: r.db,
      caPem: null,
      timeouts: { connectMs: r.connectMs, totalMs: r.totalMs },
      maxResponseBytes: r.maxResponseBytes,
    });
    return {
      ...def,
      adminUser: r.adminUser,
      consumers: r.consumers.map((c) => ({ ...c, hasSecret: false })),
    };
  });

function refusedAsBadInput(run: () => unknown): void {
  try {
    const def = run();
    expect(clusterDefinitionSchema.safeParse(def).success).toBe(true);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('BAD_INPUT');
    expect(typeof (e as AppError).details?.field).toBe('string');
  }
}

describe('config import (properties)', () => {
  it('export → import gives the same definition back', () => {
    fc.assert(
      fc.property(definition, (def) => {
        expect(decodeClusterExport(encodeClusterExport(def))).toEqual(def);
      }),
      { numRuns: 200 },
    );
  });

  it('any text or bytes: a valid definition or BAD_INPUT naming a field, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json(), fc.uint8Array({ maxLength: 300 })),
        (input) => {
          refusedAsBadInput(() => decodeClusterExport(input));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('an export with one field replaced by any JSON value: a valid definition or BAD_INPUT', () => {
    fc.assert(
      fc.property(definition, fc.nat(), fc.jsonValue(), (def, which, value) => {
        const doc = JSON.parse(encodeClusterExport(def)) as { cluster: Record<string, unknown> };
        const keys = Object.keys(doc.cluster);
        doc.cluster[keys[which % keys.length]!] = value;
        refusedAsBadInput(() => decodeClusterExport(JSON.stringify(doc)));
      }),
      { numRuns: 300 },
    );
  });

  it('a rename to any string: the definition under that name, or BAD_INPUT', () => {
    fc.assert(
      fc.property(definition, fc.string({ maxLength: 80 }), (def, rename) => {
        refusedAsBadInput(() => decodeClusterExport(encodeClusterExport(def), { rename }));
      }),
      { numRuns: 200 },
    );
  });
});
