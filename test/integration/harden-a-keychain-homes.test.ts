/**
 * Issue 12, class 2: every keychain entry belongs to exactly one config directory. Against the real
 * Secret Service (scripts/with-keychain.sh) and the real CLI: two homes with a cluster of the same
 * name keep their own admin password through login, logout and remove; an entry of an older
 * version (named by cluster alone) is claimed by the first home that uses it and by no other; a
 * moved home keeps its secrets, a copied one does not share them.
 */
import { randomUUID } from 'node:crypto';
import { cp, readFile, rename } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { homeAccount } from '../../electron/core/secret-overlay.ts';
import { runBin } from '../_cli.ts';
import { useTempHomes } from '../_home.ts';

const home = useTempHomes('oslc-harden-a-kc-');
const service = `oslc-cluster-admin-test-${randomUUID()}`;
const env = { OSLC_ADMIN_KEYCHAIN_SERVICE: service };
const keychain = new OsKeychain(service, { timeoutMs: 20_000 });
const touched: string[] = [];

afterAll(async () => {
  for (const a of touched) await keychain.delete(a).catch(() => false);
});

async function addProd(dir: string): Promise<void> {
  const r = await runBin(
    [
      ...['cluster', 'add', 'prod', '--kind', 'jazz', '--balancer', 'http://127.0.0.1:9/'],
      ...['--node', 'http://127.0.0.1:10/', '--home', dir],
    ],
    { env },
  );
  expect(r.code, r.stderr).toBe(0);
}

async function login(dir: string, password: string): Promise<void> {
  const r = await runBin(['login', 'prod', '--user', 'admin', '--password-stdin', '--no-verify', '--home', dir], {
    env,
    stdin: password,
  });
  expect(r.code, r.stderr).toBe(0);
}

/** The admin password the engine of `dir` would use (null: none). */
async function passwordOf(dir: string): Promise<string | null> {
  const engine = new Engine({ home: dir, secrets: new OsKeychain(service) });
  try {
    const def = await engine.getCluster({ cluster: 'prod' });
    return (await engine.adminCredentials(def))?.password ?? null;
  } finally {
    await engine.close();
  }
}

async function homeIdOf(dir: string): Promise<string> {
  return (JSON.parse(await readFile(`${dir}/home.json`, 'utf8')) as { id: string }).id;
}

describe('keychain entries belong to one config directory', () => {
  it('two homes with a cluster "prod" keep their own admin passwords through login, logout and remove', async () => {
    const a = await home();
    const b = await home();
    await addProd(a.dir);
    await addProd(b.dir);
    await login(a.dir, 'password-of-A');
    await login(b.dir, 'password-of-B');
    touched.push(homeAccount(await homeIdOf(a.dir), 'cluster/prod/admin'));
    touched.push(homeAccount(await homeIdOf(b.dir), 'cluster/prod/admin'));
    expect(await homeIdOf(a.dir)).not.toBe(await homeIdOf(b.dir));
    expect(await passwordOf(a.dir)).toBe('password-of-A');
    expect(await passwordOf(b.dir)).toBe('password-of-B');

    const out = await runBin(['logout', 'prod', '--home', a.dir], { env });
    expect(out.stdout).toContain('Forgot the stored admin password');
    expect(await passwordOf(b.dir)).toBe('password-of-B');

    await login(a.dir, 'password-of-A-again');
    const rm = await runBin(['cluster', 'remove', 'prod', '--home', a.dir], { env });
    expect(rm.code, rm.stderr).toBe(0);
    expect(await passwordOf(b.dir)).toBe('password-of-B');
    // Nothing is left under the old, shared name.
    expect(await keychain.get('cluster/prod/admin')).toBeNull();
  }, 60_000);

  it('an entry of an older version is claimed by the first home that uses it, then by no other', async () => {
    const a = await home();
    const b = await home();
    await addProd(a.dir);
    await addProd(b.dir);
    // Both definitions say an admin login is stored (as they would have before this version).
    for (const dir of [a.dir, b.dir]) {
      const doc = JSON.parse(await readFile(`${dir}/clusters.json`, 'utf8')) as {
        clusters: { adminUser: string | null }[];
      };
      doc.clusters[0]!.adminUser = 'admin';
      await (await import('node:fs/promises')).writeFile(`${dir}/clusters.json`, JSON.stringify(doc));
    }
    await keychain.set('cluster/prod/admin', 'legacy-password');
    touched.push('cluster/prod/admin');

    expect(await passwordOf(a.dir)).toBe('legacy-password');
    const idA = await homeIdOf(a.dir);
    touched.push(homeAccount(idA, 'cluster/prod/admin'));
    expect(await keychain.get(homeAccount(idA, 'cluster/prod/admin'))).toBe('legacy-password');
    expect(await keychain.get('cluster/prod/admin')).toBeNull();
    // The second home does not get it too: it is told to log in (no stored password).
    expect(await passwordOf(b.dir)).toBeNull();
    expect(await passwordOf(a.dir)).toBe('legacy-password');
  }, 60_000);

  it('a moved home keeps its secrets; a copied home gets an id of its own and shares none', async () => {
    const a = await home();
    await addProd(a.dir);
    await login(a.dir, 'password-of-A');
    const id = await homeIdOf(a.dir);
    touched.push(homeAccount(id, 'cluster/prod/admin'));

    const copy = await home();
    await cp(a.dir, copy.dir, { recursive: true });
    expect(await passwordOf(copy.dir)).toBeNull();
    expect(await homeIdOf(copy.dir)).not.toBe(id);
    expect(await passwordOf(a.dir)).toBe('password-of-A');

    const moved = `${a.dir}-moved`;
    await rename(a.dir, moved);
    try {
      expect(await passwordOf(moved)).toBe('password-of-A');
      expect(await homeIdOf(moved)).toBe(id);
    } finally {
      await rename(moved, a.dir);
    }
  }, 60_000);
});
