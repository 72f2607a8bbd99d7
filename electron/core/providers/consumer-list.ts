/**
 * A node's consumer list (`GET /oauth/consumers`, Lyo's shape `{"provisional": [...], "approved": [...]}`)
 * read as it streams in, keeping only each entry's key: at 50,000 keys a list is about 5.7 MB, and 64
 * nodes answer at once. Held whole and parsed with JSON.parse, the 64 bodies (as buffers, then strings,
 * then 50,000 objects each) would need over 1 GB and seconds of CPU; read here, a node's list costs its
 * key array, and a key listed by every node is one string, shared (interned), not 64 copies.
 *
 * Written by hand, not with a streaming JSON library (stream-json, @streamparser/json, clarinet): those
 * emit an event per token (about 500,000 per list here) and build every value; this keeps only the
 * strings it needs and skips the rest of each string in a tight loop. It still checks the
 * document's structure (brackets, commas, colons, strings, scalars), so an answer that is not JSON is
 * refused, as JSON.parse would refuse it; only the strings it skips are not checked for raw control
 * characters and escapes.
 */

/** A node's keys as its list API shows them, in its order. Never a secret, nor a name. */
export interface KeyList {
  provisional: readonly string[];
  approved: readonly string[];
}

const EMPTY: readonly string[] = Object.freeze([]);

/** What a key is in a node's list: `provisional`, `approved`, or null when the list does not hold it. */
export function listedAs(list: KeyList, key: string): 'provisional' | 'approved' | null {
  if (keySet(list.provisional).has(key)) return 'provisional';
  if (keySet(list.approved).has(key)) return 'approved';
  return null;
}

/** {@link listedAs} for one key of a list read once: a search, where a set would cost more than it saves. */
export function listedOnce(list: KeyList, key: string): 'provisional' | 'approved' | null {
  if (list.provisional.includes(key)) return 'provisional';
  if (list.approved.includes(key)) return 'approved';
  return null;
}

const sets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * The keys of an array as a set, made once per array: nodes whose lists are equal share one array
 * ({@link KeyInterner.share}), so 64 nodes × 50,000 keys cost one set of 50,000, not 64. The arrays are
 * never changed once read (callers only read them), which is what makes caching by identity safe.
 */
export function keySet(keys: readonly string[]): ReadonlySet<string> {
  let s = sets.get(keys);
  if (!s) sets.set(keys, (s = new Set(keys)));
  return s;
}

/**
 * One table of the key strings (and key arrays) read while lists are being read at once, so that
 * what every node lists is held once. It lives while at least one list of its client is being read
 * ({@link internerFor}); then it is dropped, so a long-running engine keeps no keys that were deleted.
 */
export class KeyInterner {
  readonly #strings = new Map<string, string>();
  /** Arrays read whole, by length: a node whose list equals one of them gets that array. */
  readonly #arrays = new Map<number, (readonly string[])[]>();
  /** The documents being read (or read) that the lists of this read are compared with ({@link SharedListReader}). */
  readonly documents: SharedDocument[] = [];
  users = 0;
  /**
   * The longest approved list being read or read: lists of nodes that loaded the same registry come in
   * the same order, so a reader behind it finds its next key at the same place, compared as bytes,
   * with no string made and no lookup.
   */
  hint: readonly string[] = EMPTY;

  /**
   * Key arrays of this interner's first reader, still being filled: their strings are the interned
   * ones, put in the table only when another reader looks a string up (nearly always never: the
   * other nodes' lists are compared with the first, not read; 50,000 insertions cost ~10 ms).
   * Interning saves memory only: strings compare by value, so a string not shared is never wrong.
   */
  readonly #unindexed: { keys: readonly string[]; indexed: number }[] = [];
  #readers = 0;

  /** Called by each reader made with this interner: true for the first, whose keys need no lookup. */
  firstReader(): boolean {
    return this.#readers++ === 0;
  }

  /** The first reader's arrays (see {@link firstReader}): their strings count as interned. */
  adopt(keys: readonly string[]): void {
    this.#unindexed.push({ keys, indexed: 0 });
  }

  intern(s: string): string {
    if (this.#unindexed.length > 0) this.#index();
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    this.#strings.set(s, s);
    return s;
  }

  #index(): void {
    for (const u of this.#unindexed) {
      // A section named twice empties its array (JSON.parse keeps the last): index it again from there.
      if (u.indexed > u.keys.length) u.indexed = u.keys.length;
      for (; u.indexed < u.keys.length; u.indexed++) {
        const k = u.keys[u.indexed]!;
        if (!this.#strings.has(k)) this.#strings.set(k, k);
      }
    }
  }

  /** An earlier array equal to `keys` (same interned strings, same order), else `keys`, kept for the next. */
  share(keys: readonly string[]): readonly string[] {
    if (keys.length === 0) return EMPTY;
    const same = this.#arrays.get(keys.length) ?? [];
    for (const earlier of same) {
      let i = 0;
      // Interned: equal keys are the same string, so this compares pointers.
      while (i < keys.length && earlier[i] === keys[i]) i++;
      if (i === keys.length) return earlier;
    }
    // A few distinct lists of one length are kept; more would cost more comparisons than they save.
    if (same.length < 4) this.#arrays.set(keys.length, [...same, keys]);
    return keys;
  }
}

const interners = new WeakMap<object, KeyInterner>();

/** The interner shared by the lists of `owner` (an HTTP client) read at the same time; call `release` after. */
export function internerFor(owner: object): { interner: KeyInterner; release: () => void } {
  let interner = interners.get(owner);
  if (!interner) interners.set(owner, (interner = new KeyInterner()));
  interner.users++;
  let released = false;
  return {
    interner,
    release() {
      if (released) return;
      released = true;
      if (--interner.users === 0 && interners.get(owner) === interner) interners.delete(owner);
    },
  };
}

/** Why a list could not be read, in words for an error message. */
export class ConsumerListSyntaxError extends Error {}

const enum C {
  QUOTE = 0x22,
  BACKSLASH = 0x5c,
  OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  OPEN_ARRAY = 0x5b,
  CLOSE_ARRAY = 0x5d,
  COLON = 0x3a,
  COMMA = 0x2c,
}

/** What the parser expects next in the innermost container. */
const enum Want {
  /** A value (the document itself, an array element, an object member's value). */
  VALUE,
  /** A value or `]` (just after `[`). */
  VALUE_OR_CLOSE,
  /** A member name or `}` (just after `{`). */
  NAME_OR_CLOSE,
  /** A member name (after `,` in an object). */
  NAME,
  COLON,
  /** `,` or the container's close. */
  COMMA_OR_CLOSE,
  /** Nothing but whitespace (after the document). */
  END,
}

/** Whether bytes `start`–`end` of `b` are the ASCII string `s` (a key read before: valid already). */
function sameAscii(b: Buffer, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x80 || b[start + j] !== c) return false;
  }
  return true;
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Bytes a number or `true`/`false`/`null` is made of; checked as a whole when it ends. */
const isScalarByte = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x45;
const SCALAR = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

/**
 * Reads one consumer list as its chunks arrive (`write`), then `end()` gives its keys. The keys are
 * those of the objects in the top-level `provisional` and `approved` arrays whose `key` is a string
 * (the last `key` of an object wins, as with JSON.parse); anything else in the document is checked
 * for syntax and skipped. A syntax error is kept and thrown by `end()`; `write` never throws, so the
 * HTTP client can call it from its socket callbacks.
 */
export class ConsumerListReader {
  readonly #interner: KeyInterner | null;
  /** Container kinds, innermost last: true for an object. */
  readonly #stack: boolean[] = [];
  #want: Want = Want.VALUE;
  /** The top-level member whose value is being read (depth 1), or null. */
  #section: 'provisional' | 'approved' | null = null;
  /** Inside a section's element object: the member being read is `key`. */
  #memberIsKey = false;
  /** The current element's key, committed when the element object closes. */
  #elementKey: string | null = null;
  /** The element's key is a string of the interner already (found at its place in the hint). */
  #elementKeyInterned = false;
  /** Set while a string is open across chunks, with what it is for. */
  #string: { parts: Buffer[]; escaped: boolean; role: 'name' | 'value' } | null = null;
  /** After a backslash at a chunk's end, the next byte is escaped. */
  #escapeNext = false;
  #scalar = '';
  readonly #provisional: string[] = [];
  readonly #approved: string[] = [];
  #error: string | null = null;
  #bytes = 0;

  /** The interner's first reader: its keys are taken as they are (see {@link KeyInterner.firstReader}). */
  readonly #first: boolean;

  constructor(interner: KeyInterner | null = null) {
    this.#interner = interner;
    this.#first = interner?.firstReader() ?? false;
    if (this.#first) {
      interner!.adopt(this.#provisional);
      interner!.adopt(this.#approved);
    }
  }

  write(chunk: Buffer): void {
    if (this.#error !== null) return;
    try {
      this.#scan(chunk);
      this.#bytes += chunk.length;
    } catch (e) {
      this.#error = e instanceof ConsumerListSyntaxError ? e.message : String(e);
    }
  }

  /** The keys read, or throws {@link ConsumerListSyntaxError} when the document was not well-formed JSON. */
  end(): KeyList {
    if (this.#error === null) {
      if (this.#scalar !== '') this.#endScalar();
      if (this.#string || this.#stack.length > 0 || this.#want !== Want.END)
        this.#error = `the document ends early (after ${this.#bytes} bytes)`;
    }
    if (this.#error !== null) throw new ConsumerListSyntaxError(this.#error);
    return { provisional: this.#provisional, approved: this.#approved };
  }

  #fail(what: string, at: number): never {
    throw new ConsumerListSyntaxError(`${what} at byte ${this.#bytes + at}`);
  }

  #scan(b: Buffer): void {
    let i = 0;
    const n = b.length;
    if (this.#string) i = this.#continueString(b, 0);
    else if (this.#scalar !== '') i = this.#continueScalar(b, 0);
    while (i < n) {
      const c = b[i]!;
      if (isSpace(c)) {
        i++;
        continue;
      }
      const want = this.#want;
      if (c === C.QUOTE) {
        const role = want === Want.NAME || want === Want.NAME_OR_CLOSE ? 'name' : 'value';
        if (role === 'value' && want !== Want.VALUE && want !== Want.VALUE_OR_CLOSE) this.#fail('unexpected string', i);
        // A plain loop, not Buffer.indexOf: the strings here are short, and a native call per string
        // costs more than reading its few bytes.
        let close = i + 1;
        let c2 = 0;
        while (close < n && (c2 = b[close]!) !== C.QUOTE && c2 !== C.BACKSLASH) close++;
        if (close < n && c2 === C.QUOTE) {
          this.#stringDone(role, b, i + 1, close, false);
          i = close + 1;
          continue;
        }
        // An escape inside, or a string that goes on in the next chunk: the careful path.
        this.#string = { parts: [], escaped: false, role };
        this.#escapeNext = false;
        i = this.#continueString(b, i + 1);
        continue;
      }
      switch (c) {
        case C.OPEN_OBJECT:
        case C.OPEN_ARRAY:
          if (want !== Want.VALUE && want !== Want.VALUE_OR_CLOSE)
            this.#fail(`unexpected "${String.fromCharCode(c)}"`, i);
          this.#open(c === C.OPEN_OBJECT);
          break;
        case C.CLOSE_OBJECT:
        case C.CLOSE_ARRAY: {
          const object = c === C.CLOSE_OBJECT;
          const top = this.#stack.at(-1);
          const may = object ? want === Want.NAME_OR_CLOSE : want === Want.VALUE_OR_CLOSE;
          if (top !== object || !(may || want === Want.COMMA_OR_CLOSE))
            this.#fail(`unexpected "${String.fromCharCode(c)}"`, i);
          this.#close(object);
          break;
        }
        case C.COLON:
          if (want !== Want.COLON) this.#fail('unexpected ":"', i);
          this.#want = Want.VALUE;
          break;
        case C.COMMA:
          if (want !== Want.COMMA_OR_CLOSE) this.#fail('unexpected ","', i);
          this.#want = this.#stack.at(-1) ? Want.NAME : Want.VALUE;
          if (this.#stack.length === 3) this.#memberIsKey = false;
          break;
        default:
          if (!isScalarByte(c) || (want !== Want.VALUE && want !== Want.VALUE_OR_CLOSE))
            this.#fail(`unexpected byte 0x${c.toString(16)}`, i);
          i = this.#continueScalar(b, i);
          continue;
      }
      i++;
    }
  }

  #open(object: boolean): void {
    const depth = this.#stack.length;
    // A container as an entry's "key" is not a string key: JSON.parse's last "key" would not be one.
    if (depth === 3 && this.#memberIsKey) this.#elementKey = null;
    this.#memberIsKey = false;
    if (depth === 2 && object) this.#elementKey = null;
    this.#stack.push(object);
    this.#want = object ? Want.NAME_OR_CLOSE : Want.VALUE_OR_CLOSE;
    // Anything but an array as a section's value is not a list (JSON.parse and a pick would skip it).
    if (depth === 1 && object) this.#section = null;
  }

  #close(object: boolean): void {
    this.#stack.pop();
    const depth = this.#stack.length;
    if (object && depth === 2 && this.#section !== null && this.#elementKey !== null) {
      const key =
        this.#interner && !this.#elementKeyInterned && !this.#first
          ? this.#interner.intern(this.#elementKey)
          : this.#elementKey;
      if (this.#section === 'provisional') this.#provisional.push(key);
      else {
        this.#approved.push(key);
        const interner = this.#interner;
        if (interner && this.#approved.length > interner.hint.length) interner.hint = this.#approved;
      }
      this.#elementKey = null;
    }
    if (depth === 1) this.#section = null;
    this.#afterValue();
  }

  #afterValue(): void {
    this.#want = this.#stack.length === 0 ? Want.END : Want.COMMA_OR_CLOSE;
  }

  #stringDone(role: 'name' | 'value', b: Buffer, start: number, end: number, escaped: boolean): void {
    const depth = this.#stack.length;
    if (role === 'name' && depth === 3 && !escaped && this.#section !== null) {
      // An entry's member name: only whether it is "key" matters, compared as bytes.
      this.#memberIsKey = end - start === 3 && b[start] === 0x6b && b[start + 1] === 0x65 && b[start + 2] === 0x79;
      this.#want = Want.COLON;
      return;
    }
    if (role === 'value' && depth === 3 && this.#memberIsKey && !escaped && this.#section === 'approved') {
      const hinted = this.#interner?.hint[this.#approved.length];
      if (hinted !== undefined && sameAscii(b, start, end, hinted)) {
        this.#elementKey = hinted;
        this.#elementKeyInterned = true;
        this.#memberIsKey = false;
        this.#afterValue();
        return;
      }
    }
    // Only three strings matter: a section's name, an entry's "key" name and its value.
    const wanted =
      role === 'name' ? depth === 1 || (depth === 3 && this.#section !== null) : depth === 3 && this.#memberIsKey;
    if (wanted) this.#gotString(role, this.#decode(b, start, end, escaped));
    else if (escaped) this.#decode(b, start, end, true); // checks the escapes
    if (role === 'value' && depth === 1) this.#section = null;
    if (role === 'value' && depth === 3) this.#memberIsKey = false;
    if (role === 'name') this.#want = Want.COLON;
    else this.#afterValue();
  }

  #gotString(role: 'name' | 'value', s: string): void {
    const depth = this.#stack.length;
    if (role === 'name') {
      if (depth === 1) {
        this.#section = s === 'provisional' || s === 'approved' ? s : null;
        // A member named twice: JSON.parse keeps the last one.
        if (this.#section !== null) (this.#section === 'provisional' ? this.#provisional : this.#approved).length = 0;
      } else this.#memberIsKey = s === 'key';
      return;
    }
    // A string value of an entry's "key" member.
    this.#elementKey = s;
    this.#elementKeyInterned = false;
    this.#memberIsKey = false;
  }

  /** Bytes `start`–`end` of `b` as a string (read in place: no view made, one per key at 50,000 keys). */
  #decode(b: Buffer, start: number, end: number, escaped: boolean): string {
    if (!escaped) {
      // JSON forbids raw control characters in strings, as JSON.parse does.
      let ascii = true;
      for (let j = start; j < end; j++) {
        const c = b[j]!;
        if (c < 0x20) this.#fail('a control character in a string', 0);
        if (c >= 0x80) ascii = false;
      }
      // ASCII (every key seen so far) is the same text in latin1, which V8 copies without decoding.
      return b.toString(ascii ? 'latin1' : 'utf8', start, end);
    }
    try {
      return JSON.parse(`"${b.toString('utf8', start, end)}"`) as string;
    } catch {
      this.#fail('a malformed string escape', 0);
    }
  }

  /** Reads on inside an open string from `i`; returns where scanning goes on. */
  #continueString(b: Buffer, i: number): number {
    const s = this.#string!;
    let j = i;
    while (j < b.length) {
      const c = b[j]!;
      if (this.#escapeNext) this.#escapeNext = false;
      else if (c === C.BACKSLASH) {
        this.#escapeNext = true;
        s.escaped = true;
      } else if (c === C.QUOTE) {
        s.parts.push(b.subarray(i, j));
        this.#string = null;
        const whole = s.parts.length === 1 ? s.parts[0]! : Buffer.concat(s.parts);
        this.#stringDone(s.role, whole, 0, whole.length, s.escaped);
        return j + 1;
      }
      j++;
    }
    // The string goes on in the next chunk: copied, in case the caller reuses this chunk's memory.
    s.parts.push(Buffer.from(b.subarray(i)));
    return b.length;
  }

  #continueScalar(b: Buffer, i: number): number {
    let j = i;
    while (j < b.length && isScalarByte(b[j]!)) j++;
    if (j < b.length && this.#scalar === '') {
      // Whole in this chunk (nearly always): true/false/null compared as bytes, without a string.
      const c = b[i]!;
      const len = j - i;
      const literal =
        c === 0x74
          ? len === 4 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 // true
          : c === 0x66
            ? len === 5 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 // false
            : c === 0x6e
              ? len === 4 && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c // null
              : null;
      if (literal === false) this.#fail(`"${b.toString('latin1', i, Math.min(j, i + 20))}" is not a JSON value`, i);
      if (literal === null) this.#scalar = b.toString('latin1', i, j);
      this.#endScalar();
      return j;
    }
    this.#scalar += b.toString('latin1', i, j);
    if (j < b.length) this.#endScalar();
    return j;
  }

  #endScalar(): void {
    if (this.#scalar !== '' && !SCALAR.test(this.#scalar))
      this.#fail(`"${this.#scalar.slice(0, 20)}" is not a JSON value`, 0);
    this.#scalar = '';
    if (this.#stack.length === 3 && this.#memberIsKey) this.#elementKey = null;
    if (this.#stack.length === 3) this.#memberIsKey = false;
    if (this.#stack.length === 1) this.#section = null;
    this.#afterValue();
  }
}

/** A whole consumer list, read at once (what the streamed reading gives, for a body already in hand). */
export function readConsumerList(body: string | Buffer, interner?: KeyInterner): KeyList {
  const reader = new ConsumerListReader(interner ?? null);
  reader.write(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return reader.end();
}

/** How many documents one read shares at most (nodes whose lists differ); a node past them parses its own. */
export const MAX_SHARED_DOCUMENTS = 3;

/**
 * One document that several nodes answered, parsed once as its bytes arrive, its bytes kept: the
 * readers whose bytes are the same compare theirs with these instead of parsing (see
 * {@link SharedListReader}). Whichever of them is furthest along supplies the next bytes, so no
 * reader waits for, or holds bytes ahead of, another: the bytes parsed are always every reader's own.
 */
class SharedDocument {
  #bytes: Buffer;
  length = 0;
  /** A reader's answer ended here: the document is whole, and no reader may add to it. */
  ended = false;
  readonly #parser: ConsumerListReader;
  #outcome: { list: KeyList } | { error: unknown } | null = null;

  constructor(interner: KeyInterner | null, sizeHint: number) {
    this.#bytes = Buffer.allocUnsafe(Math.max(sizeHint, 1024));
    this.#parser = new ConsumerListReader(interner);
  }

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.#bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.length + chunk.length));
      this.#bytes.copy(grown, 0, 0, this.length);
      this.#bytes = grown;
    }
    chunk.copy(this.#bytes, this.length);
    this.length += chunk.length;
    this.#parser.write(chunk);
  }

  /** Bytes `start`–`end` received so far (a view: never changed once received). */
  bytes(start: number, end: number): Buffer {
    return this.#bytes.subarray(start, end);
  }

  /** Whether `chunk` is this document's bytes from `offset` (all of them received already). */
  same(chunk: Buffer, offset: number): boolean {
    return offset + chunk.length <= this.length && chunk.compare(this.#bytes, offset, offset + chunk.length) === 0;
  }

  /** The keys of the document as it stands, which is then whole; the same answer for every reader that asks. */
  finish(): KeyList {
    this.ended = true;
    if (this.#outcome === null) {
      try {
        this.#outcome = { list: this.#parser.end() };
      } catch (error) {
        this.#outcome = { error };
      }
    }
    if ('list' in this.#outcome) return this.#outcome.list;
    throw this.#outcome.error;
  }
}

/**
 * A node's consumer list read beside the other nodes' lists of the same moment: where its bytes
 * are the same as another node's (nodes that loaded one registry answer the same document), they
 * are compared (natively, a memcmp) and not parsed again, and the list is that node's — the same
 * arrays. 64 nodes × 50,000 keys parse one list of 5.7 MB, not 64 (issue 27).
 *
 * The readers of one document share a {@link SharedDocument}: a reader behind it compares its bytes with
 * the document's; a reader at its end adds its bytes to it (parsed once, for all). Which node's
 * socket is ahead changes from moment to moment, and none waits for another or keeps a copy of
 * bytes the others have not sent yet. A reader whose bytes differ follows another document that
 * holds the same bytes so far, or starts one (at most {@link MAX_SHARED_DOCUMENTS}: a node holding a
 * provisional key the others lack), or else parses its own list, its bytes so far taken from the
 * document they equalled. The answer is always what {@link ConsumerListReader} gives for the node's
 * own bytes: only the work is shared.
 */
export class SharedListReader {
  readonly #interner: KeyInterner;
  readonly #sizeHint: number;
  /** The document this reader's bytes have equalled so far: bytes 0–offset are its. */
  #doc: SharedDocument | null = null;
  #offset = 0;
  /** Documents this reader's bytes turned out to differ from. */
  readonly #left = new Set<SharedDocument>();
  #parser: ConsumerListReader | null = null;

  /** `sizeHint`: the body's Content-Length when known (a document keeps its bytes in one buffer). */
  constructor(interner: KeyInterner, sizeHint = 0) {
    this.#interner = interner;
    this.#sizeHint = sizeHint;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#parser) return this.#parser.write(chunk);
    if (!this.#doc) {
      const first = this.#interner.documents[0];
      if (!first) return this.#start([chunk]);
      this.#doc = first;
    }
    const doc = this.#doc;
    const known = doc.length - this.#offset;
    if (known >= chunk.length) {
      if (doc.same(chunk, this.#offset)) this.#offset += chunk.length;
      else this.#diverge([chunk]);
      return;
    }
    if (known > 0 && !doc.same(chunk.subarray(0, known), this.#offset)) return this.#diverge([chunk]);
    const beyond = known > 0 ? chunk.subarray(known) : chunk;
    // Longer than a document another node's answer ended: this one is not the same.
    if (doc.ended) {
      this.#offset += known;
      return this.#diverge([beyond]);
    }
    this.#offset += known + beyond.length;
    doc.append(beyond);
  }

  /** The keys of this node's list; throws {@link ConsumerListSyntaxError} as ConsumerListReader.end does. */
  async end(): Promise<KeyList> {
    if (!this.#parser) {
      const doc = this.#doc;
      if (!doc) return new ConsumerListReader(this.#interner).end(); // no bytes at all
      if (this.#offset === doc.length) return doc.finish();
      // Shorter than the document: this node's bytes are a part of it only.
      this.#diverge([]);
      if (!this.#parser) return this.end();
    }
    return this.#parser!.end();
  }

  /**
   * This reader's bytes differ from its document's after `offset`, or go on past where that document
   * ended: it follows another document whose bytes are the same so far, or starts one, or parses its
   * own list, its bytes so far taken from the document they equalled. `rest`: its bytes after those.
   */
  #diverge(rest: Buffer[]): void {
    const old = this.#doc!;
    this.#left.add(old);
    const prefix = old.bytes(0, this.#offset);
    this.#doc = null;
    this.#offset = 0;
    const other = this.#interner.documents.find((l) => {
      if (this.#left.has(l)) return false;
      if (l.length >= prefix.length) return l.same(prefix, 0);
      return !l.ended && l.same(prefix.subarray(0, l.length), 0);
    });
    if (other) {
      this.#doc = other;
      for (const part of [prefix, ...rest]) this.write(part);
      return;
    }
    if (this.#interner.documents.length < MAX_SHARED_DOCUMENTS) return this.#start([prefix, ...rest]);
    this.#parser = new ConsumerListReader(this.#interner);
    this.#parser.write(prefix);
    for (const part of rest) this.#parser.write(part);
  }

  #start(parts: Buffer[]): void {
    const doc = new SharedDocument(this.#interner, this.#sizeHint);
    this.#interner.documents.push(doc);
    this.#doc = doc;
    for (const part of parts) {
      if (part.length === 0) continue;
      doc.append(part);
      this.#offset += part.length;
    }
  }
}
