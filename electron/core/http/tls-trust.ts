/**
 * TLS trust for the engine's HTTP client: a cluster's own CA bundle, certificates trusted explicitly by
 * their SHA-256 fingerprint, and the peer certificate of every connection, so a response can say which
 * certificate served it and a refusal can offer "trust this certificate".
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type * as tls from 'node:tls';
import { tlsModule } from './tls-module.ts';
import type { buildConnector } from 'undici';
import type { TlsInfo, TrustSource } from '../../../shared/model.ts';

/** Why a presented certificate was refused. */
export type TlsRefusal = 'untrusted-chain' | 'hostname-mismatch' | 'no-certificate';

/**
 * A connection refused by our own trust check. Thrown from the connector, so it knows the origin but
 * not which node asked; the client turns it into a TLS_UNTRUSTED {@link AppError} naming the node.
 */
export class TlsTrustError extends Error {
  constructor(
    readonly reason: TlsRefusal,
    /** OpenSSL's verify code (`SELF_SIGNED_CERT_IN_CHAIN`, …) or Node's `ERR_TLS_CERT_ALTNAME_INVALID`. */
    readonly verifyError: string | null,
    /** What the chain check or the host name check said, in words. */
    readonly explanation: string,
    readonly hostname: string,
    readonly certificate: TlsInfo | null,
  ) {
    super(`TLS certificate of ${hostname} refused: ${explanation}`);
    this.name = 'TlsTrustError';
  }
}

export interface TrustPolicy {
  /** The cluster's own PEM CA bundle, trusted beside the system store; null: none. */
  caPem: string | null;
  /** The OS trust store's roots (system-trust.ts), trusted for every cluster. */
  system: { pems: readonly string[]; source: string };
  /** SHA-256 fingerprints of certificates trusted explicitly, in any case, with or without colons. */
  pinnedFingerprints: readonly string[];
}

/** `ab:cd…`, `ABCD…` or `AB CD …` → `AB:CD:…`, the form browsers show and {@link TlsInfo} carries. */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** SHA-256 fingerprint (upper-case hex with colons) of a certificate given as DER bytes or PEM text. */
export function certificateFingerprint(derOrPem: string | Uint8Array): string {
  let der: Uint8Array;
  if (typeof derOrPem === 'string') {
    const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(derOrPem);
    if (!pem?.[1]) throw new TypeError('certificateFingerprint: the text holds no PEM certificate');
    der = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
  } else {
    der = derOrPem;
  }
  return normalizeFingerprint(createHash('sha256').update(der).digest('hex'));
}

/** `CN=node1\nO=Acme` (Node's form) → `CN=node1, O=Acme`. */
function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** The facts about a certificate the UI shows; `authorized` says whether chain and host name verified. */
export function tlsInfoOf(cert: X509Certificate, authorized: boolean): TlsInfo {
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    fingerprint256: normalizeFingerprint(cert.fingerprint256),
    authorized,
  };
}

const VERIFY_ERROR_WORDS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a CA that is not trusted for this cluster',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not trusted for this cluster',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not trusted for this cluster',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not trusted for this cluster',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  CERT_REVOKED: 'the certificate is revoked',
  CERT_UNTRUSTED: 'the certificate is not trusted for this cluster',
  CERT_REJECTED: 'the certificate is rejected for this purpose',
  INVALID_PURPOSE: 'the certificate is not meant for a TLS server',
};

function explainVerifyError(code: string): string {
  return VERIFY_ERROR_WORDS[code] ?? `the chain does not verify (${code})`;
}

/**
 * Node reports the OpenSSL verify result as a string code on `authorizationError` although the
 * typings say `Error`.
 */
function authorizationCode(socket: tls.TLSSocket): string | null {
  const e: unknown = socket.authorizationError;
  if (e === undefined || e === null) return null;
  if (typeof e === 'string') return e;
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ?? e.message;
  return String(e);
}

/**
 * The trust decision for one freshly connected TLS socket. Chain and host name are verified exactly as
 * Node's `rejectUnauthorized: true` would; a certificate whose fingerprint is pinned is trusted even
 * when either check fails, because pinning is the admin's explicit "trust this certificate".
 */
export function verifyPeer(
  socket: tls.TLSSocket,
  hostname: string,
  pins: ReadonlySet<string>,
  anchors: TrustAnchors = { clusterCas: [], systemSource: '' },
): TlsInfo {
  // getPeerCertificate() first and only: on Node 20, once getPeerX509Certificate() has been called,
  // getPeerCertificate() returns {} and every host name check would fail. `true`: with the chain.
  const peer = socket.getPeerCertificate(true);
  if (!peer?.raw) {
    throw new TlsTrustError('no-certificate', null, 'the server presented no certificate', hostname, null);
  }
  const x509 = new X509Certificate(peer.raw);
  const code = authorizationCode(socket);
  // Node only runs its host name check once the chain verified, so an ALTNAME error implies a good chain.
  const chainVerified = socket.authorized || code === 'ERR_TLS_CERT_ALTNAME_INVALID';
  // Checked again here, not taken from `authorized`: Node skips it on resumed TLS sessions.
  const identityError = tlsModule().checkServerIdentity(hostname, peer);
  const verified = chainVerified && identityError === undefined;
  const info = tlsInfoOf(x509, verified);
  if (verified) return withSource(info, chainSource(peer, anchors.clusterCas), anchors.systemSource);
  if (pins.has(info.fingerprint256)) return withSource(info, 'pin', '');
  if (!chainVerified) {
    const verifyCode = code ?? 'UNKNOWN';
    throw new TlsTrustError('untrusted-chain', verifyCode, explainVerifyError(verifyCode), hostname, info);
  }
  throw new TlsTrustError(
    'hostname-mismatch',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    `the certificate is not valid for ${hostname} (${identityError?.message ?? 'host name mismatch'})`,
    hostname,
    info,
  );
}

/** The cluster's CA certificates, parsed once per client, and the words for the system store. */
export interface TrustAnchors {
  clusterCas: readonly X509Certificate[];
  systemSource: string;
}

export function trustAnchors(policy: TrustPolicy): TrustAnchors {
  const blocks = policy.caPem?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return { clusterCas: blocks.map((b) => new X509Certificate(b)), systemSource: policy.system.source };
}

function withSource(info: TlsInfo, source: TrustSource, systemSource: string): TlsInfo {
  return { ...info, trustedBy: source, ...(source === 'system' && systemSource ? { trustStore: systemSource } : {}) };
}

/**
 * Which roots a verified chain ends in: the cluster's CA when one of its certificates is in the
 * chain or issued one of them (the server may or may not send its root), otherwise the system store.
 */
function chainSource(peer: tls.DetailedPeerCertificate, clusterCas: readonly X509Certificate[]): TrustSource {
  if (clusterCas.length === 0) return 'system';
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = peer; c?.raw; c = c.issuerCertificate) {
    if (seen.has(c.fingerprint256)) break;
    seen.add(c.fingerprint256);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(c.raw);
    } catch {
      break;
    }
    for (const ca of clusterCas) {
      if (ca.fingerprint256 === cert.fingerprint256) return 'cluster-ca';
      if (cert.checkIssued(ca) && cert.verify(ca.publicKey)) return 'cluster-ca';
    }
  }
  return 'system';
}

/** Secure contexts by system store and cluster CA bundle: each costs about 100 ms to make. */
const contexts = new WeakMap<TrustPolicy['system'], Map<string, tls.SecureContext>>();

/**
 * The roots of a cluster (the system store and its CA bundle) as one secure context, made once per
 * process for each pair and shared by every client and connection that trusts the same roots.
 */
function secureContextFor(policy: TrustPolicy): tls.SecureContext | null {
  const ca = [...policy.system.pems, ...(policy.caPem ? [policy.caPem] : [])];
  if (ca.length === 0) return null;
  let byCa = contexts.get(policy.system);
  if (!byCa) {
    byCa = new Map();
    contexts.set(policy.system, byCa);
  }
  const key = policy.caPem ?? '';
  let context = byCa.get(key);
  if (!context) {
    context = tlsModule().createSecureContext({ ca });
    byCa.set(key, context);
  }
  return context;
}

/**
 * Options for `tls.connect` (through undici's `buildConnector`) for one cluster.
 *
 * Deferred verification, not disabled verification: `rejectUnauthorized: false` only postpones the
 * decision from inside the handshake to {@link verifyingConnector}, which runs before undici may
 * write a single byte on the socket. It refuses exactly what Node would refuse (chain against the
 * system store and the cluster's CA, then `tls.checkServerIdentity`), except a certificate the admin
 * pinned by fingerprint. Deferring is what lets a refusal carry the presented certificate, which
 * the UI needs to offer "trust this certificate"; a handshake aborted by OpenSSL would not.
 *
 * No TLS session resumption: a resumed session shows no peer certificate in Node, and every
 * connection must present its certificate to be checked against the pins and recorded.
 */
export function deferredVerificationTlsOptions(
  policy: TrustPolicy,
  connectTimeoutMs: number,
): buildConnector.BuildOptions {
  const secureContext = secureContextFor(policy);
  return {
    ...(secureContext ? { secureContext } : {}),
    rejectUnauthorized: false, // deferred to verifyingConnector, not disabled: see above
    maxCachedSessions: 0,
    timeout: connectTimeoutMs,
  };
}

/** The peer certificate of every TLS socket this process verified, for the responses it serves. */
const peerOfSocket = new WeakMap<object, TlsInfo>();

/** The verified peer certificate of a socket, or null for plain-HTTP (or mocked) sockets. */
export function peerCertificateOf(socket: object): TlsInfo | null {
  return peerOfSocket.get(socket) ?? null;
}

function destroyQuietly(socket: Socket): void {
  socket.on('error', () => {});
  socket.destroy();
}

/**
 * Wraps a connector (undici's own, or a proxy tunnel's) so every https connection passes
 * {@link verifyPeer} before undici uses it; a refused socket is destroyed and the request fails with
 * a {@link TlsTrustError}.
 */
export function verifyingConnector(inner: buildConnector.connector, policy: TrustPolicy): buildConnector.connector {
  const pins = new Set(policy.pinnedFingerprints.map(normalizeFingerprint));
  const anchors = trustAnchors(policy);
  return (options, callback) => {
    inner(options, (...args) => {
      const [err, socket] = args;
      if (err !== null) {
        callback(err, null);
        return;
      }
      if (options.protocol !== 'https:') {
        callback(null, socket);
        return;
      }
      if (!(socket instanceof tlsModule().TLSSocket)) {
        destroyQuietly(socket);
        callback(
          new TlsTrustError('no-certificate', null, 'the connection is not a TLS connection', options.hostname, null),
          null,
        );
        return;
      }
      try {
        const hostname = options.servername || options.hostname;
        peerOfSocket.set(socket, verifyPeer(socket, hostname, pins, anchors));
      } catch (e) {
        destroyQuietly(socket);
        callback(e instanceof Error ? e : new Error(String(e)), null);
        return;
      }
      callback(null, socket);
    });
  };
}
