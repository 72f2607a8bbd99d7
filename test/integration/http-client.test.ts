// The hardened HTTP client over real loopback sockets: TLS trust (CA, pin, host name), keep-alive,
// timeouts, the size cap, proxies, and independence of origins.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../electron/core/http/client.ts';
import type { HttpClientOptions } from '../../electron/core/http/client.ts';
import { issueTestLeaf, makeTestCa } from '../_tls.ts';
import type { TestCa, TestLeaf } from '../_tls.ts';
import { failure } from '../_failure.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Started {
  server: net.Server;
  port: number;
  /** TCP connections the server accepted. */
  connections: net.Socket[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
const clients: HttpClient[] = [];

async function listen(server: net.Server): Promise<Started> {
  const connections: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => connections.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const started: Started = {
    server,
    port: (server.address() as AddressInfo).port,
    connections,
    close: async () => {
      for (const s of connections) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  cleanups.push(started.close);
  return started;
}

const ok: Handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
};

function httpServer(handler: Handler = ok): Promise<Started> {
  return listen(http.createServer(handler));
}

function httpsServer(leaf: TestLeaf, handler: Handler = ok): Promise<Started> {
  return listen(https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, handler));
}

function client(opts: Partial<HttpClientOptions> = {}): HttpClient {
  const c = new HttpClient({
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
    maxResponseBytes: 1024 * 1024,
    env: {},
    ...opts,
  });
  clients.push(c);
  return c;
}

/** Host names under this suffix exist only for the test proxy, which sends them to 127.0.0.1. */
const PROXIED = '.proxied.test';
const upstreamHost = (host: string) => (host.endsWith(PROXIED) ? '127.0.0.1' : host);

/**
 * A CONNECT proxy (and absolute-form forwarder for http://) that remembers what it was asked for.
 * Loopback never goes through a proxy, so the nodes behind it are named `*.proxied.test`.
 */
async function proxyServer(): Promise<Started & { tunnels: string[]; forwarded: string[] }> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const server = http.createServer((req, res) => {
    forwarded.push(req.url ?? '');
    const target = new URL(req.url ?? '');
    const upstream = http.request(
      {
        host: upstreamHost(target.hostname),
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), upstreamHost(host), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const started = await listen(server);
  return Object.assign(started, { tunnels, forwarded });
}

let ca: TestCa;
let leaf: TestLeaf;
let otherHostLeaf: TestLeaf;
let proxiedLeaf: TestLeaf;

beforeAll(async () => {
  ca = await makeTestCa();
  leaf = await issueTestLeaf(ca);
  otherHostLeaf = await issueTestLeaf(ca, {
    commonName: 'other.example',
    dnsNames: ['other.example'],
    ips: ['10.9.9.9'],
  });
  proxiedLeaf = await issueTestLeaf(ca, { commonName: `node1${PROXIED}`, dnsNames: [`node1${PROXIED}`] });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

describe('TLS trust', () => {
  it('trusts a node whose certificate chains to the cluster CA and reports the peer certificate', async () => {
    const node = await httpsServer(leaf);
    const res = await client({ caPem: ca.certPem }).request({
      node: 'node1',
      method: 'GET',
      url: `https://127.0.0.1:${node.port}/x`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"ok":true}');
    expect(res.tls).toMatchObject({
      fingerprint256: leaf.fingerprint256,
      subject: 'CN=localhost',
      issuer: 'CN=OSLC Admin Test CA',
      authorized: true,
    });
    expect(Date.parse(res.tls?.validTo ?? '')).toBeGreaterThan(Date.now());
  });

  it('refuses a node whose CA is not trusted with TLS_UNTRUSTED carrying the presented certificate', async () => {
    const node = await httpsServer(leaf);
    const err = await failure(
      client().request({ node: 'node2', method: 'GET', url: `https://127.0.0.1:${node.port}/x` }),
    );
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.node).toBe('node2');
    expect(err.message).toContain(`node2 (https://127.0.0.1:${node.port}) presented a certificate that is not trusted`);
    expect(err.message).toContain(leaf.fingerprint256);
    expect(err.details).toMatchObject({
      fingerprint256: leaf.fingerprint256,
      subject: 'CN=localhost',
      issuer: 'CN=OSLC Admin Test CA',
      reason: 'untrusted-chain',
      verifyError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(typeof err.details?.['validTo']).toBe('string');
  });

  it('trusts a pinned certificate although its chain does not verify, and says it was not chain-verified', async () => {
    const node = await httpsServer(leaf);
    const pinnedLowerCaseNoColons = leaf.fingerprint256.replace(/:/g, '').toLowerCase();
    const res = await client({ pinnedFingerprints: [pinnedLowerCaseNoColons] }).request({
      node: 'node1',
      method: 'GET',
      url: `https://127.0.0.1:${node.port}/x`,
    });
    expect(res.status).toBe(200);
    expect(res.tls).toMatchObject({ fingerprint256: leaf.fingerprint256, authorized: false });
  });

  it('refuses an untrusted certificate when only other fingerprints are pinned', async () => {
    const node = await httpsServer(leaf);
    const err = await failure(
      client({ pinnedFingerprints: [otherHostLeaf.fingerprint256] }).request({
        node: 'node3',
        method: 'GET',
        url: `https://127.0.0.1:${node.port}/x`,
      }),
    );
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.details?.['fingerprint256']).toBe(leaf.fingerprint256);
  });

  it('refuses a certificate from the trusted CA that was issued for another host name', async () => {
    const node = await httpsServer(otherHostLeaf);
    const err = await failure(
      client({ caPem: ca.certPem }).request({ node: 'node1', method: 'GET', url: `https://127.0.0.1:${node.port}/x` }),
    );
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.message).toContain('not valid for 127.0.0.1');
    expect(err.details).toMatchObject({
      reason: 'hostname-mismatch',
      fingerprint256: otherHostLeaf.fingerprint256,
      hostname: '127.0.0.1',
    });
  });

  it('trusts a pinned certificate that was issued for another host name', async () => {
    const node = await httpsServer(otherHostLeaf);
    const res = await client({ caPem: ca.certPem, pinnedFingerprints: [otherHostLeaf.fingerprint256] }).request({
      node: 'node1',
      method: 'GET',
      url: `https://127.0.0.1:${node.port}/x`,
    });
    expect(res.tls).toMatchObject({ fingerprint256: otherHostLeaf.fingerprint256, authorized: false });
  });

  it('reports on each of several parallel responses the certificate of the connection that served it', async () => {
    const node = await httpsServer(leaf, (_req, res) => setTimeout(() => res.end('ok'), 50));
    const c = client({ caPem: ca.certPem });
    const answers = await Promise.all(
      [1, 2, 3, 4].map((i) => c.request({ node: 'node1', method: 'GET', url: `https://127.0.0.1:${node.port}/${i}` })),
    );
    expect(node.connections.length).toBeGreaterThan(1);
    for (const res of answers) expect(res.tls?.fingerprint256).toBe(leaf.fingerprint256);
  });

  it('checks the host name of a localhost URL against DNS names too', async () => {
    const node = await httpsServer(leaf);
    const res = await client({ caPem: ca.certPem }).request({
      node: 'node1',
      method: 'GET',
      url: `https://localhost:${node.port}/x`,
    });
    expect(res.tls?.authorized).toBe(true);
  });
});

describe('connections', () => {
  it('reuses one keep-alive connection for two requests to the same origin and reports TLS on both', async () => {
    const node = await httpsServer(leaf);
    const c = client({ caPem: ca.certPem });
    const first = await c.request({ node: 'node1', method: 'GET', url: `https://127.0.0.1:${node.port}/a` });
    const second = await c.request({ node: 'node1', method: 'GET', url: `https://127.0.0.1:${node.port}/b` });
    expect(node.connections).toHaveLength(1);
    expect(first.tls?.fingerprint256).toBe(leaf.fingerprint256);
    expect(second.tls?.fingerprint256).toBe(leaf.fingerprint256);
  });

  it('reports a closed port as NODE_UNREACHABLE naming the node and the origin', async () => {
    const closed = await httpServer();
    const port = closed.port;
    await closed.close();
    cleanups.splice(cleanups.indexOf(closed.close), 1);
    const err = await failure(client().request({ node: 'node2', method: 'GET', url: `http://127.0.0.1:${port}/x` }));
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.node).toBe('node2');
    expect(err.message).toBe(`node2 (http://127.0.0.1:${port}) is unreachable: connection refused`);
  });

  it('times out a node that accepts the connection but never answers, in about the timeout', async () => {
    const silent = await listen(net.createServer(() => {}));
    const started = Date.now();
    const err = await failure(
      client({ totalTimeoutMs: 400 }).request({
        node: 'node3',
        method: 'GET',
        url: `http://127.0.0.1:${silent.port}/x`,
      }),
    );
    const elapsed = Date.now() - started;
    expect(err.code).toBe('NODE_TIMEOUT');
    expect(err.message).toBe(`node3 (http://127.0.0.1:${silent.port}) did not answer within 400 ms (GET /x)`);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('applies a per-request timeout over the client default', async () => {
    const silent = await listen(net.createServer(() => {}));
    const err = await failure(
      client({ totalTimeoutMs: 30_000 }).request({
        node: 'node3',
        method: 'GET',
        url: `http://127.0.0.1:${silent.port}/x`,
        timeoutMs: 200,
      }),
    );
    expect(err.code).toBe('NODE_TIMEOUT');
    expect(err.details).toMatchObject({ timeoutMs: 200 });
  });

  it('does not let a slow origin delay a parallel request to another origin', async () => {
    const slow = await httpServer((_req, res) => setTimeout(() => res.end('slow'), 1_500));
    const fast = await httpServer((_req, res) => res.end('fast'));
    const c = client();
    const started = Date.now();
    let fastDoneAt = 0;
    const slowReq = c.request({ node: 'node1', method: 'GET', url: `http://127.0.0.1:${slow.port}/` });
    const fastReq = c.request({ node: 'node2', method: 'GET', url: `http://127.0.0.1:${fast.port}/` }).then((r) => {
      fastDoneAt = Date.now() - started;
      return r;
    });
    const [s, f] = await Promise.all([slowReq, fastReq]);
    expect(f.body).toBe('fast');
    expect(s.body).toBe('slow');
    expect(fastDoneAt).toBeLessThan(700);
    expect(s.latencyMs).toBeGreaterThanOrEqual(1_400);
  });
});

describe('response size cap', () => {
  const twoMiB = Buffer.alloc(2 * 1024 * 1024, 'a');

  it('stops reading a 2 MiB body without content-length at the cap and closes the connection', async () => {
    let serverSocketClosed = false;
    const node = await httpServer((req, res) => {
      req.socket.on('close', () => (serverSocketClosed = true));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(twoMiB.subarray(0, 1024 * 1024));
      setTimeout(() => res.end(twoMiB.subarray(1024 * 1024)), 50);
    });
    const err = await failure(
      client().request({ node: 'node1', method: 'GET', url: `http://127.0.0.1:${node.port}/big` }),
    );
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.node).toBe('node1');
    expect(err.message).toBe(
      `node1 (http://127.0.0.1:${node.port}) sent more than 1048576 bytes in answer to GET /big; the limit is 1 MiB`,
    );
    await expect.poll(() => serverSocketClosed, { timeout: 2_000 }).toBe(true);
  });

  it('refuses a 2 MiB body announced by content-length before reading it', async () => {
    const node = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(twoMiB.length) });
      res.end(twoMiB);
    });
    const err = await failure(
      client().request({ node: 'node1', method: 'GET', url: `http://127.0.0.1:${node.port}/big` }),
    );
    expect(err.code).toBe('RESPONSE_TOO_LARGE');
    expect(err.details).toMatchObject({ limitBytes: 1024 * 1024, declaredBytes: twoMiB.length });
  });

  it('accepts a body of exactly the cap', async () => {
    const node = await httpServer((_req, res) => res.end(Buffer.alloc(1000, 'b')));
    const res = await client({ maxResponseBytes: 1000 }).request({
      node: 'node1',
      method: 'GET',
      url: `http://127.0.0.1:${node.port}/`,
    });
    expect(res.body).toHaveLength(1000);
  });
});

describe('proxies', () => {
  it('tunnels https requests through HTTPS_PROXY and still verifies the node certificate', async () => {
    const node = await httpsServer(proxiedLeaf);
    const proxy = await proxyServer();
    const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` };
    const url = `https://node1${PROXIED}:${node.port}/x`;
    const res = await client({ caPem: ca.certPem, env }).request({ node: 'node1', method: 'GET', url });
    expect(res.status).toBe(200);
    expect(res.tls?.fingerprint256).toBe(proxiedLeaf.fingerprint256);
    expect(proxy.tunnels).toEqual([`node1${PROXIED}:${node.port}`]);

    const err = await failure(client({ env }).request({ node: 'node2', method: 'GET', url }));
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.details?.['fingerprint256']).toBe(proxiedLeaf.fingerprint256);
  });

  it('goes straight to the node when NO_PROXY names its host', async () => {
    const proxy = await proxyServer();
    const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: `example.com, node1${PROXIED}` };
    // Direct, the name resolves nowhere: the request fails without ever reaching the proxy.
    const err = await failure(
      client({ caPem: ca.certPem, env }).request({ node: 'node1', method: 'GET', url: `https://node1${PROXIED}:1/x` }),
    );
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).not.toContain('through the proxy');
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.connections).toHaveLength(0);
  });

  it('never sends loopback through the proxy, whatever the variables say', async () => {
    const node = await httpsServer(leaf);
    const plain = await httpServer((_req, res) => res.end('direct'));
    const proxy = await proxyServer();
    const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, HTTP_PROXY: `http://127.0.0.1:${proxy.port}` };
    const c = client({ caPem: ca.certPem, env });
    const res = await c.request({ node: 'node1', method: 'GET', url: `https://127.0.0.1:${node.port}/x` });
    expect(res.status).toBe(200);
    expect(res.tls?.fingerprint256).toBe(leaf.fingerprint256);
    const res2 = await c.request({ node: 'node2', method: 'GET', url: `http://127.0.0.1:${plain.port}/x` });
    expect(res2.body).toBe('direct');
    expect(proxy.connections).toHaveLength(0);
  });

  it('sends plain http requests to HTTP_PROXY in absolute form', async () => {
    const node = await httpServer((_req, res) => res.end('via proxy'));
    const proxy = await proxyServer();
    const res = await client({ env: { http_proxy: `127.0.0.1:${proxy.port}` } }).request({
      node: 'node1',
      method: 'GET',
      url: `http://node1${PROXIED}:${node.port}/p?q=1`,
    });
    expect(res.body).toBe('via proxy');
    expect(proxy.forwarded).toEqual([`http://node1${PROXIED}:${node.port}/p?q=1`]);
  });

  it('follows an injected resolver per node: a proxy for one, direct for another (the desktop asks the OS)', async () => {
    const viaProxy = await httpServer((_req, res) => res.end('one'));
    const proxy = await proxyServer();
    const asked: string[] = [];
    const c = client({
      env: { HTTP_PROXY: 'http://127.0.0.1:1' }, // ignored: the resolver decides
      proxyResolver: (url) => {
        asked.push(url.host);
        return Promise.resolve(
          url.hostname === `node1${PROXIED}`
            ? {
                url: `http://127.0.0.1:${proxy.port}`,
                display: `http://127.0.0.1:${proxy.port}`,
                variable: 'system proxy',
              }
            : null,
        );
      },
    });
    const res = await c.request({ node: 'node1', method: 'GET', url: `http://node1${PROXIED}:${viaProxy.port}/a` });
    expect(res.body).toBe('one');
    expect(proxy.forwarded).toEqual([`http://node1${PROXIED}:${viaProxy.port}/a`]);
    const err = await failure(c.request({ node: 'node2', method: 'GET', url: `http://node2${PROXIED}:1/b` }));
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).not.toContain('through the proxy');
    const local = await c.request({ node: 'node3', method: 'GET', url: `http://127.0.0.1:${viaProxy.port}/c` });
    expect(local.body).toBe('one');
    expect(asked).toEqual([`node1${PROXIED}:${viaProxy.port}`, `node2${PROXIED}:1`]);
    expect(proxy.forwarded).toHaveLength(1);
  });

  it('names the proxy when the proxy itself cannot be reached', async () => {
    const gone = await httpServer();
    const port = gone.port;
    await gone.close();
    cleanups.splice(cleanups.indexOf(gone.close), 1);
    const err = await failure(
      client({ env: { HTTPS_PROXY: `http://user:secret@127.0.0.1:${port}` } }).request({
        node: 'node1',
        method: 'GET',
        url: `https://node1${PROXIED}:1/x`,
      }),
    );
    expect(err.code).toBe('NODE_UNREACHABLE');
    expect(err.message).toContain(`through the proxy http://127.0.0.1:${port} (HTTPS_PROXY)`);
    expect(err.message).not.toContain('secret');
  });
});
