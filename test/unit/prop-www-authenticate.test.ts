/**
 * Property tests (fast-check) of the WWW-Authenticate parser (electron/core/oauth/problem.ts): any
 * text whatever parses without throwing, into challenges of strings; a header built from challenges
 * (quoted or token values, escaped quotes, stray commas and spaces) parses back to them; and
 * readProblem never throws on any header or body a node may send.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, readProblem } from '../../electron/core/oauth/problem.ts';

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const quotable = fc.string({ unit: 'grapheme', maxLength: 16 });
const challenge = fc.record({
  scheme: token,
  params: fc.dictionary(
    token.map((t) => t.toLowerCase()),
    fc.oneof(token, quotable),
    { maxKeys: 5 },
  ),
});
const gap = fc.constantFrom(' ', '  ', '\t', ' , ', ',', ', ,');

function quote(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

describe('the WWW-Authenticate parser (properties)', () => {
  it('never throws, and gives challenges whose scheme and params are strings, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (header) => {
        const out = parseWwwAuthenticate(header);
        expect(Array.isArray(out)).toBe(true);
        for (const c of out) {
          expect(typeof c.scheme).toBe('string');
          for (const [k, v] of Object.entries(c.params)) {
            expect(typeof k).toBe('string');
            expect(typeof v).toBe('string');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parses a header built from challenges back to them (names lower case, values exact)', () => {
    fc.assert(
      fc.property(
        fc.array(challenge, { minLength: 1, maxLength: 4 }),
        gap,
        fc.boolean(),
        (challenges, sep, alwaysQuote) => {
          // A scheme that reads like a param name followed by '=' is a param, not a scheme: not this property.
          const header = challenges
            .map(
              (c) =>
                `${c.scheme}${Object.keys(c.params).length ? ' ' : ''}${Object.entries(c.params)
                  .map(([k, v]) => `${k}=${alwaysQuote || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v) ? quote(v) : v}`)
                  .join(sep.includes(',') ? sep : `,${sep}`)}`,
            )
            .join(`,${sep}`);
          expect(parseWwwAuthenticate(header)).toEqual(challenges.map((c) => ({ scheme: c.scheme, params: c.params })));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('readProblem never throws, whatever the header and body', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 600 }), (header, body) => {
        const r = readProblem({ headers: { 'www-authenticate': header }, body });
        expect(r).toBeTypeOf('object');
      }),
      { numRuns: 300 },
    );
  });
});
