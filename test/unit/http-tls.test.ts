// The TLS trust decision (chain, host name, pins) and certificate fingerprints, without a network:
// the decision is checked on a stand-in for a connected TLS socket.
import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../../electron/core/http/client.ts';
import { normalizeFingerprint, TlsTrustError, verifyPeer } from '../../electron/core/http/tls-trust.ts';
import { issueTestLeaf, makeTestCa } from '../_tls.ts';
import type { TestLeaf } from '../_tls.ts';

let leaf: TestLeaf;

beforeAll(async () => {
  leaf = await issueTestLeaf(await makeTestCa(), { dnsNames: ['lbcq_1.example.com', 'localhost'], ips: ['127.0.0.1'] });
});

/** What a TLS socket looks like after a handshake with verification deferred. */
function connectedSocket(
  authorized: boolean,
  authorizationError: string | null,
  pem: string | null = leaf.certPem,
): tls.TLSSocket {
  const peer = pem ? new X509Certificate(pem).toLegacyObject() : {};
  return { authorized, authorizationError, getPeerCertificate: () => peer } as unknown as tls.TLSSocket;
}

function refusal(fn: () => unknown): TlsTrustError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TlsTrustError) return e;
    throw e;
  }
  throw new Error('expected the certificate to be refused');
}

const noPins = new Set<string>();

describe('trust decision', () => {
  it('trusts a certificate whose chain and host name verify, and says so', () => {
    const info = verifyPeer(connectedSocket(true, null), 'lbcq_1.example.com', noPins);
    expect(info).toMatchObject({
      fingerprint256: leaf.fingerprint256,
      subject: 'CN=localhost',
      issuer: 'CN=OSLC Admin Test CA',
      authorized: true,
    });
  });

  it('refuses a certificate whose chain does not verify and keeps what it presented', () => {
    const err = refusal(() =>
      verifyPeer(connectedSocket(false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'lbcq_1.example.com', noPins),
    );
    expect(err.reason).toBe('untrusted-chain');
    expect(err.verifyError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(err.explanation).toBe('its issuer is not trusted for this cluster');
    expect(err.certificate?.fingerprint256).toBe(leaf.fingerprint256);
  });

  it('explains an expired certificate in words', () => {
    const err = refusal(() => verifyPeer(connectedSocket(false, 'CERT_HAS_EXPIRED'), 'lbcq_1.example.com', noPins));
    expect(err.explanation).toBe('the certificate has expired');
  });

  it('trusts a pinned certificate whose chain does not verify, marked as not chain-verified', () => {
    const info = verifyPeer(
      connectedSocket(false, 'SELF_SIGNED_CERT_IN_CHAIN'),
      'lbcq_1.example.com',
      new Set([leaf.fingerprint256]),
    );
    expect(info.authorized).toBe(false);
    expect(info.fingerprint256).toBe(leaf.fingerprint256);
  });

  it('refuses a certificate from a trusted chain that names other hosts', () => {
    const err = refusal(() =>
      verifyPeer(connectedSocket(false, 'ERR_TLS_CERT_ALTNAME_INVALID'), 'lbcq_3.example.com', noPins),
    );
    expect(err.reason).toBe('hostname-mismatch');
    expect(err.hostname).toBe('lbcq_3.example.com');
    expect(err.explanation).toContain('the certificate is not valid for lbcq_3.example.com');
  });

  it('checks the host name itself even when the socket claims authorization (resumed sessions skip it)', () => {
    const err = refusal(() => verifyPeer(connectedSocket(true, null), 'lbcq_3.example.com', noPins));
    expect(err.reason).toBe('hostname-mismatch');
  });

  it('trusts a pinned certificate that names other hosts: the pin is explicit trust in that certificate', () => {
    const info = verifyPeer(
      connectedSocket(false, 'ERR_TLS_CERT_ALTNAME_INVALID'),
      '10.1.1.3',
      new Set([leaf.fingerprint256]),
    );
    expect(info.authorized).toBe(false);
  });

  it('refuses a connection that presented no certificate', () => {
    expect(
      refusal(() => verifyPeer(connectedSocket(false, 'UNABLE_TO_GET_ISSUER_CERT', null), 'h', noPins)).reason,
    ).toBe('no-certificate');
  });
});

describe('fingerprints', () => {
  it('computes the SHA-256 fingerprint of a PEM certificate as Node and browsers show it', () => {
    expect(certificateFingerprint(leaf.certPem)).toBe(new X509Certificate(leaf.certPem).fingerprint256);
    expect(certificateFingerprint(leaf.certPem)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('gives the same fingerprint for the DER bytes', () => {
    expect(certificateFingerprint(new X509Certificate(leaf.certPem).raw)).toBe(leaf.fingerprint256);
  });

  it('takes the first certificate of a PEM bundle', () => {
    expect(
      certificateFingerprint(`${leaf.certPem}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`),
    ).toBe(leaf.fingerprint256);
  });

  it('refuses text without a PEM certificate', () => {
    expect(() => certificateFingerprint('hello')).toThrowError(/no PEM certificate/);
  });

  it('normalises pins typed in lower case, without colons or with spaces', () => {
    const bare = leaf.fingerprint256.replace(/:/g, '');
    expect(normalizeFingerprint(bare.toLowerCase())).toBe(leaf.fingerprint256);
    expect(normalizeFingerprint(leaf.fingerprint256.replace(/:/g, ' '))).toBe(leaf.fingerprint256);
  });
});
