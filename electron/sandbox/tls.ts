/**
 * A private certificate authority for `--tls`: one ECDSA P-256 CA and one leaf per listener, made
 * with @peculiar/x509 over Node's WebCrypto (P-256 keys take milliseconds, RSA would take seconds).
 * Clients must trust the CA explicitly, which exercises the engine's custom-CA path.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 2.x loads tsyringe, which needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { TlsMaterial } from './listener.ts';

const crypto = webcrypto;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface CertificateAuthority {
  /** The CA certificate, PEM; what clients trust (written to `<stateDir>/ca.pem`). */
  readonly certPem: string;
  /** Issues a server certificate for `hosts` (IP addresses and DNS names become SANs). */
  issueServerCertificate(commonName: string, hosts: readonly string[]): Promise<TlsMaterial>;
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
  return Buffer.from(bytes).toString('hex');
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

export async function createCertificateAuthority(
  name = 'OSLC Cluster Admin sandbox CA',
): Promise<CertificateAuthority> {
  const now = Date.now();
  const caKeys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${name}`,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  return {
    certPem: caCert.toString('pem'),
    async issueServerCertificate(commonName, hosts) {
      const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
      const names = [...new Set(hosts)].map((h) =>
        isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
      );
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: randomSerial(),
          subject: `CN=${commonName}`,
          issuer: caCert.subject,
          notBefore: new Date(now - DAY_MS),
          notAfter: new Date(now + 365 * DAY_MS),
          signingAlgorithm: SIGNING_ALGORITHM,
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension(names),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
            await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
          ],
        },
        crypto,
      );
      return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
    },
  };
}
