/**
 * URLs and node addresses as an admin types them, checked and normalised before anything is asked
 * of a server: a scheme is required on the one URL; credentials in a URL are refused (the keychain
 * holds them); a fragment or a query is dropped and said; an internationalised host name is written
 * in its ASCII (IDNA) form and said; an IPv6 address must be in brackets. Every refusal is a
 * BAD_INPUT naming the field.
 */
import { badInput } from '../../../shared/errors.ts';

/** Characters no URL an admin means carries (controls, spaces, bidirectional overrides). */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const INVISIBLE = /[\u0000-\u0020\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export interface CheckedUrl {
  url: URL;
  /** Sentences saying what was changed (fragment dropped, host in IDNA form…). */
  notes: string[];
}

function shownInput(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}…` : text);
}

/** The host part of a URL as typed (before the path), for spotting IDN and IPv6 forms. */
function typedHost(text: string): string {
  const afterScheme = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1);
}

/**
 * One http(s) URL as typed. `field` names it in every error (`from`, `nodes[2]`, `balancerUrl`).
 */
export function checkUrl(text: string, field: string): CheckedUrl {
  const raw = text.trim();
  if (!raw) throw badInput(field, 'is empty: give a URL such as https://lbcq/cqweb/oslc/repo/cqschema/discovery');
  if (INVISIBLE.test(raw))
    throw badInput(field, `${shownInput(raw)} contains spaces, control or bidirectional characters`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!scheme) {
    throw badInput(
      field,
      `${shownInput(raw)} has no scheme: write https://${raw.replace(/^\/+/, '')} (or http:// for a server without TLS)`,
    );
  }
  const proto = scheme[1]!.toLowerCase();
  if (proto !== 'http' && proto !== 'https') {
    throw badInput(field, `${shownInput(raw)}: only http:// and https:// URLs are accepted, not ${proto}://`);
  }
  const host = typedHost(raw);
  if (/^\[[^\]]*%/.test(host)) {
    throw badInput(
      field,
      `${shownInput(raw)}: an IPv6 address with a zone (%…) cannot be used in a URL; use a global address or a host name`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    const hint = /^[^[]*:.*:/.test(host) ? ' (an IPv6 address goes in brackets: https://[fd00::1]:9443/)' : '';
    throw badInput(field, `${shownInput(raw)} is not a valid URL${hint}`);
  }
  if (url.username || url.password) {
    throw badInput(
      field,
      `${shownInput(raw.replace(/\/\/[^@/]*@/, '//…@'))} carries a user or password: leave it out; the admin login is stored apart, in the OS keychain`,
    );
  }
  if (url.port === '0') throw badInput(field, 'port 0 is not a port anything listens on (use 1–65535)');
  const notes: string[] = [];
  if (url.hash) {
    notes.push(`${field}: dropped the fragment ${url.hash}`);
    url.hash = '';
  }
  if (url.search) {
    notes.push(`${field}: dropped the query ${url.search}`);
    url.search = '';
  }
  const typed = host.replace(/:\d+$/, '').toLowerCase();
  if (/[^\x20-\x7e]/.test(typed) && typed !== url.hostname) {
    notes.push(
      `${field}: the host ${typed} is written ${url.hostname} (its IDNA form, as DNS and certificates know it)`,
    );
  }
  return { url, notes };
}

/** A node as `host`, `host:port`, `[v6]` or `[v6]:port` (no scheme): host and port, or BAD_INPUT. */
export function splitHostPort(text: string, field: string): { host: string; port: string | null } {
  const raw = text.trim();
  if (!raw) throw badInput(field, 'is empty: give a host, host:port or a URL');
  if (INVISIBLE.test(raw))
    throw badInput(field, `${shownInput(raw)} contains spaces, control or bidirectional characters`);
  if (raw.includes('@')) {
    throw badInput(
      field,
      `${shownInput(raw.replace(/^[^@]*@/, '…@'))} carries a user: leave it out; the admin login goes to the OS keychain`,
    );
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) return { host: `[${bracketed[1]}]`, port: bracketed[2] ?? null };
  if ((raw.match(/:/g) ?? []).length > 1) {
    throw badInput(
      field,
      `${shownInput(raw)} looks like an IPv6 address: write it in brackets, e.g. [${raw}] or [fd00::1]:9443`,
    );
  }
  const m = /^([^:/?#]+)(?::(\d+))?$/.exec(raw);
  if (!m) throw badInput(field, `${shownInput(raw)} is not a host, host:port or URL`);
  return { host: m[1]!, port: m[2] ?? null };
}
