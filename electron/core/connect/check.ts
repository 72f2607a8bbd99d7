/**
 * The connection test (`oslc-admin cluster check NAME`, the Add cluster form's "Test connection"):
 * for every node and the balancer — reachable, the TLS chain (issuer, expiry, which trust source),
 * the same product and version as the others, the discovery document where the kind expects it, the
 * admin login accepted, clock skew. Every failure names its fix, in words and, where the console can
 * apply it, as a {@link ConnectFix}: a wrong context root ("did you mean …/cqweb?"), http that
 * redirects to https, a login page or single sign-on in front, another product, an untrusted chain,
 * an expired certificate, a clock off, a wrong password. Read-only but for the admin login, which is
 * the product's own ("log in to the node"; on ClearQuest that is refreshRepoConfig, as `login` does).
 */
import { AppError, ErrorCode, isAppError, toErrorInfo } from '../../../shared/errors.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import type { CheckItem, ClusterCheck, NodeCheck } from '../../../shared/contract-connect.ts';
import type { ClusterDefinition, ClusterKind, NodeDefinition, TlsInfo } from '../../../shared/model.ts';
import { trustSourceWords } from '../../../shared/model.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { clockSkewSeconds } from '../probe.ts';
import { adapterFor } from '../providers/index.ts';
import type { AdminCredentials, NodeContext } from '../providers/types.ts';
import { mapPool } from '../pool.ts';

/** OAuth 1.0a providers refuse timestamps more than this far off (the sandbox and ClearQuest: ±300 s). */
export const SKEW_FAIL_SECONDS = 300;
export const SKEW_WARN_SECONDS = 60;
/** A certificate that ends within this many days is a warning. */
const EXPIRY_WARN_DAYS = 14;

const PRODUCT_WORDS: Record<ClusterKind, string> = {
  clearquest: 'ClearQuest Web',
  jazz: 'Jazz Team Server',
  lyo: 'Eclipse Lyo',
  sandbox: 'the sandbox',
};

/** The context root each kind expects, for "did you mean …?". */
const EXPECTED_ROOT: Record<ClusterKind, string> = { clearquest: '/cqweb', jazz: '/jts', lyo: '', sandbox: '' };

/** Where the kind's discovery document lives below a node's URL, and how to know it when seen. */
function discoveryPath(def: Pick<ClusterDefinition, 'kind' | 'repo'>): string {
  switch (def.kind) {
    case 'clearquest':
      return `oslc/repo/${encodeURIComponent(def.repo ?? '')}/discovery`;
    case 'lyo':
      return 'oauth/admin';
    default:
      return 'rootservices';
  }
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function looksLike(kind: ClusterKind, res: HttpResponse): boolean {
  if (res.status !== 200) return false;
  switch (kind) {
    case 'clearquest':
      return /ServiceProviderCatalog/.test(res.body);
    case 'lyo':
      return true;
    default:
      return /jfs\/1\.0|oauthRequestTokenUrl/.test(res.body);
  }
}

/** What a node says it is and which version: its `Server` header, where it sends one. */
function productOf(res: HttpResponse): string | null {
  const server = res.headers['server'];
  return server ? server.slice(0, 120) : null;
}

/** Which other product answers at this origin, tried where each one lives, for "this node is Jazz". */
async function otherProduct(
  http: HttpClient,
  node: string,
  origin: string,
  kind: ClusterKind,
): Promise<ClusterKind | null> {
  const tries: [ClusterKind, string][] = [
    ['clearquest', `${origin}/cqweb/oslc/`],
    ['jazz', `${origin}/jts/rootservices`],
    ['lyo', `${origin}/oauth/admin`],
    ['sandbox', `${origin}/rootservices`],
  ];
  for (const [k, url] of tries) {
    if (k === kind) continue;
    try {
      const res = await http.request({ node, method: 'GET', url, timeoutMs: 8000 });
      const ok =
        k === 'clearquest'
          ? res.status === 200 && /ServiceProviderCatalog|repositories/.test(res.body)
          : k === 'lyo'
            ? res.status === 200 && !/jfs\/1\.0/.test(res.body)
            : looksLike('jazz', res);
      if (ok) return k;
    } catch {
      // not that one
    }
  }
  return null;
}

function daysLeft(validTo: string): number {
  return Math.floor((Date.parse(validTo) - Date.now()) / 86_400_000);
}

function tlsItem(tls: TlsInfo): CheckItem {
  const source = trustSourceWords(tls) ?? 'trusted';
  const left = daysLeft(tls.validTo);
  const base = `issued by ${tls.issuer}, valid until ${tls.validTo.slice(0, 10)}; ${source}`;
  if (left < EXPIRY_WARN_DAYS) {
    return {
      check: 'tls',
      verdict: 'warn',
      text: `${base}: it expires in ${left} days`,
      fix: 'Renew the certificate on this node before it expires.',
    };
  }
  return { check: 'tls', verdict: 'pass', text: base };
}

/** A refused certificate: expired, another host's, or a chain no trust source vouches for. */
function untrustedItems(node: string, e: ErrorInfo): CheckItem[] {
  const d = (e.details ?? {}) as Record<string, string | null>;
  const fp = d['fingerprint256'] ?? '';
  const issuer = d['issuer'] ?? 'an unknown issuer';
  const reachable: CheckItem = { check: 'reachable', verdict: 'pass', text: 'answers (TLS handshake completed)' };
  if (d['verifyError'] === 'CERT_HAS_EXPIRED' || (d['validTo'] && Date.parse(d['validTo']) < Date.now())) {
    return [
      reachable,
      {
        check: 'tls',
        verdict: 'fail',
        text: `the certificate (issued by ${issuer}) expired on ${(d['validTo'] ?? '?').slice(0, 10)}`,
        fix: `Renew ${node}'s certificate. Pinning SHA-256 ${fp} would trust it as it is, expired; renewing is the fix.`,
      },
    ];
  }
  if (d['reason'] === 'hostname-mismatch') {
    return [
      reachable,
      {
        check: 'tls',
        verdict: 'fail',
        text: `the certificate is not valid for ${d['hostname'] ?? 'this host'} (${d['subject'] ?? ''})`,
        fix: 'Use the host name the certificate names in the node URL, or pin this certificate if it is the right one.',
        ...(fp ? { apply: { kind: 'trust' as const, node, fingerprint256: fp } } : {}),
      },
    ];
  }
  return [
    reachable,
    {
      check: 'tls',
      verdict: 'fail',
      text: `the chain (issued by ${issuer}) is trusted by none of the OS trust store, the cluster's CA bundle or a pin`,
      fix: `Add the issuing CA's PEM to the cluster (--ca FILE), install it in the OS trust store, or pin SHA-256 ${fp} after checking it.`,
      ...(fp ? { apply: { kind: 'trust' as const, node, fingerprint256: fp } } : {}),
    },
  ];
}

/** Single sign-on in front, by the signs each product leaves. */
function ssoWords(res: HttpResponse, kind: ClusterKind): { text: string; fix: string } | null {
  const location = res.headers['location'] ?? '';
  const jas =
    res.headers['x-jsa-authorization-redirect'] !== undefined || /\/oidc\/endpoint\/|\/jazzop\//i.test(location);
  if (jas) {
    return {
      text: 'the Jazz Authorization Server (OIDC) answers in front of the node',
      fix: "Friendships on a server behind the Jazz Authorization Server need no provisional-key approval. This tool can still check reachability, TLS, discovery and clocks there; its form login cannot log in through OIDC, so keys are approved in the server's own admin pages.",
    };
  }
  if (res.status >= 300 && res.status < 400 && /login|signin|sso|saml|oauth2\/authorize|auth\//i.test(location)) {
    return {
      text: `it redirects to a login page (${location.split('?')[0]})`,
      fix: "A proxy or single sign-on sits in front of this URL: use the node's own address behind it, or ask for an exception for the admin tool.",
    };
  }
  // Lyo's discovery is its own admin page, which is a login form: that one is the product.
  if (
    kind !== 'lyo' &&
    res.status === 200 &&
    /<input[^>]+type=["']?password/i.test(res.body) &&
    /<html/i.test(res.body)
  ) {
    return {
      text: 'it answers with an HTML login page instead of the product',
      fix: "A proxy or single sign-on sits in front of this URL, or the URL is not the product's: use the node's own address.",
    };
  }
  return null;
}

interface CheckDeps {
  http: HttpClient;
  admin: AdminCredentials | null;
}

/** The context roots worth trying when discovery is not found: one level up and down, and the kind's own. */
function rootCandidates(nodeUrl: string, kind: ClusterKind): string[] {
  const u = new URL(nodeUrl);
  const path = u.pathname.replace(/\/+$/, '');
  const out = new Set<string>();
  const expected = EXPECTED_ROOT[kind];
  if (expected && path !== expected) out.add(`${u.origin}${path}${expected}`);
  if (expected && path !== expected) out.add(`${u.origin}${expected}`);
  if (path) out.add(`${u.origin}${path.slice(0, path.lastIndexOf('/'))}`);
  return [...out].filter((c) => c !== nodeUrl.replace(/\/+$/, ''));
}

async function checkOne(
  def: ClusterDefinition,
  node: NodeDefinition,
  deps: CheckDeps,
  isBalancer: boolean,
): Promise<NodeCheck> {
  const items: CheckItem[] = [];
  const result: NodeCheck = { node: node.id, url: node.url, items, tls: null, product: null };
  const url = join(node.url, discoveryPath(def));
  const sentAt = Date.now();
  let res: HttpResponse;
  try {
    res = await deps.http.request({
      node: node.id,
      method: 'GET',
      url,
      headers: { accept: 'application/rdf+xml, application/xml;q=0.9, */*;q=0.1', 'oslc-core-version': '2.0' },
    });
  } catch (e) {
    items.push(...unreachableItems(node.id, toErrorInfo(e)));
    return result;
  }
  items.push({ check: 'reachable', verdict: 'pass', text: `answers (${res.latencyMs} ms)` });
  result.tls = res.tls;
  if (res.tls) items.push(tlsItem(res.tls));
  else if (node.url.startsWith('http:')) items.push({ check: 'tls', verdict: 'skip', text: 'no TLS (http)' });
  const clock = clockItem(res, sentAt);
  if (clock) items.push(clock);

  const wrongDoor = schemeRedirectItem(node, url, res) ?? ssoItem(res, def.kind);
  if (wrongDoor) {
    items.push(wrongDoor);
    return result;
  }
  if (!looksLike(def.kind, res)) {
    items.push(await notHereItem(def, node, deps, url, res, isBalancer));
    return result;
  }
  result.product = productOf(res);
  items.push({ check: 'discovery', verdict: 'pass', text: `${PRODUCT_WORDS[def.kind]} answers at ${url}` });
  if (!isBalancer) items.push(await loginItem(def, node, deps));
  return result;
}

/** The discovery request failed: an untrusted certificate, or a node that cannot be reached. */
function unreachableItems(node: string, error: ErrorInfo): CheckItem[] {
  if (error.code === ErrorCode.TLS_UNTRUSTED) return untrustedItems(node, error);
  return [
    {
      check: 'reachable',
      verdict: 'fail',
      text: `${error.code}: ${error.message}`,
      fix:
        error.code === ErrorCode.NODE_TIMEOUT
          ? 'The node accepts connections but does not answer in time: check the node and any proxy in between.'
          : 'Check the host name and port, that the node runs, and the firewall or proxy between (HTTPS_PROXY / NO_PROXY, or the system proxy on the desktop).',
    },
  ];
}

/** The node's clock against this machine's, from the answer's Date header. */
function clockItem(res: HttpResponse, sentAt: number): CheckItem | null {
  const skew = clockSkewSeconds(res, sentAt);
  if (skew === null) return null;
  const off = Math.abs(skew);
  const words = `its clock is ${off} s ${skew > 0 ? 'ahead of' : 'behind'} this machine's`;
  if (off > SKEW_FAIL_SECONDS)
    return {
      check: 'clock',
      verdict: 'fail',
      text: words,
      fix: `Set the clocks right (NTP): OAuth refuses timestamps more than ${SKEW_FAIL_SECONDS} s off (timestamp_refused).`,
    };
  if (off > SKEW_WARN_SECONDS)
    return {
      check: 'clock',
      verdict: 'warn',
      text: words,
      fix: 'Set the clocks right (NTP) before the difference reaches 300 s.',
    };
  return { check: 'clock', verdict: 'pass', text: off === 0 ? "its clock agrees with this machine's" : words };
}

/** An http:// URL that sends us to https://: the fix is the scheme. */
function schemeRedirectItem(node: NodeDefinition, url: string, res: HttpResponse): CheckItem | null {
  const location = res.headers['location'];
  if (res.status < 300 || res.status >= 400 || !location) return null;
  const target = new URL(location, url);
  const here = new URL(url);
  if (here.protocol !== 'http:' || target.protocol !== 'https:' || target.hostname !== here.hostname) return null;
  const fixed = `https://${target.host}${new URL(node.url).pathname.replace(/\/+$/, '')}`;
  return {
    check: 'discovery',
    verdict: 'fail',
    text: `http:// is redirected to https:// (${res.status} to ${target.origin})`,
    fix: `Use ${fixed}: the node serves HTTPS.`,
    apply: { kind: 'scheme', node: node.id, url: fixed },
  };
}

function ssoItem(res: HttpResponse, kind: ClusterKind): CheckItem | null {
  const sso = ssoWords(res, kind);
  return sso ? { check: 'discovery', verdict: 'fail', text: sso.text, fix: sso.fix } : null;
}

/** Discovery is not at the URL: one level up or down, or another product altogether. */
async function notHereItem(
  def: ClusterDefinition,
  node: NodeDefinition,
  deps: CheckDeps,
  url: string,
  res: HttpResponse,
  isBalancer: boolean,
): Promise<CheckItem> {
  for (const candidate of rootCandidates(node.url, def.kind)) {
    try {
      const again = await deps.http.request({
        node: node.id,
        method: 'GET',
        url: join(candidate, discoveryPath(def)),
        timeoutMs: 8000,
      });
      if (looksLike(def.kind, again)) {
        const root = new URL(candidate).pathname || '/';
        return {
          check: 'discovery',
          verdict: 'fail',
          text: `${url} answered ${res.status}; ${PRODUCT_WORDS[def.kind]} answers at ${candidate}`,
          fix: `Did you mean ${candidate}? The context root is ${root}.`,
          apply: { kind: 'context-root', node: node.id, url: candidate },
        };
      }
    } catch {
      // try the next
    }
  }
  const other = await otherProduct(deps.http, node.id, new URL(node.url).origin, def.kind);
  return other
    ? {
        check: 'product',
        verdict: 'fail',
        text: `this is ${PRODUCT_WORDS[other]}, not ${PRODUCT_WORDS[def.kind]}`,
        fix: isBalancer
          ? `Check the balancer URL: it reaches ${PRODUCT_WORDS[other]}.`
          : `Remove this node or correct its URL: every node of a ${def.kind} cluster must be ${PRODUCT_WORDS[def.kind]}.`,
      }
    : {
        check: 'discovery',
        verdict: 'fail',
        text: `${url} answered ${res.status} ${res.statusText ?? ''}`.trim(),
        fix: `Check the URL: ${PRODUCT_WORDS[def.kind]}'s discovery is expected at ${discoveryPath(def)} below it${def.kind === 'clearquest' ? ` (repository ${def.repo})` : ''}.`,
      };
}

async function loginItem(def: ClusterDefinition, node: NodeDefinition, deps: CheckDeps): Promise<CheckItem> {
  if (!deps.admin)
    return {
      check: 'login',
      verdict: 'skip',
      text: 'no admin login given or stored: not tested',
      fix: 'Give the admin user and password to test the login.',
    };
  const adapter = adapterFor(def.kind);
  const ctx: NodeContext = { cluster: def, node, http: deps.http };
  const admin = deps.admin;
  const attempt = adapter.listKeys
    ? () => adapter.listKeys!(ctx, admin).then(() => undefined)
    : adapter.refresh
      ? () => adapter.refresh!(ctx, admin, () => undefined)
      : null;
  if (!attempt)
    return {
      check: 'login',
      verdict: 'skip',
      text: `${PRODUCT_WORDS[def.kind]} offers this tool no admin login to test`,
    };
  try {
    await attempt();
    return { check: 'login', verdict: 'pass', text: `the admin login as "${admin.user}" is accepted` };
  } catch (e) {
    const error = isAppError(e) ? e.toJSON() : toErrorInfo(e);
    if (error.code === ErrorCode.AUTH_FAILED)
      return {
        check: 'login',
        verdict: 'fail',
        text: `the login as "${admin.user}" is refused (wrong user or password)`,
        fix: 'Check the admin user and password, and that the user is an administrator.',
      };
    if (error.code === ErrorCode.LOGIN_PAGE)
      return {
        check: 'login',
        verdict: 'fail',
        text: `the login as "${admin.user}" ended on a login page`,
        fix: 'Check the user and password; a single sign-on in front of the node also does this.',
      };
    return {
      check: 'login',
      verdict: 'fail',
      text: `${error.code}: ${error.message}`,
      fix: 'See the error; run the test again once the node answers.',
    };
  }
}

/** Tests the balancer and every node; `onNode` reports each as it finishes. */
export async function checkConnection(
  def: ClusterDefinition,
  deps: CheckDeps,
  onNode: (n: NodeCheck) => void = () => undefined,
  signal?: AbortSignal,
): Promise<ClusterCheck> {
  const balancer: NodeDefinition = { id: 'balancer', label: 'balancer', url: def.balancerUrl };
  const targets = [balancer, ...def.nodes];
  const nodes = await mapPool(targets, 8, async (n) => {
    if (signal?.aborted) throw new AppError(ErrorCode.INTERRUPTED, 'The connection test was stopped.');
    const r = await checkOne(def, n, deps, n === balancer);
    onNode(r);
    return r;
  });
  // Same product and version everywhere: the nodes that say what they are must say the same.
  const said = nodes.filter((n) => n.product !== null && n.node !== 'balancer');
  const counts = new Map<string, number>();
  for (const n of said) counts.set(n.product!, (counts.get(n.product!) ?? 0) + 1);
  if (counts.size > 1) {
    const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    for (const n of said) {
      n.items.push(
        n.product === usual
          ? { check: 'product', verdict: 'pass', text: `says "${n.product}", as most nodes do` }
          : {
              check: 'product',
              verdict: 'fail',
              text: `says "${n.product}" where the other nodes say "${usual}"`,
              fix: 'Bring every node to the same product version: a balancer spreading requests over different versions fails unpredictably.',
            },
      );
    }
  } else if (said.length > 0) {
    for (const n of said)
      n.items.push({
        check: 'product',
        verdict: 'pass',
        text: `says "${n.product}"${said.length > 1 ? ', as every node does' : ''}`,
      });
  }
  const failures = nodes.flatMap((n) =>
    n.items.filter((i) => i.verdict === 'fail').map((i) => `${n.node}: ${i.check} — ${i.text}`),
  );
  return { cluster: def.name, ok: failures.length === 0, nodes, failures };
}

/** Keeps an ErrorInfo's message short in a line. */
export function oneLine(e: ErrorInfo): string {
  return `${e.code}: ${e.message}`;
}
