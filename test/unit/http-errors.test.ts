// Every failure class of the HTTP client maps to its coded error naming the node; the network is
// disabled (MockAgent with disableNetConnect, plus test/_no-network.ts).
import { errors, MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { HttpClient } from '../../electron/core/http/client.ts';
import type { HttpClientOptions } from '../../electron/core/http/client.ts';
import { TlsTrustError } from '../../electron/core/http/tls-trust.ts';
import { failure } from '../_failure.ts';

const ORIGIN = 'https://lbcq_2:9443';
const URL_X = `${ORIGIN}/cqweb/oslc/x`;

let mock: MockAgent;
let client: HttpClient;

function makeClient(opts: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    connectTimeoutMs: 1_000,
    totalTimeoutMs: 2_000,
    maxResponseBytes: 1024,
    env: {},
    dispatcher: mock,
    ...opts,
  });
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function get(url = URL_X, extra: { timeoutMs?: number; maxResponseBytes?: number } = {}) {
  return client.request({ node: 'node2', method: 'GET', url, ...extra });
}

beforeEach(() => {
  mock = new MockAgent();
  mock.disableNetConnect();
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await mock.close();
});

describe('network failures', () => {
  it('maps a refused connection to NODE_UNREACHABLE naming the node and its origin', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(withCode('connect ECONNREFUSED 10.0.0.2:9443', 'ECONNREFUSED'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.node).toBe('node2');
    expect(err.message).toBe('node2 (https://lbcq_2:9443) is unreachable: connection refused');
    expect(err.toJSON()).toMatchObject({ code: 'NODE_UNREACHABLE', node: 'node2' });
  });

  it('maps refusals on every address of a dual-stack host (an AggregateError) to connection refused', async () => {
    const aggregate = new AggregateError(
      [
        withCode('connect ECONNREFUSED ::1:9443', 'ECONNREFUSED'),
        withCode('connect ECONNREFUSED 127.0.0.1:9443', 'ECONNREFUSED'),
      ],
      'all failed',
    );
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).replyWithError(aggregate);
    const err = await failure(get());
    expect(err.message).toBe('node2 (https://lbcq_2:9443) is unreachable: connection refused');
  });

  it('maps a reset connection to NODE_UNREACHABLE', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).replyWithError(withCode('read ECONNRESET', 'ECONNRESET'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).toBe('node2 (https://lbcq_2:9443) is unreachable: connection reset');
  });

  it('maps a connection the node closed mid-answer to NODE_UNREACHABLE', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).replyWithError(new errors.SocketError('other side closed'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).toBe(
      'node2 (https://lbcq_2:9443) is unreachable: the connection closed before the answer was complete',
    );
  });

  it('maps an unknown host name to NODE_UNREACHABLE', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(withCode('getaddrinfo ENOTFOUND lbcq_2', 'ENOTFOUND'));
    const err = await failure(get());
    expect(err.message).toBe('node2 (https://lbcq_2:9443) is unreachable: host name not found');
  });

  it('maps a failed TLS handshake to NODE_UNREACHABLE and says so', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(
        withCode('write EPROTO 40E7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'EPROTO'),
      );
    const err = await failure(get());
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).toContain('node2 (https://lbcq_2:9443) is unreachable: the TLS handshake failed');
  });

  it('maps an error nobody foresaw to NODE_UNREACHABLE that still names the node', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).replyWithError(new Error('something odd'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).toBe('node2 (https://lbcq_2:9443) is unreachable: something odd');
  });

  it('maps a malformed HTTP answer to UNEXPECTED_RESPONSE', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(
        withCode('Response does not match the HTTP/1.1 protocol (Invalid status code)', 'HPE_INVALID_STATUS'),
      );
    const err = await failure(get());
    expect(err.code).toBe('UNEXPECTED_RESPONSE');
    expect(err.node).toBe('node2');
  });
});

describe('timeouts', () => {
  it('maps a reply later than the total timeout to NODE_TIMEOUT with the timeout in the message', async () => {
    client = makeClient({ totalTimeoutMs: 50 });
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(200, 'late').delay(1_000);
    const started = Date.now();
    const err = await failure(get());
    expect(Date.now() - started).toBeLessThan(900);
    expect(err.code).toBe('NODE_TIMEOUT');
    expect(err.node).toBe('node2');
    expect(err.message).toBe('node2 (https://lbcq_2:9443) did not answer within 50 ms (GET /cqweb/oslc/x)');
    expect(err.details).toMatchObject({ phase: 'total', timeoutMs: 50 });
  });

  it('lets one request wait longer than the client default', async () => {
    client = makeClient({ totalTimeoutMs: 20 });
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(200, 'late but fine').delay(60);
    const res = await get(URL_X, { timeoutMs: 2_000 });
    expect(res.body).toBe('late but fine');
  });

  it('maps a connect timeout to NODE_TIMEOUT with the connect timeout in the message', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(new errors.ConnectTimeoutError('Connect Timeout Error'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_TIMEOUT');
    expect(err.message).toBe('node2 (https://lbcq_2:9443) did not accept a connection within 1000 ms');
    expect(err.details).toMatchObject({ phase: 'connect', timeoutMs: 1_000 });
  });

  it("maps undici's own headers timeout to NODE_TIMEOUT", async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(new errors.HeadersTimeoutError('Headers Timeout Error'));
    const err = await failure(get());
    expect(err.code).toBe('NODE_TIMEOUT');
  });
});

describe('TLS refusals', () => {
  it('maps a refused certificate to TLS_UNTRUSTED with what the UI needs to offer "trust this certificate"', async () => {
    const presented = {
      subject: 'CN=lbcq_2.example.com',
      issuer: 'CN=Corp Issuing CA',
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2027-01-01T00:00:00.000Z',
      fingerprint256: 'AB:CD:EF',
      authorized: false,
    };
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .replyWithError(
        new TlsTrustError(
          'untrusted-chain',
          'SELF_SIGNED_CERT_IN_CHAIN',
          'its chain ends in a CA that is not trusted for this cluster',
          'lbcq_2',
          presented,
        ),
      );
    const err = await failure(get());
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.node).toBe('node2');
    expect(err.message).toBe(
      'node2 (https://lbcq_2:9443) presented a certificate that is not trusted: its chain ends in a CA that is not trusted for this cluster (SHA-256 AB:CD:EF)',
    );
    expect(err.details).toEqual({
      fingerprint256: 'AB:CD:EF',
      subject: 'CN=lbcq_2.example.com',
      issuer: 'CN=Corp Issuing CA',
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2027-01-01T00:00:00.000Z',
      reason: 'untrusted-chain',
      verifyError: 'SELF_SIGNED_CERT_IN_CHAIN',
      hostname: 'lbcq_2',
    });
  });
});

describe('response size cap', () => {
  it('refuses a body whose content-length is above the cap without reading it', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .reply(200, 'x'.repeat(2048), { headers: { 'content-length': '2048' } });
    const err = await failure(get());
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.node).toBe('node2');
    expect(err.message).toBe(
      'node2 (https://lbcq_2:9443) announced 2048 bytes in answer to GET /cqweb/oslc/x; the limit is 1 KiB',
    );
    expect(err.details).toEqual({ limitBytes: 1024, declaredBytes: 2048 });
  });

  it('refuses a body without content-length once the bytes read pass the cap', async () => {
    mock
      .get(ORIGIN)
      .intercept({ path: '/cqweb/oslc/x' })
      .reply(200, 'x'.repeat(2048), { headers: { 'content-type': 'text/plain' } });
    const err = await failure(get());
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.message).toBe(
      'node2 (https://lbcq_2:9443) sent more than 1024 bytes in answer to GET /cqweb/oslc/x; the limit is 1 KiB',
    );
    expect(err.details).toEqual({ limitBytes: 1024, declaredBytes: null });
  });

  it('counts bytes, not characters, against the cap', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(200, 'é'.repeat(600));
    const err = await failure(get());
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
  });

  it('lets one request raise the cap', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(200, 'x'.repeat(2048));
    const res = await get(URL_X, { maxResponseBytes: 4096 });
    expect(res.body).toHaveLength(2048);
  });
});

describe('answers', () => {
  it('resolves for error statuses instead of throwing', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(500, 'boom');
    const res = await get();
    expect(res.status).toBe(500);
    expect(res.body).toBe('boom');
  });

  it('lower-cases header names, joins repeated values and keeps every Set-Cookie apart', async () => {
    mock
      .get(ORIGIN)
      .intercept({
        path: '/cqweb/oslc/x',
        method: 'POST',
        body: 'a=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      .reply(200, '{"ok":true}', {
        headers: {
          'Content-Type': 'application/json',
          'X-Multi': ['one', 'two'],
          'Set-Cookie': ['JSESSIONID=0000abc:node2; Path=/', 'LtpaToken2=xyz; Secure'],
        },
      });
    const res = await client.request({
      node: 'node2',
      method: 'post',
      url: URL_X,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-multi']).toBe('one, two');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.setCookies).toEqual(['JSESSIONID=0000abc:node2; Path=/', 'LtpaToken2=xyz; Secure']);
    expect(res).toMatchObject({ status: 200, method: 'POST', url: URL_X, tls: null, body: '{"ok":true}' });
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('decodes the body as UTF-8', async () => {
    mock.get(ORIGIN).intercept({ path: '/cqweb/oslc/x' }).reply(200, Buffer.from('Grüße ✓', 'utf8'));
    expect((await get()).body).toBe('Grüße ✓');
  });
});

describe('bad input', () => {
  it('refuses a URL that does not parse with BAD_INPUT naming the node', async () => {
    const err = await failure(get('not a url'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.node).toBe('node2');
  });

  it('refuses a malformed method or header before anything is sent', async () => {
    expect((await failure(client.request({ node: 'node2', method: 'GE T', url: URL_X }))).code).toBe('BAD_INPUT');
    // undici validates headers itself (MockAgent does not), before it would open a connection.
    const real = new HttpClient({ connectTimeoutMs: 1_000, totalTimeoutMs: 1_000, maxResponseBytes: 1024, env: {} });
    try {
      const err = await failure(
        real.request({ node: 'node2', method: 'GET', url: URL_X, headers: { 'x-bad': 'line\r\nbreak' } }),
      );
      expect(err.code).toBe('BAD_INPUT');
      expect(err.node).toBe('node2');
    } finally {
      await real.close();
    }
  });

  it('refuses schemes other than http and https', async () => {
    const err = await failure(get('file:///etc/passwd'));
    expect(err.code).toBe('BAD_INPUT');
  });

  it('refuses credentials in the URL so they never reach a log or an error message', async () => {
    const err = await failure(get('https://admin:secret@lbcq_2:9443/x'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).not.toContain('secret');
  });

  it('refuses a client without a positive timeout', () => {
    expect(() => makeClient({ totalTimeoutMs: 0 })).toThrowError(AppError);
  });

  it('refuses a SOCKS proxy, whose own TLS connections would skip the trust check', async () => {
    const direct = new HttpClient({
      connectTimeoutMs: 1_000,
      totalTimeoutMs: 1_000,
      maxResponseBytes: 1024,
      env: { HTTPS_PROXY: 'socks5://127.0.0.1:1080' },
    });
    try {
      const err = await failure(direct.request({ node: 'node1', method: 'GET', url: 'https://lbcq_1:9443/x' }));
      expect(err.code).toBe('BAD_INPUT');
      expect(err.message).toContain('socks5://127.0.0.1:1080 is not supported');
    } finally {
      await direct.close();
    }
  });

  it('refuses a CA bundle without a certificate', () => {
    expect(() => makeClient({ caPem: 'not a certificate' })).toThrowError(/caPem: holds no PEM certificate/);
    expect(() => makeClient({ caPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toThrowError(
      /cannot be read/,
    );
  });

  it('refuses requests after close', async () => {
    await client.close();
    const err = await failure(get());
    expect(err.code).toBe('INTERNAL');
    expect(err.node).toBe('node2');
  });
});
