// Bad input of every kind gets a clear 4xx that names the problem, and the sandbox keeps serving.
import net from 'node:net';
import { fetch } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { adminLogin, Client, csrfOf, nodeUrl, useSandbox } from '../_sandbox.ts';

const sandbox = useSandbox({ nodes: 2 });
const client = new Client();
afterAll(() => client.close());

/** After each test: every node and the balancer still answer. */
afterEach(async () => {
  for (const url of [sandbox().info.balancer, ...sandbox().info.nodes.map((n) => n.url)]) {
    expect((await client.request(`${url}/rootservices`)).status).toBe(200);
  }
});

describe('bad input to the nodes', () => {
  it('answers malformed JSON on requestKey with 400 naming the JSON problem', async () => {
    const res = await client.request(`${sandbox().info.balancer}/oauth/requestKey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x", "secret": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.body).toMatch(/^malformed JSON in request body/);
  });

  it('answers missing or mistyped fields on requestKey with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x' }, 'field "secret" is required'],
      [{ secret: 's' }, 'field "name" is required'],
      [{ name: 'x', secret: 's', trusted: 'yes' }, 'field "trusted" must be true or false'],
      [[1, 2], 'request body must be a JSON object'],
    ];
    for (const [body, message] of cases) {
      const res = await client.json(`${sandbox().info.balancer}/oauth/requestKey`, body);
      expect(res.status).toBe(400);
      expect(res.body).toContain(message);
    }
    const empty = await client.request(`${sandbox().info.balancer}/oauth/requestKey`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('request body is empty');
  });

  it('refuses a body over 1 MB with 413, directly and through the balancer', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    for (const base of [nodeUrl(sandbox(), 'node1'), sandbox().info.balancer]) {
      const res = await client.request(`${base}/oauth/requestKey`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(res.body).toContain('request body too large: the limit is 1048576 bytes');
    }
    // A chunked body (no Content-Length) is cut off at the limit too.
    for (const base of [nodeUrl(sandbox(), 'node2'), sandbox().info.balancer]) {
      const chunks = (async function* () {
        for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 'b');
      })();
      const res = await fetch(`${base}/oauth/requestKey`, { method: 'POST', body: chunks, duplex: 'half' });
      expect(res.status).toBe(413);
      expect(await res.text()).toContain('request body too large');
    }
    // Exactly 1 MB is read (and then refused for what it says, not for its size).
    const limit = await client.request(`${nodeUrl(sandbox(), 'node1')}/oauth/requestKey`, {
      method: 'POST',
      body: Buffer.alloc(1024 * 1024, ' '),
    });
    expect(limit.status).toBe(400);
  });

  it('answers unknown paths with 404 and wrong methods with 405 and an Allow header', async () => {
    const missing = await client.request(`${sandbox().info.balancer}/no/such/thing`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/^no such path on node\d: \/no\/such\/thing/);
    const wrong = await client.request(`${sandbox().info.balancer}/oauth/requestKey`, { method: 'PUT', body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body).toContain('method PUT is not allowed on /oauth/requestKey');
  });

  it('answers refreshRepoConfig without or with wrong Basic credentials with 401 and a Basic challenge', async () => {
    const url = `${nodeUrl(sandbox(), 'node1')}/cqweb/oslc/repo/cqschema/db/SAMPL/refreshRepoConfig`;
    const none = await client.request(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="ClearQuest Web node1"/);
    expect(none.body).toContain('HTTP Basic authentication');
    const wrong = await client.request(url, {
      headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('wrong user or password');
    const garbage = await client.request(url, { headers: { authorization: 'Basic !!!' } });
    expect(garbage.status).toBe(401);
  });

  it('answers refreshRepoConfig for an unknown repository or database with 404 naming it', async () => {
    const basic = `Basic ${Buffer.from(`admin:${sandbox().info.admin.password}`).toString('base64')}`;
    const base = nodeUrl(sandbox(), 'node1');
    const repo = await client.request(`${base}/cqweb/oslc/repo/other/db/SAMPL/refreshRepoConfig`, {
      headers: { authorization: basic },
    });
    expect(repo.status).toBe(404);
    expect(repo.body).toContain('unknown schema repository "other"');
    const db = await client.request(`${base}/cqweb/oslc/repo/cqschema/db/NOPE/refreshRepoConfig`, {
      headers: { authorization: basic },
    });
    expect(db.status).toBe(404);
    expect(db.body).toContain('unknown user database "NOPE"');
  });

  it('refuses admin calls with a wrong or missing CSRF value (403) and without an admin session (403)', async () => {
    const base = nodeUrl(sandbox(), 'node1');
    const c = new Client();
    const csrf = csrfOf((await c.request(`${base}/oauth/admin`)).body);
    const login = { id: 'admin', password: sandbox().info.admin.password };
    const missing = await c.form(`${base}/oauth/adminLogin`, login);
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('missing X-CSRF-Prevent header');
    const wrong = await c.form(`${base}/oauth/adminLogin`, login, { 'x-csrf-prevent': `${csrf}x` });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('X-CSRF-Prevent does not match this session on node1');
    const list = await c.request(`${base}/oauth/consumers`);
    expect(list.status).toBe(403);
    expect(list.body).toContain('an admin session on node1 is required');
    const badPassword = await c.form(
      `${base}/oauth/adminLogin`,
      { id: 'admin', password: 'nope' },
      { 'x-csrf-prevent': csrf },
    );
    expect(badPassword.status).toBe(401);
    const noFields = await c.form(`${base}/oauth/adminLogin`, {}, { 'x-csrf-prevent': csrf });
    expect(noFields.status).toBe(400);
    expect(noFields.body).toContain('form fields "id" and "password" are required');
    // A CSRF value from node1's page is worthless on node2.
    const other = await c.form(`${nodeUrl(sandbox(), 'node2')}/oauth/adminLogin`, login, { 'x-csrf-prevent': csrf });
    expect(other.status).toBe(403);
    await c.close();
  });

  it('refuses approve and delete without the CSRF header even in an admin session', async () => {
    const base = nodeUrl(sandbox(), 'node1');
    const c = new Client();
    const csrf = await adminLogin(sandbox(), c, base);
    const approve = await c.form(`${base}/oauth/consumers/some-key`, { provisional: 'false' });
    expect(approve.status).toBe(403);
    const del = await c.request(`${base}/oauth/consumers/some-key`, { method: 'DELETE' });
    expect(del.status).toBe(403);
    const unknown = await c.request(`${base}/oauth/consumers/some-key`, {
      method: 'DELETE',
      headers: { 'x-csrf-prevent': csrf },
    });
    expect(unknown.status).toBe(404);
    const badFlag = await c.form(
      `${base}/oauth/consumers/some-key`,
      { provisional: 'maybe' },
      { 'x-csrf-prevent': csrf },
    );
    expect(badFlag.status).toBe(400);
    expect(badFlag.body).toContain('"provisional" must be "true" or "false"');
    await c.close();
  });

  it('refuses malformed OAuth headers and percent-encoding with 400 parameter_rejected', async () => {
    const url = `${nodeUrl(sandbox(), 'node1')}/oauth/requestToken`;
    const res = await client.request(url, {
      method: 'POST',
      headers: { authorization: 'OAuth oauth_consumer_key="%zz"' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('oauth_problem=parameter_rejected');
    const none = await client.request(url, { method: 'POST' });
    expect(none.status).toBe(400);
    expect(none.body).toContain('oauth_problem=parameter_absent');
    const form = await client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=%zz',
    });
    expect(form.status).toBe(400);
    expect(form.body).toContain('malformed form body');
  });

  it('answers an authorize page for an unknown or missing token with a 400 page that says so', async () => {
    const base = nodeUrl(sandbox(), 'node2');
    const unknown = await client.request(`${base}/oauth/authorize?oauth_token=nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('The request token is not known on node2');
    const missing = await client.request(`${base}/oauth/authorize`);
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('missing the oauth_token parameter');
    const decision = await client.form(`${base}/oauth/authorize`, { oauth_token: 'nope', decision: 'maybe' });
    expect(decision.status).toBe(400);
  });

  it('answers garbage on the socket with 400 and goes on serving', async () => {
    const { hostname, port } = new URL(nodeUrl(sandbox(), 'node1'));
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe('bad input to the control server', () => {
  const control = () => sandbox().info.control;

  it('answers malformed JSON, missing fields and out-of-range values with 400 JSON errors', async () => {
    const malformed = await client.request(`${control()}/nodes/node1/latency`, { method: 'POST', body: '{ms:' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toEqual({ error: expect.stringContaining('malformed JSON') });
    for (const [path, body, message] of [
      ['/nodes/node1/latency', {}, 'field "ms" is required'],
      ['/nodes/node1/latency', { ms: -1 }, 'field "ms" must be between 0 and 600000'],
      ['/nodes/node1/latency', { ms: '5' }, 'field "ms" must be a number'],
      ['/nodes/node1/clock', { offsetSeconds: null }, 'field "offsetSeconds" must be a number'],
      ['/consumer/friend', { name: 'x' }, 'field "secret" is required'],
    ] as const) {
      const res = await client.json(`${control()}${path}`, body);
      expect(res.status).toBe(400);
      expect((JSON.parse(res.body) as { error: string }).error).toContain(message);
    }
  });

  it('answers an unknown node with 404, an unknown path with 404 and a wrong method with 405', async () => {
    const unknownNode = await client.json(`${control()}/nodes/node9/kill`, {});
    expect(unknownNode.status).toBe(404);
    expect(unknownNode.body).toContain('unknown node \\"node9\\"; the nodes are node1, node2');
    expect((await client.request(`${control()}/nope`)).status).toBe(404);
    const wrong = await client.request(`${control()}/state`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    const big = await client.request(`${control()}/consumer/friend`, {
      method: 'POST',
      body: Buffer.alloc(1024 * 1024 + 10, 'x'),
    });
    expect(big.status).toBe(413);
  });
});
