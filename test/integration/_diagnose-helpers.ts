/**
 * Helpers for the diagnose, flow and report tests: an Engine on a throwaway home with an in-memory
 * keychain, pointed at a running sandbox; and a "browser" that drives the authorize page over HTTP.
 */
import { readFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { CommandContext } from '../../electron/cli/context.ts';
import { UsageError } from '../../electron/cli/io.ts';
import type { CliIo } from '../../electron/cli/io.ts';
import { Engine } from '../../electron/core/facade.ts';
import { isAppError } from '../../shared/errors.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import type { Diagnosis } from '../../shared/diagnose.ts';
import { Client } from '../_sandbox.ts';

export const CLUSTER = 'sb';

export interface TestEngine {
  engine: Engine;
  home: string;
  secrets: MemorySecretStore;
  close(): Promise<void>;
}

/**
 * An Engine whose cluster `sb` is the sandbox. `trustCa: false` leaves a TLS sandbox's CA out, so its
 * certificates are untrusted; `admin: false` stores no admin login (no list API).
 */
export async function engineFor(sandbox: SandboxHandle, opts: { trustCa?: boolean; admin?: boolean; adminPassword?: string } = {}): Promise<TestEngine> {
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'oslc-diagnose-'));
  const secrets = new MemorySecretStore();
  const engine = new Engine({ home, secrets });
  const caPem = sandbox.info.caFile && opts.trustCa !== false ? readFileSync(sandbox.info.caFile, 'utf8') : null;
  await engine.addCluster({
    name: CLUSTER,
    kind: 'sandbox',
    balancerUrl: sandbox.info.balancer,
    nodes: sandbox.info.nodes.map((n) => ({ id: n.id, url: n.url })),
    repo: sandbox.info.repo,
    db: sandbox.info.db,
    caPem,
    timeouts: { connectMs: 2000, totalMs: 8000 },
  });
  if (opts.admin !== false) await engine.storeCredentials({ cluster: CLUSTER, user: sandbox.info.admin.user, password: opts.adminPassword ?? sandbox.info.admin.password });
  return {
    engine,
    home,
    secrets,
    close: async () => {
      await engine.close();
      await fsp.rm(home, { recursive: true, force: true });
    },
  };
}

/** The cause codes of a diagnosis, in order. */
export function codes(d: { causes: { code: string }[] }): string[] {
  return d.causes.map((c) => c.code);
}

/** The one cause with this code (fails the test when there is not exactly one). */
export function causeOf(d: Diagnosis, code: string) {
  const found = d.causes.filter((c) => c.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${JSON.stringify(d.causes, null, 2)}`);
  return found[0]!;
}

export interface AuthorizeResult {
  /** The authorize page's status (200 when the node knows the token). */
  pageStatus: number;
  /** Which node served the page. */
  pageNode: string | null;
  /** The decision's status (302 to the callback when accepted). */
  decisionStatus: number | null;
  /** Where the node redirected; the test's "browser" then follows it to the callback. */
  location: string | null;
  callbackStatus: number | null;
}

/**
 * Plays the user in a browser: GET the authorize page, POST the form (admin login and Allow/Deny) to
 * where the page came from, and follow the redirect to the callback listener.
 */
export async function authorizeInBrowser(sandbox: SandboxHandle, url: string, decision: 'allow' | 'deny', login = sandbox.info.admin): Promise<AuthorizeResult> {
  const browser = Client.for(sandbox);
  try {
    const page = await browser.request(url);
    const result: AuthorizeResult = { pageStatus: page.status, pageNode: page.node, decisionStatus: null, location: null, callbackStatus: null };
    if (page.status !== 200) return result;
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1] ?? '/oauth/authorize';
    const token = /name="oauth_token"[^>]*value="([^"]*)"/.exec(page.body)?.[1] ?? '';
    const decided = await browser.form(new URL(action, url).href, { oauth_token: token, id: login.user, password: login.password, decision });
    result.decisionStatus = decided.status;
    result.location = decided.headers.get('location');
    if (result.location) {
      const callback = await new Client().request(result.location);
      result.callbackStatus = callback.status;
    }
    return result;
  } finally {
    await browser.close();
  }
}

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

const INPUT_CODES = ['BAD_INPUT', 'CLUSTER_NOT_FOUND', 'CLUSTER_EXISTS', 'NODE_NOT_FOUND', 'CONSUMER_NOT_TRACKED', 'KEY_NOT_UNIQUE'];

/**
 * Runs one CLI command in-process with the test engine (in-memory keychain) behind it, and maps
 * errors to exit codes exactly as `main` in electron/cli.ts does.
 */
export async function runCommand(
  command: (ctx: CommandContext, argv: string[]) => Promise<number>,
  t: TestEngine,
  argv: string[],
  opts: { stdin?: string; onStderr?: (text: string) => void; onStdout?: (text: string) => void } = {},
): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const sink = (onText: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        onText(String(chunk));
        done();
      },
    });
  const io: CliIo = {
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout: sink((s) => {
      stdout += s;
      opts.onStdout?.(s);
    }),
    stderr: sink((s) => {
      stderr += s;
      opts.onStderr?.(s);
    }),
    env: {},
  };
  const ctx = new CommandContext(io, t.home);
  Object.defineProperty(ctx, 'engine', { get: () => t.engine });
  let code: number;
  try {
    code = await command(ctx, argv);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr += `error: ${e.message}\n`;
      code = 2;
    } else if (isAppError(e)) {
      stderr += `error [${e.code}]${e.node ? ` ${e.node}` : ''}: ${e.message}\n`;
      code = INPUT_CODES.includes(e.code) ? 2 : e.code === 'INTERNAL' ? 3 : 1;
    } else {
      stderr += `internal error: ${String(e)}\n`;
      code = 3;
    }
  }
  return { code, stdout, stderr };
}
