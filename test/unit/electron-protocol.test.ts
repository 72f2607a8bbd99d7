/**
 * The app:// scheme (electron/desktop/protocol.ts): registered privileged before ready, serving the built
 * console with the CSP and security headers on every answer, and refusing every way out of it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { protocol, resetFakeElectron } from '../_fake-electron.ts';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../../electron/server/csp.ts';
import { CONSOLE_URL, isConsoleUrl, registerAppScheme, serveConsole } from '../../electron/desktop/protocol.ts';

vi.mock('electron', async () => (await import('../_fake-electron.ts')).electronModule);

const SECRET = 'root:x:0:0:this must never be served';
let base: string;
let rendererDir: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'oslc-protocol-'));
  rendererDir = join(base, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{}');
  mkdirSync(join(base, 'etc'));
  writeFileSync(join(base, 'etc', 'passwd'), SECRET);
  writeFileSync(join(base, 'secret.txt'), SECRET);
  symlinkSync(join(base, 'secret.txt'), join(rendererDir, 'assets', 'link.txt'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

beforeEach(() => {
  resetFakeElectron();
  serveConsole(rendererDir);
});

/** What the renderer would get for `url`. A plain object keeps the URL exactly as written. */
async function get(url: string, method = 'GET'): Promise<Response> {
  const handler = protocol.handlers.get('app');
  expect(handler, 'protocol.handle("app", …)').toBeDefined();
  return handler!({ url, method } as Request);
}

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
}

describe('the app:// scheme', () => {
  it('is registered as a standard, secure scheme before the app is ready', () => {
    registerAppScheme();
    expect(protocol.privileged).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true } }]]);
  });

  it('serves the console index with the CSP and every security header', async () => {
    const res = await get(CONSOLE_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(res);
    expect(await res.text()).toContain('<title>console</title>');
  });

  it('serves assets with their types, and / as index.html', async () => {
    expect((await get('app://console/assets/app.js')).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await get('app://console/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await get('app://console/')).text()).toContain('console');
  });

  it('answers a HEAD without a body and refuses other methods', async () => {
    const head = await get(CONSOLE_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get(CONSOLE_URL, 'POST');
    expect(post.status).toBe(405);
    expectSecurityHeaders(post);
  });

  it('carries the security headers on refusals and misses too', async () => {
    for (const url of ['app://console/nope.html', 'app://console/../secret.txt', 'app://other/index.html']) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expectSecurityHeaders(res);
    }
  });

  it.each([
    'app://console/../../etc/passwd',
    'app://console/../secret.txt',
    'app://console/assets/../../secret.txt',
    'app://console/%2e%2e/%2e%2e/etc/passwd',
    'app://console/%2E%2E/secret.txt',
    'app://console/.%2e/secret.txt',
    'app://console/..%2f..%2fetc%2fpasswd',
    'app://console/..%2Fsecret.txt',
    'app://console/assets/..%5c..%5csecret.txt',
    'app://console/..\\secret.txt',
    'app://console/%252e%252e%252fsecret.txt',
    'app://console/assets/link.txt',
    'app://console/assets%00/../../secret.txt',
    'app://console/%00',
  ])('refuses the path traversal %s', async (url) => {
    const res = await get(url);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).not.toContain(SECRET);
  });

  it('refuses traversal after a URL parser normalised the dots away, as Chromium does', async () => {
    // `new Request` normalises `app://console/../../etc/passwd` to `app://console/etc/passwd`.
    const handler = protocol.handlers.get('app')!;
    const res = await handler(new Request('app://console/../../etc/passwd'));
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(SECRET);
  });

  it('serves only the console host', async () => {
    expect((await get('app://evil/index.html')).status).toBe(404);
  });

  it('says plainly when the console is not built', async () => {
    resetFakeElectron();
    serveConsole(join(base, 'missing'));
    const res = await get(CONSOLE_URL);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('npm run build');
  });

  it('tells console URLs from everything else', () => {
    expect(isConsoleUrl('app://console/index.html')).toBe(true);
    expect(isConsoleUrl('app://console2/index.html')).toBe(false);
    expect(isConsoleUrl('https://console/index.html')).toBe(false);
    expect(isConsoleUrl('not a url')).toBe(false);
  });
});
