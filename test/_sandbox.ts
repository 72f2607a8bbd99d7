/**
 * Helpers for tests against the sandbox over real sockets: start/stop, a cookie-aware HTTP client
 * (undici, custom CA for TLS), an OAuth 1.0a signer built on the independent `oauth-1.0a` package,
 * and the admin steps (approve on a node, refresh a node) that the seed scenarios repeat.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OAuth from 'oauth-1.0a';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../electron/sandbox/index.ts';

/** Starts a sandbox, runs `fn`, and always closes it. */
export async function withSandbox<T>(opts: SandboxOptions, fn: (sandbox: SandboxHandle) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox(opts);
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** One sandbox for a whole `describe`/file: started in beforeAll, closed in afterAll. */
export function useSandbox(opts: SandboxOptions = {}): () => SandboxHandle {
  let sandbox: SandboxHandle | null = null;
  beforeAll(async () => {
    sandbox = await startSandbox(opts);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  return () => {
    if (!sandbox) throw new Error('sandbox not started yet');
    return sandbox;
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: string;
  /** Which node answered, from the clone id of the session cookie (new or reused). */
  node: string | null;
}

/** The node id at the end of `JSESSIONID=0000…:<node>`. */
export function cloneId(cookieValue: string | undefined): string | null {
  if (!cookieValue) return null;
  const colon = cookieValue.lastIndexOf(':');
  return colon < 0 ? null : cookieValue.slice(colon + 1);
}

/**
 * A browser-like client: keeps cookies (one jar for all loopback ports, as browsers do), never
 * follows redirects (tests look at `Location`), trusts the sandbox CA when given.
 */
export class Client {
  readonly jar = new Map<string, string>();
  private readonly agent: Agent;

  constructor(caFile: string | null = null) {
    this.agent = new Agent(caFile ? { connect: { ca: readFileSync(caFile, 'utf8') } } : {});
  }

  static for(sandbox: SandboxHandle): Client {
    return new Client(sandbox.info.caFile);
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; cookies?: boolean } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    const sentCookie = this.jar.get('JSESSIONID');
    if (init.cookies !== false && this.jar.size > 0) {
      headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body,
      redirect: 'manual',
      dispatcher: this.agent,
    });
    const body = await res.text();
    let node: string | null = null;
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = setCookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (name === 'JSESSIONID') node = cloneId(value);
      if (attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a))) this.jar.delete(name);
      else if (init.cookies !== false) this.jar.set(name, value);
    }
    if (node === null && init.cookies !== false && sentCookie !== undefined) node = cloneId(sentCookie);
    return { status: res.status, headers: res.headers, body, node };
  }

  form(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    method = 'POST',
  ): Promise<Reply> {
    return this.request(url, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  json(url: string, value: unknown, method = 'POST'): Promise<Reply> {
    return this.request(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export interface Credentials {
  key: string;
  secret: string;
}

export interface SignOptions {
  method: string;
  url: string;
  consumer: Credentials;
  token?: Credentials;
  /** Extra signed parameters: `oauth_callback`, `oauth_verifier`, or form fields that will be sent as the body. */
  data?: Record<string, string>;
  /** Seconds added to the real clock for `oauth_timestamp` (to match, or miss, a node's shifted clock). */
  timestampOffsetSeconds?: number;
  nonce?: string;
  signatureMethod?: 'HMAC-SHA1' | 'PLAINTEXT';
}

/** An `Authorization: OAuth …` header made by the independent `oauth-1.0a` package, not our signer. */
export function oauthHeader(opts: SignOptions): string {
  const oauth = new OAuth({
    consumer: opts.consumer,
    signature_method: opts.signatureMethod ?? 'HMAC-SHA1',
    hash_function: (base, key) =>
      (opts.signatureMethod ?? 'HMAC-SHA1') === 'PLAINTEXT'
        ? key
        : createHmac('sha1', key).update(base).digest('base64'),
  });
  const offset = opts.timestampOffsetSeconds ?? 0;
  oauth.getTimeStamp = () => Math.floor(Date.now() / 1000) + offset;
  if (opts.nonce !== undefined) {
    const nonce = opts.nonce;
    oauth.getNonce = () => nonce;
  }
  const data = { ...opts.data };
  const authorization = oauth.authorize({ method: opts.method, url: opts.url, data }, opts.token);
  return oauth.toHeader(authorization).Authorization;
}

/** Parses an `application/x-www-form-urlencoded` body (OAuth token and problem answers). */
export function formOf(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.trim()));
}

/** The Lyo CSRF value embedded in the admin page. */
export function csrfOf(adminPageHtml: string): string {
  const m = /lyoOAuthConfig\.csrfPrevent = "([^"]*)"/.exec(adminPageHtml);
  if (!m?.[1]) throw new Error('admin page without lyoOAuthConfig.csrfPrevent');
  return m[1];
}

/** Logs `client` in as admin on one node (Lyo: admin page for the CSRF value, then adminLogin). */
export async function adminLogin(sandbox: SandboxHandle, client: Client, nodeUrl: string): Promise<string> {
  const page = await client.request(`${nodeUrl}/oauth/admin`);
  const csrf = csrfOf(page.body);
  const login = await client.form(
    `${nodeUrl}/oauth/adminLogin`,
    { id: sandbox.info.admin.user, password: sandbox.info.admin.password },
    { 'x-csrf-prevent': csrf },
  );
  if (login.status !== 204) throw new Error(`admin login on ${nodeUrl} failed: ${login.status} ${login.body}`);
  return csrf;
}

export function nodeUrl(sandbox: SandboxHandle, id: string): string {
  const node = sandbox.info.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node.url;
}

/** Approves `key` on node `id` through the Lyo API with a fresh admin session. */
export async function approveOn(sandbox: SandboxHandle, id: string, key: string): Promise<Reply> {
  const client = Client.for(sandbox);
  try {
    const url = nodeUrl(sandbox, id);
    const csrf = await adminLogin(sandbox, client, url);
    return await client.form(
      `${url}/oauth/consumers/${encodeURIComponent(key)}`,
      { provisional: 'false' },
      { 'x-csrf-prevent': csrf },
    );
  } finally {
    await client.close();
  }
}

/** `refreshRepoConfig` on one node with HTTP Basic (technote swg21644559). */
export async function refreshNode(
  sandbox: SandboxHandle,
  id: string,
  password = sandbox.info.admin.password,
): Promise<Reply> {
  const client = Client.for(sandbox);
  try {
    const basic = Buffer.from(`${sandbox.info.admin.user}:${password}`).toString('base64');
    return await client.request(
      `${nodeUrl(sandbox, id)}/cqweb/oslc/repo/${sandbox.info.repo}/db/${sandbox.info.db}/refreshRepoConfig`,
      {
        headers: { authorization: `Basic ${basic}` },
      },
    );
  } finally {
    await client.close();
  }
}

/** Friendship through the balancer, approval on the node that holds the key, then every node refreshed. */
export async function approvedConsumer(
  sandbox: SandboxHandle,
  name = 'RTC',
  secret = `secret-${name}`,
): Promise<Credentials & { node: string }> {
  const { key, node } = await sandbox.friend(name, secret);
  const approved = await approveOn(sandbox, node, key);
  if (approved.status !== 204) throw new Error(`approve failed: ${approved.status} ${approved.body}`);
  for (const n of sandbox.info.nodes) {
    const refreshed = await refreshNode(sandbox, n.id);
    if (refreshed.status !== 200) throw new Error(`refresh of ${n.id} failed: ${refreshed.status}`);
  }
  return { key, secret, node };
}

/** A signed request-token call (the engine's probe), straight to `url`. */
export async function requestToken(
  client: Client,
  base: string,
  consumer: Credentials,
  opts: Partial<SignOptions> & { callback?: string } = {},
): Promise<Reply> {
  const url = `${base}/oauth/requestToken`;
  const authorization = oauthHeader({
    method: 'POST',
    url,
    consumer,
    data: { oauth_callback: opts.callback ?? 'https://consumer.example/callback' },
    ...opts,
  });
  return client.request(url, { method: 'POST', headers: { authorization } });
}
