/**
 * A proxy decision in the form PAC files, WPAD and Chromium's `session.resolveProxy` give it:
 * `DIRECT`, `PROXY host:port`, `HTTPS host:port`, `SOCKS5 host:port`…, several separated by `;` as
 * fallbacks. The engine takes the first entry it can use (undici tunnels through HTTP and HTTPS
 * proxies; a SOCKS entry is passed over when a usable one follows, else it is refused with its name).
 */
import type { ProxyChoice } from './proxy.ts';

/** The words messages use for where the choice came from. */
export const SYSTEM_PROXY_SOURCE = 'system proxy settings';

/** `PROXY proxy.corp:3128; DIRECT` → the proxy; `DIRECT` → null. */
export function proxyFromPacResult(result: string, source = SYSTEM_PROXY_SOURCE): ProxyChoice | null {
  const entries = result
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  let unusable: ProxyChoice | null = null;
  for (const entry of entries) {
    const [kind = '', target = ''] = entry.split(/\s+/, 2);
    switch (kind.toUpperCase()) {
      case 'DIRECT':
        return null;
      case 'PROXY':
        if (target) return { url: `http://${target}`, display: `http://${target}`, variable: source };
        break;
      case 'HTTPS':
        if (target) return { url: `https://${target}`, display: `https://${target}`, variable: source };
        break;
      case 'SOCKS':
      case 'SOCKS4':
      case 'SOCKS5':
        unusable ??= target ? { url: `socks5://${target}`, display: `socks5://${target}`, variable: source } : null;
        break;
      default:
        break;
    }
  }
  // Nothing usable: a SOCKS proxy is named so the refusal says which; an empty answer is direct.
  return unusable;
}
