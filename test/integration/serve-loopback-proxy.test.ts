// Issue 24: `HTTPS_PROXY=… oslc-admin serve --sandbox` used to send the embedded sandbox's 127.0.0.1
// nodes through the proxy, and every node showed down. Loopback is always direct now.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiCaller, signIn, startServe } from '../_serve.ts';

describe('serve --sandbox behind a proxy', () => {
  it('reaches every loopback node directly although HTTPS_PROXY and HTTP_PROXY name a proxy', async () => {
    // A real proxy socket that counts who came and answers nothing useful.
    const accepted: net.Socket[] = [];
    const proxy = net.createServer((s) => {
      accepted.push(s);
      s.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const home = await mkdtemp(join(tmpdir(), 'oslc-loopproxy-'));
    const env = {
      HTTPS_PROXY: proxyUrl,
      HTTP_PROXY: proxyUrl,
      https_proxy: '',
      http_proxy: '',
      NO_PROXY: '',
      no_proxy: '',
    };
    for (const tls of [false, true]) {
      const server = await startServe(['--sandbox', '--nodes', '2', ...(tls ? ['--tls'] : []), '--home', home], env);
      try {
        const call = apiCaller(server, await signIn(server));
        const status = await call('status', { cluster: 'sandbox' });
        const nodes = status.result?.nodes as { id: string; up: boolean }[];
        expect(
          nodes.map((n) => [n.id, n.up]),
          `tls ${tls}`,
        ).toEqual([
          ['node1', true],
          ['node2', true],
        ]);
      } finally {
        await server.stop();
      }
    }
    expect(accepted).toHaveLength(0);
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await rm(home, { recursive: true, force: true });
  });
});
