/**
 * The operating system's trust store, trusted by default beside a cluster's own CA bundle and its
 * pinned fingerprints: a company's CA installed on the admin's machine (as in every secured network)
 * then needs no PEM file and no pin.
 *
 * Where it comes from, first found wins:
 * 1. `SSL_CERT_FILE`, the OpenSSL convention curl, git and Python follow, when it names a PEM file;
 * 2. `tls.getCACertificates('system')` where the Node running the engine has it (Node 22.15+/23.5+,
 *    so the desktop on Electron's Node, and a newer CLI Node): the OS store itself (Keychain on macOS,
 *    the Windows store, the distribution's bundle on Linux);
 * 3. on Linux and the BSDs, the distribution's bundle file (Debian/Ubuntu, Fedora/RHEL, openSUSE,
 *    Alpine paths);
 * 4. otherwise Node's built-in Mozilla list, and the settings say so.
 *
 * Verification is never turned off; this only chooses the roots a chain may end in.
 */
import { readFileSync } from 'node:fs';
import { tlsModule } from './tls-module.ts';
import { X509Certificate } from 'node:crypto';

export interface SystemTrust {
  /** PEM certificates of the roots. */
  pems: readonly string[];
  /** Where they came from, in words a settings screen and a certificate view can show. */
  source: string;
}

/** The distribution bundles, in the order Go's crypto/x509 looks for them. */
export const LINUX_CA_BUNDLES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7+
  '/etc/ssl/cert.pem', // Alpine, the BSDs
];

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificate blocks of a PEM bundle. Not parsed one by one here (a hundred roots cost about
 * 100 ms): OpenSSL skips a block it cannot read when the secure context is made, as it does for the
 * distribution bundle itself. `strict` parses each and drops the unreadable (tests, small files).
 */
export function pemCertificates(text: string, strict = false): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (!strict) return blocks;
  return blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
}

function fromFile(path: string, source: string): SystemTrust | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const pems = pemCertificates(text);
  return pems.length > 0 ? { pems, source } : null;
}

type GetCaCertificates = (type: 'system' | 'default' | 'bundled' | 'extra') => string[];

export interface SystemTrustProbe {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Node's `tls.getCACertificates`, when the running Node has it. */
  getCACertificates: GetCaCertificates | undefined;
  /** The bundle paths to try on Linux. */
  bundles: readonly string[];
}

/**
 * Reads the system store as described above, plus the certificates `NODE_EXTRA_CA_CERTS` names (Node
 * adds them to its own roots, and an admin who set it means it); `probe` makes every source
 * injectable for tests.
 */
export function loadSystemTrust(probe: Partial<SystemTrustProbe> = {}): SystemTrust {
  const env = probe.env ?? process.env;
  const base = baseSystemTrust(env, probe);
  const extraPath = env['NODE_EXTRA_CA_CERTS']?.trim();
  const extra = extraPath ? fromFile(extraPath, '') : null;
  if (!extra) return base;
  return { pems: [...base.pems, ...extra.pems], source: `${base.source} and NODE_EXTRA_CA_CERTS (${extraPath})` };
}

function baseSystemTrust(env: NodeJS.ProcessEnv, probe: Partial<SystemTrustProbe>): SystemTrust {
  const platform = probe.platform ?? process.platform;
  const getCa =
    'getCACertificates' in probe
      ? probe.getCACertificates
      : (tlsModule() as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  const override = env['SSL_CERT_FILE']?.trim();
  if (override) {
    const found = fromFile(override, `the CA file SSL_CERT_FILE names (${override})`);
    if (found) return found;
  }
  if (typeof getCa === 'function') {
    try {
      const pems = getCa('system');
      if (pems.length > 0) return { pems, source: "the operating system's trust store" };
    } catch {
      // an older Node that knows the function but not 'system': fall through
    }
  }
  if (platform !== 'win32' && platform !== 'darwin') {
    for (const path of probe.bundles ?? LINUX_CA_BUNDLES) {
      const found = fromFile(path, `the system CA bundle ${path}`);
      if (found) return found;
    }
  }
  return { pems: [...tlsModule().rootCertificates], source: "Node's built-in CA list (no system trust store found)" };
}

let cached: SystemTrust | null = null;

/** The process's system store, read once (the desktop reads it again only at its next start). */
export function systemTrust(): SystemTrust {
  cached ??= loadSystemTrust();
  return cached;
}
