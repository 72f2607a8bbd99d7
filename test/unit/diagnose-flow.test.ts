/** What a failed leg of the OAuth dance means, and where the protected resource is. */
import { describe, expect, it } from 'vitest';
import { legFailure, protectedResourceUrl, unknownCloneId } from '../../electron/core/diagnose/flow.ts';
import type { LegFailureInput } from '../../electron/core/diagnose/flow.ts';
import { discoveryDocument, rootservicesDocument } from '../../electron/sandbox/documents.ts';

function fail(f: Partial<LegFailureInput>) {
  return legFailure({
    cluster: 'c',
    key: 'K',
    leg: 3,
    viaBalancer: true,
    nodes: ['node1', 'node2', 'node3'],
    answeredBy: null,
    tokenFrom: null,
    status: 401,
    problem: null,
    productText: null,
    error: null,
    clockSkewSeconds: null,
    ...f,
  });
}

describe('a failed leg of the dance', () => {
  it('through the balancer on another node than the issuer: the leg, both nodes, and session affinity', () => {
    const r = fail({ answeredBy: 'node2', tokenFrom: 'node1', problem: 'token_rejected' });
    expect(r.message).toBe(
      'Leg 3 went to node2, which does not hold the request token issued by node1 (token_rejected): enable session affinity on the balancer.',
    );
    expect(r.causes).toEqual([
      expect.objectContaining({
        code: 'BALANCER_NOT_STICKY',
        nodes: ['node1', 'node2'],
        fix: { action: 'enable-affinity', args: { cluster: 'c' } },
      }),
    ]);
    expect(r.causes[0]!.message).toMatch(
      /^Leg 3 went to node2, which does not hold the request token issued by node1: enable session affinity/,
    );
  });

  it('the protected resource on another node than the one that issued the access token', () => {
    const r = fail({ leg: 4, answeredBy: 'node3', tokenFrom: 'node1', problem: 'token_rejected' });
    expect(r.message).toMatch(
      /^The protected-resource request went to node3, which does not hold the access token issued by node1/,
    );
    expect(r.causes[0]!.code).toBe('BALANCER_NOT_STICKY');
  });

  it('a token the same node no longer holds is not blamed on the balancer', () => {
    const r = fail({ answeredBy: 'node1', tokenFrom: 'node1', problem: 'token_rejected' });
    expect(r.causes).toEqual([]);
    expect(r.message).toContain('no longer holds it');
  });

  it('an expired request token, a refused timestamp, a stale node, a provisional key, a wrong secret', () => {
    expect(fail({ answeredBy: 'node1', tokenFrom: 'node1', problem: 'token_expired' }).causes).toEqual([
      expect.objectContaining({
        code: 'REQUEST_TOKEN_EXPIRED',
        nodes: ['node1'],
        fix: { action: 'restart-flow', args: { cluster: 'c', key: 'K' } },
      }),
    ]);
    expect(fail({ answeredBy: 'node2', problem: 'timestamp_refused', clockSkewSeconds: -700 }).causes).toEqual([
      expect.objectContaining({
        code: 'CLOCK_SKEW',
        nodes: ['node2'],
        fix: { action: 'fix-clock', args: { cluster: 'c', node: 'node2', offsetSeconds: -700 } },
      }),
    ]);
    expect(
      fail({ leg: 3, answeredBy: 'node2', tokenFrom: 'node1', problem: 'consumer_key_unknown' }).causes.map(
        (c) => c.code,
      ),
    ).toEqual(['REGISTRY_STALE', 'BALANCER_NOT_STICKY']);
    expect(fail({ leg: 1, answeredBy: 'node2', problem: 'consumer_key_refused' }).causes).toEqual([
      expect.objectContaining({
        code: 'KEY_PROVISIONAL',
        fix: { action: 'approve', args: { cluster: 'c', key: 'K', node: 'node2' } },
      }),
    ]);
    expect(fail({ leg: 1, answeredBy: 'node2', problem: 'signature_invalid' }).causes[0]!.code).toBe('WRONG_SECRET');
  });

  it('a clone id no node of the cluster answered with is named in words, never a cause’s node or a fix’s argument', () => {
    const stranger = unknownCloneId('node9');
    expect(stranger).toBe('clone id "node9" (no node of this cluster answered with it)');
    const provisional = fail({ leg: 1, answeredBy: stranger, problem: 'consumer_key_refused' });
    expect(provisional.causes).toEqual([]);
    expect(provisional.message).toBe(
      `Leg 1 (request token): ${stranger} holds key K as a provisional key (consumer_key_refused): approve it there (it is not one of this cluster’s nodes).`,
    );
    expect(fail({ answeredBy: stranger, problem: 'timestamp_refused', clockSkewSeconds: -700 }).causes).toEqual([]);
    expect(fail({ leg: 1, answeredBy: stranger, problem: 'consumer_key_unknown' }).causes).toEqual([]);
    expect(fail({ leg: 1, answeredBy: stranger, problem: 'signature_invalid' }).causes[0]).toMatchObject({
      code: 'WRONG_SECRET',
      nodes: [],
    });
    // Moved from a known node to the stranger: affinity is still the fix, on the known node only.
    const moved = fail({ answeredBy: stranger, tokenFrom: 'node1', problem: 'token_rejected' });
    expect(moved.message).toBe(
      `Leg 3 went to ${stranger}, which does not hold the request token issued by node1 (token_rejected): enable session affinity on the balancer.`,
    );
    expect(moved.causes).toEqual([
      expect.objectContaining({
        code: 'BALANCER_NOT_STICKY',
        nodes: ['node1'],
        fix: { action: 'enable-affinity', args: { cluster: 'c' } },
      }),
    ]);
    expect(fail({ answeredBy: 'node1', tokenFrom: stranger, problem: 'token_expired' }).causes[0]!.nodes).toEqual([
      'node1',
    ]);
  });

  it('a network failure: an untrusted certificate with its fingerprint, or a node that is down', () => {
    const fp = '01:'.repeat(31) + '01';
    const tls = fail({
      leg: 1,
      error: {
        code: 'TLS_UNTRUSTED',
        message: 'node1 presented a certificate that is not trusted',
        node: 'node1',
        details: { fingerprint256: fp, subject: 'CN=node1' },
      },
    });
    expect(tls.causes).toEqual([
      expect.objectContaining({
        code: 'TLS_UNTRUSTED',
        fix: { action: 'trust-certificate', args: { cluster: 'c', node: 'node1', fingerprint256: fp } },
      }),
    ]);
    const down = fail({
      leg: 3,
      error: {
        code: 'NODE_UNREACHABLE',
        message: 'balancer (http://lb) is unreachable: connection refused',
        node: 'balancer',
      },
    });
    expect(down.causes).toEqual([expect.objectContaining({ code: 'NODE_DOWN', nodes: ['balancer'] })]);
    expect(down.message).toBe('Leg 3 (access token) failed: balancer (http://lb) is unreachable: connection refused');
  });
});

describe('the protected resource', () => {
  it('is the catalog rootservices advertises, mapped from the balancer onto the node', () => {
    const xml = rootservicesDocument('http://127.0.0.1:8000', 'realm');
    expect(
      protectedResourceUrl(xml, 'http://127.0.0.1:9001/rootservices', 'http://127.0.0.1:8000', 'http://127.0.0.1:9001'),
    ).toEqual({ url: 'http://127.0.0.1:9001/oslc/catalog', advertised: true });
    expect(
      protectedResourceUrl(xml, 'http://127.0.0.1:8000/rootservices', 'http://127.0.0.1:8000', 'http://127.0.0.1:8000'),
    ).toEqual({ url: 'http://127.0.0.1:8000/oslc/catalog', advertised: true });
  });

  it('keeps a context root when mapping (ClearQuest node with its own port)', () => {
    const xml = discoveryDocument('https://lbcq/cqweb', 'cqschema', 'realm').replace(
      'https://lbcq/cqweb/oslc/catalog',
      'https://lbcq/cqweb/oslc/repo/cqschema/catalog',
    );
    expect(
      protectedResourceUrl(
        xml,
        'https://lbcq_3:12443/cqweb/oslc/repo/cqschema/discovery',
        'https://lbcq/cqweb',
        'https://lbcq_3:12443/cqweb',
      ).url,
    ).toBe('https://lbcq_3:12443/cqweb/oslc/repo/cqschema/catalog');
  });

  it('falls back to {target}/oslc/catalog, saying it was assumed, when nothing is advertised', () => {
    expect(
      protectedResourceUrl('<html>Lyo admin</html>', 'http://n1/oauth/admin', 'http://lb', 'http://n1/services'),
    ).toEqual({ url: 'http://n1/services/oslc/catalog', advertised: false });
  });
});
