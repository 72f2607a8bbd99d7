/**
 * Which proxy, if any, a request goes through: `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http
 * URLs (lower-case names win, as in curl; `http_proxy` is preferred because CGI servers set
 * `HTTP_PROXY` from a request header), and `NO_PROXY` to go direct. Loopback (`localhost`,
 * `*.localhost`, 127.0.0.0/8, ::1) never goes through a proxy, whatever the variables or a PAC file
 * say: a proxy elsewhere cannot reach this machine's own listeners (the embedded sandbox, the flow's
 * callback), and browsers bypass loopback the same way.
 */
import net from 'node:net';

export interface ProxyChoice {
  /** The proxy URL as configured (may carry credentials: never put it in a message). */
  url: string;
  /** `scheme://host:port` of the proxy, safe to show. */
  display: string;
  /** The variable it came from, for messages. */
  variable: string;
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

/** A proxy URL without credentials, path or query. Schemeless values (`proxy:3128`) mean http://. */
export function proxyDisplay(proxyUrl: string): string {
  try {
    const u = new URL(withScheme(proxyUrl));
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid proxy URL)';
  }
}

function withScheme(proxyUrl: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxyUrl) ? proxyUrl : `http://${proxyUrl}`;
}

/** Host in a URL's `hostname` form → bare, lower-case (IPv6 without brackets, no trailing dot). */
function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function ipv6ToBigInt(ip: string): bigint {
  let full = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(full);
  if (v4?.[1]) {
    const n = ipv4ToInt(v4[1]);
    full = full.slice(0, -v4[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = full.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** `10.0.0.0/8` or `fd00::/8` containing `host` (an IP literal). */
function inCidr(host: string, cidr: string): boolean {
  const [net0 = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  const family = net.isIP(net0);
  if (family === 0 || family !== net.isIP(host) || !Number.isInteger(bits)) return false;
  if (family === 4) {
    if (bits < 0 || bits > 32) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (ipv4ToInt(host) & mask) >>> 0 === (ipv4ToInt(net0) & mask) >>> 0;
  }
  if (bits < 0 || bits > 128) return false;
  const shift = BigInt(128 - bits);
  return ipv6ToBigInt(host) >> shift === ipv6ToBigInt(net0) >> shift;
}

/** One NO_PROXY entry: `*`, `host`, `.suffix`, `*.suffix`, `host:port`, `[v6]:port`, IP, or CIDR. */
function entryMatches(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true;
  let name = entry;
  let entryPort: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(name);
  if (bracketed?.[1]) {
    name = bracketed[1];
    entryPort = bracketed[2] ?? null;
  } else if (net.isIP(name) !== 6 && !name.includes('/')) {
    const withPort = /^(.*):(\d+)$/.exec(name);
    if (withPort?.[1] !== undefined && withPort[2] !== undefined) {
      name = withPort[1];
      entryPort = withPort[2];
    }
  }
  if (entryPort !== null && entryPort !== port) return false;
  name = bareHost(name);
  if (name.includes('/')) return inCidr(host, name);
  if (net.isIP(name) !== 0 || net.isIP(host) !== 0) return name === host;
  const suffix = name.replace(/^\*?\./, '');
  if (!suffix) return false;
  return host === suffix || host.endsWith(`.${suffix}`);
}

/**
 * Whether `NO_PROXY` sends this URL direct. Entries are separated by commas or white space; matching
 * is case-insensitive; `example.com` and `.example.com` both cover the domain and its sub-domains;
 * an entry with a port only matches that port (the URL's default port when it names none).
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = bareHost(url.hostname);
  const port = url.port || defaultPort(url.protocol);
  return noProxy
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => entryMatches(entry, host, port));
}

/**
 * Whether a URL's host is this machine's loopback, by name or address (no DNS lookup): `localhost`,
 * any `*.localhost` (RFC 6761), 127.0.0.0/8, `::1` and the IPv4-mapped `::ffff:127.x.y.z`.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = bareHost(url.hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = net.isIP(host);
  if (family === 4) return inCidr(host, '127.0.0.0/8');
  if (family === 6) return inCidr(host, '::1/128') || inCidr(host, '::ffff:127.0.0.0/104');
  return false;
}

/** The proxy this URL goes through, or null for a direct connection (always for loopback). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): ProxyChoice | null {
  if (isLoopbackUrl(url)) return null;
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const proxy = firstSet(env, names);
  if (!proxy) return null;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy && bypassesProxy(url, noProxy.value)) return null;
  return { url: withScheme(proxy.value), display: proxyDisplay(proxy.value), variable: proxy.name };
}

/**
 * Where each request's proxy comes from, per URL: the environment in the CLI and browser mode, the
 * OS (PAC, WPAD, system settings) on the desktop. Null: a direct connection. Never asked for loopback.
 */
export type ProxyResolver = (url: URL) => Promise<ProxyChoice | null>;

/** The CLI's and browser mode's resolver: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read at each request. */
export function envProxyResolver(env: NodeJS.ProcessEnv): ProxyResolver {
  return (url) => Promise.resolve(proxyFor(url, env));
}
