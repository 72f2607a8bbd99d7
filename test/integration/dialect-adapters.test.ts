/**
 * Each adapter against its own dialect of the sandbox (issue 11): discovery, list (where any), probe
 * of every state, approve (API, or the hand-off acted out over HTTP on the dialect's admin page),
 * register, refresh, and the product's error texts read back as the same states. Then the seed story
 * through the facade: friend → approve on the right node → sync → a third-party signer (the
 * independent `oauth-1.0a` package) gets 200 from every node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseErrorText } from '../../electron/core/diagnose/error-text.ts';
import { adapterFor } from '../../electron/core/providers/index.ts';
import { PROVIDER_FACTS } from '../../electron/core/providers/facts.ts';
import type { DialectName } from '../../electron/sandbox/dialects/types.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { discoverySourceWords } from '../../shared/model.ts';
import type { ClusterStatus, ConsumerState, DiscoverySource } from '../../shared/model.ts';
import { runMain } from '../_cli.ts';
import { engineFor, type TestEngine } from '../_engine.ts';
import { Client, oauthHeader, useSandbox, type Credentials, type Reply } from '../_sandbox.ts';

interface DialectCase {
  dialect: Exclude<DialectName, 'sandbox'>;
  /** The request-token URL on one node (raw origin, no context root). */
  requestTokenUrl(origin: string): string;
  /** Where the endpoints must come from. */
  endpointSource: string | undefined;
  /** What the unknown-key answer says, in the product's words. */
  unknownText: RegExp;
  /** The cause the error-text parser must read from that answer. */
  unknownCause: string;
  /** Acts out the approval hand-off on one node over HTTP; null where the adapter approves by API. */
  approveByHand: ((sandbox: SandboxHandle, origin: string, key: string) => Promise<Reply>) | null;
  hasList: boolean;
  canRefresh: boolean;
}

const admin = (s: SandboxHandle) => ({ id: s.info.admin.user, password: s.info.admin.password });

/** The session-bound hidden field of the ClearQuest dialect's forms ([G] in the dialect). */
function csrfOfCq(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no csrf field on the OAuth Consumer Management page');
  return m[1];
}

/** ClearQuest: the node's form login, then OAuth Consumer Management → Provisional Keys → Approved. */
async function clearquestApprove(sandbox: SandboxHandle, origin: string, key: string): Promise<Reply> {
  const c = Client.for(sandbox);
  try {
    const loginPage = await c.request(`${origin}/cqweb/`);
    expect(loginPage.body).toContain('name="password"');
    const login = await c.form(`${origin}/cqweb/admin/login`, admin(sandbox));
    expect(login.status).toBe(303);
    const page = await c.request(`${origin}/cqweb/admin/oauth-consumers`);
    expect(page.body).toContain('Provisional Keys');
    const csrf = csrfOfCq(page.body);
    const forged = await c.form(`${origin}/cqweb/admin/oauth-consumers`, {
      action: 'approve',
      key,
      status: 'Approved',
    });
    expect(forged.status).toBe(403);
    return await c.form(`${origin}/cqweb/admin/oauth-consumers`, { action: 'approve', key, status: 'Approved', csrf });
  } finally {
    await c.close();
  }
}

/** Jazz: form login as documented, then the approval link `?key=`, then its REST call with the CSRF header. */
async function jazzApprove(sandbox: SandboxHandle, origin: string, key: string): Promise<Reply> {
  const c = Client.for(sandbox);
  try {
    const identity = await c.request(`${origin}/jts/authenticated/identity`);
    expect(identity.status).toBe(302);
    const challenge = await c.request(new URL(identity.headers.get('location') ?? '', origin).href);
    expect(challenge.headers.get('x-com-ibm-team-repository-web-auth-msg')).toBe('authrequired');
    expect(c.jar.get('JazzFormAuth')).toBe('Form');
    const login = await c.form(`${origin}/jts/j_security_check`, {
      j_username: sandbox.info.admin.user,
      j_password: sandbox.info.admin.password,
    });
    expect(login.status).toBe(302);
    expect(c.jar.has('LtpaToken2')).toBe(true);
    const module = `${origin}/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth`;
    const page = await c.request(`${module}?key=${encodeURIComponent(key)}`);
    // The link shows that key's row on the node that holds it, and CRJZS0033E elsewhere.
    expect(page.body).toContain(page.status === 200 ? `data-key="${key}"` : 'CRJZS0033E');
    const withoutCsrf = await c.form(module, { key, decision: 'approve' });
    expect(withoutCsrf.status).toBe(403);
    return await c.form(module, { key, decision: 'approve' }, { 'x-jazz-csrf-prevent': c.jar.get('JSESSIONID')! });
  } finally {
    await c.close();
  }
}

/** What the README's provider table claims (electron/core/providers/facts.ts): this suite proves it. */
function claimsOf(kind: DialectCase['dialect']): Pick<DialectCase, 'hasList' | 'canRefresh'> {
  const facts = PROVIDER_FACTS[kind];
  return { hasList: facts.list.api, canRefresh: facts.refresh.can };
}

const CASES: DialectCase[] = [
  {
    dialect: 'clearquest',
    requestTokenUrl: (o) => `${o}/cqweb/oauth-request-token/cqschema`,
    endpointSource: 'catalog-oauthConfiguration',
    unknownText: /^401: invalid_expired_token/,
    unknownCause: 'REGISTRY_STALE',
    approveByHand: clearquestApprove,
    ...claimsOf('clearquest'),
  },
  {
    dialect: 'jazz',
    requestTokenUrl: (o) => `${o}/jts/oauth-request-token`,
    endpointSource: 'discovery',
    unknownText: /^CRJZS0033E The consumer key is not valid/,
    unknownCause: 'KEY_UNKNOWN',
    approveByHand: jazzApprove,
    ...claimsOf('jazz'),
  },
  {
    dialect: 'lyo',
    requestTokenUrl: (o) => `${o}/oauth/requestToken`,
    endpointSource: 'fixed-paths',
    unknownText: /oauth_problem=consumer_key_rejected/,
    unknownCause: 'REGISTRY_STALE',
    approveByHand: null,
    ...claimsOf('lyo'),
  },
];

/** A request-token call signed by the independent `oauth-1.0a` package, straight to `url`. */
async function signedRequestToken(
  client: Client,
  url: string,
  consumer: Credentials,
  timestampOffsetSeconds = 0,
): Promise<Reply> {
  const authorization = oauthHeader({
    method: 'POST',
    url,
    consumer,
    data: { oauth_callback: 'oob' },
    timestampOffsetSeconds,
  });
  return client.request(url, { method: 'POST', headers: { authorization }, cookies: false });
}

describe.each(CASES)('the $dialect adapter against the $dialect dialect', (d) => {
  const sandbox = useSandbox({ nodes: 3, dialect: d.dialect });
  let te: TestEngine;
  const client = new Client();
  const origin = (id: string) => sandbox().info.nodes.find((n) => n.id === id)!.url;
  const states = async (key: string): Promise<Record<string, ConsumerState>> => {
    const status = await te.engine.status({ cluster: te.cluster.name });
    return Object.fromEntries(status.nodes.map((n) => [n.id, n.consumers.find((c) => c.key === key)!.state]));
  };

  beforeAll(async () => {
    te = await engineFor(sandbox());
  });
  afterAll(async () => {
    await te?.close();
    await client.close();
  });

  it('registers the cluster as its own kind and discovers the endpoints on each node itself', async () => {
    expect(te.cluster.kind).toBe(d.dialect);
    const adapter = adapterFor(d.dialect);
    for (const node of te.cluster.nodes) {
      const { endpoints } = await adapter.discover({ cluster: te.cluster, node, http: te.engine.httpFor(te.cluster) });
      const raw = new URL(node.url).origin;
      expect(endpoints.requestToken).toBe(d.requestTokenUrl(raw));
      expect(new URL(endpoints.authorize).origin).toBe(raw);
      expect(endpoints.source).toBe(d.endpointSource);
      // …and the README's table names that source among this kind's.
      expect(PROVIDER_FACTS[d.dialect].discovery.sources).toContain(endpoints.source);
    }
    // The table's approve and register columns say API or hand-off: so does the adapter, and the
    // suite acts the hand-off out where there is one.
    const facts = PROVIDER_FACTS[d.dialect];
    expect(adapter.approve === null ? 'handoff' : 'api').toBe(facts.approve.by);
    expect(d.approveByHand === null ? 'api' : 'handoff').toBe(facts.approve.by);
    expect(adapter.register === null ? 'handoff' : 'api').toBe(facts.register.by);
    expect(!adapter.requestTokenRefusesProvisional).toBe(facts.probe.decidedByList);
  });

  it('status says where each node’s OAuth URLs were read, in its result and in the CLI’s words', async () => {
    const status = await te.engine.status({ cluster: te.cluster.name });
    expect(status.nodes.map((n) => [n.id, n.discoverySource])).toEqual(
      te.cluster.nodes.map((n) => [n.id, d.endpointSource]),
    );
    const env = { OSLC_ADMIN_HOME: te.home, OSLC_ADMIN_KEYCHAIN_SERVICE: te.service };
    const json = await runMain(['status', te.cluster.name, '--json'], { env });
    const printed = JSON.parse(json.stdout) as ClusterStatus;
    expect(printed.nodes.map((n) => n.discoverySource)).toEqual(te.cluster.nodes.map(() => d.endpointSource));
    const human = await runMain(['status', te.cluster.name], { env });
    const lines = human.stdout.split('\n').filter((l) => l.startsWith('OAuth URLs of '));
    // The plain discovery document goes without saying; any other source is named per node.
    expect(lines).toEqual(
      d.endpointSource === 'discovery'
        ? []
        : te.cluster.nodes.map(
            (n) => `OAuth URLs of ${n.id}: ${discoverySourceWords(d.endpointSource as DiscoverySource)}`,
          ),
    );
    if (d.dialect === 'clearquest')
      expect(lines[0]).toBe(
        "OAuth URLs of node1: read from the catalog's oslc:oauthConfiguration (the discovery document has no jfs:oauth*Url)",
      );
  });

  it('plays the seed story: friend, probe, approve on the holding node, sync, every node answers a signer', async () => {
    const secret = `secret-${d.dialect}`;
    const { key, node: holder } = await sandbox().friend(`RTC for ${d.dialect}`, secret);
    await te.engine.trackConsumer({ cluster: te.cluster.name, key, name: 'RTC', secret });

    // Provisional on the holder only; the others do not know it.
    const before = await te.engine.probeNode({ cluster: te.cluster.name, node: holder, key });
    expect(before.state).toBe('provisional');
    if (d.dialect === 'lyo') {
      // Lyo's requestToken accepts the provisional key: only the consumer list could tell.
      expect(before.decidedBy).toBe('consumer-list');
      const raw = await signedRequestToken(client, d.requestTokenUrl(origin(holder)), { key, secret });
      expect(raw.status).toBe(200);
    } else expect(before.decidedBy).toBeUndefined();
    // The same through status (for Lyo: decided by the holder's consumer list there too).
    const beforeApproval = await states(key);
    expect(beforeApproval[holder]).toBe('provisional');
    for (const n of sandbox().info.nodes) if (n.id !== holder) expect(beforeApproval[n.id]).toBe('unknown');

    // Approve: by API where there is one, else the hand-off names the holder and is acted out there.
    const approved = await te.engine.approve({ cluster: te.cluster.name, key });
    expect(approved.node).toBe(holder);
    if (d.approveByHand) {
      expect(approved.handoff).not.toBeNull();
      expect(new URL(approved.handoff!.adminUrl).origin).toBe(origin(holder));
      // The console can open that page pinned to the node (Jazz's link carries ?key=).
      const opened = await te.engine.openAdminPage({
        cluster: te.cluster.name,
        node: holder,
        url: approved.handoff!.adminUrl,
      });
      expect(opened.url).toBe(approved.handoff!.adminUrl);
      // Acting it out on another node fails: the provisional key lives in the holder's memory only.
      const other = sandbox().info.nodes.find((n) => n.id !== holder)!;
      expect((await d.approveByHand(sandbox(), other.url, key)).status).toBe(404);
      const done = await d.approveByHand(sandbox(), origin(holder), key);
      expect(done.status).toBe(200);
    } else {
      expect(approved.handoff).toBeNull();
      expect(approved.verified).toBe(true);
    }
    const after = await te.engine.probeNode({ cluster: te.cluster.name, node: holder, key });
    expect(after.state).toBe('approved');

    // The other nodes are stale until refreshed (or restarted, for Lyo).
    const stale = sandbox().info.nodes.find((n) => n.id !== holder)!;
    const staleAnswer = await signedRequestToken(client, d.requestTokenUrl(stale.url), { key, secret });
    expect(staleAnswer.status).toBe(401);
    expect(staleAnswer.body).toMatch(d.unknownText);

    const sync = await te.engine.sync({ cluster: te.cluster.name });
    if (d.canRefresh) {
      expect(sync.nodes.every((n) => n.refreshed)).toBe(true);
      expect(sync.verified.consistent).toBe(true);
    } else {
      expect(sync.nodes.every((n) => !n.refreshed && n.error?.code === 'NOT_SUPPORTED')).toBe(true);
      expect(sync.notices.join(' ')).toMatch(/restart/i);
      // From the CLI, sync only verifies here: exit 1 while a node lacks the key (restart it), 0 after.
      const env = { OSLC_ADMIN_HOME: te.home, OSLC_ADMIN_KEYCHAIN_SERVICE: te.service };
      const drifted = await runMain(['sync', te.cluster.name], { env });
      expect(drifted.code, drifted.stdout).toBe(1);
      expect(drifted.stdout).toMatch(/Restart th(at|ose) nodes? to load it/);
      for (const n of sandbox().info.nodes) if (n.id !== holder) await sandbox().restartNode(n.id);
      const verified = await runMain(['sync', te.cluster.name], { env });
      expect(verified.code, verified.stdout).toBe(0);
      expect(verified.stdout).toContain(
        'All nodes consistent (verified only: this kind cannot refresh a running node).',
      );
      // Each row says it in a word; the reason is given once, in the notes.
      expect(verified.stdout.match(/NOT_SUPPORTED \(see the notes\)/g)).toHaveLength(sandbox().info.nodes.length);
      expect(verified.stdout.match(/loaded once when the server starts/g)).toHaveLength(1);
    }
    expect(Object.values(await states(key))).toEqual(['approved', 'approved', 'approved']);
    // The default (sticky) balancer and every node approved: diagnose says HEALTHY in every dialect.
    const diagnosis = await te.engine.diagnose({ cluster: te.cluster.name, consumerKey: key });
    expect(diagnosis.causes.map((c) => c.code)).toEqual(['HEALTHY']);
    for (const n of sandbox().info.nodes) {
      const res = await signedRequestToken(client, d.requestTokenUrl(n.url), { key, secret });
      expect(res.status, `${n.id}: ${res.body}`).toBe(200);
      expect(res.body).toContain('oauth_callback_confirmed=true');
    }
  });

  it('probes every state in the product’s own words, and the error-text parser reads them the same way', async () => {
    const { key, node } = await sandbox().friend('probe states', 'right-secret');
    const consumer = { key, secret: 'right-secret' };
    await te.engine.trackConsumer({ cluster: te.cluster.name, key, name: 'probe states', secret: consumer.secret });
    // A key no node knows: the product's text, mapped to `unknown`.
    const unknown = await te.engine.probeNode({
      cluster: te.cluster.name,
      node,
      key: 'no-such-key',
      secret: 'x',
    });
    expect(unknown.state).toBe('unknown');
    const raw = await signedRequestToken(client, d.requestTokenUrl(origin(node)), { key: 'no-such-key', secret: 'x' });
    expect(raw.status).toBe(401);
    expect(raw.body).toMatch(d.unknownText);
    expect(parseErrorText(`HTTP/1.1 401\n${raw.body}`).likelyCauses).toContain(d.unknownCause);

    // Approve it by the adapter's route so the rest can be probed on the holder.
    if (d.approveByHand) expect((await d.approveByHand(sandbox(), origin(node), key)).status).toBe(200);
    else expect((await te.engine.approve({ cluster: te.cluster.name, key, node })).verified).toBe(true);

    const wrong = await te.engine.probeNode({ cluster: te.cluster.name, node, key, secret: 'wrong' });
    expect(wrong.state).toBe('bad-secret');

    sandbox().setClockOffset(node, 900);
    try {
      const skew = await te.engine.probeNode({ cluster: te.cluster.name, node, key, secret: consumer.secret });
      expect(skew.state).toBe('clock-skew');
      expect(skew.clockSkewSeconds).toBeGreaterThan(800);
      const skewed = await signedRequestToken(client, d.requestTokenUrl(origin(node)), consumer);
      if (d.dialect === 'clearquest') {
        // [D] ClearQuest: HTTP 400, realm = the repository, with the acceptable timestamps.
        expect(skewed.status).toBe(400);
        const challenge = skewed.headers.get('www-authenticate') ?? '';
        expect(challenge).toMatch(
          /^OAuth realm="cqschema", oauth_acceptable_timestamps="\d+-\d+", oauth_problem="timestamp_refused"$/,
        );
        expect(parseErrorText(`HTTP 400 ${challenge}`).likelyCauses[0]).toBe('CLOCK_SKEW');
      } else expect(skewed.status).toBe(401);
    } finally {
      sandbox().setClockOffset(node, 0);
    }

    await sandbox().killNode(node);
    try {
      const status = await te.engine.status({ cluster: te.cluster.name });
      const down = status.nodes.find((n) => n.id === node)!;
      expect(down.up).toBe(false);
      expect(down.consumers.find((c) => c.key === key)?.state).toBe('down');
    } finally {
      await sandbox().restartNode(node);
    }
  });

  it('lists keys only where the product has a list API', async () => {
    const adapter = adapterFor(d.dialect);
    expect(adapter.listKeys !== null).toBe(d.hasList);
    const status = await te.engine.status({ cluster: te.cluster.name });
    for (const n of status.nodes) expect(n.provisional === null).toBe(!d.hasList);
  });

  it('registers a consumer the way the product allows, and the node then accepts it', async () => {
    const node = sandbox().info.nodes[1]!;
    if (d.dialect === 'clearquest')
      // By hand the key is typed on the node's form: without one here it could never be tracked.
      await expect(
        te.engine.register({ cluster: te.cluster.name, name: 'no key', secret: 's', node: node.id }),
      ).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'key' } });
    const result = await te.engine.register({
      cluster: te.cluster.name,
      name: `registered on ${d.dialect}`,
      secret: 'reg-secret',
      trusted: true,
      node: node.id,
      ...(d.dialect === 'clearquest' ? { key: `cq-key-${Date.now()}` } : {}),
    });
    if (d.dialect === 'clearquest') {
      // No API: a hand-off with the documented fields, acted out on the node's Register Consumer form.
      expect(result.handoff?.action).toBe('register');
      expect(result.handoff?.fields).toMatchObject({ trusted: true });
      const c = Client.for(sandbox());
      await c.form(`${node.url}/cqweb/admin/login`, admin(sandbox()));
      const csrf = csrfOfCq((await c.request(`${node.url}/cqweb/admin/oauth-consumers`)).body);
      const mismatch = await c.form(`${node.url}/cqweb/admin/oauth-consumers`, {
        action: 'register',
        name: 'x',
        key: result.key,
        secret: 'reg-secret',
        secret2: 'other',
        csrf,
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body).toContain('The two secrets do not match.');
      const done = await c.form(`${node.url}/cqweb/admin/oauth-consumers`, {
        action: 'register',
        name: 'registered on clearquest',
        key: result.key,
        secret: 'reg-secret',
        secret2: 'reg-secret',
        trusted: 'true',
        csrf,
      });
      await c.close();
      expect(done.status).toBe(200);
      expect(done.body).toContain('Authorized Keys');
    } else if (d.dialect === 'jazz') {
      // oauth-request-consumer creates a provisional key; approving it is the hand-off.
      expect(result.approved).toBe(false);
      expect(result.handoff?.adminUrl).toBe(
        `${node.url}/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth?key=${encodeURIComponent(result.key)}`,
      );
      expect((await jazzApprove(sandbox(), node.url, result.key)).status).toBe(200);
    } else {
      expect(result.approved).toBe(true);
    }
    const probe = await te.engine.probeNode({ cluster: te.cluster.name, node: node.id, key: result.key });
    expect(probe.state).toBe('approved');
  });

  it('refreshes a node the product’s way, or says why it cannot', async () => {
    const adapter = adapterFor(d.dialect);
    expect(adapter.refresh !== null).toBe(d.canRefresh);
    if (!d.canRefresh) {
      expect(adapter.refreshUnsupported).toMatch(/restart/i);
      return;
    }
    // A wrong admin password is refused in the product's way (Basic 401, or Jazz's authfailed).
    const node = te.cluster.nodes[0]!;
    await expect(
      adapter.refresh!(
        { cluster: te.cluster, node, http: te.engine.httpFor(te.cluster) },
        { user: 'admin', password: 'wrong' },
      ),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('dialect-specific surfaces', () => {
  describe('clearquest', () => {
    const sandbox = useSandbox({ nodes: 1, dialect: 'clearquest' });
    it('serves /cqweb/oslc/ without login and challenges every protected resource with realm = repository', async () => {
      const c = Client.for(sandbox());
      const origin = sandbox().info.nodes[0]!.url;
      const root = await c.request(`${origin}/cqweb/oslc/?rcm.contentType=application/json`);
      expect(root.status).toBe(200);
      expect(JSON.parse(root.body)).toMatchObject({ repositories: [{ title: 'cqschema' }] });
      const db = await c.request(`${origin}/cqweb/oslc/repo/cqschema/db/SAMPL`);
      expect(db.status).toBe(401);
      expect(db.headers.get('www-authenticate')).toBe('OAuth realm="cqschema"');
      // There is no consumer list API.
      expect((await c.request(`${origin}/oauth/consumers`)).status).toBe(404);
      await c.close();
    });
  });

  describe('jazz', () => {
    const sandbox = useSandbox({ nodes: 1, dialect: 'jazz' });
    it('advertises every jfs:oauth* property and refuses a bad login with authfailed', async () => {
      const c = Client.for(sandbox());
      const origin = sandbox().info.nodes[0]!.url;
      const rs = await c.request(`${origin}/jts/rootservices`);
      for (const p of [
        'oauthRequestTokenUrl',
        'oauthUserAuthorizationUrl',
        'oauthAccessTokenUrl',
        'oauthRequestConsumerKeyUrl',
        'oauthApprovalModuleUrl',
        'oauthExpireTokenUrl',
        'oauthDomain',
        'oauthRealmName',
      ])
        expect(rs.body).toContain(`jfs:${p}`);
      expect(rs.body).toContain('/jts/_ajax-modules/com.ibm.team.repository.AuthorizeOAuth');
      const bad = await c.form(`${origin}/jts/j_security_check`, { j_username: 'admin', j_password: 'nope' });
      expect(bad.headers.get('x-com-ibm-team-repository-web-auth-msg')).toBe('authfailed');
      expect(bad.headers.get('location')).toBe('/jts/auth/authfailed');
      const needsUser = await c.request(`${origin}/jts/oslc/catalog`);
      expect(needsUser.status).toBe(401);
      expect(needsUser.body).toMatch(/^CRJZS0360I/);
      // CRJZS0360I is about the user, not the key.
      expect(parseErrorText(needsUser.body).likelyCauses).not.toContain('KEY_UNKNOWN');
      await c.close();
    });
  });

  describe('lyo', () => {
    const sandbox = useSandbox({ nodes: 1, dialect: 'lyo' });
    it('answers with Lyo’s statuses and texts: login 409, consumers 403, CSRF 403, approveKey 400', async () => {
      const c = Client.for(sandbox());
      const origin = sandbox().info.nodes[0]!.url;
      const page = await c.request(`${origin}/oauth/admin`);
      const csrf = /csrfPrevent = "([^"]+)"/.exec(page.body)![1]!;
      const bad = await c.form(`${origin}/oauth/login`, { id: 'admin', password: 'nope' }, { 'x-csrf-prevent': csrf });
      expect(bad.status).toBe(409);
      expect(bad.body.trim()).toBe('Incorrect username or password.');
      const list = await c.request(`${origin}/oauth/consumers`, { headers: { accept: 'application/json' } });
      expect(list.status).toBe(403);
      expect(list.body.trim()).toBe('You must be an administrator.');
      const noCsrf = await c.form(`${origin}/oauth/adminLogin`, admin(sandbox()));
      expect(noCsrf.status).toBe(403);
      expect(noCsrf.body.trim()).toBe('Request denied due to possible CSRF attack.');
      expect((await c.request(`${origin}/oauth/approveKey?key=nope`)).status).toBe(400);
      // requestKey: the name is optional and a chosen key is ignored (OAuthService.provisionalKey).
      const made = await c.json(`${origin}/oauth/requestKey`, { secret: 's', key: 'my-own-key' });
      expect(made.status).toBe(200);
      expect((JSON.parse(made.body) as { key: string }).key).toMatch(/^[0-9a-f-]{36}$/);
      expect((await c.request(`${origin}/oauth/requestKey`, { method: 'POST', body: '{' })).status).toBe(400);
      // No refresh endpoint.
      expect((await c.request(`${origin}/cqweb/oslc/repo/cqschema/db/SAMPL/refreshRepoConfig`)).status).toBe(404);
      await c.close();
    });
  });
});
