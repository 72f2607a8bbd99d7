// --tls: a private CA, HTTPS on every listener, hops from the balancer to the nodes over TLS.
import { promises as fs } from 'node:fs';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedConsumer, Client, formOf, nodeUrl, requestToken, useSandbox } from '../_sandbox.ts';

describe('the sandbox with --tls', () => {
  const sandbox = useSandbox({ nodes: 2, tls: true });
  let client: Client;
  beforeAll(() => {
    client = Client.for(sandbox());
  });
  afterAll(() => client.close());

  it('serves HTTPS on every listener and writes its CA to <stateDir>/ca.pem', async () => {
    const { info } = sandbox();
    expect(info.caFile).toBe(`${info.stateDir}/ca.pem`);
    expect(await fs.readFile(info.caFile ?? '', 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
    for (const url of [info.balancer, info.control, ...info.nodes.map((n) => n.url)]) {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
    expect((await client.request(`${info.control}/state`)).status).toBe(200);
  });

  it('is trusted by a client that has the CA, under 127.0.0.1 and under localhost', async () => {
    const node = nodeUrl(sandbox(), 'node1');
    expect((await client.request(`${node}/rootservices`)).status).toBe(200);
    expect((await client.request(`${node.replace('127.0.0.1', 'localhost')}/rootservices`)).status).toBe(200);
    const res = await client.request(`${sandbox().info.balancer}/rootservices`);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`rdf:resource="${sandbox().info.balancer}/oauth/requestToken"`);
  });

  it('fails TLS verification for a client without the CA', async () => {
    for (const url of [sandbox().info.balancer, nodeUrl(sandbox(), 'node2')]) {
      const code = await fetch(`${url}/rootservices`).then(
        () => 'trusted',
        (e: Error) => (e.cause as NodeJS.ErrnoException | undefined)?.code,
      );
      expect(code).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
      );
    }
  });

  it('makes friends, approves and verifies signed requests over HTTPS, through the balancer and on each node', async () => {
    const consumer = await approvedConsumer(sandbox(), 'TLS consumer');
    for (const base of [sandbox().info.balancer, ...sandbox().info.nodes.map((n) => n.url)]) {
      const res = await requestToken(client, base, consumer);
      expect(res.status).toBe(200);
    }
  });

  it('accepts PLAINTEXT signatures over TLS, also when the balancer forwards them', async () => {
    const consumer = await approvedConsumer(sandbox(), 'PLAINTEXT consumer');
    for (const base of [sandbox().info.balancer, nodeUrl(sandbox(), 'node1')]) {
      const res = await requestToken(client, base, consumer, { signatureMethod: 'PLAINTEXT' });
      expect(res.status).toBe(200);
      expect(formOf(res.body).oauth_callback_confirmed).toBe('true');
    }
  });

  it('marks its session cookies Secure', async () => {
    const res = await client.request(`${nodeUrl(sandbox(), 'node2')}/rootservices`, { cookies: false });
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure$/);
  });
});
