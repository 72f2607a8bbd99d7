/**
 * Admin sessions kept between processes (issue 27). A fresh `oslc-admin sync` or `status` reads each
 * node's key list through an admin session; opening one takes two round trips (the admin page for
 * its CSRF value, then the login), so a new process paid three round trips where a running engine
 * pays one. The sessions a process opened are kept for the next one for {@link KEPT_SESSION_TTL_MS}.
 *
 * A session cookie is a credential: it is kept where the admin password is, in the OS keychain (one
 * entry per cluster, beside its admin login), never in a file. A kept session is only a guess: it is
 * used for the login it was opened with (user and a digest of the password), and a node that refuses
 * it (restarted, timed out, logged out) is logged in to again as if nothing had been kept, so a kept
 * session can only save round trips, never change an answer. `logout` and removing the cluster
 * forget it with the password.
 */
import { createHash } from 'node:crypto';
import type { SecretStore } from './keychain.ts';
import { accounts } from './keychain.ts';
import type { AdminCredentials } from './providers/types.ts';

/** Shorter than the usual server session timeout (30 minutes in WebSphere Liberty and Tomcat). */
export const KEPT_SESSION_TTL_MS = 10 * 60_000;
/** A cookie header or CSRF value longer than this is not kept (nor read back): nothing real is. */
const MAX_VALUE_CHARS = 4096;
/** At most this many nodes' sessions in one entry (a cluster has at most a few hundred nodes). */
const MAX_NODES = 1024;

/** What a session needs to be used again: the cookies it sends and its CSRF value. */
export interface KeptSession {
  cookie: string;
  csrf: string;
}

interface Entry extends KeptSession {
  savedAt: number;
}

const digest = (admin: AdminCredentials) =>
  createHash('sha256').update(`${admin.user}\u0000${admin.password}`).digest('base64url');

const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_VALUE_CHARS;

/** One cluster's kept sessions, by node (the discovery cache's node digest). */
export class AdminSessionStore {
  #entries = new Map<string, Entry>();
  /** The login the kept sessions belong to; another login finds none. */
  #login: string | null = null;
  #loading: Promise<void> | null = null;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly secrets: SecretStore,
    readonly cluster: string,
    readonly ttlMs = KEPT_SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get account(): string {
    return accounts.adminSessions(this.cluster);
  }

  /** Reads the keychain entry once; never rejects (an unreadable or malformed entry is none). */
  load(): Promise<void> {
    this.#loading ??= this.#read();
    return this.#loading;
  }

  async #read(): Promise<void> {
    let stored: string | null;
    try {
      stored = await this.secrets.get(this.account);
    } catch {
      return; // no keychain: nothing kept, and the sessions are opened as before
    }
    if (stored === null) return;
    let doc: unknown;
    try {
      doc = JSON.parse(stored);
    } catch {
      return;
    }
    const d = doc as { version?: unknown; login?: unknown; nodes?: unknown };
    if (typeof d !== 'object' || d === null || d.version !== 1 || !text(d.login)) return;
    if (typeof d.nodes !== 'object' || d.nodes === null) return;
    // A session this process opened while the entry was read is newer than anything in it.
    if (this.#login !== null && this.#login !== d.login) return;
    const limit = this.now();
    for (const [node, value] of Object.entries(d.nodes as Record<string, unknown>).slice(0, MAX_NODES)) {
      const e = value as Partial<Entry> | null;
      if (!e || !text(e.cookie) || !text(e.csrf) || typeof e.savedAt !== 'number') continue;
      // Not past its TTL, nor from the future (a clock set back).
      if (e.savedAt <= limit && e.savedAt + this.ttlMs > limit && !this.#entries.has(node))
        this.#entries.set(node, { cookie: e.cookie, csrf: e.csrf, savedAt: e.savedAt });
    }
    this.#login = d.login;
  }

  /** The session kept for this node and this login, within its TTL (after {@link load}). */
  get(node: string, admin: AdminCredentials): KeptSession | null {
    if (this.#login !== digest(admin)) return null;
    const e = this.#entries.get(node);
    if (!e) return null;
    if (e.savedAt + this.ttlMs <= this.now()) {
      this.drop(node);
      return null;
    }
    return { cookie: e.cookie, csrf: e.csrf };
  }

  /** Keeps a session this process opened; one of another login replaces every session kept. */
  put(node: string, admin: AdminCredentials, session: KeptSession): void {
    if (!text(session.cookie) || !text(session.csrf)) return;
    const login = digest(admin);
    if (this.#login !== login) {
      this.#entries.clear();
      this.#login = login;
    }
    this.#entries.delete(node);
    this.#entries.set(node, { ...session, savedAt: this.now() });
    while (this.#entries.size > MAX_NODES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#dirty = true;
  }

  /** Forgets a node's session (the node refused it, or anything failed on the node). */
  drop(node: string): void {
    if (this.#entries.delete(node)) this.#dirty = true;
  }

  /** Forgets every session kept, in the keychain too (logout, the cluster removed). */
  async forgetAll(): Promise<void> {
    this.#entries.clear();
    this.#login = null;
    this.#dirty = false;
    this.#loading = Promise.resolve();
    await this.#writing;
    await this.secrets.delete(this.account);
  }

  /** Writes the entry when it changed (deletes it when nothing is left). Never rejects. */
  flush(): Promise<void> {
    // Never read: writing would replace sessions kept by an earlier process with this one's few.
    if (!this.#dirty || this.#loading === null) return this.#writing;
    this.#dirty = false;
    const limit = this.now();
    const nodes: Record<string, Entry> = {};
    for (const [node, e] of this.#entries) if (e.savedAt + this.ttlMs > limit) nodes[node] = e;
    const write =
      Object.keys(nodes).length === 0 || this.#login === null
        ? () => this.secrets.delete(this.account).then(() => undefined)
        : () => this.secrets.set(this.account, JSON.stringify({ version: 1, login: this.#login, nodes }));
    // A keychain that refuses costs the next process its round trips, nothing more.
    this.#writing = this.#writing.then(write).catch(() => undefined);
    return this.#writing;
  }

  // Sessions are credentials: never shown by console.log, util.inspect or JSON of what holds this.
  toJSON(): Record<string, never> {
    return {};
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AdminSessionStore { ${this.cluster}: ${this.#entries.size} sessions }`;
  }
}
