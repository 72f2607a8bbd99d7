/**
 * Property tests (fast-check) of the escaping of network text (shared/network-text.ts, written by
 * HARDEN-B): for any string a node may send, what is shown holds no control or bidi character
 * (terminal), keeps LF/TAB only where lines are kept, leaves plain text alone, and in Markdown
 * every metacharacter is escaped and code spans cannot be closed from inside.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasControlCharacters,
  markdownCode,
  markdownText,
  terminalLines,
  terminalText,
} from '../../shared/network-text.ts';

/**
 * The oracle: Unicode's own categories (Cc controls, Cf format characters such as the bidi marks and
 * U+13430, Zl, Zp), written independently of the module's table. An older hand-listed range here
 * missed astral format characters, and fast-check found one (U+13430) on a CI run.
 */
const CONTROLS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const CONTROLS_BUT_LINES = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Each `\uXXXX` escape (a surrogate pair as one) read back to its character when it stands for a hidden one. */
function readBack(t: string): string {
  return t.replace(
    /\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})/g,
    (m, hi?: string, lo?: string, one?: string) => {
      const ch = one
        ? String.fromCharCode(parseInt(one, 16))
        : String.fromCharCode(parseInt(hi!, 16), parseInt(lo!, 16));
      return CONTROLS.test(ch) ? ch : m;
    },
  );
}

/** Strings rich in what matters: controls, bidi, escapes, Markdown metacharacters, any Unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom(
      '\u001b',
      '[',
      '3',
      '1',
      'm',
      '\u0007',
      '\u009b',
      '\u202e',
      '\u2066',
      '\n',
      '\t',
      '\r',
      '`',
      '*',
      '_',
      '|',
      '<',
      '>',
      '\\',
      'a',
      ' ',
      'é',
      '😀',
    ),
    maxLength: 60,
  }),
);

describe('the escaping of network text (properties)', () => {
  it('terminalText leaves no control or bidi character, and changes nothing else', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = terminalText(s);
        expect(CONTROLS.test(out)).toBe(false);
        expect(hasControlCharacters(s)).toBe(CONTROLS.test(s));
        if (!CONTROLS.test(s)) expect(out).toBe(s);
        // Every escape reads back to the character it stands for. (Not injective: a node that sends the
        // six characters \u001b as text shows the same as one that sends ESC; both are harmless.)
        expect(readBack(out)).toBe(readBack(s));
      }),
      // U+13430 (astral Cf, the counterexample CI found) and a tag character stay in every run.
      { numRuns: 1000, examples: [['\u{13430}'], ['a\u{E0041}b']] },
    );
  });

  it('terminalLines keeps LF and TAB and escapes every other control', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = terminalLines(s);
        expect(CONTROLS_BUT_LINES.test(out)).toBe(false);
        expect(out.split('\n').length).toBe(s.split('\n').length);
        expect(out.split('\t').length).toBe(s.split('\t').length);
      }),
      { numRuns: 1000 },
    );
  });

  it('markdownText escapes every Markdown metacharacter: unescaping gives terminalText back', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = markdownText(s);
        expect(CONTROLS.test(out)).toBe(false);
        // No metacharacter stands unescaped (an escaped one is preceded by an odd run of backslashes).
        expect(/(^|[^\\])(\\\\)*[`*_[\]{}()<>#+!|~&]/.test(out)).toBe(false);
        expect(out.replace(/\\(.)/gsu, '$1')).toBe(terminalText(s));
      }),
      { numRuns: 1000 },
    );
  });

  it('markdownCode is one code span that no backtick inside can close', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = markdownCode(s);
        const fence = /^`+/.exec(out)![0];
        expect(out.endsWith(fence)).toBe(true);
        const inner = out.slice(fence.length, out.length - fence.length);
        expect(CONTROLS.test(inner)).toBe(false);
        // No run of exactly the fence length inside (it would close the span).
        for (const run of inner.match(/`+/g) ?? []) expect(run.length).not.toBe(fence.length);
        const pad =
          inner.startsWith(' ') &&
          inner.endsWith(' ') &&
          inner.length >= 2 &&
          (terminalText(s).startsWith('`') || terminalText(s).endsWith('`'));
        expect(pad ? inner.slice(1, -1) : inner).toBe(terminalText(s));
      }),
      { numRuns: 1000 },
    );
  });
});
