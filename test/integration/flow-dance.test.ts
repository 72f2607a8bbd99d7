/**
 * The OAuth flow tester against the sandbox: the real three-legged dance, with the authorize page
 * driven by a real HTTP client playing the user's browser (no browser needed).
 */
import { describe, expect, it } from 'vitest';
import { flow } from '../../electron/core/diagnose/flow.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import type { FlowEvent, FlowResult, FlowTarget } from '../../shared/diagnose.ts';
import { approvedConsumer, approveOn, Client } from '../_sandbox.ts';
import { authorizeInBrowser, CLUSTER, codes, withEngine } from './_diagnose-helpers.ts';
import type { AuthorizeResult, TestEngine } from './_diagnose-helpers.ts';

interface Run {
  result: FlowResult;
  events: FlowEvent[];
  browser: AuthorizeResult | null;
}

/**
 * Runs the flow; when the authorize event comes, the "user" opens the URL (or the page pinned to the
 * node that issued the token) and decides.
 */
async function runFlow(
  sb: SandboxHandle,
  t: TestEngine,
  opts: {
    key: string;
    secret: string;
    target: FlowTarget;
    decision?: 'allow' | 'deny' | 'none';
    pinned?: boolean;
    beforeAuthorize?: () => Promise<void>;
    onEvent?: (e: FlowEvent) => void;
    timeoutMs?: number;
    cluster?: string;
  },
): Promise<Run> {
  const events: FlowEvent[] = [];
  let driving: Promise<AuthorizeResult> | null = null;
  const result = await flow(
    t.engine,
    {
      cluster: opts.cluster ?? CLUSTER,
      consumerKey: opts.key,
      secret: opts.secret,
      target: opts.target,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    },
    {
      onProgress: (e) => {
        events.push(e);
        opts.onEvent?.(e);
        if (e.type === 'authorize' && opts.decision !== 'none') {
          const url = opts.pinned ? e.pinnedUrl! : e.url;
          driving = (async () => {
            await opts.beforeAuthorize?.();
            return authorizeInBrowser(sb, url, opts.decision === 'deny' ? 'deny' : 'allow');
          })();
        }
      },
    },
  );
  return { result, events, browser: driving ? await driving : null };
}

/** Values a result must never contain: the secret, the verifier, the request token. */
function expectRedacted(run: Run, secret: string): void {
  const json = JSON.stringify(run.result);
  expect(json).not.toContain(secret);
  const location = run.browser?.location ? new URL(run.browser.location) : null;
  const verifier = location?.searchParams.get('oauth_verifier');
  const token = location?.searchParams.get('oauth_token');
  if (verifier) expect(json).not.toContain(verifier);
  if (token) expect(json).not.toContain(token);
  expect(json).not.toMatch(/oauth_signature="[^[]/);
}

/**
 * Registers `name` over the sandbox with node ids that collide with the sandbox's clone ids but name
 * other nodes: cluster node i+1 is sandbox node i+2 (mod n). Returns sandbox node id → cluster node id.
 */
async function addRotated(sb: SandboxHandle, t: TestEngine, name: string): Promise<Map<string, string>> {
  const real = sb.info.nodes;
  const nodes = real.map((_, i) => ({ id: `node${i + 1}`, url: real[(i + 1) % real.length]!.url }));
  await t.engine.addCluster({
    name,
    kind: 'sandbox',
    balancerUrl: sb.info.balancer,
    nodes,
    repo: sb.info.repo,
    db: sb.info.db,
  });
  return new Map(nodes.map((n) => [real.find((r) => r.url === n.url)!.id, n.id]));
}

/** Every node id a flow result names: the steps, the issuer, the resource, the causes and their fixes. */
function namedNodes(r: FlowResult): string[] {
  const ids = [
    ...r.steps.map((s) => s.answeredBy),
    ...r.steps.map((s) => s.exchange?.answeredBy ?? null),
    r.issuedBy,
    r.resource?.answeredBy ?? null,
    ...r.causes.flatMap((c) => c.nodes),
    ...r.causes.map((c) => (c.fix?.args as { node?: string } | undefined)?.node ?? null),
  ];
  return ids.filter((id): id is string => id !== null);
}

describe('the OAuth flow tester', () => {
  it('completes the dance against one node when the user allows, each step naming that node', async () => {
    await withEngine({ nodes: 3 }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, { key: c.key, secret: c.secret, target: { node: 'node2' } });
      const r = run.result;
      expect(r.outcome, r.message).toBe('completed');
      expect(r.failedLeg).toBeNull();
      expect(r.causes).toEqual([]);
      expect(r.steps.map((s) => [s.leg, s.name, s.ok])).toEqual([
        [0, 'discovery', true],
        [1, 'request-token', true],
        [2, 'authorize', true],
        [3, 'access-token', true],
        [4, 'resource', true],
      ]);
      for (const s of r.steps.filter((x) => x.leg !== 2)) expect(s.answeredBy).toBe('node2');
      expect(
        r.steps.filter((s) => s.leg !== 2).every((s) => s.exchange && s.latencyMs !== null && s.status === 200),
      ).toBe(true);
      expect(r.issuedBy).toBe('node2');
      expect(r.resource).toMatchObject({ status: 200, answeredBy: 'node2' });
      expect(r.resource!.url).toBe(`${sb.info.nodes[1]!.url}/oslc/catalog`);
      const expiresIn = Date.parse(r.expiresAt!) - Date.parse(r.startedAt);
      expect(expiresIn).toBeGreaterThan(595_000);
      expect(expiresIn).toBeLessThanOrEqual(601_000);
      expect(run.browser).toMatchObject({
        pageStatus: 200,
        pageNode: 'node2',
        decisionStatus: 302,
        callbackStatus: 200,
      });
      // Progress: one step event per step, the authorize hand-over with its countdown, then the callback.
      const kinds = run.events
        .map((e) => (e.type === 'step' ? `step${e.step.leg}` : e.type))
        .filter((k) => k !== 'waiting');
      expect(kinds).toEqual(['step0', 'step1', 'authorize', 'callback', 'step2', 'step3', 'step4']);
      const authorize = run.events.find((e) => e.type === 'authorize');
      expect(authorize).toMatchObject({ issuedBy: 'node2', expiresAt: r.expiresAt });
      expect(r.message).toMatch(/completed on node2/);
      expectRedacted(run, c.secret);
    });
  });

  it('reports Deny as the user’s choice, not as a failure of the server', async () => {
    await withEngine({ nodes: 2 }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, { key: c.key, secret: c.secret, target: { node: 'node1' }, decision: 'deny' });
      const r = run.result;
      expect(r.outcome).toBe('denied');
      expect(r.failedLeg).toBeNull();
      expect(r.causes).toEqual([]);
      expect(r.message).toMatch(/The user chose Deny.*oauth_error=oauth_denied.*not a failure of the server/);
      expect(r.steps.map((s) => s.name)).toEqual(['discovery', 'request-token', 'authorize']);
      expect(r.steps.every((s) => s.ok)).toBe(true);
      expect(run.events).toContainEqual({ type: 'callback', decision: 'denied' });
      expectRedacted(run, c.secret);
    });
  });

  it('through a non-sticky balancer shows the leg that went to the wrong node and asks for session affinity', async () => {
    await withEngine({ nodes: 3, sticky: false }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      // The user's browser is pinned to the node that issued the token, as the desktop app does.
      const run = await runFlow(sb, t, { key: c.key, secret: c.secret, target: 'balancer', pinned: true });
      const r = run.result;
      expect(r.outcome).toBe('failed');
      expect(r.failedLeg).toBe(3);
      const issuer = r.issuedBy!;
      const leg3 = r.steps.find((s) => s.leg === 3)!;
      expect(leg3.ok).toBe(false);
      expect(leg3.problem).toBe('token_rejected');
      expect(leg3.answeredBy).not.toBe(issuer);
      expect(r.message).toBe(
        `Leg 3 went to ${leg3.answeredBy}, which does not hold the request token issued by ${issuer} (token_rejected): enable session affinity on the balancer.`,
      );
      expect(codes(r)).toEqual(['BALANCER_NOT_STICKY']);
      expect(r.causes[0]).toMatchObject({
        nodes: [issuer, leg3.answeredBy],
        fix: { action: 'enable-affinity', args: { cluster: CLUSTER } },
      });
      expect(run.browser?.pageNode).toBe(issuer);
      const authorize = run.events.find((e) => e.type === 'authorize');
      expect(authorize?.type === 'authorize' && authorize.url.startsWith(sb.info.balancer)).toBe(true);
      expectRedacted(run, c.secret);
    });
  });

  it('through a sticky balancer completes, every leg on the node that issued the token', async () => {
    await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, { key: c.key, secret: c.secret, target: 'balancer', pinned: true });
      const r = run.result;
      expect(r.outcome, r.message).toBe('completed');
      const nodes = new Set(r.steps.filter((s) => s.leg !== 2).map((s) => s.answeredBy));
      expect(nodes).toEqual(new Set([r.issuedBy]));
      expect(r.message).toMatch(/completed through the balancer/);
    });
  });

  it('a request token older than 600 s on the node clock is REQUEST_TOKEN_EXPIRED, with restart-flow as the fix', async () => {
    await withEngine({ nodes: 2 }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      // Issued at node time now-299 s; after the callback the node's clock jumps to now+299 s and
      // 2 real seconds have passed: more than 600 s on the node's clock, timestamps still accepted.
      sb.setClockOffset('node1', -299);
      const run = await runFlow(sb, t, {
        key: c.key,
        secret: c.secret,
        target: { node: 'node1' },
        beforeAuthorize: () => new Promise((r) => setTimeout(r, 2100)),
        onEvent: (e) => {
          if (e.type === 'callback') sb.setClockOffset('node1', 299);
        },
      });
      const r = run.result;
      expect(r.outcome).toBe('failed');
      expect(r.failedLeg).toBe(3);
      expect(r.steps.find((s) => s.leg === 3)?.problem).toBe('token_expired');
      expect(codes(r)).toEqual(['REQUEST_TOKEN_EXPIRED']);
      expect(r.causes[0]).toMatchObject({
        nodes: ['node1'],
        fix: { action: 'restart-flow', args: { cluster: CLUSTER, key: c.key } },
      });
      expect(r.causes[0]!.message).toContain('10 minutes');
    });
  });

  it('gives up at its timeout when nobody authorizes, and closes the callback listener', async () => {
    await withEngine({ nodes: 1 }, {}, async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, {
        key: c.key,
        secret: c.secret,
        target: { node: 'node1' },
        decision: 'none',
        timeoutMs: 800,
      });
      const r = run.result;
      expect(r.outcome).toBe('timeout');
      expect(r.failedLeg).toBe(2);
      expect(r.message).toMatch(/No callback arrived within 1 s; the request token is still valid until/);
      // The callback URL was sent in leg 1 (it is not a secret); nothing listens there any more.
      const header = r.steps[1]!.exchange!.request.headers.authorization!;
      const callback = decodeURIComponent(/oauth_callback="([^"]+)"/.exec(header)![1]!);
      expect(callback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oslc-admin\/callback\/[0-9a-f]{32}$/);
      const client = new Client();
      await expect(client.request(callback)).rejects.toThrow();
      await client.close();
    });
  });

  it('a leg that meets a stale node through the balancer names it and suggests sync', async () => {
    await withEngine({ nodes: 2, sticky: true }, {}, async (sb, t) => {
      // Approved on the holder only: the other node answers invalid_expired_token.
      const { key, node } = await sb.friend('RTC', 'flow-stale');
      await approveOn(sb, node, key);
      const other = node === 'node1' ? 'node2' : 'node1';
      const run = await runFlow(sb, t, { key, secret: 'flow-stale', target: { node: other }, decision: 'none' });
      const r = run.result;
      expect(r.outcome).toBe('failed');
      expect(r.failedLeg).toBe(1);
      expect(codes(r)).toEqual(['REGISTRY_STALE']);
      expect(r.causes[0]!.nodes).toEqual([other]);
      expect(r.message).toContain(`${other} does not know key ${key}`);
    });
  });

  it('bad input is a coded error naming the field, before anything is sent', async () => {
    await withEngine({ nodes: 1 }, {}, async (sb, t) => {
      const base = { cluster: CLUSTER, consumerKey: 'k', secret: 's' };
      await expect(flow(t.engine, { ...base, target: { node: 'node9' } })).rejects.toMatchObject({
        code: 'NODE_NOT_FOUND',
        details: { field: 'target' },
      });
      await expect(flow(t.engine, { ...base, target: 'nowhere' as unknown as FlowTarget })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'target' },
      });
      await expect(flow(t.engine, { ...base, target: 'balancer', timeoutMs: -1 })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'timeoutMs' },
      });
      await expect(flow(t.engine, { cluster: CLUSTER, consumerKey: 'k', target: 'balancer' })).rejects.toMatchObject({
        code: 'SECRET_MISSING',
        details: { field: 'secret' },
      });
    });
  });
});

describe("the flow tester names the cluster's own nodes", () => {
  // A cluster whose ids are the sandbox's rotated: the clone id an answer carries names another node.
  it('through a sticky balancer: every leg, the issuer and the pinned authorize page are the cluster node that answered', async () => {
    await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
      const ids = await addRotated(sb, t, 'rotated');
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, {
        key: c.key,
        secret: c.secret,
        target: 'balancer',
        pinned: true,
        cluster: 'rotated',
        timeoutMs: 5000,
      });
      const r = run.result;
      // The pinned page went to the cluster node named as the issuer; it served it: it holds the token.
      expect(run.browser?.pageStatus).toBe(200);
      expect(r.outcome, r.message).toBe('completed');
      const issuer = ids.get(run.browser!.pageNode!)!;
      expect(issuer).not.toBe(run.browser!.pageNode);
      expect(r.issuedBy).toBe(issuer);
      for (const s of r.steps.filter((x) => x.leg !== 2)) expect([s.leg, s.answeredBy]).toEqual([s.leg, issuer]);
      expect(r.resource?.answeredBy).toBe(issuer);
      expect(run.events.find((e) => e.type === 'authorize')).toMatchObject({ issuedBy: issuer });
      expect(new Set(namedNodes(r))).toEqual(new Set([issuer]));
      expect(r.message).toContain(`request token from ${issuer}`);
    });
  });

  it('straight to a node: every leg is that node, attributed by its URL', async () => {
    await withEngine({ nodes: 3 }, {}, async (sb, t) => {
      const ids = await addRotated(sb, t, 'rotated');
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, { key: c.key, secret: c.secret, target: { node: 'node1' }, cluster: 'rotated' });
      const r = run.result;
      expect(r.outcome, r.message).toBe('completed');
      // Cluster node1 is sandbox node2, whose cookies say node2.
      expect(run.browser?.pageNode).toBe('node2');
      expect(ids.get('node2')).toBe('node1');
      expect(r.issuedBy).toBe('node1');
      expect(new Set(namedNodes(r))).toEqual(new Set(['node1']));
      expect(r.steps.filter((s) => s.leg !== 2).every((s) => s.answeredBy === 'node1')).toBe(true);
    });
  });

  it('through a non-sticky balancer: the affinity cause names the cluster nodes that issued and refused the token', async () => {
    await withEngine({ nodes: 3, sticky: false }, {}, async (sb, t) => {
      const ids = await addRotated(sb, t, 'rotated');
      const c = await approvedConsumer(sb);
      const run = await runFlow(sb, t, {
        key: c.key,
        secret: c.secret,
        target: 'balancer',
        pinned: true,
        cluster: 'rotated',
        timeoutMs: 5000,
      });
      const r = run.result;
      expect(run.browser?.pageStatus).toBe(200);
      expect(r.outcome, r.message).toBe('failed');
      expect(r.failedLeg).toBe(3);
      const issuer = ids.get(run.browser!.pageNode!)!;
      expect(r.issuedBy).toBe(issuer);
      const leg3 = r.steps.find((s) => s.leg === 3)!;
      expect([...ids.values()]).toContain(leg3.answeredBy);
      expect(leg3.answeredBy).not.toBe(issuer);
      expect(codes(r)).toEqual(['BALANCER_NOT_STICKY']);
      expect(r.causes[0]!.nodes).toEqual([issuer, leg3.answeredBy]);
      for (const id of namedNodes(r)) expect([...ids.values()]).toContain(id);
    });
  });

  it('an answer from a node the cluster does not list is named by its clone id, never made a node of a cause', async () => {
    await withEngine({ nodes: 2, sticky: true }, {}, async (sb, t) => {
      // A key on one node only (the cluster lists that one); the other node does not know it.
      const { key, node: holder } = await sb.friend('RTC', 'flow-unlisted');
      const listed = sb.info.nodes.find((n) => n.id === holder)!;
      const other = sb.info.nodes.find((n) => n.id !== holder)!;
      await t.engine.addCluster({
        name: 'partial',
        kind: 'sandbox',
        balancerUrl: sb.info.balancer,
        nodes: [{ id: 'listed', url: listed.url }],
        repo: sb.info.repo,
        db: sb.info.db,
      });
      // The balancer goes round-robin: once it answered from the holder, a new client gets the other node.
      for (let i = 0; i < 2; i++) {
        const probe = new Client();
        const answer = await probe.request(`${sb.info.balancer}/rootservices`);
        await probe.close();
        if (answer.node === holder) break;
      }
      const run = await runFlow(sb, t, {
        key,
        secret: 'flow-unlisted',
        target: 'balancer',
        decision: 'none',
        cluster: 'partial',
      });
      const r = run.result;
      const label = `clone id "${other.id}" (no node of this cluster answered with it)`;
      expect(r.steps[0]).toMatchObject({ leg: 0, answeredBy: label });
      expect(r.failedLeg, r.message).toBe(1);
      expect(r.steps[1]).toMatchObject({ leg: 1, answeredBy: label, problem: 'consumer_key_unknown' });
      expect(r.message).toContain(`Leg 1 (request token): ${label} does not know key ${key}`);
      for (const id of namedNodes(r)) expect([label, 'listed']).toContain(id);
      expect(r.causes.flatMap((c) => c.nodes)).not.toContain(label);
    });
  });
});
