// Proxy choice from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, following curl's reading of NO_PROXY.
import { describe, expect, it } from 'vitest';
import { bypassesProxy, isLoopbackUrl, proxyDisplay, proxyFor } from '../../electron/core/http/proxy.ts';

const bypass = (url: string, noProxy: string) => bypassesProxy(new URL(url), noProxy);

describe('NO_PROXY', () => {
  it('sends everything direct for a lone asterisk', () => {
    expect(bypass('https://lbcq_1:9443/cqweb', '*')).toBe(true);
  });

  it('matches a domain and its sub-domains, with or without a leading dot or asterisk, but not look-alikes', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com']) {
      expect(bypass('https://example.com/x', entry), entry).toBe(true);
      expect(bypass('https://node1.example.com/x', entry), entry).toBe(true);
      expect(bypass('https://node1.notexample.com/x', entry), entry).toBe(false);
    }
  });

  it('matches case-insensitively and ignores a trailing dot', () => {
    expect(bypass('https://NODE1.Example.COM./x', 'example.com')).toBe(true);
  });

  it('honours a port in an entry only for that port, counting default ports', () => {
    expect(bypass('https://jazz.example.com:9443/jts', 'jazz.example.com:9443')).toBe(true);
    expect(bypass('https://jazz.example.com:12443/jts', 'jazz.example.com:9443')).toBe(false);
    expect(bypass('https://jazz.example.com/jts', 'jazz.example.com:443')).toBe(true);
    expect(bypass('http://jazz.example.com/jts', 'jazz.example.com:443')).toBe(false);
  });

  it('matches IP addresses exactly, IPv6 in brackets with a port, and CIDR ranges', () => {
    expect(bypass('http://127.0.0.1:8080/', '127.0.0.1')).toBe(true);
    expect(bypass('http://127.0.0.10:8080/', '127.0.0.1')).toBe(false);
    expect(bypass('http://[::1]:8080/', '::1')).toBe(true);
    expect(bypass('http://[::1]:8080/', '[::1]:8080')).toBe(true);
    expect(bypass('http://[::1]:8081/', '[::1]:8080')).toBe(false);
    expect(bypass('http://10.20.30.40/', '10.0.0.0/8')).toBe(true);
    expect(bypass('http://11.20.30.40/', '10.0.0.0/8')).toBe(false);
    expect(bypass('http://[fd00::5]/', 'fd00::/8')).toBe(true);
    expect(bypass('http://[fe80::5]/', 'fd00::/8')).toBe(false);
  });

  it('does not treat loopback as special (proxyFor does, below)', () => {
    expect(bypass('http://127.0.0.1/', 'example.com')).toBe(false);
    expect(bypass('http://localhost/', 'example.com')).toBe(false);
  });

  it('splits entries on commas and white space and skips empty ones', () => {
    expect(bypass('https://b.example.org/', ' a.example.org ,, b.example.org\tc.example.org ')).toBe(true);
    expect(bypass('https://d.example.org/', ',, ')).toBe(false);
  });
});

describe('proxy choice', () => {
  it('never proxies loopback, by name or address, whatever the variables say', () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://proxy.corp:3128' };
    for (const url of [
      'https://127.0.0.1:9443/cqweb',
      'http://127.8.9.10/',
      'http://localhost:8080/',
      'https://LOCALHOST./x',
      'http://node1.localhost:81/',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect(isLoopbackUrl(new URL(url)), url).toBe(true);
      expect(proxyFor(new URL(url), env), url).toBeNull();
    }
    for (const url of ['http://128.0.0.1/', 'http://localhost.example.com/', 'http://[::2]/', 'http://lbcq_1:9443/']) {
      expect(isLoopbackUrl(new URL(url)), url).toBe(false);
      expect(proxyFor(new URL(url), env)?.display, url).toBe('http://proxy.corp:3128');
    }
  });

  it('uses HTTPS_PROXY for https URLs and HTTP_PROXY for http URLs', () => {
    const env = { HTTPS_PROXY: 'http://secure-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' };
    expect(proxyFor(new URL('https://n1:9443/'), env)).toEqual({
      url: 'http://secure-proxy:3128',
      display: 'http://secure-proxy:3128',
      variable: 'HTTPS_PROXY',
    });
    expect(proxyFor(new URL('http://n1:9080/'), env)?.variable).toBe('HTTP_PROXY');
  });

  it('prefers the lower-case variables, as curl does', () => {
    const env = { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2', no_proxy: 'n1', NO_PROXY: '' };
    expect(proxyFor(new URL('https://n2/'), env)?.url).toBe('http://lower:1');
    expect(proxyFor(new URL('https://n1/'), env)).toBeNull();
  });

  it('goes direct without any proxy variable', () => {
    expect(proxyFor(new URL('https://n1/'), {})).toBeNull();
    expect(proxyFor(new URL('https://n1/'), { HTTPS_PROXY: '  ' })).toBeNull();
  });

  it('reads a proxy without a scheme as http:// and never shows its credentials', () => {
    const choice = proxyFor(new URL('https://n1/'), { HTTPS_PROXY: 'user:p4ss@proxy.corp:8080' });
    expect(choice?.url).toBe('http://user:p4ss@proxy.corp:8080');
    expect(choice?.display).toBe('http://proxy.corp:8080');
    expect(proxyDisplay('http://user:p4ss@proxy.corp:8080/path?x=1')).toBe('http://proxy.corp:8080');
  });
});
