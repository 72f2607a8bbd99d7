/** node:tls, loaded on first use (issue 27): a cluster of http:// nodes never needs it, and loading it cost a fresh CLI process ~4 ms. */
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

let loaded: typeof Tls | undefined;

export function tlsModule(): typeof Tls {
  loaded ??= createRequire(import.meta.url)('node:tls') as typeof Tls;
  return loaded;
}
