/**
 * Browser mode as a real process for integration tests: `oslc-admin serve --json` spawned in its own
 * process group (stopped by group, never by name), its one ready line parsed, its output kept so a
 * test can check that the launch token never reached a log.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { BIN } from './_cli.ts';
import type { SandboxInfo } from '../electron/sandbox/index.ts';

export interface ServeProcess {
  url: string;
  origin: string;
  token: string;
  sandbox: SandboxInfo | null;
  /** Everything the process printed after its ready line, and on stderr. */
  output(): string;
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
  return {
    url: ready.url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    sandbox: ready.sandbox,
    output: () => stdout.slice(line.length + 1) + stderr,
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

/** Exchanges the launch token for the session cookie, as the browser does at first load. */
export async function signIn(server: ServeProcess): Promise<string> {
  const reply = await rawRequest(server.url);
  const cookie = (reply.headers['set-cookie'] ?? [])[0];
  if (reply.status !== 303 || !cookie) throw new Error(`token exchange failed: ${reply.status} ${reply.body}`);
  return cookie.split(';')[0]!;
}
