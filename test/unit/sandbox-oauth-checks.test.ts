import { describe, expect, it } from 'vitest';
import { signRequest, type SignInput } from '../../electron/core/oauth/rfc5849.ts';
import { BoundedMap, NodeMemory, NonceStore, type RequestToken } from '../../electron/sandbox/node-memory.ts';
import { OAuthRejection, verifySignedRequest, type SignedEndpoint } from '../../electron/sandbox/oauth-checks.ts';
import { oauthHeader } from '../_sandbox.ts';

const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
const URL_RT = 'http://127.0.0.1:8080/oauth/requestToken';
const approved = { key: 'approved-key', name: 'RTC', secret: 'approved-secret', trusted: true };
const provisional = { key: 'provisional-key', name: 'New', secret: 'provisional-secret', trusted: false };

function memory(): NodeMemory {
  const m = new NodeMemory();
  m.loadRegistry([approved]);
  m.provisional.set(provisional.key, provisional);
  return m;
}

function sign(overrides: Partial<SignInput> = {}): string {
  return signRequest({
    method: 'POST',
    url: URL_RT,
    consumerKey: approved.key,
    consumerSecret: approved.secret,
    timestamp: NOW_S,
    extraOAuth: { oauth_callback: 'oob' },
    ...overrides,
  }).authorization;
}

function check(
  authorization: string | undefined,
  opts: {
    m?: NodeMemory;
    endpoint?: SignedEndpoint;
    url?: string;
    secure?: boolean;
    nowMs?: number;
    method?: string;
  } = {},
) {
  return verifySignedRequest(
    {
      method: opts.method ?? 'POST',
      url: new URL(opts.url ?? URL_RT),
      secure: opts.secure ?? false,
      authorization,
      formParams: [],
    },
    opts.endpoint ?? 'requestToken',
    opts.m ?? memory(),
    opts.nowMs ?? NOW_MS,
  );
}

function problemOf(fn: () => unknown): { problem: string; status: number; body: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof OAuthRejection) return { problem: e.problem, status: e.status, body: e.formBody() };
    throw e;
  }
  throw new Error('expected an OAuthRejection');
}

describe('the order of the OAuth checks on a node', () => {
  it('accepts a request signed by the independent oauth-1.0a package for an approved consumer', () => {
    const authorization = oauthHeader({
      method: 'POST',
      url: URL_RT,
      consumer: { key: approved.key, secret: approved.secret },
      data: { oauth_callback: 'oob' },
    });
    const verified = verifySignedRequest(
      { method: 'POST', url: new URL(URL_RT), secure: false, authorization, formParams: [] },
      'requestToken',
      memory(),
      Date.now(),
    );
    expect(verified.consumer.key).toBe(approved.key);
  });

  it('reports missing parameters (400 parameter_absent) before anything else, naming them', () => {
    const r = problemOf(() => check('OAuth oauth_signature_method="RSA-SHA1"'));
    expect(r).toMatchObject({ problem: 'parameter_absent', status: 400 });
    expect(r.body).toContain('oauth_parameters_absent=oauth_consumer_key%26oauth_signature');
  });

  it('requires oauth_callback on the request-token endpoint', () => {
    const r = problemOf(() => check(sign({ extraOAuth: {} })));
    expect(r.problem).toBe('parameter_absent');
    expect(r.body).toContain('oauth_callback');
  });

  it('refuses an unsupported signature method before looking at the timestamp', () => {
    const header = sign({ timestamp: 1 }).replace('HMAC-SHA1', 'RSA-SHA1');
    expect(problemOf(() => check(header))).toMatchObject({ problem: 'signature_method_rejected', status: 400 });
  });

  it('refuses a timestamp more than 300 s from the node clock, before looking at the key', () => {
    const r = problemOf(() => check(sign({ consumerKey: 'nobody', timestamp: NOW_S - 301 })));
    expect(r).toMatchObject({ problem: 'timestamp_refused', status: 401 });
    expect(r.body).toContain(`oauth_acceptable_timestamps=${NOW_S - 300}-${NOW_S + 300}`);
    expect(() => check(sign({ timestamp: NOW_S + 300 }))).not.toThrow();
  });

  it('answers consumer_key_unknown with the ClearQuest invalid_expired_token text for a key not in the registry', () => {
    const r = problemOf(() => check(sign({ consumerKey: 'nobody' })));
    expect(r).toMatchObject({ problem: 'consumer_key_unknown', status: 401 });
    expect(r.body).toBe('oauth_problem=consumer_key_unknown&oauth_problem_advice=401%3A%20invalid_expired_token');
  });

  it('answers consumer_key_refused for a key that is provisional on this node, even with a good signature', () => {
    const r = problemOf(() => check(sign({ consumerKey: provisional.key, consumerSecret: provisional.secret })));
    expect(r).toMatchObject({ problem: 'consumer_key_refused', status: 401 });
  });

  it('checks the signature with the secret from this node’s registry', () => {
    expect(problemOf(() => check(sign({ consumerSecret: 'wrong' }))).problem).toBe('signature_invalid');
  });

  it('verifies against the URL the client addressed, so a different host fails', () => {
    const header = sign({ url: 'http://127.0.0.1:9999/oauth/requestToken' });
    expect(problemOf(() => check(header)).problem).toBe('signature_invalid');
    expect(() => check(header, { url: 'http://127.0.0.1:9999/oauth/requestToken' })).not.toThrow();
  });

  it('allows PLAINTEXT over TLS only', () => {
    const header = sign({ signatureMethod: 'PLAINTEXT', url: URL_RT.replace('http:', 'https:') });
    expect(problemOf(() => check(header, { url: URL_RT.replace('http:', 'https:') })).problem).toBe(
      'signature_method_rejected',
    );
    expect(() => check(header, { url: URL_RT.replace('http:', 'https:'), secure: true })).not.toThrow();
  });

  it('refuses a nonce used before with the same timestamp, but not after a forged request used it', () => {
    const m = memory();
    const good = sign({ nonce: 'n-1' });
    const forged = sign({ nonce: 'n-2', consumerSecret: 'wrong' });
    expect(problemOf(() => check(forged, { m })).problem).toBe('signature_invalid');
    expect(() => check(sign({ nonce: 'n-2' }), { m })).not.toThrow();
    expect(() => check(good, { m })).not.toThrow();
    expect(problemOf(() => check(good, { m })).problem).toBe('nonce_used');
  });

  it('refuses protocol parameters sent twice (header and query)', () => {
    const r = problemOf(() => check(sign(), { url: `${URL_RT}?oauth_nonce=again` }));
    expect(r).toMatchObject({ problem: 'parameter_rejected', status: 400 });
  });
});

describe('token checks on the access-token endpoint', () => {
  const URL_AT = 'http://127.0.0.1:8080/oauth/accessToken';

  function withToken(state: RequestToken['state'], issuedAtMs = NOW_MS): { m: NodeMemory; token: RequestToken } {
    const m = memory();
    const token: RequestToken = {
      token: 'rt',
      secret: 'rts',
      consumerKey: approved.key,
      callback: 'oob',
      issuedAtMs,
      state,
      verifier: state === 'authorized' ? 'v' : null,
    };
    m.requestTokens.set('rt', token);
    return { m, token };
  }

  const signAt = (over: Partial<SignInput> = {}) =>
    sign({ url: URL_AT, token: 'rt', tokenSecret: 'rts', extraOAuth: { oauth_verifier: 'v' }, ...over });

  it('accepts an authorized token with its verifier', () => {
    const { m } = withToken('authorized');
    expect(check(signAt(), { m, endpoint: 'accessToken', url: URL_AT }).requestToken?.token).toBe('rt');
  });

  it('refuses a token this node never issued with token_rejected', () => {
    const { m } = withToken('authorized');
    const r = problemOf(() => check(signAt({ token: 'other' }), { m, endpoint: 'accessToken', url: URL_AT }));
    expect(r.problem).toBe('token_rejected');
  });

  it('refuses a used token with token_rejected and an expired one with token_expired', () => {
    expect(
      problemOf(() => check(signAt(), { ...withToken('used'), endpoint: 'accessToken', url: URL_AT })).problem,
    ).toBe('token_rejected');
    const old = withToken('authorized', NOW_MS - 601_000);
    expect(problemOf(() => check(signAt(), { m: old.m, endpoint: 'accessToken', url: URL_AT })).problem).toBe(
      'token_expired',
    );
  });

  it('answers permission_denied for a denied token and permission_unknown for one not yet decided', () => {
    expect(
      problemOf(() => check(signAt(), { m: withToken('denied').m, endpoint: 'accessToken', url: URL_AT })).problem,
    ).toBe('permission_denied');
    expect(
      problemOf(() => check(signAt(), { m: withToken('pending').m, endpoint: 'accessToken', url: URL_AT })).problem,
    ).toBe('permission_unknown');
  });

  it('refuses a wrong verifier', () => {
    const { m } = withToken('authorized');
    const r = problemOf(() =>
      check(signAt({ extraOAuth: { oauth_verifier: 'nope' } }), { m, endpoint: 'accessToken', url: URL_AT }),
    );
    expect(r.problem).toBe('token_rejected');
    expect(r.body).toContain('oauth_verifier');
  });
});

describe('node memory structures', () => {
  it('forgets the oldest entries of a bounded map beyond its capacity', () => {
    const map = new BoundedMap<number, number>(3);
    for (let i = 0; i < 5; i++) map.set(i, i);
    expect([...map.keys()]).toEqual([2, 3, 4]);
  });

  it('remembers a nonce until its timestamp leaves the window', () => {
    const nonces = new NonceStore();
    expect(nonces.remember('k', '', '1', 'n', 10_000, 0)).toBe(true);
    expect(nonces.remember('k', '', '1', 'n', 10_000, 5_000)).toBe(false);
    expect(nonces.remember('k', 't', '1', 'n', 10_000, 5_000)).toBe(true);
    expect(nonces.remember('k', '', '1', 'n', 20_000, 11_000)).toBe(true);
  });
});
