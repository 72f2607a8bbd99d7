/**
 * Issue 12, class 3: no input reaches exit 3 (internal error, stack trace). Each case runs the real
 * `oslc-admin` process. A read-only config directory is made with `chattr +i` (root ignores mode
 * bits, so chmod would prove nothing here); where chattr is refused (not root, a file system without
 * the attribute) the audit file is replaced by a directory instead, which no user can append to.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { MemorySecretStore, OsKeychain } from '../../electron/core/keychain.ts';
import { Engine } from '../../electron/core/facade.ts';
import { runBin } from '../_cli.ts';
import type { CliRun } from '../_cli.ts';
import { useTempHomes } from '../_home.ts';

const home = useTempHomes('oslc-harden-a-exit-');
const service = `oslc-cluster-admin-test-${randomUUID()}`;
const env = { OSLC_ADMIN_KEYCHAIN_SERVICE: service };
const cli = (args: string[], stdin?: string): Promise<CliRun> =>
  runBin(args, { env, ...(stdin !== undefined ? { stdin } : {}), timeoutMs: 60_000 });

function noInternalError(r: CliRun): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(3);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at \S+ \(/);
}

async function homeWithJazz(): Promise<string> {
  const h = await home();
  const r = await cli([
    ...['cluster', 'add', 'prod', '--kind', 'jazz', '--balancer', 'http://127.0.0.1:9/'],
    ...['--node', 'http://127.0.0.1:10/', '--home', h.dir],
  ]);
  expect(r.code, r.stderr).toBe(0);
  return h.dir;
}

describe('report --out is checked before the diagnosis runs', () => {
  it.each([
    ['a regular file', (dir: string) => `${dir}/clusters.json`, /it is a file, not a directory/],
    ['a path below a regular file', (dir: string) => `${dir}/clusters.json/sub`, /is a file, not a directory/],
  ])('--out naming %s: exit 2 naming outDir, and no consumer was diagnosed', async (_l, out, message) => {
    const dir = await homeWithJazz();
    expect((await cli(['consumer', 'track', 'prod', '--key', 'k1', '--home', dir])).code).toBe(0);
    const r = await cli(['report', 'prod', '--out', out(dir), '--home', dir]);
    noInternalError(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/outDir: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/diagnosing/);
  });
});

describe('sandbox options that name impossible things', () => {
  it('--state-dir naming a file: exit 2 naming it', async () => {
    const h = await home();
    const file = h.path('a-file');
    await writeFile(file, 'x');
    const r = await cli(['sandbox', '--state-dir', file, '--home', h.dir]);
    noInternalError(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state dir: .*a-file: it is a file, not a directory/);
  });

  it('--register NAME where NAME is a cluster of another kind: exit 2, the cluster untouched', async () => {
    const dir = await homeWithJazz();
    const before = await readFile(`${dir}/clusters.json`);
    const r = await cli(['sandbox', '--register', 'prod', '--home', dir]);
    noInternalError(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--register: cluster "prod" exists and is a jazz cluster/);
    expect(await readFile(`${dir}/clusters.json`)).toEqual(before);
    // Checked before the sandbox starts: no state directory was made for it either.
    expect(await stat(`${dir}/sandbox`).catch(() => null)).toBeNull();
  });
});

describe('the config directory in odd states', () => {
  it('a directory where the lock file goes: a coded error naming it, exit 1, not 3', async () => {
    const dir = await homeWithJazz();
    await mkdir(`${dir}/clusters.json.lock`);
    const r = await cli([
      ...['cluster', 'add', 'two', '--kind', 'jazz', '--balancer', 'http://127.0.0.1:9/'],
      ...['--node', 'http://127.0.0.1:10/', '--home', dir],
    ]);
    noInternalError(r);
    expect(r.stderr).toMatch(/\[CONFIG_UNWRITABLE\].*clusters\.json\.lock is a directory/);
    expect(r.code).toBe(1);
  });

  it('adding a cluster past the maximum (1000): exit 2 naming the limit, the file unchanged', async () => {
    const dir = await homeWithJazz();
    const doc = JSON.parse(await readFile(`${dir}/clusters.json`, 'utf8')) as { clusters: { name: string }[] };
    const one = doc.clusters[0]!;
    doc.clusters = Array.from({ length: 1000 }, (_, i) => ({ ...one, name: `c${i}` }));
    await writeFile(`${dir}/clusters.json`, JSON.stringify(doc));
    const before = await readFile(`${dir}/clusters.json`);
    const r = await cli([
      ...['cluster', 'add', 'one-more', '--kind', 'jazz', '--balancer', 'http://127.0.0.1:9/'],
      ...['--node', 'http://127.0.0.1:10/', '--home', dir],
    ]);
    noInternalError(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the most it may hold \(1000\)/);
    expect(await readFile(`${dir}/clusters.json`)).toEqual(before);
  });
});

/** Makes `dir` unwritable even for root: chattr +i, or (where that is refused) the audit file becomes a directory. */
async function makeUnwritable(dir: string): Promise<{ how: string; undo: () => Promise<void> }> {
  // The directory and every file in it: appending to a file is allowed in an immutable directory.
  const targets = [dir, ...(await readdir(dir)).map((f) => `${dir}/${f}`)];
  try {
    execFileSync('chattr', ['+i', ...targets], { stdio: 'ignore' });
    return {
      how: 'chattr +i',
      undo: async () => {
        execFileSync('chattr', ['-i', ...targets], { stdio: 'ignore' });
      },
    };
  } catch {
    try {
      execFileSync('chattr', ['-i', ...targets], { stdio: 'ignore' });
    } catch {
      // chattr is missing or refused outright: nothing was set
    }
    await rm(`${dir}/audit.jsonl`, { force: true });
    await mkdir(`${dir}/audit.jsonl`);
    return { how: 'audit.jsonl is a directory', undo: async () => rm(`${dir}/audit.jsonl`, { recursive: true }) };
  }
}

describe('sync with a config directory that cannot be written', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ nodes: 3 });
  });
  afterAll(async () => {
    await sandbox?.close();
    const kc = new OsKeychain(service);
    for (const a of ['cluster/sb/admin']) await kc.delete(a).catch(() => false);
  });

  it('approve with a config directory that cannot be written: the approval is printed with the audit failure, exit 1', async () => {
    const h = await home();
    const add = await cli([
      ...['cluster', 'add', 'sb', '--kind', 'sandbox', '--balancer', sandbox.info.balancer],
      ...sandbox.info.nodes.flatMap((n) => ['--node', n.url]),
      ...['--repo', sandbox.info.repo, '--db', sandbox.info.db, '--home', h.dir],
    ]);
    expect(add.code, add.stderr).toBe(0);
    const login = await cli(
      ['login', 'sb', '--user', sandbox.info.admin.user, '--password-stdin', '--home', h.dir],
      sandbox.info.admin.password,
    );
    expect(login.code, login.stderr).toBe(0);
    for (const json of [false, true]) {
      const { key, node } = await sandbox.friend(`RO-${json}`, 'ro-secret');
      const ro = await makeUnwritable(h.dir);
      let r: CliRun;
      try {
        r = await cli(['approve', 'sb', '--key', key, ...(json ? ['--json'] : []), '--home', h.dir]);
      } finally {
        await ro.undo();
      }
      noInternalError(r);
      if (json) {
        const out = JSON.parse(r.stdout) as { node: string; verified: boolean; auditError?: { code: string } };
        expect(out).toMatchObject({ node, verified: true, auditError: { code: 'CONFIG_UNWRITABLE' } });
      } else {
        expect(r.stdout).toContain(`Approved ${key} on ${node}`);
        expect(r.stdout).toMatch(/Warning: The audit line could not be written to .*audit\.jsonl/);
      }
      expect(r.code).toBe(1);
    }
  }, 120_000);

  it('in the engine: an audit append failing with EROFS (injected at the file layer) leaves the result whole', async () => {
    const h = await home();
    const engine = new Engine({ home: h.dir, secrets: new MemorySecretStore() });
    try {
      await engine.addCluster({
        name: 'sb',
        kind: 'sandbox',
        balancerUrl: sandbox.info.balancer,
        nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })),
        repo: sandbox.info.repo,
        db: sandbox.info.db,
      });
      await engine.storeCredentials({
        cluster: 'sb',
        user: sandbox.info.admin.user,
        password: sandbox.info.admin.password,
      });
      // The one injected failure: what a read-only file system answers to the append.
      engine.auditLog.append = () =>
        Promise.reject(Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' }));
      const r = await engine.sync({ cluster: 'sb' });
      expect(r.nodes.every((n) => n.refreshed)).toBe(true);
      expect(r.auditError).toMatchObject({ code: 'CONFIG_UNWRITABLE', details: { errno: 'EROFS' } });
      expect(r.notices.join('\n')).toMatch(/audit line could not be written .*\(EROFS\)/);
    } finally {
      await engine.close();
    }
  });

  it('refreshes every node, prints the result with the audit failure beside it, exit 1', async () => {
    const h = await home();
    const add = await cli([
      ...['cluster', 'add', 'sb', '--kind', 'sandbox', '--balancer', sandbox.info.balancer],
      ...sandbox.info.nodes.flatMap((n) => ['--node', n.url]),
      ...['--repo', sandbox.info.repo, '--db', sandbox.info.db, '--home', h.dir],
    ]);
    expect(add.code, add.stderr).toBe(0);
    const login = await cli(
      ['login', 'sb', '--user', sandbox.info.admin.user, '--password-stdin', '--home', h.dir],
      sandbox.info.admin.password,
    );
    expect(login.code, login.stderr).toBe(0);
    const auditBefore = await readFile(h.path('audit.jsonl'), 'utf8');
    const ro = await makeUnwritable(h.dir);
    let r: CliRun;
    try {
      r = await cli(['sync', 'sb', '--json', '--home', h.dir]);
    } finally {
      await ro.undo();
    }
    noInternalError(r);
    const out = JSON.parse(r.stdout) as {
      nodes: { id: string; refreshed: boolean }[];
      auditError?: { code: string; message: string };
      notices: string[];
    };
    expect(out.nodes.map((n) => [n.id, n.refreshed])).toEqual(sandbox.info.nodes.map((n) => [n.id, true]));
    expect(out.auditError?.code).toBe('CONFIG_UNWRITABLE');
    expect(out.notices.join('\n')).toMatch(/The audit line could not be written to .*audit\.jsonl/);
    expect(r.code).toBe(1);
    // Nothing was appended (it could not be), and the text output says the same.
    if ((await stat(h.path('audit.jsonl'))).isFile())
      expect(await readFile(h.path('audit.jsonl'), 'utf8')).toBe(auditBefore);
    const ro2 = await makeUnwritable(h.dir);
    let text: CliRun;
    try {
      text = await cli(['sync', 'sb', '--home', h.dir]);
    } finally {
      await ro2.undo();
    }
    noInternalError(text);
    expect(text.stdout).toMatch(/The audit line could not be written/);
    for (const n of sandbox.info.nodes) expect(text.stdout).toContain(n.id);
    expect(text.code).toBe(1);
  }, 120_000);
});

describe('login, logout and trust with a config directory that cannot be written', () => {
  // These change only this machine (the keychain and clusters.json), so nothing may be half done:
  // the audit log and the config are checked first, and the keychain is touched only after both.
  async function secretsOf(store: MemorySecretStore): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {};
    for (const a of store.accounts()) out[a] = await store.get(a);
    return out;
  }

  it.each([
    ['the whole config directory', 'dir'],
    ['the audit log alone', 'audit'],
  ] as const)('%s unwritable: each answers CONFIG_UNWRITABLE and changes nothing', async (_label, what) => {
    const dir = await homeWithJazz();
    const secrets = new MemorySecretStore();
    const engine = new Engine({ home: dir, secrets });
    try {
      await engine.storeCredentials({ cluster: 'prod', user: 'first-admin', password: 'first-password' });
      const keychainBefore = await secretsOf(secrets);
      const configBefore = await readFile(`${dir}/clusters.json`);
      const auditBefore = await readFile(`${dir}/audit.jsonl`);
      const ro =
        what === 'dir'
          ? await makeUnwritable(dir)
          : await (async () => {
              execFileSync('chattr', ['+i', `${dir}/audit.jsonl`], { stdio: 'ignore' });
              return { undo: async () => execFileSync('chattr', ['-i', `${dir}/audit.jsonl`], { stdio: 'ignore' }) };
            })();
      try {
        const fp = 'AB:'.repeat(31) + 'AB';
        for (const call of [
          () => engine.storeCredentials({ cluster: 'prod', user: 'second-admin', password: 'second-password' }),
          () => engine.forgetCredentials({ cluster: 'prod' }),
          () => engine.trustCertificate({ cluster: 'prod', fingerprint256: fp }),
        ])
          await expect(call()).rejects.toMatchObject({ code: 'CONFIG_UNWRITABLE' });
      } finally {
        await ro.undo();
      }
      expect(await secretsOf(secrets)).toEqual(keychainBefore);
      expect(await readFile(`${dir}/clusters.json`)).toEqual(configBefore);
      expect(await readFile(`${dir}/audit.jsonl`)).toEqual(auditBefore);
    } finally {
      await engine.close();
    }
  });

  it('login from the CLI: exit 1 naming the file, no stack, nothing stored', async () => {
    const dir = await homeWithJazz();
    const ro = await makeUnwritable(dir);
    let r: CliRun;
    try {
      r = await cli(['login', 'prod', '--user', 'admin', '--password-stdin', '--no-verify', '--home', dir], 'pw-ro');
    } finally {
      await ro.undo();
    }
    noInternalError(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CONFIG_UNWRITABLE|cannot be written|could not be written/i);
    expect(r.stdout).not.toMatch(/Stored the admin login/);
    const engine = new Engine({ home: dir, secrets: new OsKeychain(service) });
    try {
      expect((await engine.getCluster({ cluster: 'prod' })).adminUser ?? null).toBeNull();
    } finally {
      await engine.close();
    }
  });
});
