/**
 * The engine's decisions for a node-pinned window's browser session (electron/core/pinned-trust.ts),
 * against the sandbox over TLS with its private CA: the certificate a browser is shown for a node is
 * trusted exactly when the engine's own verified connection presents that certificate (the cluster's
 * CA bundle) or it is pinned; and the window's proxy is the engine's HTTPS_PROXY / NO_PROXY choice.
 * The sandbox's CA is made fresh, so no NODE_EXTRA_CA_CERTS of this machine can vouch for it.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterDefinition } from '../../shared/model.ts';
import { HttpClient } from '../../electron/core/http/client.ts';
import { certificateFingerprint } from '../../electron/core/http/tls-trust.ts';
import { presentedCertificateTrusted, proxyConfigFor } from '../../electron/core/pinned-trust.ts';
import { nodeUrl, useSandbox } from '../_sandbox.ts';

const sandbox = useSandbox({ nodes: 2, tls: true });
const clients: HttpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function clientFor(caPem: string | null): HttpClient {
  const c = new HttpClient({ caPem, connectTimeoutMs: 5_000, totalTimeoutMs: 10_000, maxResponseBytes: 1 << 20 });
  clients.push(c);
  return c;
}

/** The certificate a browser would be shown by `url`, as PEM (Electron's `certificate.data`). */
async function presentedPem(url: string): Promise<string> {
  const u = new URL(url);
  const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const der = socket.getPeerCertificate().raw;
  socket.destroy();
  return new X509Certificate(der).toString();
}

const def = (pins: string[] = []) => ({ name: 'lab', pinnedFingerprints: pins }) as unknown as ClusterDefinition;

describe("a pinned window's certificate check", () => {
  it("trusts the node's certificate when the cluster's CA bundle verifies it, not another one", async () => {
    const node1 = nodeUrl(sandbox(), 'node1');
    const ca = readFileSync(sandbox().info.caFile!, 'utf8');
    const http = clientFor(ca);
    const pem = await presentedPem(node1);
    expect(await presentedCertificateTrusted(def(), http, 'node1', `${node1}/admin`, pem)).toBe(true);
    // node2's certificate presented for node1's origin: not what the engine sees there.
    const other = await presentedPem(nodeUrl(sandbox(), 'node2'));
    expect(certificateFingerprint(other)).not.toBe(certificateFingerprint(pem));
    expect(await presentedCertificateTrusted(def(), http, 'node1', `${node1}/admin`, other)).toBe(false);
  });

  it('refuses it when the engine does not trust the chain (no CA bundle), unless the admin pinned it', async () => {
    const node1 = nodeUrl(sandbox(), 'node1');
    const http = clientFor(null);
    const pem = await presentedPem(node1);
    expect(await presentedCertificateTrusted(def(), http, 'node1', node1, pem)).toBe(false);
    const pinned = def([certificateFingerprint(pem).toLowerCase()]);
    expect(await presentedCertificateTrusted(pinned, http, 'node1', node1, pem)).toBe(true);
  });

  it('refuses a certificate for a node that does not answer, and anything that is not a certificate', async () => {
    const ca = readFileSync(sandbox().info.caFile!, 'utf8');
    const pem = await presentedPem(nodeUrl(sandbox(), 'node1'));
    expect(await presentedCertificateTrusted(def(), clientFor(ca), 'node9', 'https://127.0.0.1:1/', pem)).toBe(false);
    expect(await presentedCertificateTrusted(def(), clientFor(ca), 'node1', nodeUrl(sandbox(), 'node1'), 'junk')).toBe(
      false,
    );
  });
});

describe("a pinned window's proxy", () => {
  it("is the engine's choice for the node: HTTPS_PROXY without its credentials, or direct under NO_PROXY", () => {
    const env = { HTTPS_PROXY: 'http://user:secret@proxy.example.com:3128', NO_PROXY: '.internal.example.com' };
    expect(proxyConfigFor('https://cq1.example.com/cqweb', env)).toEqual({
      mode: 'fixed_servers',
      proxyRules: 'http://proxy.example.com:3128',
    });
    expect(proxyConfigFor('https://cq1.internal.example.com/cqweb', env)).toEqual({ mode: 'direct' });
    expect(proxyConfigFor('http://cq1.example.com/cqweb', env)).toEqual({ mode: 'direct' });
    expect(proxyConfigFor('https://cq1.example.com/', {})).toEqual({ mode: 'direct' });
  });
});
