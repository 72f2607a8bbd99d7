/** What the diagnosis hands out is redacted; the cookie jar tells which node answered. */
import { describe, expect, it } from 'vitest';
import { answeredBy, CookieJar } from '../../electron/core/diagnose/cookies.ts';
import { scrubDeep, scrubRecordedExchange } from '../../electron/core/diagnose/scrub.ts';
import { describeCaBundle } from '../../electron/core/diagnose/report.ts';
import type { Exchange } from '../../shared/model.ts';
import { makeTestCa } from '../_tls.ts';

describe('redaction of the evidence', () => {
  it('removes signatures, tokens, token secrets, verifiers, cookies and known secrets from an exchange', () => {
    const x: Exchange = {
      request: {
        method: 'POST',
        url: 'http://n1/oauth/accessToken?debug=the-consumer-secret',
        headers: {
          authorization:
            'OAuth oauth_consumer_key="K", oauth_token="REQ-TOKEN-1", oauth_verifier="VERIFIER-1", oauth_signature="SIG%3D"',
          cookie: 'JSESSIONID=0000abc:node1',
        },
        body: '',
      },
      response: {
        status: 200,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'oauth_token=ACCESS-1&oauth_token_secret=ACCESS-SECRET-1',
      },
      latencyMs: 3,
      answeredBy: 'node1',
    };
    const json = JSON.stringify(scrubRecordedExchange(x, ['the-consumer-secret']));
    for (const s of [
      'REQ-TOKEN-1',
      'VERIFIER-1',
      'SIG%3D',
      '0000abc',
      'ACCESS-1',
      'ACCESS-SECRET-1',
      'the-consumer-secret',
    ])
      expect(json).not.toContain(s);
    expect(json).toContain('oauth_consumer_key=\\"K\\"');
    expect(json).toContain('"answeredBy":"node1"');
  });

  it('scrubs every string of a nested value and leaves the rest alone', () => {
    expect(
      scrubDeep({ a: ['password=hunter2', 3, null, { b: 'known-secret here' }], c: true }, ['known-secret']),
    ).toEqual({ a: ['password=[redacted]', 3, null, { b: '[redacted] here' }], c: true });
  });
});

describe('which node answered', () => {
  it('is the clone id of a new session cookie, else that of the session we sent', () => {
    expect(answeredBy(['JSESSIONID=0000xyz:node2; Path=/; HttpOnly'], 'node1')).toBe('node2');
    expect(answeredBy([], 'node1')).toBe('node1');
    expect(answeredBy(['OTHER=1'], null)).toBeNull();
  });

  it('keeps every cookie like a browser, forgets expired ones, and clones independently', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeNull();
    jar.take(['JSESSIONID=0000a:node1; Path=/', 'BIGipServerPool=12345; Path=/']);
    expect(jar.header()).toBe('JSESSIONID=0000a:node1; BIGipServerPool=12345');
    expect(jar.sessionNode()).toBe('node1');
    const copy = jar.clone();
    jar.take(['JSESSIONID=0000b:node2']);
    expect(copy.sessionNode()).toBe('node1');
    expect(jar.sessionNode()).toBe('node2');
    jar.take(['BIGipServerPool=; Max-Age=0', 'JSESSIONID=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBeNull();
  });
});

describe('the report’s CA bundle summary', () => {
  it('describes nothing for no bundle and skips what is not a certificate', () => {
    expect(describeCaBundle(null)).toEqual([]);
    expect(describeCaBundle('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----')).toEqual([]);
  });

  it('lists each certificate of a bundle with its subject, validity and fingerprint', async () => {
    const ca = await makeTestCa('Report Test CA');
    const [cert] = describeCaBundle(`${ca.certPem}\n`);
    expect(cert).toMatchObject({ subject: 'CN=Report Test CA', issuer: 'CN=Report Test CA' });
    expect(cert!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Date.parse(cert!.validTo)).toBeGreaterThan(Date.now());
  });
});
