// The streamed consumer-list reader against JSON.parse: the same keys for every document and every
// way of cutting it into chunks, the same refusals, and keys shared across lists (interning).
import { describe, expect, it } from 'vitest';
import {
  ConsumerListReader,
  ConsumerListSyntaxError,
  KeyInterner,
  internerFor,
  keySet,
  listedAs,
  readConsumerList,
} from '../../electron/core/providers/consumer-list.ts';

/** What the list API's JSON.parse-based reading kept: the string keys of the objects of each array. */
function reference(body: string) {
  const d = JSON.parse(body) as Record<string, unknown>;
  const pick = (l: unknown) =>
    Array.isArray(l)
      ? l
          .filter((c): c is { key: string } => typeof c === 'object' && c !== null && typeof c.key === 'string')
          .map((c) => c.key)
      : [];
  return { provisional: pick(d.provisional), approved: pick(d.approved) };
}

function inChunks(body: string, sizes: number[]) {
  const buf = Buffer.from(body, 'utf8');
  const reader = new ConsumerListReader();
  let at = 0;
  for (let i = 0; at < buf.length; i++) {
    const size = sizes[i % sizes.length]!;
    reader.write(buf.subarray(at, at + size));
    at += size;
  }
  return reader.end();
}

const plain = (l: { provisional: readonly string[]; approved: readonly string[] }) => ({
  provisional: [...l.provisional],
  approved: [...l.approved],
});

const DOCS = [
  '{"provisional":[],"approved":[]}\n',
  '{"provisional":[{"name":"a","key":"k1","provisional":true,"trusted":false}],"approved":[{"name":"b","key":"k2","provisional":false,"trusted":true}]}',
  ' { "approved" : [ { "key" : "x" } , { "trusted" : true , "key" : "y" } ] , "provisional" : [ ] } ',
  // Escapes, non-ASCII (multi-byte UTF-8), a key that looks like JSON, the last "key" winning.
  '{"approved":[{"key":"a\\"b\\\\c\\u00e9\\n"},{"key":"é€😀"},{"key":"{\\"key\\":1}"},{"key":"first","key":"last"}]}',
  // Entries without a string key, nested values, other members and sections of the wrong type.
  '{"other":{"approved":[{"key":"no"}]},"approved":[{"name":"n"},{"key":5},{"key":null},{"key":{"key":"deep"}},["key","arr"],"s",1,{"key":"ok","meta":{"key":"inner","list":[{"key":"x"}]}}],"provisional":{"key":"no"}}',
  // A string key replaced by a later non-string one; a section named twice (the last one counts).
  '{"approved":[{"key":"gone","key":7}],"provisional":[{"key":"old"}],"provisional":[{"key":"new"}]}',
  '{"approved":[{"key":"a","n":-1.5e+3,"t":true,"f":false,"z":null,"e":[],"o":{}}],"count":12}',
  '{}',
];

describe('the consumer-list reader', () => {
  it('reads the same keys as JSON.parse, in one chunk and in every cut into two', () => {
    for (const doc of DOCS) {
      expect(plain(readConsumerList(doc)), doc).toEqual(reference(doc));
      const bytes = Buffer.byteLength(doc);
      for (let cut = 1; cut < bytes; cut++)
        expect(plain(inChunks(doc, [cut, bytes])), `${doc} cut ${cut}`).toEqual(reference(doc));
    }
  });

  it('reads a byte at a time, and a 50,000-key list in odd chunk sizes', () => {
    for (const doc of DOCS) expect(plain(inChunks(doc, [1])), doc).toEqual(reference(doc));
    const approved = Array.from({ length: 50_000 }, (_, i) => ({
      name: `consumer ${i} "quoted" \\ é`,
      key: `k-${i.toString(36)}-${'x'.repeat(i % 40)}`,
      provisional: false,
      trusted: i % 2 === 0,
    }));
    const doc = JSON.stringify({
      provisional: [{ name: 'p', key: 'prov-1', provisional: true, trusted: false }],
      approved,
    });
    const read = inChunks(doc, [65_536, 7, 16_384, 1, 3_001]);
    expect(plain(read)).toEqual(reference(doc));
    expect(read.approved).toHaveLength(50_000);
  });

  it('refuses what is not JSON, as JSON.parse does, and says where', () => {
    const bad = [
      '',
      '{"approved":[{"key":"a"}]',
      '{"approved":[{"key":"a"}]}}',
      '{"approved":[{"key" "a"}]}',
      '{"approved":[{"key":"a",}]}',
      '{"approved":[{"key":"a"},]}',
      '{"approved":[{"key":"a\\x"}]}',
      '{"approved":[{"key":"a\u0001"}]}',
      '{"approved":[{"key":tru}]}',
      '{"approved":[{"key":"a"}] "x":1}',
      '<html><body>login</body></html>',
      '{"approved":[{"key":"unterminated}]}',
      '{"a":1}{"b":2}',
    ];
    for (const doc of bad) {
      expect(() => JSON.parse(doc), doc).toThrow();
      expect(() => readConsumerList(doc), doc).toThrow(ConsumerListSyntaxError);
    }
    expect(() => readConsumerList('{"approved":[1 2]}')).toThrow(/at byte 15/);
  });

  it('interns keys, so equal keys read from different lists are one string, and shares equal lists', () => {
    const interner = new KeyInterner();
    const doc = JSON.stringify({ provisional: [], approved: [{ key: 'k1' }, { key: 'k2' }] });
    const other = JSON.stringify({ provisional: [{ key: 'k2' }], approved: [{ key: 'k1' }, { key: 'k3' }] });
    const read = (d: string) => readConsumerList(d, interner);
    const a = read(doc);
    const b = read(doc);
    const c = read(other);
    expect(interner.share(a.approved)).toBe(a.approved);
    expect(interner.share(b.approved)).toBe(a.approved);
    expect(interner.share(c.approved)).toBe(c.approved);
    expect(c.approved).toEqual(['k1', 'k3']);
    expect(listedAs(c, 'k2')).toBe('provisional');
    expect(listedAs(c, 'k3')).toBe('approved');
    expect(listedAs(c, 'k2x')).toBeNull();
    expect(keySet(a.approved)).toBe(keySet(a.approved));
  });

  it("takes the first list's keys as they are and interns later lists against them, a section named twice too", () => {
    const interner = new KeyInterner();
    // The first reader's arrays are indexed only when a later list looks a key up; the first
    // "approved" is emptied by the second (JSON.parse keeps the last), so its keys must not count.
    const first = readConsumerList(
      '{"approved":[{"key":"a"},{"key":"b"},{"key":"c"}],"approved":[{"key":"d"}]}',
      interner,
    );
    expect(first).toEqual({ provisional: [], approved: ['d'] });
    const second = readConsumerList('{"provisional":[{"key":"b"}],"approved":[{"key":"d"},{"key":"e"}]}', interner);
    expect(second).toEqual({ provisional: ['b'], approved: ['d', 'e'] });
    expect(interner.intern(['d'].join(''))).toBe('d');
    const third = readConsumerList('{"approved":[{"key":"e"},{"key":"d"}]}', interner);
    expect(third.approved).toEqual(['e', 'd']);
  });

  it('keeps one interner per client while lists are read, and drops it when the last is done', () => {
    const client = {};
    const first = internerFor(client);
    const second = internerFor(client);
    expect(second.interner).toBe(first.interner);
    first.release();
    first.release(); // twice is once
    expect(internerFor(client).interner).toBe(first.interner);
    second.release();
  });
});
