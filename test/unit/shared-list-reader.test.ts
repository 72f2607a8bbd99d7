/**
 * SharedListReader (issue 27): lists read at the same time share the work where their bytes are the
 * same, and every reader's answer is still exactly what its own bytes say (ConsumerListReader's).
 */
import { describe, expect, it } from 'vitest';
import {
  ConsumerListReader,
  ConsumerListSyntaxError,
  KeyInterner,
  MAX_SHARED_DOCUMENTS,
  SharedListReader,
} from '../../electron/core/providers/consumer-list.ts';
import type { KeyList } from '../../electron/core/providers/consumer-list.ts';

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function doc(approved: number, provisional: string[] = [], extra = ''): string {
  const entry = (k: string) => `{"key":"${k}","name":"Consumer ${k}","trusted":false${extra}}`;
  const keys = Array.from({ length: approved }, (_, i) => `key-${String(i).padStart(5, '0')}`);
  return `{"provisional":[${provisional.map(entry).join(',')}],"approved":[${keys.map(entry).join(',')}]}\n`;
}

const alone = (text: string | Buffer): KeyList => {
  const r = new ConsumerListReader();
  r.write(Buffer.isBuffer(text) ? text : Buffer.from(text));
  return r.end();
};

const plain = (l: KeyList) => ({ provisional: [...l.provisional], approved: [...l.approved] });

/** Feeds every body to its reader in random chunks, interleaved at random; then ends them all. */
async function readAll(bodies: Buffer[], seed: number, interner = new KeyInterner()) {
  const next = random(seed);
  const readers = bodies.map((b) => new SharedListReader(interner, b.length));
  const at = bodies.map(() => 0);
  for (;;) {
    const open = bodies.map((b, i) => i).filter((i) => at[i]! < bodies[i]!.length);
    if (open.length === 0) break;
    const i = open[Math.floor(next() * open.length)]!;
    const n = 1 + Math.floor(next() * 4096);
    readers[i]!.write(bodies[i]!.subarray(at[i], at[i]! + n));
    at[i]! += n;
  }
  const results = await Promise.allSettled(readers.map((r) => r.end()));
  return { results, interner };
}

describe('lists read at the same time', () => {
  it('identical lists are parsed once and all give the same arrays', async () => {
    const body = Buffer.from(doc(3000));
    for (const seed of [1, 2, 3]) {
      const { results, interner } = await readAll(
        Array.from({ length: 16 }, () => body),
        seed,
      );
      const lists = results.map((r) => (r as PromiseFulfilledResult<KeyList>).value);
      expect(plain(lists[0]!)).toEqual(plain(alone(body)));
      expect(interner.documents).toHaveLength(1);
      for (const l of lists) expect(l.approved).toBe(lists[0]!.approved);
    }
  });

  it('every reader gets its own bytes’ answer when lists differ (a provisional key, a key more or less)', async () => {
    const variants = [
      doc(500),
      doc(500, ['prov-1']),
      doc(501),
      doc(499),
      doc(500, [], ',"extra":1'),
      `${doc(500).trimEnd()}   \n`,
    ];
    for (const seed of [7, 8, 9, 10]) {
      const pick = random(seed * 31);
      const bodies = Array.from({ length: 24 }, () => Buffer.from(variants[Math.floor(pick() * variants.length)]!));
      const { results, interner } = await readAll(bodies, seed);
      results.forEach((r, i) => {
        expect(r.status).toBe('fulfilled');
        expect(plain((r as PromiseFulfilledResult<KeyList>).value)).toEqual(plain(alone(bodies[i]!)));
      });
      expect(interner.documents.length).toBeLessThanOrEqual(MAX_SHARED_DOCUMENTS);
    }
  });

  it('a list that is not JSON fails for every reader holding it, and only for them', async () => {
    const bad = Buffer.from(doc(200).replace('"approved":[', '"approved":[1 2,'));
    const good = Buffer.from(doc(200));
    const { results } = await readAll([bad, good, bad, good, bad], 5);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConsumerListSyntaxError);
  });

  it("a reader whose read failed half-way leaves the others' answers right", async () => {
    const interner = new KeyInterner();
    const body = Buffer.from(doc(1000));
    const failed = new SharedListReader(interner, body.length);
    const others = [1, 2, 3].map(() => new SharedListReader(interner, body.length));
    failed.write(body.subarray(0, 20_000)); // then its connection dropped: never ended
    for (const r of others) r.write(body);
    for (const l of await Promise.all(others.map((r) => r.end()))) expect(plain(l)).toEqual(plain(alone(body)));
    expect(interner.documents).toHaveLength(1);
  });

  it('whichever reader is ahead adds its bytes to the document: none waits, none is parsed twice', async () => {
    const interner = new KeyInterner();
    const body = Buffer.from(doc(20_000)); // ~1 MB
    const slow = new SharedListReader(interner, body.length);
    slow.write(body.subarray(0, 100));
    const fast = new SharedListReader(interner, body.length);
    fast.write(body); // all of it, while the first has sent 100 bytes
    // Its answer needs nothing more from the slow one: it settles before a timer of 0 ms fires.
    const ended = fast.end();
    const first = await Promise.race([ended.then(() => 'answered'), new Promise((r) => setTimeout(r, 0, 'waiting'))]);
    expect(first).toBe('answered');
    const fastList = await ended;
    slow.write(body.subarray(100));
    const slowList = await slow.end();
    expect(plain(fastList)).toEqual(plain(alone(body)));
    expect(slowList.approved).toBe(fastList.approved);
    expect(interner.documents).toHaveLength(1);
  });

  it('a reader longer or shorter than a document that ended gets its own answer', async () => {
    const interner = new KeyInterner();
    const short = Buffer.from(doc(300));
    const long = Buffer.from(`${doc(300).trimEnd()}   \n`); // the same document, more whitespace after
    const truncated = short.subarray(0, short.length - 10);
    const a = new SharedListReader(interner, short.length);
    a.write(short);
    const aList = await a.end();
    const b = new SharedListReader(interner, long.length);
    b.write(long);
    const c = new SharedListReader(interner, truncated.length);
    c.write(truncated);
    expect(plain(await b.end())).toEqual(plain(aList));
    await expect(c.end()).rejects.toBeInstanceOf(ConsumerListSyntaxError);
    expect(plain(aList)).toEqual(plain(alone(short)));
  });

  it('an empty answer is refused as ConsumerListReader refuses it', async () => {
    const r = new SharedListReader(new KeyInterner());
    await expect(r.end()).rejects.toBeInstanceOf(ConsumerListSyntaxError);
  });
});
