// Issue 24: on the desktop each node's proxy is what the OS (settings, PAC, WPAD) says through
// Electron's session.resolveProxy — here the fake Electron session answers as a PAC file would — and
// the engine's undici client follows it: `PROXY host:port` goes through a real test proxy socket,
// `DIRECT` does not, loopback never asks.
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetFakeElectron, session } from '../_fake-electron.ts';
import { HttpClient } from '../../electron/core/http/client.ts';
import { proxyFromPacResult } from '../../electron/core/http/pac-result.ts';
import { systemProxyResolver } from '../../electron/desktop/system-proxy.ts';
import { pinnedTrustFor } from '../../electron/desktop/pinned-target.ts';
import type { Engine } from '../../electron/core/facade.ts';
import { failure } from '../_failure.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const closers: (() => Promise<void>)[] = [];
async function listen(server: net.Server): Promise<number> {
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

beforeEach(() => resetFakeElectron());
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('PAC results', () => {
  it('takes the first usable entry: PROXY, HTTPS or DIRECT; SOCKS only when nothing else is left', () => {
    expect(proxyFromPacResult('DIRECT')).toBeNull();
    expect(proxyFromPacResult('')).toBeNull();
    expect(proxyFromPacResult('PROXY proxy.corp:3128; DIRECT')).toEqual({
      url: 'http://proxy.corp:3128',
      display: 'http://proxy.corp:3128',
      variable: 'system proxy settings',
    });
    expect(proxyFromPacResult('HTTPS secure.corp:443')?.url).toBe('https://secure.corp:443');
    expect(proxyFromPacResult('SOCKS5 s.corp:1080; PROXY p.corp:8080')?.url).toBe('http://p.corp:8080');
    expect(proxyFromPacResult('SOCKS5 s.corp:1080; DIRECT')).toBeNull();
    expect(proxyFromPacResult('SOCKS5 s.corp:1080')?.url).toBe('socks5://s.corp:1080');
  });
});

describe('the desktop resolver with a fake Electron session', () => {
  it('sends the node the PAC file proxies through the test proxy, and the DIRECT one straight', async () => {
    const forwarded: string[] = [];
    const nodePort = await listen(http.createServer((_q, r) => r.end('node answered')));
    const proxyPort = await listen(
      http.createServer((req, res) => {
        forwarded.push(req.url ?? '');
        const target = new URL(req.url ?? '');
        // The proxy reaches the node's made-up name; the test sends it to the node on loopback.
        http
          .get({ host: '127.0.0.1', port: target.port, path: target.pathname }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          })
          .on('error', () => res.writeHead(502).end());
      }),
    );
    session.defaultSession.pac = (url) =>
      new URL(url).hostname === 'node1.corp.test' ? `PROXY 127.0.0.1:${proxyPort}; DIRECT` : 'DIRECT';
    const client = new HttpClient({
      connectTimeoutMs: 2000,
      totalTimeoutMs: 5000,
      maxResponseBytes: 1 << 20,
      env: { HTTP_PROXY: 'http://127.0.0.1:1' }, // the environment is not what the desktop follows
      proxyResolver: systemProxyResolver(async () => session.defaultSession),
    });
    try {
      const viaProxy = await client.request({
        node: 'node1',
        method: 'GET',
        url: `http://node1.corp.test:${nodePort}/x`,
      });
      expect(viaProxy.body).toBe('node answered');
      expect(forwarded).toEqual([`http://node1.corp.test:${nodePort}/x`]);

      // DIRECT: the name resolves nowhere, so the request fails on its own — never at the proxy.
      const direct = await failure(
        client.request({ node: 'node2', method: 'GET', url: `http://node2.corp.test:${nodePort}/y` }),
      );
      expect(direct.code).toBe('NODE_UNREACHABLE');
      expect(direct.message).not.toContain('through the proxy');

      // Loopback: straight to the node, and the session is not even asked.
      const local = await client.request({ node: 'node3', method: 'GET', url: `http://127.0.0.1:${nodePort}/z` });
      expect(local.body).toBe('node answered');
      expect(forwarded).toHaveLength(1);
      expect(session.defaultSession.proxyQueries.map((u) => new URL(u).hostname)).toEqual([
        'node1.corp.test',
        'node2.corp.test',
      ]);
    } finally {
      await client.close();
    }
  });

  it('names the system proxy when it cannot be reached', async () => {
    const gone = await listen(http.createServer());
    await closers.pop()!();
    session.defaultSession.pac = () => `PROXY 127.0.0.1:${gone}`;
    const client = new HttpClient({
      connectTimeoutMs: 2000,
      totalTimeoutMs: 5000,
      maxResponseBytes: 1 << 20,
      proxyResolver: systemProxyResolver(async () => session.defaultSession),
    });
    try {
      const err = await failure(client.request({ node: 'node1', method: 'GET', url: 'http://node1.corp.test:9/x' }));
      expect(err.code).toBe('NODE_UNREACHABLE');
      expect(err.message).toContain(`through the proxy http://127.0.0.1:${gone} (system proxy settings)`);
    } finally {
      await client.close();
    }
  });
});

describe("a node-pinned window's proxy", () => {
  it('follows the system when the engine does (the desktop), else the environment', () => {
    const target = { cluster: 'c', node: 'node1', url: 'https://cq1.example.com/cqweb', title: 'node1' };
    const base = { store: {} as Engine['store'], httpFor: (() => null) as unknown as Engine['httpFor'] };
    const desktop = { ...base, proxyResolver: systemProxyResolver(async () => session.defaultSession) };
    expect(pinnedTrustFor(desktop, target).proxy).toEqual({ mode: 'system' });
    const saved = process.env['HTTPS_PROXY'];
    process.env['HTTPS_PROXY'] = 'http://proxy.example.com:3128';
    try {
      expect(pinnedTrustFor(base, target).proxy).toEqual({
        mode: 'fixed_servers',
        proxyRules: 'http://proxy.example.com:3128',
      });
    } finally {
      if (saved === undefined) delete process.env['HTTPS_PROXY'];
      else process.env['HTTPS_PROXY'] = saved;
    }
  });
});
