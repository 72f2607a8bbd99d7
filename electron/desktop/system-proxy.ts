/**
 * The desktop's proxies follow the system (issue 24): each node's proxy is what Chromium's network
 * stack would use for it — the OS settings, a PAC file or WPAD — through `session.resolveProxy`,
 * handed to the engine's undici client as its proxy resolver. Loopback never asks (the client keeps
 * it direct). The CLI and browser mode keep HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
 */
import type { Session } from 'electron';
import { proxyFromPacResult } from '../core/http/pac-result.ts';
import type { ProxyResolver } from '../core/http/proxy.ts';

/** `session`: called at each request, so it may be made ready lazily (Electron's default session exists once the app is ready). */
export function systemProxyResolver(session: () => Promise<Pick<Session, 'resolveProxy'>>): ProxyResolver {
  return async (url) => proxyFromPacResult(await (await session()).resolveProxy(url.href));
}
