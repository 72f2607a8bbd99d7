/**
 * The products' own error texts (PROVIDERS.md, "Dialects"), read by the error-text parser and by the
 * probe's answer reader, each mapped to the state/cause the product means.
 */
import { describe, expect, it } from 'vitest';
import { parseErrorText } from '../../electron/core/diagnose/error-text.ts';
import { readProblem, stateFromAnswer } from '../../electron/core/oauth/problem.ts';

describe('the error-text parser knows each product’s texts', () => {
  it('CRJZS0033E (Jazz): the key is not known on the node that answered', () => {
    const r = parseErrorText(
      'HTTP 401: CRJZS0033E The consumer key is not valid and the consumer may not be registered.',
    );
    expect(r.productTexts).toContain('CRJZS0033E');
    expect(r.signals).toContain('key-not-loaded');
    expect(r.likelyCauses[0]).toBe('KEY_UNKNOWN');
    expect(r.likelyCauses).toContain('REGISTRY_STALE');
  });

  it('invalid_consumer_key (DOORS, swg21580704), in any case and separator', () => {
    for (const text of ['oauth_problem=invalid_consumer_key', 'Error: Invalid Consumer Key', 'INVALID-CONSUMER-KEY']) {
      const r = parseErrorText(text);
      expect(r.productTexts, text).toContain('invalid_consumer_key');
      expect(r.signals, text).toContain('key-not-loaded');
    }
  });

  it('consumer_key_rejected (Eclipse Lyo): an unknown key, not a provisional one', () => {
    const r = parseErrorText('401 oauth_problem=consumer_key_rejected');
    expect(r.oauthProblems).toContain('consumer_key_rejected');
    expect(r.signals).toContain('key-not-loaded');
    expect(r.signals).not.toContain('key-provisional');
    expect(r.likelyCauses).not.toContain('KEY_PROVISIONAL');
  });

  it('token_not_authorized (ClearQuest before 8.0.1.1 behind a balancer)', () => {
    const r = parseErrorText('403 token_not_authorized');
    expect(r.productTexts).toContain('token_not_authorized');
    expect(r.likelyCauses[0]).toBe('BALANCER_NOT_STICKY');
  });

  it('HTTP 400 timestamp_refused with oauth_acceptable_timestamps (ClearQuest), realm = repository', () => {
    const r = parseErrorText(
      'HTTP/1.1 400 Bad Request\nWWW-Authenticate: OAuth realm="cqschema", oauth_acceptable_timestamps="1714643400-1714644000", oauth_problem="timestamp_refused"',
    );
    expect(r.httpStatus).toBe(400);
    expect(r.oauthProblems).toEqual(['timestamp_refused']);
    expect(r.likelyCauses).toEqual(['CLOCK_SKEW']);
    // The acceptable window alone, without the problem name, still says clock skew.
    expect(parseErrorText('oauth_acceptable_timestamps=1-2').likelyCauses).toEqual(['CLOCK_SKEW']);
  });

  it('CRJZS0360I (Jazz) with 401: user authorization is needed, not a key problem', () => {
    const r = parseErrorText('HTTP/1.1 401 Unauthorized\nCRJZS0360I User authorization is required.');
    expect(r.productTexts).toContain('CRJZS0360I');
    expect(r.signals).toContain('user-login-required');
    expect(r.signals).not.toContain('unauthorized');
    expect(r.likelyCauses).toEqual([]);
  });
});

describe('a pasted Jazz exchange', () => {
  it('loses its form-login session cookies', () => {
    const text = 'Set-Cookie: LtpaToken2=abcLTPAsecret; Path=/\nSet-Cookie: JAZZ_AUTH_TOKEN=jazzTokenSecret; Path=/jts';
    const r = parseErrorText(text);
    expect(r.excerpt).not.toContain('abcLTPAsecret');
    expect(r.excerpt).not.toContain('jazzTokenSecret');
  });
});

describe('the probe reads the same texts from a request-token answer', () => {
  const state = (status: number, body: string, wwwAuthenticate?: string) => {
    const headers: Record<string, string> = wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {};
    const res = { headers, body };
    return stateFromAnswer(status, readProblem(res), body);
  };

  it('maps each product’s unknown-key answer to unknown', () => {
    expect(state(401, '401: invalid_expired_token\n', 'OAuth realm="cqschema"')).toBe('unknown');
    expect(state(401, 'CRJZS0033E The consumer key is not valid and the consumer may not be registered.\n')).toBe(
      'unknown',
    );
    expect(state(401, 'oauth_problem=consumer_key_rejected')).toBe('unknown');
    expect(state(401, 'oauth_problem=invalid_consumer_key')).toBe('unknown');
  });

  it('maps ClearQuest’s 400 timestamp_refused to clock-skew', () => {
    expect(
      state(
        400,
        'oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1-2',
        'OAuth realm="cqschema", oauth_acceptable_timestamps="1-2", oauth_problem="timestamp_refused"',
      ),
    ).toBe('clock-skew');
  });

  it('keeps consumer_key_refused as provisional', () => {
    expect(state(401, 'oauth_problem=consumer_key_refused')).toBe('provisional');
  });
});
