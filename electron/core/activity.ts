/**
 * What the engine does, told on two diagnostics channels (node:diagnostics_channel) for whoever
 * listens: each request to a node with its answer, and each call to the OS keychain. The CLI's
 * `--verbose` subscribes and says them on stderr; nothing else does, and a channel without
 * subscribers costs one check per request. No event carries a secret, a query string or a body.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** One request to a node (or the balancer), published when it has its answer or its error. */
export interface RequestActivity {
  node: string;
  method: string;
  /** The URL without its query string (OAuth parameters stay out). */
  url: string;
  status?: number;
  /** The error's code when there was no HTTP answer (NODE_TIMEOUT, NODE_UNREACHABLE…). */
  error?: string;
  ms: number;
}

/** One call to the OS keychain: the account named, never the secret. */
export interface KeychainActivity {
  op: 'read' | 'store' | 'delete';
  account: string;
  /** read: found or not; store/delete: done; or the error's code. */
  outcome: 'found' | 'not stored' | 'done' | string;
  ms: number;
}

export const requestActivity = diagnosticsChannel.channel('oslc-admin:request');
export const keychainActivity = diagnosticsChannel.channel('oslc-admin:keychain');
