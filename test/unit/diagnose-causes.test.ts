/** The rules that turn what the diagnosis saw on each node into causes, nodes named, fixes attached. */
import { describe, expect, it } from 'vitest';
import { decideCauses, listNodes, sortCauses, makeCause } from '../../electron/core/diagnose/causes.ts';
import type { BalancerFacts, CauseInput, NodeFacts } from '../../electron/core/diagnose/causes.ts';
import { parseErrorText } from '../../electron/core/diagnose/error-text.ts';
import { CAUSE_CODES } from '../../shared/diagnose.ts';
import type { NodeKeyState } from '../../shared/diagnose.ts';

function node(id: string, state: NodeKeyState, extra: Partial<NodeFacts> = {}): NodeFacts {
  return { id, state, clockSkewSeconds: 0, error: null, fingerprint256: null, subject: null, ...extra };
}

const stickyBalancer: BalancerFacts = {
  reachable: true,
  state: 'ok',
  error: null,
  fingerprint256: null,
  subject: null,
  sticky: true,
  stickyEvidence: { cookieOf: 'n1', wentTo: [] },
};

function decide(nodes: NodeFacts[], extra: Partial<CauseInput> = {}) {
  return decideCauses({
    cluster: 'c',
    key: 'K',
    nodes,
    balancer: stickyBalancer,
    secretChecked: true,
    friendshipEvidence: [],
    errorText: null,
    ...extra,
  });
}

const codes = (r: { causes: { code: string }[] }) => r.causes.map((c) => c.code);

describe('deciding causes', () => {
  it('calls every node approved HEALTHY, naming all nodes, with no fix', () => {
    const r = decide([node('n1', 'approved'), node('n2', 'approved')]);
    expect(r.causes).toEqual([
      expect.objectContaining({ code: 'HEALTHY', severity: 'ok', nodes: ['n1', 'n2'], fix: null }),
    ]);
    expect(r.causes[0]!.message).toContain('keeps a session on one node');
  });

  it('says HEALTHY without a secret only with the secret marked unchecked', () => {
    const r = decide([node('n1', 'loaded'), node('n2', 'loaded')], { secretChecked: false });
    expect(codes(r)).toEqual(['HEALTHY']);
    expect(r.causes[0]!.message).toContain('the secret was not checked');
  });

  it('names only the stale nodes in REGISTRY_STALE and offers sync', () => {
    const r = decide([node('n1', 'approved'), node('n2', 'missing'), node('n3', 'missing')]);
    expect(r.causes).toEqual([
      expect.objectContaining({
        code: 'REGISTRY_STALE',
        nodes: ['n2', 'n3'],
        fix: { action: 'sync', args: { cluster: 'c' } },
      }),
    ]);
    expect(r.causes[0]!.message).toBe(
      'Key K is approved and loaded on n1, but not on n2 and n3: requests the balancer sends to n2 and n3 fail with 401 invalid_expired_token. Refresh those nodes (sync: log in to each node) to reload their registry from the repository.',
    );
  });

  it('speaks the product: Jazz names CRJZS0033E, Lyo a restart (no sync offered: it cannot refresh a running node)', () => {
    const nodes = [node('n1', 'approved'), node('n2', 'missing')];
    const jazz = decide(nodes, { kind: 'jazz' });
    expect(jazz.causes[0]).toMatchObject({ code: 'REGISTRY_STALE', fix: { action: 'sync', args: { cluster: 'c' } } });
    expect(jazz.causes[0]!.message).toMatch(
      /fail with 401 CRJZS0033E \(the consumer key is not valid\)\. Refresh that node/,
    );
    const lyo = decide(nodes, { kind: 'lyo' });
    expect(lyo.causes[0]).toMatchObject({ code: 'REGISTRY_STALE', nodes: ['n2'], fix: null });
    expect(lyo.causes[0]!.message).toMatch(/fail with 401 consumer_key_rejected\. Restart that node: /);
  });

  it('names the one node holding a provisional key, offers approval there, and says the others need a sync afterwards', () => {
    const r = decide([node('n1', 'missing'), node('n2', 'provisional'), node('n3', 'missing')]);
    expect(r.causes).toEqual([
      expect.objectContaining({
        code: 'KEY_PROVISIONAL',
        nodes: ['n2'],
        fix: { action: 'approve', args: { cluster: 'c', key: 'K', node: 'n2' } },
      }),
    ]);
    expect(r.causes[0]!.message).toContain('Afterwards refresh n1 and n3 (sync)');
  });

  it('tells a lost provisional key from an unknown one only by evidence of a friendship', () => {
    const nodes = [node('n1', 'missing'), node('n2', 'missing')];
    expect(codes(decide(nodes))).toEqual(['KEY_UNKNOWN']);
    const lost = decide(nodes, { friendshipEvidence: ['the key is tracked in cluster c'] });
    expect(codes(lost)).toEqual(['PROVISIONAL_KEY_LOST']);
    expect(lost.causes[0]).toMatchObject({
      nodes: ['n1', 'n2'],
      fix: { action: 'register', args: { cluster: 'c', key: 'K' } },
    });
    expect(lost.causes[0]!.message).toContain('(the key is tracked in cluster c)');
    const fromText = decide(nodes, { errorText: parseErrorText('friendship failed: 401: invalid_expired_token') });
    expect(codes(fromText)).toEqual(['KEY_UNKNOWN']); // the caller turns the text's friendship into evidence
    expect(fromText.causes[0]!.likely).toBe(true);
  });

  it('says which nodes could not be checked when no node knows the key', () => {
    const r = decide([
      node('n1', 'missing'),
      node('n2', 'down', {
        error: { code: 'NODE_UNREACHABLE', message: 'n2 (http://x) is unreachable: connection refused' },
      }),
    ]);
    expect(codes(r)).toEqual(['KEY_UNKNOWN', 'NODE_DOWN']);
    // Issue 18, defect 16: not "no node knows": what is known, and which node could not be asked, why.
    expect(r.causes[0]!.message).not.toMatch(/^No node knows/);
    expect(r.causes[0]!.message).toContain('Key K is unknown on n1');
    expect(r.causes[0]!.message).toContain('but n2 could not be checked (n2: down)');
    expect(r.causes[0]!.unchecked).toEqual(['n2']);
    expect(r.causes[1]).toMatchObject({ nodes: ['n2'], fix: null, severity: 'warning' });
    expect(r.causes[1]!.message).toContain('connection refused');
  });

  it('says two nodes with untrusted certificates could not be checked, not that no node knows the key', () => {
    const r = decide([
      node('n1', 'missing'),
      node('n2', 'tls-untrusted', { fingerprint256: 'AA:BB', subject: 'CN=n2' }),
      node('n3', 'tls-untrusted', { fingerprint256: 'CC:DD', subject: 'CN=n3' }),
    ]);
    const unknown = r.causes.find((c) => c.code === 'KEY_UNKNOWN')!;
    expect(unknown.message).not.toMatch(/No node knows/);
    expect(unknown.message).toContain(
      'but n2 and n3 could not be checked (n2: untrusted certificate; n3: untrusted certificate)',
    );
    expect(unknown.unchecked).toEqual(['n2', 'n3']);
    expect(codes(r).filter((c) => c === 'TLS_UNTRUSTED')).toHaveLength(2);
    // Every node answered: the plain words, and no `unchecked`.
    const all = decide([node('n1', 'missing'), node('n2', 'missing')]);
    expect(all.causes[0]!.message).toMatch(/^No node knows key K/);
    expect(all.causes[0]!.unchecked).toBeUndefined();
  });

  it('reports a wrong secret on the nodes that have the key', () => {
    const r = decide([node('n1', 'wrong-secret'), node('n2', 'wrong-secret'), node('n3', 'missing')]);
    expect(codes(r)).toEqual(['WRONG_SECRET', 'REGISTRY_STALE']);
    expect(r.causes[0]).toMatchObject({
      nodes: ['n1', 'n2'],
      fix: { action: 'reenter-secret', args: { cluster: 'c', key: 'K' } },
    });
  });

  it('reports a clock beyond ±300 s with its offset, warns near the limit, and says nothing below', () => {
    const r = decide([
      node('n1', 'approved', { clockSkewSeconds: 900 }),
      node('n2', 'approved', { clockSkewSeconds: -250 }),
      node('n3', 'approved', { clockSkewSeconds: 100 }),
    ]);
    expect(r.causes).toEqual([
      expect.objectContaining({
        code: 'CLOCK_SKEW',
        nodes: ['n1'],
        fix: { action: 'fix-clock', args: { cluster: 'c', node: 'n1', offsetSeconds: 900 } },
      }),
    ]);
    expect(r.causes[0]!.message).toBe(
      "n1's clock is 900 s ahead (the limit is ±300 s): it refuses every signed request with timestamp_refused. Fix time synchronisation (NTP) on n1.",
    );
    expect(r.notices).toEqual([expect.stringContaining("n2's clock is 250 s behind: close to the ±300 s limit")]);
  });

  it('reports a node refusing timestamps by an unknown amount without a fix it cannot fill in', () => {
    const r = decide([node('n1', 'clock-skew', { clockSkewSeconds: null }), node('n2', 'approved')]);
    expect(r.causes).toEqual([expect.objectContaining({ code: 'CLOCK_SKEW', nodes: ['n1'], fix: null })]);
  });

  it('offers to trust a refused certificate by its fingerprint, for nodes and the balancer', () => {
    const fp = 'AB:'.repeat(31) + 'AB';
    const r = decide([node('n1', 'tls-untrusted', { fingerprint256: fp, subject: 'CN=n1' })], {
      balancer: {
        reachable: false,
        state: 'tls-untrusted',
        error: null,
        fingerprint256: fp,
        subject: 'CN=lb',
        sticky: null,
        stickyEvidence: null,
      },
    });
    expect(r.causes).toEqual([
      expect.objectContaining({
        code: 'TLS_UNTRUSTED',
        nodes: ['n1'],
        fix: { action: 'trust-certificate', args: { cluster: 'c', node: 'n1', fingerprint256: fp } },
      }),
      expect.objectContaining({
        code: 'TLS_UNTRUSTED',
        nodes: ['balancer'],
        fix: { action: 'trust-certificate', args: { cluster: 'c', node: 'balancer', fingerprint256: fp } },
      }),
    ]);
    expect(r.causes[0]!.message).toContain(`SHA-256 ${fp}, subject CN=n1`);
    expect(r.causes[1]!.message).toMatch(/^The balancer presented a certificate/);
  });

  it('reports a balancer that moves a session between nodes, and one that cannot be reached', () => {
    const notSticky = decide([node('n1', 'approved'), node('n2', 'approved')], {
      balancer: { ...stickyBalancer, sticky: false, stickyEvidence: { cookieOf: 'n1', wentTo: ['n2'] } },
    });
    expect(notSticky.causes).toEqual([
      expect.objectContaining({
        code: 'BALANCER_NOT_STICKY',
        nodes: ['n1', 'n2'],
        fix: { action: 'enable-affinity', args: { cluster: 'c' } },
      }),
    ]);
    expect(notSticky.causes[0]!.message).toContain('with the session cookie of n1, requests still went to n2');
    const down = decide([node('n1', 'approved')], {
      balancer: {
        reachable: false,
        state: 'down',
        error: { code: 'NODE_UNREACHABLE', message: 'balancer (http://lb) is unreachable: connection refused' },
        fingerprint256: null,
        subject: null,
        sticky: null,
        stickyEvidence: null,
      },
    });
    expect(down.causes).toEqual([expect.objectContaining({ code: 'NODE_DOWN', nodes: ['balancer'] })]);
    expect(down.causes[0]!.message).toMatch(/^The balancer cannot be reached/);
  });

  it('adds what only a pasted error can tell, marks the likely causes, and doubts what the nodes contradict', () => {
    const healthy = [node('n1', 'approved'), node('n2', 'approved')];
    expect(codes(decide(healthy, { errorText: parseErrorText('oauth_problem=token_expired') }))).toEqual([
      'REQUEST_TOKEN_EXPIRED',
    ]);
    const ts = decide(healthy, { errorText: parseErrorText('oauth_problem=timestamp_refused') });
    expect(codes(ts)).toEqual(['HEALTHY']);
    expect(ts.notices.join(' ')).toContain("the consumer's own clock is probably wrong");
    const denied = decide(healthy, {
      errorText: parseErrorText('?oauth_token=x&oauth_verifier=&oauth_error=oauth_denied'),
    });
    expect(denied.notices.join(' ')).toContain('the user chose Deny');
    const sig = decide(healthy, { secretChecked: false, errorText: parseErrorText('signature_invalid') });
    expect(sig.notices.join(' ')).toContain('give the consumer secret');
    const stale = decide([node('n1', 'approved'), node('n2', 'missing')], {
      errorText: parseErrorText('401: invalid_expired_token'),
    });
    expect(stale.causes[0]).toMatchObject({ code: 'REGISTRY_STALE', likely: true });
  });

  it('lists several causes at once, most severe first', () => {
    const r = decide(
      [
        node('n1', 'approved', { clockSkewSeconds: 1000 }),
        node('n2', 'missing'),
        node('n3', 'down', { error: { code: 'NODE_TIMEOUT', message: 'n3 did not answer' } }),
        node('n4', 'provisional'),
      ],
      { balancer: { ...stickyBalancer, sticky: false, stickyEvidence: { cookieOf: 'n1', wentTo: ['n2'] } } },
    );
    expect(codes(r)).toEqual(['KEY_PROVISIONAL', 'REGISTRY_STALE', 'CLOCK_SKEW', 'BALANCER_NOT_STICKY', 'NODE_DOWN']);
    expect(r.causes.map((c) => c.severity)).toEqual(['error', 'error', 'error', 'error', 'warning']);
  });

  it('sorts by severity, then likely first, keeping the order otherwise', () => {
    const a = makeCause('NODE_DOWN', ['a'], 'a', null);
    const b = makeCause('CLOCK_SKEW', ['b'], 'b', null);
    const c = makeCause('CLOCK_SKEW', ['c'], 'c', null, true);
    expect(sortCauses([a, b, c]).map((x) => x.nodes[0])).toEqual(['c', 'b', 'a']);
    expect(CAUSE_CODES[0]).toBe('PROVISIONAL_KEY_LOST');
    expect(CAUSE_CODES.at(-1)).toBe('HEALTHY');
  });

  it('joins node names in plain words', () => {
    expect(listNodes([])).toBe('');
    expect(listNodes(['a'])).toBe('a');
    expect(listNodes(['a', 'b'])).toBe('a and b');
    expect(listNodes(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
