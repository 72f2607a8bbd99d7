/**
 * JSON.stringify's text in pieces: the outer objects and arrays member by member, each deeper value
 * by JSON.stringify itself. A status of 64 nodes × 50,000 keys is about 130 MB of JSON: as one string
 * (then one buffer to write it) it alone would pass the CLI's memory target; in pieces, the largest
 * held at once is one node. Joined, the pieces are exactly JSON.stringify(value) (no indentation).
 *
 * By hand because streaming stringifiers (@discoveryjs/json-ext, json-stream-stringify) walk every
 * value in JavaScript: 3.2 million key strings cost them seconds that JSON.stringify of each node does
 * natively in a fraction of that.
 */

/** A value as JSON.stringify sees it after `toJSON` (Dates and the like). */
function jsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  return value;
}

/** Arrays at least this long are stringified once per write, however many places hold them. */
const LARGE_ARRAY = 256;

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * Yields the JSON text of `value` in pieces, splitting objects and arrays down to `depth` levels
 * (0: one piece). `value` must be something JSON.stringify turns into text (not undefined alone).
 */
export function* jsonPieces(
  value: unknown,
  depth: number,
  key = '',
  /** The text of each large array written already, by identity (see {@link LARGE_ARRAY}). */
  written: WeakMap<object, string> = new WeakMap(),
): Generator<string> {
  const v = jsonValue(value, key);
  if (depth <= 0 || v === null || typeof v !== 'object') {
    if (Array.isArray(v) && v.length >= LARGE_ARRAY) {
      // Nodes that list the same keys share one array (consumer-list.ts): its text is made once, not
      // 64 times (3.2 million keys at 64 nodes × 50,000). JSON.stringify gives a long text as a rope
      // that the CLI's output escaping copies flat on its first scan (~400 ms for 125 MB here): the
      // same string is flat from then on, for every node that holds the array.
      let text = written.get(v);
      if (text === undefined) written.set(v, (text = JSON.stringify(v)));
      yield text;
      return;
    }
    yield JSON.stringify(v) ?? 'null';
    return;
  }
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) yield ',';
      const item = jsonValue(v[i], String(i));
      if (omitted(item)) yield 'null';
      else yield* jsonPieces(item, depth - 1, String(i), written);
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const k of Object.keys(v)) {
    const item = jsonValue((v as Record<string, unknown>)[k], k);
    if (omitted(item)) continue;
    yield `${first ? '' : ','}${JSON.stringify(k)}:`;
    first = false;
    yield* jsonPieces(item, depth - 1, k, written);
  }
  yield '}';
}

/** Writes `value` as JSON through `write`, in pieces of about `chunkChars` (small pieces joined first). */
export function writeJsonPieces(value: unknown, depth: number, write: (text: string) => void, chunkChars = 1 << 16) {
  let pending = '';
  for (const piece of jsonPieces(value, depth)) {
    if (pending.length + piece.length < chunkChars) {
      pending += piece;
      continue;
    }
    if (pending) write(pending);
    pending = '';
    if (piece.length >= chunkChars) write(piece);
    else pending = piece;
  }
  if (pending) write(pending);
}
