import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../electron/sandbox/tls.ts';

describe('the sandbox certificate authority', () => {
  it('issues ECDSA P-256 server certificates for 127.0.0.1 and localhost, signed by its CA', async () => {
    const ca = await createCertificateAuthority();
    const leaf = await ca.issueServerCertificate('node1', ['127.0.0.1', 'localhost']);
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.cert);

    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 30 * 86_400_000);
  });

  it('makes a different CA each time, so a sandbox never trusts another one’s certificates', async () => {
    const [a, b] = await Promise.all([createCertificateAuthority(), createCertificateAuthority()]);
    const leaf = new X509Certificate((await a.issueServerCertificate('x', ['127.0.0.1'])).cert);
    expect(leaf.verify(new X509Certificate(b.certPem).publicKey)).toBe(false);
  });
});
