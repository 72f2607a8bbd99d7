/**
 * At run time the app connects to nothing but the nodes an admin configured: no update check, no
 * telemetry, no CDN, no remote font, no crash upload. This test reads the bundles that ship (what
 * app.asar holds: dist/main.mjs, dist/preload.cjs, every file under dist/renderer) and fails on any
 * remote URL written into them, unless it is documentation: text in a comment, or a link inside a
 * sentence shown to a person. The rule, precisely:
 *
 * 1. A URL is `http://`, `https://`, `ws://`, `wss://` or `ftp://` followed by a host; in string
 *    literals, HTML and CSS also a protocol-relative `//host.tld/…`.
 * 2. JavaScript is split into comments, string-like literals (strings, template chunks) and regular
 *    expressions by the TypeScript parser, so a `//` inside a string is never taken for a comment.
 *    HTML and CSS files are taken whole: there is no comment exemption in them.
 * 3. A URL is local, and fine, when its host is written out as loopback (`localhost`, `*.localhost`,
 *    `127.x.x.x`, `[::1]`, `0.0.0.0`), or when no host is written at all: `https://` followed by a
 *    template substitution or nothing (the host is a configured node's, joined in at run time).
 * 4. A remote URL is allowed when
 *    a. it is in a JavaScript comment (license headers, spec references: comments never run), or
 *    b. it is in a string-like literal that is prose: with every URL taken out, the literal still
 *       has two words (two or more letters each) separated by whitespace, and the URL is not an
 *       attribute value, `url(…)` or `@import` (markup that loads or links it), or
 *    c. its host is a name reserved for documentation and examples (RFC 2606, RFC 6761):
 *       example.com, example.net, example.org and their subdomains, or a name under .example,
 *       .test or .invalid (input placeholders, sample configurations), or
 *    d. it is in ALLOWED below: identifiers that are compared, never dereferenced, each with its reason.
 * 5. Every other remote URL fails the test, with its file, line and surroundings.
 *
 * The rule itself is checked first on small samples, so that a pass means what it says.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Remote URLs that are identifiers, not destinations. `prefix: true` allows the URLs starting with it. */
const ALLOWED: { url: string; prefix?: boolean; reason: string }[] = [
  ...['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1998/Math/MathML'].map(
    (url) => ({ url, reason: 'XML namespace of the DOM (Svelte creates SVG/MathML elements in it)' }),
  ),
  ...['http://www.w3.org/1999/xlink', 'http://www.w3.org/XML/1998/namespace', 'http://www.w3.org/2000/xmlns/'].map(
    (url) => ({ url, reason: 'XML namespace of the DOM' }),
  ),
  {
    url: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
    reason: 'RDF namespace: discovery documents are read by comparing element namespaces with it',
  },
  ...['http://open-services.net/ns/', 'http://open-services.net/xmlns/', 'http://jazz.net/xmlns/'].map((url) => ({
    url,
    prefix: true,
    reason: 'OSLC and Jazz RDF namespaces: compared with element namespaces in discovery documents',
  })),
  { url: 'http://purl.org/dc/', prefix: true, reason: 'Dublin Core namespace (dcterms:title in discovery documents)' },
  ...['http://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-07/schema#'].map((url) => ({
    url,
    reason: "JSON Schema dialect identifier (zod's $schema); never fetched",
  })),
  {
    url: 'https://json-schema.org/draft/2020-12/schema',
    reason: "JSON Schema dialect identifier (zod's $schema); never fetched",
  },
  {
    url: 'https://svelte.dev/e/',
    prefix: true,
    reason: "Svelte's production error messages: the text of a thrown Error is the link to its explanation",
  },
  {
    url: 'http://control',
    reason: "base for new URL(req.url, base) in the sandbox's control server: parses a path, fetches nothing",
  },
];

type Region = 'comment' | 'literal' | 'regex' | 'markup';

interface UrlHit {
  url: string;
  host: string | null;
  region: Region;
  /** The comment, literal or markup around the URL. */
  text: string;
  offset: number;
}

const SCHEME_URL = /\b(?:https?|wss?|ftp):\/\/[^\s"'`<>\\)]*/gi;
const PROTOCOL_RELATIVE = /(?<![\w:/])\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?=[/:?#"'`\s)]|$)[^\s"'`<>\\)]*/gi;

/** The host as written, or null when none is (a substitution, or the URL ends after `//`). */
function hostOf(url: string): string | null {
  const rest = url.replace(/^[a-z]*:?\/\//i, '');
  if (rest === '' || rest.startsWith('${')) return null;
  const authority = rest.split(/[/?#]/, 1)[0]!.replace(/^[^@]*@/, '');
  if (authority.includes('${')) return null;
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.split(':')[0]!;
  return host.toLowerCase();
}

function isLoopback(host: string | null): boolean {
  if (host === null) return true;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]' ||
    host === '0.0.0.0'
  );
}

function urlsIn(text: string, region: Region, base: number, withProtocolRelative: boolean): UrlHit[] {
  const hits: UrlHit[] = [];
  for (const m of text.matchAll(SCHEME_URL)) {
    hits.push({ url: m[0], host: hostOf(m[0]), region, text, offset: base + m.index });
  }
  if (withProtocolRelative) {
    for (const m of text.matchAll(PROTOCOL_RELATIVE)) {
      hits.push({ url: m[0], host: hostOf(m[0]), region, text, offset: base + m.index });
    }
  }
  return hits;
}

/** Comments, string-like literals and regular expressions of a script, each with its text. */
function scriptRegions(source: string): { region: Region; start: number; end: number }[] {
  const file = ts.createSourceFile('bundle.js', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const literals: { region: Region; start: number; end: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      literals.push({ region: 'literal', start: node.getStart(file), end: node.end });
    } else if (ts.isRegularExpressionLiteral(node)) {
      literals.push({ region: 'regex', start: node.getStart(file), end: node.end });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  literals.sort((a, b) => a.start - b.start);
  // Between the literals the parser found, `//` and `/*` can only open comments.
  const regions: { region: Region; start: number; end: number }[] = [];
  let next = 0;
  for (let i = 0; i < source.length;) {
    while (next < literals.length && literals[next]!.start < i) next++;
    const lit = literals[next];
    if (lit && lit.start === i) {
      regions.push(lit);
      i = lit.end;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      regions.push({ region: 'comment', start: i, end: end < 0 ? source.length : end });
      i = end < 0 ? source.length : end;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      regions.push({ region: 'comment', start: i, end: end < 0 ? source.length : end + 2 });
      i = end < 0 ? source.length : end + 2;
    } else i++;
  }
  return regions;
}

function findUrls(source: string, kind: 'script' | 'markup'): UrlHit[] {
  if (kind === 'markup') return urlsIn(source, 'markup', 0, true);
  return scriptRegions(source).flatMap(({ region, start, end }) =>
    urlsIn(source.slice(start, end), region, start, region !== 'comment'),
  );
}

const allowedBy = (url: string) => ALLOWED.find((a) => (a.prefix ? url.startsWith(a.url) : url === a.url));

/** Rule 4b: a sentence around the link, and the link not loaded or linked by markup. */
function isProse(hit: UrlHit): boolean {
  const at = hit.text.indexOf(hit.url);
  const before = hit.text.slice(0, at);
  if (/(?:=\s*["']?|url\(\s*["']?|@import\s+["']?)$/i.test(before)) return false;
  return /[A-Za-z]{2,}\s+[A-Za-z]{2,}/.test(hit.text.replace(SCHEME_URL, ' ').replace(PROTOCOL_RELATIVE, ' '));
}

/** Rule 4c: names that exist for documentation and can never be a service of ours. */
function isDocumentationHost(host: string | null): boolean {
  return host !== null && /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid)$/.test(host);
}

/** Why a remote URL may stay, or null when it may not. */
function verdict(hit: UrlHit): string | null {
  if (isLoopback(hit.host)) return 'local';
  if (hit.region === 'comment') return 'comment';
  if (hit.region === 'literal' && isProse(hit)) return 'prose';
  if (isDocumentationHost(hit.host)) return 'documentation name';
  const allowed = allowedBy(hit.url);
  return allowed ? `allowed: ${allowed.reason}` : null;
}

function violations(source: string, kind: 'script' | 'markup'): string[] {
  return findUrls(source, kind)
    .filter((h) => verdict(h) === null)
    .map((h) => h.url);
}

describe('the rule, on samples', () => {
  it('fails a bare remote URL in code, in a template, inside a template substitution, or protocol-relative', () => {
    expect(violations('fetch("https://telemetry.vendor.io/v1/events")', 'script')).toEqual([
      'https://telemetry.vendor.io/v1/events',
    ]);
    expect(violations('const u = `https://updates.vendor.io/${version}/latest.yml`;', 'script')).toHaveLength(1);
    expect(violations('const u = `${"wss://push.vendor.io/socket"}`;', 'script')).toHaveLength(1);
    expect(violations('load("//cdn.vendor.io/lib.js")', 'script')).toEqual(['//cdn.vendor.io/lib.js']);
    expect(violations('const re = /x/; const u = "ftp://files.vendor.io/a"; // x', 'script')).toHaveLength(1);
  });

  it('allows documentation: a comment, or a link inside a sentence', () => {
    expect(violations('// See https://www.rfc-editor.org/rfc/rfc5849 §3.4\nx();', 'script')).toEqual([]);
    expect(violations('/* https://fetch.spec.whatwg.org/#x */ f(/* http://vendor.io */);', 'script')).toEqual([]);
    const sentence =
      'throw new Error("The node is stale; see https://www.ibm.com/support/pages/swg21643365 for the fix")';
    expect(violations(sentence, 'script')).toEqual([]);
  });

  it('does not count a URL in markup as prose, even with words around it', () => {
    const markup = 'el.innerHTML = `<p>Hello there</p><img src="https://pixel.vendor.io/t.gif">`;';
    expect(violations(markup, 'script')).toEqual(['https://pixel.vendor.io/t.gif']);
    expect(
      violations('s = "body { background: url(https://img.vendor.io/a.png) } and more words"', 'script'),
    ).toHaveLength(1);
  });

  it('allows loopback hosts and URLs whose host is joined in at run time', () => {
    const local = [
      '"http://127.0.0.1:" + port',
      '`http://localhost:${port}/`',
      '"http://[::1]:8080/x"',
      '`https://${node.host}/oslc`',
      '`http://[${address}]:${port}`',
      'u.startsWith("https://")',
      '"http://app.localhost/"',
    ];
    for (const code of local) expect(violations(code, 'script')).toEqual([]);
  });

  it('allows names reserved for documentation, such as an input placeholder, and no look-alike', () => {
    expect(violations('placeholder: "https://cq.example.com/cqweb"', 'script')).toEqual([]);
    expect(violations('p = `https://node1.example.org:12443/jts`; q = "http://lb.test/"', 'script')).toEqual([]);
    expect(violations('fetch("https://example.com.vendor.io/x")', 'script')).toHaveLength(1);
    expect(violations('fetch("https://myexample.com/x")', 'script')).toHaveLength(1);
  });

  it('allows the listed identifiers only, exactly or by their listed prefix', () => {
    expect(violations('createElementNS("http://www.w3.org/2000/svg", "path")', 'script')).toEqual([]);
    expect(violations('ns === "http://open-services.net/ns/cm#"', 'script')).toEqual([]);
    expect(violations('fetch("http://www.w3.org/2000/svg/extra")', 'script')).toHaveLength(1);
  });

  it('does not take // in a string or a regular expression for a comment', () => {
    expect(violations('const s = "a // b"; fetch("https://evil.vendor.io/");', 'script')).toHaveLength(1);
    expect(violations('const r = /\\/\\//g; fetch("https://evil.vendor.io/");', 'script')).toHaveLength(1);
  });

  it('reads HTML and CSS whole, with no exemption for their comments', () => {
    expect(
      violations('<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">', 'markup'),
    ).toHaveLength(1);
    expect(violations('<!-- https://vendor.io/ --><script src="/assets/a.js"></script>', 'markup')).toHaveLength(1);
    expect(violations('@import url(//fonts.vendor.io/a.css);', 'markup')).toHaveLength(1);
    expect(violations('<script type="module" src="./assets/index.js"></script>', 'markup')).toEqual([]);
  });
});

/** What ships: the main process, the preload, and every file of the renderer. */
function shippedFiles(): { file: string; kind: 'script' | 'markup' }[] {
  const files = ['dist/main.mjs', 'dist/preload.cjs'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  if (existsSync(join(root, 'dist/renderer'))) walk('dist/renderer');
  return files
    .filter((f) => extname(f) !== '.map')
    .map((file) => ({ file, kind: ['.js', '.mjs', '.cjs'].includes(extname(file)) ? 'script' : 'markup' }));
}

describe('the built bundles', () => {
  const files = shippedFiles();

  it('are built (npm run build), main, preload and renderer', () => {
    for (const f of ['dist/main.mjs', 'dist/preload.cjs', 'dist/renderer/index.html']) {
      expect(existsSync(join(root, f)), `${f} is missing: run npm run build`).toBe(true);
    }
    expect(files.some((f) => /^dist\/renderer\/.+\.js$/.test(f.file.split('\\').join('/')))).toBe(true);
  });

  it('hold no remote URL that is not documentation or a listed identifier', () => {
    const bad: string[] = [];
    for (const { file, kind } of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const hit of findUrls(source, kind)) {
        if (verdict(hit) !== null) continue;
        const line = source.slice(0, hit.offset).split('\n').length;
        const around = source
          .slice(Math.max(0, hit.offset - 60), hit.offset + hit.url.length + 20)
          .replace(/\s+/g, ' ');
        bad.push(`${relative(root, join(root, file))}:${line} ${hit.region} ${hit.url} … ${around}`);
      }
    }
    expect(bad).toEqual([]);
  }, 60_000);
});
