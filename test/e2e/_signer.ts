/**
 * An OAuth 1.0a consumer independent of the engine (the `oauth-1.0a` package, HMAC-SHA1): what the
 * e2e specs use to show that a node really accepts a key after the console's work.
 */
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';

/** Each product's request-token path below a node's origin ([D]: PROVIDERS.md; README provider table). */
export const REQUEST_TOKEN_PATH = {
  sandbox: '/oauth/requestToken',
  clearquest: '/cqweb/oauth-request-token/cqschema',
  jazz: '/jts/oauth-request-token',
  lyo: '/oauth/requestToken',
} as const;

/** The HTTP status of a signed request-token call to `url` with `key` and `secret`. */
export async function requestTokenStatus(url: string, key: string, secret: string, callback = 'oob'): Promise<number> {
  const oauth = new OAuth({
    consumer: { key, secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, k) => createHmac('sha1', k).update(base).digest('base64'),
  });
  const data = { oauth_callback: callback };
  const header = oauth.toHeader(oauth.authorize({ url, method: 'POST', data })).Authorization;
  return (await fetch(url, { method: 'POST', headers: { authorization: header } })).status;
}
