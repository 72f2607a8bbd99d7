/** The sandbox's public shapes: options, the `--json` line, and what `GET /state` answers. */
import type { SandboxNodeView } from '../../shared/contract-console.ts';
import type { ClearQuestDiscoveryVariant } from './dialects/clearquest.ts';
import type { DialectName } from './dialects/types.ts';

export interface SandboxOptions {
  /** Number of provider nodes; default 3. */
  nodes?: number;
  /** Initial latency on every node, in ms; default 0. */
  latencyMs?: number;
  /** Private CA + a certificate per listener (SANs 127.0.0.1, localhost); HTTPS everywhere; CA in `<stateDir>/ca.pem`. */
  tls?: boolean;
  /**
   * The balancer routes by the clone id of the JSESSIONID cookie; default true, as IBM requires for a
   * load-balanced ClearQuest, so the sandbox looks like a correctly configured cluster until a fault
   * is injected (`false`, `--no-sticky`, or `POST /balancer {"sticky": false}`).
   */
  sticky?: boolean;
  /** The product surface the nodes show; default `sandbox` (the mixed dialect). */
  dialect?: DialectName;
  /**
   * TEST VARIANT, `dialect: 'clearquest'` only: the shape of the discovery document, to walk the
   * adapter's discovery fallback chain. Default `inline` (unchanged). Each shape is [G], not a claim
   * about the real product: see CLEARQUEST_DISCOVERY_VARIANTS in dialects/clearquest.ts.
   */
  clearquestDiscovery?: ClearQuestDiscoveryVariant;
  /** Where the repository is persisted; default a new temp dir, removed again on close. */
  stateDir?: string;
  /** Default: random. */
  adminPassword?: string;
  /** Default 127.0.0.1. */
  host?: string;
}

/** What `--json` prints, one line, once everything listens. */
export interface SandboxInfo {
  balancer: string;
  nodes: { id: string; url: string }[];
  control: string;
  admin: { user: string; password: string };
  repo: string;
  db: string;
  caFile: string | null;
  stateDir: string;
  dialect: DialectName;
}

/** One node as the control server shows it (the console shows the same shape). Keys only, never secrets. */
export type SandboxNodeState = SandboxNodeView;

/** `GET /state`. */
export interface SandboxState {
  balancer: string;
  control: string;
  sticky: boolean;
  dialect: DialectName;
  tls: boolean;
  repo: string;
  db: string;
  nodes: SandboxNodeState[];
  /** The repository's approved consumers, without their secrets. */
  repository: { consumers: { key: string; name: string; trusted: boolean }[] };
}

export interface SandboxHandle {
  info: SandboxInfo;
  /** Closes the node's listener and destroys its sockets: connections are refused afterwards. */
  killNode(id: string): Promise<void>;
  /** Listens again on the same port with fresh memory; the registry is reloaded from the repository. */
  restartNode(id: string): Promise<void>;
  setLatency(id: string, ms: number): void;
  setClockOffset(id: string, offsetSeconds: number): void;
  /** The product version this node's `Server` header names (a node left behind by an upgrade). */
  setVersion(id: string, version: string): void;
  /** Turns the balancer's session affinity on or off. */
  setSticky(sticky: boolean): void;
  /** The same JSON as `GET /state`. */
  state(): SandboxState;
  /** One node's part of {@link state}, without the rest (cheap when registries hold 50,000 keys); undefined for an unknown id. */
  nodeState(id: string): SandboxNodeState | undefined;
  /** The node ids, in order. */
  nodeIds(): string[];
  /**
   * Adds `count` approved consumers (random keys and secrets, never shown) to the repository in one
   * write, and reloads the registry of every node that is up, as a long-lived cluster holds them:
   * how a bench fills every node's list with tens of thousands of keys. The control server's
   * `POST /repository/seed`; no provider endpoint reaches it.
   */
  seed(count: number): Promise<{ added: number; consumers: number }>;
  /** Plays a consumer making a friendship: `requestKey` through the balancer, over HTTP(S). */
  friend(name: string, secret: string): Promise<{ key: string; node: string }>;
  /** Closes every socket of every listener. */
  close(): Promise<void>;
}
