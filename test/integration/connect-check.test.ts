// Issue 24: the connection test names each failure and its fix, over real sockets: dialect sandboxes
// (with the control switches for clock and version), and small real servers on 127.0.0.1 playing what
// sits in front of a node (a login page, the Jazz Authorization Server, an http→https redirect) and a
// node with an expired certificate. NODE_EXTRA_CA_CERTS is unset before any client reads the trust store.
delete process.env['NODE_EXTRA_CA_CERTS'];

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckItem, ClusterCheck } from '../../shared/contract-connect.ts';
import type { ClusterInput } from '../../shared/schema.ts';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { issueTestLeaf, makeTestCa } from '../_tls.ts';

let home: string;
let engine: Engine;
let cq: SandboxHandle;
let cqTls: SandboxHandle;
let jazz: SandboxHandle;
const servers: (http.Server | https.Server)[] = [];

async function listen<T extends http.Server | https.Server>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

function cqInput(s: SandboxHandle, name: string, nodes?: string[], caPem: string | null = null): ClusterInput {
  return {
    name,
    kind: 'clearquest',
    balancerUrl: `${s.info.balancer}/cqweb`,
    nodes: (nodes ?? s.info.nodes.map((n) => `${n.url}/cqweb`)).map((url) => ({ url })),
    repo: 'cqschema',
    db: 'SAMPL',
    caPem,
  };
}

function item(c: ClusterCheck, node: string, check: CheckItem['check']): CheckItem | undefined {
  return c.nodes.find((n) => n.node === node)?.items.find((i) => i.check === check);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-check-'));
  engine = new Engine({ home, secrets: new MemorySecretStore() });
  [cq, cqTls, jazz] = await Promise.all([
    startSandbox({ nodes: 2, dialect: 'clearquest' }),
    startSandbox({ nodes: 2, dialect: 'clearquest', tls: true }),
    startSandbox({ nodes: 2, dialect: 'jazz' }),
  ]);
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.close();
  await engine.close();
  await Promise.all([cq, cqTls, jazz].map((s) => s.close()));
  await rm(home, { recursive: true, force: true });
});

describe('cluster check: everything right', () => {
  it('passes ClearQuest and Jazz with the admin login, and names the trust source over TLS', async () => {
    const ok = await engine.checkCluster({
      input: cqInput(cq, 'cq'),
      user: cq.info.admin.user,
      password: cq.info.admin.password,
    });
    expect(ok.failures).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(item(ok, 'node1', 'login')?.verdict).toBe('pass');
    expect(item(ok, 'node2', 'product')?.text).toMatch(/ClearQuest Web\/10\.0\.6/);

    const j = await engine.checkCluster({
      input: {
        name: 'jz',
        kind: 'jazz',
        balancerUrl: `${jazz.info.balancer}/jts`,
        nodes: jazz.info.nodes.map((n) => ({ url: `${n.url}/jts` })),
      },
      user: jazz.info.admin.user,
      password: jazz.info.admin.password,
    });
    expect(j.failures).toEqual([]);
    expect(item(j, 'node1', 'login')?.verdict).toBe('pass');

    const caPem = await readFile(cqTls.info.caFile!, 'utf8');
    const tls = await engine.checkCluster({ input: cqInput(cqTls, 'cqtls', undefined, caPem) });
    expect(tls.ok).toBe(true);
    expect(item(tls, 'node1', 'tls')?.text).toMatch(/trusted by the cluster's CA bundle/);
  });
});

describe('cluster check: Lyo', () => {
  it('passes a Lyo cluster whose admin page is its own login form, and the admin login', async () => {
    const lyo = await startSandbox({ nodes: 2, dialect: 'lyo' });
    try {
      const c = await engine.checkCluster({
        input: {
          name: 'ly',
          kind: 'lyo',
          balancerUrl: lyo.info.balancer,
          nodes: lyo.info.nodes.map((n) => ({ url: n.url })),
        },
        user: lyo.info.admin.user,
        password: lyo.info.admin.password,
      });
      expect(c.failures).toEqual([]);
      expect(item(c, 'node2', 'login')?.verdict).toBe('pass');
    } finally {
      await lyo.close();
    }
  });
});

describe('cluster check: each failure names its fix', () => {
  it('wrong context root: "did you mean …/cqweb?" with the URL to apply', async () => {
    const c = await engine.checkCluster({
      input: cqInput(
        cq,
        'noroot',
        cq.info.nodes.map((n) => n.url),
      ),
    });
    expect(c.ok).toBe(false);
    const d = item(c, 'node1', 'discovery')!;
    expect(d.verdict).toBe('fail');
    expect(d.fix).toBe(`Did you mean ${cq.info.nodes[0]!.url}/cqweb? The context root is /cqweb.`);
    expect(d.apply).toEqual({ kind: 'context-root', node: 'node1', url: `${cq.info.nodes[0]!.url}/cqweb` });
    expect(c.failures.some((f) => f.startsWith('node2: discovery'))).toBe(true);
  });

  it('a node of another product, and a node of another version', async () => {
    const mixed = await engine.checkCluster({
      input: cqInput(cq, 'mixed', [`${cq.info.nodes[0]!.url}/cqweb`, `${jazz.info.nodes[0]!.url}/cqweb`]),
    });
    expect(item(mixed, 'node2', 'product')).toMatchObject({
      verdict: 'fail',
      text: 'this is Jazz Team Server, not ClearQuest Web',
    });
    cq.setVersion('node2', '10.0.5');
    try {
      const c = await engine.checkCluster({ input: cqInput(cq, 'versions') });
      expect(item(c, 'node2', 'product')).toMatchObject({ verdict: 'fail' });
      expect(item(c, 'node2', 'product')?.text).toMatch(
        /says "ClearQuest Web\/10\.0\.5 \(sandbox\)" where the other nodes say "ClearQuest Web\/10\.0\.6/,
      );
      expect(item(c, 'node2', 'product')?.fix).toMatch(/same product version/);
    } finally {
      cq.setVersion('node2', '10.0.6');
    }
  });

  it('a login page in front, and the Jazz Authorization Server (OIDC) in front', async () => {
    const loginPort = await listen(
      http.createServer((_q, r) =>
        r
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><form><input type="password" name="p"></form></html>'),
      ),
    );
    const jasPort = await listen(
      http.createServer((_q, r) =>
        r
          .writeHead(302, {
            location: 'https://jas.example:9643/oidc/endpoint/jazzop/authorize?x=1',
            'x-jsa-authorization-redirect': 'true',
          })
          .end(),
      ),
    );
    const c = await engine.checkCluster({
      input: cqInput(cq, 'front', [`http://127.0.0.1:${loginPort}/cqweb`, `http://127.0.0.1:${jasPort}/cqweb`]),
    });
    expect(item(c, 'node1', 'discovery')).toMatchObject({
      verdict: 'fail',
      text: 'it answers with an HTML login page instead of the product',
    });
    expect(item(c, 'node1', 'discovery')?.fix).toMatch(/single sign-on/);
    expect(item(c, 'node2', 'discovery')?.text).toMatch(/Jazz Authorization Server \(OIDC\)/);
    expect(item(c, 'node2', 'discovery')?.fix).toMatch(/need no provisional-key approval/);
  });

  it('http redirected to https: the fix is the https URL', async () => {
    const port = await listen(
      http.createServer((q, r) => r.writeHead(301, { location: `https://127.0.0.1:${8443}${q.url}` }).end()),
    );
    const c = await engine.checkCluster({ input: cqInput(cq, 'redirect', [`http://127.0.0.1:${port}/cqweb`]) });
    const d = item(c, 'node1', 'discovery')!;
    expect(d.text).toMatch(/http:\/\/ is redirected to https:\/\//);
    expect(d.apply).toEqual({ kind: 'scheme', node: 'node1', url: 'https://127.0.0.1:8443/cqweb' });
  });

  it('an untrusted chain offers the pin; an expired certificate says renew', async () => {
    const c = await engine.checkCluster({ input: cqInput(cqTls, 'untrusted') });
    const t = item(c, 'node1', 'tls')!;
    expect(t.verdict).toBe('fail');
    expect(t.text).toMatch(/trusted by none of the OS trust store, the cluster's CA bundle or a pin/);
    expect(t.apply).toMatchObject({ kind: 'trust', node: 'node1' });
    expect(item(c, 'node1', 'reachable')?.verdict).toBe('pass');

    const ca = await makeTestCa();
    const day = 86_400_000;
    const leaf = await issueTestLeaf(ca, {
      notBefore: new Date(Date.now() - 40 * day),
      notAfter: new Date(Date.now() - day),
    });
    const port = await listen(https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_q, r) => r.end('x')));
    const e = await engine.checkCluster({
      input: cqInput(cq, 'expired', [`https://127.0.0.1:${port}/cqweb`], ca.certPem),
    });
    expect(item(e, 'node1', 'tls')?.text).toMatch(/expired on/);
    expect(item(e, 'node1', 'tls')?.fix).toMatch(/^Renew node1's certificate/);
  });

  it('clock skew beyond 300 s, and a wrong password', async () => {
    cq.setClockOffset('node1', 900);
    try {
      const c = await engine.checkCluster({ input: cqInput(cq, 'skew'), user: 'admin', password: 'wrong-password' });
      expect(item(c, 'node1', 'clock')).toMatchObject({ verdict: 'fail' });
      expect(item(c, 'node1', 'clock')?.text).toMatch(/its clock is 9\d\d s ahead of this machine's/);
      expect(item(c, 'node1', 'clock')?.fix).toMatch(/NTP/);
      expect(item(c, 'node2', 'login')).toMatchObject({
        verdict: 'fail',
        text: 'the login as "admin" is refused (wrong user or password)',
      });
      expect(JSON.stringify(c)).not.toContain('wrong-password');
    } finally {
      cq.setClockOffset('node1', 0);
    }
  });
});
