/**
 * `oslc-admin diagnose | flow | report` against the sandbox: exit codes (0 healthy or done, 1 a
 * problem found, 2 bad input naming the argument), the JSON shapes, and no secret in any output.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { approvedConsumer, approveOn } from '../_sandbox.ts';
import { authorizeInBrowser, CLUSTER, runCommand, withEngine } from './_diagnose-helpers.ts';
import type { AuthorizeResult, TestEngine } from './_diagnose-helpers.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'oslc-cli-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => fsp.rm(d, { recursive: true, force: true })));
});

/** Three nodes behind a sticky balancer (unless told otherwise), with a test engine. */
function withCliEngine(fn: (sb: SandboxHandle, t: TestEngine) => Promise<void>, sticky = true): Promise<void> {
  return withEngine({ nodes: 3, sticky }, {}, fn);
}

describe('oslc-admin diagnose', () => {
  it('exits 0 with --json when HEALTHY, in the documented shape', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb, 'RTC', 'cli-healthy-secret');
      const run = await runCommand('diagnose', t, [CLUSTER, '--key', c.key, '--secret-stdin', '--json'], {
        stdin: 'cli-healthy-secret\n',
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
      const doc = JSON.parse(run.stdout) as { causes: Record<string, unknown>[]; nodes: Record<string, unknown>[] };
      expect(doc.causes).toHaveLength(1);
      expect(doc.causes[0]).toMatchObject({
        code: 'HEALTHY',
        nodes: ['node1', 'node2', 'node3'],
        message: expect.any(String),
        fix: null,
      });
      for (const n of doc.nodes) {
        expect(n).toMatchObject({ id: expect.any(String), state: 'approved', evidence: expect.any(Array) });
        expect((n.evidence as unknown[]).length).toBeGreaterThan(0);
      }
      expect(run.stdout + run.stderr).not.toContain('cli-healthy-secret');
    });
  });

  it('exits 1 when it finds a problem, with the cause, its nodes and its fix', async () => {
    await withCliEngine(async (sb, t) => {
      const { key, node } = await sb.friend('RTC', 'cli-stale');
      await approveOn(sb, node, key);
      const errorFile = path.join(await tempDir(), 'error.txt');
      await fsp.writeFile(errorFile, 'com.ibm.rational.oslc: 401: invalid_expired_token\n');
      const run = await runCommand('diagnose', t, [CLUSTER, '--key', key, '--error-text', errorFile, '--json']);
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout) as {
        causes: { code: string; nodes: string[]; fix: unknown; likely: boolean }[];
      };
      expect(doc.causes).toEqual([
        expect.objectContaining({
          code: 'REGISTRY_STALE',
          nodes: ['node1', 'node2', 'node3'].filter((n) => n !== node),
          fix: { action: 'sync', args: { cluster: CLUSTER } },
          likely: true,
        }),
      ]);
    });
  });

  it('prints a readable diagnosis without --json', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runCommand('diagnose', t, [CLUSTER, '--key', c.key, '--secret-stdin'], {
        stdin: 'bad-9f7e-given',
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('WRONG_SECRET  [node1, node2, node3]');
      expect(run.stdout).toContain(`fix: reenter-secret cluster=${CLUSTER} key=${c.key}`);
      expect(run.stdout).toMatch(/NODE\s+KEY STATE\s+CLOCK/);
      expect(run.stdout).not.toContain('bad-9f7e-given');
    });
  });

  it('exits 2 on bad input, naming the argument', async () => {
    await withCliEngine(async (_sb, t) => {
      const cases: [string[], RegExp, string?][] = [
        [[CLUSTER], /--key is required/],
        [[CLUSTER, '--key', ''], /--key: must not be empty/],
        [[CLUSTER, '--key', 'k'.repeat(300)], /--key: must be at most 256 characters/],
        [['no-such-cluster', '--key', 'k'], /CLUSTER_NOT_FOUND/],
        [
          [CLUSTER, '--key', 'k', '--error-text', '/nonexistent/error.txt'],
          /--error-text: cannot read \/nonexistent\/error.txt: ENOENT/,
        ],
        [[CLUSTER, '--key', 'k', '--secret-stdin'], /--secret-stdin: nothing was read from stdin/, ''],
        [[CLUSTER, '--key', 'k', '--frobnicate'], /frobnicate/],
        [[CLUSTER, 'extra', '--key', 'k'], /unexpected argument "extra"/],
        [[], /missing argument <cluster>/],
      ];
      for (const [argv, message, stdin] of cases) {
        const run = await runCommand('diagnose', t, argv, stdin === undefined ? {} : { stdin });
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.stderr, argv.join(' ')).toMatch(message);
      }
    });
  });
});

describe('oslc-admin flow', () => {
  /** Plays the user: reads the printed URL from stderr (with --json) and allows or denies. */
  function userAt(sb: SandboxHandle, decision: 'allow' | 'deny') {
    let seen = '';
    let driving: Promise<AuthorizeResult> | null = null;
    return {
      onStderr: (text: string) => {
        seen += text;
        const url = /^\s+(http:\/\/\S+\/oauth\/authorize\?oauth_token=\S+)$/m.exec(seen)?.[1];
        if (url && !driving) driving = authorizeInBrowser(sb, url, decision);
      },
      done: () => driving,
    };
  }

  it('prints the authorize URL, waits for the callback and exits 0 with the completed dance as JSON', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb, 'RTC', 'cli-flow-secret');
      const user = userAt(sb, 'allow');
      const run = await runCommand(
        'flow',
        t,
        [CLUSTER, '--key', c.key, '--secret-stdin', '--node', 'node3', '--json'],
        { stdin: 'cli-flow-secret', onStderr: user.onStderr },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(await user.done()).toMatchObject({ pageNode: 'node3', callbackStatus: 200 });
      const doc = JSON.parse(run.stdout) as {
        outcome: string;
        steps: { answeredBy: string | null }[];
        issuedBy: string;
      };
      expect(doc.outcome).toBe('completed');
      expect(doc.issuedBy).toBe('node3');
      expect(run.stderr).toContain('Open this URL in a browser and authorize');
      expect(run.stderr).toMatch(/ok\s+leg 3\s+node3 exchanged the request token/);
      expect(run.stdout + run.stderr).not.toContain('cli-flow-secret');
    });
  });

  it('exits 0 when the user chooses Deny, and says it was the user’s choice', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb, 'RTC', 'cli-deny-secret');
      await t.engine.trackConsumer({ cluster: CLUSTER, key: c.key, secret: 'cli-deny-secret' });
      const user = userAt(sb, 'deny');
      // Without --json the URL is printed on stdout; the stored secret is used (no --secret-stdin).
      const run = await runCommand('flow', t, [CLUSTER, '--key', c.key, '--node', 'node1'], {
        onStdout: user.onStderr,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(await user.done()).toMatchObject({ decisionStatus: 302, callbackStatus: 200 });
      expect(run.stdout).toContain('Outcome: denied');
      expect(run.stdout).toContain("That is the user's choice, not a failure of the server.");
    });
  });

  it('exits 1 when nobody authorizes before --timeout-seconds', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb);
      const run = await runCommand(
        'flow',
        t,
        [CLUSTER, '--key', c.key, '--secret-stdin', '--balancer', '--timeout-seconds', '1'],
        { stdin: c.secret },
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('Outcome: timeout (leg 2)');
      expect(run.stdout).toMatch(
        /If the page says the token is not known, the balancer sent you to another node; open it on node\d itself/,
      );
    });
  });

  it('exits 2 on bad input, naming the argument', async () => {
    await withCliEngine(async (_sb, t) => {
      const cases: [string[], RegExp, string?][] = [
        [[CLUSTER], /--key is required/],
        [
          [CLUSTER, '--key', 'k', '--node', 'node1', '--balancer', '--secret-stdin'],
          /--node and --balancer exclude each other/,
          's',
        ],
        [[CLUSTER, '--key', 'k', '--node', 'node9', '--secret-stdin'], /--node: cluster sb has no node "node9"/, 's'],
        [[CLUSTER, '--key', 'k'], /--secret-stdin is required: no secret is stored for key k/],
        [
          [CLUSTER, '--key', 'k', '--secret-stdin', '--timeout-seconds', 'soon'],
          /--timeout-seconds: "soon" must be a whole number/,
          's',
        ],
        [['nope', '--key', 'k', '--secret-stdin'], /CLUSTER_NOT_FOUND/, 's'],
      ];
      for (const [argv, message, stdin] of cases) {
        const run = await runCommand('flow', t, argv, stdin === undefined ? {} : { stdin });
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.stderr, argv.join(' ')).toMatch(message);
      }
    });
  });
});

describe('oslc-admin report', () => {
  it('writes the report and exits 0; a second run into the same directory exits 2 naming the file', async () => {
    await withCliEngine(async (sb, t) => {
      const c = await approvedConsumer(sb, 'RTC', 'cli-report-secret');
      await t.engine.trackConsumer({ cluster: CLUSTER, key: c.key, secret: 'cli-report-secret' });
      const out = path.join(await tempDir(), 'case-1');
      const first = await runCommand('report', t, [CLUSTER, '--out', out]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(path.join(out, 'report.md'));
      expect(first.stdout).toContain(path.join(out, 'report.json'));
      const again = await runCommand('report', t, [CLUSTER, '--out', out, '--json']);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`${path.join(out, 'report.md')} exists already`);
      const missing = await runCommand('report', t, [CLUSTER]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--out is required/);
    });
  });
});
