/** Network text shown as text: the escaping of shared/network-text.ts and the CLI's escaping streams. */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  markdownCode,
  markdownText,
  mayHoldHidden,
  revealHidden,
  terminalLines,
  terminalText,
} from '../../shared/network-text.ts';
import { escapedIo } from '../../electron/cli/safe-output.ts';

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalText', () => {
  it.each([
    ['ESC (CSI clear screen)', '\u001b[2J', '\\u001b[2J'],
    ['OSC set title with BEL', '\u001b]0;x\u0007', '\\u001b]0;x\\u0007'],
    ['carriage return', 'ok\rFAKE', 'ok\\u000dFAKE'],
    ['newline in one line', 'a\nnode9: fine', 'a\\u000anode9: fine'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['C1 CSI', '\u009b31m', '\\u009b31m'],
    ['RLO/PDF', '\u202eevil\u202c', '\\u202eevil\\u202c'],
    ['isolates', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['NUL', 'a\u0000b', 'a\\u0000b'],
  ])('%s is escaped visibly', (_name, input, shown) => {
    expect(terminalText(input)).toBe(shown);
  });

  it('leaves ordinary text, accents and CJK alone', () => {
    const s = 'Überprüfung 検証 node-1: 401 Unauthorized';
    expect(terminalText(s)).toBe(s);
  });

  it('terminalLines keeps LF and TAB, escapes the rest', () => {
    expect(terminalLines('a\tb\nc\u001b[31m')).toBe('a\tb\nc\\u001b[31m');
  });

  it('the escaped form stays valid inside JSON', () => {
    const json = JSON.stringify({ m: 'x\u009b\u202e\u007f' });
    expect(JSON.parse(terminalLines(json))).toEqual({ m: 'x\u009b\u202e\u007f' });
  });
});

/** Every code point of the Unicode format class (Cf), from the runtime's own Unicode tables. */
const FORMAT_CLASS: string[] = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCodePoint(cp);
  if (/\p{Cf}/u.test(ch)) FORMAT_CLASS.push(ch);
}
const HIDDEN_ANYWHERE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const fromMarks = (s: string) =>
  s.replace(/⟨U\+([0-9A-F]{4,6})⟩/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));

describe('revealHidden: invisible and direction-changing characters, one decision for both doors', () => {
  it.each([
    ['RLO … PDF', 'bidi\u202egnp.exe\u202c', 'bidi⟨U+202E⟩gnp.exe⟨U+202C⟩', 'bidi\\u202egnp.exe\\u202c'],
    ['zero-width space and BOM', 'zero\u200bwidth\ufeff', 'zero⟨U+200B⟩width⟨U+FEFF⟩', 'zero\\u200bwidth\\ufeff'],
    ['left-to-right isolate', '\u2066key', '⟨U+2066⟩key', '\\u2066key'],
    ['a tag character (outside the BMP)', 'k\u{e0041}', 'k⟨U+E0041⟩', 'k\\udb40\\udc41'],
    ['ESC', '\u001b[2J', '⟨U+001B⟩[2J', '\\u001b[2J'],
  ])('%s is shown visibly in the console and escaped for the terminal', (_name, input, consoleText, terminal) => {
    expect(revealHidden(input, 'console')).toBe(consoleText);
    expect(terminalText(input)).toBe(terminal);
  });

  it('the format class is the one the runtime knows, and every member of it is shown visibly by both doors', () => {
    expect(FORMAT_CLASS.length).toBeGreaterThan(150);
    for (const ch of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u061c', '\u202e', '\u2066'])
      expect(FORMAT_CLASS).toContain(ch);
    for (const ch of FORMAT_CLASS) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      expect(revealHidden(`a${ch}b`, 'console')).toBe(`a⟨U+${hex}⟩b`);
      expect(HIDDEN_ANYWHERE.test(terminalText(`a${ch}b`))).toBe(false);
      expect(HIDDEN_ANYWHERE.test(terminalLines(`a${ch}b`))).toBe(false);
    }
  });

  it('property: any text mixing format characters, controls and ordinary letters shows no hidden character, loses nothing, and stays valid JSON', () => {
    const piece = fc.oneof(
      fc.constantFrom(...FORMAT_CLASS),
      fc.integer({ min: 0, max: 0x9f }).map((n) => String.fromCharCode(n)),
      fc.constantFrom('\u2028', '\u2029'),
      fc.constantFrom('a', 'Z', '7', '.', '-', 'é', '検', 'א', '😀', ' '),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }).map((a) => a.join('')),
        (text) => {
          const shown = revealHidden(text, 'console');
          expect(HIDDEN_ANYWHERE.test(shown)).toBe(false);
          expect(fromMarks(shown)).toBe(text);
          const escaped = terminalText(text);
          expect(HIDDEN_ANYWHERE.test(escaped)).toBe(false);
          expect(JSON.parse(`"${terminalLines(JSON.stringify(text).slice(1, -1))}"`)).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves ordinary text of every script alone, emoji included', () => {
    const s = 'Überprüfung 検証 שלום مرحبا 😀 node-1';
    expect(revealHidden(s, 'console')).toBe(s);
    expect(terminalText(s)).toBe(s);
  });
});

describe('markdown', () => {
  it('markdownText escapes controls and metacharacters so a node cannot make links, HTML or break a table', () => {
    const out = markdownText('[click](http://evil) <img src=x> | *b* \u001b[2J');
    expect(out).not.toMatch(RAW);
    expect(out).toBe('\\[click\\]\\(http://evil\\) \\<img src=x\\> \\| \\*b\\* \\\\u001b\\[2J');
  });

  it('markdownCode chooses a fence longer than any backtick run', () => {
    expect(markdownCode('a``b')).toBe('```a``b```');
    expect(markdownCode('`x')).toBe('`` `x ``');
    expect(markdownCode('\u202e')).toBe('`\\u202e`');
  });
});

describe('the CLI streams', () => {
  it('escape whatever a printer writes, even when it forgot to', () => {
    let seen = '';
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        seen += chunk.toString();
        cb();
      },
    });
    const io = escapedIo({ stdin: process.stdin, stdout: sink, stderr: sink, env: {} });
    io.stdout.write('node2: 500 \u001b[2J\u202eevil\n');
    io.stderr.write(Buffer.from('\u009b31m\n'));
    expect(seen).toBe('node2: 500 \\u001b[2J\\u202eevil\n\\u009b31m\n');
  });

  it('pass a clean buffer through as it is, and the same buffer again unread (a large JSON piece)', () => {
    const chunks: unknown[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const io = escapedIo({ stdin: process.stdin, stdout: sink, stderr: sink, env: {} });
    const piece = Buffer.from('["k1","Überprüfung 検証"]');
    io.stdout.write(piece);
    io.stdout.write(piece);
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c === piece)).toBe(true);
  });

  it('never pass a buffer raw when it holds a control character or is not UTF-8', () => {
    let seen = '';
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        seen += chunk.toString('latin1');
        cb();
      },
    });
    const io = escapedIo({ stdin: process.stdin, stdout: sink, stderr: sink, env: {} });
    // A truncated 4-byte sequence decodes to one U+FFFD of the same length: still not passed raw.
    io.stdout.write(Buffer.from([0xf0, 0x9f, 0x98, 0x78]));
    const bad = Buffer.from('a\u001b[2Jb');
    io.stdout.write(bad);
    io.stdout.write(bad);
    expect(seen).not.toContain('\u00f0');
    expect(seen).not.toMatch(RAW);
    expect(seen.endsWith('a\\u001b[2Jba\\u001b[2Jb')).toBe(true);
  });
});

describe('the renderer', () => {
  it('never renders text as HTML ({@html} appears in no component)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const root = new URL('../../renderer', import.meta.url).pathname;
    const hits: string[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(svelte|ts|js)$/.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      if ((await readFile(file, 'utf8')).includes('{@html')) hits.push(file);
    }
    expect(hits).toEqual([]);
  });
});

describe('the quick pre-check before revealing hidden characters (issue 27)', () => {
  it('looks further at every character revealHidden would reveal, and passes plain text by', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      const revealed = revealHidden(ch, 'terminal') !== ch;
      if (revealed) expect(mayHoldHidden(ch), `U+${c.toString(16)}`).toBe(true);
      if (revealHidden(ch, 'terminal', '\n\t') !== ch)
        expect(mayHoldHidden(ch, true), `U+${c.toString(16)}`).toBe(true);
    }
    // Astral format characters (tags, U+E0001…) are caught by their high surrogate.
    expect(terminalLines('a\u{E0041}b')).toBe('a\\udb40\\udc41b');
    expect(mayHoldHidden('{"key":"9f1c-ÄÖ-✓","name":"RTC"}\n', true)).toBe(false);
    expect(mayHoldHidden('line\n', false)).toBe(true);
  });
});
