/**
 * The environment the bench's CLI processes get (test/bench/processes.ts): this one's without
 * NODE_EXTRA_CA_CERTS, which this machine exports to every process and an admin's workstation does
 * not; this machine's as it is when asked for; what a run sets itself always wins.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { measuredEnv } from '../bench/processes.ts';

const saved = process.env['NODE_EXTRA_CA_CERTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['NODE_EXTRA_CA_CERTS'];
  else process.env['NODE_EXTRA_CA_CERTS'] = saved;
});

describe('measuredEnv', () => {
  it("leaves out this machine's NODE_EXTRA_CA_CERTS and keeps the rest", () => {
    process.env['NODE_EXTRA_CA_CERTS'] = '/etc/ssl/certs/ca-certificates.crt';
    const env = measuredEnv({ OSLC_ADMIN_KEYCHAIN_SERVICE: 'svc' });
    expect(env).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(env['PATH']).toBe(process.env['PATH']);
    expect(env['OSLC_ADMIN_KEYCHAIN_SERVICE']).toBe('svc');
  });

  it("keeps it when this machine's environment is asked for, and a run's own value wins", () => {
    process.env['NODE_EXTRA_CA_CERTS'] = '/etc/ssl/certs/ca-certificates.crt';
    expect(measuredEnv({}, true)['NODE_EXTRA_CA_CERTS']).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(measuredEnv({ NODE_EXTRA_CA_CERTS: '/tmp/company-ca.pem' })['NODE_EXTRA_CA_CERTS']).toBe(
      '/tmp/company-ca.pem',
    );
  });
});
