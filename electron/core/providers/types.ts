/** What a provider kind can do, as small capability adapters (../shared/DESIGN.md, "Capabilities"). */
import type { Handoff } from '../../../shared/contract-repair.ts';
import type { ClusterDefinition, ClusterKind, DiscoverySource, NodeDefinition } from '../../../shared/model.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import type { NodeCache } from '../node-cache.ts';
import type { KeyList } from './consumer-list.ts';

export interface OAuthEndpoints {
  requestToken: string;
  authorize: string;
  accessToken: string;
  /** Where a consumer asks for a provisional key (Jazz/Lyo `requestKey`); null when not advertised. */
  requestConsumerKey: string | null;
  /**
   * Where these URLs came from, when the product offers more than one way: the discovery document's
   * `jfs:oauth*Url`, a catalog's `oslc:oauthConfiguration`, or the documented fixed paths.
   */
  source?: EndpointSource;
}

/** The same list the status result carries (shared/model.ts `DISCOVERY_SOURCES`). */
export type EndpointSource = DiscoverySource;

export interface AdminCredentials {
  user: string;
  password: string;
}

/** A node's keys as its list API shows them (provisional, approved). Never a secret. */
export type { KeyList } from './consumer-list.ts';

export interface NodeContext {
  cluster: ClusterDefinition;
  node: NodeDefinition;
  http: HttpClient;
  /** The engine's short-lived discovery and admin-session cache; absent: nothing is reused. */
  cache?: NodeCache;
}

export interface Discovery {
  endpoints: OAuthEndpoints;
  /** The discovery answer: it shows the node is up and carries `Date` and TLS facts. */
  response: HttpResponse;
  /**
   * Read from the config directory's discovery cache (discovery-cache.ts), not asked of the node in
   * this process: `response` is then empty, and the clone id its answer carried is here instead.
   */
  persisted?: { cloneId: string | null };
}

export interface ProviderAdapter {
  kind: ClusterKind;
  /** Reads the OAuth endpoints from the node itself, mapped onto that node's origin. */
  discover(ctx: NodeContext): Promise<Discovery>;
  /** This node's own keys, where the product has a list API; null where it has none. */
  /** `seen` is given the answer the list was read from (its `Date`, TLS and latency). */
  listKeys:
    ((ctx: NodeContext, admin: AdminCredentials, seen?: (res: HttpResponse) => void) => Promise<KeyList>) | null;
  /**
   * Starts what {@link listKeys} will need (an admin session) and keeps it in `ctx.cache`, so a later
   * listing costs one round trip. Never throws; null where there is nothing to prepare.
   */
  prepareListing: ((ctx: NodeContext, admin: AdminCredentials) => void) | null;
  /**
   * Approves a provisional key on this node: `approved`, or `not-here` when this node's memory does
   * not hold it. Null where the product has no API: then {@link approveHandoff} says what to click.
   */
  approve: ((ctx: NodeContext, admin: AdminCredentials, key: string) => Promise<'approved' | 'not-here'>) | null;
  approveHandoff: (ctx: NodeContext, key: string) => Handoff;
  /** Creates a consumer on this node (provisional until approved); returns its key. Null: hand-off. */
  register: ((ctx: NodeContext, input: NewConsumer, endpoints: OAuthEndpoints) => Promise<string>) | null;
  registerHandoff: (ctx: NodeContext, input: NewConsumer) => Handoff;
  /** Removes a consumer from the repository through this node. Null: not possible by API. */
  remove: ((ctx: NodeContext, admin: AdminCredentials, key: string) => Promise<'removed' | 'not-found'>) | null;
  /**
   * Reloads this node's consumer registry from the repository ("log in to the node"). Null where
   * the product cannot (Lyo: restart needed); {@link refreshUnsupported} then says why. `onReloaded`
   * is called as soon as the node has answered that its registry is reloaded, before any clean-up
   * request, so a caller can start verifying that node while the clean-up runs.
   */
  refresh: ((ctx: NodeContext, admin: AdminCredentials, onReloaded?: () => void) => Promise<void>) | null;
  refreshUnsupported: string | null;
  /**
   * Whether a request-token call refuses a provisional key. Where it does not (Lyo [I]), a 200 tells
   * only that the key exists on the node; the consumer list decides approved vs provisional.
   */
  requestTokenRefusesProvisional: boolean;
}

export interface NewConsumer {
  name: string;
  key: string | null;
  secret: string;
  trusted: boolean;
}
