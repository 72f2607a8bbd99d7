// Issue 24: the OS trust store is trusted by default, beside a cluster's CA bundle and its pins, and
// every verified certificate says which of the three trusted it. The store is injected (in-process)
// or named by SSL_CERT_FILE (the CLI, as OpenSSL reads it); NODE_EXTRA_CA_CERTS is unset throughout.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../electron/core/http/client.ts';
import { LINUX_CA_BUNDLES, loadSystemTrust, pemCertificates } from '../../electron/core/http/system-trust.ts';
import type { SystemTrust } from '../../electron/core/http/system-trust.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runBin } from '../_cli.ts';
import { failure } from '../_failure.ts';
import { issueTestLeaf, makeTestCa } from '../_tls.ts';
import type { TestCa, TestLeaf } from '../_tls.ts';

const NO_EXTRA = { NODE_EXTRA_CA_CERTS: '' };

let companyCa: TestCa;
let clusterCa: TestCa;
let companyLeaf: TestLeaf;
let clusterLeaf: TestLeaf;
let dir: string;
const servers: https.Server[] = [];

async function serve(leaf: TestLeaf): Promise<string> {
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_q, r) => r.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function client(systemTrust: SystemTrust, opts: { caPem?: string; pins?: string[] } = {}): HttpClient {
  return new HttpClient({
    connectTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    maxResponseBytes: 1 << 20,
    env: {},
    systemTrust,
    caPem: opts.caPem ?? null,
    pinnedFingerprints: opts.pins ?? [],
  });
}

beforeAll(async () => {
  companyCa = await makeTestCa('Acme Corporate Root CA');
  clusterCa = await makeTestCa('Cluster Private CA');
  companyLeaf = await issueTestLeaf(companyCa);
  clusterLeaf = await issueTestLeaf(clusterCa);
  dir = await mkdtemp(join(tmpdir(), 'oslc-systrust-'));
});

afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('where the system store comes from', () => {
  it('reads SSL_CERT_FILE first, then tls.getCACertificates("system"), then the distribution bundle, then Node\'s list', async () => {
    const file = join(dir, 'company.pem');
    await writeFile(
      file,
      `junk before\n${companyCa.certPem}\n-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n`,
    );
    const fromEnv = loadSystemTrust({ env: { SSL_CERT_FILE: file }, getCACertificates: () => ['x'] });
    // The blocks as they are (OpenSSL skips the unreadable one when the context is made); strict drops it.
    expect(fromEnv.pems[0]).toBe(companyCa.certPem.trim());
    expect(pemCertificates(await readFile(file, 'utf8'), true)).toEqual([companyCa.certPem.trim()]);
    expect(fromEnv.source).toContain(file);

    const fromOs = loadSystemTrust({ env: {}, getCACertificates: (t) => (t === 'system' ? [clusterCa.certPem] : []) });
    expect(fromOs).toEqual({ pems: [clusterCa.certPem], source: "the operating system's trust store" });

    const fromBundle = loadSystemTrust({
      env: {},
      platform: 'linux',
      getCACertificates: undefined,
      bundles: [join(dir, 'missing.crt'), file],
    });
    expect(fromBundle.source).toBe(`the system CA bundle ${file}`);

    const builtIn = loadSystemTrust({ env: {}, platform: 'linux', getCACertificates: undefined, bundles: [] });
    expect(builtIn.pems).toEqual(tls.rootCertificates);
    expect(builtIn.source).toMatch(/built-in CA list/);

    // NODE_EXTRA_CA_CERTS adds to whichever store was found, and says so.
    const extra = loadSystemTrust({ env: { NODE_EXTRA_CA_CERTS: file }, getCACertificates: () => [clusterCa.certPem] });
    expect(extra.pems).toHaveLength(3); // the OS root, and the file's two blocks
    expect(extra.source).toMatch(/and NODE_EXTRA_CA_CERTS/);
  });

  it('on this Linux machine, without SSL_CERT_FILE, finds a distribution bundle or the OS store', () => {
    const found = loadSystemTrust({ env: NO_EXTRA });
    expect(found.pems.length).toBeGreaterThan(10);
    const ownApi = typeof (tls as unknown as { getCACertificates?: unknown }).getCACertificates === 'function';
    if (!ownApi) expect(LINUX_CA_BUNDLES.some((p) => found.source.includes(p))).toBe(true);
  });
});

describe('the three trust sources', () => {
  it('trusts a chain to the system store with no CA file or pin, and says the system store did', async () => {
    const url = await serve(companyLeaf);
    const system = { pems: [companyCa.certPem], source: 'the test system store' };
    const res = await client(system).request({ node: 'node1', method: 'GET', url });
    expect(res.tls).toMatchObject({ authorized: true, trustedBy: 'system', trustStore: 'the test system store' });

    // The cluster's own CA sits beside it: both chains are trusted, each naming its source.
    const both = client(system, { caPem: clusterCa.certPem });
    expect((await both.request({ node: 'node1', method: 'GET', url })).tls?.trustedBy).toBe('system');
    const clusterUrl = await serve(clusterLeaf);
    const viaCa = await both.request({ node: 'node2', method: 'GET', url: clusterUrl });
    expect(viaCa.tls).toMatchObject({ authorized: true, trustedBy: 'cluster-ca' });
    expect(viaCa.tls?.trustStore).toBeUndefined();

    // Not in the system store, no CA, no pin: refused, verification stays on.
    const empty = { pems: [clusterCa.certPem], source: 'another store' };
    const err = await failure(client(empty).request({ node: 'node1', method: 'GET', url }));
    expect(err.code).toBe('TLS_UNTRUSTED');

    // A pin lets it through, and says the pin did.
    const pinned = await client(empty, { pins: [companyLeaf.fingerprint256] }).request({
      node: 'node1',
      method: 'GET',
      url,
    });
    expect(pinned.tls).toMatchObject({ authorized: false, trustedBy: 'pin' });
  });
});

describe('the CLI against a TLS sandbox whose CA is only in the "system" store', () => {
  let sandbox: SandboxHandle;
  let home: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 2, tls: true });
    home = await mkdtemp(join(tmpdir(), 'oslc-systrust-home-'));
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(home, { recursive: true, force: true });
  });

  it('is trusted with no --ca and no pin, and status says the OS trust store trusted each node', async () => {
    const { info } = sandbox;
    const add = await runBin(
      [
        'cluster',
        'add',
        'corp',
        '--kind',
        'sandbox',
        '--balancer',
        info.balancer,
        '--home',
        home,
        ...info.nodes.flatMap((n) => ['--node', n.url]),
        '--repo',
        info.repo,
        '--db',
        info.db,
      ],
      { env: NO_EXTRA },
    );
    expect(add.code, add.stderr).toBe(0);

    const bundle = join(dir, 'system-bundle.pem');
    await writeFile(
      bundle,
      `${companyCa.certPem}\n${await import('node:fs/promises').then((f) => f.readFile(info.caFile!, 'utf8'))}`,
    );
    const trusted = await runBin(['status', 'corp', '--json', '--home', home], {
      env: { ...NO_EXTRA, SSL_CERT_FILE: bundle },
    });
    const json = JSON.parse(trusted.stdout) as { nodes: { up: boolean; tls: Record<string, unknown> | null }[] };
    for (const n of json.nodes) {
      expect(n.up).toBe(true);
      expect(n.tls).toMatchObject({ authorized: true, trustedBy: 'system' });
      expect(String(n.tls?.['trustStore'])).toContain(bundle);
    }
    const text = await runBin(['status', 'corp', '--verbose', '--home', home], {
      env: { ...NO_EXTRA, SSL_CERT_FILE: bundle },
    });
    expect(text.stdout).toContain('trusted by OS store');

    // The same cluster with a store that lacks the sandbox CA: untrusted, not silently accepted.
    const other = join(dir, 'other-bundle.pem');
    await writeFile(other, companyCa.certPem);
    const refused = await runBin(['status', 'corp', '--json', '--home', home], {
      env: { ...NO_EXTRA, SSL_CERT_FILE: other },
    });
    const refusedJson = JSON.parse(refused.stdout) as { nodes: { up: boolean; error: { code: string } | null }[] };
    expect(refusedJson.nodes.map((n) => n.error?.code)).toEqual(['TLS_UNTRUSTED', 'TLS_UNTRUSTED']);
  });
});
