/**
 * Canary secrets through every door (issue 12). Unique canary values for the admin password and two
 * consumer secrets (one right, one wrong), fed in the ways a user feeds them (stdin, the browser
 * mode's JSON body), then every way out is searched — in plain text and base64, base64url, hex and
 * percent-encoded forms, with and without the `user:` Basic prefix — for zero hits:
 * - every CLI command's stdout and stderr, text and --json, the failing paths included;
 * - the command line and environment of every process spawned (/proc/<pid>/cmdline, environ);
 * - browser mode (a real `oslc-admin serve` process): every response body and header, and its log;
 * - the config directory (clusters.json, home.json, audit.jsonl, backups) and report.md/report.json.
 * The report's own redaction is tested in depth in report-redaction.test.ts; this suite is the sweep.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../electron/sandbox/index.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { BIN } from '../_cli.ts';
import type { CliRun } from '../_cli.ts';
import { snapshotDir, useTempHomes } from '../_home.ts';
import { approvedConsumer } from '../_sandbox.ts';
import { rawRequest, signIn, startServe } from '../_serve.ts';

// Characters that change under percent-encoding and base64 alignment, so every form differs.
const CANARY = {
  admin: `CANARY adm/n+pw%${randomUUID().slice(0, 8)}`,
  consumer: `CANARY-consumer+secret/${randomUUID().slice(0, 8)}`,
  wrong: `CANARY-wrong=secret ${randomUUID().slice(0, 8)}`,
  registered: `CANARY-registered&secret?${randomUUID().slice(0, 8)}`,
};

/** Every form a leak could take. */
function forms(secret: string, user = 'admin'): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  // Base64 of the secret inside a longer text: the middle of the encoding is stable at each of 3 alignments.
  const aligned = [0, 1, 2].map((pad) => b64('x'.repeat(pad) + secret).slice(4, -4));
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('hex'),
    b64(secret),
    b64url(secret),
    b64(`${user}:${secret}`),
    ...aligned,
  ];
}

const ALL_FORMS = Object.entries(CANARY).flatMap(([name, v]) => forms(v).map((f) => ({ name, form: f })));

function hitsIn(where: string, text: string | Buffer): string[] {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  return ALL_FORMS.filter(({ form }) => s.includes(form)).map(({ name, form }) => `${where}: ${name} as ${form}`);
}

const home = useTempHomes('oslc-canary-');
const service = `oslc-cluster-admin-test-${randomUUID()}`;
const env = { ...process.env, OSLC_ADMIN_KEYCHAIN_SERVICE: service };
const hits: string[] = [];
const seen: string[] = [];

/** Runs the real bin, reading its /proc cmdline and environ while it runs; every output is searched. */
function cli(args: string[], stdin = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const label = `oslc-admin ${args.filter((a) => !a.startsWith('/')).join(' ')}`;
    const procFiles = ['cmdline', 'environ'].map((f) =>
      readFile(`/proc/${child.pid}/${f}`).then(
        (b) => hits.push(...hitsIn(`${label} /proc ${f}`, b)),
        () => undefined,
      ),
    );
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', async (code) => {
      await Promise.all(procFiles);
      hits.push(...hitsIn(`${label} stdout`, stdout), ...hitsIn(`${label} stderr`, stderr));
      seen.push(label);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

let sandbox: SandboxHandle;
let dir: string;
let consumerKey: string;
let wrongKey: string;

beforeAll(async () => {
  sandbox = await startSandbox({ nodes: 3, adminPassword: CANARY.admin });
  consumerKey = (await approvedConsumer(sandbox, 'RTC', CANARY.consumer)).key;
  wrongKey = (await approvedConsumer(sandbox, 'DNG', 'the-real-dng-secret')).key;
  dir = (await home()).dir;
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('canary secrets through every door', () => {
  it('never show in CLI output, process arguments, browser-mode answers and log, the config dir or the report', async () => {
    const h = ['--home', dir];
    const ok = (r: CliRun, codes = [0]) => expect(codes, `${r.stdout}\n${r.stderr}`).toContain(r.code);
    ok(
      await cli([
        ...['cluster', 'add', 'sb', '--kind', 'sandbox', '--balancer', sandbox.info.balancer],
        ...sandbox.info.nodes.flatMap((n) => ['--node', n.url]),
        ...['--repo', sandbox.info.repo, '--db', sandbox.info.db, ...h],
      ]),
    );
    // A wrong password first (the failing path of login), then the canary.
    await cli(['login', 'sb', '--user', 'admin', '--password-stdin', ...h], `${CANARY.wrong}\n`);
    ok(await cli(['login', 'sb', '--user', 'admin', '--password-stdin', ...h], `${CANARY.admin}\n`));
    ok(
      await cli(
        ['consumer', 'track', 'sb', '--key', consumerKey, '--name', 'RTC', '--secret-stdin', ...h],
        CANARY.consumer,
      ),
    );
    ok(
      await cli(['consumer', 'track', 'sb', '--key', wrongKey, '--name', 'DNG', '--secret-stdin', ...h], CANARY.wrong),
    );
    for (const json of [[], ['--json']]) {
      ok(await cli(['status', 'sb', ...json, ...h]), [0, 1]);
      ok(await cli(['sync', 'sb', ...json, ...h]), [0, 1]);
      ok(await cli(['probe', 'sb', '--node', 'node1', '--key', consumerKey, ...json, ...h]), [0, 1]);
      ok(await cli(['probe', 'sb', '--node', 'node1', '--key', wrongKey, ...json, ...h]), [0, 1]);
      ok(await cli(['diagnose', 'sb', '--key', wrongKey, ...json, ...h]), [0, 1]);
      ok(await cli(['audit', 'sb', ...json, ...h]));
      ok(await cli(['cluster', 'show', 'sb', ...json, ...h]));
    }
    // Failing paths: a wrong one-shot password, a wrong one-shot secret, a secret that is too long.
    ok(await cli(['status', 'sb', '--password-stdin', ...h], CANARY.wrong), [1]);
    ok(await cli(['sync', 'sb', '--json', '--password-stdin', ...h], CANARY.wrong), [1]);
    ok(
      await cli(
        ['probe', 'sb', '--node', 'node2', '--key', consumerKey, '--secret-stdin', '--json', ...h],
        CANARY.wrong,
      ),
      [1],
    );
    ok(await cli(['consumer', 'track', 'sb', '--key', 'k2', '--secret-stdin', ...h], CANARY.wrong.repeat(2000)), [2]);
    ok(await cli(['register', 'sb', '--name', 'RQM', '--secret-stdin', '--json', ...h], CANARY.registered), [0, 1]);
    ok(await cli(['cluster', 'export', 'sb', ...h]));
    ok(await cli(['report', 'sb', '--out', `${dir}/report`, '--json', ...h]));
    ok(await cli(['report', 'sb', '--out', `${dir}/report`, ...h]), [2]); // exists already: the refusal path

    // Browser mode: a real serve process on the same home, every answer and its log searched.
    const server = await startServe(['--home', dir], { OSLC_ADMIN_KEYCHAIN_SERVICE: service });
    try {
      const session = await signIn(server);
      const call = async (op: string, arg: unknown) => {
        const r = await rawRequest(`${server.origin}/api/${op}`, {
          method: 'POST',
          headers: { ...session.headers, 'content-type': 'application/json', origin: server.origin },
          body: JSON.stringify(arg),
        });
        hits.push(...hitsIn(`serve ${op} body`, r.body), ...hitsIn(`serve ${op} headers`, JSON.stringify(r.headers)));
        seen.push(`serve ${op}`);
        return r;
      };
      expect((await call('listClusters', {})).status).toBe(200);
      await call('getCluster', { cluster: 'sb' });
      await call('status', { cluster: 'sb' });
      await call('sync', { cluster: 'sb' });
      await call('probeNode', { cluster: 'sb', node: 'node3', key: consumerKey });
      await call('probeNode', { cluster: 'sb', node: 'node3', key: consumerKey, secret: CANARY.wrong });
      await call('storeCredentials', { cluster: 'sb', user: 'admin', password: CANARY.admin });
      await call('storeCredentials', { cluster: 'sb', user: 'admin', password: '' });
      await call('trackConsumer', { cluster: 'sb', key: wrongKey, name: 'DNG', secret: CANARY.wrong });
      await call('diagnose', { cluster: 'sb', key: consumerKey });
      await call('audit', { cluster: 'sb' });
      await call('exportCluster', { cluster: 'sb' });
      for (const page of ['/', '/index.html']) {
        const r = await rawRequest(`${server.origin}${page}`, { headers: { cookie: session.cookie } });
        hits.push(...hitsIn(`serve GET ${page}`, r.body));
      }
    } finally {
      await server.stop();
    }
    hits.push(...hitsIn('serve log', server.output()));

    // Everything on disk: the config dir (clusters, home.json, audit, backups) and the report.
    const files = await snapshotDir(dir);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['clusters.json', 'audit.jsonl', 'report/report.md']));
    for (const [rel, bytes] of files) hits.push(...hitsIn(`file ${rel}`, bytes));

    expect(seen.length).toBeGreaterThanOrEqual(39);
    expect(hits).toEqual([]);
  }, 300_000);

  it('the sweep can fail: a canary that reaches an output is found in each of its forms', () => {
    const leak = `Authorization: Basic ${Buffer.from(`admin:${CANARY.admin}`).toString('base64')}`;
    expect(hitsIn('x', leak).length).toBeGreaterThan(0);
    expect(hitsIn('x', `pw=${encodeURIComponent(CANARY.consumer)}`).length).toBeGreaterThan(0);
    expect(hitsIn('x', `…${Buffer.from(`zz${CANARY.wrong}zz`).toString('base64')}…`).length).toBeGreaterThan(0);
    expect(hitsIn('x', 'nothing secret here')).toEqual([]);
  });
});
