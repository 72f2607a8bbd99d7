/**
 * Discovery documents and mapping advertised URLs onto one node. A node behind a balancer advertises
 * the balancer's origin (that is what its public URL is), so to reach *this* node we keep the path
 * and swap the origin and context root for the node's own.
 */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import type { OAuthEndpoints } from './types.ts';

const PROPS = {
  requestToken: 'oauthRequestTokenUrl',
  authorize: 'oauthUserAuthorizationUrl',
  accessToken: 'oauthAccessTokenUrl',
  requestConsumerKey: 'oauthRequestConsumerKeyUrl',
} as const;

/**
 * Reads one `jfs:<prop>` value from a rootservices-style RDF/XML document, as an `rdf:resource`
 * attribute or as element text. Namespace prefixes vary between products, so any prefix is accepted.
 */
export function readRdfProperty(xml: string, prop: string): string | null {
  const attr = new RegExp(`<(?:[\\w-]+:)?${prop}\\b[^>]*?\\brdf:resource\\s*=\\s*"([^"]+)"`, 'i').exec(xml);
  if (attr) return decodeXml(attr[1] ?? '');
  const text = new RegExp(`<(?:[\\w-]+:)?${prop}\\b[^>]*>\\s*([^<\\s][^<]*?)\\s*</`, 'i').exec(xml);
  return text ? decodeXml(text[1] ?? '') : null;
}

function decodeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Reads the four OAuth URLs; DISCOVERY_FAILED naming the node when the three required ones are absent. */
export function readOAuthEndpoints(xml: string, docUrl: string, node: string): OAuthEndpoints {
  const get = (p: string) => {
    const v = readRdfProperty(xml, p);
    return v ? new URL(v, docUrl).href : null;
  };
  const requestToken = get(PROPS.requestToken);
  const authorize = get(PROPS.authorize);
  const accessToken = get(PROPS.accessToken);
  if (!requestToken || !authorize || !accessToken) {
    throw new AppError(
      ErrorCode.DISCOVERY_FAILED,
      `${node}: the discovery document at ${docUrl} does not advertise the OAuth request-token, authorize and access-token URLs`,
      { node },
    );
  }
  return { requestToken, authorize, accessToken, requestConsumerKey: get(PROPS.requestConsumerKey) };
}

/**
 * Maps an advertised URL onto a node: same path below the context root, the node's origin.
 * `https://lbcq/cqweb/oauth/x` with balancer `https://lbcq/cqweb` and node `https://lbcq_3:12443/cqweb`
 * becomes `https://lbcq_3:12443/cqweb/oauth/x`.
 */
export function mapToNode(advertised: string, balancerUrl: string, nodeUrl: string): string {
  const a = new URL(advertised);
  const b = new URL(balancerUrl);
  const n = new URL(nodeUrl);
  const bPath = b.pathname.replace(/\/+$/, '');
  const nPath = n.pathname.replace(/\/+$/, '');
  let path = a.pathname;
  if (bPath && (path === bPath || path.startsWith(`${bPath}/`))) path = nPath + path.slice(bPath.length);
  return `${n.origin}${path}${a.search}`;
}

export function mapEndpoints(e: OAuthEndpoints, balancerUrl: string, nodeUrl: string): OAuthEndpoints {
  const m = (u: string) => mapToNode(u, balancerUrl, nodeUrl);
  return {
    requestToken: m(e.requestToken),
    authorize: m(e.authorize),
    accessToken: m(e.accessToken),
    requestConsumerKey: e.requestConsumerKey ? m(e.requestConsumerKey) : null,
    ...(e.source ? { source: e.source } : {}),
  };
}

/** Joins a base URL (which may carry a context root) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Reads `oslc:oauthConfiguration` from an OSLC 2.0 catalog ([D] lyo.testsuite
 * ServiceProviderCatalogXmlTests: `oauthRequestTokenURI`, `authorizationURI`, `oauthAccessTokenURI`);
 * null when the document carries none.
 */
export function readOAuthConfiguration(xml: string, docUrl: string): OAuthEndpoints | null {
  const get = (p: string) => {
    const v = readRdfProperty(xml, p);
    return v ? new URL(v, docUrl).href : null;
  };
  const requestToken = get('oauthRequestTokenURI');
  const authorize = get('authorizationURI');
  const accessToken = get('oauthAccessTokenURI');
  if (!requestToken || !authorize || !accessToken) return null;
  return {
    requestToken,
    authorize,
    accessToken,
    requestConsumerKey: get('oauthRequestConsumerKeyUrl'),
    source: 'catalog-oauthConfiguration',
  };
}

/** Like {@link readOAuthEndpoints}, but null instead of an error when the `jfs:oauth*Url` are absent. */
export function tryReadOAuthEndpoints(xml: string, docUrl: string, node: string): OAuthEndpoints | null {
  try {
    return { ...readOAuthEndpoints(xml, docUrl, node), source: 'discovery' };
  } catch {
    return null;
  }
}
