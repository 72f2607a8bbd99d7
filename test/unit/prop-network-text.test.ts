/**
 * Property tests (fast-check) of the escaping of network text (shared/network-text.ts, written by
 * HARDEN-B): for any string a node may send, what is shown holds no control or bidi character
 * (terminal), keeps LF/TAB only where lines are kept, leaves plain text alone, and in Markdown
 * every metacharacter is escaped and code spans cannot be closed from inside.
 */
/* eslint-disable no-control-regex -- the control characters the module must escape are the point */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasControlCharacters,
  markdownCode,
  markdownText,
  terminalLines,
  terminalText,
} from '../../shared/network-text.ts';

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROLS_BUT_LINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

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
        expect(
          out.replace(/\\u([0-9a-f]{4})/g, (m, h: string) =>
            CONTROLS.test(String.fromCharCode(parseInt(h, 16))) ? String.fromCharCode(parseInt(h, 16)) : m,
          ),
        ).toBe(
          s.replace(/\\u([0-9a-f]{4})/g, (m, h: string) =>
            CONTROLS.test(String.fromCharCode(parseInt(h, 16))) ? String.fromCharCode(parseInt(h, 16)) : m,
          ),
        );
      }),
      { numRuns: 1000 },
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
