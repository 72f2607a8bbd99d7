/**
 * `status` on a real sandbox whose repository holds 50,000 approved keys, loaded by one node only (so
 * every key is drift on the other two), plus provisional keys whose names hide characters (U+202E,
 * U+200B, U+FEFF, U+2066): the text output summarises each list and stays bounded, every hidden
 * character is shown escaped (the suggested `approve --key …` command included), and `--json` is complete.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { OsKeychain } from '../../electron/core/keychain.ts';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { REPOSITORY_FILE } from '../../electron/sandbox/repository.ts';
import type { ClusterStatus } from '../../shared/model.ts';
import { runMain } from '../_cli.ts';
import { testKeychainService } from '../_engine.ts';
import { Client, refreshNode } from '../_sandbox.ts';

const KEYS = 50_000;
/** Provisional on node2 (the sandbox refuses U+FEFF in a new key, as whitespace). */
const HIDDEN_KEYS = ['bidi\u202egnp.exe\u202c', 'zero\u200bwidth', '\u2066isolated'];
/** Approved in the repository, loaded by node1 only: drift, listed first. */
const HIDDEN_APPROVED = 'a-zero\u200bwidth\ufeff';
// Any character of the classes the CLI must never print raw (Cc but LF/TAB, Cf, Zl, Zp).
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

let dir: string;
let sandbox: SandboxHandle;
let engine: Engine;
let service: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oslc-long-'));
  sandbox = await startSandbox({ nodes: 3, stateDir: join(dir, 'state') });
  const consumers = Array.from({ length: KEYS }, (_, i) => ({
    key: i === 0 ? HIDDEN_APPROVED : `key-${String(i).padStart(5, '0')}`,
    name: `consumer ${i}`,
    secret: `s${i}`,
    trusted: false,
  }));
  await writeFile(join(dir, 'state', REPOSITORY_FILE), JSON.stringify({ version: 1, consumers }), { mode: 0o600 });
  expect((await refreshNode(sandbox, 'node1')).status).toBe(200);
  const client = Client.for(sandbox);
  try {
    for (const key of HIDDEN_KEYS) {
      const made = await client.json(`${sandbox.info.nodes[1]!.url}/oauth/requestKey`, { name: 'x', secret: 's', key });
      expect(made.status, key).toBe(200);
    }
  } finally {
    await client.close();
  }
  service = testKeychainService();
  engine = new Engine({ home: join(dir, 'home'), secrets: new OsKeychain(service) });
  await engine.addCluster({
    name: 'big',
    kind: 'sandbox',
    balancerUrl: sandbox.info.balancer,
    nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })),
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    // 50,000 keys make a consumer list of about 3 MB.
    maxResponseBytes: 32 * 1024 * 1024,
  });
  await engine.storeCredentials({
    cluster: 'big',
    user: sandbox.info.admin.user,
    password: sandbox.info.admin.password,
  });
}, 120_000);

afterAll(async () => {
  await engine?.storeCredentials({ cluster: 'big', user: 'admin', password: '' }).catch(() => undefined);
  await engine?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const status = (...extra: string[]) =>
  runMain(['status', 'big', '--home', join(dir, 'home'), ...extra], {
    env: { OSLC_ADMIN_KEYCHAIN_SERVICE: service },
  });

describe('status of 50,000 keys', () => {
  it('shows the first lines of each list and how many more, bounded, with every hidden character escaped', async () => {
    const r = await status();
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(16 * 1024);
    expect(r.stdout).toContain(`Drift (${KEYS.toLocaleString('en-US')} keys):`);
    expect(r.stdout).toContain('  … and 49,990 more (see --json)');
    expect(r.stdout.match(/^ {2}- /gm)).toHaveLength(10);
    expect(r.stdout + r.stderr).not.toMatch(RAW_HIDDEN);
    // The suggested commands show what the key really is.
    expect(r.stdout).toContain('oslc-admin approve big --key bidi\\u202egnp.exe\\u202c');
    expect(r.stdout).toContain('oslc-admin approve big --key zero\\u200bwidth\n');
    expect(r.stdout).toContain('Key a-zero\\u200bwidth\\ufeff is approved on node1');
    expect(r.stdout).toContain('oslc-admin approve big --key \\u2066isolated');
  }, 120_000);

  it('--json is complete and keeps the keys exactly', async () => {
    const r = await status('--json');
    const s = JSON.parse(r.stdout) as ClusterStatus;
    expect(s.drift).toHaveLength(KEYS);
    expect(new Set(s.drift.map((d) => d.key)).size).toBe(KEYS);
    expect(s.nodes.find((n) => n.id === 'node1')!.approved).toHaveLength(KEYS);
    expect(s.nodes.find((n) => n.id === 'node2')!.provisional).toEqual(expect.arrayContaining(HIDDEN_KEYS));
    // Printed escaped, still the same text once parsed.
    expect(r.stdout).not.toMatch(RAW_HIDDEN);
  }, 120_000);
});
