/**
 * The CLI where no OS keychain is (DBUS_SESSION_BUS_ADDRESS pointing at no bus, so this holds inside
 * or outside scripts/with-keychain.sh), against the real sandbox: `login` cannot store and says what
 * to do instead, and that way works: `status` and `sync` with `--user U --password-stdin`, no
 * keychain and no `login` needed. No message points back at itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../_cli.ts';
import { createTempHome } from '../_home.ts';
import type { TempHome } from '../_home.ts';
import { useSandbox } from '../_sandbox.ts';

const NO_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/oslc-no-keychain-bus' };

const sandbox = useSandbox({ nodes: 2 });
let home: TempHome;
const cli = (args: string[], stdin?: string) =>
  runBin([...args, '--home', home.dir], { env: NO_BUS, ...(stdin !== undefined ? { stdin } : {}) });

beforeAll(async () => {
  home = await createTempHome('oslc-cli-nokc-');
  const s = sandbox().info;
  const add = await cli([
    'cluster',
    'add',
    'nk',
    '--kind',
    'sandbox',
    '--balancer',
    s.balancer,
    ...s.nodes.flatMap((n) => ['--node', n.url]),
    '--repo',
    s.repo,
    '--db',
    s.db,
  ]);
  expect(add.code, add.stderr).toBe(0);
});
afterAll(async () => {
  await home.cleanup();
});

describe('the CLI without a keychain', () => {
  it('login says the keychain is unavailable, and points at --user --password-stdin on each command, not back at login', async () => {
    const r = await cli(['login', 'nk', '--user', 'admin', '--password-stdin'], sandbox().info.admin.password);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[KEYCHAIN_UNAVAILABLE\]: The OS keychain is not available/m);
    expect(r.stderr).toMatch(/^ {2}cause: /m);
    const fix = r.stderr.match(/^ {2}fix: (.*)$/m)?.[1] ?? '';
    expect(fix).toMatch(/oslc-admin status <cluster> --user <admin> --password-stdin/);
    expect(fix).not.toMatch(/oslc-admin login/);
    expect(r.stderr).not.toContain(sandbox().info.admin.password);
  });

  it('status --user U --password-stdin reads the key lists with the login for this call only', async () => {
    const r = await cli(
      ['status', 'nk', '--user', 'admin', '--password-stdin', '--json'],
      sandbox().info.admin.password,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { nodes: { up: boolean; provisional: unknown }[]; notices: string[] };
    expect(s.nodes.every((n) => n.up && Array.isArray(n.provisional))).toBe(true);
    expect(s.notices.join('\n')).not.toMatch(/No admin login|oslc-admin|--[a-z]/);
  });

  it('sync --user U --password-stdin refreshes every node', async () => {
    const r = await cli(['sync', 'nk', '--user', 'admin', '--password-stdin'], sandbox().info.admin.password);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/node1.*refreshed/);
  });

  it('status --check --user U --password-stdin works too', async () => {
    const r = await cli(
      ['status', 'nk', '--check', '--user', 'admin', '--password-stdin'],
      sandbox().info.admin.password,
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^OSLC OK - nk: /);
  });

  it('status --password-stdin with no user anywhere asks for --user, not for login', async () => {
    const r = await cli(['status', 'nk', '--password-stdin'], sandbox().info.admin.password);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name it with --user U/);
    expect(r.stderr).not.toMatch(/oslc-admin login|run .?login/);
  });

  it('--user without --password-stdin is refused, not ignored', async () => {
    const r = await cli(['status', 'nk', '--user', 'admin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--user: goes with --password-stdin/);
  });

  it('a wrong password given this way is AUTH_FAILED, and nothing was stored', async () => {
    const r = await cli(['sync', 'nk', '--user', 'admin', '--password-stdin'], 'not-the-password');
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/AUTH_FAILED/);
    const show = await cli(['cluster', 'show', 'nk', '--json']);
    expect((JSON.parse(show.stdout) as { adminUser: string | null }).adminUser).toBeNull();
  });
});
