/**
 * The one check a dialect changes: Eclipse Lyo issues request tokens to a provisional consumer
 * (its OAuthRequest only checks that the key exists), the others refuse it with consumer_key_refused.
 */
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../electron/core/oauth/rfc5849.ts';
import { isDialectName } from '../../electron/sandbox/dialects/types.ts';
import { DIALECTS } from '../../electron/sandbox/dialects/index.ts';
import { NodeMemory } from '../../electron/sandbox/node-memory.ts';
import type { OAuthRejection } from '../../electron/sandbox/oauth-checks.ts';
import { verifySignedRequest } from '../../electron/sandbox/oauth-checks.ts';

const NOW_MS = 1_700_000_000_000;
const URL_RT = 'http://127.0.0.1:8080/oauth/requestToken';
const provisional = { key: 'provisional-key', name: 'New', secret: 'provisional-secret', trusted: false };

function memory(): NodeMemory {
  const m = new NodeMemory();
  m.provisional.set(provisional.key, provisional);
  return m;
}

const authorization = (url = URL_RT) =>
  signRequest({
    method: 'POST',
    url,
    consumerKey: provisional.key,
    consumerSecret: provisional.secret,
    timestamp: NOW_MS / 1000,
    extraOAuth: { oauth_callback: 'oob' },
  }).authorization;

const input = (url = URL_RT) => ({
  method: 'POST',
  url: new URL(url),
  secure: false,
  authorization: authorization(url),
  formParams: [],
});

describe('a provisional consumer at requestToken', () => {
  it('is refused by default (sandbox, ClearQuest [G], Jazz [G])', () => {
    let problem = '';
    try {
      verifySignedRequest(input(), 'requestToken', memory(), NOW_MS);
    } catch (e) {
      problem = (e as OAuthRejection).problem;
    }
    expect(problem).toBe('consumer_key_refused');
  });

  it('is accepted with its own secret where the dialect says so (Lyo)', () => {
    const verified = verifySignedRequest(input(), 'requestToken', memory(), NOW_MS, { acceptProvisional: true });
    expect(verified.consumer.key).toBe(provisional.key);
  });

  it('is still refused at a protected resource: only requestToken is lenient', () => {
    const withToken = signRequest({
      method: 'GET',
      url: URL_RT,
      consumerKey: provisional.key,
      consumerSecret: provisional.secret,
      token: 'some-access-token',
      tokenSecret: 'x',
      timestamp: NOW_MS / 1000,
    }).authorization;
    let problem = '';
    try {
      verifySignedRequest(
        { method: 'GET', url: new URL(URL_RT), secure: false, authorization: withToken, formParams: [] },
        'protectedResource',
        memory(),
        NOW_MS,
        { acceptProvisional: true },
      );
    } catch (e) {
      problem = (e as OAuthRejection).problem;
    }
    expect(problem).toBe('consumer_key_refused');
  });
});

describe('the dialect table', () => {
  it('has one dialect per name and only Lyo accepts provisional keys at requestToken', () => {
    expect(Object.keys(DIALECTS)).toEqual(['sandbox', 'clearquest', 'jazz', 'lyo']);
    for (const [name, d] of Object.entries(DIALECTS)) {
      expect(d.name).toBe(name);
      expect(d.acceptsProvisionalAtRequestToken).toBe(name === 'lyo');
    }
    expect(isDialectName('lyo')).toBe(true);
    expect(isDialectName('websphere')).toBe(false);
    expect(isDialectName(undefined)).toBe(false);
  });
});
