/**
 * `cluster add NAME --from URL --node …` and the console's "from one URL": works out the kind, the
 * context root, the ClearQuest repository and database, the balancer and the OAuth URLs from one URL
 * the admin already has (the technote's discovery URL, `…/jts/rootservices`, a Lyo base URL or a
 * node's admin page), and the nodes from hosts, host:ports or URLs. The path says most; where it does
 * not, the server is asked (read-only GETs that need no login). Nothing is saved here: the result is
 * a complete definition that addCluster stores in one write, or a BAD_INPUT naming the field.
 */
import { AppError, ErrorCode, badInput, isAppError } from '../../../shared/errors.ts';
import type { FromUrlInput, FromUrlResult } from '../../../shared/contract-connect.ts';
import type { ClusterKind, NodeDefinition } from '../../../shared/model.ts';
import { clusterFromInput } from '../../../shared/schema.ts';
import type { ClusterInput } from '../../../shared/schema.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { adapterFor } from '../providers/index.ts';
import { checkUrl, splitHostPort } from './url-input.ts';

/** Jazz applications that publish `{ctx}/rootservices`. */
const JAZZ_APPS = new Set(['jts', 'ccm', 'qm', 'rm', 'gc', 'dcc', 'lqe', 'ldx', 'relm', 'am', 'dm', 'vvc']);

interface Classified {
  kind: ClusterKind | null;
  /** The context root the path shows (`/cqweb`), or the path to probe below when the kind is unknown. */
  root: string;
  repo: string | null;
  db: string | null;
  /** Why: "the path has /cqweb". */
  because: string;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** What the URL's path alone says. */
export function classifyPath(pathname: string): Classified {
  const segs = pathname.split('/').filter(Boolean);
  const upTo = (i: number) => (i < 0 ? '' : `/${segs.slice(0, i + 1).join('/')}`);
  const cq = segs.findIndex((s) => s.toLowerCase() === 'cqweb');
  if (cq >= 0) {
    const rest = segs.slice(cq + 1);
    let repo: string | null = null;
    let db: string | null = null;
    const r = rest.indexOf('repo');
    if (rest[0] === 'oslc' && r >= 0 && rest[r + 1]) repo = decode(rest[r + 1]!);
    const d = rest.indexOf('db');
    if (repo && d > r && rest[d + 1]) db = decode(rest[d + 1]!);
    const oauth = rest[0]?.startsWith('oauth-') ? rest[1] : undefined;
    if (!repo && oauth) repo = decode(oauth);
    return { kind: 'clearquest', root: upTo(cq), repo, db, because: `the path has ${upTo(cq)} (ClearQuest Web)` };
  }
  const jazz = segs.findIndex((s) => JAZZ_APPS.has(s.toLowerCase()));
  if (
    jazz >= 0 &&
    (segs[jazz + 1] === 'rootservices' ||
      segs[jazz + 1] === 'admin' ||
      segs.length === jazz + 1 ||
      segs[jazz + 1]?.startsWith('oauth') ||
      segs[jazz + 1] === '_ajax-modules' ||
      segs[jazz + 1] === 'authenticated')
  ) {
    return {
      kind: 'jazz',
      root: upTo(jazz),
      repo: null,
      db: null,
      because: `the path has ${upTo(jazz)} (a Jazz application)`,
    };
  }
  const rs = segs.indexOf('rootservices');
  if (rs >= 0) {
    // rootservices below another root: Jazz (or the mixed sandbox at the origin); the server decides.
    return { kind: null, root: upTo(rs - 1), repo: null, db: null, because: 'the path ends in rootservices' };
  }
  const oauth = segs.indexOf('oauth');
  if (oauth >= 0) {
    return {
      kind: 'lyo',
      root: upTo(oauth - 1),
      repo: null,
      db: null,
      because: `the path has ${upTo(oauth)} (the Lyo OAuth webapp)`,
    };
  }
  return { kind: null, root: upTo(segs.length - 1), repo: null, db: null, because: 'the path names no product' };
}

/** Paths of other products, for refusing a node URL that names the wrong one. */
function productOfPath(pathname: string): ClusterKind | null {
  const c = classifyPath(pathname);
  return c.kind;
}

interface Probe {
  kind: ClusterKind;
  root: string;
  path: string;
  /** The answer shows this product. */
  looks: (res: HttpResponse) => boolean;
}

const isRootservices = (r: HttpResponse) => r.status === 200 && /jfs\/1\.0|oauthRequestTokenUrl/.test(r.body);

function probesBelow(root: string): Probe[] {
  return [
    {
      kind: 'clearquest',
      root: `${root}/cqweb`,
      path: `${root}/cqweb/oslc/`,
      looks: (r) => r.status === 200 && /ServiceProviderCatalog|repositories/.test(r.body),
    },
    { kind: 'jazz', root: `${root}/jts`, path: `${root}/jts/rootservices`, looks: isRootservices },
    { kind: root === '' ? 'sandbox' : 'jazz', root, path: `${root}/rootservices`, looks: isRootservices },
    { kind: 'lyo', root, path: `${root}/oauth/admin`, looks: (r) => r.status === 200 },
    { kind: 'lyo', root: `${root}/services`, path: `${root}/services/oauth/admin`, looks: (r) => r.status === 200 },
  ];
}

async function get(http: HttpClient, url: string, node = 'from'): Promise<HttpResponse> {
  return http.request({
    node,
    method: 'GET',
    url,
    headers: {
      accept: 'application/rdf+xml, application/xml;q=0.9, application/json;q=0.8, */*;q=0.1',
      'oslc-core-version': '2.0',
    },
    timeoutMs: 10_000,
  });
}

/** A server error that is not about the path (down, untrusted, too slow) ends the probing: say it as it is. */
function fatal(e: unknown): boolean {
  return isAppError(e) && e.code !== ErrorCode.UNEXPECTED_STATUS && e.code !== ErrorCode.UNEXPECTED_RESPONSE;
}

/** Asks the server which product answers below `root` when the path alone does not say. */
async function probeKind(
  http: HttpClient,
  origin: string,
  root: string,
  notes: string[],
): Promise<{ kind: ClusterKind; root: string }> {
  const tried: string[] = [];
  for (const p of probesBelow(root)) {
    let res: HttpResponse;
    try {
      res = await get(http, `${origin}${p.path}`);
    } catch (e) {
      if (fatal(e)) throw e;
      tried.push(p.path);
      continue;
    }
    tried.push(`${p.path} (${res.status})`);
    if (p.looks(res)) {
      notes.push(`kind ${p.kind}: ${origin}${p.path} answers as ${p.kind === 'sandbox' ? 'the sandbox' : p.kind}`);
      return { kind: p.kind, root: p.root };
    }
  }
  throw new AppError(
    ErrorCode.BAD_INPUT,
    `from: ${origin}${root || '/'} is not a ClearQuest, Jazz or Lyo address this tool recognises (tried ${tried.join(', ')}). Give the technote's discovery URL (…/cqweb/oslc/repo/<repo>/discovery), a …/jts/rootservices or the Lyo server's base URL`,
    { details: { field: 'from', tried } },
  );
}

/** ClearQuest: the repositories `GET {ctx}/oslc/` lists (the one unprotected resource). */
async function listRepos(http: HttpClient, base: string): Promise<string[]> {
  const res = await get(http, `${base}/oslc/`);
  if (res.status !== 200) return [];
  const found = [...res.body.matchAll(/\/oslc\/repo\/([^/"<\s]+)\/discovery/g)].map((m) => decode(m[1]!));
  return [...new Set(found)];
}

/** ClearQuest: the databases the repository's discovery document names. */
async function listDbs(http: HttpClient, base: string, repo: string): Promise<string[]> {
  const res = await get(http, `${base}/oslc/repo/${encodeURIComponent(repo)}/discovery`);
  if (res.status !== 200) return [];
  const found = [...res.body.matchAll(/\/oslc\/repo\/[^/"<\s]+\/db\/([^/"<\s]+)/g)].map((m) => decode(m[1]!));
  return [...new Set(found)];
}

function pick(
  field: 'repo' | 'db',
  fromUrl: string | null,
  given: string | undefined,
  listed: string[],
  notes: string[],
): string {
  const what = field === 'repo' ? 'repository' : 'database';
  if (fromUrl && given && fromUrl !== given) {
    throw badInput(field, `the URL names the ${what} ${fromUrl} but ${field} says ${given}: give one`);
  }
  if (fromUrl) {
    notes.push(`${what} ${fromUrl}: from the URL`);
    return fromUrl;
  }
  if (given) return given;
  if (listed.length === 1) {
    notes.push(`${what} ${listed[0]}: the only one the server lists`);
    return listed[0]!;
  }
  if (listed.length > 1)
    throw badInput(field, `the server lists the ${what}s ${listed.join(', ')}: choose one (--${field})`);
  throw badInput(field, `the ${what} cannot be worked out from the URL or the server: give it (--${field})`);
}

/**
 * One node as typed, with the balancer's scheme, port and context root unless it says otherwise.
 * A URL whose path is another product's is refused; one that is the node's own discovery URL is cut
 * back to the context root.
 */
export function normaliseNode(
  text: string,
  index: number,
  balancer: URL,
  root: string,
  kind: ClusterKind,
  notes: string[],
): string {
  const field = `nodes[${index}]`;
  /** How the notes name it: the admin's words, not the field's. */
  const label = `node ${index + 1}`;
  const raw = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.startsWith('//')) {
    const { url, notes: urlNotes } = checkUrl(raw.startsWith('//') ? `${balancer.protocol}${raw}` : raw, field);
    notes.push(...urlNotes);
    const path = url.pathname.replace(/\/+$/, '');
    let out: string;
    if (path === '') {
      out = `${url.origin}${root}`;
      if (root) notes.push(`${label}: ${raw} → ${out} (the balancer's context root ${root})`);
    } else if (root && (path === root || path.startsWith(`${root}/`))) {
      out = `${url.origin}${root}`;
      if (path !== root) notes.push(`${label}: ${raw} → ${out} (cut back to the context root)`);
    } else {
      const other = productOfPath(path);
      if (other && other !== kind && !(kind === 'sandbox' && other === 'lyo')) {
        throw badInput(
          field,
          `${raw}: the path ${path} is ${other}'s, but this is a ${kind} cluster${root ? ` (context root ${root})` : ''}`,
        );
      }
      out = `${url.origin}${path}`;
      notes.push(`${label}: ${out} keeps its own path ${path} (the balancer's context root is ${root || 'none'})`);
    }
    return out;
  }
  const { host, port } = splitHostPort(raw, field);
  const usePort = port ?? balancer.port;
  let url: URL;
  try {
    url = new URL(`${balancer.protocol}//${host}${usePort ? `:${usePort}` : ''}${root}`);
  } catch {
    throw badInput(field, `${JSON.stringify(raw)} is not a host name or address`);
  }
  if (url.port === '0') throw badInput(field, 'port 0 is not a port anything listens on (use 1–65535)');
  const out = `${url.origin}${root}`;
  const took = [
    `scheme ${balancer.protocol.replace(':', '')}`,
    ...(port ? [] : balancer.port ? [`port ${balancer.port}`] : []),
    ...(root ? [`context root ${root}`] : []),
  ];
  notes.push(`${label}: ${raw} → ${out} (the balancer's ${took.join(', ')})`);
  if (/[^\x20-\x7e]/.test(host) && url.hostname !== host.toLowerCase()) {
    notes.push(`${label}: the host ${host} is written ${url.hostname} (its IDNA form)`);
  }
  return out;
}

/**
 * A list the server could not give: an answer that is not one is an empty list (the admin names
 * it); a certificate nobody trusts says so, with the way on, rather than "give --db".
 */
function askedNothing(e: unknown): string[] {
  if (isAppError(e) && e.code === ErrorCode.TLS_UNTRUSTED) {
    throw new AppError(
      ErrorCode.TLS_UNTRUSTED,
      `${e.message}. Give the cluster's CA bundle, or name the repository and database to add the cluster now and trust its certificate after`,
      { details: { ...e.details, field: 'caPem' } },
    );
  }
  return [];
}

/** Works out the whole cluster; `http` asks the server (its CA bundle and the OS trust store). */
export async function resolveFromUrl(arg: FromUrlInput, http: HttpClient): Promise<FromUrlResult> {
  if (arg === null || typeof arg !== 'object') throw badInput('arg', 'must be an object');
  if (typeof arg.from !== 'string') throw badInput('from', 'is required: one URL of the cluster');
  if (!Array.isArray(arg.nodes) || arg.nodes.some((n) => typeof n !== 'string')) {
    throw badInput('nodes', 'must be a list of hosts, host:ports or URLs');
  }
  if (arg.nodes.length === 0) throw badInput('nodes', 'a cluster needs at least one node: a host, host:port or URL');
  const notes: string[] = [];
  const { url: from, notes: fromNotes } = checkUrl(arg.from, 'from');
  notes.push(...fromNotes);
  const classified = classifyPath(from.pathname.replace(/\/+$/, ''));
  let kind = classified.kind;
  let root = classified.root;
  if (kind) notes.push(`kind ${kind}: ${classified.because}`);
  else {
    const probed = await probeKind(http, from.origin, root, notes);
    kind = probed.kind;
    root = probed.root;
  }
  notes.push(root ? `context root ${root}` : 'no context root (the product sits at the server root)');

  let balancer: URL;
  if (arg.balancerUrl !== undefined && arg.balancerUrl !== '') {
    const b = checkUrl(arg.balancerUrl, 'balancerUrl');
    notes.push(...b.notes);
    balancer = b.url;
    const bPath = balancer.pathname.replace(/\/+$/, '');
    if (bPath === '' && root) notes.push(`balancer: ${balancer.origin} → ${balancer.origin}${root} (the context root)`);
  } else {
    balancer = new URL(`${from.origin}${root}`);
    notes.push(`balancer ${from.origin}${root}: the URL's server and context root`);
  }
  const balancerUrl = `${balancer.origin}${balancer.pathname.replace(/\/+$/, '') || root}`;
  const nodes = arg.nodes.map((n, i) => normaliseNode(n, i, balancer, root, kind, notes));

  let repo: string | null = null;
  let db: string | null = null;
  if (kind === 'clearquest') {
    const listedRepos = classified.repo || arg.repo ? [] : await listRepos(http, balancerUrl).catch(askedNothing);
    repo = pick('repo', classified.repo, arg.repo || undefined, listedRepos, notes);
    const listedDbs = classified.db || arg.db ? [] : await listDbs(http, balancerUrl, repo).catch(askedNothing);
    db = pick('db', classified.db, arg.db || undefined, listedDbs, notes);
  } else if (kind === 'sandbox') {
    repo = arg.repo || 'cqschema';
    db = arg.db || 'SAMPL';
  }

  const input: ClusterInput = {
    name: arg.name,
    kind,
    balancerUrl,
    nodes: nodes.map((url) => ({ url })),
    repo,
    db,
    caPem: arg.caPem ?? null,
  };
  // Validated as addCluster will: a bad name or a duplicate node is refused here, before any save.
  const def = clusterFromInput(input);

  let oauth: FromUrlResult['oauth'] = null;
  try {
    const balancerNode: NodeDefinition = { id: 'balancer', label: 'balancer', url: balancerUrl };
    const found = await adapterFor(kind).discover({ cluster: def, node: balancerNode, http });
    const e = found.endpoints;
    oauth = {
      requestToken: e.requestToken,
      authorize: e.authorize,
      accessToken: e.accessToken,
      source: e.source ?? 'discovery',
    };
    notes.push(`OAuth URLs read from the balancer (${oauth.source})`);
  } catch (e) {
    notes.push(
      `OAuth URLs not read from the balancer: ${isAppError(e) ? `${e.code}: ${e.message}` : String(e)} — run the connection test`,
    );
  }
  return { input, kind, contextRoot: root, oauth, notes };
}
