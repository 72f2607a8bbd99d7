/**
 * Discovery kept between processes (issue 27): each node's OAuth endpoints, as its discovery document
 * mapped them, in `discovery-cache.json` in the config directory, so a new `oslc-admin sync` or
 * `status` needs the same round trips as an engine that has run before. An entry is used for at
 * most {@link DISCOVERY_CACHE_TTL_MS}, and only where the node's own answers then prove it (the probe
 * answers must fit, exactly as for the in-memory cache of node-cache.ts); any failure drops it.
 *
 * The file holds no secret: endpoint URLs (without user info: an entry with any is not kept), the
 * clone id a node's session cookie named (never the session id), and the time it was learned. Its
 * keys are digests of what shapes a node's discovery (cluster, kind, balancer, repo, node, TLS
 * settings). A file that is not ours to read — corrupt, oversized, unreadable — is ignored without
 * a word: a cache only ever saves round trips. A corrupt one is moved aside (never overwritten) the
 * next time the cache is written, as the config store does with its own files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readFileBounded } from './config/bounded-read.ts';
import { DISCOVERY_SOURCES } from '../../shared/model.ts';
import type { NodeContext, OAuthEndpoints } from './providers/types.ts';

export const DISCOVERY_CACHE_FILE = 'discovery-cache.json';
/** How long a node's endpoints are reused by later processes without asking the node again. */
export const DISCOVERY_CACHE_TTL_MS = 10 * 60_000;
/** Past this the file is not read (a few hundred bytes per node: thousands of nodes fit). */
export const DISCOVERY_CACHE_MAX_BYTES = 1024 * 1024;
/** Entries kept at most; the oldest go first. */
export const DISCOVERY_CACHE_MAX_ENTRIES = 2048;

export interface PersistedDiscovery {
  endpoints: OAuthEndpoints;
  /** The clone id the node's discovery answer carried in its session cookie, to attribute the balancer's answers. */
  cloneId: string | null;
  /** When the node answered it (ms since the epoch). */
  savedAt: number;
}

const ENDPOINT_FIELDS = ['requestToken', 'authorize', 'accessToken'] as const;
const SOURCES = new Set<string>(DISCOVERY_SOURCES);

/** An http(s) URL without user info, or null. */
function plainUrl(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 2048) return null;
  try {
    const u = new URL(v);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return null;
    return v;
  } catch {
    return null;
  }
}

/** The entry when every field is what we write; else null (the entry is skipped, the rest kept). */
function entryOf(v: unknown): PersistedDiscovery | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const e = o.endpoints as Record<string, unknown> | undefined;
  if (typeof e !== 'object' || e === null) return null;
  const urls = ENDPOINT_FIELDS.map((f) => plainUrl(e[f]));
  if (urls.some((u) => u === null)) return null;
  const rck = e.requestConsumerKey === null ? null : plainUrl(e.requestConsumerKey);
  if (e.requestConsumerKey !== null && rck === null) return null;
  if (e.source !== undefined && !(typeof e.source === 'string' && SOURCES.has(e.source))) return null;
  if (typeof o.savedAt !== 'number' || !Number.isFinite(o.savedAt)) return null;
  if (o.cloneId !== null && !(typeof o.cloneId === 'string' && /^[\w.-]{1,64}$/.test(o.cloneId))) return null;
  return {
    endpoints: {
      requestToken: urls[0]!,
      authorize: urls[1]!,
      accessToken: urls[2]!,
      requestConsumerKey: rck,
      ...(e.source !== undefined ? { source: e.source as OAuthEndpoints['source'] } : {}),
    },
    cloneId: o.cloneId as string | null,
    savedAt: o.savedAt,
  };
}

/** Keys by node definition (the same objects for a whole operation), so each node is hashed once. */
const keyOf = new WeakMap<object, { cluster: object; key: string }>();

/** What shapes a node's discovery, as one digest: another cluster, node URL or trust setting is another entry. */
export function persistedKey(ctx: NodeContext): string {
  const known = keyOf.get(ctx.node);
  if (known?.cluster === ctx.cluster) return known.key;
  const key = digestOf(ctx);
  keyOf.set(ctx.node, { cluster: ctx.cluster, key });
  return key;
}

function digestOf(ctx: NodeContext): string {
  const c = ctx.cluster;
  const shape = JSON.stringify([
    c.name,
    c.kind,
    c.balancerUrl,
    c.repo ?? null,
    ctx.node.id,
    ctx.node.url,
    c.caPem ?? null,
    c.pinnedFingerprints ?? [],
  ]);
  return createHash('sha256').update(shape).digest('base64url');
}

export class DiscoveryStore {
  readonly file: string;
  #entries = new Map<string, PersistedDiscovery>();
  #loading: Promise<void> | null = null;
  #dirty = false;
  /** The file could not be used: it is moved aside before the next write. */
  #corrupt = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    home: string,
    readonly ttlMs = DISCOVERY_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.file = join(home, DISCOVERY_CACHE_FILE);
  }

  /** Reads the file once; never rejects (a file that cannot be used is an empty cache). */
  load(): Promise<void> {
    this.#loading ??= this.#read();
    return this.#loading;
  }

  async #read(): Promise<void> {
    let text: string;
    try {
      text = (await readFileBounded(this.file, DISCOVERY_CACHE_MAX_BYTES)).toString('utf8');
    } catch (e) {
      // Missing: nothing cached yet. Oversized, a directory, unreadable: not ours to use, nor to replace.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.#corrupt = true;
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      this.#corrupt = true;
      return;
    }
    const d = doc as { version?: unknown; entries?: unknown };
    if (typeof d !== 'object' || d === null || d.version !== 1 || typeof d.entries !== 'object' || !d.entries) {
      this.#corrupt = true;
      return;
    }
    const limit = this.now();
    for (const [key, value] of Object.entries(d.entries as Record<string, unknown>)) {
      const entry = entryOf(value);
      // A loaded entry does not outlive its TTL, nor come from the future (a clock set back).
      if (entry && entry.savedAt <= limit && entry.savedAt + this.ttlMs > limit) this.#entries.set(key, entry);
    }
  }

  /** The node's endpoints, when learned within the TTL (after {@link load}). */
  get(ctx: NodeContext): PersistedDiscovery | null {
    const key = persistedKey(ctx);
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (entry.savedAt + this.ttlMs <= this.now()) {
      this.#entries.delete(key);
      this.#dirty = true;
      return null;
    }
    return entry;
  }

  /** Keeps what the node answered, unless a URL carries user info. */
  put(ctx: NodeContext, endpoints: OAuthEndpoints, cloneId: string | null): void {
    const entry = entryOf({ endpoints, cloneId, savedAt: this.now() });
    const key = persistedKey(ctx);
    if (!entry) {
      this.drop(ctx);
      return;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > DISCOVERY_CACHE_MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#dirty = true;
  }

  /** Forgets the node (any failure on it). */
  drop(ctx: NodeContext): void {
    if (this.#entries.delete(persistedKey(ctx))) this.#dirty = true;
  }

  /**
   * Writes the cache when it changed: a temp file renamed over the old one (no fsync: a cache lost in
   * a crash costs one discovery per node). Never rejects; a failure leaves the old file.
   */
  flush(): Promise<void> {
    if (!this.#dirty) return this.#writing;
    this.#dirty = false;
    const limit = this.now();
    const entries: Record<string, PersistedDiscovery> = {};
    for (const [key, entry] of this.#entries) if (entry.savedAt + this.ttlMs > limit) entries[key] = entry;
    const body = `${JSON.stringify({ version: 1, entries })}\n`;
    this.#writing = this.#writing.then(() => this.#write(body)).catch(() => undefined);
    return this.#writing;
  }

  async #write(body: string): Promise<void> {
    const dir = dirname(this.file);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.#corrupt) {
      const aside = `${this.file}.corrupt-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
      // Not ours to replace when it cannot be moved aside (a directory, say): then nothing is written.
      await fs.rename(this.file, aside).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      this.#corrupt = false;
    }
    const tmp = join(dir, `.${basename(this.file)}.${process.pid}.${randomBytes(6).toString('hex')}.atomic-tmp`);
    try {
      await fs.writeFile(tmp, body, { mode: 0o600, flag: 'wx' });
      await fs.rename(tmp, this.file);
    } catch (e) {
      await fs.unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
