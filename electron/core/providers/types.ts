/** What a provider kind can do, as small capability adapters (../shared/DESIGN.md, "Capabilities"). */
import type { ClusterDefinition, ClusterKind, NodeDefinition } from '../../../shared/model.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';

export interface OAuthEndpoints {
  requestToken: string;
  authorize: string;
  accessToken: string;
  /** Where a consumer asks for a provisional key (Jazz/Lyo `requestKey`); null when not advertised. */
  requestConsumerKey: string | null;
}

export interface AdminCredentials {
  user: string;
  password: string;
}

/** One key as a node's list API shows it. Never a secret. */
export interface ListedConsumer {
  key: string;
  name: string;
  provisional: boolean;
  trusted: boolean;
}

export interface NodeContext {
  cluster: ClusterDefinition;
  node: NodeDefinition;
  http: HttpClient;
}

export interface Discovery {
  endpoints: OAuthEndpoints;
  /** The discovery answer: it shows the node is up and carries `Date` and TLS facts. */
  response: HttpResponse;
}

export interface ProviderAdapter {
  kind: ClusterKind;
  /** Reads the OAuth endpoints from the node itself, mapped onto that node's origin. */
  discover(ctx: NodeContext): Promise<Discovery>;
  /** This node's own keys, where the product has a list API; null where it has none. */
  listKeys: ((ctx: NodeContext, admin: AdminCredentials) => Promise<ListedConsumer[]>) | null;
  /** Whether listKeys needs stored admin credentials (true wherever listKeys exists). */
}
