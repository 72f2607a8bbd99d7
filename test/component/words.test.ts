import { describe, expect, it } from 'vitest';
import { formatCertDate, formatSkew, formatValidity, secretHome } from '../../renderer/lib/words.ts';

describe('renderer words', () => {
  it('says an unknown clock once ("clock unknown", not "clock clock unknown")', () => {
    expect(`clock ${formatSkew(null)}`).toBe('clock unknown');
    expect(formatSkew(3)).toBe('+3 s');
  });

  it('formats a certificate validity as dates that do not wrap mid-date', () => {
    expect(formatValidity('2026-01-01T00:00:00Z', '2027-03-15T12:00:00.000Z')).toBe(
      '1\u00a0Jan\u00a02026 – 15\u00a0Mar\u00a02027',
    );
    // Node's X509Certificate gives OpenSSL's form.
    expect(formatCertDate('Dec  6 03:00:00 2026 GMT')).toBe('6\u00a0Dec\u00a02026');
    expect(formatValidity(null, 'not a date')).toBe('? – not a date');
  });

  it('names where a secret lives truly: the keychain, or memory until the app closes', () => {
    expect(secretHome(true).where).toBe('held in memory until the app closes');
    expect(secretHome(false).where).toBe('kept in the OS keychain');
  });
});
