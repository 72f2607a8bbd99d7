// Issue 24: a cluster added from one URL (discovery, rootservices, a Lyo base URL, a node's admin page)
// and nodes as host:port or URLs, against each dialect sandbox over real sockets, with and without
// TLS, with and without the context root on the nodes: a working cluster (status: every node up), or
// a coded error that names the field. NODE_EXTRA_CA_CERTS plays no part: the TLS cases pass the
// sandbox CA as the cluster's CA bundle.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { failure } from '../_failure.ts';

type Dialect = 'clearquest' | 'jazz' | 'lyo' | 'sandbox';
const sandboxes = new Map<string, SandboxHandle>();
let home: string;
let engine: Engine;

const hostPort = (url: string) => new URL(url).host;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'oslc-from-url-'));
  engine = new Engine({ home, secrets: new MemorySecretStore() });
  const shapes: [string, Dialect, boolean][] = [
    ['cq', 'clearquest', false],
    ['cq-tls', 'clearquest', true],
    ['jazz', 'jazz', false],
    ['jazz-tls', 'jazz', true],
    ['lyo', 'lyo', false],
    ['lyo-tls', 'lyo', true],
  ];
  await Promise.all(
    shapes.map(async ([key, dialect, tls]) => sandboxes.set(key, await startSandbox({ nodes: 2, dialect, tls }))),
  );
}, 60_000);

afterAll(async () => {
  await engine.close();
  await Promise.all([...sandboxes.values()].map((s) => s.close()));
  await rm(home, { recursive: true, force: true });
});

let n = 0;
async function addAndCheck(key: string, from: (s: SandboxHandle) => string, nodes: (s: SandboxHandle) => string[]) {
  const s = sandboxes.get(key)!;
  const caPem = s.info.caFile ? await readFile(s.info.caFile, 'utf8') : null;
  const name = `c${++n}`;
  const resolved = await engine.resolveClusterUrl({ name, from: from(s), nodes: nodes(s), caPem });
  await engine.addCluster(resolved.input);
  const status = await engine.status({ cluster: name });
  expect(
    status.nodes.map((x) => [x.id, x.up, x.error?.code ?? null]),
    `${key} ${from(s)}: ${resolved.notes.join(' | ')}`,
  ).toEqual([
    ['node1', true, null],
    ['node2', true, null],
  ]);
  return resolved;
}

describe('ClearQuest from one URL', () => {
  for (const key of ['cq', 'cq-tls']) {
    it(`${key}: the technote's discovery URL, nodes as host:port without the context root`, async () => {
      const r = await addAndCheck(
        key,
        (s) => `${s.info.balancer}/cqweb/oslc/repo/${s.info.repo}/discovery`,
        (s) => s.info.nodes.map((x) => hostPort(x.url)),
      );
      expect(r.kind).toBe('clearquest');
      expect(r.contextRoot).toBe('/cqweb');
      expect(r.input.repo).toBe('cqschema');
      expect(r.input.db).toBe('SAMPL'); // from the discovery document: the URL names no database
      expect(r.oauth?.requestToken).toMatch(/\/cqweb\/oauth-request-token\/cqschema$/);
      expect(r.notes.join('\n')).toMatch(/node 1: 127\.0\.0\.1:\d+ → https?:\/\/127\.0\.0\.1:\d+\/cqweb/);
    });
  }

  it('the database URL names repo and db; full node URLs with and without /cqweb; a fragment is dropped and said', async () => {
    const r = await addAndCheck(
      'cq',
      (s) => `${s.info.balancer}/cqweb/oslc/repo/${s.info.repo}/db/${s.info.db}#top`,
      (s) => [s.info.nodes[0]!.url, `${s.info.nodes[1]!.url}/cqweb/`],
    );
    expect(r.input.db).toBe('SAMPL');
    expect(r.notes).toContain('from: dropped the fragment #top');
    expect(r.input.nodes.map((x) => new URL(x.url).pathname)).toEqual(['/cqweb', '/cqweb']);
  });

  it('the bare server URL: the server says it is ClearQuest, which repository and which database', async () => {
    const r = await addAndCheck(
      'cq',
      (s) => `${s.info.balancer}/`,
      (s) => s.info.nodes.map((x) => x.url),
    );
    expect(r.kind).toBe('clearquest');
    expect(r.notes.join('\n')).toMatch(/repository cqschema: the only one the server lists/);
  });

  it('a node admin page as the URL, with the balancer given apart', async () => {
    const s = sandboxes.get('cq')!;
    const r = await engine.resolveClusterUrl({
      name: 'cq-admin',
      from: `${s.info.nodes[0]!.url}/cqweb/admin/oauth-consumers?tab=2`,
      balancerUrl: s.info.balancer,
      nodes: s.info.nodes.map((x) => hostPort(x.url)),
    });
    expect(r.input.balancerUrl).toBe(`${s.info.balancer}/cqweb`);
    expect(r.notes).toContain('from: dropped the query ?tab=2');
  });
});

describe('Jazz from one URL', () => {
  for (const key of ['jazz', 'jazz-tls']) {
    it(`${key}: …/jts/rootservices, nodes as host:port`, async () => {
      const r = await addAndCheck(
        key,
        (s) => `${s.info.balancer}/jts/rootservices`,
        (s) => s.info.nodes.map((x) => hostPort(x.url)),
      );
      expect([r.kind, r.contextRoot]).toEqual(['jazz', '/jts']);
      expect(r.oauth?.authorize).toMatch(/\/jts\/oauth-authorize$/);
    });
  }

  it("a node's admin page (…/jts/admin) with the balancer given apart", async () => {
    const s = sandboxes.get('jazz')!;
    const r = await engine.resolveClusterUrl({
      name: 'jz-admin',
      from: `${s.info.nodes[1]!.url}/jts/admin#consumers`,
      balancerUrl: s.info.balancer,
      nodes: s.info.nodes.map((x) => hostPort(x.url)),
    });
    expect([r.kind, r.input.balancerUrl]).toEqual(['jazz', `${s.info.balancer}/jts`]);
    expect(r.oauth?.requestToken).toMatch(/\/jts\/oauth-request-token$/);
  });

  it('the bare server URL and full node URLs without /jts', async () => {
    const r = await addAndCheck(
      'jazz',
      (s) => s.info.balancer,
      (s) => s.info.nodes.map((x) => x.url),
    );
    expect(r.kind).toBe('jazz');
    expect(r.input.nodes.every((x) => x.url.endsWith('/jts'))).toBe(true);
  });
});

describe('Lyo from one URL', () => {
  it('the base URL and the admin page', async () => {
    const base = await addAndCheck(
      'lyo',
      (s) => s.info.balancer,
      (s) => s.info.nodes.map((x) => hostPort(x.url)),
    );
    expect([base.kind, base.contextRoot]).toEqual(['lyo', '']);
    const admin = await addAndCheck(
      'lyo',
      (s) => `${s.info.balancer}/oauth/admin`,
      (s) => s.info.nodes.map((x) => x.url),
    );
    expect(admin.kind).toBe('lyo');
  });
});

describe('Lyo over TLS, and the embedded sandbox', () => {
  it('lyo-tls: the base URL with full node URLs', async () => {
    const r = await addAndCheck(
      'lyo-tls',
      (s) => `${s.info.balancer}/`,
      (s) => s.info.nodes.map((x) => x.url),
    );
    expect(r.kind).toBe('lyo');
  });

  it('the mixed sandbox from its rootservices URL', async () => {
    sandboxes.set('mixed', await startSandbox({ nodes: 2 }));
    const r = await addAndCheck(
      'mixed',
      (s) => `${s.info.balancer}/rootservices`,
      (s) => s.info.nodes.map((x) => hostPort(x.url)),
    );
    expect([r.kind, r.contextRoot, r.input.repo]).toEqual(['sandbox', '', 'cqschema']);
  });
});

describe('bad input: a coded error naming the field, nothing saved', () => {
  it('refuses each malformed form, naming from or nodes[i]', async () => {
    const s = sandboxes.get('cq')!;
    const before = (await engine.listClusters()).clusters.length;
    const node = hostPort(s.info.nodes[0]!.url);
    const cases: [string, string[], RegExp, string][] = [
      [
        'lbcq/cqweb/oslc/repo/cqschema/discovery',
        [node],
        /from: .* has no scheme: write https:\/\/lbcq\/cqweb/,
        'from',
      ],
      ['ftp://lbcq/cqweb', [node], /only http:\/\/ and https:\/\//, 'from'],
      [`http://admin:pw@${hostPort(s.info.balancer)}/cqweb`, [node], /carries a user or password/, 'from'],
      [`${s.info.balancer}/cqweb`, ['fd00::1:9443'], /looks like an IPv6 address: write it in brackets/, 'nodes[0]'],
      [`${s.info.balancer}/cqweb`, ['admin@lbcq_1:9443'], /carries a user/, 'nodes[0]'],
      [
        `${s.info.balancer}/cqweb`,
        [node, `${s.info.nodes[1]!.url}/jts`],
        /path \/jts is jazz's, but this is a clearquest cluster/,
        'nodes[1]',
      ],
      [`${s.info.balancer}/cqweb`, [], /at least one node/, 'nodes'],
      ['https://[fe80::1%25eth0]:9443/cqweb', [node], /IPv6 address with a zone/, 'from'],
    ];
    for (const [from, nodes, message, field] of cases) {
      const err = await failure(engine.resolveClusterUrl({ name: 'bad', from, nodes }));
      expect(err.code, from).toBe('BAD_INPUT');
      expect(err.message, from).toMatch(message);
      expect(err.details?.['field'], from).toBe(field);
    }
    expect((await engine.listClusters()).clusters.length).toBe(before);
  });

  it('a TLS server whose certificate nobody trusts: says so and the way on, not "give --db"', async () => {
    const s = sandboxes.get('cq-tls')!;
    const err = await failure(
      engine.resolveClusterUrl({
        name: 'tls',
        from: `${s.info.balancer}/cqweb/oslc/repo/cqschema/discovery`,
        nodes: ['a'],
      }),
    );
    expect(err.code).toBe('TLS_UNTRUSTED');
    expect(err.message).toMatch(/Give the cluster's CA bundle, or name the repository and database/);
    expect(err.details?.['field']).toBe('caPem');
    // With the database named, nothing more needs asking: added now, trusted after.
    const r = await engine.resolveClusterUrl({
      name: 'tls',
      from: `${s.info.balancer}/cqweb/oslc/repo/cqschema/discovery`,
      nodes: s.info.nodes.map((x) => hostPort(x.url)),
      db: 'SAMPL',
    });
    expect(r.oauth).toBeNull();
    expect(r.notes.join('\n')).toMatch(/OAuth URLs not read from the balancer: TLS_UNTRUSTED/);
  });

  it('a wrong product path on the server: names what was tried', async () => {
    const s = sandboxes.get('cq')!;
    const err = await failure(
      engine.resolveClusterUrl({ name: 'bad', from: `${s.info.balancer}/ccmx/web`, nodes: ['a'] }),
    );
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/is not a ClearQuest, Jazz or Lyo address this tool recognises \(tried/);
  });

  it('writes an IDN host in its IDNA form and says so; accepts a bracketed IPv6 node', async () => {
    const s = sandboxes.get('cq')!;
    const r = await engine.resolveClusterUrl({
      name: 'idn',
      from: `${s.info.balancer}/cqweb/oslc/repo/cqschema/db/SAMPL`,
      nodes: ['bücher.example:9443', '[fd00::5]:9443'],
    });
    expect(r.input.nodes.map((x) => x.url)).toEqual([
      'http://xn--bcher-kva.example:9443/cqweb',
      'http://[fd00::5]:9443/cqweb',
    ]);
    expect(r.notes.join('\n')).toMatch(/the host bücher\.example is written xn--bcher-kva\.example/);
  });
});
