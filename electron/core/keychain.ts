/**
 * Secrets (admin passwords, consumer secrets) live in the OS keychain only: macOS Keychain, Windows
 * Credential Manager, the Secret Service (gnome-keyring, KWallet) on Linux. When the keychain does
 * not work the caller gets KEYCHAIN_UNAVAILABLE with the fix; there is no plaintext fallback, ever.
 *
 * Backed by `@napi-rs/keyring` (prebuilt binaries inside npm packages, so offline installs work;
 * keytar is archived and builds or downloads at install time). Its keytar-compatible functions
 * (`@napi-rs/keyring/keytar`) are a thin wrapper over `AsyncEntry` that cannot pass entry options,
 * and on Linux the default store silently falls back to the kernel keyring (keyutils) when no
 * Secret Service answers: secrets would vanish at logout and a missing Secret Service would go
 * unnoticed. So entries are created here with `AsyncEntry` directly, pinned to the Secret Service.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { AsyncEntry as NativeAsyncEntry, EntryOptions } from '@napi-rs/keyring';
import { AppError, ErrorCode, badInput, isAppError } from '../../shared/errors.ts';
import { keychainActivity } from './activity.ts';

/** Where secrets are kept. Implementations never put a secret in an error message. */
export interface SecretStore {
  /** The secret, or null when none is stored for `account`. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when an entry was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
  /**
   * Several secrets in one call, where the store can do better than one read each (the Secret
   * Service: one search); null where none is stored. Fails as `get` does.
   */
  getMany?(accounts: readonly string[]): Promise<Map<string, string | null>>;
}

/** Several secrets: through the store's getMany where it has one, else one read each. */
export async function getSecrets(store: SecretStore, list: readonly string[]): Promise<Map<string, string | null>> {
  if (store.getMany) return store.getMany(list);
  const out = new Map<string, string | null>();
  await Promise.all(list.map(async (a) => out.set(a, await store.get(a))));
  return out;
}

export const KEYCHAIN_SERVICE = 'oslc-cluster-admin';

/** Account names inside the service. Cluster names cannot contain `/`, so these never collide. */
export const accounts = {
  admin: (cluster: string) => `cluster/${cluster}/admin`,
  consumer: (cluster: string, key: string) => `cluster/${cluster}/consumer/${key}`,
  /** The admin sessions kept between processes (admin-sessions.ts): credentials, like the password. */
  adminSessions: (cluster: string) => `cluster/${cluster}/admin-sessions`,
};

type Operation = 'read' | 'store' | 'delete';

export interface OsKeychainOptions {
  /** Only for tests of the error messages; defaults to the running platform. */
  platform?: NodeJS.Platform;
  /**
   * How long one keychain call may take. A locked keychain may show an unlock prompt, so this is
   * generous; a keychain that never answers must not hang the CLI for ever.
   */
  timeoutMs?: number;
}

type AsyncEntryClass = new (service: string, account: string, options?: EntryOptions | null) => NativeAsyncEntry;
type FindCredentials = (
  service: string,
  target?: string | null,
  signal?: AbortSignal | null,
) => Promise<{ account: string; password: string }[]>;
interface KeyringModule {
  AsyncEntry: AsyncEntryClass;
  search: () => FindCredentials | undefined;
}

/** The OS keychain, through `@napi-rs/keyring`. */
export class OsKeychain implements SecretStore {
  readonly service: string;
  readonly #platform: NodeJS.Platform;
  readonly #timeoutMs: number;
  #module: Promise<KeyringModule> | undefined;
  /** Reads under way, by account (answers are never kept: see get). */
  readonly #reading = new Map<string, Promise<string | null>>();

  /** `service` is overridable so tests use their own entries and never touch the user's. */
  constructor(service: string = KEYCHAIN_SERVICE, opts: OsKeychainOptions = {}) {
    if (typeof service !== 'string' || service.trim() === '') throw badInput('service', 'must not be empty');
    this.service = service;
    this.#platform = opts.platform ?? process.platform;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
  }

  async get(account: string): Promise<string | null> {
    assertAccount(account);
    // Two reads of one entry at the same time (sync's admin login and its status run's) ask the
    // keychain once: each call is a round trip to the OS service. Nothing is kept once it answers.
    const pending = this.#reading.get(account);
    if (pending) return pending;
    const read = this.#call('read', account, (entry, signal) => entry.getPassword(signal)).finally(() => {
      if (this.#reading.get(account) === read) this.#reading.delete(account);
    });
    this.#reading.set(account, read);
    return read;
  }

  /**
   * On Linux, one asynchronous search of the service (`findCredentialsAsync`) instead of a read of
   * each entry: creating an entry connects to the Secret Service synchronously, ~7 ms of this thread
   * each (20 tracked keys held a status up 140 ms); the search runs on a worker thread, ~1 ms an
   * entry of the service. It is not pinned to the Secret Service as entries are, so it answers only
   * what it found; an account it did not find (not stored, or another store answered) is read as
   * `get` reads it. Elsewhere (a search may prompt for each item on macOS) one read each.
   */
  async getMany(accountsToRead: readonly string[]): Promise<Map<string, string | null>> {
    accountsToRead.forEach(assertAccount);
    const wanted = [...new Set(accountsToRead)];
    const out = new Map<string, string | null>(
      this.#platform === 'linux' && wanted.length > 1 ? await this.#search(new Set(wanted)) : [],
    );
    await Promise.all(wanted.filter((a) => !out.has(a)).map(async (a) => out.set(a, await this.get(a))));
    return new Map(wanted.map((a) => [a, out.get(a) ?? null]));
  }

  /** The wanted accounts' secrets one search of the service found; none when it cannot be made or fails. */
  async #search(wanted: Set<string>): Promise<Map<string, string>> {
    const started = performance.now();
    try {
      refuseTooManyOpenFiles();
      const findCredentialsAsync = (await this.#loadModule()).search();
      if (!findCredentialsAsync) return new Map();
      const all = await this.#timed((signal) => findCredentialsAsync(this.service, null, signal));
      const found = new Map<string, string>();
      for (const c of all)
        if (wanted.has(c.account) && typeof c.password === 'string') found.set(c.account, c.password);
      const ms = Math.round(performance.now() - started);
      if (keychainActivity.hasSubscribers)
        for (const account of found.keys())
          keychainActivity.publish({ op: 'read', account, outcome: 'found in one search', ms });
      return found;
    } catch {
      return new Map(); // each account is then read alone, which says what is wrong
    }
  }

  /** Runs one native call, aborted and rejected with KeychainTimeout past the time limit. */
  async #timed<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new KeychainTimeout());
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([run(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    assertAccount(account);
    assertSecret(secret);
    this.#reading.delete(account);
    await this.#call('store', account, (entry, signal) => entry.setPassword(secret, signal), secret);
  }

  async delete(account: string): Promise<boolean> {
    assertAccount(account);
    this.#reading.delete(account);
    return this.#call('delete', account, (entry, signal) => entry.deleteCredential(signal));
  }

  /** Runs one native call with a time limit, turning every failure into KEYCHAIN_UNAVAILABLE. */
  async #call<T>(
    op: Operation,
    account: string,
    run: (entry: NativeAsyncEntry, signal: AbortSignal) => Promise<T>,
    secret?: string,
  ): Promise<T> {
    const started = performance.now();
    // For `--verbose` (see activity.ts): the account and the outcome, never the secret.
    const tell = (outcome: string) =>
      keychainActivity.hasSubscribers &&
      keychainActivity.publish({ op, account, outcome, ms: Math.round(performance.now() - started) });
    try {
      if (this.#platform === 'linux') refuseTooManyOpenFiles();
      const { AsyncEntry: Entry } = await this.#loadModule();
      const entry = new Entry(this.service, account, this.#entryOptions());
      const result = await this.#timed((signal) => run(entry, signal));
      tell(op !== 'read' ? 'done' : result == null ? 'not stored' : 'found');
      return result;
    } catch (e) {
      const error = this.#unavailable(op, account, e, secret);
      tell(error.code);
      throw error;
    }
  }

  #entryOptions(): EntryOptions | null {
    return this.#platform === 'linux' ? { linux: { store: 'secret-service' } } : null;
  }

  #loadModule(): Promise<KeyringModule> {
    // Loaded on first use: a missing or broken native binary must become a coded error, not a crash at start-up.
    this.#module ??= import('@napi-rs/keyring').then((mod) => {
      type Exports = { AsyncEntry?: AsyncEntryClass; findCredentialsAsync?: FindCredentials };
      const m = mod as unknown as Exports & { default?: Exports };
      const Entry = m.AsyncEntry ?? m.default?.AsyncEntry;
      if (!Entry) throw new Error('the @napi-rs/keyring module has no AsyncEntry');
      // The search is looked up when used (#search): a module without it (or one that throws on the
      // lookup, as a test's stand-in does) leaves every read to an entry of its own.
      const search = (): FindCredentials | undefined => m.findCredentialsAsync ?? m.default?.findCredentialsAsync;
      return { AsyncEntry: Entry, search };
    });
    this.#module.catch(() => (this.#module = undefined));
    return this.#module;
  }

  #unavailable(op: Operation, account: string, e: unknown, secret: string | undefined): AppError {
    if (e instanceof AppError) return e;
    const what = { read: 'read the secret of', store: 'store the secret of', delete: 'delete the secret of' }[op];
    const cause =
      e instanceof KeychainTimeout
        ? `no answer within ${Math.round(this.#timeoutMs / 1000)} s (a locked keychain waiting for an unlock prompt?)`
        : nativeMessage(e, secret);
    return new AppError(
      ErrorCode.KEYCHAIN_UNAVAILABLE,
      `The OS keychain is not available: could not ${what} "${account}" in ${storeName(this.#platform)}.`,
      // The native error is not kept as `cause`: its text was already scrubbed of the secret here. It is a
      // detail (the CLI prints it), not the message: a raw D-Bus paragraph is no sentence for the console.
      {
        details: { account, operation: op, platform: this.#platform, cause },
        fix: { action: 'keychain', platform: this.#platform },
      },
    );
  }
}

class KeychainTimeout extends Error {}

/**
 * The Secret Service client inside `@napi-rs/keyring` waits on its D-Bus socket with `select()`,
 * which cannot watch a descriptor numbered 1024 or more: with more than ~1024 files open (a busy
 * engine with many sockets) a keychain call never returns, and it blocks the main thread, so no
 * timeout can fire. A new descriptor takes the lowest free number, which is at most the number of
 * open ones; so below {@link MAX_OPEN_FILES_FOR_KEYCHAIN} the call is safe, above it we refuse
 * with a clear error instead of hanging.
 */
export const MAX_OPEN_FILES_FOR_KEYCHAIN = 1000;

function refuseTooManyOpenFiles(): void {
  let open: number;
  try {
    open = readdirSync('/proc/self/fd').length;
  } catch {
    return; // no /proc: nothing to tell
  }
  if (open > MAX_OPEN_FILES_FOR_KEYCHAIN)
    throw new Error(
      `this process has ${open} files open; the Secret Service client cannot wait on a descriptor past 1024 and would hang, so the call was not made. Close connections (fewer clusters per process, lower limits) and try again`,
    );
}

/** The native error's text, with the secret removed should a platform ever echo it. */
function nativeMessage(e: unknown, secret: string | undefined): string {
  let text = e instanceof Error ? e.message : String(e);
  if (secret) text = text.split(secret).join('[secret]');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text || 'unknown error';
}

export function storeName(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'the macOS Keychain';
    case 'win32':
      return 'the Windows Credential Manager';
    default:
      return 'the Secret Service';
  }
}

/** Secrets for one process only (`--secret-stdin`), and for tests of other modules; never persisted. */
export class MemorySecretStore implements SecretStore {
  readonly #entries = new Map<string, string>();

  constructor(initial: Iterable<readonly [account: string, secret: string]> = []) {
    for (const [account, secret] of initial) {
      assertAccount(account);
      assertSecret(secret);
      this.#entries.set(account, secret);
    }
  }

  async get(account: string): Promise<string | null> {
    assertAccount(account);
    return this.#entries.get(account) ?? null;
  }

  async set(account: string, secret: string): Promise<void> {
    assertAccount(account);
    assertSecret(secret);
    this.#entries.set(account, secret);
  }

  async delete(account: string): Promise<boolean> {
    assertAccount(account);
    return this.#entries.delete(account);
  }

  /** The accounts held (never the secrets), e.g. for a test's assertions. */
  accounts(): string[] {
    return [...this.#entries.keys()];
  }

  // A secret store must not leak through console.log / util.inspect / JSON of the object holding it.
  toJSON(): Record<string, never> {
    return {};
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `MemorySecretStore { ${this.#entries.size} entries }`;
  }
}

/**
 * Checks that `store` can really keep a secret: stores, reads back and deletes a random probe
 * entry. Throws KEYCHAIN_UNAVAILABLE (with the fix) when any step fails.
 */
export async function checkKeychain(store: SecretStore): Promise<void> {
  const account = `probe/${randomUUID()}`;
  const value = `probe-${randomUUID()}`;
  try {
    await store.set(account, value);
    let failure: unknown;
    try {
      const back = await store.get(account);
      if (back !== value) {
        failure = new AppError(
          ErrorCode.KEYCHAIN_UNAVAILABLE,
          `The OS keychain is not usable: a probe entry was stored but ${back === null ? 'could not be found again' : 'read back different'}.`,
          { fix: { action: 'keychain', platform: process.platform } },
        );
      }
    } catch (e) {
      failure = e;
    }
    try {
      await store.delete(account);
    } catch (e) {
      failure ??= e;
    }
    if (failure !== undefined) throw failure;
  } catch (e) {
    if (e instanceof AppError && e.code === ErrorCode.KEYCHAIN_UNAVAILABLE) throw e;
    throw new AppError(ErrorCode.KEYCHAIN_UNAVAILABLE, 'The OS keychain check failed.', {
      details: { cause: e instanceof Error ? e.message : String(e) },
      fix: { action: 'keychain', platform: process.platform },
    });
  }
}

function assertAccount(account: unknown): asserts account is string {
  if (typeof account !== 'string' || account === '') throw badInput('account', 'must be a non-empty string');
}

function assertSecret(secret: unknown): asserts secret is string {
  // The message names the problem, never the value.
  if (typeof secret !== 'string' || secret === '') throw badInput('secret', 'must be a non-empty string');
}

/** The start of the one notice that says the keychain could not be read (see {@link fromKeychain}). */
export const NO_KEYCHAIN_NOTICE = 'No OS keychain is available here';

/** What each notices list's one keychain notice names, so several reads make one sentence, not a stack. */
const unread = new WeakMap<string[], string[]>();

/**
 * A keychain read whose failure (keychain unavailable) becomes a notice and a fallback value, not an
 * error. However many reads fail, `notices` holds one sentence naming them all; the native cause
 * (a D-Bus paragraph) is no part of it.
 */
export async function fromKeychain<T>(what: string, notices: string[], f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isAppError(e) && e.code === ErrorCode.KEYCHAIN_UNAVAILABLE) {
      const parts = unread.get(notices) ?? [];
      const at = notices.findIndex((n) => n.startsWith(NO_KEYCHAIN_NOTICE));
      if (!parts.includes(what)) parts.push(what);
      unread.set(notices, parts);
      const sentence = `${NO_KEYCHAIN_NOTICE}, so ${listWords(parts)} could not be read.`;
      if (at >= 0) notices[at] = sentence;
      else notices.push(sentence);
      return fallback;
    }
    throw e;
  }
}

function listWords(parts: string[]): string {
  if (parts.length <= 2) return parts.join(' and ');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
