/**
 * Helpers for the diagnose, flow and report tests: an Engine on a throwaway home with the real
 * keychain (test/_engine.ts), pointed at a running sandbox; and a "browser" that drives the authorize page over HTTP.
 */
import type { SandboxHandle, SandboxOptions } from '../../electron/sandbox/index.ts';
import type { Diagnosis } from '../../shared/diagnose.ts';
import { Client, withSandbox } from '../_sandbox.ts';
import { runMain } from '../_cli.ts';
import { engineFor as sharedEngineFor } from '../_engine.ts';
import type { TestEngine } from '../_engine.ts';

export const CLUSTER = 'sb';

export type { TestEngine } from '../_engine.ts';

/**
 * An Engine whose cluster `sb` is the sandbox (see test/_engine.ts: real keychain, temp home).
 * `trustCa: false` leaves a TLS sandbox's CA out, so its certificates are untrusted; `admin: false`
 * stores no admin login (no list API).
 */
export function engineFor(
  sandbox: SandboxHandle,
  opts: { trustCa?: boolean; admin?: boolean } = {},
): Promise<TestEngine> {
  return sharedEngineFor(sandbox, { ...opts, name: CLUSTER, timeouts: { connectMs: 2000, totalMs: 8000 } });
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
export async function authorizeInBrowser(
  sandbox: SandboxHandle,
  url: string,
  decision: 'allow' | 'deny',
  login = sandbox.info.admin,
): Promise<AuthorizeResult> {
  const browser = Client.for(sandbox);
  try {
    const page = await browser.request(url);
    const result: AuthorizeResult = {
      pageStatus: page.status,
      pageNode: page.node,
      decisionStatus: null,
      location: null,
      callbackStatus: null,
    };
    if (page.status !== 200) return result;
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1] ?? '/oauth/authorize';
    const token = /name="oauth_token"[^>]*value="([^"]*)"/.exec(page.body)?.[1] ?? '';
    const decided = await browser.form(new URL(action, url).href, {
      oauth_token: token,
      id: login.user,
      password: login.password,
      decision,
    });
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

/** Runs one CLI command through the real `main` in-process, against the test engine's home and keychain. */
export function runCommand(
  command: 'diagnose' | 'flow' | 'report',
  t: TestEngine,
  argv: string[],
  opts: { stdin?: string; onStderr?: (text: string) => void; onStdout?: (text: string) => void } = {},
): Promise<CommandRun> {
  return runMain([command, ...argv], {
    ...opts,
    env: { OSLC_ADMIN_HOME: t.home, OSLC_ADMIN_KEYCHAIN_SERVICE: t.service },
  });
}

/** Runs `fn` with a sandbox and a test engine on it, and always closes both. */
export function withEngine<T>(
  sandboxOpts: SandboxOptions,
  engineOpts: { trustCa?: boolean; admin?: boolean },
  fn: (sb: SandboxHandle, t: TestEngine) => Promise<T>,
): Promise<T> {
  return withSandbox(sandboxOpts, async (sb) => {
    const t = await engineFor(sb, engineOpts);
    try {
      return await fn(sb, t);
    } finally {
      await t.close();
    }
  });
}
