// Issue 24 through the CLI: `cluster add NAME --from URL --node HOST:PORT` against a ClearQuest dialect
// sandbox, `cluster check` passing and naming the fix for a cluster added the old way without the
// context root, and bad input as exit 2 naming the option.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';

let sandbox: SandboxHandle;
let home: string;
const env = { NODE_EXTRA_CA_CERTS: '' };

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 2, dialect: 'clearquest' });
  home = await mkdtemp(join(tmpdir(), 'oslc-connect-cli-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(home, { recursive: true, force: true });
});

describe('cluster add --from and cluster check', () => {
  it('adds from the discovery URL with host:port nodes, then the check passes with the login', async () => {
    const { info } = sandbox;
    const nodes = info.nodes.flatMap((n) => ['--node', new URL(n.url).host]);
    const from = `${info.balancer}/cqweb/oslc/repo/cqschema/discovery`;
    const add = await runMain(['cluster', 'add', 'prod', '--from', from, ...nodes, '--home', home], { env });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('kind clearquest: the path has /cqweb (ClearQuest Web)');
    expect(add.stdout).toContain(`node1  ${info.nodes[0]!.url}/cqweb`);
    const check = await runMain(['cluster', 'check', 'prod', '--user', 'admin', '--password-stdin', '--home', home], {
      env,
      stdin: `${info.admin.password}\n`,
    });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^prod: every check passed/);
    expect(check.stdout).toMatch(/ok {3}login {5}the admin login as "admin" is accepted/);
  });

  it('names the fix for nodes without the context root, exit 1', async () => {
    const { info } = sandbox;
    const add = await runMain(
      [
        'cluster',
        'add',
        'old',
        '--kind',
        'clearquest',
        '--balancer',
        `${info.balancer}/cqweb`,
        '--repo',
        'cqschema',
        '--db',
        'SAMPL',
        ...info.nodes.flatMap((n) => ['--node', n.url]),
        '--home',
        home,
      ],
      { env },
    );
    expect(add.code, add.stderr).toBe(0);
    const check = await runMain(['cluster', 'check', 'old', '--home', home], { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`fix: Did you mean ${info.nodes[0]!.url}/cqweb? The context root is /cqweb.`);
    const json = await runMain(['cluster', 'check', 'old', '--json', '--home', home], { env });
    const doc = JSON.parse(json.stdout) as { ok: boolean; failures: string[] };
    expect(doc.ok).toBe(false);
    expect(doc.failures).toHaveLength(2);
  });

  it('refuses bad input with exit 2, naming the option, and saves nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--from', 'lbcq/cqweb', '--node', 'a'], /--from: "lbcq\/cqweb" has no scheme/],
      [
        ['--from', `${sandbox.info.balancer}/cqweb`, '--node', 'fd00::1'],
        /--node #1: "fd00::1" looks like an IPv6 address/,
      ],
      [['--from', `${sandbox.info.balancer}/cqweb`, '--kind', 'jazz', '--node', 'a'], /--kind and --from/],
    ];
    for (const [args, message] of cases) {
      const run = await runMain(['cluster', 'add', 'bad', ...args, '--home', home], { env });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const list = await runMain(['cluster', 'list', '--json', '--home', home], { env });
    expect((JSON.parse(list.stdout) as { clusters: { name: string }[] }).clusters.map((c) => c.name)).not.toContain(
      'bad',
    );
  });
});
