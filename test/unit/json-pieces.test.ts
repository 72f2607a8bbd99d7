// jsonPieces / writeJsonPieces: joined, exactly JSON.stringify's text, however deep they split.
import { describe, expect, it } from 'vitest';
import { jsonPieces, writeJsonPieces } from '../../shared/json-pieces.ts';

const VALUES: unknown[] = [
  { schemaVersion: 1, cluster: 'c', nodes: [{ id: 'n1', approved: ['a', 'b'], provisional: null, x: undefined }] },
  { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t'), null, 1], e: {}, f: [] },
  {
    date: new Date(0),
    nested: { toJSON: (k: string) => `key:${k}` },
    list: [new Date(1), { toJSON: () => undefined }],
  },
  { quote: 'a"b\\c\n\u2028é😀', n: -0, big: 1e21, nan: NaN, inf: -Infinity, t: true, f: false },
  [[1, [2, [3, [4]]]], 'x', { y: [{}] }],
  'just a string',
  42,
  null,
];

describe('JSON in pieces', () => {
  it('joins to exactly what JSON.stringify gives, at every depth', () => {
    for (const v of VALUES)
      for (const depth of [0, 1, 2, 3, 6])
        expect([...jsonPieces(v, depth)].join(''), `depth ${depth}`).toBe(JSON.stringify(v));
  });

  it('splits the outer levels, so no piece holds more than one node of a large status', () => {
    const node = (i: number) => ({ id: `node${i}`, approved: Array.from({ length: 1000 }, (_, k) => `key-${k}`) });
    const status = { schemaVersion: 1, nodes: Array.from({ length: 64 }, (_, i) => node(i)), drift: [] };
    const whole = JSON.stringify(status);
    const oneNode = JSON.stringify(node(10)).length;
    const written: string[] = [];
    writeJsonPieces(status, 3, (t) => written.push(t), 4096);
    expect(written.join('')).toBe(whole);
    expect(Math.max(...written.map((w) => w.length))).toBeLessThanOrEqual(oneNode + 16);
    expect(written.length).toBeGreaterThan(64);
  });

  it('stringifies an array that many nodes share once, and gives the very same text each time', () => {
    const shared = Array.from({ length: 1000 }, (_, k) => `key-${k}`);
    const status = { nodes: Array.from({ length: 8 }, (_, i) => ({ id: `node${i}`, approved: shared })) };
    const stringify = JSON.stringify;
    let calls = 0;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => {
      if (args[0] === shared) calls++;
      return stringify(...args);
    }) as typeof JSON.stringify;
    let pieces: string[];
    try {
      pieces = [...jsonPieces(status, 3)];
    } finally {
      JSON.stringify = stringify;
    }
    expect(pieces.join('')).toBe(JSON.stringify(status));
    expect(calls).toBe(1);
    const texts = pieces.filter((p) => p.startsWith('["key-0"'));
    expect(texts).toHaveLength(8);
    // Below the size where sharing pays, arrays are written as they are (each its own text).
    const small = ['a', 'b'];
    expect([...jsonPieces({ x: small, y: small }, 1)].join('')).toBe('{"x":["a","b"],"y":["a","b"]}');
  });
});
