/**
 * Connections opened before their first request (issue 27), as a browser's preconnect does: a sync
 * knows every node it will ask once the cluster is read, and then still has the keychain to read.
 * Opened there, each node's connection (and, over https, its TLS handshake) is ready when the
 * refresh goes out, which is then written at once instead of after 64 connects; and the node
 * accepts it while this process does something else.
 *
 * The connections are made by the very connector undici uses (same options, same TLS checks), and
 * given to undici when it asks that connector for a connection to the same origin. One that failed,
 * closed, or waited longer than {@link WARM_FOR_MS} is not given: undici then connects as always.
 * Whatever is left when the client closes is closed with it.
 */
import type { Socket } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';

/** How long an opened connection waits for its request before it is closed instead. */
export const WARM_FOR_MS = 2_000;

interface Warm {
  /** The connection, or null when it could not be made. */
  ready: Promise<Socket | null>;
  openedAt: number;
}

/** What undici gives its connector for an origin (dispatcher/client.js `connect`). */
function connectOptions(url: URL): BuildConnector.Options {
  let hostname = url.hostname;
  if (hostname.startsWith('[')) hostname = hostname.slice(1, hostname.indexOf(']'));
  return {
    host: url.host,
    hostname,
    protocol: url.protocol,
    port: url.port,
    servername: null,
    localAddress: null,
  } as unknown as BuildConnector.Options;
}

const ignore = () => undefined;
const usable = (s: Socket): boolean => !s.destroyed && s.readyState === 'open';

export class WarmConnections {
  readonly #connector: BuildConnector.connector;
  readonly #byOrigin = new Map<string, Warm[]>();
  /** Connections undici holds or is opening, by origin (asked of the connector here, not yet failed or closed). */
  readonly #live = new Map<string, number>();
  readonly #now: () => number;

  constructor(connector: BuildConnector.connector, now: () => number = Date.now) {
    this.#connector = connector;
    this.#now = now;
  }

  /**
   * Makes sure `count` connections to the origin of `url` are open or opening (http: and https:
   * only): those undici holds already (a warm engine's keep-alive ones) count, so only a first
   * contact opens any.
   */
  open(url: URL, count: number): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const key = `${url.protocol}//${url.host}`;
    const list = this.#byOrigin.get(key) ?? [];
    const missing = count - list.length - (this.#live.get(key) ?? 0);
    if (missing <= 0) return;
    this.#byOrigin.set(key, list);
    const opened: Warm[] = [];
    for (let i = 0; i < missing; i++) {
      const ready = new Promise<Socket | null>((resolve) => {
        try {
          this.#connector(connectOptions(url), (err, socket) => {
            if (err || !socket) return resolve(null);
            const s = socket as Socket;
            // While unused it must neither keep the process alive nor throw (undici handles errors once it has it).
            s.unref();
            s.on('error', ignore);
            resolve(s);
          });
        } catch {
          resolve(null);
        }
      });
      opened.push({ ready, openedAt: this.#now() });
    }
    list.push(...opened);
    // What no request took in time is closed, so a long-running engine keeps no idle connections.
    setTimeout(() => this.#expire(key, opened), WARM_FOR_MS).unref();
  }

  #expire(key: string, opened: Warm[]): void {
    const list = this.#byOrigin.get(key);
    if (!list) return;
    const left = list.filter((w) => !opened.includes(w));
    for (const w of list) if (opened.includes(w)) void w.ready.then((s) => s?.destroy());
    if (left.length) this.#byOrigin.set(key, left);
    else this.#byOrigin.delete(key);
  }

  #count(key: string, delta: 1 | -1): void {
    const n = (this.#live.get(key) ?? 0) + delta;
    if (n > 0) this.#live.set(key, n);
    else this.#live.delete(key);
  }

  /** The connector undici is given: an opened connection to the origin when there is one, else a new one. */
  connector(): BuildConnector.connector {
    return (options, given) => {
      const key = `${options.protocol}//${options.host}`;
      // It counts from now, while it is being opened, until it fails or closes: a preconnect meanwhile
      // (sync's second connection per node) must not open one more beside it.
      this.#count(key, 1);
      const callback: typeof given = (...args) => {
        if (args[0] === null && args[1]) (args[1] as Socket).once('close', () => this.#count(key, -1));
        else this.#count(key, -1);
        (given as (...a: typeof args) => void)(...args);
      };
      const list = this.#byOrigin.get(key);
      const warm = list?.shift();
      if (list && list.length === 0) this.#byOrigin.delete(key);
      if (!warm || this.#now() - warm.openedAt > WARM_FOR_MS) {
        if (warm) void warm.ready.then((s) => s?.destroy());
        return this.#connector(options, callback);
      }
      void warm.ready.then((socket) => {
        if (socket !== null && usable(socket)) {
          socket.off('error', ignore);
          socket.ref();
          callback(null, socket);
          return;
        }
        socket?.destroy();
        this.#connector(options, callback);
      });
    };
  }

  /** Closes every connection opened and not given to undici. */
  close(): void {
    for (const list of this.#byOrigin.values()) for (const w of list) void w.ready.then((s) => s?.destroy());
    this.#byOrigin.clear();
  }
}
