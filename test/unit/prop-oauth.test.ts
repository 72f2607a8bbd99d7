/**
 * Property tests (fast-check) of the OAuth 1.0 normalizer and signer (RFC 5849), beyond the fixed
 * vectors and percent-encoding properties of rfc5849.test.ts: form round trips, the base string
 * against an independent library (oauth-1.0a), and sign → verify with tampering detected.
 */
import fc from 'fast-check';
import OAuth from 'oauth-1.0a';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formEncode,
  normalizeParameters,
  parseForm,
  percentEncode,
  signatureBaseString,
  signRequest,
  verifySignature,
} from '../../electron/core/oauth/rfc5849.ts';
import type { Param } from '../../electron/core/oauth/rfc5849.ts';

// Well-formed Unicode (grapheme units: no lone surrogates, which no URL or form can carry).
const text = (maxLength = 12) => fc.string({ unit: 'grapheme', maxLength });
const name = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-.~ %&=+!*'.split('')), minLength: 1, maxLength: 8 });
const params = fc.array(fc.tuple(name, text()), { maxLength: 10 });
const path = fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/), { maxLength: 3 }).map((s) => `/${s.join('/')}`);
const url = fc
  .tuple(
    fc.constantFrom('http', 'https', 'HTTP'),
    fc.constantFrom('example.com', 'Node1.Example.COM', '127.0.0.1'),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path,
  )
  .map(([scheme, host, port, p]) => new URL(`${scheme}://${host}${port ? `:${port}` : ''}${p}`));

describe('the OAuth normalizer (properties)', () => {
  it('parseForm(formEncode(params)) gives the parameters back, in order', () => {
    fc.assert(
      fc.property(params, (ps) => {
        expect(parseForm(formEncode(ps))).toEqual(ps);
      }),
    );
  });

  it('normalizeParameters has no raw reserved character but its separators, and one pair per parameter', () => {
    fc.assert(
      fc.property(params, (ps) => {
        const n = normalizeParameters(ps);
        if (ps.length === 0) return n === '';
        const pairs = n.split('&');
        return pairs.length === ps.length && pairs.every((p) => /^[A-Za-z0-9\-._~%]*=[A-Za-z0-9\-._~%]*$/.test(p));
      }),
    );
  });

  it('is stable under duplicates and reordering (a multiset of parameters has one normal form)', () => {
    fc.assert(
      fc.property(params, fc.nat(), (ps, seed) => {
        const doubled = [...ps, ...ps];
        const shuffled = [...doubled].sort(
          (a, b) => ((a[0] + a[1] + seed).length % 3) - ((b[0] + b[1] + seed).length % 3),
        );
        return normalizeParameters(doubled) === normalizeParameters(shuffled);
      }),
    );
  });

  it('builds the same signature base string and HMAC-SHA1 signature as oauth-1.0a', () => {
    fc.assert(
      fc.property(
        url,
        params,
        text(),
        text(),
        fc.constantFrom('GET', 'POST', 'post'),
        (u, ps, secret, tokenSecret, method) => {
          // oauth-1.0a takes the data as an object: one value per name.
          const data: Record<string, string> = {};
          for (const [k, v] of ps) data[k] = v;
          const list: Param[] = Object.entries(data);
          const oauth = new OAuth({
            consumer: { key: 'k', secret },
            signature_method: 'HMAC-SHA1',
            hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
          });
          // No protocol parameters on either side: the normalizer of the data alone is compared.
          const theirs = oauth.getBaseString({ url: u.href, method, data }, {} as unknown as OAuth.Data);
          expect(signatureBaseString(method, u, list)).toBe(theirs);
          expect(`${percentEncode(secret)}&${percentEncode(tokenSecret)}`).toBe(oauth.getSigningKey(tokenSecret));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a signed request verifies, and changing any signed parameter breaks the signature', () => {
    fc.assert(
      fc.property(url, params, text(), fc.nat(), text(4), (u, ps, secret, which, extra) => {
        const signed = signRequest({
          method: 'POST',
          url: u,
          consumerKey: 'key',
          consumerSecret: secret,
          bodyParams: ps,
          nonce: 'n',
          timestamp: 1,
        });
        const { oauth_signature: signature, ...oauthParams } = signed.oauthParams;
        const all: Param[] = [...Object.entries(oauthParams), ...ps];
        const base = {
          method: 'POST',
          url: u,
          signatureMethod: 'HMAC-SHA1',
          consumerSecret: secret,
          signature: signature!,
        };
        expect(verifySignature({ ...base, params: all })).toBe(true);
        const i = which % all.length;
        const tampered = all.map((p, j) => (j === i ? ([p[0], `${p[1]}${extra}x`] as const) : p));
        expect(verifySignature({ ...base, params: tampered })).toBe(false);
        expect(verifySignature({ ...base, params: all, consumerSecret: `${secret}x` })).toBe(false);
      }),
    );
  });
});
