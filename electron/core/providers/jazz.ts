/** The Jazz Team Server adapter. Uncertain facts are marked [G] (../shared/PROVIDERS.md). */
import { AppError, ErrorCode } from '../../../shared/errors.ts';
import { expectData } from '../http/client.ts';
import { joinUrl } from './discovery.ts';
import type { AdminCredentials, NodeContext, OAuthEndpoints, ProviderAdapter } from './types.ts';
import { discoverFrom, requestConsumerKey } from './common.ts';

const JAZZ_OAUTH_ADMIN = 'admin#action=com.ibm.team.repository.admin.configureOAuth';
const JAZZ_APPROVAL_MODULE = '_ajax-modules/com.ibm.team.repository.AuthorizeOAuth';
const JAZZ_AUTH_MSG = 'x-com-ibm-team-repository-web-auth-msg';

/** Cookies of one short exchange, as a `Cookie` header. */
function cookieHeader(jar: Map<string, string>, res: { setCookies: string[] }): string {
  for (const c of res.setCookies) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
    if (m) jar.set(m[1]!, m[2]!);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * Jazz form login on one node ([D] dixudx/rtcclient client.py, IBM/ELM-Python-Client httpops.py):
 * `GET {ctx}/authenticated/identity` → `authrequired` + `JazzFormAuth=Form`; `POST {ctx}/j_security_check`
 * → `LtpaToken2`/`JAZZ_AUTH_TOKEN`, or `authfailed` in the header or a redirect to `/auth/authfailed`.
 * A server behind the Jazz Authorization Server answers `X-JSA-AUTHORIZATION-REDIRECT` instead: said, not followed.
 */
async function jazzFormLogin(ctx: NodeContext, admin: AdminCredentials, onReloaded?: () => void): Promise<void> {
  const jar = new Map<string, string>();
  const identityUrl = joinUrl(ctx.node.url, 'authenticated/identity');
  let res = await ctx.http.request({ node: ctx.node.id, method: 'GET', url: identityUrl });
  let cookie = cookieHeader(jar, res);
  if (res.headers['x-jsa-authorization-redirect']) {
    throw new AppError(
      ErrorCode.NOT_SUPPORTED,
      `${ctx.node.id} sits behind the Jazz Authorization Server (X-JSA-AUTHORIZATION-REDIRECT): log in to this node in a browser instead`,
      { node: ctx.node.id },
    );
  }
  // Follow the redirects to the login challenge (a few hops at most, on this node only).
  for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400 && res.headers.location; hops++) {
    const next = new URL(res.headers.location, identityUrl);
    if (next.origin !== new URL(ctx.node.url).origin) break;
    res = await ctx.http.request({ node: ctx.node.id, method: 'GET', url: next.href, headers: { cookie } });
    cookie = cookieHeader(jar, res);
  }
  const login = await ctx.http.request({
    node: ctx.node.id,
    method: 'POST',
    url: joinUrl(ctx.node.url, 'j_security_check'),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: `j_username=${encodeURIComponent(admin.user)}&j_password=${encodeURIComponent(admin.password)}`,
  });
  const failed =
    /authfailed/i.test(login.headers.location ?? '') || /authfailed/i.test(login.headers[JAZZ_AUTH_MSG] ?? '');
  if (failed || login.status === 401 || login.status === 403)
    throw new AppError(ErrorCode.AUTH_FAILED, `${ctx.node.id}: the form login as "${admin.user}" failed (authfailed)`, {
      node: ctx.node.id,
      details: { status: login.status },
    });
  if (login.status >= 400) expectData(login, ctx.node.id, 'text', [200, 302]);
  // Success sets the session token ([D] rtcclient, ELM-Python-Client); a 200 login page, or the
  // challenge (`authrequired`) again after the POST, means the login did not take: not a refresh.
  const token = login.setCookies.some((c) => /^\s*(?:LtpaToken2|JAZZ_AUTH_TOKEN)=[^;\s]/.test(c));
  if (!token) {
    const said = login.headers[JAZZ_AUTH_MSG] ?? '';
    const why = /authrequired/i.test(said)
      ? `the challenge again (${JAZZ_AUTH_MSG}: authrequired)`
      : `${login.status} without a session token (LtpaToken2 / JAZZ_AUTH_TOKEN)`;
    throw new AppError(
      ErrorCode.LOGIN_PAGE,
      `${ctx.node.id} answered the form login as "${admin.user}" with ${why}: it answered with a login page, so the node was not refreshed (a proxy or single sign-on in front of the node, or the wrong URL)`,
      {
        node: ctx.node.id,
        details: { status: login.status, signal: said ? `header ${JAZZ_AUTH_MSG}: ${said}` : 'no session token' },
      },
    );
  }
  onReloaded?.();
}

/**
 * Jazz Team Server: `GET {node}/rootservices` needs no login ([D]); no list API: keys are probed;
 * approval on the Consumers (Inbound) page is a hand-off ([D] URL; [G] whether it takes a key).
 */
export const jazz: ProviderAdapter = {
  kind: 'jazz',
  discover: (ctx) => discoverFrom(ctx, 'rootservices'),
  listKeys: null,
  prepareListing: null,
  approve: null,
  // [D] the approval link is `{oauthApprovalModuleUrl}?key=<key>` (Lyo RootServicesHelper.java); the
  // module's path is the typical rootservices value (IBM ELM-Python-Client capture).
  approveHandoff: (ctx, key) => {
    const module = joinUrl(ctx.node.url, JAZZ_APPROVAL_MODULE);
    const link = key ? `${module}?key=${encodeURIComponent(key)}` : module;
    return {
      action: 'approve',
      node: ctx.node.id,
      adminUrl: link,
      steps: [
        `Open ${link} on this node itself (not the balancer) and log in as a JazzAdmin.`,
        `Approve the provisional key ${key} (Consumers (Inbound) → Provisional Keys).`,
        'Come back here and re-probe; then run sync so every node loads it.',
      ],
      source: 'Jazz Team Server: oauthApprovalModuleUrl?key= (Eclipse Lyo RootServicesHelper); Consumers (Inbound)',
    };
  },
  register: (ctx, input, endpoints: OAuthEndpoints) => {
    if (!endpoints.requestConsumerKey)
      throw new AppError(
        ErrorCode.NOT_SUPPORTED,
        `${ctx.node.id}: rootservices advertises no oauthRequestConsumerKeyUrl`,
        { node: ctx.node.id },
      );
    return requestConsumerKey(ctx, endpoints.requestConsumerKey, input);
  },
  registerHandoff: (ctx, input) => ({
    action: 'register',
    node: ctx.node.id,
    adminUrl: joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN),
    steps: [`Open ${joinUrl(ctx.node.url, JAZZ_OAUTH_ADMIN)}, click Register Consumer, and enter the fields below.`],
    fields: { name: input.name, key: input.key, trusted: input.trusted },
    source: 'Jazz Team Server admin, Consumers (Inbound)',
  }),
  remove: null,
  // [G] Jazz has no documented per-node registry refresh; a form login to each node is what admins do
  // by hand ("log in to each node"), so we log in the documented way ([D] rtcclient, ELM-Python-Client):
  // GET authenticated/identity (JazzFormAuth cookie, `authrequired`), then POST j_security_check.
  refresh: (ctx, admin, onReloaded) => jazzFormLogin(ctx, admin, onReloaded),
  refreshUnsupported: null,
  requestTokenRefusesProvisional: true, // [G]
};
