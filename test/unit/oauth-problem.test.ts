import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, readProblem, stateFromAnswer } from '../../electron/core/oauth/problem.ts';

describe('parseWwwAuthenticate', () => {
  it('reads the realm and oauth_problem of a well-formed OAuth challenge', () => {
    expect(parseWwwAuthenticate('OAuth realm="https://lbcq:9443/cqweb", oauth_problem="consumer_key_unknown"')).toEqual(
      [{ scheme: 'OAuth', params: { realm: 'https://lbcq:9443/cqweb', oauth_problem: 'consumer_key_unknown' } }],
    );
  });

  // Found by the property test (fast-check seed 1599826914): an assigned `__proto__` vanished.
  it('keeps a parameter a node names __proto__ as data, not as the prototype', () => {
    const [c] = parseWwwAuthenticate('~ __proto__="", a');
    expect(Object.getPrototypeOf(c!.params)).toBe(Object.prototype);
    expect(Object.keys(c!.params)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(c!.params, '__proto__')?.value).toBe('');
  });

  it('accepts a lower-case scheme, unquoted values and no spaces after commas', () => {
    expect(parseWwwAuthenticate('oauth realm=x,oauth_problem=nonce_used')).toEqual([
      { scheme: 'oauth', params: { realm: 'x', oauth_problem: 'nonce_used' } },
    ]);
  });

  it('splits several challenges in one header, even with a comma inside a quoted realm', () => {
    const c = parseWwwAuthenticate('Basic realm="a, b", OAuth realm="r" , oauth_problem="signature_invalid",');
    expect(c.map((x) => x.scheme)).toEqual(['Basic', 'OAuth']);
    expect(c[0]!.params.realm).toBe('a, b');
    expect(c[1]!.params.oauth_problem).toBe('signature_invalid');
  });

  it('unescapes backslash-escaped quotes in quoted values', () => {
    expect(parseWwwAuthenticate('OAuth realm="say \\"hi\\""')[0]!.params.realm).toBe('say "hi"');
  });

  it('treats parameters with no scheme before them as OAuth', () => {
    expect(parseWwwAuthenticate('oauth_problem="timestamp_refused", oauth_acceptable_timestamps="100-700"')).toEqual([
      { scheme: 'OAuth', params: { oauth_problem: 'timestamp_refused', oauth_acceptable_timestamps: '100-700' } },
    ]);
  });

  it('returns a bare scheme with no parameters, and nothing for an empty header', () => {
    expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'Negotiate', params: {} }]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});

describe('readProblem', () => {
  const cases: [string, { headers: Record<string, string>; body: string }, string | null, string | null][] = [
    [
      'the WWW-Authenticate header',
      { headers: { 'www-authenticate': 'OAuth realm="x", oauth_problem="consumer_key_refused"' }, body: '' },
      'consumer_key_refused',
      null,
    ],
    [
      'a form body',
      { headers: {}, body: 'oauth_problem=signature_invalid&oauth_problem_advice=check%20secret' },
      'signature_invalid',
      null,
    ],
    ['a JSON body', { headers: {}, body: '{"oauth_problem": "token_expired"}' }, 'token_expired', null],
    [
      "ClearQuest's invalid_expired_token text in an HTML page",
      { headers: {}, body: '<html><body><h1>Error</h1><p>401: invalid_expired_token</p></body></html>' },
      'consumer_key_unknown',
      'invalid_expired_token',
    ],
    [
      'the text in any case and with spaces',
      { headers: {}, body: 'CRVSV0123E 401: Invalid Expired Token' },
      'consumer_key_unknown',
      'invalid_expired_token',
    ],
    [
      'the pre-8.0.1.1 token_not_authorized text',
      { headers: {}, body: 'HTTP 403 token_not_authorized' },
      'permission_denied',
      'token_not_authorized',
    ],
    [
      'a header problem together with the ClearQuest advice in the body',
      {
        headers: { 'www-authenticate': 'OAuth oauth_problem=consumer_key_unknown' },
        body: 'oauth_problem=consumer_key_unknown&oauth_problem_advice=401%3A%20invalid_expired_token',
      },
      'consumer_key_unknown',
      'invalid_expired_token',
    ],
    ['an answer with no problem at all', { headers: {}, body: 'Internal Server Error' }, null, null],
  ];
  for (const [what, res, problem, text] of cases) {
    it(`finds the problem in ${what}`, () => {
      const r = readProblem(res);
      expect(r.problem).toBe(problem);
      expect(r.productText).toBe(text);
    });
  }

  it('reads the acceptable timestamp window and the advice', () => {
    const r = readProblem({
      headers: {
        'www-authenticate':
          'OAuth oauth_problem="timestamp_refused", oauth_acceptable_timestamps="100-700", oauth_problem_advice="clock"',
      },
      body: '',
    });
    expect(r.acceptableTimestamps).toEqual({ from: 100, to: 700 });
    expect(r.advice).toBe('clock');
  });
});

describe('stateFromAnswer', () => {
  const state = (status: number, body: string, header = '') =>
    stateFromAnswer(status, readProblem({ headers: header ? { 'www-authenticate': header } : {}, body }), body);

  it('calls a 200 carrying a request token approved', () => {
    expect(state(200, 'oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=true')).toBe('approved');
  });
  it('calls an unknown key, or invalid_expired_token, not loaded on the node', () => {
    expect(state(401, 'oauth_problem=consumer_key_unknown')).toBe('unknown');
    expect(state(401, '401: invalid_expired_token')).toBe('unknown');
  });
  it('calls a refused key provisional, a bad signature a wrong secret, a refused timestamp clock skew', () => {
    expect(state(401, '', 'OAuth oauth_problem="consumer_key_refused"')).toBe('provisional');
    expect(state(401, 'oauth_problem=signature_invalid')).toBe('bad-secret');
    expect(state(401, 'oauth_problem=timestamp_refused')).toBe('clock-skew');
  });
  it('calls a 200 without a token, or an unrelated failure, an error', () => {
    expect(state(200, '<html>login</html>')).toBe('error');
    expect(state(500, 'boom')).toBe('error');
  });
});
