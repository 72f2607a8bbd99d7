// Throwaway certificates for TLS tests: a private CA and leaf certificates it signs, ECDSA P-256,
// made with @peculiar/x509 on Node's WebCrypto. Nothing touches the disk.
import { webcrypto, X509Certificate } from 'node:crypto';

type KeyPair = webcrypto.CryptoKeyPair;
// @peculiar/x509 2.x loads tsyringe, which needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';

const x509 = await import('@peculiar/x509');
type X509 = typeof x509;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface TestCa {
  certPem: string;
  keyPem: string;
  cert: InstanceType<X509['X509Certificate']>;
  keys: KeyPair;
}

export interface TestLeaf {
  certPem: string;
  keyPem: string;
  /** SHA-256 "AB:CD:…", as Node computes it (the reference the client is checked against). */
  fingerprint256: string;
  subject: string;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function serial(): string {
  return `01${Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
}

/** A private CA, valid from yesterday for 30 days. */
export async function makeTestCa(name = 'OSLC Admin Test CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey), cert, keys };
}

export interface LeafOptions {
  commonName?: string;
  /** DNS names; default `localhost`. */
  dnsNames?: string[];
  /** IP addresses; default `127.0.0.1`. */
  ips?: string[];
  /** Validity; default from yesterday for 30 days (an expired certificate: both in the past). */
  notBefore?: Date;
  notAfter?: Date;
}

/** A TLS server certificate signed by `ca`, for 127.0.0.1 and localhost unless told otherwise. */
export async function issueTestLeaf(ca: TestCa, opts: LeafOptions = {}): Promise<TestLeaf> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as KeyPair;
  const names = [
    ...(opts.dnsNames ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.commonName ?? 'localhost'}`,
    issuer: ca.cert.subject,
    notBefore: opts.notBefore ?? new Date(Date.now() - DAY),
    notAfter: opts.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const node = new X509Certificate(certPem);
  return {
    certPem,
    keyPem: await keyPem(keys.privateKey),
    fingerprint256: node.fingerprint256,
    subject: node.subject.split('\n').join(', '),
  };
}
