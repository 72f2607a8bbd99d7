// OAuth 1.0a on the sandbox's nodes, checked for real with requests signed by the independent
// `oauth-1.0a` package (and by our own signer where that is the point).
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../electron/core/oauth/rfc5849.ts';
import {
  approvedConsumer,
  Client,
  formOf,
  nodeUrl,
  oauthHeader,
  requestToken,
  useSandbox,
  type Credentials,
} from '../_sandbox.ts';

const sandbox = useSandbox({ nodes: 3, sticky: false }); // round-robin: the signature must verify on every node;
const client = new Client();
let consumer: Credentials;
let node1: string;

beforeAll(async () => {
  consumer = await approvedConsumer(sandbox(), 'OAuth tests', 'oauth-tests-secret');
  node1 = nodeUrl(sandbox(), 'node1');
});
afterEach(() => {
  for (const n of sandbox().info.nodes) sandbox().setClockOffset(n.id, 0);
});
afterAll(() => client.close());

/** Request token, authorize page, Allow with the admin login: returns the callback URL. */
async function authorizedRequestToken(base: string, callback = 'https://consumer.example/cb?x=1') {
  const rt = await requestToken(client, base, consumer, { callback });
  expect(rt.status).toBe(200);
  const token = formOf(rt.body);
  const allow = await client.form(`${base}/oauth/authorize`, {
    oauth_token: token.oauth_token ?? '',
    id: sandbox().info.admin.user,
    password: sandbox().info.admin.password,
    decision: 'allow',
  });
  expect(allow.status).toBe(302);
  const location = new URL(allow.headers.get('location') ?? '');
  return { token: token.oauth_token ?? '', secret: token.oauth_token_secret ?? '', location };
}

function accessTokenCall(
  base: string,
  token: Credentials,
  verifier: string,
  extra: { timestampOffsetSeconds?: number } = {},
) {
  const url = `${base}/oauth/accessToken`;
  return client.request(url, {
    method: 'POST',
    headers: {
      authorization: oauthHeader({
        method: 'POST',
        url,
        consumer,
        token,
        data: { oauth_verifier: verifier },
        ...extra,
      }),
    },
  });
}

describe('signature verification', () => {
  it('accepts a request-token call signed by the oauth-1.0a package and answers the RFC 5849 §2.1 form', async () => {
    const res = await requestToken(client, node1, consumer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = formOf(res.body);
    expect(form.oauth_token).toMatch(/^[\w-]{20,}$/);
    expect(form.oauth_token_secret).toMatch(/^[\w-]{20,}$/);
    expect(form.oauth_callback_confirmed).toBe('true');
  });

  it('accepts a request signed by the project’s own signer too', async () => {
    const url = `${node1}/oauth/requestToken`;
    const signed = signRequest({
      method: 'POST',
      url,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      extraOAuth: { oauth_callback: 'oob' },
    });
    expect(
      (await client.request(url, { method: 'POST', headers: { authorization: signed.authorization } })).status,
    ).toBe(200);
  });

  it('verifies a request signed for the balancer URL on whichever node the balancer picks', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await requestToken(client, sandbox().info.balancer, consumer);
      expect(res.status).toBe(200);
      seen.add(res.node ?? '');
    }
    expect(seen.size).toBe(3);
  });

  it('refuses a request signed for the balancer URL but sent straight to a node, with signature_invalid', async () => {
    const authorization = oauthHeader({
      method: 'POST',
      url: `${sandbox().info.balancer}/oauth/requestToken`,
      consumer,
      data: { oauth_callback: 'oob' },
    });
    const res = await client.request(`${node1}/oauth/requestToken`, { method: 'POST', headers: { authorization } });
    expect(res.status).toBe(401);
    expect(formOf(res.body).oauth_problem).toBe('signature_invalid');
  });

  it('refuses a wrong consumer secret with signature_invalid', async () => {
    const res = await requestToken(client, node1, { key: consumer.key, secret: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`OAuth realm="${node1}", oauth_problem="signature_invalid"`);
  });

  it('accepts protocol parameters and signed form fields sent in the body instead of the header (§3.5.2)', async () => {
    const url = `${node1}/oauth/requestToken`;
    const oauth = new OAuth({
      consumer,
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    const data: Record<string, string> = { oauth_callback: 'oob', note: 'a b&c' };
    const signed = oauth.authorize({ method: 'POST', url, data });
    const body = new URLSearchParams(
      Object.entries(signed).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const res = await client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(200);
    const tampered = body.replace('note=a', 'note=A');
    const bad = await client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: tampered,
    });
    expect(formOf(bad.body).oauth_problem).toBe('signature_invalid');
  });

  it('refuses PLAINTEXT over plain HTTP with signature_method_rejected', async () => {
    const res = await requestToken(client, node1, consumer, { signatureMethod: 'PLAINTEXT' });
    expect(res.status).toBe(400);
    expect(formOf(res.body).oauth_problem).toBe('signature_method_rejected');
  });

  it('ignores an X-Forwarded-Proto header that did not come from the sandbox balancer', async () => {
    const url = `${node1}/oauth/requestToken`;
    const authorization = oauthHeader({
      method: 'POST',
      url,
      consumer,
      data: { oauth_callback: 'oob' },
      signatureMethod: 'PLAINTEXT',
    });
    const res = await client.request(url, {
      method: 'POST',
      headers: { authorization, 'x-forwarded-proto': 'https', 'x-sandbox-hop': 'guess' },
    });
    expect(res.status).toBe(400);
    expect(formOf(res.body).oauth_problem).toBe('signature_method_rejected');
  });

  it('refuses a missing oauth_callback with 400 parameter_absent, naming the parameter', async () => {
    const url = `${node1}/oauth/requestToken`;
    const authorization = oauthHeader({ method: 'POST', url, consumer });
    const res = await client.request(url, { method: 'POST', headers: { authorization } });
    expect(res.status).toBe(400);
    expect(formOf(res.body)).toMatchObject({
      oauth_problem: 'parameter_absent',
      oauth_parameters_absent: 'oauth_callback',
    });
  });
});

describe('timestamps, nonces and the node clock', () => {
  it('refuses the same nonce and timestamp twice with nonce_used', async () => {
    const url = `${node1}/oauth/requestToken`;
    const authorization = oauthHeader({
      method: 'POST',
      url,
      consumer,
      data: { oauth_callback: 'oob' },
      nonce: 'only-once',
    });
    expect((await client.request(url, { method: 'POST', headers: { authorization } })).status).toBe(200);
    const again = await client.request(url, { method: 'POST', headers: { authorization } });
    expect(again.status).toBe(401);
    expect(formOf(again.body).oauth_problem).toBe('nonce_used');
  });

  it('refuses a timestamp more than 300 s off the node clock, and shows that clock in the Date header', async () => {
    sandbox().setClockOffset('node2', 3600);
    const node2 = nodeUrl(sandbox(), 'node2');
    const res = await requestToken(client, node2, consumer);
    expect(res.status).toBe(401);
    expect(formOf(res.body).oauth_problem).toBe('timestamp_refused');
    expect(res.headers.get('www-authenticate')).toContain('oauth_problem="timestamp_refused"');
    const skew = (Date.parse(res.headers.get('date') ?? '') - Date.now()) / 1000;
    expect(skew).toBeGreaterThan(3590);
    expect(skew).toBeLessThan(3610);
    // A client that corrects for the skew is accepted.
    expect((await requestToken(client, node2, consumer, { timestampOffsetSeconds: 3600 })).status).toBe(200);
    // 299 s off is still inside the window.
    sandbox().setClockOffset('node2', 0);
    expect((await requestToken(client, node2, consumer, { timestampOffsetSeconds: -299 })).status).toBe(200);
  });

  it('expires a request token 600 s after issue on the node clock', async () => {
    const rt = formOf((await requestToken(client, node1, consumer)).body);
    sandbox().setClockOffset('node1', 601);
    const page = await client.request(`${node1}/oauth/authorize?oauth_token=${rt.oauth_token ?? ''}`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('oauth_problem=token_expired');
    const at = await accessTokenCall(node1, { key: rt.oauth_token ?? '', secret: rt.oauth_token_secret ?? '' }, 'x', {
      timestampOffsetSeconds: 601,
    });
    expect(at.status).toBe(401);
    expect(formOf(at.body).oauth_problem).toBe('token_expired');
  });

  it('still accepts a request token 599 s after issue', async () => {
    const rt = formOf((await requestToken(client, node1, consumer)).body);
    sandbox().setClockOffset('node1', 599);
    expect((await client.request(`${node1}/oauth/authorize?oauth_token=${rt.oauth_token ?? ''}`)).status).toBe(200);
  });
});

describe('authorization and the access token', () => {
  it('shows a login form with Allow and Deny buttons that carry stable names and test ids', async () => {
    const rt = formOf((await requestToken(client, node1, consumer)).body);
    const page = await client.request(`${node1}/oauth/authorize?oauth_token=${rt.oauth_token ?? ''}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    for (const fragment of [
      'data-testid="authorize-form"',
      'name="id" data-testid="login-id"',
      'name="password" data-testid="login-password"',
      'name="decision" value="allow" data-testid="allow"',
      'name="decision" value="deny" data-testid="deny"',
      `value="${rt.oauth_token ?? ''}"`,
      'OAuth tests',
    ]) {
      expect(page.body).toContain(fragment);
    }
  });

  it('completes the three-legged dance on one node and serves the catalog to the access token', async () => {
    const { token, secret, location } = await authorizedRequestToken(node1);
    expect(location.origin + location.pathname).toBe('https://consumer.example/cb');
    expect(location.searchParams.get('x')).toBe('1');
    expect(location.searchParams.get('oauth_token')).toBe(token);
    const verifier = location.searchParams.get('oauth_verifier') ?? '';
    const at = await accessTokenCall(node1, { key: token, secret }, verifier);
    expect(at.status).toBe(200);
    const access = formOf(at.body);

    const url = `${node1}/oslc/catalog`;
    const sign = () =>
      oauthHeader({
        method: 'GET',
        url,
        consumer,
        token: { key: access.oauth_token ?? '', secret: access.oauth_token_secret ?? '' },
      });
    const catalog = await client.request(url, { headers: { authorization: sign() } });
    expect(catalog.status).toBe(200);
    expect(catalog.headers.get('content-type')).toContain('application/rdf+xml');
    // The access token keeps working (ClearQuest: until the server restarts).
    expect((await client.request(url, { headers: { authorization: sign() } })).status).toBe(200);
    // Without a token the catalog is protected.
    const anonymous = await client.request(url, {
      headers: { authorization: oauthHeader({ method: 'GET', url, consumer }) },
    });
    expect(formOf(anonymous.body)).toMatchObject({
      oauth_problem: 'parameter_absent',
      oauth_parameters_absent: 'oauth_token',
    });
  });

  it('does not let a verified request token be used twice', async () => {
    const { token, secret, location } = await authorizedRequestToken(node1);
    const again = await client.request(`${node1}/oauth/authorize?oauth_token=${token}`);
    expect(again.status).toBe(400);
    expect(again.body).toContain('already verified');
    expect(again.body).toContain('oauth_problem=token_rejected');

    const verifier = location.searchParams.get('oauth_verifier') ?? '';
    expect((await accessTokenCall(node1, { key: token, secret }, verifier)).status).toBe(200);
    const twice = await accessTokenCall(node1, { key: token, secret }, verifier);
    expect(twice.status).toBe(401);
    expect(formOf(twice.body).oauth_problem).toBe('token_rejected');
  });

  it('redirects Deny to the callback with an empty verifier and oauth_error=oauth_denied', async () => {
    const rt = formOf((await requestToken(client, node1, consumer, { callback: 'https://consumer.example/cb' })).body);
    const deny = await client.form(`${node1}/oauth/authorize`, { oauth_token: rt.oauth_token ?? '', decision: 'deny' });
    expect(deny.status).toBe(302);
    const location = new URL(deny.headers.get('location') ?? '');
    expect(location.searchParams.get('oauth_token')).toBe(rt.oauth_token);
    expect(location.searchParams.get('oauth_verifier')).toBe('');
    expect(location.searchParams.get('oauth_error')).toBe('oauth_denied');
    const at = await accessTokenCall(node1, { key: rt.oauth_token ?? '', secret: rt.oauth_token_secret ?? '' }, '');
    expect(formOf(at.body).oauth_problem).toBe('permission_denied');
  });

  it('answers a bad login with 401 and leaves the request token usable', async () => {
    const rt = formOf((await requestToken(client, node1, consumer)).body);
    const bad = await client.form(`${node1}/oauth/authorize`, {
      oauth_token: rt.oauth_token ?? '',
      id: 'admin',
      password: 'wrong',
      decision: 'allow',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toContain('Wrong user ID or password');
    const good = await client.form(`${node1}/oauth/authorize`, {
      oauth_token: rt.oauth_token ?? '',
      id: sandbox().info.admin.user,
      password: sandbox().info.admin.password,
      decision: 'allow',
    });
    expect(good.status).toBe(302);
  });

  it('refuses an access-token call with the wrong verifier', async () => {
    const { token, secret } = await authorizedRequestToken(node1);
    const res = await accessTokenCall(node1, { key: token, secret }, 'not-the-verifier');
    expect(res.status).toBe(401);
    expect(formOf(res.body).oauth_problem).toBe('token_rejected');
  });

  it('shows the verifier on a page for an out-of-band (oob) callback', async () => {
    const rt = formOf((await requestToken(client, node1, consumer, { callback: 'oob' })).body);
    const page = await client.form(`${node1}/oauth/authorize`, {
      oauth_token: rt.oauth_token ?? '',
      id: sandbox().info.admin.user,
      password: sandbox().info.admin.password,
      decision: 'allow',
    });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/data-testid="oauth-verifier">[\w-]+</);
  });
});

describe('discovery', () => {
  it('advertises the balancer’s OAuth URLs in rootservices, whichever node answers', async () => {
    const balancer = sandbox().info.balancer;
    for (const n of sandbox().info.nodes) {
      const res = await client.request(`${n.url}/rootservices`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/rdf+xml');
      expect(res.body).toContain(`<jfs:oauthRequestTokenUrl rdf:resource="${balancer}/oauth/requestToken"/>`);
      expect(res.body).toContain(`<jfs:oauthUserAuthorizationUrl rdf:resource="${balancer}/oauth/authorize"/>`);
      expect(res.body).toContain(`<jfs:oauthAccessTokenUrl rdf:resource="${balancer}/oauth/accessToken"/>`);
      expect(res.body).toContain(`<jfs:oauthRequestConsumerKeyUrl rdf:resource="${balancer}/oauth/requestKey"/>`);
    }
  });

  it('serves the ClearQuest discovery document with the same OAuth URLs', async () => {
    const res = await client.request(`${sandbox().info.balancer}/cqweb/oslc/repo/cqschema/discovery`);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`rdf:resource="${sandbox().info.balancer}/oauth/requestToken"`);
    expect(res.body).toContain('oslc:ServiceProviderCatalog');
  });

  it('marks every answer with a WebSphere session cookie whose clone id names the node, once per session', async () => {
    const c = new Client();
    const first = await c.request(`${node1}/rootservices`);
    expect(first.headers.get('set-cookie')).toMatch(/^JSESSIONID=0000[\w-]+:node1; Path=\/; HttpOnly$/);
    const second = await c.request(`${node1}/rootservices`);
    expect(second.headers.get('set-cookie')).toBeNull();
    expect(second.node).toBe('node1');
    // A session of another node is not valid here: a new cookie.
    const node2 = await c.request(`${nodeUrl(sandbox(), 'node2')}/rootservices`);
    expect(node2.headers.get('set-cookie')).toMatch(/:node2;/);
    await c.close();
  });
});
