/**
 * Browser mode as a real process for integration tests: `oslc-admin serve --json` spawned in its own
 * process group (stopped by group, never by name), its one ready line parsed, its output kept so a
 * test can check that the launch token never reached a log.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { BIN } from './_cli.ts';
import { SESSION_FRAGMENT, SESSION_HEADER } from '../shared/door.ts';
import type { SandboxInfo } from '../electron/sandbox/index.ts';

export interface ServeProcess {
  url: string;
  origin: string;
  token: string;
  sandbox: SandboxInfo | null;
  /** Everything the process printed after its ready line, and on stderr. */
  output(): string;
  /** A fresh one-time sign-in URL, as a person gets it (serve prints one on SIGUSR1). */
  newLink(): Promise<string>;
  stop(): Promise<void>;
}

export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--json', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its ready line in 30 s: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const ready = JSON.parse(line) as { url: string; sandbox: SandboxInfo | null };
  const u = new URL(ready.url);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let linesSeen = 1;
  const urlLines = () =>
    stdout
      .split('\n')
      .slice(0, -1)
      .flatMap((l) => {
        try {
          const parsed = JSON.parse(l) as { url?: unknown; sandbox?: unknown };
          return typeof parsed.url === 'string' && !('sandbox' in parsed) ? [parsed.url] : [];
        } catch {
          return [];
        }
      });
  const server: ServeProcess = {
    url: ready.url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    sandbox: ready.sandbox,
    output: () => stdout.slice(line.length + 1) + stderr,
    async newLink() {
      const want = linesSeen++;
      process.kill(child.pid!, 'SIGUSR1');
      const deadline = Date.now() + 15_000;
      while (urlLines().length < want) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`serve printed no fresh link on SIGUSR1: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return urlLines()[want - 1]!;
    },
    async stop() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  running.set(server.origin, server);
  void exited.then(() => running.delete(server.origin));
  return server;
}

const running = new Map<string, ServeProcess>();

/**
 * A sign-in link works once, so each page that opens a console needs its own: for the URL of a
 * running serve process (started here), a fresh link from it; any other URL as it is.
 */
export async function freshLinkFor(url: string): Promise<string> {
  const server = running.get(new URL(url).origin);
  return server && new URL(url).searchParams.has('token') ? server.newLink() : url;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with full control of `Host`, `Origin` and cookies (fetch would not let us forge them). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Both halves of a browser-mode session, and the headers a signed-in page sends with every call. */
export interface Session {
  cookie: string;
  /** `<id>.<secret>`, from the sign-in redirect's fragment. */
  secret: string;
  headers: Record<string, string>;
}

/** The session a sign-in answer (303) hands the browser: its cookie and the fragment's secret. */
export function sessionOf(reply: { status: number; headers: http.IncomingHttpHeaders; body?: string }): Session {
  const cookie = (reply.headers['set-cookie'] ?? [])[0]?.split(';')[0];
  const location = String(reply.headers.location ?? '');
  const secret = new URLSearchParams(location.split('#')[1] ?? '').get(SESSION_FRAGMENT);
  if (reply.status !== 303 || !cookie || !secret)
    throw new Error(`token exchange failed: ${reply.status} ${location} ${reply.body ?? ''}`);
  return { cookie, secret, headers: { cookie, [SESSION_HEADER]: secret } };
}

/** One operation's last NDJSON line: its result or its coded error. */
export interface ApiReply {
  result?: Record<string, unknown>;
  error?: { code: string; message?: string };
}

/** Calls operations as a signed-in page does (both session halves, the page's own Origin). */
export function apiCaller(server: ServeProcess, session: Session): (op: string, arg: unknown) => Promise<ApiReply> {
  return async (op, arg) => {
    const reply = await rawRequest(`${server.origin}/api/${op}`, {
      method: 'POST',
      headers: { ...session.headers, origin: server.origin, 'content-type': 'application/json' },
      body: JSON.stringify(arg),
    });
    return JSON.parse(reply.body.trim().split('\n').at(-1)!) as ApiReply;
  };
}

/** Signs in with a fresh one-time link, as the browser does at first load. */
export async function signIn(server: ServeProcess): Promise<Session> {
  return sessionOf(await rawRequest(await server.newLink()));
}
