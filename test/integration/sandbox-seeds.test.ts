// The seed documents (../shared/seeds/) as scenarios against a real three-node sandbox.
import { afterAll, describe, expect, it } from 'vitest';
import {
  adminLogin,
  approvedConsumer,
  approveOn,
  Client,
  formOf,
  nodeUrl,
  oauthHeader,
  refreshNode,
  requestToken,
  useSandbox,
  type Credentials,
} from '../_sandbox.ts';

describe('a friendship through the balancer, approval and refresh (swg21643365, single-server provisional key)', () => {
  const sandbox = useSandbox({ nodes: 3 });
  const client = new Client();
  afterAll(() => client.close());
  let friend: Credentials & { node: string };
  const others = () => sandbox().info.nodes.filter((n) => n.id !== friend.node);

  it('leaves the provisional key on exactly the one node that handled the friendship', async () => {
    const { key, node } = await sandbox().friend('Rational Team Concert', 'rtc-secret');
    friend = { key, secret: 'rtc-secret', node };
    const holders = sandbox()
      .state()
      .nodes.filter((n) => n.provisional.includes(key));
    expect(holders.map((n) => n.id)).toEqual([node]);

    // Each node's own Lyo consumer list says the same.
    for (const n of sandbox().info.nodes) {
      const admin = new Client();
      await adminLogin(sandbox(), admin, n.url);
      const list = await admin.request(`${n.url}/oauth/consumers`, { headers: { accept: 'application/json' } });
      await admin.close();
      expect(list.status).toBe(200);
      const provisional = (JSON.parse(list.body) as { provisional: { key: string; provisional: boolean }[] })
        .provisional;
      expect(provisional.some((c) => c.key === key)).toBe(n.id === node);
      expect(list.body).not.toContain('rtc-secret');
    }
  });

  it('answers consumer_key_refused on the holding node while the key is provisional, unknown elsewhere', async () => {
    const here = await requestToken(client, nodeUrl(sandbox(), friend.node), friend);
    expect(here.status).toBe(401);
    expect(formOf(here.body).oauth_problem).toBe('consumer_key_refused');
    const other = await requestToken(client, others()[0]?.url ?? '', friend);
    expect(formOf(other.body).oauth_problem).toBe('consumer_key_unknown');
  });

  it('refuses to approve the key on another node with a 404 that names that node', async () => {
    for (const n of others()) {
      const res = await approveOn(sandbox(), n.id, friend.key);
      expect(res.status).toBe(404);
      expect(res.body).toContain(`key ${friend.key} is not a provisional key on ${n.id}`);
    }
    expect(sandbox().state().repository.consumers).toEqual([]);
  });

  it('approves the key on the node that holds it, writing the repository and that node’s registry only', async () => {
    const res = await approveOn(sandbox(), friend.node, friend.key);
    expect(res.status).toBe(204);
    const state = sandbox().state();
    expect(state.repository.consumers).toEqual([{ key: friend.key, name: 'Rational Team Concert', trusted: true }]);
    for (const n of state.nodes) {
      expect(n.registry.includes(friend.key)).toBe(n.id === friend.node);
      expect(n.provisional).not.toContain(friend.key);
    }
  });

  it('then answers 200 on the approving node and 401 invalid_expired_token on every other node', async () => {
    const ok = await requestToken(client, nodeUrl(sandbox(), friend.node), friend);
    expect(ok.status).toBe(200);
    expect(formOf(ok.body).oauth_callback_confirmed).toBe('true');
    for (const n of others()) {
      const res = await requestToken(client, n.url, friend);
      expect(res.status).toBe(401);
      expect(res.body).toContain('invalid_expired_token');
      expect(res.headers.get('www-authenticate')).toBe(`OAuth realm="${n.url}", oauth_problem="consumer_key_unknown"`);
    }
  });

  it('answers 200 on every node once each has been refreshed with refreshRepoConfig', async () => {
    const stale = others()[0];
    if (!stale) throw new Error('need at least two nodes');
    const first = await refreshNode(sandbox(), stale.id);
    expect(first.status).toBe(200);
    expect(first.body).toContain(`${stale.id}: OSLC configuration of cqschema/SAMPL reloaded`);
    expect((await requestToken(client, stale.url, friend)).status).toBe(200);
    // The node not yet refreshed is still stale.
    const notYet = others()[1];
    if (notYet)
      expect(formOf((await requestToken(client, notYet.url, friend)).body).oauth_problem).toBe('consumer_key_unknown');

    for (const n of sandbox().info.nodes) expect((await refreshNode(sandbox(), n.id)).status).toBe(200);
    for (const n of sandbox().info.nodes) expect((await requestToken(client, n.url, friend)).status).toBe(200);
  });

  it('ends a refreshRepoConfig session with DELETE /cqweb/oslc/session', async () => {
    const c = new Client();
    const url = nodeUrl(sandbox(), 'node1');
    await c.request(`${url}/rootservices`);
    const cookie = c.jar.get('JSESSIONID');
    const end = await c.request(`${url}/cqweb/oslc/session`, {
      method: 'DELETE',
      headers: { 'OSLC-Core-Version': '2.0' },
    });
    expect(end.status).toBe(204);
    expect(c.jar.has('JSESSIONID')).toBe(false);
    const next = await c.request(`${url}/rootservices`, {
      headers: { cookie: `JSESSIONID=${cookie ?? ''}` },
      cookies: false,
    });
    expect(next.headers.get('set-cookie')).toMatch(/^JSESSIONID=0000[^;]+:node1; Path=\/; HttpOnly$/);
    await c.close();
  });
});

describe('a node restart', () => {
  const sandbox = useSandbox({ nodes: 2 });

  it('loses the node’s provisional keys but reloads its registry from the repository', async () => {
    const approved = await approvedConsumer(sandbox(), 'Approved before restart');
    const { key, node } = await sandbox().friend('Pending', 'pending-secret');
    await sandbox().restartNode(node);
    const after = sandbox()
      .state()
      .nodes.find((n) => n.id === node);
    expect(after?.up).toBe(true);
    expect(after?.provisional).not.toContain(key);
    expect(after?.registry).toContain(approved.key);
    const res = await approveOn(sandbox(), node, key);
    expect(res.status).toBe(404);
    expect(sandbox().info.nodes.find((n) => n.id === node)?.url).toBe(after?.url);
  });
});

describe('a three-legged OAuth dance through the balancer', () => {
  async function dance(client: Client, balancer: string, consumer: Credentials) {
    const rt = await requestToken(client, balancer, consumer);
    expect(rt.status).toBe(200);
    const { oauth_token: token = '', oauth_token_secret: tokenSecret = '' } = formOf(rt.body);
    const page = await client.request(`${balancer}/oauth/authorize?oauth_token=${encodeURIComponent(token)}`);
    return { rt, page, token, tokenSecret };
  }

  describe('without sticky sessions', () => {
    const sandbox = useSandbox({ nodes: 3, sticky: false });

    it('fails on the node that does not hold the request token', async () => {
      const consumer = await approvedConsumer(sandbox(), 'Round robin');
      const client = new Client();
      const { rt, page } = await dance(client, sandbox().info.balancer, consumer);
      await client.close();
      expect(page.node).not.toBe(rt.node);
      expect(page.status).toBe(400);
      expect(page.body).toContain(`The request token is not known on ${page.node ?? ''}`);
      expect(page.body).toContain('oauth_problem=token_rejected');
    });
  });

  describe('with sticky sessions', () => {
    const sandbox = useSandbox({ nodes: 3, sticky: true });

    it('works end to end, every leg on the node that issued the request token', async () => {
      const consumer = await approvedConsumer(sandbox(), 'Sticky');
      const client = new Client();
      const balancer = sandbox().info.balancer;
      const { rt, page, token, tokenSecret } = await dance(client, balancer, consumer);
      expect(page.status).toBe(200);
      expect(page.node).toBe(rt.node);

      const allow = await client.form(`${balancer}/oauth/authorize`, {
        oauth_token: token,
        id: sandbox().info.admin.user,
        password: sandbox().info.admin.password,
        decision: 'allow',
      });
      expect(allow.status).toBe(302);
      expect(allow.node).toBe(rt.node);
      const callback = new URL(allow.headers.get('location') ?? '');
      const verifier = callback.searchParams.get('oauth_verifier') ?? '';
      expect(verifier).not.toBe('');

      const atUrl = `${balancer}/oauth/accessToken`;
      const at = await client.request(atUrl, {
        method: 'POST',
        headers: {
          authorization: oauthHeader({
            method: 'POST',
            url: atUrl,
            consumer,
            token: { key: token, secret: tokenSecret },
            data: { oauth_verifier: verifier },
          }),
        },
      });
      expect(at.status).toBe(200);
      expect(at.node).toBe(rt.node);
      const access = formOf(at.body);

      const catalogUrl = `${balancer}/oslc/catalog`;
      const catalog = await client.request(catalogUrl, {
        headers: {
          authorization: oauthHeader({
            method: 'GET',
            url: catalogUrl,
            consumer,
            token: { key: access.oauth_token ?? '', secret: access.oauth_token_secret ?? '' },
          }),
        },
      });
      expect(catalog.status).toBe(200);
      expect(catalog.body).toContain('oslc:ServiceProviderCatalog');
      await client.close();
    });
  });
});
