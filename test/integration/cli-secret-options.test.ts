/**
 * Issue 22: the same secret options wherever a secret is read — the admin password from stdin or a
 * 0600 `--password-file`, a consumer secret from stdin or a 0600 `--secret-file` — each refusing a
 * file others may read, and both ways at once, naming the option. The real sandbox and keychain.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';
import { engineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

let sandbox: SandboxHandle;
let t: TestEngine;
let env: Record<string, string>;
let dir: string;
let pw: string;
let open: string;
let secret: string;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 2 });
  t = await engineFor(sandbox, { admin: false });
  env = { OSLC_ADMIN_KEYCHAIN_SERVICE: t.service };
  dir = await mkdtemp(join(tmpdir(), 'oslc-secret-opts-'));
  pw = join(dir, 'pw');
  await writeFile(pw, `${sandbox.info.admin.password}\n`, { mode: 0o600 });
  secret = join(dir, 'secret');
  await writeFile(secret, 'file-secret\n', { mode: 0o600 });
  open = join(dir, 'open');
  await writeFile(open, 'x\n');
  await chmod(open, 0o644);
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (args: string[], stdin?: string) =>
  runMain([...args, '--home', t.home], { env, ...(stdin !== undefined ? { stdin } : {}) });

describe('secret options on every command that reads a secret', () => {
  it('login, status, status --check and sync take the admin password from a 0600 --password-file', async () => {
    let r = await run(['login', 'sb', '--user', sandbox.info.admin.user, '--password-file', pw]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verified: node\d accepted it/);
    r = await run(['status', 'sb', '--json', '--password-file', pw]);
    expect(r.code, r.stderr).toBe(0);
    r = await run(['status', 'sb', '--check', '--password-file', pw]);
    expect(r.stdout).toMatch(/^OSLC OK - sb/);
    r = await run(['sync', 'sb', '--password-file', pw]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('consumer track, probe and register take the consumer secret from a 0600 --secret-file', async () => {
    let r = await run(['register', 'sb', '--name', 'From a file', '--key', 'file-key', '--secret-file', secret]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    r = await run(['probe', 'sb', '--node', 'node1', '--key', 'file-key', '--secret-file', secret, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).state).toBe('approved');
    // A wrong secret from the file is used too (and seen as such), so the file is really read.
    const wrong = join(dir, 'wrong');
    await writeFile(wrong, 'not-the-secret', { mode: 0o600 });
    r = await run(['probe', 'sb', '--node', 'node1', '--key', 'file-key', '--secret-file', wrong, '--json']);
    expect(JSON.parse(r.stdout).state).toBe('bad-secret');
    r = await run(['consumer', 'track', 'sb', '--key', 'file-key', '--secret-file', secret]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('its secret is in the OS keychain');
  });

  const refusals: [string, string[]][] = [
    ['login', ['login', 'sb', '--user', 'u', '--password-file', 'FILE']],
    ['status', ['status', 'sb', '--password-file', 'FILE']],
    ['sync', ['sync', 'sb', '--password-file', 'FILE']],
    ['probe', ['probe', 'sb', '--node', 'node1', '--key', 'k', '--secret-file', 'FILE']],
    ['consumer track', ['consumer', 'track', 'sb', '--key', 'k', '--secret-file', 'FILE']],
    ['register', ['register', 'sb', '--name', 'n', '--secret-file', 'FILE']],
    ['diagnose', ['diagnose', 'sb', '--key', 'k', '--secret-file', 'FILE']],
    ['flow', ['flow', 'sb', '--key', 'k', '--secret-file', 'FILE']],
  ];
  for (const [what, args] of refusals)
    it(`${what}: refuses a file others may read, and the secret given two ways, naming the option (exit 2)`, async () => {
      const option = args.find((a) => a.endsWith('-file'))!;
      let r = await run(args.map((a) => (a === 'FILE' ? open : a)));
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${option} .*open: group or others may access it \\(mode 644\\).*chmod 600`));
      const stdinFlag = option === '--password-file' ? '--password-stdin' : '--secret-stdin';
      r = await run([...args.map((a) => (a === 'FILE' ? secret : a)), stdinFlag], 'x');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`${stdinFlag} and ${option}: give the`);
    });
});
