/**
 * The engine's trust and proxy decisions for a node-pinned admin window (the desktop shell asks; this
 * module imports nothing of Electron). The window's browser session must trust a node exactly when the
 * engine does — the cluster's CA bundle (else Node's roots) with a host name check, or a certificate
 * the admin pinned — and reach it through the proxy the engine would use (HTTPS_PROXY/NO_PROXY), not
 * the system's.
 */
import type { ClusterDefinition } from '../../shared/model.ts';
import type { HttpClient } from './http/client.ts';
import { proxyFor } from './http/proxy.ts';
import { certificateFingerprint, normalizeFingerprint } from './http/tls-trust.ts';

/** How long the engine's own check of a node's certificate may take before the window is refused. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * True when the engine trusts the certificate `certificatePem` that a browser was shown for the origin
 * of `url`: it is pinned for the cluster, or the engine's own verified connection to that origin
 * (its CA bundle or roots, its host name check) presents this very certificate. Anything else —
 * refused by the engine, another certificate than the engine sees, the node unreachable — is false.
 */
export async function presentedCertificateTrusted(
  def: ClusterDefinition,
  http: Pick<HttpClient, 'request'>,
  node: string,
  url: string,
  certificatePem: string,
): Promise<boolean> {
  let presented: string;
  try {
    presented = certificateFingerprint(certificatePem);
  } catch {
    return false;
  }
  if (def.pinnedFingerprints.some((p) => normalizeFingerprint(p) === presented)) return true;
  let origin: URL;
  try {
    origin = new URL(url);
  } catch {
    return false;
  }
  if (origin.protocol !== 'https:') return false;
  try {
    const res = await http.request({
      node,
      method: 'HEAD',
      url: `${origin.origin}/`,
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    return res.tls?.fingerprint256 === presented;
  } catch {
    return false;
  }
}

/**
 * Chromium's proxy settings for a window on `url`'s origin, from the engine's own choice for that URL
 * (HTTPS_PROXY / HTTP_PROXY / NO_PROXY): `fixed_servers` with the proxy (no credentials) or `direct`.
 * Chromium never proxies loopback implicitly, so the flow's 127.0.0.1 callback stays direct.
 */
export function proxyConfigFor(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): { mode: 'direct' } | { mode: 'fixed_servers'; proxyRules: string } {
  let choice;
  try {
    choice = proxyFor(new URL(url), env);
  } catch {
    return { mode: 'direct' };
  }
  return choice ? { mode: 'fixed_servers', proxyRules: choice.display } : { mode: 'direct' };
}
