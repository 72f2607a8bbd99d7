/**
 * The console's own origin, `app://console/`: the built renderer (dist/renderer) served by the main
 * process with the CSP and security headers of electron/server/csp.ts on every response. A custom scheme
 * instead of file:// gives the page a real origin for `'self'` and keeps it from reading any other
 * file (Electron security checklist: "Avoid usage of the file:// protocol and prefer usage of custom
 * protocols"; §7 "Define a Content-Security-Policy").
 */
import { protocol } from 'electron';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { SECURITY_HEADERS } from '../server/csp.ts';
import { CONTENT_TYPES } from '../server/content-types.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const CONSOLE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True for a URL on the console's origin. `URL.origin` is "null" for custom schemes, so compare the parts. */
export function isConsoleUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Must run before `app` is ready. `standard` gives the scheme origins and relative URLs; `secure`
 * makes it a secure context like https, so the page gets no mixed-content or insecure-origin leeway.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

function answer(
  status: number,
  body: ConstructorParameters<typeof Response>[0],
  type = 'text/plain; charset=utf-8',
): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache' },
  });
}

/**
 * A `..` segment in the URL as the renderer wrote it, plain or percent-encoded, with either slash.
 * URL parsers normally remove dot segments before the handler sees them; this refuses what slips
 * through (an encoded slash is not a separator to the parser, but is one once decoded).
 */
const DOT_DOT_SEGMENT = /(?:^|\/|\\|%2f|%5c)(?:\.|%2e){2}(?:$|\/|\\|%2f|%5c|\?|#)/i;

/** The file under `root` that `requestUrl` names, or the status that refuses it. */
async function resolveConsoleFile(root: string, requestUrl: string): Promise<string | number> {
  if (DOT_DOT_SEGMENT.test(requestUrl)) return 403;
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return 400;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return 404;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return 400;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) return 403;
  if (path.endsWith('/')) path += 'index.html';
  const file = resolve(root, `.${path}`);
  if (!file.startsWith(root + sep)) return 403;
  // A symlink inside the build must not lead out of it either.
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return 404;
  }
  if (!real.startsWith(root + sep)) return 403;
  if (!(await stat(real)).isFile()) return 404;
  return real;
}

/** Answers one `app://console/…` request from the files under `rendererDir`. */
export async function consoleResponse(
  rendererDir: string,
  request: Pick<Request, 'url' | 'method'>,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'Method not allowed');
  let root: string;
  try {
    root = await realpath(resolve(rendererDir));
  } catch {
    return answer(404, 'The console is not built (npm run build)');
  }
  const found = await resolveConsoleFile(root, request.url);
  if (typeof found === 'number') return answer(found, found === 404 ? 'Not found' : 'Refused');
  const type = CONTENT_TYPES[extname(found).toLowerCase()] ?? 'application/octet-stream';
  return answer(200, request.method === 'HEAD' ? null : await readFile(found), type);
}

/** Serves the console on `app://console/` from `rendererDir`; returns the undo. */
export function serveConsole(rendererDir: string): () => void {
  protocol.handle(APP_SCHEME, (request) => consoleResponse(rendererDir, request));
  return () => protocol.unhandle(APP_SCHEME);
}
