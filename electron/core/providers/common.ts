/** What several product adapters share: rootservices-style discovery and asking a node for a new consumer key. */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { expectData } from '../http/client.ts';
import { joinUrl, mapEndpoints, readOAuthEndpoints } from './discovery.ts';
import type { Discovery, NewConsumer, NodeContext } from './types.ts';

/** Discovery through a rootservices-style document at `path` below the node's URL. */
export async function discoverFrom(ctx: NodeContext, path: string): Promise<Discovery> {
  const url = joinUrl(ctx.node.url, path);
  const response = await ctx.http.request({
    node: ctx.node.id,
    method: 'GET',
    url,
    headers: { accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1', 'oslc-core-version': '2.0' },
  });
  expectData(response, ctx.node.id, 'xml');
  const advertised = { ...readOAuthEndpoints(response.body, url, ctx.node.id), source: 'discovery' as const };
  return { endpoints: mapEndpoints(advertised, ctx.cluster.balancerUrl, ctx.node.url), response };
}

/**
 * Asks a node for a new consumer key ([D] Lyo `POST /oauth/requestKey`, Jazz
 * `oauthRequestConsumerKeyUrl`, JSON `{name, secret, trusted}` → `{key}`). A chosen key is sent as
 * `key`; the sandbox honours it, like ClearQuest's Register Consumer form. Lyo ignores it ([D]
 * OAuthService.provisionalKey always makes a UUID); [G] Jazz does too.
 */
export async function requestConsumerKey(ctx: NodeContext, url: string, input: NewConsumer): Promise<string> {
  const res = await ctx.http.request({
    node: ctx.node.id,
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      name: input.name,
      secret: input.secret,
      trusted: input.trusted,
      secretType: 'string',
      ...(input.key ? { key: input.key } : {}),
    }),
  });
  if (res.status === 409)
    throw new AppError(ErrorCode.KEY_NOT_UNIQUE, `${ctx.node.id}: consumer key "${input.key}" exists already`, {
      node: ctx.node.id,
      details: { field: 'key' },
    });
  expectData(res, ctx.node.id, 'json', [200, 201]);
  let key: unknown;
  try {
    key = (JSON.parse(res.body) as { key?: unknown }).key;
  } catch {
    key = undefined;
  }
  if (typeof key !== 'string' || !key)
    throw new AppError(ErrorCode.UNEXPECTED_RESPONSE, `${ctx.node.id}: the request-key answer carries no key`, {
      node: ctx.node.id,
    });
  if (input.key && key !== input.key) {
    throw new AppError(
      ErrorCode.NOT_SUPPORTED,
      `${ctx.node.id} chose its own key (${key}) instead of "${input.key}": this provider cannot register a given key by API; register it by hand`,
      { node: ctx.node.id },
    );
  }
  return key;
}
