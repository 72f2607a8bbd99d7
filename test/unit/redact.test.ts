import { describe, expect, it } from 'vitest';
import { REDACTED, cloneIdFromCookies, redactExchange, redactHeaders, redactText } from '../../electron/core/redact.ts';

describe('redaction', () => {
  it('removes the signature from an OAuth Authorization header but keeps the key', () => {
    const h = redactHeaders({
      authorization: 'OAuth oauth_consumer_key="k1", oauth_signature="abc%3D", oauth_nonce="n"',
    });
    expect(h.authorization).toContain('oauth_consumer_key="k1"');
    expect(h.authorization).not.toContain('abc%3D');
    expect(h.authorization).toContain(`oauth_signature="${REDACTED}`);
  });

  it('removes Basic credentials, cookies and the CSRF value entirely', () => {
    const h = redactHeaders({
      Authorization: 'Basic YWRtaW46cHc=',
      cookie: 'JSESSIONID=0000abc:node1',
      'x-csrf-prevent': 'sess1',
    });
    expect(JSON.stringify(h)).not.toMatch(/YWRtaW46cHc|0000abc|sess1/);
  });

  it('removes token secrets and passwords from form and JSON bodies, and any known secret anywhere', () => {
    const t = redactText(
      'oauth_token=t1&oauth_token_secret=s3cr3t&x=1 {"secret":"canary-1","password":"pw"} canary-2',
      ['canary-2'],
    );
    expect(t).not.toMatch(/s3cr3t|canary-1|canary-2|"pw"/);
    expect(t).toContain('oauth_token=t1');
  });

  it('redacts every part of an exchange and caps the response body', () => {
    const x = redactExchange(
      {
        request: {
          method: 'POST',
          url: 'https://n/x?password=p1',
          headers: { authorization: 'OAuth oauth_signature="sig"' },
          body: 'secret=s1',
        },
        response: {
          status: 200,
          headers: { 'set-cookie': 'JSESSIONID=abc:node2' },
          body: `oauth_token_secret=s2${'x'.repeat(10_000)}`,
        },
        latencyMs: 5,
        answeredBy: 'node2',
      },
      [],
    );
    expect(JSON.stringify(x)).not.toMatch(/p1|"sig"|s1|s2|abc:node2/);
    expect(x.response!.body.length).toBeLessThanOrEqual(4096 + REDACTED.length);
  });

  it('reads the clone id from a WebSphere session cookie', () => {
    expect(cloneIdFromCookies(['Path=/', 'JSESSIONID=0000Xyz123:node3; Path=/; HttpOnly'])).toBe('node3');
    expect(cloneIdFromCookies(['JSESSIONID=plain; Path=/'])).toBeNull();
  });
});
