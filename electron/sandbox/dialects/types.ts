/**
 * A dialect is the surface one product shows: its paths, discovery document, logins, error statuses
 * and texts, and admin surface. Every dialect shares the per-node memory model of the sandbox
 * (node-memory.ts); only what a client sees differs. Facts and their sources: ../shared/PROVIDERS.md,
 * section "Dialects". Every `[G]` below is an assumption, not a recording of the real product.
 */
import type { NodeRequest, Route } from '../node-context.ts';
import type { OAuthRejection } from '../oauth-checks.ts';

export const DIALECT_NAMES = ['sandbox', 'clearquest', 'jazz', 'lyo'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export function isDialectName(value: unknown): value is DialectName {
  return typeof value === 'string' && (DIALECT_NAMES as readonly string[]).includes(value);
}

export interface Dialect {
  name: DialectName;
  routes: Route[];
  /**
   * Whether `requestToken` issues tokens to a provisional consumer. Lyo checks only that the key
   * exists ([I] OAuthRequest.java); the others refuse it.
   */
  acceptsProvisionalAtRequestToken: boolean;
  /** Answers a refused signed request in the product's own words. */
  sendProblem(ctx: NodeRequest, rejection: OAuthRejection): void;
  /** Where a consumer asks for a provisional key, below the balancer's origin (the friend simulation). */
  requestKeyPath(repo: string): string;
}
