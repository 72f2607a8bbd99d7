/**
 * The diagnosis against the real sandbox: each cause is made to happen for real (control server,
 * Lyo admin API, refreshRepoConfig), and the diagnosis must name that cause and those nodes, and
 * nothing else for the nodes that are healthy.
 */
import { randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../electron/core/diagnose/diagnose.ts';
import type { SandboxHandle, SandboxOptions } from '../../electron/sandbox/index.ts';
import type { DiagnoseEvent, Diagnosis } from '../../shared/diagnose.ts';
import { approvedConsumer, approveOn, withSandbox } from '../_sandbox.ts';
import { causeOf, CLUSTER, codes, engineFor, withEngine } from './_diagnose-helpers.ts';
import type { TestEngine } from './_diagnose-helpers.ts';

const ALL = ['node1', 'node2', 'node3'];

interface Row {
  name: string;
  sandbox: SandboxOptions;
  engine?: { trustCa?: boolean; admin?: boolean };
  /** Brings the sandbox into the state; returns the diagnose argument's key, secret and error text. */
  arrange: (
    sb: SandboxHandle,
    t: TestEngine,
  ) => Promise<{ key: string; secret?: string; errorText?: string; expectNodes: string[] }>;
  expectCodes: string[];
  check?: (d: Diagnosis, sb: SandboxHandle, ctx: { expectNodes: string[] }) => void | Promise<void>;
}

/** The SHA-256 fingerprint a raw TLS connection sees, as browsers show it. */
async function presentedFingerprint(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: u.hostname, port: Number(u.port), rejectUnauthorized: false, servername: 'localhost' },
      () => {
        const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
        socket.end();
        resolve(fp);
      },
    );
    socket.on('error', reject);
  });
}

const rows: Row[] = [
  {
    name: 'every node approved and refreshed is HEALTHY, and only that',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      return { key: c.key, secret: c.secret, expectNodes: ALL };
    },
    expectCodes: ['HEALTHY'],
    check: (d) => {
      expect(causeOf(d, 'HEALTHY').fix).toBeNull();
      expect(d.nodes.map((n) => n.state)).toEqual(['approved', 'approved', 'approved']);
      expect(d.balancer?.sticky).toBe(true);
      expect(d.secretChecked).toBe(true);
    },
  },
  {
    name: 'a key approved on its node only is REGISTRY_STALE naming the stale nodes, with sync as the fix',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const { key, node } = await sb.friend('RTC', 'stale-secret');
      expect((await approveOn(sb, node, key)).status).toBe(204);
      return { key, secret: 'stale-secret', expectNodes: ALL.filter((n) => n !== node) };
    },
    expectCodes: ['REGISTRY_STALE'],
    check: (d, _sb, { expectNodes }) => {
      const c = causeOf(d, 'REGISTRY_STALE');
      expect(c.fix).toEqual({ action: 'sync', args: { cluster: CLUSTER } });
      for (const n of expectNodes) expect(c.message).toContain(n);
      expect(c.message).toContain('invalid_expired_token');
      for (const n of d.nodes) expect(n.state).toBe(expectNodes.includes(n.id) ? 'missing' : 'approved');
      expect(d.balancer?.summary).toMatch(/consumer_key_unknown/);
    },
  },
  {
    name: 'a fresh friendship is KEY_PROVISIONAL naming the node that holds the key, with approve on that node as the fix',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const { key, node } = await sb.friend('RTC', 'provisional-secret');
      return { key, secret: 'provisional-secret', expectNodes: [node] };
    },
    expectCodes: ['KEY_PROVISIONAL'],
    check: (d, _sb, { expectNodes }) => {
      const node = expectNodes[0]!;
      expect(causeOf(d, 'KEY_PROVISIONAL').fix).toEqual({
        action: 'approve',
        args: { cluster: CLUSTER, key: d.key, node },
      });
      expect(d.nodes.find((n) => n.id === node)?.listed).toBe('provisional');
    },
  },
  {
    name: 'a tracked friendship whose node restarted before approval is PROVISIONAL_KEY_LOST, with register as the fix',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb, t) => {
      const { key, node } = await sb.friend('RTC', 'lost-secret');
      await t.engine.trackConsumer({ cluster: CLUSTER, key, name: 'RTC', secret: 'lost-secret' });
      await sb.restartNode(node);
      return { key, expectNodes: ALL };
    },
    expectCodes: ['PROVISIONAL_KEY_LOST'],
    check: (d) => {
      const c = causeOf(d, 'PROVISIONAL_KEY_LOST');
      expect(c.fix).toEqual({ action: 'register', args: { cluster: CLUSTER, key: d.key } });
      expect(c.message).toContain('tracked in cluster sb');
      expect(d.secretChecked).toBe(true); // the stored secret was used
    },
  },
  {
    name: 'a key no node knows and nobody recorded is KEY_UNKNOWN',
    sandbox: { nodes: 3, sticky: true },
    arrange: async () => ({ key: randomUUID(), secret: 'whatever', expectNodes: ALL }),
    expectCodes: ['KEY_UNKNOWN'],
  },
  {
    name: 'an untracked key with a pasted error that speaks of a friendship is PROVISIONAL_KEY_LOST',
    sandbox: { nodes: 3, sticky: true },
    arrange: async () => ({
      key: randomUUID(),
      errorText:
        'CRRTC: Could not establish the friendship with https://lbcq/cqweb/oslc/repo/cqschema/discovery\n401: invalid_expired_token',
      expectNodes: ALL,
    }),
    expectCodes: ['PROVISIONAL_KEY_LOST'],
    check: (d) => {
      expect(causeOf(d, 'PROVISIONAL_KEY_LOST').likely).toBe(true);
      expect(d.errorText?.mentionsFriendship).toBe(true);
    },
  },
  {
    name: 'the wrong secret is WRONG_SECRET on every node, with re-entering the secret as the fix',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      return { key: c.key, secret: 'not-the-secret', expectNodes: ALL };
    },
    expectCodes: ['WRONG_SECRET'],
    check: (d) => {
      expect(causeOf(d, 'WRONG_SECRET').fix).toEqual({
        action: 'reenter-secret',
        args: { cluster: CLUSTER, key: d.key },
      });
      expect(d.nodes.every((n) => n.state === 'wrong-secret')).toBe(true);
    },
  },
  {
    name: 'a node clock shifted by 900 s is CLOCK_SKEW naming that node with about 900 s, and the key is still read there',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      sb.setClockOffset('node2', 900);
      return { key: c.key, secret: c.secret, expectNodes: ['node2'] };
    },
    expectCodes: ['CLOCK_SKEW'],
    check: (d) => {
      const c = causeOf(d, 'CLOCK_SKEW');
      expect(c.fix?.action).toBe('fix-clock');
      const offset = (c.fix?.args as { offsetSeconds: number }).offsetSeconds;
      expect(Math.abs(offset - 900)).toBeLessThanOrEqual(2);
      expect(c.message).toMatch(/node2's clock is (899|900|901) s ahead/);
      const node2 = d.nodes.find((n) => n.id === 'node2')!;
      expect(node2.state).toBe('approved');
      expect(node2.evidence).toHaveLength(2);
    },
  },
  {
    name: 'a killed node is NODE_DOWN and the others are still diagnosed',
    sandbox: { nodes: 3, sticky: true },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      await sb.killNode('node3');
      return { key: c.key, secret: c.secret, expectNodes: ['node3'] };
    },
    expectCodes: ['NODE_DOWN'],
    check: (d) => {
      expect(causeOf(d, 'NODE_DOWN').fix).toBeNull();
      expect(d.nodes.map((n) => [n.id, n.state])).toEqual([
        ['node1', 'approved'],
        ['node2', 'approved'],
        ['node3', 'down'],
      ]);
      expect(d.nodes[2]!.error?.code).toBe('NODE_UNREACHABLE');
    },
  },
  {
    name: 'a TLS sandbox whose CA is not trusted is TLS_UNTRUSTED for every node and the balancer, with the presented fingerprints',
    sandbox: { nodes: 3, tls: true, sticky: true },
    engine: { trustCa: false },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      return { key: c.key, secret: c.secret, expectNodes: [...ALL, 'balancer'] };
    },
    expectCodes: ['TLS_UNTRUSTED', 'TLS_UNTRUSTED', 'TLS_UNTRUSTED', 'TLS_UNTRUSTED'],
    check: async (d, sb) => {
      for (const c of d.causes) {
        const node = c.nodes[0]!;
        const url = node === 'balancer' ? sb.info.balancer : sb.info.nodes.find((n) => n.id === node)!.url;
        expect(c.fix).toEqual({
          action: 'trust-certificate',
          args: { cluster: CLUSTER, node, fingerprint256: await presentedFingerprint(url) },
        });
      }
      expect(d.nodes.every((n) => n.state === 'tls-untrusted' && n.tls?.fingerprint256)).toBe(true);
    },
  },
  {
    name: 'a TLS sandbox whose CA is trusted is HEALTHY',
    sandbox: { nodes: 2, tls: true, sticky: true },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      return { key: c.key, secret: c.secret, expectNodes: ['node1', 'node2'] };
    },
    expectCodes: ['HEALTHY'],
    check: (d) => expect(d.nodes.every((n) => n.tls?.authorized === true)).toBe(true),
  },
  {
    name: 'a round-robin balancer without session affinity is BALANCER_NOT_STICKY, with enable-affinity as the fix',
    sandbox: { nodes: 3, sticky: false },
    arrange: async (sb) => {
      const c = await approvedConsumer(sb);
      return { key: c.key, secret: c.secret, expectNodes: ALL };
    },
    expectCodes: ['BALANCER_NOT_STICKY'],
    check: (d) => {
      const c = causeOf(d, 'BALANCER_NOT_STICKY');
      expect(c.fix).toEqual({ action: 'enable-affinity', args: { cluster: CLUSTER } });
      expect(c.message).toMatch(/with the session cookie of node\d, requests still went to node\d/);
      expect(d.balancer?.sticky).toBe(false);
      expect([...(d.balancer?.reached ?? [])].sort()).toEqual(ALL);
      expect(d.nodes.every((n) => n.state === 'approved')).toBe(true);
    },
  },
];

describe('diagnose names each cause the sandbox is put into, and only that', () => {
  for (const row of rows) {
    it(row.name, async () => {
      await withSandbox(row.sandbox, async (sb) => {
        const t = await engineFor(sb, row.engine);
        try {
          const { key, secret, errorText, expectNodes } = await row.arrange(sb, t);
          const d = await diagnose(t.engine, {
            cluster: CLUSTER,
            consumerKey: key,
            ...(secret ? { secret } : {}),
            ...(errorText ? { errorText } : {}),
          });
          expect(codes(d), JSON.stringify(d.causes, null, 2)).toEqual(row.expectCodes);
          // The causes name exactly the affected nodes; nodes not named are healthy or untouched.
          expect([...new Set(d.causes.flatMap((c) => c.nodes))].sort()).toEqual([...expectNodes].sort());
          for (const c of d.causes) {
            expect(c.message.length).toBeGreaterThan(20);
            if (c.code !== 'HEALTHY' && c.code !== 'BALANCER_NOT_STICKY')
              for (const n of c.nodes) expect(c.message).toContain(n === 'balancer' ? 'balancer' : n);
          }
          await row.check?.(d, sb, { expectNodes });
          // Evidence is redacted: no secret, no signature, no token secret.
          const json = JSON.stringify(d);
          if (secret) expect(json).not.toContain(secret);
          expect(json).not.toMatch(/oauth_signature="[^[]/);
          expect(json).not.toMatch(/oauth_token_secret=(?!\[redacted\])/);
        } finally {
          await t.close();
        }
      });
    });
  }
});

describe('diagnose without the secret, with an error text, and with a slow node', () => {
  it('without the secret still finds the stale nodes through key presence and says what the secret would add', async () => {
    await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
      const { key, node } = await sb.friend('RTC', 'unseen-secret');
      await approveOn(sb, node, key);
      const d = await diagnose(t.engine, { cluster: CLUSTER, consumerKey: key });
      expect(d.secretChecked).toBe(false);
      expect(codes(d)).toEqual(['REGISTRY_STALE']);
      expect(d.nodes.find((n) => n.id === node)?.state).toBe('loaded');
      expect(d.notices.join('\n')).toMatch(/No consumer secret was given or stored .* WRONG_SECRET/s);
    });
  });

  it('without the secret and without an admin login a fully loaded key is HEALTHY with the secret marked unchecked', async () => {
    await withEngine({ nodes: 2, sticky: true }, { admin: false }, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const d = await diagnose(t.engine, { cluster: CLUSTER, consumerKey: c.key });
      expect(codes(d)).toEqual(['HEALTHY']);
      expect(d.causes[0]!.message).toContain('the secret was not checked');
      expect(d.nodes.every((n) => n.listed === null)).toBe(true);
      expect(d.notices.join('\n')).toContain('No admin login is stored');
    });
  });

  it('a pasted 401 invalid_expired_token marks the stale registry as the likely cause and names the node it mentions', async () => {
    await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
      const { key, node } = await sb.friend('RTC', 's3cret-value');
      await approveOn(sb, node, key);
      const stale = ['node1', 'node2', 'node3'].find((n) => n !== node)!;
      const port = new URL(sb.info.nodes.find((n) => n.id === stale)!.url).port;
      const errorText = `2024-05-02 10:11:12 ERROR [OAuthClient] POST https://127.0.0.1:${port}/oauth/requestToken failed\nHTTP/1.1 401 Unauthorized\nWWW-Authenticate: OAuth realm="x", oauth_problem="consumer_key_unknown"\n401: INVALID_EXPIRED_TOKEN (consumer secret=s3cret-value)`;
      const d = await diagnose(t.engine, { cluster: CLUSTER, consumerKey: key, secret: 's3cret-value', errorText });
      expect(codes(d)).toEqual(['REGISTRY_STALE']);
      expect(d.causes[0]!.likely).toBe(true);
      expect(d.errorText?.mentionedNodes).toEqual([stale]);
      expect(d.errorText?.excerpt).not.toContain('s3cret-value');
      expect(JSON.stringify(d)).not.toContain('s3cret-value');
    });
  });

  it('a pasted token_expired adds REQUEST_TOKEN_EXPIRED, which no probe can see, with restart-flow as the fix', async () => {
    await withEngine({ nodes: 2, sticky: true }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const d = await diagnose(t.engine, {
        cluster: CLUSTER,
        consumerKey: c.key,
        secret: c.secret,
        errorText: 'oauth_problem=token_expired',
      });
      expect(codes(d)).toEqual(['REQUEST_TOKEN_EXPIRED']);
      expect(d.causes[0]!.fix).toEqual({ action: 'restart-flow', args: { cluster: CLUSTER, key: c.key } });
    });
  });

  it('a node with 4 s of latency does not hold up the others: their results arrive first', async () => {
    await withEngine({ nodes: 3, sticky: true }, { admin: false }, async (sb, t) => {
      const c = await approvedConsumer(sb);
      sb.setLatency('node2', 4000);
      const started = Date.now();
      const arrivals: [string, number][] = [];
      const d = await diagnose(
        t.engine,
        { cluster: CLUSTER, consumerKey: c.key, secret: c.secret },
        { onProgress: (e: DiagnoseEvent) => e.type === 'node' && arrivals.push([e.node.id, Date.now() - started]) },
      );
      expect(codes(d)).toEqual(['HEALTHY']);
      const at = Object.fromEntries(arrivals);
      expect(at.node1).toBeLessThan(2500);
      expect(at.node3).toBeLessThan(2500);
      expect(at.node2).toBeGreaterThanOrEqual(4000);
      expect(arrivals.map(([id]) => id).at(-1)).toBe('node2');
    });
  });

  it('bad input is a coded error naming the field', async () => {
    await withEngine({ nodes: 1 }, {}, async (sb, t) => {
      await expect(diagnose(t.engine, { cluster: CLUSTER, consumerKey: '' })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'consumerKey' },
      });
      await expect(diagnose(t.engine, { cluster: 'nope', consumerKey: 'k' })).rejects.toMatchObject({
        code: 'CLUSTER_NOT_FOUND',
      });
      await expect(diagnose(t.engine, { cluster: CLUSTER, consumerKey: 'k', secret: '' })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'secret' },
      });
      await expect(
        diagnose(t.engine, { cluster: CLUSTER, consumerKey: 'k', errorText: 42 as unknown as string }),
      ).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'errorText' } });
      await expect(diagnose(t.engine, { cluster: CLUSTER, consumerKey: 'x'.repeat(10_000) })).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
    });
  });
});
