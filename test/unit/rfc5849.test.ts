import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import OAuth from 'oauth-1.0a';
import { describe, expect, it } from 'vitest';
import {
  computeSignature,
  normalizeParameters,
  parseAuthorizationHeader,
  parseForm,
  percentDecode,
  percentEncode,
  queryParams,
  signatureBaseString,
  signRequest,
  verifySignature,
  type Param,
  makeNonce,
} from '../../electron/core/oauth/rfc5849.ts';

describe('RFC 5849 test vectors (HMAC-SHA1)', () => {
  // §1.2: the printer/photos example. Its requests carry no oauth_version.
  const consumer = { consumerKey: 'dpf43f3p2l4k3l03', consumerSecret: 'kd94hf93k423kf44' };

  it('signs the §1.2 temporary-credentials (initiate) request as 74KNZJeDHnMBp0EMJ9ZHt/XKycU=', () => {
    const signed = signRequest({
      method: 'POST',
      url: 'https://photos.example.net/initiate',
      ...consumer,
      timestamp: 137131200,
      nonce: 'wIjqoS',
      extraOAuth: { oauth_callback: 'http://printer.example.com/ready' },
      includeVersion: false,
      realm: 'Photos',
    });
    expect(signed.signature).toBe('74KNZJeDHnMBp0EMJ9ZHt/XKycU=');
    expect(signed.authorization).toMatch(/^OAuth realm="Photos", /);
  });

  it('signs the §1.2 token-credentials request as gKgrFCywp7rO0OXSjdot/IHF7IU=', () => {
    const signed = signRequest({
      method: 'POST',
      url: 'https://photos.example.net/token',
      ...consumer,
      token: 'hh5s93j4hdidpola',
      tokenSecret: 'hdhd0244k9j7ao03',
      timestamp: 137131201,
      nonce: 'walatlh',
      extraOAuth: { oauth_verifier: 'hfdp7dh39dks9884' },
      includeVersion: false,
    });
    expect(signed.signature).toBe('gKgrFCywp7rO0OXSjdot/IHF7IU=');
  });

  it('signs the §1.2 protected-resource (photos) request as MdpQcU8iPSUjWoN/UDMsK2sui9I=', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
      ...consumer,
      token: 'nnch734d00sl2jdk',
      tokenSecret: 'pfkkdhi9sl3r4s00',
      timestamp: 137131202,
      nonce: 'chapoH',
      includeVersion: false,
    });
    expect(signed.signature).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it('builds the §3.4.1.1 base string and signs it as r6/TJjbCOr97/+UU0NsvSne7s5g= (erratum 2550)', () => {
    const url = new URL('http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
    const header = parseAuthorizationHeader(
      'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ' +
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ' +
        'oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"',
    );
    expect(header).not.toBeNull();
    const params: Param[] = [
      ...queryParams(url),
      ...[...(header ?? [])].filter(([k]) => k !== 'oauth_signature'),
      ...parseForm('c2&a3=2+q'),
    ];
    const base = signatureBaseString('POST', url, params);
    expect(base).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
        'oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
        'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
    expect(computeSignature('HMAC-SHA1', base, 'j49sk3j29djd', 'dh893hdasih9')).toBe('r6/TJjbCOr97/+UU0NsvSne7s5g=');
  });
});

/** Strings of any Unicode code points (well-formed UTF-16, as encodeURIComponent needs). */
const text = (maxLength = 24) => fc.string({ unit: 'binary', maxLength });
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

describe('percentEncode (RFC 5849 §3.6)', () => {
  it('decodes back to the original string for any Unicode input', () => {
    fc.assert(fc.property(text(), (s) => percentDecode(percentEncode(s)) === s));
  });

  it('leaves only unreserved characters unescaped and escapes everything else as upper-case %XX', () => {
    fc.assert(
      fc.property(text(), (s) => {
        const encoded = percentEncode(s);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
      }),
    );
  });

  it('keeps every unreserved character as it is', () => {
    const unreserved = fc.string({ unit: fc.constantFrom(...'ABCXYZabcxyz0189-._~'.split('')) });
    fc.assert(fc.property(unreserved, (s) => percentEncode(s) === s));
  });

  it('escapes the characters encodeURIComponent leaves alone', () => {
    expect(percentEncode("!'()*")).toBe('%21%27%28%29%2A');
    expect(percentEncode(' +/=&')).toBe('%20%2B%2F%3D%26');
    expect(percentEncode('é')).toBe('%C3%A9');
  });
});

describe('normalizeParameters (RFC 5849 §3.4.1.3.2)', () => {
  const params = fc.array(fc.tuple(text(8), text(8)), { maxLength: 12 });

  it('gives the same string whatever order the parameters come in', () => {
    fc.assert(
      fc.property(
        params.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })),
        ),
        ([list, shuffled]) => normalizeParameters(list) === normalizeParameters(shuffled),
      ),
    );
  });

  it('sorts by encoded name, then by encoded value, byte order', () => {
    fc.assert(
      fc.property(params, (list) => {
        const out = normalizeParameters(list);
        if (list.length === 0) return out === '';
        const pairs = out.split('&').map((p) => p.split('=') as [string, string]);
        expect(pairs).toHaveLength(list.length);
        for (let i = 1; i < pairs.length; i++) {
          const [pk, pv] = pairs[i - 1] ?? ['', ''];
          const [k, v] = pairs[i] ?? ['', ''];
          expect(pk < k || (pk === k && pv <= v)).toBe(true);
          expect(UNRESERVED.test(k.replace(/%[0-9A-F]{2}/g, ''))).toBe(true);
        }
        return true;
      }),
    );
  });

  it('orders a name before its longer extensions and repeated names by value', () => {
    expect(
      normalizeParameters([
        ['a3', 'a'],
        ['a2', 'r b'],
        ['a3', '2 q'],
        ['a', ''],
      ]),
    ).toBe('a=&a2=r%20b&a3=2%20q&a3=a');
  });
});

describe('parseAuthorizationHeader (RFC 5849 §3.5.1)', () => {
  it('reads quoted, percent-encoded values and leaves out the realm', () => {
    const parsed = parseAuthorizationHeader(
      'OAuth realm="Photos", oauth_consumer_key="a%20b", oauth_signature="x%2By%3D"',
    );
    expect(parsed && Object.fromEntries(parsed)).toEqual({ oauth_consumer_key: 'a b', oauth_signature: 'x+y=' });
  });

  it('accepts a lower-case scheme, missing spaces after commas and extra spaces around "="', () => {
    const parsed = parseAuthorizationHeader('oauth   oauth_nonce = "n1",oauth_timestamp="1"  ,  oauth_token=""');
    expect(parsed && Object.fromEntries(parsed)).toEqual({ oauth_nonce: 'n1', oauth_timestamp: '1', oauth_token: '' });
  });

  it('accepts unquoted values', () => {
    const parsed = parseAuthorizationHeader('OAuth oauth_version=1.0, oauth_nonce=abc');
    expect(parsed && Object.fromEntries(parsed)).toEqual({ oauth_version: '1.0', oauth_nonce: 'abc' });
  });

  it('answers null for a missing header or another scheme', () => {
    expect(parseAuthorizationHeader(undefined)).toBeNull();
    expect(parseAuthorizationHeader('')).toBeNull();
    expect(parseAuthorizationHeader('Basic YWRtaW46YWRtaW4=')).toBeNull();
    expect(parseAuthorizationHeader('OAuthx oauth_nonce="1"')).toBeNull();
  });

  it('round-trips what signRequest produces', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'https://h.example/x',
      consumerKey: 'k&=" ',
      consumerSecret: 's',
      realm: 'r',
      nonce: 'n',
      timestamp: 1,
    });
    expect(Object.fromEntries(parseAuthorizationHeader(signed.authorization) ?? [])).toEqual(signed.oauthParams);
  });
});

describe('agreement with the independent oauth-1.0a package', () => {
  const name = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'.split('')),
    minLength: 1,
    maxLength: 8,
  });

  it('produces the same HMAC-SHA1 signature for random consumers, tokens, URLs and form parameters', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'DELETE'),
          consumerKey: text(16),
          consumerSecret: text(16),
          token: fc.option(fc.record({ key: text(16), secret: text(16) }), { nil: undefined }),
          path: fc.array(name, { maxLength: 3 }),
          port: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
          query: fc.uniqueArray(fc.tuple(name, text(8)), { selector: ([k]) => k, maxLength: 3 }),
          body: fc.uniqueArray(fc.tuple(name, text(8)), { selector: ([k]) => k, maxLength: 3 }),
          timestamp: fc.integer({ min: 1, max: 2_000_000_000 }),
          nonce: name,
        }),
        (input) => {
          const query = input.query.map(([k, v]) => [`q${k}`, v] as const);
          const body = input.body.map(([k, v]) => [`d${k}`, v] as const);
          const search = query.length ? `?${query.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&')}` : '';
          const url = `https://api.example.org${input.port ? `:${input.port}` : ''}/${input.path.join('/')}${search}`;

          const theirs = new OAuth({
            consumer: { key: input.consumerKey, secret: input.consumerSecret },
            signature_method: 'HMAC-SHA1',
            hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
          });
          theirs.getTimeStamp = () => input.timestamp;
          theirs.getNonce = () => input.nonce;
          const theirSignature = theirs.authorize(
            { method: input.method, url, data: Object.fromEntries(body) },
            input.token,
          ).oauth_signature;

          const ours = signRequest({
            method: input.method,
            url,
            consumerKey: input.consumerKey,
            consumerSecret: input.consumerSecret,
            token: input.token?.key,
            tokenSecret: input.token?.secret,
            bodyParams: body,
            timestamp: input.timestamp,
            nonce: input.nonce,
          });
          expect(ours.signature).toBe(theirSignature);
          expect(
            verifySignature({
              method: input.method,
              url: new URL(url),
              params: [
                ...queryParams(new URL(url)),
                ...Object.entries(ours.oauthParams).filter(([k]) => k !== 'oauth_signature'),
                ...body,
              ],
              signature: theirSignature,
              signatureMethod: 'HMAC-SHA1',
              consumerSecret: input.consumerSecret,
              tokenSecret: input.token?.secret,
            }),
          ).toBe(true);
        },
      ),
    );
  });

  it('produces the same PLAINTEXT signature (the encoded secrets joined by "&")', () => {
    fc.assert(
      fc.property(text(16), text(16), (consumerSecret, tokenSecret) => {
        const theirs = new OAuth({ consumer: { key: 'k', secret: consumerSecret }, signature_method: 'PLAINTEXT' });
        const theirSignature = theirs.authorize(
          { method: 'GET', url: 'https://h.example/' },
          { key: 't', secret: tokenSecret },
        ).oauth_signature;
        expect(computeSignature('PLAINTEXT', 'ignored', consumerSecret, tokenSecret)).toBe(theirSignature);
      }),
    );
  });
});

describe('nonces', () => {
  it('are 32 hex digits, and never repeat across many refills of their pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const n = makeNonce();
      expect(n).toMatch(/^[0-9a-f]{32}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(5000);
  });
});
