/**
 * The documents a node serves: rootservices and ClearQuest discovery (RDF/XML), the OSLC catalog,
 * and the HTML pages a person sees (authorize, Lyo admin). Forms, inputs and buttons carry stable
 * `name` and `data-testid` attributes for the end-to-end tests and for scripted clients.
 */
import { escapeHtml, escapeXml } from './http-util.ts';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const DC = 'http://purl.org/dc/terms/';
const JFS = 'http://jazz.net/xmlns/prod/jazz/jfs/1.0/';
const OSLC = 'http://open-services.net/ns/core#';
const OSLC_CM = 'http://open-services.net/xmlns/cm/1.0/';

export interface OAuthUrls {
  requestToken: string;
  authorize: string;
  accessToken: string;
  requestKey: string;
  admin: string;
  catalog: string;
}

/** The OAuth URLs under the balancer's origin, as a node behind a balancer advertises them. */
export function oauthUrls(publicOrigin: string): OAuthUrls {
  return {
    requestToken: `${publicOrigin}/oauth/requestToken`,
    authorize: `${publicOrigin}/oauth/authorize`,
    accessToken: `${publicOrigin}/oauth/accessToken`,
    requestKey: `${publicOrigin}/oauth/requestKey`,
    admin: `${publicOrigin}/oauth/admin`,
    catalog: `${publicOrigin}/oslc/catalog`,
  };
}

function oauthProperties(urls: OAuthUrls, realm: string): string {
  const res = (name: string, url: string) => `  <jfs:${name} rdf:resource="${escapeXml(url)}"/>`;
  return [
    `  <jfs:oauthRealmName>${escapeXml(realm)}</jfs:oauthRealmName>`,
    res('oauthRequestTokenUrl', urls.requestToken),
    res('oauthUserAuthorizationUrl', urls.authorize),
    res('oauthAccessTokenUrl', urls.accessToken),
    res('oauthRequestConsumerKeyUrl', urls.requestKey),
    res('oauthApprovalModuleUrl', urls.admin),
  ].join('\n');
}

/** Jazz-style rootservices: `jfs:oauth*Url` properties as `rdf:resource` attributes. */
export function rootservicesDocument(publicOrigin: string, realm: string): string {
  const urls = oauthUrls(publicOrigin);
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:Description xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:jfs="${JFS}" xmlns:oslc_cm="${OSLC_CM}"
    rdf:about="${escapeXml(publicOrigin)}/rootservices">
  <dc:title>OSLC Cluster Admin sandbox</dc:title>
  <oslc_cm:cmServiceProviders rdf:resource="${escapeXml(urls.catalog)}"/>
${oauthProperties(urls, realm)}
</rdf:Description>
`;
}

/**
 * ClearQuest's friend URL, `/cqweb/oslc/repo/{repo}/discovery`. The real document's OAuth paths are not
 * public [G]; this one advertises the same properties as rootservices so a client reads them at run time.
 */
export function discoveryDocument(publicOrigin: string, repo: string, realm: string): string {
  const urls = oauthUrls(publicOrigin);
  const about = `${publicOrigin}/cqweb/oslc/repo/${encodeURIComponent(repo)}/discovery`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:jfs="${JFS}" xmlns:oslc="${OSLC}" xmlns:oslc_cm="${OSLC_CM}">
  <oslc:ServiceProviderCatalog rdf:about="${escapeXml(about)}">
    <dc:title>${escapeXml(repo)}</dc:title>
    <oslc_cm:cmServiceProviders rdf:resource="${escapeXml(urls.catalog)}"/>
  ${oauthProperties(urls, realm).replace(/\n/g, '\n  ')}
  </oslc:ServiceProviderCatalog>
</rdf:RDF>
`;
}

/** The protected resource: a one-provider OSLC catalog. */
export function catalogDocument(publicOrigin: string, repo: string, db: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="${RDF}" xmlns:dc="${DC}" xmlns:oslc="${OSLC}">
  <oslc:ServiceProviderCatalog rdf:about="${escapeXml(publicOrigin)}/oslc/catalog">
    <dc:title>OSLC Cluster Admin sandbox catalog</dc:title>
    <oslc:serviceProvider>
      <oslc:ServiceProvider rdf:about="${escapeXml(publicOrigin)}/cqweb/oslc/repo/${escapeXml(repo)}/db/${escapeXml(db)}">
        <dc:title>${escapeXml(repo)} / ${escapeXml(db)}</dc:title>
      </oslc:ServiceProvider>
    </oslc:serviceProvider>
  </oslc:ServiceProviderCatalog>
</rdf:RDF>
`;
}

export function page(title: string, nodeId: string, body: string, testId: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body data-testid="${escapeHtml(testId)}" data-node="${escapeHtml(nodeId)}">
<h1>${escapeHtml(title)}</h1>
<p data-testid="node-id">Served by ${escapeHtml(nodeId)}</p>
${body}
</body>
</html>
`;
}

/**
 * Login + Allow/Deny, posting back to `action` (relative, so it goes where the page came from).
 * The ClearQuest style takes `id`, `password`, `oauth_callback` and `Authorize=Continue`
 * ([D] lyo.testsuite cq-setupv2.properties); its Cancel button is [G].
 */
export function authorizePage(opts: {
  nodeId: string;
  token: string;
  consumerName: string;
  message?: string;
  action?: string;
  style?: 'sandbox' | 'clearquest';
  callback?: string;
}): string {
  const notice = opts.message
    ? `<p role="alert" data-testid="authorize-message">${escapeHtml(opts.message)}</p>\n`
    : '';
  const action = escapeHtml(opts.action ?? '/oauth/authorize');
  const buttons =
    opts.style === 'clearquest'
      ? `  <input type="hidden" name="oauth_callback" value="${escapeHtml(opts.callback ?? '')}">
  <button type="submit" name="Authorize" value="Continue" data-testid="allow">Continue</button>
  <button type="submit" name="Authorize" value="Cancel" data-testid="deny">Cancel</button>`
      : `  <button type="submit" name="decision" value="allow" data-testid="allow">Allow</button>
  <button type="submit" name="decision" value="deny" data-testid="deny">Deny</button>`;
  return page(
    'Authorize access',
    opts.nodeId,
    `${notice}<p data-testid="consumer-name">The application <strong>${escapeHtml(opts.consumerName)}</strong> asks for access to your data.</p>
<form name="authorize" data-testid="authorize-form" method="post" action="${action}">
  <input type="hidden" name="oauth_token" data-testid="oauth-token" value="${escapeHtml(opts.token)}">
  <label>User ID <input name="id" data-testid="login-id" autocomplete="username"></label>
  <label>Password <input type="password" name="password" data-testid="login-password" autocomplete="current-password"></label>
${buttons}
</form>`,
    'authorize-page',
  );
}

/** A token the node cannot authorize; says why in words and in the Problem Reporting vocabulary. */
export function authorizeErrorPage(nodeId: string, problem: 'token_rejected' | 'token_expired', why: string): string {
  return page(
    'Authorization failed',
    nodeId,
    `<p role="alert" data-testid="authorize-error">${escapeHtml(why)}</p>
<p data-testid="oauth-problem">oauth_problem=${problem}</p>`,
    'authorize-error-page',
  );
}

/** Shown for `oob` callbacks (§2.1): the user copies the verifier by hand. */
export function verifierPage(nodeId: string, verifier: string): string {
  return page(
    'Access granted',
    nodeId,
    `<p>Give this verification code to the application:</p>
<p><code data-testid="oauth-verifier">${escapeHtml(verifier)}</code></p>`,
    'verifier-page',
  );
}

/**
 * Eclipse Lyo's OAuth admin page. Its script reads `lyoOAuthConfig.csrfPrevent` and sends it as the
 * `X-CSRF-Prevent` header; scripted clients read the same value from the page.
 */
export function adminPage(nodeId: string, csrfPrevent: string, loggedIn: boolean): string {
  return page(
    'OAuth Consumer Management',
    nodeId,
    `<script>
var lyoOAuthConfig = {};
lyoOAuthConfig.csrfPrevent = ${JSON.stringify(csrfPrevent).replace(/</g, '\\u003c')};
lyoOAuthConfig.loggedIn = ${loggedIn ? 'true' : 'false'};
</script>
<form name="adminLogin" data-testid="admin-login-form" method="post" action="/oauth/adminLogin">
  <label>User ID <input name="id" data-testid="admin-id"></label>
  <label>Password <input type="password" name="password" data-testid="admin-password"></label>
  <button type="submit" data-testid="admin-login">Log in</button>
</form>
<p data-testid="admin-login-result" role="status"></p>
<p>Consumers: <a href="/oauth/consumers" data-testid="consumers-link">/oauth/consumers</a> (JSON, needs an admin session).</p>
<script>
// As in Lyo: the login is posted by script so that it can carry the X-CSRF-Prevent header.
document.forms.adminLogin.addEventListener('submit', function (event) {
  event.preventDefault();
  var form = event.target;
  fetch(form.action, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Prevent': lyoOAuthConfig.csrfPrevent, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(new FormData(form)).toString(),
  }).then(function (response) {
    document.querySelector('[data-testid="admin-login-result"]').textContent =
      response.status === 204 ? 'Logged in as administrator' : 'Login failed (HTTP ' + response.status + ')';
  });
});
</script>`,
    'admin-page',
  );
}
