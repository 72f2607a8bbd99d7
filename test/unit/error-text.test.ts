/**
 * Parsing what admins paste from consumers' logs and browsers: real-world error texts in every
 * case and separator, with noise around them, each pointing at the causes it stands for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodesMentioned, parseErrorText, redactPastedText } from '../../electron/core/diagnose/error-text.ts';
import type { CauseCode, ErrorSignal } from '../../shared/diagnose.ts';

interface Case {
  name: string;
  text: string;
  status?: number | null;
  first?: CauseCode;
  likely?: CauseCode[];
  signals?: ErrorSignal[];
  absentSignals?: ErrorSignal[];
  problems?: string[];
  products?: string[];
  denied?: boolean;
  friendship?: boolean;
  hidden?: string[];
}

const CASES: Case[] = [
  {
    name: 'the ClearQuest text of technote swg21643365',
    text: '401: invalid_expired_token',
    status: 401,
    likely: ['REGISTRY_STALE', 'PROVISIONAL_KEY_LOST', 'KEY_UNKNOWN'],
    products: ['invalid_expired_token'],
    absentSignals: ['token-expired'],
  },
  {
    name: 'an RTC friendship error around it, which makes a lost provisional key the first guess',
    text: 'CRRTC3505E An error occurred while establishing the friendship with https://lbcq/cqweb/oslc/repo/cqschema/discovery. Reason: 401: Invalid_Expired_Token',
    status: 401,
    first: 'PROVISIONAL_KEY_LOST',
    friendship: true,
  },
  {
    name: 'a raw 401 answer with a WWW-Authenticate challenge refusing the timestamp',
    text: 'HTTP/1.1 401 Unauthorized\r\nDate: Thu, 02 May 2024 10:10:00 GMT\r\nWWW-Authenticate: OAuth realm="https://lbcq:9443/cqweb", oauth_problem="timestamp_refused", oauth_acceptable_timestamps="1714643400-1714644000"\r\n',
    status: 401,
    likely: ['CLOCK_SKEW'],
    problems: ['timestamp_refused'],
  },
  {
    name: 'ClearQuest before 8.0.1.1 behind a balancer (technote swg21579391)',
    text: 'Error 403: token_not_authorized',
    status: 403,
    first: 'BALANCER_NOT_STICKY',
    products: ['token_not_authorized'],
    signals: ['not-authorized-through-balancer'],
  },
  {
    name: 'a Problem Reporting form body with the signature base string and signature',
    text: 'oauth_problem=signature_invalid&oauth_signature_base_string=POST%26https%253A%252F%252Flbcq%252Foauth&oauth_signature=c2VjcmV0LXNpZw%3D%3D',
    likely: ['WRONG_SECRET'],
    problems: ['signature_invalid'],
    hidden: ['c2VjcmV0LXNpZw%3D%3D'],
  },
  {
    name: 'the provisional key refusal, shouted',
    text: 'OAUTH_PROBLEM=CONSUMER_KEY_REFUSED',
    likely: ['KEY_PROVISIONAL'],
    problems: ['consumer_key_refused'],
  },
  {
    name: 'a JSON error of an OSLC client library',
    text: '{"status":401,"oauth_problem":"token_expired","oauth_problem_advice":"the request token has expired"}',
    status: 401,
    first: 'REQUEST_TOKEN_EXPIRED',
    signals: ['token-expired'],
  },
  {
    name: 'the authorize page of a node that did not issue the token',
    text: 'Authorization failed\nThe request token is not known on node2: it was issued by another node, or this node was restarted since.\noauth_problem=token_rejected',
    first: 'BALANCER_NOT_STICKY',
    signals: ['token-unknown'],
  },
  {
    name: 'a callback URL after Deny (IBM Connections Cloud)',
    text: 'https://rtc.example.com/jts/oauth-callback?oauth_token=sadhgdj67w6r8778sfsfsf&oauth_verifier=&oauth_error=oauth_denied',
    likely: [],
    denied: true,
    hidden: ['sadhgdj67w6r8778sfsfsf'],
  },
  {
    name: 'a Java TLS failure in a consumer log',
    text: 'javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target',
    likely: ['TLS_UNTRUSTED'],
  },
  {
    name: 'a Node.js TLS failure',
    text: 'Error: self-signed certificate in certificate chain\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34) { code: "SELF_SIGNED_CERT_IN_CHAIN" }',
    likely: ['TLS_UNTRUSTED'],
  },
  {
    name: 'a refused connection',
    text: 'java.net.ConnectException: Connection refused (Connection refused)\n\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
    likely: ['NODE_DOWN'],
    signals: ['unreachable'],
  },
  {
    name: 'a read timeout',
    text: 'java.net.SocketTimeoutException: Read timed out',
    likely: ['NODE_DOWN'],
    signals: ['timeout'],
  },
  {
    name: "a balancer's 502 page",
    text: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
    status: 502,
    likely: ['NODE_DOWN'],
    signals: ['gateway'],
  },
  {
    name: 'the Problem Reporting vocabulary with spaces instead of underscores',
    text: 'WWW-Authenticate: OAuth oauth_problem="consumer key unknown"',
    first: 'REGISTRY_STALE',
    problems: ['consumer_key_unknown'],
  },
  {
    name: 'a bare 401 says only that some OAuth check failed',
    text: 'Request failed with status code 401',
    status: 401,
    likely: ['REGISTRY_STALE', 'KEY_UNKNOWN', 'WRONG_SECRET', 'CLOCK_SKEW'],
    signals: ['unauthorized'],
  },
  {
    name: 'a reused nonce is not a provider fault',
    text: 'oauth_problem=nonce_used',
    likely: [],
    signals: ['nonce'],
  },
  {
    name: 'an access-token call before the user authorized',
    text: 'POST /oauth/accessToken -> 401 oauth_problem=permission_unknown',
    status: 401,
    first: 'BALANCER_NOT_STICKY',
  },
  {
    name: 'credentials pasted by mistake are redacted from the excerpt',
    text: 'Authorization: Basic YWRtaW46aHVudGVyMg==\nlogin failed for admin, password: hunter2\nconsumerSecret="s3cr3t-value"\nCookie: JSESSIONID=0000abcDEF:node2\n401: invalid_expired_token',
    status: 401,
    hidden: ['YWRtaW46aHVudGVyMg==', 'hunter2', 's3cr3t-value', '0000abcDEF'],
  },
];

describe('parsing real-world error texts', () => {
  it('covers at least ten real-world texts', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of CASES) {
    it(`reads ${c.name}`, () => {
      const p = parseErrorText(c.text);
      if (c.status !== undefined) expect(p.httpStatus).toBe(c.status);
      if (c.likely) expect(p.likelyCauses).toEqual(c.likely);
      if (c.first) expect(p.likelyCauses[0]).toBe(c.first);
      for (const s of c.signals ?? []) expect(p.signals).toContain(s);
      for (const s of c.absentSignals ?? []) expect(p.signals).not.toContain(s);
      for (const x of c.problems ?? []) expect(p.oauthProblems).toContain(x);
      for (const x of c.products ?? []) expect(p.productTexts).toContain(x);
      expect(p.userDenied).toBe(c.denied ?? false);
      if (c.friendship !== undefined) expect(p.mentionsFriendship).toBe(c.friendship);
      for (const h of c.hidden ?? []) expect(p.excerpt).not.toContain(h);
      expect(p.explanation.length).toBeGreaterThan(0);
    });
  }

  it('finds the same thing whatever the case, separator and noise around it', () => {
    for (const variant of [
      'invalid_expired_token',
      'INVALID-EXPIRED-TOKEN',
      'Invalid Expired Token',
      'xx401: invalid_expired_token!!',
    ]) {
      expect(parseErrorText(`[ERROR] 2024-05-02 ${variant} (see log)`).productTexts).toEqual(['invalid_expired_token']);
    }
  });

  it('does not mistake invalid_expired_token for an expired request token', () => {
    expect(parseErrorText('401: invalid expired token').signals).not.toContain('token-expired');
    expect(parseErrorText('401: invalid expired token').likelyCauses).not.toContain('REQUEST_TOKEN_EXPIRED');
  });

  it('finds nothing in an empty or unrelated text', () => {
    for (const text of ['', '   ', 'All good, 200 OK', 'build 4711 finished']) {
      const p = parseErrorText(text);
      expect(p.likelyCauses).toEqual([]);
      expect(p.signals).toEqual([]);
      expect(p.httpStatus).toBeNull();
    }
  });

  it('never throws and keeps the excerpt short, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (text) => {
        const p = parseErrorText(text);
        expect(p.excerpt.length).toBeLessThanOrEqual(2001);
      }),
      { numRuns: 300 },
    );
    expect(parseErrorText('x'.repeat(400_000)).excerpt.length).toBeLessThanOrEqual(2001);
  });

  it('redacts any secret-looking value whatever its form', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{10,30}$/), (v) => {
        for (const text of [
          `password=${v}`,
          `password: ${v}`,
          `oauth_signature="${v}"`,
          `oauth_token_secret=${v}`,
          `"secret": "${v}"`,
          `oauth_verifier=${v}`,
          `Authorization: Bearer ${v}`,
          `token secret = ${v}`,
        ]) {
          expect(redactPastedText(text), text).not.toContain(v);
        }
      }),
      { numRuns: 100 },
    );
    expect(redactPastedText('nothing secret in here', ['known-secret'])).toBe('nothing secret in here');
    expect(redactPastedText('it was known-secret all along', ['known-secret'])).toBe('it was [redacted] all along');
  });

  it('names the nodes a text mentions by id or by host and port, not by prefix', () => {
    const nodes = [
      { id: 'node1', url: 'https://127.0.0.1:4431' },
      { id: 'node10', url: 'https://127.0.0.1:4440' },
      { id: 'lbcq_3', url: 'https://lbcq_3:12443/cqweb' },
    ];
    expect(nodesMentioned('answered by node10', nodes)).toEqual(['node10']);
    expect(nodesMentioned('POST https://lbcq_3:12443/cqweb/oauth/requestToken 401', nodes)).toEqual(['lbcq_3']);
    expect(nodesMentioned('realm="https://127.0.0.1:4431" and node1', nodes)).toEqual(['node1']);
    expect(nodesMentioned('nothing', nodes)).toEqual([]);
  });
});
